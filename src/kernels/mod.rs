//! The fast math the layers call, apart from the layers themselves:
//!
//! - [`lanes`]: four f32 lanes, SIMD128 in wasm and plain floats natively
//!   (the same arithmetic, so the kernels' native tests check wasm's sums).
//! - [`gemm`]: the matrix products behind convolution and the linear layer,
//!   with `reference`, the plain triple loop they are tested against.
//! - [`winograd`]: Winograd's F(4x4, 5x5) for stride-1 5 x 5 convolutions.
//! - [`dots`]: products whose operands both run along their rows (the
//!   weight gradient of a stride-1 convolution, lanes along its positions).
//! - [`plan`]: which of these runs for which layer, in which build, chosen
//!   once when a network is built. docs/architecture.md has it as a table.

pub(crate) mod dots;
pub(crate) mod gemm;
pub(crate) mod lanes;
pub mod plan;
pub(crate) mod winograd;

pub use lanes::copy_floats;
