//! One training recipe for every front end: `lenet train` natively, and the
//! page's workers through the wasm API, follow the same path for the same
//! settings and seed. Each epoch is every training digit once (plus, if
//! the run is given a source of them, freshly generated samples: synth/mix.rs's
//! `Handwriting` for `lenet train --handwriting`) in an order
//! drawn from the run's random stream; each image gets its own seed from
//! that stream, for its rendering and for its warp (augment.rs); each
//! step's learning rate comes from the schedule; one optimizer step per
//! batch (train.rs).
//!
//! Only the arithmetic of a step can differ between front ends: natively a
//! batch is split over threads, and the builds round differently.

use crate::augment::Augment;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::model::Network;
use crate::optim::{Field, OptimizerConfig};
use crate::spec::Spec;
use crate::synth::mix::{Item, Mix};
use crate::train::{run_parts, Trainer};

/// How the learning rate moves from its peak over a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schedule {
    /// Half a cosine from the peak down to 1% of it.
    #[default]
    Cosine,
    /// The peak, then a tenth of it from half-way, a hundredth from 3/4.
    Step,
    Constant,
}

impl Schedule {
    pub const NAMES: [&'static str; 3] = ["cosine", "step", "constant"];

    pub fn from_name(name: &str) -> Result<Schedule> {
        match name {
            "cosine" => Ok(Schedule::Cosine),
            "step" => Ok(Schedule::Step),
            "constant" => Ok(Schedule::Constant),
            other => Err(Error::Settings(format!(
                "unknown schedule '{other}'; the schedules are {}",
                Schedule::NAMES.join(", ")
            ))),
        }
    }

    /// The learning rate at `progress` in [0, 1) of the run.
    pub fn lr(self, peak: f32, progress: f32) -> f32 {
        match self {
            Schedule::Cosine => peak * (0.01 + 0.99 * 0.5 * (1.0 + (std::f32::consts::PI * progress).cos())),
            Schedule::Step if progress >= 0.75 => peak * 0.01,
            Schedule::Step if progress >= 0.5 => peak * 0.1,
            Schedule::Step | Schedule::Constant => peak,
        }
    }
}

/// Everything that decides a run's path besides the network and the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub epochs: usize,
    pub batch: usize,
    /// The optimizer; its learning rate is the schedule's peak.
    pub optimizer: OptimizerConfig,
    pub schedule: Schedule,
    /// Seeds the order of every epoch, the generated samples and the warps
    /// (the network's initial weights are seeded where it is built).
    pub seed: u64,
    /// Random warps and stroke-width changes of every image (augment.rs).
    pub augment: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            epochs: 20,
            batch: 64,
            optimizer: OptimizerConfig::adam(1e-3),
            schedule: Schedule::Cosine,
            seed: 1,
            augment: true,
        }
    }
}

/// The largest batch and the most epochs a run takes: a batch's inputs are
/// allocated at once, and a run's steps are counted in a usize (32 bits in wasm).
pub const MAX_BATCH: usize = 4096;
pub const MAX_EPOCHS: usize = 10_000;
/// The most input values a run holds: the training set as inputs (60,000
/// MNIST digits are 61 million), and a batch's. A gigabyte of float32.
pub const MAX_INPUT_VALUES: usize = 1 << 28;

