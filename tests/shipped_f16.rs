//! The float16 copy of the shipped weights, which the .wasm embeds (half the
//! download): it must be exactly the float32 file rounded to half precision
//! (so it cannot drift from it: `make train` writes both), and read MNIST's
//! test digits as the float32 file does.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use lenet::data::Split;
use lenet::weights::{self, Precision};
use lenet::Workspace;

const F32: &[u8] = include_bytes!("../weights/lenet5-reject.safetensors");
const F16: &[u8] = include_bytes!("../weights/lenet5-reject.f16.safetensors");

#[test]
fn the_float16_file_is_the_float32_file_rounded() {
    let net = weights::from_bytes(F32).unwrap();
    assert!(weights::to_bytes_as(&net, Precision::F16) == F16, "run `make train` (or `lenet convert`) again");
}

#[test]
fn both_files_read_mnist_alike() {
    let test = common::mnist(Split::Test);
    let inputs = test.inputs(32);
    let read = |bytes: &[u8]| weights::from_bytes(bytes).unwrap().read_batch(&inputs, &mut Workspace::new()).unwrap();
    let (full, half) = (read(F32), read(F16));
    let differ = full.iter().zip(&half).filter(|(a, b)| a.digit != b.digit).count();
    let worst = full
        .iter()
        .zip(&half)
        .flat_map(|(a, b)| a.probabilities.iter().zip(&b.probabilities).map(|(x, y)| (x - y).abs()))
        .fold(0.0f32, f32::max);
    // Measured: none differ, and no probability by more than 0.0025.
    assert!(differ <= 2, "{differ} of {} test digits read differently in float16", test.len());
    assert!(worst < 0.01, "probabilities differ by up to {worst}");
}
