//! Softmax and cross-entropy, fused: a loss, not a layer.
//!
//! For logits z of one sample and its label t:
//!   p = softmax(z) = exp(z - max z) / sum exp(z - max z)
//!   loss = -log p[t] = log sum exp(z - max z) - (z[t] - max z)
//!   dloss/dz = p - onehot(t)
//! Over a batch the loss is averaged, so each row of dz is divided by the
//! batch size (`scale_n`, which may be the size of a larger batch that this one
//! is a part of).

use ndarray::{ArrayView2, ArrayViewMut2};

/// Writes softmax(row) into `out`, for one row of logits.
pub fn softmax(logits: &[f32], out: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for (o, &z) in out.iter_mut().zip(logits) {
        *o = (z - max).exp();
        sum += *o;
    }
    out.iter_mut().for_each(|o| *o /= sum);
}

/// log softmax(row), the network's log-probabilities.
pub fn log_softmax(logits: &[f32], out: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let log_sum = logits.iter().map(|&z| (z - max).exp()).sum::<f32>().ln();
    for (o, &z) in out.iter_mut().zip(logits) {
        *o = z - max - log_sum;
    }
}

/// Returns the SUM of the per-sample losses (the caller divides by the batch
/// size) and writes the gradient of the mean loss over `scale_n` samples into
/// `dlogits`. Labels must already be checked to be < the number of classes.
pub fn softmax_cross_entropy(
    logits: ArrayView2<f32>,
    labels: &[u8],
    scale_n: usize,
    mut dlogits: ArrayViewMut2<f32>,
) -> f64 {
    let mut total = 0.0f64;
    for ((z, mut dz), &label) in logits.outer_iter().zip(dlogits.outer_iter_mut()).zip(labels) {
        let z = z.to_slice().expect("logits are contiguous");
        let dz = dz.as_slice_mut().expect("gradients are contiguous");
        let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let log_sum = z.iter().map(|&v| (v - max).exp()).sum::<f32>().ln();
        total += (log_sum - (z[label as usize] - max)) as f64;
        softmax(z, dz);
        dz[label as usize] -= 1.0;
        dz.iter_mut().for_each(|d| *d /= scale_n as f32);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{arr2, Array2};

    #[test]
    fn uniform_logits_cost_log_of_the_class_count() {
        let logits = Array2::zeros((2, 10));
        let mut d = Array2::zeros((2, 10));
        let sum = softmax_cross_entropy(logits.view(), &[3, 7], 2, d.view_mut());
        assert!((sum / 2.0 - 10f64.ln()).abs() < 1e-6);
        assert!((d[[0, 3]] - (0.1 - 1.0) / 2.0).abs() < 1e-7);
        assert!((d[[1, 0]] - 0.1 / 2.0).abs() < 1e-7);
    }

    #[test]
    fn stable_for_large_logits_and_matches_finite_differences() {
        let logits = arr2(&[[1000.0f32, 999.0, -5.0], [0.3, -0.2, 0.9]]);
        let labels = [1u8, 2];
        let mut d = Array2::zeros((2, 3));
        let loss = softmax_cross_entropy(logits.view(), &labels, 2, d.view_mut()) / 2.0;
        assert!(loss.is_finite());
        let eps = 1e-2f32;
        for i in 0..2 {
            for j in 0..3 {
                let at = |delta: f32| {
                    let mut l = logits.clone();
                    l[[i, j]] += delta;
                    softmax_cross_entropy(l.view(), &labels, 2, Array2::zeros((2, 3)).view_mut()) / 2.0
                };
                let numeric = (at(eps) - at(-eps)) / (2.0 * eps as f64);
                assert!((numeric - d[[i, j]] as f64).abs() < 1e-3, "[{i},{j}] {numeric} vs {}", d[[i, j]]);
            }
        }
        let mut logp = [0.0; 3];
        log_softmax(&[1000.0, 999.0, -5.0], &mut logp);
        assert!((logp[1] - (-1.0 - (1.0f32 + (-1.0f32).exp()).ln())).abs() < 1e-5);
    }
}
