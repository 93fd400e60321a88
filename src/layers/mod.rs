//! The layers. Each file holds one kind with its forward next to its backward.
//!
//! Every activation is a 4-D array [N, C, H, W] in row-major order; a flat
//! vector of F features is [N, F, 1, 1]. Forward writes the output buffer it is
//! given. Backward writes the input gradient (when asked for one) and ADDS
//! into the parameter gradients, which the caller zeroes.

mod activation;
mod conv;
mod derived;
mod linear;
mod params;
mod pool;
#[cfg(test)]
pub(crate) mod testing;

pub use crate::kernels::copy_floats;
pub use activation::Activation;
pub use conv::Conv2d;
pub use linear::Linear;
pub use params::Params;
pub use pool::{Pool2d, PoolKind};

use ndarray::{ArrayView4, ArrayViewMut4};

use crate::spec::{LayerKind, Shape};
use derived::{Derived, Form};

/// Reusable scratch memory for the matrix forms of convolution and linear
/// layers, and the copies derived from their weights.
#[derive(Debug, Default)]
pub struct Scratch {
    floats: Vec<f32>,
    derived: Derived,
    /// A sample's inputs that are not zero (see `linear::affine`).
    nonzero: Vec<linear::Row>,
}

impl Scratch {
    /// Two disjoint buffers of the given lengths, grown when needed.
    pub fn split(&mut self, a: usize, b: usize) -> (&mut [f32], &mut [f32]) {
        split(&mut self.floats, a, b)
    }

    /// [`Scratch::split`], and the `form` of `params` (see [`Derived::get`]).
    fn split_with_derived(
        &mut self,
        (a, b): (usize, usize),
        params: &Params,
        form: Form,
    ) -> (&mut [f32], &mut [f32], &[f32]) {
        let (first, second) = split(&mut self.floats, a, b);
        (first, second, self.derived.get(params, form))
    }
}

fn split(floats: &mut Vec<f32>, a: usize, b: usize) -> (&mut [f32], &mut [f32]) {
    if floats.len() < a + b {
        floats.resize(a + b, 0.0);
    }
    let (first, rest) = floats.split_at_mut(a);
    (first, &mut rest[..b])
}

#[derive(Debug, Clone)]
pub enum Layer {
    Conv2d(Conv2d),
    Pool2d(Pool2d),
    Activation(Activation),
    Linear(Linear),
    Flatten,
}

impl Layer {
    /// Builds a layer for an input of shape `input` producing `output` (both
    /// already validated by the spec), initializing weights with `gain`.
    pub fn new(kind: &LayerKind, input: Shape, output: Shape, gain: f32, rng: &mut fastrand::Rng) -> Layer {
        match *kind {
            LayerKind::Conv2d { kernel_size, stride, padding, out_channels, .. } => {
                let params = Params::init(out_channels, input.channels * kernel_size * kernel_size, gain, rng);
                Layer::Conv2d(Conv2d::new(input, output, kernel_size, stride, padding, params))
            }
            LayerKind::MaxPool2d { kernel_size, stride } | LayerKind::AvgPool2d { kernel_size, stride } => {
                let kind = if matches!(kind, LayerKind::MaxPool2d { .. }) { PoolKind::Max } else { PoolKind::Avg };
                Layer::Pool2d(Pool2d {
                    kind,
                    input,
                    output,
                    kernel: kernel_size,
                    stride: stride.unwrap_or(kernel_size),
                })
            }
            LayerKind::Relu => Layer::Activation(Activation::Relu),
            LayerKind::Tanh => Layer::Activation(Activation::Tanh),
            LayerKind::Sigmoid => Layer::Activation(Activation::Sigmoid),
            LayerKind::Flatten => Layer::Flatten,
            LayerKind::Linear { out_features, .. } => {
                Layer::Linear(Linear { params: Params::init(out_features, input.len(), gain, rng) })
            }
        }
    }

    pub fn params(&self) -> Option<&Params> {
        match self {
            Layer::Conv2d(l) => Some(&l.params),
            Layer::Linear(l) => Some(&l.params),
            _ => None,
        }
    }

    pub fn params_mut(&mut self) -> Option<&mut Params> {
        match self {
            Layer::Conv2d(l) => Some(&mut l.params),
            Layer::Linear(l) => Some(&mut l.params),
            _ => None,
        }
    }

    pub fn forward(&self, x: ArrayView4<f32>, mut y: ArrayViewMut4<f32>, scratch: &mut Scratch) {
        match self {
            Layer::Conv2d(l) => l.forward(x, y, scratch),
            Layer::Pool2d(l) => l.forward(x, y, scratch),
            Layer::Activation(a) => a.forward(x, y),
            Layer::Linear(l) => l.forward(x, y, scratch),
            Layer::Flatten => copy_floats(
                y.as_slice_mut().expect("activations are contiguous"),
                x.as_slice().expect("activations are contiguous"),
            ),
        }
    }

    /// `x` and `y` are this layer's input and output from the forward pass,
    /// `dy` the gradient of the loss with respect to `y`. Writes `dx` when
    /// given, adds parameter gradients into `grads` (Some for layers with
    /// parameters).
    pub fn backward(
        &self,
        x: ArrayView4<f32>,
        y: ArrayView4<f32>,
        dy: ArrayView4<f32>,
        dx: Option<ArrayViewMut4<f32>>,
        grads: Option<&mut Params>,
        scratch: &mut Scratch,
    ) {
        let no_grads = "layers with parameters get gradient buffers";
        match self {
            Layer::Conv2d(l) => l.backward(x, dy, dx, grads.expect(no_grads), scratch),
            Layer::Linear(l) => l.backward(x, dy, dx, grads.expect(no_grads)),
            Layer::Pool2d(l) => {
                if let Some(dx) = dx {
                    l.backward(x, dy, dx)
                }
            }
            Layer::Activation(a) => {
                if let Some(dx) = dx {
                    a.backward(y, dy, dx)
                }
            }
            Layer::Flatten => {
                if let Some(mut dx) = dx {
                    copy_floats(
                        dx.as_slice_mut().expect("activations are contiguous"),
                        dy.as_slice().expect("activations are contiguous"),
                    )
                }
            }
        }
    }
}
