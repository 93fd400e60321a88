//! The shipped reader on handwriting it never trained on: held-out
//! stroke-program digits, MNIST's test digits redrawn with a round pen, and
//! held-out non-digits (src/synth: templates and seeds apart from training).
//! The figures are exact for these seeds; `lenet eval --set all` prints them
//! with the per-class tables, and docs/handwriting.md records them. The
//! floors sit just under what the shipped weights measure, so a retrain that
//! reads worse fails here.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use lenet::data::Split;
use lenet::read::{rejected_at, Reading};
use lenet::synth::mix::EvalSet;
use lenet::synth::{Generator, NOT_A_DIGIT};
use lenet::Workspace;

const COUNT: usize = 5000;

fn readings(set: EvalSet) -> (Vec<Reading>, Vec<u8>) {
    let net = lenet::weights::from_bytes(include_bytes!("../weights/lenet5-reject.safetensors")).unwrap();
    let drawn = set.make(&Generator::new(), COUNT, &common::mnist(Split::Test));
    (net.read_batch(&drawn.inputs, &mut Workspace::new()).unwrap(), drawn.labels)
}

/// The share of `readings` answered `label` (None: "not a digit").
fn share(readings: &[Reading], labels: &[u8], answer: impl Fn(u8) -> Option<u32>) -> f32 {
    let right = readings.iter().zip(labels).filter(|(r, &l)| r.digit == answer(l)).count();
    right as f32 / readings.len() as f32
}

#[test]
fn held_out_stroke_digits_are_read() {
    let (r, labels) = readings(EvalSet::Strokes);
    let accuracy = share(&r, &labels, |l| Some(l as u32));
    assert!(accuracy >= 0.995, "{:.2}% of held-out stroke-program digits read right", 100.0 * accuracy);
}

#[test]
fn redrawn_mnist_test_digits_are_read() {
    let (r, labels) = readings(EvalSet::Restroked);
    let accuracy = share(&r, &labels, |l| Some(l as u32));
    assert!(accuracy >= 0.97, "{:.2}% of redrawn MNIST test digits read right", 100.0 * accuracy);
}

#[test]
fn non_digits_are_turned_away_and_digits_are_not() {
    let (negatives, labels) = readings(EvalSet::Negatives);
    assert!(labels.iter().all(|&l| l == NOT_A_DIGIT));
    let turned_away = share(&negatives, &labels, |_| None);
    // 87.8% with the shipped weights: the issue asks for 90% (see docs/handwriting.md).
    assert!(turned_away >= 0.86, "{:.2}% of held-out non-digits answered \"not a digit\"", 100.0 * turned_away);
    // The digits of both sets: at most 1% answered "not a digit".
    let (mut digits, _) = readings(EvalSet::Strokes);
    digits.extend(readings(EvalSet::Restroked).0);
    let refused = digits.iter().filter(|r| r.digit.is_none()).count() as f32 / digits.len() as f32;
    assert!(refused <= 0.01, "{:.2}% of digits answered \"not a digit\"", 100.0 * refused);
    // With a threshold that keeps 99% of the digits, as the issue measures it.
    let scores = |rs: &[Reading]| rs.iter().map(|r| r.not_digit).collect::<Vec<_>>();
    let (t, share) = rejected_at(&scores(&digits), &scores(&negatives), 0.99);
    // 93.4% with the shipped weights.
    assert!(share >= 0.925, "at threshold {t}: {:.2}% turned away", 100.0 * share);
}
