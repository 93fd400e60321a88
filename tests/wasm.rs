//! The JavaScript API inside a real wasm engine, in both builds (SIMD128, and
//! relaxed SIMD: see `make wasm-test`), for example
//!   wasm-pack test --node -- --test wasm
//!   WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --chrome -- --test wasm
//!
//! The numbers must equal the native build's (tests/fixtures/parity.safetensors,
//! checked natively by tests/parity.rs) within 2e-6 of the largest value of
//! what is compared (probabilities, losses: absolute; feature maps: relative to
//! the largest activation, about 30). In wasm C3 runs as Winograd's
//! transforms, and the relaxed build fuses multiply-adds, so sums of hundreds
//! of products differ from the native ones in the last bits of f32: up to
//! about 16 units in the last place of the largest activation (1.02e-6 of it
//! with the weights of 2026-12-07). Every bad input must come
//! back as an error with a message, and the network must keep working.
#![cfg(target_arch = "wasm32")]

use lenet::wasm::{preprocess, JsNetwork as Network, JsTraining as Training};
use safetensors::tensor::SafeTensors;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const FIXTURE: &[u8] = include_bytes!("fixtures/parity.safetensors");

fn fixture(name: &str) -> Vec<f32> {
    let st = SafeTensors::deserialize(FIXTURE).unwrap();
    st.tensor(name).unwrap().data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

fn fixture_labels() -> Vec<i32> {
    SafeTensors::deserialize(FIXTURE).unwrap().tensor("labels").unwrap().data().iter().map(|&l| l.into()).collect()
}

fn assert_close(what: &str, ours: &[f32], expected: &[f32]) {
    assert_eq!(ours.len(), expected.len(), "{what}: length");
    let scale = expected.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    let worst = ours.iter().zip(expected).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(worst <= 2e-6 * scale, "{what}: the wasm build differs from the native one by {worst} (scale {scale})");
}

/// Bytes as JavaScript passes them: a Uint8Array.
fn bytes(data: &[u8]) -> JsValue {
    js_sys::Uint8Array::from(data).into()
}

/// The message JavaScript would see in the thrown Error.
fn message<T>(result: Result<T, wasm_bindgen::JsError>) -> String {
    let err = result.err().expect("expected an error");
    let value: JsValue = err.into();
    value.dyn_into::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default()
}

/// The shipped weights in float32, as tests/parity.rs reads them natively
/// (`pretrained()` embeds the float16 copy: tests/shipped_f16.rs).
fn shipped() -> Network {
    Network::from_safetensors(bytes(include_bytes!("../weights/lenet5-reject.safetensors"))).unwrap()
}

#[wasm_bindgen_test]
fn predictions_and_feature_maps_equal_the_native_build() {
    let mut net = shipped();
    let input = fixture("input");
    assert_close("predictBatch", &net.predict_batch(&input, 4).unwrap(), &fixture("probabilities"));
    assert_close("predict", &net.predict(&input[..1024]).unwrap(), &fixture("probabilities")[..11]);
    assert_close("featureMaps", &net.feature_maps(&input[..1024]).unwrap(), &fixture("features"));
}

#[wasm_bindgen_test]
fn seeded_train_steps_equal_the_native_build() {
    let mut net = Network::from_spec(JsValue::from_str("lenet5"), 7).unwrap();
    // On noise: see tests/parity.rs.
    let (noise, labels) = (fixture("noise"), fixture_labels());
    let losses: Vec<f32> = (0..3).map(|_| net.train_step(&noise, &labels).unwrap()).collect();
    assert_close("trainStep losses", &losses, &fixture("losses"));
}

#[wasm_bindgen_test]
fn pretrained_recognizes_mnist_digits_and_round_trips_through_safetensors() {
    let mut net = Network::pretrained().unwrap();
    let input = fixture("input");
    let labels = fixture_labels();
    let probs = net.predict_batch(&input, 4).unwrap();
    assert!(net.can_reject());
    for (i, row) in probs.chunks(net.num_classes()).enumerate() {
        let best = lenet::model::argmax(row);
        assert_eq!(best as i32, labels[i], "digit {i}: {row:?}");
        // read(): the same digit, as a plain object with the digits'
        // probabilities (averaged over the input and its one-pixel shifts,
        // so not exactly `predict`'s).
        let reading = net.read(&input[i * 1024..(i + 1) * 1024]).unwrap();
        let field = |name: &str| js_sys::Reflect::get(&reading, &JsValue::from_str(name)).unwrap();
        assert_eq!(field("digit").as_f64(), Some(labels[i] as f64));
        let probabilities: Vec<f64> =
            js_sys::Array::from(&field("probabilities")).iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(probabilities.len(), 10);
        assert_eq!(field("confidence").as_f64(), Some(probabilities[labels[i] as usize]));
        let not_digit = field("notDigit").as_f64().unwrap();
        assert!((probabilities.iter().sum::<f64>() + not_digit - 1.0).abs() < 1e-5);
    }
    let mut copy = Network::from_safetensors(bytes(&net.to_safetensors())).unwrap();
    assert_eq!(copy.predict_batch(&input, 4).unwrap(), probs);
}

#[wasm_bindgen_test]
fn layers_describe_the_feature_maps() {
    let net = Network::pretrained().unwrap();
    let json = js_sys::JSON::stringify(&net.layers().unwrap()).unwrap().as_string().unwrap();
    let layers: serde_json::Value = serde_json::from_str(&json).unwrap();
    let c1 = &layers[0];
    assert_eq!(c1["name"], "C1");
    assert_eq!(c1["kind"], "conv2d");
    assert_eq!((c1["params"].as_u64(), c1["connections"].as_u64()), (Some(156), Some(122_304)));
    assert_eq!((c1["offset"].as_u64(), c1["length"].as_u64()), (Some(0), Some(6 * 28 * 28)));
    assert_eq!(c1["weightShape"], serde_json::json!([6, 1, 5, 5]));
    assert_eq!((c1["kernelSize"].as_u64(), c1["stride"].as_u64(), c1["padding"].as_u64()), (Some(5), Some(1), Some(0)));
    assert_eq!((layers[2]["kernelSize"].as_u64(), layers[2]["stride"].as_u64()), (Some(2), Some(2)), "S2");
    assert!(layers[1].get("kernelSize").is_none(), "relu1 has no window");
    let last = layers.as_array().unwrap().last().unwrap();
    let total = last["offset"].as_u64().unwrap() + last["length"].as_u64().unwrap();
    assert_eq!(total as usize, fixture("features").len());
    let mut net = net;
    let times = net.layer_times(&fixture("input")[..1024], 20).unwrap();
    assert_eq!(times.len(), layers.as_array().unwrap().len());
    assert!(times.iter().all(|t| t.is_finite() && *t >= 0.0) && times.iter().sum::<f64>() > 0.0, "{times:?}");
    assert_eq!(net.kernels("C1".into()).unwrap().len(), 150);
    assert_eq!(net.kernels("C3".into()).unwrap().len(), 16 * 6 * 25);
}

/// The field names of the TypeScript interface `name` in `ts`.
fn interface_fields(ts: &str, name: &str) -> std::collections::BTreeSet<String> {
    let body = ts.split(&format!("interface {name} {{")).nth(1).unwrap_or_else(|| panic!("no interface {name}"));
    let body = &body[..body.find("\n}").unwrap()];
    body.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("/*") && !l.starts_with('*') && !l.is_empty())
        .map(|l| l.split([':', '?']).next().unwrap().to_string())
        .collect()
}

