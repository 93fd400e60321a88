//! Pieces from the pen's strokes, when the caller knows them (a drawing pad
//! does): each stroke's ink is a piece of its own. Two digits that touch
//! were still written apart, so they stay apart here, where connected ink
//! joins them and only a cut found by the network can part them again.

use super::{Piece, CORE};
use crate::error::{Error, Result};

/// One stroke of a pen: the points it went through, in canvas pixels (a
/// single point is a dot), and the pen's width.
#[derive(Debug, Clone, PartialEq)]
pub struct Stroke {
    pub points: Vec<[f32; 2]>,
    pub width: f32,
}

/// How far past the pen's half-width its antialiased edge inks pixels.
const EDGE: f32 = 1.5;
/// At most this many pixel tests for all strokes (each segment tests the
/// box around it): a pad's strokes take a few million; more would hold
/// the caller for seconds.
const MAX_TESTS: u64 = 200_000_000;

/// An error for the first stroke that cannot be drawn (no points, a point
/// that is not finite, or a pen width that is not positive), or for strokes
/// too many or too wide to trace on a `width x height` canvas.
pub(super) fn check(strokes: &[Stroke], width: usize, height: usize) -> Result<()> {
    let mut tests = 0.0;
    for (s, stroke) in strokes.iter().enumerate() {
        let bad = |why: String| Err(Error::Input(format!("stroke {s}: {why}")));
        if stroke.points.is_empty() {
            return bad("it has no points".into());
        }
        if let Some(p) = stroke.points.iter().find(|p| !(p[0].is_finite() && p[1].is_finite())) {
            return bad(format!("the point ({}, {}) is not finite", p[0], p[1]));
        }
        if !(stroke.width.is_finite() && stroke.width > 0.0) {
            return bad(format!("the pen's width must be a positive number, not {}", stroke.width));
        }
        let r = f64::from(stroke.width / 2.0 + EDGE);
        for (a, b) in segments(stroke) {
            let side = |axis: usize, limit: usize| (f64::from((a[axis] - b[axis]).abs()) + 2.0 * r).min(limit as f64);
            tests += side(0, width) * side(1, height);
        }
    }
    // Whole numbers in the message: formatting floats with a precision adds to the .wasm.
    let tests = tests as u64;
    if tests > MAX_TESTS {
        return Err(Error::Input(format!(
            "the strokes are too many or too wide to trace ({tests} pixel tests, at most {MAX_TESTS}); pass fewer points"
        )));
    }
    Ok(())
}

/// A stroke's segments; a dot is one of no length.
fn segments(stroke: &Stroke) -> impl Iterator<Item = ([f32; 2], [f32; 2])> + '_ {
    let last = stroke.points.len() - 1;
    (0..last.max(1)).map(move |i| (stroke.points[i], stroke.points[(i + 1).min(last)]))
}

/// Each stroke's ink above [`CORE`] (the pixels whose centre is within its
/// half-width, and edge, of its path) as a piece, and the ink left that no
/// stroke explains. A pixel where strokes cross is in each of their pieces.
/// The strokes have passed [`check`].
pub(super) fn stroke_pieces(ink: &[f32], width: usize, height: usize, strokes: &[Stroke]) -> (Vec<Piece>, Vec<f32>) {
    let mut rest = ink.to_vec();
    // The last stroke that took each pixel, so a stroke takes it once.
    let mut taken = vec![usize::MAX; ink.len()];
    let mut pieces = Vec::new();
    for (s, stroke) in strokes.iter().enumerate() {
        let r = stroke.width / 2.0 + EDGE;
        let mut pixels = Vec::new();
        for (a, b) in segments(stroke) {
            let span = |axis: usize, limit: usize| {
                let (lo, hi) = (a[axis].min(b[axis]) - r, a[axis].max(b[axis]) + r);
                (lo.floor().max(0.0) as usize)..(hi.ceil().max(0.0) as usize).min(limit)
            };
            for y in span(1, height) {
                for x in span(0, width) {
                    let p = y * width + x;
                    if taken[p] != s && ink[p] > CORE && near([x as f32 + 0.5, y as f32 + 0.5], a, b, r) {
                        taken[p] = s;
                        rest[p] = 0.0;
                        pixels.push(p as u32);
                    }
                }
            }
        }
        if !pixels.is_empty() {
            pieces.push(Piece::of(pixels, width));
        }
    }
    (pieces, rest)
}

/// Whether `p` is within `r` of the segment from `a` to `b`.
fn near(p: [f32; 2], a: [f32; 2], b: [f32; 2], r: f32) -> bool {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let length2 = dx * dx + dy * dy;
    let t = if length2 > 0.0 { (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2).clamp(0.0, 1.0) } else { 0.0 };
    let (ex, ey) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
    ex * ex + ey * ey <= r * r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 40 x 20 canvas inked where `f` says.
    fn canvas(f: impl Fn(usize, usize) -> bool) -> Vec<f32> {
        (0..40 * 20).map(|p| if f(p % 40, p / 40) { 1.0 } else { 0.0 }).collect()
    }

    #[test]
    fn touching_strokes_are_pieces_of_their_own_and_other_ink_is_left() {
        // The ink of two upright bars written side by side, touching (one block), and a blot.
        let ink = canvas(|x, y| (5..=14).contains(&x) && y < 15 || x >= 35 && y >= 17);
        let bar = |x: f32| Stroke { points: vec![[x, 1.0], [x, 13.0]], width: 4.0 };
        let (pieces, rest) = stroke_pieces(&ink, 40, 20, &[bar(8.0), bar(12.5)]);
        assert_eq!(pieces.len(), 2);
        let columns = |p: &Piece| (p.x0, p.x1);
        // Ink within 2 + 1.5 px of a bar's path is its own: columns 9-11 are near both.
        assert_eq!((columns(&pieces[0]), columns(&pieces[1])), ((5, 12), (9, 15)));
        let left: Vec<usize> = (0..rest.len()).filter(|&p| rest[p] > CORE).collect();
        assert!(left.iter().all(|&p| p % 40 >= 35 && p / 40 >= 17) && left.len() == 15, "only the blot is left");
    }

    #[test]
    fn a_dot_is_a_stroke_of_one_point() {
        let ink = canvas(|x, y| x.abs_diff(20) <= 2 && y.abs_diff(10) <= 2);
        let (pieces, rest) = stroke_pieces(&ink, 40, 20, &[Stroke { points: vec![[20.5, 10.5]], width: 5.0 }]);
        assert_eq!((pieces.len(), pieces[0].pixels.len()), (1, 25));
        assert!(rest.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn strokes_that_cannot_be_drawn_are_errors() {
        for (stroke, why) in [
            (Stroke { points: vec![], width: 4.0 }, "stroke 0: it has no points"),
            (
                Stroke { points: vec![[1.0, 2.0]], width: 0.0 },
                "stroke 0: the pen's width must be a positive number, not 0",
            ),
            (Stroke { points: vec![[1.0, f32::NAN]], width: 3.0 }, "stroke 0: the point (1, NaN) is not finite"),
            (
                Stroke { points: (0..1_000_000).map(|i| [(i % 40) as f32, 10.0]).collect(), width: 30.0 },
                "the strokes are too many or too wide to trace (682999200 pixel tests, at most 200000000); pass fewer points",
            ),
        ] {
            let err = check(&[stroke], 40, 20).unwrap_err();
            assert_eq!(err.to_string(), format!("invalid input: {why}"));
        }
    }
}
