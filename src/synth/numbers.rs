//! Numbers written on one wide canvas, for testing the number reader:
//! 2 to 6 digits (MNIST digits or stroke-program digits) side by side,
//! each at its own size and baseline, with random gaps, some of them
//! touching or overlapping their neighbour; and the same numbers with a
//! mark among the digits that the reader must drop.

use crate::data::Dataset;

use super::hand::{bilinear_rect, Hand};
use super::negatives::{self, Rule};
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

/// A glyph's ink, width and height, in pixels.
type Glyph = (Vec<f32>, usize, usize);

/// The canvas height; the width is at least three times it, as the page's
/// number pad.
const HEIGHT: usize = 240;

impl Generator {
    /// A number of 2-6 digits: MNIST's `mnist` digits (its test split for
    /// evaluation) or the stroke programs of `part`, drawn by `seed`.
    pub fn number(&self, seed: u64, part: Part, mnist: &Dataset) -> NumberCanvas {
        self.write_number(seed, part, mnist, false)
    }

    /// The digits of [`Generator::number`] with a mark among them that is
    /// not a digit: a decimal point or a comma on the baseline between two
    /// digits, a dash between them, or a scribble anywhere. `text` and
    /// `boxes` are the digits'.
    pub fn number_with_mark(&self, seed: u64, part: Part, mnist: &Dataset) -> NumberCanvas {
        self.write_number(seed, part, mnist, true)
    }

