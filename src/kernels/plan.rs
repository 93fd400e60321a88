//! Which kernel computes which layer, in which build. Every choice of path
//! is made here, from a layer's shape and the build, once when the network
//! is built; the layers only follow it. docs/architecture.md lists what this
//! gives for LeNet-5 and docs/perf-log.md the measurements behind each rule.
//!
//! The rules differ between builds because the machines differ: natively
//! the kernels run 16 columns wide with AVX2, in wasm 4 wide with SIMD128.
//! Where a rule is off in one build, the native tests still run its path
//! (`cfg(test)`), so every path is checked against the naive definition.

use crate::spec::Shape;

/// Winograd's F(4x4, 5x5) for stride-1 5 x 5 convolutions with many output
/// channels (LeNet's C3): faster in wasm; natively the direct kernels, 16
/// wide with AVX2, were faster.
pub const WINOGRAD: bool = cfg!(any(target_arch = "wasm32", test));

/// The stride-1 path skips windows that read only zeros (a digit's
/// background): worth it in wasm; natively, finding them cost more than
/// skipping them saved. The outputs are the same either way.
pub const LOOK_FOR_ZERO_WINDOWS: bool = cfg!(any(target_arch = "wasm32", test));

/// Predict pools the output of the path with lanes along the channels where
/// it leaves it, before its transpose. Natively only: in wasm LeNet's C3 runs
/// as Winograd's, which pools its own tiles, and this code would make the
/// .wasm larger for other networks only.
pub const POOL_CHANNELS_LAST: bool = cfg!(not(target_arch = "wasm32"));

/// A convolution's input gradient as one row of weights added per non-zero
/// value of dY (most are zero after ReLU and max pooling): faster in wasm.
/// Natively the dense product, 16 wide with AVX2, was faster, and keeps the
/// shipped weights' training bit for bit. The native tests run both.
pub const SPARSE_INPUT_GRADIENT: bool = cfg!(any(target_arch = "wasm32", test));

/// The stride-1 path's weight gradient (LeNet's C1) as dot products along
/// its wide rows, lanes along the positions (`dots::dots_at`): faster in
/// wasm, where lanes along its 6 channels fill 6 of 8. Natively the AVX2
/// product along the channels stays, and keeps the shipped weights'
/// training bit for bit. The native tests run both.
pub const WIDE_WEIGHT_GRADIENT: bool = cfg!(any(target_arch = "wasm32", test));

/// How a convolution's forward pass runs (backward's choices are the switches above).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvPath {
    /// A kernel as large as its unpadded input: one output position, so the
    /// batch runs as one linear layer (LeNet's C5).
    Linear,
    /// Winograd's F(4x4, 5x5) (LeNet's C3 in wasm): stride 1, 5 x 5 kernels,
    /// output channels in fours and at least 8, even output sides.
    Winograd,
    /// Lanes along the output channels, reading the input in place through
    /// offset tables (`gemm_gathered`): 8 output channels or more (LeNet's
    /// C3 natively).
    Channels,
    /// Lanes along the positions, "wide rows" of the shifted input
    /// (`gemm_rows_at`): stride 1 and fewer than 8 output channels (LeNet's C1).
    Positions,
    /// The im2col matrix built, then `gemm`: fewer channels at stride > 1.
    Im2col,
}

/// A convolution's shape, as the plan sees it.
#[derive(Debug, Clone, Copy)]
pub struct Conv {
    pub input: Shape,
    pub output: Shape,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
}

impl Conv {
    /// The path this build takes.
    pub fn path(&self) -> ConvPath {
        self.path_with(WINOGRAD)
    }

    /// The path with Winograd's allowed or not (the tests try both).
    pub fn path_with(&self, winograd: bool) -> ConvPath {
        let Conv { input, output, kernel, stride, padding } = *self;
        if padding == 0 && kernel == input.height && kernel == input.width {
            ConvPath::Linear
        } else if winograd && self.winograd_fits() {
            ConvPath::Winograd
        } else if output.channels >= 8 {
            ConvPath::Channels
        } else if stride == 1 {
            ConvPath::Positions
        } else {
            ConvPath::Im2col
        }
    }

    /// Winograd's F(4x4, 5x5) needs stride 1, 5 x 5 kernels, output channels
    /// in fours and even output sides (whole 2 x 2 pooling windows); with
    /// fewer than 8 output channels the stride-1 path, which skips the
    /// background, is faster.
    fn winograd_fits(&self) -> bool {
        let Shape { channels, height, width } = self.output;
        self.stride == 1 && self.kernel == 5 && channels >= 8 && channels % 4 == 0 && height % 2 == 0 && width % 2 == 0
    }
}

#[cfg(test)]
mod tests {
    // In wasm (`make wasm-test`, both builds) these run with SIMD128 lanes.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn conv(input: (usize, usize), outputs: usize, kernel: usize, stride: usize, padding: usize) -> Conv {
        let (channels, side) = input;
        let out = (side + 2 * padding - kernel) / stride + 1;
        Conv {
            input: Shape { channels, height: side, width: side },
            output: Shape { channels: outputs, height: out, width: out },
            kernel,
            stride,
            padding,
        }
    }

    #[test]
    fn lenet5_takes_the_paths_the_architecture_page_lists() {
        let (c1, c3, c5) = (conv((1, 32), 6, 5, 1, 0), conv((6, 14), 16, 5, 1, 0), conv((16, 5), 120, 5, 1, 0));
        assert_eq!(
            [c1, c3, c5].map(|c| c.path_with(true)),
            [ConvPath::Positions, ConvPath::Winograd, ConvPath::Linear]
        );
        assert_eq!(c3.path_with(false), ConvPath::Channels);
    }

    #[test]
    fn winograd_needs_its_shapes() {
        // Stride 2, a 3 x 3 kernel, 6 or 10 channels, odd output sides: not Winograd's.
        assert_eq!(conv((6, 14), 16, 5, 2, 0).path_with(true), ConvPath::Channels);
        assert_eq!(conv((6, 14), 16, 3, 1, 0).path_with(true), ConvPath::Channels);
        assert_eq!(conv((6, 14), 6, 5, 1, 0).path_with(true), ConvPath::Positions);
        assert_eq!(conv((6, 14), 10, 5, 1, 0).path_with(true), ConvPath::Channels);
        assert_eq!(conv((6, 13), 16, 5, 1, 0).path_with(true), ConvPath::Channels);
        assert_eq!(conv((3, 5), 2, 3, 2, 1).path_with(true), ConvPath::Im2col);
    }
}
