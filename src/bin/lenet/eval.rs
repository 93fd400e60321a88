//! `lenet eval`: accuracy, per-class accuracy and the confusion matrix on
//! MNIST's test set or on the generated handwriting sets, and how many
//! non-digits are turned away.

use std::collections::BTreeMap;
use std::path::Path;

use clap::ValueEnum;
use lenet::data::{self, Split};
use lenet::preprocess::SIDE;
use lenet::read::{rejected_at, Reading};
use lenet::synth::mix::{Drawn, EvalSet};
use lenet::synth::{Generator, NOT_A_DIGIT};
use lenet::Workspace;

use crate::{load_weights, CliResult};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Set {
    /// MNIST's test split (or its training split with --train-split).
    Mnist,
    /// Held-out stroke-program digits.
    Strokes,
    /// MNIST's test digits redrawn with a round pen.
    Restroked,
    /// Held-out non-digits: letters, symbols, scribbles, dots, dashes.
    Negatives,
    /// All four, and the share of non-digits turned away at 99% of digits read.
    All,
}

pub fn run(weights: &Path, dir: &Path, train_split: bool, set: Set, count: usize) -> CliResult<()> {
    let net = load_weights(weights)?;
    let split = if train_split { Split::Train } else { Split::Test };
    let mnist = data::load(dir, split).map_err(|e| e.to_string())?;
    let g = Generator::new();
    let mut ws = Workspace::new();
    let sets: Vec<Set> =
        if set == Set::All { vec![Set::Mnist, Set::Strokes, Set::Restroked, Set::Negatives] } else { vec![set] };
    let side = net.input_shape().height;
    let digits = net.num_classes() - usize::from(net.spec().reject);
    if sets.iter().any(|&s| s != Set::Mnist) && (digits != 10 || net.input_shape().len() != SIDE * SIDE) {
        return Err(format!(
            "the generated sets are 1x32x32 digits 0-9; {} takes {} and has {digits} classes",
            weights.display(),
            net.input_shape()
        ));
    }
    // Each sample's "not a digit" score: the reject output's probability, or
    // for a network without one, 1 - its top probability.
    let (mut digit_scores, mut negative_scores) = (Vec::new(), Vec::new());
    for set in sets {
        let (name, Drawn { inputs, labels, kinds }) = match set {
            Set::Mnist => (
                if train_split { "MNIST training" } else { "MNIST test" },
                Drawn { inputs: mnist.inputs(side), labels: mnist.labels.clone(), kinds: Vec::new() },
            ),
            Set::Strokes => ("stroke-program (held out)", EvalSet::Strokes.make(&g, count, &mnist)),
            Set::Restroked => ("MNIST test redrawn", EvalSet::Restroked.make(&g, count, &mnist)),
            Set::Negatives => ("non-digit (held out)", EvalSet::Negatives.make(&g, count, &mnist)),
            Set::All => unreachable!("expanded above"),
        };
        // Non-digits are a row of their own for a network without a reject output.
        if set != Set::Negatives {
            net.check_labels(&labels, labels.len()).map_err(|e| e.to_string())?;
        }
        let readings = net.read_batch(&inputs, &mut ws).map_err(|e| e.to_string())?;
        let scores = readings.iter().map(|r| if net.spec().reject { r.not_digit } else { 1.0 - r.confidence });
        if set == Set::Negatives {
            negative_scores.extend(scores)
        } else {
            digit_scores.extend(scores)
        }
        println!("{} on {} {name} images", weights.display(), labels.len());
        print_report(&readings, &labels, net.spec().reject);
        if net.spec().reject && !kinds.is_empty() {
            print_by_kind(&readings, &kinds);
        }
        println!();
    }
    if !digit_scores.is_empty() && !negative_scores.is_empty() {
        let (t, share) = rejected_at(&digit_scores, &negative_scores, 0.99);
        println!(
            "non-digits turned away while 99% of digits are read: {:.2}% (threshold {t:.4} on {})",
            100.0 * share,
            if net.spec().reject { "the reject output's probability" } else { "1 - the top probability" }
        );
    }
    Ok(())
}

fn print_report(readings: &[Reading], labels: &[u8], reject: bool) {
    let classes = readings.first().map_or(0, |r| r.probabilities.len());
    let columns = classes + usize::from(reject);
    // Non-digits have a row of their own even where no answer can be right.
    let rows = columns.max(labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0));
    let mut confusion = vec![vec![0usize; columns]; rows];
    for (r, &truth) in readings.iter().zip(labels) {
        let answer = r.digit.map_or(classes, |d| d as usize);
        confusion[truth as usize][answer] += 1;
    }
    let right = |c: usize| confusion[c].get(c).copied().unwrap_or(0);
    let correct: usize = (0..rows).map(right).sum();
    println!("accuracy: {:.2}% ({correct}/{})", 100.0 * correct as f32 / labels.len() as f32, labels.len());
    if reject {
        let digits = labels.iter().filter(|&&l| l != NOT_A_DIGIT).count();
        let refused = readings.iter().zip(labels).filter(|(r, &l)| l != NOT_A_DIGIT && r.digit.is_none()).count();
        if digits > 0 {
            println!(
                "digits answered \"not a digit\": {:.2}% ({refused}/{digits})",
                100.0 * refused as f32 / digits as f32
            );
        }
    }
    let name = |c: usize| if c == classes { "not".to_string() } else { c.to_string() };
    println!("per class:");
    for (c, row) in confusion.iter().enumerate() {
        let total: usize = row.iter().sum();
        if total > 0 {
            println!("  {:>3}: {:6.2}% ({}/{total})", name(c), 100.0 * right(c) as f32 / total as f32, right(c));
        }
    }
    println!("confusion matrix (rows: true label, columns: answer; not = not a digit):");
    print!("       ");
    (0..columns).for_each(|c| print!("{:>6}", name(c)));
    println!();
    for (c, row) in confusion.iter().enumerate() {
        if row.iter().sum::<usize>() > 0 {
            print!("  {:>3}: ", name(c));
            row.iter().for_each(|v| print!("{v:>6}"));
            println!();
        }
    }
}

/// The share of each kind of non-digit answered "not a digit", worst first:
/// where the misses are.
fn print_by_kind(readings: &[Reading], kinds: &[&str]) {
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (r, &kind) in readings.iter().zip(kinds) {
        let (rejected, total) = counts.entry(kind).or_default();
        *rejected += usize::from(r.digit.is_none());
        *total += 1;
    }
    let mut by_kind: Vec<(&str, usize, usize)> = counts.into_iter().map(|(k, (r, t))| (k, r, t)).collect();
    // Worst share first (compared as fractions); ties by name, as collected.
    by_kind.sort_by(|a, b| (a.1 * b.2).cmp(&(b.1 * a.2)));
    println!("answered \"not a digit\", by kind:");
    for (kind, rejected, total) in by_kind {
        println!("  {kind:>22}: {:6.2}% ({rejected}/{total})", 100.0 * rejected as f32 / total as f32);
    }
}
