//! One optimizer step on a batch: forward, loss, backward, update.
//!
//! Natively the batch can be cut into as many contiguous parts as there are
//! threads; each thread computes its part's gradients with its own workspace,
//! and the parts are added in a fixed order, so the same seed and the same
//! thread count give the same weights. The wasm build runs on one thread.

use crate::error::{Error, Result};
use crate::model::{Gradients, Network, Workspace};
use crate::optim::{Optimizer, OptimizerConfig};

#[derive(Debug)]
pub struct Trainer {
    optimizer: Optimizer,
    /// One workspace and gradient buffer per thread.
    parts: Vec<(Workspace, Gradients)>,
}

impl Trainer {
    pub fn new(net: &Network, config: OptimizerConfig, threads: usize) -> Result<Trainer> {
        let optimizer = Optimizer::new(config)?;
        let parts = (0..threads.max(1)).map(|_| (Workspace::new(), net.gradients())).collect();
        Ok(Trainer { optimizer, parts })
    }

    pub fn optimizer(&self) -> &Optimizer {
        &self.optimizer
    }

    pub fn optimizer_mut(&mut self) -> &mut Optimizer {
        &mut self.optimizer
    }

    /// One step on a batch; returns the mean loss and the accuracy of the
    /// forward pass before the update. A bad batch, or a loss or gradient that
    /// is not finite, is an error and leaves the weights and the optimizer as
    /// they were.
    pub fn step(&mut self, net: &mut Network, images: &[f32], labels: &[u8]) -> Result<Step> {
        // `gradients` checks the images; the count is only used once they passed.
        let n = images.len() / net.input_shape().len();
        let (total, correct) = self.gradients(net, images, labels, n)?;
        let loss = (total / n as f64) as f32;
        self.apply(net, loss)?;
        Ok(Step { loss, accuracy: correct as f32 / n as f32 })
    }

    /// The gradients of `images`, part of a batch of `batch_len`: each
    /// image's gradient divided by `batch_len`, so that the parts of a batch
    /// add up to its mean gradient. They are kept for [`Trainer::apply`]
    /// (and [`Trainer::gradients_flat`]); returns the part's summed loss and
    /// how many it read right.
    pub fn gradients(
        &mut self,
        net: &Network,
        images: &[f32],
        labels: &[u8],
        batch_len: usize,
    ) -> Result<(f64, usize)> {
        let n = net.check_input(images)?;
        net.check_labels(labels, n)?;
        let per_image = net.input_shape().len();
        let threads = self.parts.len().min(n);
        let chunk = n.div_ceil(threads);
        let work = |(ws, grads): &mut (Workspace, Gradients), part: usize| -> Result<(f64, usize)> {
            grads.zero();
            let (start, end) = (part * chunk, ((part + 1) * chunk).min(n));
            net.loss_and_gradients(
                &images[start * per_image..end * per_image],
                &labels[start..end],
                batch_len,
                ws,
                grads,
            )
        };
        let results: Vec<Result<(f64, usize)>> = run_parts(&mut self.parts[..threads], work);
        let (mut total, mut correct) = (0.0, 0);
        for r in results {
            let (t, c) = r?;
            total += t;
            correct += c;
        }
        let (first, rest) = self.parts.split_at_mut(1);
        for (_, other) in &rest[..threads - 1] {
            first[0].1.add(other);
        }
        Ok((total, correct))
    }

    /// The gradients [`Trainer::gradients`] kept, end to end in the order of
    /// [`Network::param_slices_mut`].
    pub fn gradients_flat(&self) -> Vec<f32> {
        self.parts[0].1.slices().flatten().copied().collect()
    }

    /// Replaces the kept gradients by `flat` (as [`Trainer::gradients_flat`]
    /// lays them out): the sum of every part of a batch computed elsewhere.
    pub fn set_gradients(&mut self, flat: &[f32]) -> Result<()> {
        self.parts[0].1.copy_from_flat(flat)
    }

    /// One optimizer step with the kept gradients; `loss` is the batch's
    /// mean loss, checked with them. A loss or gradient that is not finite,
    /// or an update that overflows, is an error and changes nothing.
    pub fn apply(&mut self, net: &mut Network, loss: f32) -> Result<()> {
        let grads = &self.parts[0].1;
        if !loss.is_finite() || !grads.all_finite() {
            return Err(Error::Diverged(format!(
                "the loss is {loss}; the step was not applied. Lower the learning rate or check the inputs"
            )));
        }
        // An update can still overflow; the optimizer then changes nothing.
        if !self.optimizer.step(net.param_slices_mut(), grads.slices()) {
            return Err(Error::Diverged(
                "the update made a weight infinite; the step was not applied. Lower the learning rate".into(),
            ));
        }
        Ok(())
    }
}

