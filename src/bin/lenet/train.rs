//! `lenet train`: trains a network on MNIST-style IDX data and writes the
//! weights, a JSON-lines log and a PNG chart of the run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use lenet::data::{self, Dataset, Split};
use lenet::recipe::{Generated, Recipe, Settings};
use lenet::synth::mix::Handwriting;
use lenet::train::run_parts;
use lenet::{OptimizerConfig, Workspace};
use serde::Serialize;

use crate::{chart, load_net, CliResult, DEFAULT_DATA};

/// Train a network (a preset or a JSON spec) on MNIST-style data.
#[derive(Args)]
pub struct TrainArgs {
    /// A preset (lenet5, lenet5-keras, lenet5-classic, lenet5-reject) or a JSON spec file.
    #[arg(long, default_value = "lenet5")]
    net: String,
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    #[arg(long, default_value_t = 64)]
    batch: usize,
    #[arg(long, value_enum, default_value_t = OptimizerKind::Adam)]
    optimizer: OptimizerKind,
    /// Peak learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f32,
    /// How the learning rate changes over the run.
    #[arg(long, value_enum, default_value_t = Schedule::Cosine)]
    schedule: Schedule,
    /// SGD momentum.
    #[arg(long, default_value_t = 0.9)]
    momentum: f32,
    /// SGD weight decay.
    #[arg(long, default_value_t = 0.0)]
    weight_decay: f32,
    /// Seeds the weights, the shuffling and the augmentation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Directory with the IDX files (train-* and t10k-*, raw or gzipped).
    #[arg(long, default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// Where to write the weights; the log (.jsonl) and chart (.png) go beside it.
    #[arg(long, default_value = "runs/lenet5.safetensors")]
    out: PathBuf,
    /// Threads for the gradient computation (default: all cores). The same
    /// seed and thread count give the same weights.
    #[arg(long)]
    threads: Option<usize>,
    /// Train on the images as they are, without random warps and stroke changes.
    #[arg(long)]
    no_augment: bool,
    /// Add generated samples to every epoch: MNIST digits redrawn with a round
    /// pen, digits from stroke programs, and non-digits for the reject output
    /// (the network needs one, as lenet5-reject has).
    #[arg(long)]
    handwriting: bool,
    /// Use only the first N training images.
    #[arg(long)]
    train_limit: Option<usize>,
    /// Use only the first N test images.
    #[arg(long)]
    test_limit: Option<usize>,
}

#[derive(Clone, Copy, ValueEnum)]
enum OptimizerKind {
    Adam,
    Sgd,
}

#[derive(Clone, Copy, ValueEnum)]
enum Schedule {
    /// Half a cosine from the peak down to 1% of it.
    Cosine,
    /// The peak, then a tenth of it from half-way, a hundredth from 3/4.
    Step,
    Constant,
}

impl From<Schedule> for lenet::recipe::Schedule {
    fn from(s: Schedule) -> Self {
        match s {
            Schedule::Cosine => Self::Cosine,
            Schedule::Step => Self::Step,
            Schedule::Constant => Self::Constant,
        }
    }
}

/// One line of the training log.
#[derive(Serialize)]
pub struct EpochLog {
    pub epoch: usize,
    pub lr: f32,
    pub train_loss: f32,
    pub train_accuracy: f32,
    pub test_loss: f32,
    pub test_accuracy: f32,
    pub seconds: f32,
}

pub fn run(args: TrainArgs) -> CliResult<()> {
    let mut run = Run::prepare(&args)?;
    let (log_path, chart_path) = (args.out.with_extension("jsonl"), args.out.with_extension("png"));
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut log = std::fs::File::create(&log_path).map_err(|e| format!("cannot write {}: {e}", log_path.display()))?;
    run.announce();
    let mut history = Vec::new();
    let started = Instant::now();
    for epoch in 1..=args.epochs {
        let (entry, images) = run.epoch(epoch)?;
        println!(
            "epoch {epoch:>3}/{}  lr {:.2e}  train loss {:.4} acc {:.2}%  test loss {:.4} acc {:.2}%  {:.1}s ({:.0} images/s)",
            args.epochs,
            entry.lr,
            entry.train_loss,
            100.0 * entry.train_accuracy,
            entry.test_loss,
            100.0 * entry.test_accuracy,
            entry.seconds,
            images as f32 / entry.seconds
        );
        writeln!(log, "{}", serde_json::to_string(&entry).expect("plain numbers")).map_err(|e| e.to_string())?;
        history.push(entry);
    }
    write_atomically(&args.out, &lenet::weights::to_bytes(&run.net))?;
    chart::draw(&chart_path, &history)?;
    println!(
        "wrote {}, {} and {} in {:.0}s",
        args.out.display(),
        log_path.display(),
        chart_path.display(),
        started.elapsed().as_secs_f32()
    );
    Ok(())
}

/// A training run: the network, the core's recipe (data, order, warps,
/// schedule, optimizer), and the test set, evaluated over the threads.
struct Run<'a> {
    args: &'a TrainArgs,
    net: lenet::Network,
    recipe: Recipe,
    threads: usize,
    test: Dataset,
    test_inputs: Vec<f32>,
    workspaces: Vec<Workspace>,
}

