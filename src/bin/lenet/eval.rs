//! `lenet eval`: accuracy, per-class accuracy and the confusion matrix.

use std::path::Path;

use lenet::data::{self, Split};
use lenet::Workspace;

use crate::{load_weights, CliResult};

pub fn run(weights: &Path, dir: &Path, train_split: bool) -> CliResult<()> {
    let net = load_weights(weights)?;
    let split = if train_split { Split::Train } else { Split::Test };
    let set = data::load(dir, split).map_err(|e| e.to_string())?;
    let side = net.input_shape().height;
    let eval = net.evaluate(&set.inputs(side), &set.labels, 256, &mut Workspace::new()).map_err(|e| e.to_string())?;
    let classes = net.num_classes();
    let mut confusion = vec![vec![0usize; classes]; classes];
    for (&truth, &guess) in set.labels.iter().zip(&eval.predictions) {
        confusion[truth as usize][guess as usize] += 1;
    }
    let correct: usize = (0..classes).map(|c| confusion[c][c]).sum();
    println!("{} on {} {} images", weights.display(), set.len(), if train_split { "training" } else { "test" });
    println!("accuracy: {:.2}% ({correct}/{}), loss {:.4}", 100.0 * eval.accuracy, set.len(), eval.loss);
    println!("\nper class:");
    for (c, row) in confusion.iter().enumerate() {
        let total: usize = row.iter().sum();
        let pct = if total == 0 { 0.0 } else { 100.0 * row[c] as f32 / total as f32 };
        println!("  {c}: {pct:6.2}% ({}/{total})", row[c]);
    }
    println!("\nconfusion matrix (rows: true label, columns: predicted):");
    print!("     ");
    (0..classes).for_each(|c| print!("{c:>6}"));
    println!();
    for (c, row) in confusion.iter().enumerate() {
        print!("  {c}: ");
        row.iter().for_each(|v| print!("{v:>6}"));
        println!();
    }
    Ok(())
}