impl Settings {
    /// The fields a settings object takes, as JavaScript names them.
    pub const FIELDS: [&'static str; 6] = ["epochs", "batch", "optimizer", "schedule", "seed", "augment"];

    /// Settings given as named fields, as the page gives them: `keys` are the
    /// names the caller gave, `field` reads each of them (as
    /// [`OptimizerConfig::from_fields`] does), `optimizer` is what the
    /// `optimizer` field held. What is left out keeps [`Settings::default`];
    /// unknown fields and values of the wrong kind are refused by name.
    pub fn from_fields(
        keys: &[String],
        field: impl Fn(&str) -> Field,
        optimizer: Option<OptimizerConfig>,
    ) -> Result<Settings> {
        let bad = Error::Settings;
        if let Some(key) = keys.iter().find(|k| !Settings::FIELDS.contains(&k.as_str())) {
            return Err(bad(format!(
                "unknown training setting \"{key}\"; the settings are {}",
                Settings::FIELDS.join(", ")
            )));
        }
        let mut settings = Settings::default();
        let whole = |name: &str, min: f64| -> Result<Option<u64>> {
            match field(name) {
                Field::Missing => Ok(None),
                Field::Number(n) if n >= min && n.fract() == 0.0 && n <= 2f64.powi(53) => Ok(Some(n as u64)),
                Field::Number(n) => Err(bad(format!("{name} must be a whole number of at least {min}, got {n}"))),
                Field::Other(json) => Err(bad(format!("{name} must be a whole number of at least {min}, got {json}"))),
            }
        };
        let usize_of = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        settings.epochs = whole("epochs", 1.0)?.map_or(settings.epochs, usize_of);
        settings.batch = whole("batch", 1.0)?.map_or(settings.batch, usize_of);
        settings.seed = whole("seed", 0.0)?.unwrap_or(settings.seed);
        match field("augment") {
            Field::Missing => {}
            Field::Other(json) if json == "true" || json == "false" => settings.augment = json == "true",
            Field::Number(n) => return Err(bad(format!("augment must be true or false, got {n}"))),
            Field::Other(json) => return Err(bad(format!("augment must be true or false, got {json}"))),
        }
        match field("schedule") {
            Field::Missing => {}
            Field::Other(json) if json.starts_with('"') => {
                settings.schedule = Schedule::from_name(json.trim_matches('"'))?;
            }
            Field::Number(n) => {
                return Err(bad(format!("schedule must be one of {}, got {n}", Schedule::NAMES.join(", "))))
            }
            Field::Other(json) => {
                return Err(bad(format!("schedule must be one of {}, got {json}", Schedule::NAMES.join(", "))))
            }
        }
        if let Some(config) = optimizer {
            config.validate()?;
            settings.optimizer = config;
        }
        Ok(settings)
    }
}

/// Samples a run makes itself, added to every epoch's training digits: an
/// epoch holds `mix` of them, and `render` draws each. A run without a
/// source trains on its images only (and the wasm build links no generator).
pub trait Generated: std::fmt::Debug + Send + Sync {
    /// How many of each kind an epoch adds to `train_len` training digits.
    fn mix(&self, train_len: usize) -> Mix;
    /// Draws `item` (any kind, training digits too) from `seed` into `out`.
    fn render(&self, item: Item, seed: u64, train: &Dataset, out: &mut [f32]);
    /// Why `net` cannot learn from these samples, if it cannot.
    fn unfit_for(&self, net: &Network) -> Option<String>;
}

/// What one step of a run did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// The epoch this step belongs to, from 1.
    pub epoch: usize,
    /// Steps done in that epoch, and how many it has.
    pub step: usize,
    pub steps_per_epoch: usize,
    /// Images in this step's batch.
    pub images: usize,
    /// The batch's mean loss and accuracy before the update.
    pub loss: f32,
    pub accuracy: f32,
    /// The learning rate the step used.
    pub lr: f32,
}

impl Progress {
    /// Whether this step finished its epoch.
    pub fn ends_epoch(&self) -> bool {
        self.step == self.steps_per_epoch
    }
}

/// A run in progress: the data, the optimizer and where the run stands.
/// Step it until [`Recipe::is_done`]; it can stop and go on at any step.
#[derive(Debug)]
pub struct Recipe {
    settings: Settings,
    /// The spec of the network it trains.
    spec: Spec,
    trainer: Trainer,
    threads: usize,
    /// The training digits as bytes: each becomes an input when drawn (as
    /// floats all of MNIST would take 245 MB, and long to make).
    train: Dataset,
    side: usize,
    mix: Mix,
    generated: Option<Box<dyn Generated>>,
    augment: Augment,
    rng: fastrand::Rng,
    /// This epoch's items; drawn when its first step runs.
    order: Vec<Item>,
    /// The drawn batch, between drawing it and its step: where it starts in
    /// `order`, and one seed per image (`draw`).
    pending: Option<usize>,
    seeds: Vec<u64>,
    /// Epochs finished, and steps done in the current one.
    epochs_done: usize,
    step: usize,
    /// One batch's inputs and labels.
    x: Vec<f32>,
    y: Vec<u8>,
}

impl Recipe {
    /// A run of `net` (which it checks, but does not hold) on `train`, with
    /// the batch split over `threads` (natively; the wasm build has one).
    pub fn new(net: &Network, train: Dataset, settings: Settings, threads: usize) -> Result<Recipe> {
        Recipe::with_generated(net, train, settings, threads, None)
    }

