//! lenet-wasm: LeNet-5 and other small convolutional networks in plain Rust,
//! for training natively and running in the browser as WebAssembly.
//!
//! - [`spec`]: a network described as data (JSON), validated, with presets.
//! - [`layers`]: convolution, pooling, activations, linear; forward and backward.
//! - [`kernels`]: the fast math the layers call, and the plan of which runs where.
//! - [`loss`]: softmax with cross-entropy.
//! - [`optim`]: SGD and Adam.
//! - [`model`]: the [`Network`], its forward pass with a trace, and backward.
//! - [`train`]: one optimizer step on a batch, on several threads natively.
//! - [`recipe`]: a whole run (epochs, shuffling, augmentation, schedule), the same everywhere.
//! - [`weights`]: safetensors files with PyTorch's names and layouts.
//! - [`preprocess`]: canvas or image pixels -> the input convention.
//! - [`inspect`]: every layer's maps, offsets, windows and weights, for the page.
//! - [`read`]: one drawing's digit, or "not a digit"; [`number`]: several.
//! - [`data`]: MNIST IDX files; [`augment`]: random warps for training.
//! - [`synth`]: handwriting and non-digits the project generates itself.
//!
//! Input convention: one sample is `channels x height x width` float32 values,
//! row-major; for the LeNet-5 presets 1 x 32 x 32 with background 0.0 and ink
//! 1.0 (an MNIST digit scaled to [0, 1] and padded by 2 pixels on each side).
//! The network does no normalization of its own.

pub mod augment;
pub mod data;
pub mod error;
pub mod inspect;
pub mod kernels;
pub mod layers;
pub mod loss;
pub mod model;
pub mod number;
pub mod optim;
pub mod preprocess;
pub mod read;
pub mod recipe;
pub mod spec;
pub mod synth;
pub mod train;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
pub mod weights;

pub use error::{Error, Result};
pub use model::{Evaluation, Gradients, LayerInfo, Network, Workspace};
pub use optim::{Optimizer, OptimizerConfig};
pub use read::Reading;
pub use spec::{Shape, Spec, PRESETS};
pub use train::{Step, Trainer};
