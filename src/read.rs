//! Reading one drawing: the digit, or "not a digit" when the network has a
//! reject output ([`crate::Spec::reject`]) and that output is the most
//! likely. The reject output is trained on generated non-digits (see
//! [`crate::synth`]); docs/handwriting.md says why this rule and not a
//! threshold on the top probability.

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

impl Network {
    /// Reads one input (exactly one sample's values).
    pub fn read(&self, input: &[f32], ws: &mut Workspace) -> Result<Reading> {
        if input.len() != self.input_shape().len() {
            return Err(crate::Error::Input(format!(
                "read takes one input of {} values ({}), got {}",
                self.input_shape().len(),
                self.input_shape(),
                input.len()
            )));
        }
        Ok(self.read_batch(input, ws)?.remove(0))
    }

    /// Reads inputs laid end to end, one reading each.
    pub fn read_batch(&self, inputs: &[f32], ws: &mut Workspace) -> Result<Vec<Reading>> {
        let probs = self.predict(inputs, ws)?;
        Ok(probs.chunks_exact(self.num_classes()).map(|p| Reading::of(p, self.spec().reject)).collect())
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
