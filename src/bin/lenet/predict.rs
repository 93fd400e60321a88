//! `lenet predict`: digits in image files, through the same preprocessing as
//! the web page.

use std::path::PathBuf;

use lenet::preprocess;
use lenet::Workspace;

use crate::{load_weights, CliResult};

pub fn run(weights: &std::path::Path, images: &[PathBuf], number: bool) -> CliResult<()> {
    let net = load_weights(weights)?;
    let mut ws = Workspace::new();
    let mut failed = 0;
    for path in images {
        let result = if number { read_number(&net, &mut ws, path) } else { predict_one(&net, &mut ws, path) };
        match result {
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

fn open(path: &std::path::Path) -> CliResult<(image::RgbaImage, usize, usize)> {
    let img = image::open(path).map_err(|e| format!("cannot read the image: {e}"))?.to_rgba8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    Ok((img, w, h))
}

/// "2024" and a line per digit: its box and confidence.
fn read_number(net: &lenet::Network, ws: &mut Workspace, path: &std::path::Path) -> CliResult<String> {
    let (img, w, h) = open(path)?;
    let number = net.read_digits(img.as_raw(), w, h, ws).map_err(|e| e.to_string())?;
    if number.digits.is_empty() {
        return Ok("no digits".into());
    }
    let mut out = number.text.clone();
    for d in &number.digits {
        let b = d.bbox;
        out += &format!(
            "\n  {} ({:.1}%) at x {} y {}, {} x {}",
            d.digit,
            100.0 * d.confidence,
            b.x,
            b.y,
            b.width,
            b.height
        );
    }
    Ok(out)
}

fn predict_one(net: &lenet::Network, ws: &mut Workspace, path: &std::path::Path) -> CliResult<String> {
    let (img, w, h) = open(path)?;
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
