//! `lenet predict`: digits in image files, through the same preprocessing as
//! the web page.

use std::path::PathBuf;

use lenet::preprocess;
use lenet::Workspace;

use crate::{load_weights, CliResult};

pub fn run(weights: &std::path::Path, images: &[PathBuf]) -> CliResult<()> {
    let net = load_weights(weights)?;
    let mut ws = Workspace::new();
    let mut failed = 0;
    for path in images {
        match predict_one(&net, &mut ws, path) {
            Ok(line) => println!("{}: {line}", path.display()),
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                failed += 1;
            }
        }
    }
    if failed > 0 {
        return Err(format!("{failed} of {} images could not be read", images.len()));
    }
    Ok(())
}

fn predict_one(net: &lenet::Network, ws: &mut Workspace, path: &std::path::Path) -> CliResult<String> {
    let img = image::open(path).map_err(|e| format!("cannot read the image: {e}"))?.to_rgba8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let Some(pre) = preprocess::preprocess_rgba(img.as_raw(), w, h).map_err(|e| e.to_string())? else {
        return Ok("blank (no ink found)".into());
    };
    let reading = net.read(&pre.input, ws).map_err(|e| e.to_string())?;
    let mut list: Vec<String> = reading.probabilities.iter().enumerate().map(|(d, p)| format!("{d}:{p:.3}")).collect();
    if net.spec().reject {
        list.push(format!("not:{:.3}", reading.not_digit));
    }
    let answer = reading.digit.map_or("not a digit".to_string(), |d| d.to_string());
    Ok(format!("{answer} ({:.1}%)  [{}]", 100.0 * reading.confidence, list.join(" ")))
}