impl<'a> Run<'a> {
    /// Checks the arguments, loads the network and the data, and sets up the recipe.
    fn prepare(args: &'a TrainArgs) -> CliResult<Run<'a>> {
        if args.epochs == 0 || args.batch == 0 {
            return Err("--epochs and --batch must be at least 1".into());
        }
        if args.out.is_dir() {
            return Err(format!(
                "--out {} is a directory; give a file name such as {0}/lenet5.safetensors",
                args.out.display()
            ));
        }
        let net = load_net(&args.net, args.seed)?;
        if args.handwriting && !(net.spec().reject && net.num_classes() == 11) {
            return Err(format!(
                "--handwriting trains a reject output (\"not a digit\"), so the network needs 11 outputs and \"reject\": true, as lenet5-reject has; {} has {} outputs{}",
                args.net,
                net.num_classes(),
                if net.spec().reject { "" } else { " and no reject output" }
            ));
        }
        let mut train = data::load(&args.data, Split::Train).map_err(|e| e.to_string())?;
        let mut test = data::load(&args.data, Split::Test).map_err(|e| e.to_string())?;
        train.truncate(args.train_limit.unwrap_or(usize::MAX));
        test.truncate(args.test_limit.unwrap_or(usize::MAX));
        let optimizer = match args.optimizer {
            OptimizerKind::Adam => OptimizerConfig::adam(args.lr),
            OptimizerKind::Sgd => {
                OptimizerConfig::Sgd { lr: args.lr, momentum: args.momentum, weight_decay: args.weight_decay }
            }
        };
        let settings = Settings {
            epochs: args.epochs,
            batch: args.batch,
            optimizer,
            schedule: args.schedule.into(),
            seed: args.seed,
            augment: !args.no_augment,
        };
        let threads =
            args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
        let generated = args.handwriting.then(|| Box::new(Handwriting::default()) as Box<dyn Generated>);
        let recipe = Recipe::with_generated(&net, train, settings, threads, generated).map_err(|e| e.to_string())?;
        let side = net.input_shape().height;
        Ok(Run {
            args,
            threads,
            test_inputs: test.inputs(side),
            workspaces: (0..threads).map(|_| Workspace::new()).collect(),
            net,
            recipe,
            test,
        })
    }

    fn announce(&self) {
        let (args, recipe) = (self.args, &self.recipe);
        let mix = recipe.mix();
        let generated = if args.handwriting {
            format!(
                " and, each epoch, {} redrawn, {} stroke-program digits and {} non-digits",
                mix.restroked, mix.strokes, mix.negatives
            )
        } else {
            String::new()
        };
        println!(
            "training {} ({} parameters) on {} images{generated}, testing on {}; {} epochs of batch {}, {} threads, augmentation {}",
            self.net.spec().name.as_deref().unwrap_or(&args.net),
            self.net.param_count(),
            recipe.train_len(),
            self.test.len(),
            args.epochs,
            args.batch,
            self.threads,
            if args.no_augment { "off" } else { "on" }
        );
    }

    /// One epoch of the recipe's steps, then the test set. Returns its log
    /// line and how many images it trained on.
    fn epoch(&mut self, epoch: usize) -> CliResult<(EpochLog, usize)> {
        let epoch_start = Instant::now();
        let bar = progress_bar(epoch, self.args.epochs, self.recipe.images_per_epoch());
        let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0.0f64, 0usize);
        let mut lr;
        loop {
            let step = self.recipe.step(&mut self.net).map_err(|e| format!("epoch {epoch}: {e}"))?;
            let n = step.images;
            loss_sum += step.loss as f64 * n as f64;
            correct += step.accuracy as f64 * n as f64;
            seen += n;
            lr = step.lr;
            bar.inc(n as u64);
            if step.step % 20 == 1 {
                bar.set_message(format!("loss {:.4}", loss_sum / seen as f64));
            }
            if step.ends_epoch() {
                break;
            }
        }
        bar.finish_and_clear();
        let (test_loss, test_accuracy) =
            evaluate_on_threads(&self.net, &self.test_inputs, &self.test.labels, &mut self.workspaces)?;
        let entry = EpochLog {
            epoch,
            lr,
            train_loss: (loss_sum / seen as f64) as f32,
            train_accuracy: (correct / seen as f64) as f32,
            test_loss,
            test_accuracy,
            seconds: epoch_start.elapsed().as_secs_f32(),
        };
        Ok((entry, seen))
    }
}

fn progress_bar(epoch: usize, epochs: usize, len: usize) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} {per_sec} eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(format!("epoch {epoch}/{epochs}"));
    bar
}

/// Writes to a temporary file beside `path`, then renames it into place, so a
/// failed run never leaves a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> CliResult<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot move {} to {}: {e}", tmp.display(), path.display()))
}

/// The test set's mean loss and accuracy, its images split over the threads
/// (one workspace each) in whole batches of 256.
fn evaluate_on_threads(
    net: &lenet::Network,
    images: &[f32],
    labels: &[u8],
    workspaces: &mut [Workspace],
) -> Result<(f32, f32), String> {
    let per_image = images.len() / labels.len().max(1);
    let part = labels.len().div_ceil(workspaces.len()).div_ceil(256).max(1) * 256;
    let mut jobs: Vec<_> =
        images.chunks(part * per_image).zip(labels.chunks(part)).zip(workspaces.iter_mut()).collect();
    let parts =
        run_parts(&mut jobs, |((x, y), ws), _| net.evaluate(x, y, 256, ws).map(|e| (e.loss, e.accuracy, y.len())));
    let (mut loss, mut correct) = (0.0f64, 0.0f64);
    for result in parts {
        let (part_loss, part_accuracy, n) = result.map_err(|e| e.to_string())?;
        loss += part_loss as f64 * n as f64;
        correct += part_accuracy as f64 * n as f64;
    }
    let n = labels.len().max(1) as f64;
    Ok(((loss / n) as f32, (correct / n) as f32))
}
