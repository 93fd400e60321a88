//! Handwriting the project makes itself, to train and judge the reader on
//! more than MNIST's scans: digits from stroke programs in many forms, MNIST
//! digits redrawn with the page's round pen, and drawings that are not
//! digits. Everything is seeded; every sample goes through the same
//! [`crate::preprocess`] as a drawing on the page.
//!
//! - [`pen`]: a round antialiased pen on a canvas.
//! - [`path`]: stroke programs (a subset of SVG paths) and their jitter.
//! - [`templates`]: the digits, letters and symbols as stroke programs.
//! - [`hand`]: size, slant, rotation, pen width and elastic distortion.
//! - [`restroke`]: MNIST digits thinned to a skeleton and redrawn.
//! - [`negatives`]: scribbles, dots, dashes, hatching, pieces of strokes.
//! - [`mix`]: training epochs of MNIST and generated samples; the evaluation sets.
//! - [`numbers`]: several digits side by side on one canvas.
//!
//! Training and evaluation are kept apart twice: held-out templates are
//! drawn only for evaluation, and evaluation seeds have the top bit set,
//! which training seeds never have.

pub mod hand;
pub mod mix;
pub mod negatives;
pub mod numbers;
pub mod path;
pub mod pen;
pub mod restroke;
pub mod templates;

pub use templates::NOT_A_DIGIT;

use hand::Hand;
use negatives::Rule;
use path::Program;
use pen::{Canvas, Point};
use templates::{Template, TEMPLATES};

/// Which side of the wall a sample is drawn for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Training,
    Evaluation,
}

impl Part {
    /// The seed of sample `seed` in this part: evaluation seeds have the top
    /// bit set, training seeds do not.
    pub fn seed(self, seed: u64) -> u64 {
        match self {
            Part::Training => seed & !(1 << 63),
            Part::Evaluation => seed | 1 << 63,
        }
    }
}

/// What goes into a negative: the rules, letters and symbols, digits
/// crossed out, and two digits side by side.
#[derive(Debug, Clone, Copy)]
enum Negative {
    Rule(Rule),
    Glyph,
    CrossedOut,
    Pair,
}

/// The parsed stroke programs of both parts.
#[derive(Debug, Clone)]
pub struct Generator {
    programs: Vec<(Template, Program)>,
}

impl Default for Generator {
    fn default() -> Self {
        Generator::new()
    }
}

impl Generator {
    pub fn new() -> Generator {
        let programs = TEMPLATES
            .iter()
            .map(|t| (*t, Program::parse(t.path).expect("the templates parse (tested in templates.rs)")))
            .collect();
        Generator { programs }
    }

    /// One of the templates of `label` (0-9 or [`NOT_A_DIGIT`]) in `part`,
    /// drawn uniformly.
    fn one_of(&self, rng: &mut fastrand::Rng, label: u8, part: Part) -> &(Template, Program) {
        let held_out = part == Part::Evaluation;
        let forms: Vec<_> = self.programs.iter().filter(|(t, _)| t.label == label && t.held_out == held_out).collect();
        forms[rng.usize(..forms.len())]
    }

    /// The digit `label` written by one of its stroke programs in `part`,
    /// drawn uniformly, as a network input (32 x 32).
    pub fn digit(&self, label: u8, seed: u64, part: Part) -> Vec<f32> {
        assert!(label < 10, "digits are 0 to 9");
        let mut rng = fastrand::Rng::with_seed(part.seed(seed));
        until_inked(&mut rng, |rng| {
            let (_, program) = self.one_of(rng, label, part);
            Hand::random(rng).write(rng, program)
        })
    }

    /// The digit `label` from one of its stroke programs in `part`, as the
    /// pen's paths in a writer's hand (size, slant, rotation, proportions,
    /// jitter) with no pen width and no distortion: points in 0..1 of the
    /// canvas, for a person's hand (a mouse, a test driver) to draw again.
    pub fn digit_strokes(&self, label: u8, seed: u64, part: Part) -> Vec<Vec<Point>> {
        assert!(label < 10, "digits are 0 to 9");
        let mut rng = fastrand::Rng::with_seed(part.seed(seed));
        let (_, program) = self.one_of(&mut rng, label, part);
        let hand = Hand::random(&mut rng);
        placed(&hand, &program.jittered(&mut rng, hand.jitter_of_writing()).polylines())
    }