    fn write_number(&self, seed: u64, part: Part, mnist: &Dataset, with_mark: bool) -> NumberCanvas {
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
        // The mark has a generator of its own, so the digits stay those of
        // the same number without one.
        let mark = with_mark.then(|| Mark::random(&mut fastrand::Rng::with_seed(part.seed(seed) ^ MARK_SEED), &glyphs));
        // Left to right: gaps from a slight overlap to a wide space.
        let mut x = 20 + rng.usize(..40);
        let mut placed = Vec::with_capacity(count + 1);
        // The mark after the digits placed so far (at `x` if none), a gap
        // after the last one's right edge, on its baseline; its right edge.
        let place_mark = |placed: &mut Vec<(usize, usize)>, x: usize, mark: &Mark| {
            let last = placed.last().map(|&(px, py)| {
                let (_, w, h) = &glyphs[placed.len() - 1];
                (px + w, py + h)
            });
            let start = last.map_or(x, |(right, _)| right + mark.gap);
            placed.push((start, mark.top(last.map(|(_, baseline)| baseline))));
            start + mark.glyph.1
        };
        for (k, (_, w, h)) in glyphs.iter().enumerate() {
            if let Some(mark) = mark.as_ref().filter(|m| m.before == k) {
                x = place_mark(&mut placed, x, mark) + mark.gap;
            }
            let y = (HEIGHT - h) / 2 + rng.usize(..30) - 15;
            placed.push((x, y));
            let gap = rng.i32(-(*h as i32) / 12..*h as i32 / 3);
            x = (x as i32 + *w as i32 + gap).max(0) as usize;
        }
        if let Some(mark) = mark.as_ref().filter(|m| m.before == count) {
            x = place_mark(&mut placed, x, mark);
        }
        let width = (x + 40).max(3 * HEIGHT);
        let mut ink = vec![0.0f32; width * HEIGHT];
        let mut boxes = Vec::with_capacity(count);
        // The mark's place is before its digit's (or last).
        let mut drawn: Vec<(&Glyph, bool)> = glyphs.iter().map(|g| (g, true)).collect();
        if let Some(mark) = &mark {
            drawn.insert(mark.before, (&mark.glyph, false));
        }
        for (((glyph, w, h), digit), &(x0, y0)) in drawn.into_iter().zip(&placed) {
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
            if digit {
                boxes.push((bx0, by0, bx1, by1));
            }
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

const MARK_SEED: u64 = 0x6d61_726b;

/// A mark that is not a digit, and where it goes in a number.
struct Mark {
    glyph: Glyph,
    /// The index of the digit it comes before (the digit count: last).
    before: usize,
    /// Space on each side, in pixels.
    gap: usize,
    /// How much of it hangs below the baseline of the digit before it (a
    /// point, a comma); `None`: in the middle of the row (a dash, a scribble).
    sink: Option<f32>,
}

impl Mark {
    /// A mark for a number whose digits are `glyphs`, sized like the digit
    /// it follows: a point, a comma or a dash between two digits, or a
    /// scribble.
    fn random(rng: &mut fastrand::Rng, glyphs: &[Glyph]) -> Mark {
        let hand = Hand::random(rng);
        let between = rng.usize(1..glyphs.len());
        // Its unit-box lines, place, size against the unit box, and sink.
        let (lines, before, size, sink) = match rng.u8(0..4) {
            // The pen's own dot, a little heavier than a stroke.
            0 => (vec![vec![[0.5, 0.5]]], between, 1.0 + 0.6 * rng.f32(), Some(0.2)),
            1 => (vec![vec![[0.52, 0.4], [0.54, 0.5], [0.5, 0.58], [0.44, 0.64]]], between, 1.0, Some(0.6)),
            // A dash between two groups of digits (a phone number, a date).
            2 => {
                let half = 0.15 + 0.15 * rng.f32();
                (vec![vec![[0.5 - half, 0.5], [0.5 + half, 0.5]]], between, 1.0, None)
            }
            _ => (negatives::draw(rng, Rule::Scribble), rng.usize(..=glyphs.len()), 0.6 + 0.4 * rng.f32(), None),
        };
        let next_to = glyphs[before.saturating_sub(1)].2;
        let canvas = hand.draw(rng, &lines);
        let glyph = crop_scaled(&canvas.ink, canvas.side, size * next_to as f32 / hand.size);
        let gap = next_to / 12 + rng.usize(..next_to / 6);
        Mark { glyph, before, gap, sink }
    }

    /// Its top, given the baseline of the digit before it.
    fn top(&self, baseline: Option<usize>) -> usize {
        let h = self.glyph.2;
        match (baseline, self.sink) {
            (Some(base), Some(sink)) => base.saturating_sub(((1.0 - sink) * h as f32) as usize).min(HEIGHT - h),
            _ => (HEIGHT - h) / 2,
        }
    }
}

/// The inked part of a square image scaled to `tall` pixels high (keeping
/// its aspect ratio): the ink, its width and its height.
fn crop_to_height(ink: &[f32], side: usize, tall: usize) -> Glyph {
    let (_, y0, _, y1) = ink_box(ink, side);
    crop_scaled(ink, side, tall as f32 / y1.saturating_sub(y0).max(1) as f32)
}

/// The inked part of a square image, scaled by `scale`.
fn crop_scaled(ink: &[f32], side: usize, scale: f32) -> Glyph {
    let (x0, y0, x1, y1) = ink_box(ink, side);
    if x1 <= x0 {
        return (vec![0.0; 1], 1, 1);
    }
    let w = (((x1 - x0) as f32 * scale).round() as usize).max(1);
    let h = (((y1 - y0) as f32 * scale).round() as usize).max(1);
    let mut out = vec![0.0; w * h];
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = (x0 as f32 + (x as f32 + 0.5) / scale - 0.5, y0 as f32 + (y as f32 + 0.5) / scale - 0.5);
            out[y * w + x] = bilinear_rect(ink, side, side, sx, sy);
        }
    }
    (out, w, h)
}

/// The box `(x0, y0, x1, y1)` of a square image's ink (empty: x1 <= x0).
fn ink_box(ink: &[f32], side: usize) -> (usize, usize, usize, usize) {
    let (mut x0, mut y0, mut x1, mut y1) = (side, side, 0, 0);
    for (i, &v) in ink.iter().enumerate() {
        if v > 0.05 {
            let (x, y) = (i % side, i / side);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
        }
    }
    (x0, y0, x1, y1)
}