    /// As [`Recipe::new`], with `generated` samples added to every epoch.
    pub fn with_generated(
        net: &Network,
        train: Dataset,
        settings: Settings,
        threads: usize,
        generated: Option<Box<dyn Generated>>,
    ) -> Result<Recipe> {
        if settings.epochs == 0 || settings.batch == 0 {
            return Err(Error::Settings("epochs and batch must be at least 1".into()));
        }
        if settings.epochs > MAX_EPOCHS || settings.batch > MAX_BATCH {
            return Err(Error::Settings(format!(
                "{} epochs of batch {}: at most {MAX_EPOCHS} epochs and a batch of {MAX_BATCH}",
                settings.epochs, settings.batch
            )));
        }
        let input = net.input_shape();
        if input.channels != 1 || input.height != input.width {
            return Err(Error::Spec(format!("MNIST-style training needs a 1xSxS input; this network takes {input}")));
        }
        if train.is_empty() {
            return Err(Error::Data("the training set is empty".into()));
        }
        let per_image = input.len();
        let fits = |n: usize| n.checked_mul(per_image).is_some_and(|v| v <= MAX_INPUT_VALUES);
        if !fits(train.len()) || !fits(settings.batch) {
            return Err(Error::Settings(format!(
                "{} training images of {input} in batches of {} are more than a run holds ({MAX_INPUT_VALUES} input values)",
                train.len(),
                settings.batch
            )));
        }
        net.check_labels(&train.labels, train.len()).map_err(|e| match e {
            Error::Labels(why) => Error::Labels(format!("in the training set, {why}")),
            other => other,
        })?;
        if let Some(why) = generated.as_ref().and_then(|g| g.unfit_for(net)) {
            return Err(Error::Spec(why));
        }
        let mix = generated.as_ref().map_or(Mix::NONE, |g| g.mix(train.len()));
        let threads = threads.max(1);
        let side = input.height;
        Ok(Recipe {
            spec: net.spec().clone(),
            trainer: Trainer::new(net, settings.optimizer, threads)?,
            threads,
            side,
            train,
            mix,
            generated,
            augment: Augment::default(),
            rng: fastrand::Rng::with_seed(settings.seed),
            order: Vec::new(),
            pending: None,
            seeds: Vec::new(),
            epochs_done: 0,
            step: 0,
            x: vec![0.0; settings.batch * side * side],
            y: vec![0; settings.batch],
            settings,
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The generated samples each epoch adds.
    pub fn mix(&self) -> Mix {
        self.mix
    }

    pub fn train_len(&self) -> usize {
        self.train.len()
    }

    /// Images in one epoch: the training set and the generated samples.
    pub fn images_per_epoch(&self) -> usize {
        self.train.len() + self.mix.restroked + self.mix.strokes + self.mix.negatives
    }

    pub fn steps_per_epoch(&self) -> usize {
        self.images_per_epoch().div_ceil(self.settings.batch)
    }

    pub fn total_steps(&self) -> usize {
        self.steps_per_epoch() * self.settings.epochs
    }

    pub fn steps_done(&self) -> usize {
        self.epochs_done * self.steps_per_epoch() + self.step
    }

    pub fn is_done(&self) -> bool {
        self.epochs_done >= self.settings.epochs
    }

    /// One optimizer step on the next batch. A step that fails (a loss that
    /// is not finite) leaves the weights as they were and the run where it
    /// stood, but its batch has been drawn: going on takes the next one.
    pub fn step(&mut self, net: &mut Network) -> Result<Progress> {
        let n = self.draw(net)?;
        self.render(0..n);
        let per_image = self.side * self.side;
        let gradients = self.trainer.gradients(net, &self.x[..n * per_image], &self.y[..n], n);
        let (total, correct) = match gradients {
            Ok(part) => part,
            Err(e) => {
                self.advance();
                return Err(e);
            }
        };
        self.finish(net, total, correct)
    }

    /// Data-parallel training, one part of a step: the gradients of shard
    /// `shard` of `shards` (contiguous, in order) of the next batch. Runs
    /// that share the network's weights, the settings, the seed and the
    /// data draw the same batch, each renders only its shard. The shards'
    /// gradients, added in shard order, make the batch's mean gradient;
    /// [`Recipe::apply_gradients`] takes that sum (and the shards' losses).
    /// Until then the batch stays drawn, so one run can compute every shard.
    pub fn shard_gradients(&mut self, net: &Network, shard: usize, shards: usize) -> Result<ShardGradients> {
        if shards == 0 || shard >= shards {
            return Err(Error::Run(format!("shard {shard} of {shards}: shards are numbered from 0 to shards - 1")));
        }
        let n = self.draw(net)?;
        let chunk = n.div_ceil(shards);
        let range = (shard * chunk).min(n)..((shard + 1) * chunk).min(n);
        let images = range.len();
        if images == 0 {
            return Ok(ShardGradients { loss_sum: 0.0, correct: 0, images, gradients: vec![0.0; net.param_count()] });
        }
        self.render(range);
        let per_image = self.side * self.side;
        let (loss_sum, correct) = self.trainer.gradients(net, &self.x[..images * per_image], &self.y[..images], n)?;
        Ok(ShardGradients { loss_sum, correct, images, gradients: self.trainer.gradients_flat() })
    }

    /// The step of the batch [`Recipe::shard_gradients`] drew, with the sum of
    /// its shards' gradients (in shard order), losses and right answers.
    pub fn apply_gradients(
        &mut self,
        net: &mut Network,
        summed: &[f32],
        loss_sum: f64,
        correct: usize,
    ) -> Result<Progress> {
        if self.pending.is_none() {
            return Err(Error::Run("no batch is drawn: call shard_gradients for this step first".into()));
        }
        if net.spec() != &self.spec {
            return Err(Error::Run("this is not the network the run was made for: its spec differs".into()));
        }
        self.trainer.set_gradients(summed)?;
        self.finish(net, loss_sum, correct)
    }

    /// The next batch's size, drawing it (its order at an epoch's start, a
    /// seed per image) unless it is drawn already.
    fn draw(&mut self, net: &Network) -> Result<usize> {
        if self.is_done() {
            return Err(Error::Run(format!(
                "the run is over: all {} epochs are done; start a new one to train again",
                self.settings.epochs
            )));
        }
        if net.spec() != &self.spec {
            return Err(Error::Run("this is not the network the run was made for: its spec differs".into()));
        }
        if self.pending.is_none() {
            if self.step == 0 {
                self.order = self.mix.epoch(&mut self.rng, self.train.len());
            }
            let start = self.step * self.settings.batch;
            let n = self.settings.batch.min(self.order.len() - start);
            // One seed per image, drawn in order: the samples and warps do not
            // depend on how the batch is split over threads or shards.
            self.seeds.clear();
            self.seeds.extend((0..n).map(|_| self.rng.u64(..)));
            self.pending = Some(start);
        }
        Ok(self.seeds.len())
    }

    /// The optimizer step with the trainer's gradients, at the schedule's
    /// rate; the run moves on whether or not it was applied.
    fn finish(&mut self, net: &mut Network, loss_sum: f64, correct: usize) -> Result<Progress> {
        let n = self.seeds.len();
        let progress = self.steps_done() as f32 / self.total_steps() as f32;
        let lr = self.settings.schedule.lr(self.settings.optimizer.lr(), progress);
        let loss = (loss_sum / n as f64) as f32;
        let applied = self.trainer.optimizer_mut().set_lr(lr).and_then(|()| self.trainer.apply(net, loss));
        let (epoch, step) = self.advance();
        applied?;
        Ok(Progress {
            epoch,
            step,
            steps_per_epoch: self.steps_per_epoch(),
            images: n,
            loss,
            accuracy: correct as f32 / n as f32,
            lr,
        })
    }

    /// Past the drawn batch: returns its epoch (from 1) and step in it (from 1).
    fn advance(&mut self) -> (usize, usize) {
        let (epoch, step) = (self.epochs_done + 1, self.step + 1);
        self.pending = None;
        self.step = step % self.steps_per_epoch();
        if self.step == 0 {
            self.epochs_done += 1;
        }
        (epoch, step)
    }

    /// The inputs (rendered, then warped, over the threads) and labels of the
    /// drawn batch's items `range`, from the start of the batch buffers.
    fn render(&mut self, range: std::ops::Range<usize>) {
        let start = self.pending.unwrap_or(0);
        let items = &self.order[start + range.start..start + range.end];
        let seeds = &self.seeds[range.clone()];
        let (per_image, side) = (self.side * self.side, self.side);
        let per_thread = items.len().div_ceil(self.threads);
        let mut parts: Vec<_> = items
            .chunks(per_thread)
            .zip(self.x.chunks_mut(per_thread * per_image))
            .zip(seeds.chunks(per_thread))
            .collect();
        let (generated, train, augment) = (&self.generated, &self.train, &self.augment);
        let warp = self.settings.augment;
        run_parts(&mut parts, |((items, out), seeds), _| {
            let mut src = vec![0.0; per_image];
            for ((&item, dst), &seed) in items.iter().zip(out.chunks_exact_mut(per_image)).zip(seeds.iter()) {
                match (generated, item) {
                    // The generator's seed differs from the warp's, which is the
                    // image's seed as in runs without generated samples.
                    (Some(g), _) => g.render(item, seed ^ 0x9e37_79b9_7f4a_7c15, train, &mut src),
                    (None, Item::Mnist(i)) => train.write_input(i, side, &mut src),
                    (None, _) => unreachable!("without a source an epoch holds only training digits"),
                }
                if warp {
                    augment.apply(&mut fastrand::Rng::with_seed(seed), &src, dst, side);
                } else {
                    dst.copy_from_slice(&src);
                }
            }
        });
        for (label, &item) in self.y.iter_mut().zip(items) {
            *label = item.label(train);
        }
    }
}

/// One shard's part of a data-parallel step.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardGradients {
    /// The shard's summed loss and right answers (not averaged).
    pub loss_sum: f64,
    pub correct: usize,
    pub images: usize,
    /// Its gradients, divided by the whole batch's size, end to end in the
    /// order of `Network::param_slices_mut`.
    pub gradients: Vec<f32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` tiny digits: a bar whose row is the label.
    fn bars(n: usize) -> Dataset {
        let mut pixels = vec![0u8; n * 28 * 28];
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        for (i, &label) in labels.iter().enumerate() {
            let row = 4 + 2 * label as usize;
            pixels[i * 784 + row * 28 + 6..i * 784 + row * 28 + 22].fill(255);
        }
        Dataset { rows: 28, cols: 28, pixels, labels }
    }

    fn settings(epochs: usize, batch: usize) -> Settings {
        Settings { epochs, batch, seed: 7, ..Settings::default() }
    }

    #[test]
    fn the_same_settings_and_seed_take_the_same_path_on_any_thread_count() {
        let run = |threads: usize| {
            let mut net = Network::from_spec(Spec::preset("lenet5").unwrap(), 3).unwrap();
            let mut recipe = Recipe::new(&net, bars(40), settings(2, 16), threads).unwrap();
            let mut losses = Vec::new();
            while !recipe.is_done() {
                losses.push(recipe.step(&mut net).unwrap());
            }
            losses
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one.len(), 6, "40 digits in batches of 16: 3 steps an epoch, 2 epochs");
        for (a, b) in one.iter().zip(&two) {
            assert_eq!((a.epoch, a.step, a.images, a.lr), (b.epoch, b.step, b.images, b.lr));
            assert!((a.loss - b.loss).abs() <= 1e-4 * a.loss.abs(), "{a:?} against {b:?}");
        }
        assert_eq!(
            one.iter().map(|p| (p.epoch, p.step, p.images)).collect::<Vec<_>>(),
            [(1, 1, 16), (1, 2, 16), (1, 3, 8), (2, 1, 16), (2, 2, 16), (2, 3, 8)]
        );
        assert!(one[2].ends_epoch() && !one[3].ends_epoch());
        assert!(one[5].lr < one[0].lr, "the cosine schedule falls");
    }

    fn weights(net: &mut Network) -> Vec<f32> {
        net.param_slices_mut().flat_map(|s| s.to_vec()).collect()
    }

    /// Data-parallel: runs that each compute their shard of every batch and
    /// apply the sum stay bit for bit the same as each other, and as one run
    /// computing every shard; one shard is exactly `step`.
    #[test]
    fn shards_added_in_order_train_like_one_run() {
        let net = Network::from_spec(Spec::preset("lenet5").unwrap(), 3).unwrap();
        let fresh = || Recipe::new(&net, bars(40), settings(1, 16), 1).unwrap();
        let (mut stepped, mut whole) = (net.clone(), net.clone());
        let (mut a, mut b) = (fresh(), fresh());
        let (mut net_a, mut net_b) = (net.clone(), net.clone());
        let (mut one, mut net_one) = (fresh(), net.clone());
        let mut single = fresh();
        let mut by_step = fresh();
        while !by_step.is_done() {
            let expected = by_step.step(&mut stepped).unwrap();
            // One shard of one: the same step exactly.
            let only = single.shard_gradients(&whole, 0, 1).unwrap();
            let got = single.apply_gradients(&mut whole, &only.gradients, only.loss_sum, only.correct).unwrap();
            assert_eq!(got, expected);
            // Two workers, one shard each, then the sum in shard order.
            let (sa, sb) = (a.shard_gradients(&net_a, 0, 2).unwrap(), b.shard_gradients(&net_b, 1, 2).unwrap());
            assert_eq!(sa.images + sb.images, expected.images);
            let sum: Vec<f32> = sa.gradients.iter().zip(&sb.gradients).map(|(x, y)| x + y).collect();
            let (loss, correct) = (sa.loss_sum + sb.loss_sum, sa.correct + sb.correct);
            let pa = a.apply_gradients(&mut net_a, &sum, loss, correct).unwrap();
            let pb = b.apply_gradients(&mut net_b, &sum, loss, correct).unwrap();
            assert_eq!(pa, pb);
            assert!((pa.loss - expected.loss).abs() <= 1e-5 * expected.loss, "{pa:?} against {expected:?}");
            // One run computing both shards itself.
            let s0 = one.shard_gradients(&net_one, 0, 2).unwrap();
            let s1 = one.shard_gradients(&net_one, 1, 2).unwrap();
            assert!(s0 == sa && s1 == sb, "one run's shards are the workers' shards");
            one.apply_gradients(&mut net_one, &sum, loss, correct).unwrap();
        }
        assert_eq!(weights(&mut whole), weights(&mut stepped));
        assert_eq!(weights(&mut net_a), weights(&mut net_b));
        assert_eq!(weights(&mut net_one), weights(&mut net_a));
        let drift =
            weights(&mut net_a).iter().zip(weights(&mut stepped)).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
        assert!(drift < 1e-4, "two shards drift from one by {drift}");
        assert!(one.is_done());
    }

    #[test]
    fn shard_mistakes_are_errors_that_change_nothing() {
        let mut net = Network::from_spec(Spec::preset("lenet5").unwrap(), 3).unwrap();
        let mut recipe = Recipe::new(&net, bars(20), settings(1, 8), 1).unwrap();
        let err = |e: Error| e.to_string();
        assert!(err(recipe.apply_gradients(&mut net, &[], 0.0, 0).unwrap_err()).contains("no batch is drawn"));
        assert!(err(recipe.shard_gradients(&net, 2, 2).unwrap_err()).contains("from 0 to shards - 1"));
        let part = recipe.shard_gradients(&net, 0, 1).unwrap();
        let short = recipe.apply_gradients(&mut net, &part.gradients[1..], part.loss_sum, part.correct);
        assert!(err(short.unwrap_err()).contains("one per parameter"));
        assert_eq!(recipe.steps_done(), 0, "the batch is still drawn");
        recipe.apply_gradients(&mut net, &part.gradients, part.loss_sum, part.correct).unwrap();
        assert_eq!(recipe.steps_done(), 1);
        // More shards than images: the empty ones add nothing.
        let empty = recipe.shard_gradients(&net, 9, 10).unwrap();
        assert_eq!((empty.images, empty.loss_sum), (0, 0.0));
        assert!(empty.gradients.iter().all(|&g| g == 0.0));
    }

    #[test]
    fn counts_its_steps_and_stops_after_the_last_epoch() {
        let mut net = Network::from_spec(Spec::preset("lenet5").unwrap(), 3).unwrap();
        let mut recipe = Recipe::new(&net, bars(30), settings(2, 10), 1).unwrap();
        assert_eq!((recipe.steps_per_epoch(), recipe.total_steps(), recipe.steps_done()), (3, 6, 0));
        for done in 1..=6 {
            assert!(!recipe.is_done());
            recipe.step(&mut net).unwrap();
            assert_eq!(recipe.steps_done(), done);
        }
        assert!(recipe.is_done());
        assert!(matches!(recipe.step(&mut net), Err(Error::Run(m)) if m.contains("the run is over")));
        let mut other = Network::from_spec(Spec::preset("lenet5-keras").unwrap(), 3).unwrap();
        let mut fresh = Recipe::new(&net, bars(30), settings(2, 10), 1).unwrap();
        assert!(fresh.step(&mut other).unwrap_err().to_string().contains("not the network the run was made for"));
    }

    #[test]
    fn refuses_what_cannot_train_with_a_reason() {
        let net = Network::from_spec(Spec::preset("lenet5").unwrap(), 1).unwrap();
        let err = |r: Result<Recipe>| r.unwrap_err().to_string();
        assert!(err(Recipe::new(&net, bars(5), settings(0, 4), 1)).contains("at least 1"));
        assert!(err(Recipe::new(&net, bars(5), settings(1, 1 << 20), 1)).contains("a batch of 4096"));
        assert!(err(Recipe::new(&net, bars(5), settings(1 << 20, 4), 1)).contains("at most 10000 epochs"));
        let wide = r#"{"input": [1, 1024, 1024], "layers": [{"type": "max_pool2d", "kernel_size": 256},
            {"type": "flatten"}, {"type": "linear", "out_features": 10}]}"#;
        let wide = Network::from_spec(Spec::from_json(wide).unwrap(), 1).unwrap();
        assert!(err(Recipe::new(&wide, bars(300), settings(1, 4), 1)).contains("more than a run holds"));
        assert!(err(Recipe::new(&net, bars(0), settings(1, 4), 1)).contains("empty"));
        let handwriting = Some(Box::new(crate::synth::mix::Handwriting::default()) as Box<dyn Generated>);
        assert!(err(Recipe::with_generated(&net, bars(5), settings(1, 4), 1, handwriting)).contains("reject output"));
        let mut bad = bars(5);
        bad.labels[2] = 12;
        assert!(err(Recipe::new(&net, bad, settings(1, 4), 1)).contains("the training set"));
        assert!(Schedule::from_name("linear").unwrap_err().to_string().contains("cosine, step, constant"));
    }

    #[test]
    fn settings_from_fields_keep_the_defaults_for_what_is_left_out() {
        let read = |pairs: &[(&str, Field)], optimizer: Option<OptimizerConfig>| {
            let keys: Vec<String> = pairs.iter().map(|(k, _)| k.to_string()).collect();
            let field = |name: &str| pairs.iter().find(|(k, _)| *k == name).map_or(Field::Missing, |(_, f)| f.clone());
            Settings::from_fields(&keys, field, optimizer)
        };
        let sgd = OptimizerConfig::Sgd { lr: 0.1, momentum: 0.9, weight_decay: 0.0 };
        let s = read(
            &[
                ("epochs", Field::Number(3.0)),
                ("batch", Field::Number(32.0)),
                ("schedule", Field::Other("\"step\"".into())),
                ("seed", Field::Number(9.0)),
                ("augment", Field::Other("false".into())),
                ("optimizer", Field::Other("{}".into())),
            ],
            Some(sgd),
        )
        .unwrap();
        assert_eq!(
            (s.epochs, s.batch, s.schedule, s.seed, s.augment, s.optimizer),
            (3, 32, Schedule::Step, 9, false, sgd)
        );
        assert_eq!(read(&[], None).unwrap(), Settings::default());
        let err = |pairs: &[(&str, Field)]| read(pairs, None).unwrap_err().to_string();
        assert!(err(&[("epoch", Field::Number(3.0))])
            .contains(r#"unknown training setting "epoch"; the settings are epochs, batch"#));
        assert!(err(&[("epochs", Field::Number(0.0))]).contains("epochs must be a whole number of at least 1, got 0"));
        assert!(err(&[("batch", Field::Number(2.5))]).contains("batch must be a whole number of at least 1, got 2.5"));
        assert!(err(&[("seed", Field::Other("null".into()))])
            .contains("seed must be a whole number of at least 0, got null"));
        assert!(
            err(&[("augment", Field::Other("\"yes\"".into()))]).contains(r#"augment must be true or false, got "yes""#)
        );
        assert!(err(&[("schedule", Field::Other("\"linear\"".into()))]).contains("unknown schedule 'linear'"));
        let nan = OptimizerConfig::adam(f32::NAN);
        assert!(read(&[("optimizer", Field::Other("{}".into()))], Some(nan))
            .unwrap_err()
            .to_string()
            .contains("learning rate"));
    }
}
