//! Ties the native build to tests/fixtures/parity.safetensors, which the wasm
//! build is checked against too (tests/wasm.rs): together they show that both
//! builds compute the same numbers within 1e-6.
//!
//! Regenerate the fixture (after a deliberate change of the numbers) with
//!   LENET_UPDATE_FIXTURES=1 cargo test --test parity
//! which reads the first four MNIST test digits (`make data`).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::HashMap;
use std::path::PathBuf;

use lenet::{Network, OptimizerConfig, Trainer, Workspace};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

const TOLERANCE: f32 = 1e-6;

/// What both builds compute: probabilities of the shipped weights for a batch,
/// the feature maps of its first input, and the losses of three seeded Adam
/// steps on `noise` with the batch's labels. The steps train on noise, not on
/// the digits: a digit's blank background gives many equal values (at ReLU's
/// zero, in max pooling windows), and which of them a gradient goes through
/// depends on rounding, which differs between the builds (wasm runs C3 as
/// Winograd's); one such tie moves a weight by the whole learning rate.
fn compute(input: &[f32], noise: &[f32], labels: &[u8]) -> HashMap<&'static str, Vec<f32>> {
    let net = lenet::weights::from_bytes(include_bytes!("../weights/lenet5-reject.safetensors")).unwrap();
    let mut ws = Workspace::new();
    let probabilities = net.predict(input, &mut ws).unwrap();
    net.forward(&input[..1024], &mut ws).unwrap();
    let features: Vec<f32> = net.trace(&ws).flat_map(|(_, _, v)| v.to_vec()).collect();
    let mut fresh = Network::from_preset_or_json("lenet5", 7).unwrap();
    let mut trainer = Trainer::new(&fresh, OptimizerConfig::adam(1e-3), 1).unwrap();
    let losses = (0..3).map(|_| trainer.step(&mut fresh, noise, labels).unwrap().loss).collect();
    HashMap::from([("probabilities", probabilities), ("features", features), ("losses", losses)])
}

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parity.safetensors")
}

fn floats(st: &SafeTensors, name: &str) -> Vec<f32> {
    st.tensor(name).unwrap().data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

#[test]
fn native_build_matches_the_parity_fixture() {
    if std::env::var_os("LENET_UPDATE_FIXTURES").is_some() {
        let mut test = common::mnist(lenet::data::Split::Test);
        test.truncate(4);
        let (input, labels) = (test.inputs(32), test.labels.clone());
        let mut rng = fastrand::Rng::with_seed(1);
        let noise: Vec<f32> = input.iter().map(|_| rng.f32()).collect();
        let results = compute(&input, &noise, &labels);
        let bytes: Vec<(String, Vec<usize>, Vec<u8>, Dtype)> = results
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.len()], v.iter().flat_map(|f| f.to_le_bytes()).collect(), Dtype::F32))
            .chain([
                (
                    "input".to_string(),
                    vec![4, 1, 32, 32],
                    input.iter().flat_map(|f| f.to_le_bytes()).collect(),
                    Dtype::F32,
                ),
                (
                    "noise".to_string(),
                    vec![4, 1, 32, 32],
                    noise.iter().flat_map(|f| f.to_le_bytes()).collect(),
                    Dtype::F32,
                ),
                ("labels".to_string(), vec![4], labels.clone(), Dtype::U8),
            ])
            .collect();
        let views: Vec<(String, TensorView)> =
            bytes.iter().map(|(n, s, d, t)| (n.clone(), TensorView::new(*t, s.clone(), d).unwrap())).collect();
        std::fs::write(fixture_path(), safetensors::serialize(views, None).unwrap()).unwrap();
    }
    let bytes = std::fs::read(fixture_path()).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let labels = st.tensor("labels").unwrap().data().to_vec();
    let results = compute(&floats(&st, "input"), &floats(&st, "noise"), &labels);
    for (name, ours) in results {
        let expected = floats(&st, name);
        assert_eq!(ours.len(), expected.len(), "{name}");
        let worst = ours.iter().zip(&expected).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(worst <= TOLERANCE, "{name}: max difference {worst}");
    }
}
