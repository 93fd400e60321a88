//! Numbers written on one wide canvas, for testing the number reader:
//! 2 to 6 digits (MNIST digits or stroke-program digits) side by side,
//! each at its own size and baseline, with random gaps, some of them
//! touching or overlapping their neighbour.

use crate::data::Dataset;

use super::hand::{bilinear_rect, Hand};
use super::{Generator, Part};

/// A canvas with a number on it.
#[derive(Debug, Clone)]
pub struct NumberCanvas {
    /// RGBA bytes, dark ink on white.
    pub rgba: Vec<u8>,
    pub width: usize,
    pub height: usize,
    /// The digits, left to right.
    pub text: String,
    /// Each digit's ink box `(x0, y0, x1, y1)`, x1 and y1 exclusive.
    pub boxes: Vec<(usize, usize, usize, usize)>,
}

/// The canvas height; the width is at least three times it, as the page's
/// number pad.
const HEIGHT: usize = 240;

impl Generator {
    /// A number of 2-6 digits: MNIST's `mnist` digits (its test split for
    /// evaluation) or the stroke programs of `part`, drawn by `seed`.
    pub fn number(&self, seed: u64, part: Part, mnist: &Dataset) -> NumberCanvas {
        let mut rng = fastrand::Rng::with_seed(part.seed(seed));
        let count = rng.usize(2..=6);
        let mut glyphs = Vec::with_capacity(count);
        let mut text = String::new();
        for _ in 0..count {
            let (ink, side, label) = if rng.bool() && !mnist.is_empty() {
                let i = rng.usize(..mnist.len());
                (mnist.image(i).iter().map(|&v| v as f32 / 255.0).collect(), mnist.cols, mnist.labels[i])
            } else {
                let label = rng.u8(0..10);
                let (_, program) = self.one_of(&mut rng, label, part);
                let canvas = Hand::random(&mut rng).write(&mut rng, program);
                (canvas.ink, canvas.side, label)
            };
            let tall = 100 + rng.usize(..90);
            glyphs.push(crop_to_height(&ink, side, tall));
            text.push(char::from(b'0' + label));
        }
        // Left to right: gaps from a slight overlap to a wide space.
        let mut x = 20 + rng.usize(..40);
        let mut placed = Vec::with_capacity(count);
        for (_, w, h) in &glyphs {
            let y = (HEIGHT - h) / 2 + rng.usize(..30) - 15;
            placed.push((x, y));
            let gap = rng.i32(-(*h as i32) / 12..*h as i32 / 3);
            x = (x as i32 + *w as i32 + gap).max(0) as usize;
        }
        let width = (x + 40).max(3 * HEIGHT);
        let mut ink = vec![0.0f32; width * HEIGHT];
        let mut boxes = Vec::with_capacity(count);
        for ((glyph, w, h), &(x0, y0)) in glyphs.iter().zip(&placed) {
            let (mut bx0, mut by0, mut bx1, mut by1) = (usize::MAX, usize::MAX, 0, 0);
            for gy in 0..*h {
                for gx in 0..*w {
                    let v = glyph[gy * w + gx];
                    if v > 0.05 {
                        let (cx, cy) = (x0 + gx, y0 + gy);
                        let at = cy * width + cx;
                        ink[at] = ink[at].max(v);
                        (bx0, by0, bx1, by1) = (bx0.min(cx), by0.min(cy), bx1.max(cx + 1), by1.max(cy + 1));
                    }
                }
            }
            boxes.push((bx0, by0, bx1, by1));
        }
        let rgba = ink
            .iter()
            .flat_map(|v| {
                let g = (255.0 * (1.0 - v)).round() as u8;
                [g, g, g, 255]
            })
            .collect();
        NumberCanvas { rgba, width, height: HEIGHT, text, boxes }
    }
}

/// The inked part of a square image scaled to `tall` pixels high (keeping
/// its aspect ratio): the ink, its width and its height.
fn crop_to_height(ink: &[f32], side: usize, tall: usize) -> (Vec<f32>, usize, usize) {
    let (mut x0, mut y0, mut x1, mut y1) = (side, side, 0, 0);
    for (i, &v) in ink.iter().enumerate() {
        if v > 0.05 {
            let (x, y) = (i % side, i / side);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
        }
    }
    if x1 <= x0 {
        return (vec![0.0; 1], 1, 1);
    }
    let scale = tall as f32 / (y1 - y0) as f32;
    let w = (((x1 - x0) as f32 * scale).round() as usize).max(1);
    let mut out = vec![0.0; w * tall];
    for y in 0..tall {
        for x in 0..w {
            let (sx, sy) = (x0 as f32 + (x as f32 + 0.5) / scale - 0.5, y0 as f32 + (y as f32 + 0.5) / scale - 0.5);
            out[y * w + x] = bilinear_rect(ink, side, side, sx, sy);
        }
    }
    (out, w, tall)
}
