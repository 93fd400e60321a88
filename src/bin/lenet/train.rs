//! `lenet train`: trains a network on MNIST-style IDX data and writes the
//! weights, a JSON-lines log and a PNG chart of the run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use lenet::augment::Augment;
use lenet::data::{self, Dataset, Split};
use lenet::synth::mix::{Item, Mix};
use lenet::synth::Generator;
use lenet::train::run_parts;
use lenet::{OptimizerConfig, Trainer, Workspace};
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

impl Schedule {
    /// The learning rate at `progress` in [0, 1) of the run.
    fn lr(self, peak: f32, progress: f32) -> f32 {
        match self {
            Schedule::Cosine => peak * (0.01 + 0.99 * 0.5 * (1.0 + (std::f32::consts::PI * progress).cos())),
            Schedule::Step if progress >= 0.75 => peak * 0.01,
            Schedule::Step if progress >= 0.5 => peak * 0.1,
            Schedule::Step | Schedule::Constant => peak,
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

/// A training run: the network and its trainer, the data, and the state
/// that carries from epoch to epoch (the random stream, the buffers).
struct Run<'a> {
    args: &'a TrainArgs,
    net: lenet::Network,
    trainer: Trainer,
    threads: usize,
    train: Dataset,
    test: Dataset,
    /// MNIST's training and test digits as network inputs.
    clean: Vec<f32>,
    test_inputs: Vec<f32>,
    mix: Mix,
    generator: Generator,
    augment: Augment,
    rng: fastrand::Rng,
    /// One batch's inputs and labels.
    x: Vec<f32>,
    y: Vec<u8>,
    workspaces: Vec<Workspace>,
}

impl<'a> Run<'a> {
    /// Checks the arguments, loads the network and the data, and builds the trainer.
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
        let input = net.input_shape();
        if input.channels != 1 || input.height != input.width {
            return Err(format!("MNIST-style training needs a 1xSxS input; this network takes {input}"));
        }
        let mut train = data::load(&args.data, Split::Train).map_err(|e| e.to_string())?;
        let mut test = data::load(&args.data, Split::Test).map_err(|e| e.to_string())?;
        train.truncate(args.train_limit.unwrap_or(usize::MAX));
        test.truncate(args.test_limit.unwrap_or(usize::MAX));
        if train.is_empty() {
            return Err("the training set is empty".into());
        }
        net.check_labels(&train.labels, train.len()).map_err(|e| format!("the training set: {e}"))?;
        let mix = if args.handwriting { Mix::HANDWRITING.scaled(train.len()) } else { Mix::NONE };
        if mix.has_negatives() && !(net.spec().reject && net.num_classes() == 11) {
            return Err(format!(
                "--handwriting trains a reject output (\"not a digit\"), so the network needs 11 outputs and \"reject\": true, as lenet5-reject has; {} has {} outputs{}",
                args.net,
                net.num_classes(),
                if net.spec().reject { "" } else { " and no reject output" }
            ));
        }
        let config = match args.optimizer {
            OptimizerKind::Adam => OptimizerConfig::adam(args.lr),
            OptimizerKind::Sgd => {
                OptimizerConfig::Sgd { lr: args.lr, momentum: args.momentum, weight_decay: args.weight_decay }
            }
        };
        let threads =
            args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
        let trainer = Trainer::new(&net, config, threads).map_err(|e| e.to_string())?;
        let side = input.height;
        Ok(Run {
            args,
            threads,
            clean: train.inputs(side),
            test_inputs: test.inputs(side),
            mix,
            generator: Generator::new(),
            augment: Augment::default(),
            rng: fastrand::Rng::with_seed(args.seed),
            x: vec![0.0; args.batch * side * side],
            y: vec![0; args.batch],
            workspaces: (0..threads).map(|_| Workspace::new()).collect(),
            net,
            trainer,
            train,
            test,
        })
    }

    fn announce(&self) {
        let (args, mix) = (self.args, self.mix);
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
            self.train.len(),
            self.test.len(),
            args.epochs,
            args.batch,
            self.threads,
            if args.no_augment { "off" } else { "on" }
        );
    }

    /// Steps per epoch: every item of an epoch once, in batches.
    fn steps_per_epoch(&self) -> usize {
        let mix = self.mix;
        (self.train.len() + mix.restroked + mix.strokes + mix.negatives).div_ceil(self.args.batch)
    }

    /// One epoch: its items in a fresh order, a step per batch, then the
    /// test set. Returns its log line and how many images it trained on.
    fn epoch(&mut self, epoch: usize) -> CliResult<(EpochLog, usize)> {
        let args = self.args;
        let epoch_start = Instant::now();
        let order = self.mix.epoch(&mut self.rng, self.train.len());
        let bar = progress_bar(epoch, args.epochs, order.len());
        let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0.0f64, 0usize);
        let (steps, mut lr) = (self.steps_per_epoch(), args.lr);
        for (step, batch) in order.chunks(args.batch).enumerate() {
            self.fill_batch(batch);
            lr = args.schedule.lr(args.lr, ((epoch - 1) * steps + step) as f32 / (steps * args.epochs) as f32);
            self.trainer.optimizer_mut().set_lr(lr).map_err(|e| e.to_string())?;
            let (n, per_image) = (batch.len(), self.x.len() / args.batch);
            let result = self
                .trainer
                .step(&mut self.net, &self.x[..n * per_image], &self.y[..n])
                .map_err(|e| format!("epoch {epoch}: {e}"))?;
            loss_sum += result.loss as f64 * n as f64;
            correct += result.accuracy as f64 * n as f64;
            seen += n;
            bar.inc(n as u64);
            if step % 20 == 0 {
                bar.set_message(format!("loss {:.4}", loss_sum / seen as f64));
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
        Ok((entry, order.len()))
    }

    /// The batch's inputs (rendered, then warped, over the threads) and labels.
    fn fill_batch(&mut self, batch: &[Item]) {
        // One seed per image, drawn in order: the samples and warps do
        // not depend on how the batch is split over threads.
        let seeds: Vec<u64> = batch.iter().map(|_| self.rng.u64(..)).collect();
        let (per_image, side) = (self.x.len() / self.args.batch, self.net.input_shape().height);
        let per_thread = batch.len().div_ceil(self.threads);
        let mut parts: Vec<_> = batch
            .chunks(per_thread)
            .zip(self.x.chunks_mut(per_thread * per_image))
            .zip(seeds.chunks(per_thread))
            .collect();
        let (generator, train, clean, augment) = (&self.generator, &self.train, &self.clean, &self.augment);
        let no_augment = self.args.no_augment;
        run_parts(&mut parts, |((items, out), seeds), _| {
            let mut src = vec![0.0; per_image];
            for ((&item, dst), &seed) in items.iter().zip(out.chunks_exact_mut(per_image)).zip(seeds.iter()) {
                // The generator's seed differs from the warp's, which is the
                // image's seed as in MNIST-only runs (they stay bit for bit).
                item.render(generator, seed ^ 0x9e37_79b9_7f4a_7c15, train, clean, &mut src);
                if no_augment {
                    dst.copy_from_slice(&src);
                } else {
                    augment.apply(&mut fastrand::Rng::with_seed(seed), &src, dst, side);
                }
            }
        });
        for (label, &item) in self.y.iter_mut().zip(batch) {
            *label = item.label(train);
        }
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