/// What one training step measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub loss: f32,
    pub accuracy: f32,
}

/// Runs `work` on every part (with its index) and returns the results in
/// order; natively each part on its own thread, the first on this one (a
/// thread is started per step, and costs little next to one). `lenet train` splits its
/// augmentation and its test-set evaluation over threads with it too.
#[cfg(not(target_arch = "wasm32"))]
pub fn run_parts<T: Send, R: Send>(parts: &mut [T], work: impl Fn(&mut T, usize) -> R + Sync) -> Vec<R> {
    let Some((first, rest)) = parts.split_first_mut() else { return Vec::new() };
    std::thread::scope(|s| {
        let handles: Vec<_> = rest
            .iter_mut()
            .enumerate()
            .map(|(i, p)| {
                let work = &work;
                s.spawn(move || work(p, i + 1))
            })
            .collect();
        let mine = work(first, 0);
        std::iter::once(mine).chain(handles.into_iter().map(|h| h.join().expect("a worker thread panicked"))).collect()
    })
}

#[cfg(target_arch = "wasm32")]
pub fn run_parts<T, R>(parts: &mut [T], work: impl Fn(&mut T, usize) -> R) -> Vec<R> {
    parts.iter_mut().enumerate().map(|(i, p)| work(p, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(n: usize, seed: u64) -> (Vec<f32>, Vec<u8>) {
        let mut rng = fastrand::Rng::with_seed(seed);
        ((0..n * 1024).map(|_| rng.f32()).collect(), (0..n).map(|_| rng.u8(0..10)).collect())
    }

    #[test]
    fn thread_count_does_not_change_the_result_much_and_is_deterministic() {
        let (x, y) = batch(8, 1);
        let run = |threads: usize| {
            let mut net = Network::from_preset_or_json("lenet5", 4).unwrap();
            let mut t = Trainer::new(&net, OptimizerConfig::adam(1e-3), threads).unwrap();
            let losses: Vec<f32> = (0..3).map(|_| t.step(&mut net, &x, &y).unwrap().loss).collect();
            (losses, net.param_slices_mut().map(|s| s.to_vec()).collect::<Vec<_>>())
        };
        let (one, w1) = run(1);
        let (two, w2) = run(2);
        assert_eq!(run(2), (two.clone(), w2.clone()), "same threads, same result");
        for (a, b) in one.iter().zip(&two) {
            assert!((a - b).abs() < 1e-5, "{one:?} vs {two:?}");
        }
        let max_diff = w1.iter().flatten().zip(w2.iter().flatten()).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(max_diff < 1e-4, "{max_diff}");
    }

    #[test]
    fn a_diverging_step_is_refused_and_changes_nothing() {
        let mut net = Network::from_preset_or_json("lenet5", 4).unwrap();
        let mut t = Trainer::new(&net, OptimizerConfig::Sgd { lr: 1e30, momentum: 0.0, weight_decay: 0.0 }, 1).unwrap();
        let (x, y) = batch(4, 2);
        let mut last = net.clone();
        let mut refused = false;
        for _ in 0..10 {
            match t.step(&mut net, &x, &y) {
                Ok(_) => last = net.clone(),
                Err(e) => {
                    assert!(e.to_string().contains("not applied"), "{e}");
                    refused = true;
                    break;
                }
            }
        }
        assert!(refused, "a learning rate of 1e30 must blow up");
        let same = net.param_slices_mut().map(|s| s.to_vec()).eq(last.param_slices_mut().map(|s| s.to_vec()));
        assert!(same, "the refused step left the weights alone");
    }

    /// Adam moves each weight by about lr: at 1e38 the step's weights are
    /// still finite, but the next forward pass overflows. Predicting then
    /// says so instead of returning NaN.
    #[test]
    fn predictions_from_overflowing_weights_are_an_error() {
        let mut net = Network::from_preset_or_json("lenet5", 4).unwrap();
        let mut t = Trainer::new(&net, OptimizerConfig::adam(1e38), 1).unwrap();
        let (x, y) = batch(4, 2);
        t.step(&mut net, &x, &y).unwrap();
        let e = net.predict(&x, &mut Workspace::new()).unwrap_err().to_string();
        assert!(e.contains("overflowed"), "{e}");
    }
}
