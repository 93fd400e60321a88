//! Reading one drawing: the digit, or "not a digit" when the network has a
//! reject output ([`crate::Spec::reject`]) and that output is the most
//! likely. The reject output is trained on generated non-digits (see
//! [`crate::synth`]); docs/handwriting.md says why this rule and not a
//! threshold on the top probability.
//!
//! A drawing is read five times, as it is and shifted by one pixel left,
//! right, up and down, and the five answers' probabilities are averaged:
//! where preprocessing centres a digit is only known to a pixel, and a
//! doubtful reading rarely stays doubtful one pixel over
//! (docs/handwriting.md has the figures).

use serde::Serialize;

use crate::error::Result;
use crate::model::{argmax, Network, Workspace};

/// What [`Network::read`] makes of one input.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reading {
    /// The class read, or `None` for "not a digit".
    pub digit: Option<u32>,
    /// The probability of the answer: of `digit`, or of "not a digit".
    pub confidence: f32,
    /// The probability of each class, the reject output left out (so with
    /// one they sum to 1 - `not_digit`).
    pub probabilities: Vec<f32>,
    /// The probability that it is not a digit (0 without a reject output).
    pub not_digit: f32,
}

impl Reading {
    /// The reading of one sample's class probabilities (softmax outputs).
    pub fn of(probabilities: &[f32], reject: bool) -> Reading {
        let classes = probabilities.len() - usize::from(reject);
        let best = argmax(probabilities);
        let not_digit = if reject { probabilities[classes] } else { 0.0 };
        let digit = (best < classes).then_some(best as u32);
        Reading { digit, confidence: probabilities[best], probabilities: probabilities[..classes].to_vec(), not_digit }
    }
}

/// Where each input is read from: as it is, and one pixel over each way
/// (x right, y down).
const SHIFTS: [(isize, isize); 5] = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)];

/// Inputs read in one batch (five shifted copies each): bounds the memory
/// a large set takes.
const BATCH: usize = 64;

impl Network {
    /// Reads one input (exactly one sample's values), averaging it and its
    /// four one-pixel shifts.
    pub fn read(&self, input: &[f32], ws: &mut Workspace) -> Result<Reading> {
        self.check_one(input)?;
        Ok(self.read_batch(input, ws)?.remove(0))
    }

    /// Reads inputs laid end to end, one reading each, as [`Network::read`].
    pub fn read_batch(&self, inputs: &[f32], ws: &mut Workspace) -> Result<Vec<Reading>> {
        self.read_shifted(inputs, ws)
    }

    /// Each input read from each of [`SHIFTS`], the probabilities averaged.
    #[inline(never)] // apart from read_batch: folded into it, the .wasm compressed 0.4 KB larger
    fn read_shifted(&self, inputs: &[f32], ws: &mut Workspace) -> Result<Vec<Reading>> {
        self.check_input(inputs)?;
        let (one, classes) = (self.input_shape().len(), self.num_classes());
        let mut readings = Vec::with_capacity(inputs.len() / one);
        let mut shifted = Vec::new();
        for chunk in inputs.chunks(BATCH * one) {
            shifted.clear();
            for input in chunk.chunks_exact(one) {
                for (dx, dy) in SHIFTS {
                    self.shift_into(input, dx, dy, &mut shifted);
                }
            }
            let probs = self.predict(&shifted, ws)?;
            for all in probs.chunks_exact(SHIFTS.len() * classes) {
                let mut mean = vec![0.0; classes];
                for (i, p) in all.iter().enumerate() {
                    mean[i % classes] += p / SHIFTS.len() as f32;
                }
                readings.push(Reading::of(&mean, self.spec().reject));
            }
        }
        Ok(readings)
    }

    #[inline(never)] // one copy of the message: the .wasm's bytes
    fn check_one(&self, input: &[f32]) -> Result<()> {
        if input.len() != self.input_shape().len() {
            return Err(crate::Error::Input(format!(
                "read takes one input of {} values ({}), got {}",
                self.input_shape().len(),
                self.input_shape(),
                input.len()
            )));
        }
        Ok(())
    }

