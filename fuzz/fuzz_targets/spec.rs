//! Any text given to the spec parser gives a spec or an error, never a panic.
//! A spec that parses round-trips through its JSON, and, unless it is too slow
//! to run here, builds a network whose forward pass fills every layer at the
//! spec's shapes, gives probabilities that sum to 1, and whose backward pass
//! gives finite gradients.
#![no_main]

use lenet::spec::{param_count, LayerKind, Shape};
use lenet::{Network, Spec, Workspace};
use libfuzzer_sys::fuzz_target;

/// Multiply-adds (and values read or written) per sample above which a valid
/// spec is not run: the spec limits allow networks far slower than a fuzzer
/// can afford for one input.
const MAX_WORK: usize = 1 << 24;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let Ok(spec) = Spec::from_preset_or_json(text) else { return };
    let again = Spec::from_json(&spec.to_json()).expect("a valid spec's own JSON parses");
    assert_eq!(again, spec);
    let shapes = spec.shapes().expect("a parsed spec validates");
    if work(&spec, &shapes) > MAX_WORK {
        return;
    }
    let net = Network::from_spec(spec, 1).expect("a valid spec builds");
    let mut ws = Workspace::new();
    let input: Vec<f32> = (0..net.input_shape().len()).map(|i| (i % 7) as f32 / 6.0).collect();
    let probs = net.predict(&input, &mut ws).expect("a valid network runs");
    assert_eq!(probs.len(), net.num_classes());
    assert!(probs.iter().all(|p| (0.0..=1.0).contains(p)), "{probs:?}");
    // Softmax sums its exponentials in f32 one by one: the sum may be off by
    // up to one rounding per class.
    let sum: f64 = probs.iter().map(|&p| p as f64).sum();
    let tolerance = (probs.len() + 1) as f64 * f32::EPSILON as f64;
    assert!((sum - 1.0).abs() <= tolerance, "{} classes: probabilities sum to {sum}", probs.len());
    // Predict leaves some maps unwritten (see `Network::trace`): forward fills them all.
    net.forward(&input, &mut ws).expect("a valid network runs");
    for ((name, shape, values), want) in net.trace(&ws).zip(&shapes) {
        assert_eq!((shape, values.len()), (*want, want.len()), "{name}");
        assert!(values.iter().all(|v| v.is_finite()), "{name}");
    }
    let mut grads = net.gradients();
    net.loss_and_gradients(&input, &[0], 1, &mut ws, &mut grads).expect("a valid network trains");
    assert!(grads.all_finite());
});

/// Per-sample cost of a forward pass: multiply-adds of conv2d and linear
/// (with the bias), window values of pooling, one per value otherwise.
fn work(spec: &Spec, shapes: &[Shape]) -> usize {
    let mut input = spec.input_shape();
    let mut total = 0usize;
    for (layer, &out) in spec.layers.iter().zip(shapes) {
        let per_value = match layer.kind {
            LayerKind::Conv2d { .. } | LayerKind::Linear { .. } => param_count(&layer.kind, input) / out.channels,
            LayerKind::MaxPool2d { kernel_size, .. } | LayerKind::AvgPool2d { kernel_size, .. } => {
                kernel_size * kernel_size
            }
            LayerKind::Relu | LayerKind::Tanh | LayerKind::Sigmoid | LayerKind::Flatten => 1,
        };
        total = total.saturating_add(per_value.saturating_mul(out.len()));
        input = out;
    }
    total
}
