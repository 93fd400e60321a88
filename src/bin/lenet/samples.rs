//! `lenet samples`: a contact sheet of what the handwriting generator makes,
//! as the network sees it (32 x 32 inputs, ink dark on white).
//!
//! Rows 0-9: the digits from stroke programs, 12 for training then 4 held
//! out (after the gap); two rows of MNIST training digits redrawn with a
//! round pen; three rows of non-digits for training and one held out.
//!
//! With `--strokes N`: N held-out stroke-program digits of each class and N
//! held-out non-digits (label null) as pen paths in JSON,
//! `[{"label": 7, "strokes": [[[x, y], ...], ...]}, ...]`.

use std::path::Path;

use lenet::data::{self, Split};
use lenet::synth::{Generator, Part};

use crate::CliResult;

const COLUMNS: usize = 16;
const SPLIT_AT: usize = 12;
const CELL: usize = 32;
const SCALE: u32 = 2;
const GAP: usize = 4;

pub fn run(out: &Path, dir: &Path) -> CliResult<()> {
    let g = Generator::new();
    let mnist = data::load(dir, Split::Train).map_err(|e| e.to_string())?;
    let part = |column: usize| if column < SPLIT_AT { Part::Training } else { Part::Evaluation };
    let mut rows: Vec<Vec<Vec<f32>>> = Vec::new();
    for label in 0..10u8 {
        rows.push((0..COLUMNS).map(|c| g.digit(label, c as u64, part(c))).collect());
    }
    for r in 0..2 {
        rows.push((0..COLUMNS).map(|c| g.restroked(c as u64, Part::Training, mnist.image(r * COLUMNS + c))).collect());
    }
    for r in 0..4u64 {
        let part = if r < 3 { Part::Training } else { Part::Evaluation };
        rows.push((0..COLUMNS as u64).map(|c| g.negative(r * 100 + c, part)).collect());
    }
    let cell = CELL + GAP;
    let (width, height) = (COLUMNS * cell + 3 * GAP, rows.len() * cell + 2 * GAP);
    let mut sheet = image::GrayImage::from_pixel(width as u32, height as u32, image::Luma([255]));
    for (r, row) in rows.iter().enumerate() {
        // Gaps between the digits, the redrawn MNIST and the non-digits.
        let y0 = r * cell + GAP * (usize::from(r >= 10) + usize::from(r >= 12));
        for (c, input) in row.iter().enumerate() {
            let x0 = c * cell + if c >= SPLIT_AT { 3 * GAP } else { 0 };
            for (i, v) in input.iter().enumerate() {
                let shade = (255.0 * (1.0 - v.clamp(0.0, 1.0))).round() as u8;
                sheet.put_pixel((x0 + i % CELL) as u32, (y0 + i / CELL) as u32, image::Luma([shade]));
            }
        }
    }
    let big = image::imageops::resize(
        &sheet,
        width as u32 * SCALE,
        height as u32 * SCALE,
        image::imageops::FilterType::Nearest,
    );
    big.save(out).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}

pub fn strokes(out: &Path, per_class: u64) -> CliResult<()> {
    let g = Generator::new();
    let paths = |label: Option<u8>, seed: u64| match label {
        Some(digit) => g.digit_strokes(digit, seed, Part::Evaluation),
        None => g.negative_strokes(seed, Part::Evaluation),
    };
    let labels = (0..10u8).map(Some).chain(std::iter::once(None));
    let drawings: Vec<serde_json::Value> = (0..per_class)
        .flat_map(|seed| labels.clone().map(move |label| (label, seed)))
        .map(|(label, seed)| serde_json::json!({ "label": label, "strokes": paths(label, seed) }))
        .collect();
    let text = serde_json::to_string(&drawings).map_err(|e| e.to_string())?;
    std::fs::write(out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("wrote {} drawings' pen paths to {}", drawings.len(), out.display());
    Ok(())
}
