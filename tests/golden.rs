//! Our forward pass against ONNX Runtime: every layer's output and the
//! probabilities, within 1e-5, for the three presets and a small network with
//! stride, padding, sigmoid and overlapping pooling.
//!
//! The files in tests/golden/ come from tools/golden/make_goldens.py (see
//! tests/golden/README.md): random weights and inputs, run through the same
//! network built as an ONNX graph.
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;

use lenet::{weights, Network, Spec, Workspace};
use safetensors::tensor::{Dtype, SafeTensors};

const TOLERANCE: f32 = 1e-5;

fn read(file: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(file);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; regenerate with python3 tools/golden/make_goldens.py", path.display()))
}

/// A float32 tensor of the outputs file: shape and values.
fn tensor(file: &SafeTensors, name: &str) -> (Vec<usize>, Vec<f32>) {
    let t = file.tensor(name).unwrap_or_else(|_| panic!("the golden outputs have no tensor '{name}'"));
    assert_eq!(t.dtype(), Dtype::F32, "tensor '{name}'");
    let values = t.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    (t.shape().to_vec(), values)
}

/// The `spec` entry of a safetensors file's metadata.
fn spec_json(bytes: &[u8]) -> String {
    let (_, header) = SafeTensors::read_metadata(bytes).unwrap();
    header.metadata().as_ref().and_then(|m| m.get("spec").cloned()).expect("golden files name their spec")
}

/// Largest absolute difference and where it is; NaN counts as infinitely far.
fn max_diff(ours: &[f32], expected: &[f32]) -> (f32, usize) {
    assert_eq!(ours.len(), expected.len());
    ours.iter().zip(expected).enumerate().fold((0.0, 0), |(best, at), (i, (a, b))| {
        let d = (a - b).abs();
        let d = if d.is_nan() { f32::INFINITY } else { d };
        if d > best {
            (d, i)
        } else {
            (best, at)
        }
    })
}

/// Runs network `name` on its golden input and compares every layer.
fn check(name: &str) {
    let net: Network = weights::from_bytes(&read(&format!("{name}.safetensors"))).unwrap();
    let bytes = read(&format!("{name}.outputs.safetensors"));
    let golden = SafeTensors::deserialize(&bytes).unwrap();
    assert_eq!(
        &Spec::from_json(&spec_json(&bytes)).unwrap(),
        net.spec(),
        "{name}: the weights and outputs files disagree on the spec"
    );

    let (input_shape, input) = tensor(&golden, "input");
    let n = input_shape[0];
    assert_eq!(input_shape[1..], net.input_shape().to_vec(), "{name}: input shape");
    let mut ws = Workspace::new();
    // Predict takes shortcuts (the pooling before its activation); forward
    // writes every layer's output for the trace.
    let probabilities = net.predict(&input, &mut ws).unwrap();
    net.forward(&input, &mut ws).unwrap();

    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let mut compared = vec!["input".to_string()];
    let mut compare = |i: Option<usize>, layer: String, shape: Vec<usize>, ours: &[f32]| {
        let (expected_shape, expected) = tensor(&golden, &layer);
        let at = i.map_or("probabilities".to_string(), |i| format!("layer {i} ('{layer}')"));
        assert_eq!(expected_shape, shape, "{name}, {at}: shape");
        let (diff, k) = max_diff(ours, &expected);
        rows.push(format!("  {at:<28} {shape:?}  max |diff| {diff:.2e}"));
        if diff.is_nan() || diff > TOLERANCE {
            failures.push(format!(
                "{at}: max |diff| {diff:.3e} at flat index {k} (ours {}, ONNX Runtime {})",
                ours[k], expected[k]
            ));
        }
        compared.push(layer);
    };
    for (i, (layer, shape, ours)) in net.trace(&ws).enumerate() {
        compare(Some(i), layer, vec![n, shape.channels, shape.height, shape.width], ours);
    }
    compare(None, "probabilities".into(), vec![n, net.num_classes()], &probabilities);

    let mut left: Vec<&str> = golden.names().into_iter().filter(|t| !compared.iter().any(|c| c == *t)).collect();
    left.sort();
    assert!(left.is_empty(), "{name}: golden tensors no layer produced: {left:?}");
    eprintln!("{name} against ONNX Runtime:\n{}", rows.join("\n"));
    assert!(failures.is_empty(), "{name} differs from ONNX Runtime by more than {TOLERANCE}:\n{}", failures.join("\n"));
}

/// The preset goldens must describe the preset as the library builds it now;
/// the string check also keeps the script's hand-written JSON honest.
fn check_preset(name: &str) {
    let bytes = read(&format!("{name}.safetensors"));
    let preset = Spec::preset(name).unwrap();
    assert_eq!(weights::from_bytes(&bytes).unwrap().spec(), &preset, "{name}: not the preset; regenerate the goldens");
    assert_eq!(spec_json(&bytes), preset.to_json(), "{name}: the script's JSON is not what Spec::to_json writes");
    check(name);
}

#[test]
fn lenet5_matches_onnx_runtime() {
    check_preset("lenet5");
}

#[test]
fn lenet5_keras_matches_onnx_runtime() {
    check_preset("lenet5-keras");
}

#[test]
fn lenet5_classic_matches_onnx_runtime() {
    check_preset("lenet5-classic");
}

/// Stride 2 with padding 1, padding on a 2x2 kernel, sigmoid, average pooling
/// at stride 1, max pooling 3x3 at stride 2 that leaves the last column out,
/// default layer names and keys.
#[test]
fn mixed_layers_match_onnx_runtime() {
    check("mixed");
}