    /// Something that is not a digit, as a network input.
    pub fn negative(&self, seed: u64, part: Part) -> Vec<f32> {
        self.negative_named(seed, part).0
    }

    /// [`Generator::negative`] and what it is: a letter's or symbol's
    /// template name, a rule's name, "digit crossed out" or "two digits".
    pub fn negative_named(&self, seed: u64, part: Part) -> (Vec<f32>, &'static str) {
        let mut rng = fastrand::Rng::with_seed(part.seed(seed));
        let mut kind = "";
        let input = until_inked(&mut rng, |rng| {
            let hand = Hand::random(rng);
            let lines;
            (kind, lines) = self.negative_lines(rng, &hand, part);
            hand.draw(rng, &lines)
        });
        (input, kind)
    }

    /// Something that is not a digit as pen paths, as [`Generator::digit_strokes`].
    pub fn negative_strokes(&self, seed: u64, part: Part) -> Vec<Vec<Point>> {
        let mut rng = fastrand::Rng::with_seed(part.seed(seed));
        let hand = Hand::random(&mut rng);
        let (_, lines) = self.negative_lines(&mut rng, &hand, part);
        placed(&hand, &lines)
    }

    /// The unit-box paths of a non-digit for `hand`, and what it is: a
    /// rule's marks, a letter or symbol, a digit crossed out, or two digits.
    fn negative_lines(&self, rng: &mut fastrand::Rng, hand: &Hand, part: Part) -> (&'static str, Vec<Vec<Point>>) {
        let mut kinds: Vec<(Negative, u32)> = negatives::RULES.iter().map(|&(r, w)| (Negative::Rule(r), w)).collect();
        kinds.extend([(Negative::Glyph, 16), (Negative::CrossedOut, 4), (Negative::Pair, 6)]);
        match negatives::pick(rng, &kinds) {
            Negative::Rule(rule) => (rule.name(), negatives::draw(rng, rule)),
            Negative::Glyph => {
                let (template, program) = self.one_of(rng, NOT_A_DIGIT, part);
                (template.name, program.jittered(rng, hand.jitter_of_writing()).polylines())
            }
            Negative::CrossedOut => {
                let label = rng.u8(0..10);
                let j = path::Jitter { point: hand.jitter, radius: hand.jitter, angle: 6.0 };
                let mut lines = self.one_of(rng, label, part).1.jittered(rng, j).polylines();
                lines.extend(negatives::cross_out(rng));
                ("digit crossed out", lines)
            }
            Negative::Pair => ("two digits", self.pair(rng, hand, part)),
        }
    }

    /// Two digits side by side, touching, overlapping or nearly so, each
    /// at its own height and baseline: one group of ink that the number
    /// reader must cut, so the network learns that it is not one digit.
    fn pair(&self, rng: &mut fastrand::Rng, hand: &Hand, part: Part) -> Vec<Vec<Point>> {
        let mut lines = Vec::new();
        let mut right = 0.0f32;
        for k in 0..2 {
            let label = rng.u8(0..10);
            let digit = self.one_of(rng, label, part).1.jittered(rng, hand.jitter_of_writing()).polylines();
            let (x0, y0, x1, y1) = bounds(&digit);
            let tall = if k == 0 { 1.0 } else { 0.8 + 0.4 * rng.f32() };
            let scale = tall / (y1 - y0).max(1e-3);
            // From an overlap of an eighth of the height to a gap of a
            // twentieth: two strokes of a round pen then touch or nearly.
            let dx = if k == 0 { -x0 * scale } else { right - tall * (0.17 * rng.f32() - 0.05) - x0 * scale };
            let dy = (1.0 - tall) / 2.0 + 0.15 * (rng.f32() - 0.5) - y0 * scale;
            lines.extend(
                digit.iter().map(|l| l.iter().map(|&[x, y]| [x * scale + dx, y * scale + dy]).collect::<Vec<_>>()),
            );
            right = x1 * scale + dx;
        }
        // Into the unit box, centred.
        let (x0, y0, x1, y1) = bounds(&lines);
        let fit = 1.0 / (x1 - x0).max(y1 - y0);
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        lines.iter().map(|l| l.iter().map(|&[x, y]| [0.5 + (x - cx) * fit, 0.5 + (y - cy) * fit]).collect()).collect()
    }