    /// Appends `input` moved `dx` pixels right and `dy` down, each channel
    /// alike; the edge pixels fill what the move uncovers.
    #[inline(never)] // a plain loop: unrolled copies would cost the .wasm more than they save
    fn shift_into(&self, input: &[f32], dx: isize, dy: isize, out: &mut Vec<f32>) {
        let shape = self.input_shape();
        let (h, w) = (shape.height as isize, shape.width as isize);
        for plane in input.chunks_exact(shape.height * shape.width) {
            for y in 0..h {
                let row = (y - dy).clamp(0, h - 1) * w;
                out.extend((0..w).map(|x| plane[(row + (x - dx).clamp(0, w - 1)) as usize]));
            }
        }
    }
}

/// The share of non-digits turned away when digits are accepted at `keep`
/// (0.99: 99 of 100): the reject threshold t is the `keep` quantile of the
/// digits' "not a digit" probabilities, and a non-digit is turned away when
/// its probability is above t. Returns (t, share). Both lists non-empty.
pub fn rejected_at(digits: &[f32], negatives: &[f32], keep: f32) -> (f32, f32) {
    let mut sorted = digits.to_vec();
    sorted.sort_by(f32::total_cmp);
    let at = ((keep * sorted.len() as f32).ceil() as usize).clamp(1, sorted.len()) - 1;
    let t = sorted[at];
    let turned = negatives.iter().filter(|&&p| p > t).count();
    (t, turned as f32 / negatives.len() as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reject_output_wins_only_when_it_is_the_largest() {
        let r = Reading::of(&[0.1, 0.6, 0.3], true);
        assert_eq!((r.digit, r.confidence, r.not_digit), (Some(1), 0.6, 0.3));
        assert_eq!(r.probabilities, [0.1, 0.6]);
        let r = Reading::of(&[0.1, 0.3, 0.6], true);
        assert_eq!((r.digit, r.confidence), (None, 0.6));
        // Without a reject output the last class is a class like the others.
        let r = Reading::of(&[0.1, 0.3, 0.6], false);
        assert_eq!((r.digit, r.not_digit, r.probabilities.len()), (Some(2), 0.0, 3));
    }

    #[test]
    fn the_threshold_keeps_the_asked_share_of_digits() {
        let digits: Vec<f32> = (0..100).map(|i| i as f32 / 100.0).collect();
        let negatives = [0.5, 0.985, 0.99, 0.999];
        let (t, share) = rejected_at(&digits, &negatives, 0.99);
        assert_eq!(t, 0.98);
        assert_eq!(digits.iter().filter(|&&p| p <= t).count(), 99);
        assert_eq!(share, 0.75);
    }

    #[test]
    fn a_reading_averages_the_input_and_its_four_one_pixel_shifts() {
        let net = Network::from_preset_or_json("lenet5-reject", 3).unwrap();
        let mut ws = Workspace::new();
        let input: Vec<f32> = (0..1024).map(|i| ((i * 37) % 101) as f32 / 50.0 - 1.0).collect();
        let at = |x: isize, y: isize| input[(y.clamp(0, 31) * 32 + x.clamp(0, 31)) as usize];
        let mut copies = Vec::new();
        for (dx, dy) in SHIFTS {
            copies.extend((0..32).flat_map(|y| (0..32).map(move |x| (x, y))).map(|(x, y)| at(x - dx, y - dy)));
        }
        // One pixel right: the first column repeats, the rest moves over.
        assert_eq!((copies[1024], copies[1025], copies[1026]), (input[0], input[0], input[1]));
        let probs = net.predict(&copies, &mut ws).unwrap();
        let mean: Vec<f32> = (0..11).map(|c| probs.chunks(11).map(|p| p[c]).sum::<f32>() / 5.0).collect();
        let r = net.read(&input, &mut ws).unwrap();
        let batch = net.read_batch(&[input.clone(), input.clone()].concat(), &mut ws).unwrap();
        assert_eq!(batch, [r.clone(), r.clone()]);
        for (a, b) in r.probabilities.iter().chain([&r.not_digit]).zip(&mean) {
            assert!((a - b).abs() < 1e-6, "{a} against {b}");
        }
    }

    #[test]
    fn read_takes_exactly_one_input() {
        let net = Network::from_preset_or_json("lenet5-reject", 1).unwrap();
        let mut ws = Workspace::new();
        let e = net.read(&[0.0; 2048], &mut ws).unwrap_err().to_string();
        assert!(e.contains("one input of 1024 values"), "{e}");
        let r = net.read(&[0.0; 1024], &mut ws).unwrap();
        assert_eq!(r.probabilities.len(), 10);
        assert!((r.probabilities.iter().sum::<f32>() + r.not_digit - 1.0).abs() < 1e-5);
    }
}
