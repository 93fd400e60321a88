//! A layer's weights and bias, with the version that tells copies derived
//! from them when they are out of date.

use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::{Array1, Array2};

/// A layer's trainable tensors. Convolution kernels are kept as
/// [O, C*K*K] (PyTorch's OIHW, flattened), linear weights as [OUT, IN].
///
/// Every way to change them goes through `&mut self` and gives them a new
/// `version`, so copies derived from them (Winograd's transformed kernels,
/// W^T) are kept per version instead of compared with them on each call.
#[derive(Debug, Clone)]
pub struct Params {
    weight: Array2<f32>,
    bias: Array1<f32>,
    version: u64,
}

/// The next unused version: unique across every `Params` of the process.
fn new_version() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl PartialEq for Params {
    fn eq(&self, other: &Params) -> bool {
        self.weight == other.weight && self.bias == other.bias
    }
}

impl Params {
    pub fn new(weight: Array2<f32>, bias: Array1<f32>) -> Params {
        Params { weight, bias, version: new_version() }
    }

    pub fn empty() -> Params {
        Params::new(Array2::zeros((0, 0)), Array1::zeros(0))
    }

    pub fn zeros_like(&self) -> Params {
        Params::new(Array2::zeros(self.weight.raw_dim()), Array1::zeros(self.bias.raw_dim()))
    }

    pub fn weight(&self) -> &Array2<f32> {
        &self.weight
    }

    pub fn bias(&self) -> &Array1<f32> {
        &self.bias
    }

    /// Changes with every mutable borrow; clones share it (same values).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Weight and bias as flat slices, in that order.
    pub fn slices(&self) -> [&[f32]; 2] {
        [self.weight.as_slice().expect("contiguous"), self.bias.as_slice().expect("contiguous")]
    }

    pub fn slices_mut(&mut self) -> [&mut [f32]; 2] {
        self.version = new_version();
        [self.weight.as_slice_mut().expect("contiguous"), self.bias.as_slice_mut().expect("contiguous")]
    }

    /// Uniform weights in +-sqrt(gain / fan_in), zero bias. gain 6 is He
    /// initialization (for ReLU), gain 3 is LeCun's (for tanh, sigmoid, none).
    pub(super) fn init(rows: usize, fan_in: usize, gain: f32, rng: &mut fastrand::Rng) -> Params {
        let bound = (gain / fan_in as f32).sqrt();
        let weight = Array2::from_shape_simple_fn((rows, fan_in), || (rng.f32() * 2.0 - 1.0) * bound);
        Params::new(weight, Array1::zeros(rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mutable_borrow_gives_a_new_version_and_clones_keep_theirs() {
        let mut a = Params::new(Array2::zeros((2, 3)), Array1::zeros(2));
        let b = a.clone();
        assert_eq!(a.version(), b.version(), "a clone holds the same values");
        assert_ne!(a.version(), Params::new(Array2::zeros((2, 3)), Array1::zeros(2)).version());
        let before = a.version();
        a.slices_mut();
        assert_ne!(a.version(), before, "slices_mut may change the values");
        assert_eq!(a, b, "equality compares the values only");
    }
}