    /// An MNIST digit (28 x 28 bytes) redrawn with a round pen of random
    /// width, maybe distorted, as a network input.
    pub fn restroked(&self, seed: u64, part: Part, digit: &[u8]) -> Vec<f32> {
        let mut rng = fastrand::Rng::with_seed(part.seed(seed));
        until_inked(&mut rng, |rng| {
            let pen = 1.5 + 4.5 * rng.f32();
            let elastic = if rng.bool() { 0.6 + 1.4 * rng.f32() } else { 0.0 };
            restroke::restroke(rng, digit, pen, elastic)
        })
    }
}

/// The box `(x0, y0, x1, y1)` around the points of `lines`.
fn bounds(lines: &[Vec<Point>]) -> (f32, f32, f32, f32) {
    lines.iter().flatten().fold((f32::MAX, f32::MAX, f32::MIN, f32::MIN), |(x0, y0, x1, y1), &[x, y]| {
        (x0.min(x), y0.min(y), x1.max(x), y1.max(y))
    })
}

/// Unit-box paths where `hand` puts them, in 0..1 of the canvas.
fn placed(hand: &Hand, lines: &[Vec<Point>]) -> Vec<Vec<Point>> {
    let side = hand::CANVAS as f32;
    lines.iter().map(|line| line.iter().map(|&p| hand.place(p).map(|v| v / side)).collect()).collect()
}

/// Draws until the drawing is not blank to [`crate::preprocess`], and returns
/// its input. (A scan with no ink at all is a blank input.)
fn until_inked(rng: &mut fastrand::Rng, mut draw: impl FnMut(&mut fastrand::Rng) -> Canvas) -> Vec<f32> {
    for _ in 0..8 {
        let canvas = draw(rng);
        if let Some(p) = crate::preprocess::preprocess_ink(canvas.ink, canvas.side, canvas.side) {
            return p.input;
        }
    }
    vec![0.0; crate::preprocess::SIDE * crate::preprocess::SIDE]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_inputs_and_the_same_seed_gives_the_same_sample() {
        let g = Generator::new();
        // An upright bar, as a scanned 1.
        let digit: Vec<u8> = (0..28 * 28usize)
            .map(|i| if (i % 28).abs_diff(14) < 3 && (4..24).contains(&(i / 28)) { 255 } else { 0 })
            .collect();
        for seed in 0..50 {
            for part in [Part::Training, Part::Evaluation] {
                let a = g.digit(seed as u8 % 10, seed, part);
                assert_eq!(g.digit(seed as u8 % 10, seed, part), a);
                let n = g.negative(seed, part);
                let r = g.restroked(seed, part, &digit);
                for input in [&a, &n, &r] {
                    assert_eq!(input.len(), 1024);
                    assert!(input.iter().all(|v| (0.0..=1.0).contains(v)));
                    assert!(input.iter().filter(|&&v| v > 0.5).count() >= 10, "seed {seed}: too little ink");
                }
            }
        }
    }

    #[test]
    fn a_pair_fills_the_unit_box_with_two_digits_side_by_side() {
        let g = Generator::new();
        let aspect = |(x0, y0, x1, y1): (f32, f32, f32, f32)| (x1 - x0) / (y1 - y0);
        let (mut pairs, mut singles) = (0.0, 0.0);
        for seed in 0..200 {
            let mut rng = fastrand::Rng::with_seed(seed);
            let hand = Hand::random(&mut rng);
            let (x0, y0, x1, y1) = bounds(&g.pair(&mut rng, &hand, Part::Training));
            assert!(x0 >= -1e-4 && y0 >= -1e-4 && x1 <= 1.0 + 1e-4 && y1 <= 1.0 + 1e-4, "seed {seed}");
            assert!((x1 - x0).max(y1 - y0) > 0.999, "seed {seed}: the longer side spans the box");
            pairs += aspect((x0, y0, x1, y1));
            singles += aspect(bounds(&g.one_of(&mut rng, seed as u8 % 10, Part::Training).1.polylines()));
        }
        // Side by side, not stacked: about twice as wide as one digit.
        assert!(pairs > 1.6 * singles, "pairs {:.2} wide, single digits {:.2}", pairs / 200.0, singles / 200.0);
    }

    #[test]
    fn the_parts_do_not_share_seeds() {
        for seed in [0, 1, u64::MAX, 1 << 63, 12345] {
            assert_ne!(Part::Training.seed(seed), Part::Evaluation.seed(seed));
            assert_eq!(Part::Training.seed(seed) >> 63, 0);
            assert_eq!(Part::Evaluation.seed(seed) >> 63, 1);
        }
    }
}