/// The keys of the JavaScript objects `values`, all of them together.
fn keys(values: &[JsValue]) -> std::collections::BTreeSet<String> {
    values
        .iter()
        .flat_map(|v| {
            js_sys::Object::keys(v.unchecked_ref::<js_sys::Object>())
                .iter()
                .filter_map(|k| k.as_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The hand-written TypeScript interfaces name exactly the fields the
/// methods return, so the .d.ts cannot drift from the Rust types.
#[wasm_bindgen_test]
fn the_typescript_interfaces_match_the_objects() {
    use lenet::wasm::{LAYER_INFO, NUMBER_READING, READING, TRAINING};
    let mut net = Network::pretrained().unwrap();
    let layers: Vec<JsValue> = js_sys::Array::from(&net.layers().unwrap()).iter().collect();
    assert_eq!(keys(&layers), interface_fields(LAYER_INFO, "LayerInfo"));
    let reading = net.read(&fixture("input")[..1024]).unwrap();
    assert_eq!(keys(&[reading]), interface_fields(READING, "Reading"));
    let (w, h) = (96, 32);
    let mut rgba = vec![0u8; w * h * 4];
    for y in 6..26 {
        for x in [20, 21, 22, 60, 61, 62] {
            rgba[(y * w + x) * 4 + 3] = 255;
        }
    }
    let number = net.read_digits(&rgba, w, h, None).unwrap();
    assert_eq!(keys(std::slice::from_ref(&number)), interface_fields(NUMBER_READING, "NumberReading"));
    let digits: Vec<JsValue> =
        js_sys::Array::from(&js_sys::Reflect::get(&number, &"digits".into()).unwrap()).iter().collect();
    assert!(!digits.is_empty(), "two strokes make digits");
    assert_eq!(keys(&digits), interface_fields(NUMBER_READING, "NumberDigit"));
    let mut fresh = Network::from_spec(JsValue::from_str("lenet5"), 1).unwrap();
    let mut training = Training::new(&fresh, fixture_pixels(), &fixture_labels(), None).unwrap();
    let progress = training.run(&mut fresh, 1).unwrap();
    assert_eq!(keys(&[progress]), interface_fields(TRAINING, "TrainingProgress"));
    let check =
        Network::check_spec(JsValue::from_str(r#"{"input": [1, 8, 8], "layers": [{"type": "relu"}]}"#)).unwrap();
    assert_eq!(keys(std::slice::from_ref(&check)), interface_fields(TRAINING, "SpecCheck"));
}

/// The fixture's four digits as MNIST stores them: 28 x 28 bytes, ink 255.
fn fixture_pixels() -> Vec<u8> {
    let input = fixture("input");
    input
        .chunks_exact(1024)
        .flat_map(|d| (2..30).flat_map(move |r| (2..30).map(move |c| (d[r * 32 + c] * 255.0).round() as u8)))
        .collect()
}

fn settings(json: &str) -> Option<js_sys::Object> {
    Some(js_sys::JSON::parse(json).unwrap().unchecked_into())
}

fn field(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(name)).unwrap()
}

/// `Training` is the core's recipe (the one `lenet train` runs) with the
/// settings it was given: the same losses, step for step, stopping at each
/// epoch's end.
#[wasm_bindgen_test]
fn training_runs_the_core_recipe_with_its_settings() {
    use lenet::recipe::{Recipe, Schedule, Settings};
    let (pixels, labels) = (fixture_pixels(), fixture_labels());
    let json = r#"{"epochs": 2, "batch": 3, "seed": 11, "schedule": "step", "optimizer": {"kind": "sgd", "lr": 0.05}}"#;
    let mut net = Network::from_spec(JsValue::from_str("lenet5"), 4).unwrap();
    let mut training = Training::new(&net, pixels.clone(), &labels, settings(json)).unwrap();
    assert_eq!((training.steps_per_epoch(), training.total_steps(), training.done()), (2, 4, false));
    let mut ours = Vec::new();
    let mut ends = Vec::new();
    while !training.done() {
        let progress = training.run(&mut net, 10).unwrap();
        ours.extend(js_sys::Array::from(&field(&progress, "losses")).iter().map(|l| l.as_f64().unwrap() as f32));
        ends.push((field(&progress, "epoch").as_f64(), field(&progress, "epochEnded").as_bool()));
    }
    assert_eq!(ends, [(Some(1.0), Some(true)), (Some(2.0), Some(true))], "a run stops at each epoch's end");

    let mut core_net = lenet::Network::from_preset_or_json("lenet5", 4).unwrap();
    let core_settings = Settings {
        epochs: 2,
        batch: 3,
        seed: 11,
        schedule: Schedule::Step,
        optimizer: lenet::OptimizerConfig::Sgd { lr: 0.05, momentum: 0.0, weight_decay: 0.0 },
        ..Settings::default()
    };
    let labels8: Vec<u8> = labels.iter().map(|&l| l as u8).collect();
    let train = lenet::data::Dataset::from_pixels(28, 28, pixels.clone(), labels8).unwrap();
    let mut recipe = Recipe::new(&core_net, train, core_settings, 1).unwrap();
    let core: Vec<f32> = (0..4).map(|_| recipe.step(&mut core_net).unwrap().loss).collect();
    assert_eq!(ours, core);

    // What it refuses, with the core's words; the network keeps working.
    let bad = |json: &str| message(Training::new(&net, pixels.clone(), &labels, settings(json)));
    assert!(bad(r#"{"epoch": 2}"#).contains(r#"unknown training setting "epoch""#));
    assert!(bad(r#"{"optimizer": {"kind": "adam", "momentum": 0.9}}"#).contains(r#"unknown field "momentum""#));
    assert!(message(Training::new(&net, pixels[1..].to_vec(), &labels, None)).contains("28 x 28 bytes"));
    assert!(message(Training::new(&net, pixels.clone(), &[0, 1, 2, 12], None)).contains("label 3 is 12"));
    assert!(message(training.run(&mut net, 1)).contains("the run is over"));
    let mut other = Network::from_spec(JsValue::from_str("lenet5-keras"), 4).unwrap();
    let mut fresh = Training::new(&net, pixels.clone(), &labels, None).unwrap();
    assert!(message(fresh.run(&mut other, 1)).contains("not the network the run was made for"));
    assert_eq!(net.predict(&fixture("input")[..1024]).unwrap().len(), 10);
}

#[wasm_bindgen_test]
fn check_spec_puts_the_core_message_on_its_layer() {
    let ok = Network::check_spec(JsValue::from_str("lenet5-keras")).unwrap();
    assert!(field(&ok, "problem").is_undefined());
    let layers = js_sys::Array::from(&field(&ok, "layers"));
    assert_eq!(field(&layers.get(0), "params").as_f64(), Some(156.0));
    let spec = r#"{"input": [1, 32, 32], "layers": [{"type": "conv2d", "out_channels": 6, "kernel_size": 5},
        {"type": "linear", "out_features": 10}]}"#;
    let found = Network::check_spec(JsValue::from_str(spec)).unwrap();
    let problem = field(&found, "problem");
    assert_eq!(field(&problem, "layer").as_f64(), Some(1.0));
    let words = field(&problem, "message").as_string().unwrap();
    assert_eq!(words, message(Network::from_spec(JsValue::from_str(spec), 1)));
    assert!(words.contains("put a flatten layer before it"), "{words}");
}

#[wasm_bindgen_test]
fn bad_input_throws_a_readable_error_and_the_network_keeps_working() {
    let mut net = Network::pretrained().unwrap();
    let input = fixture("input");
    let good = net.predict(&input[..1024]).unwrap();

    assert!(message(net.predict(&input[..1000])).contains("expected 1 x 1024 = 1024 values"));
    let mut nan = input[..1024].to_vec();
    nan[17] = f32::NAN;
    assert!(message(net.predict(&nan)).contains("is NaN"));
    assert!(message(net.predict_batch(&input, 3)).contains("expected 3 x 1024"));
    assert!(message(net.predict_batch(&input, 0)).contains("the batch is empty"));
    assert!(message(net.train_step(&input, &[1, 2, 3, 12])).contains("label 3 is 12"));
    assert!(message(net.train_step(&input, &[1, 2])).contains("expected 2 x 1024"));
    assert!(message(net.train_step(&nan, &[1])).contains("is NaN"));
    assert!(message(net.evaluate(&input, &[1, 2, 3])).contains("expected 3 x 1024"));
    assert!(message(net.kernels("S2".into())).contains("has no weights"));
    assert!(message(net.kernels("C9".into())).contains("no layer named 'C9'"));
    let adam = js_sys::JSON::parse(r#"{"kind": "adam", "lr": -1}"#).unwrap();
    assert!(message(net.set_optimizer(adam)).contains("learning rate"));
    assert!(message(net.set_optimizer(JsValue::from_str("fast"))).contains("invalid optimizer settings"));
    assert!(message(net.set_learning_rate(f32::NAN)).contains("learning rate"));
    assert_eq!(net.predict(&input[..1024]).unwrap(), good, "still the same network");

    let file = net.to_safetensors();
    assert!(message(Network::from_safetensors(bytes(&file[..file.len() / 2]))).contains("invalid weights file"));
    assert!(message(Network::from_safetensors(bytes(b"not weights"))).contains("invalid weights file"));
    assert!(message(Network::from_spec(JsValue::from_str("lenet6"), 1)).contains("unknown preset 'lenet6'"));
    let bad = r#"{"input":[1,8,8],"layers":[{"type":"conv2d","name":"C1","out_channels":2,"kernel_size":9}]}"#;
    assert!(message(Network::from_spec(JsValue::from_str(bad), 1)).contains("layer 0 ('C1', conv2d)"));

    assert!(message(preprocess(&[], 0, 0)).contains("0x0"));
    assert!(message(preprocess(&[0; 15], 2, 2)).contains("16 bytes"));
    assert_eq!(preprocess(&[0; 16 * 16 * 4], 16, 16).unwrap(), None, "a blank canvas");
}
