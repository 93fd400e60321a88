//! 2-D convolution (PyTorch's `Conv2d`, strictly a cross-correlation).
//!
//! Forward, for output channel o at output position (i, j):
//!   y[n,o,i,j] = b[o] + sum_{c,u,v} w[o,c,u,v] * x[n, c, i*s + u - p, j*s + v - p]
//! with x = 0 outside the input (zero padding p) and stride s. Output size per
//! side: floor((H + 2p - K) / s) + 1.
//!
//! Each sample runs as one matrix multiply ("im2col"): every receptive field
//! becomes a column of `cols` [C*K*K, OH*OW], and
//!   Y [O, OH*OW] = W [O, C*K*K] . cols + b
//! Forward mostly does without `cols`: its entry ((c, u, v), (i, j)) is the
//! (zero-padded) input at tap (c, u, v) from position (i, j), so the multiply
//! can read the input in place through two offset tables, `taps` and `at`.
//! Which path a layer takes is chosen once, by `kernels::plan` ([`ConvPath`]):
//! - A kernel as large as its unpadded input (LeNet's C5) has one position,
//!   `cols` is the input itself, and the batch runs as one linear layer.
//! - With 8 output channels or more (LeNet's C3), lanes run along the
//!   channels: Y^T [OH*OW, O] = cols^T . W^T + b, then Y is Y^T transposed.
//!   In wasm, those with a 5 x 5 kernel, stride 1 and even output sides (C3
//!   again) run as Winograd's F(4x4, 5x5) instead: see kernels/winograd.rs.
//! - Otherwise, with stride 1 (LeNet's C1), lanes run along the positions:
//!   row (c, u, v) of `cols` is the input plane c shifted by (u, v), "wide"
//!   rows that run on across the right-hand edge into the next input row; the
//!   few columns that do are dropped as the rows are copied into Y, or
//!   skipped by a max pooling that reads the rows where they are (predict,
//!   see `forward_pooled`). Positions whose windows
//!   read only zeros (a digit's background) are set to the bias without
//!   multiplying: see `zero_windows`.
//! - Otherwise (fewer channels, stride > 1) `cols` is built (im2col).
//!
//! Backward, with dY laid out the same way:
//!   dW^T += cols . dY^T,   db += row sums of dY,   dcols = W^T . dY
//! The first reads `cols` from the input in place, as forward's path with
//! lanes along the channels does (dY^T has a row per position, lanes along
//! the channels); dcols is scattered back onto the input positions it came
//! from (col2im). In wasm dcols is built from the non-zero values of dY only,
//! a row of W for each (see `sparse_input_gradient`), and the stride-1
//! path's dW runs as dot products along wide rows (see `kernels::dots`).
//!
//! Shapes: x [N, C, H, W], w [O, C*K*K] (PyTorch's OIHW flattened), b [O],
//! y [N, O, OH, OW].

use std::array::from_fn;

use ndarray::{ArrayView4, ArrayViewMut4};

use super::derived::Form;
use super::linear::affine;
use super::{Activation, Params, Pool2d, PoolKind, Scratch};
use crate::kernels::dots::dots_at;
use crate::kernels::gemm::{gemm, gemm_gathered, gemm_rows_at, transpose, transpose_into, Mat, Start};
use crate::kernels::lanes::{add_row_sums, add_scaled, copy_floats, F32x4};
use crate::kernels::plan::{
    self, ConvPath, LOOK_FOR_ZERO_WINDOWS, POOL_CHANNELS_LAST, SPARSE_INPUT_GRADIENT, WIDE_WEIGHT_GRADIENT,
};
use crate::kernels::winograd::{self, Tiles};
use crate::spec::Shape;

#[derive(Debug, Clone)]
pub struct Conv2d {
    pub input: Shape,
    pub output: Shape,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
    pub params: Params,
    /// Where row (c, u, v) of `cols` starts in the padded input [C, H+2p, W+2p];
    /// the last repeated up to a multiple of 4 (see `gemm_gathered`).
    taps: Vec<usize>,
    /// Where the receptive field of output position (i, j) starts in it; the
    /// last repeated up to a multiple of 4 (see `gemm_gathered`).
    at: Vec<usize>,
    /// How forward runs, chosen by the plan (see `kernels::plan`).
    path: ConvPath,
}

impl Conv2d {
    pub fn new(input: Shape, output: Shape, kernel: usize, stride: usize, padding: usize, params: Params) -> Conv2d {
        let (height, width) = (input.height + 2 * padding, input.width + 2 * padding);
        let mut taps: Vec<usize> = (0..input.channels)
            .flat_map(|c| (0..kernel).flat_map(move |u| (0..kernel).map(move |v| (c * height + u) * width + v)))
            .collect();
        taps.resize(taps.len().div_ceil(4) * 4, taps.last().copied().unwrap_or(0));
        let mut at: Vec<usize> =
            (0..output.height).flat_map(|i| (0..output.width).map(move |j| (i * width + j) * stride)).collect();
        let last = at.last().copied().unwrap_or(0);
        at.resize(at.len().div_ceil(4) * 4, last);
        let path = plan::Conv { input, output, kernel, stride, padding }.path();
        Conv2d { input, output, kernel, stride, padding, params, taps, at, path }
    }

    /// How forward runs for this layer in this build.
    pub fn path(&self) -> ConvPath {
        self.path
    }

    /// This layer with forward run another way (the tests run every path).
    #[cfg(test)]
    fn with_path(self, path: ConvPath) -> Conv2d {
        Conv2d { path, ..self }
    }

    /// Rows of the im2col matrix: C * K * K, the fan-in of one output value.
    pub fn fan_in(&self) -> usize {
        self.input.channels * self.kernel * self.kernel
    }

    fn positions(&self) -> usize {
        self.output.height * self.output.width
    }

    pub fn forward(&self, x: ArrayView4<f32>, mut y: ArrayViewMut4<f32>, scratch: &mut Scratch) {
        let (rows, positions, channels) = (self.fan_in(), self.positions(), self.output.channels);
        let [weight, bias] = self.params.slices();
        let weight = Mat::rows(weight, rows);
        let x = x.as_slice().expect("activations are contiguous");
        let y = y.as_slice_mut().expect("activations are contiguous");
        match self.path {
            ConvPath::Positions => {
                let (oh, ow) = (self.output.height, self.output.width);
                let (width, wide) = (self.padded_size().1, self.wide_len());
                let mut outputs = y.chunks_exact_mut(self.output.len());
                self.forward_wide(x, 0, scratch, &mut |out, _| {
                    let y = outputs.next().expect("an output per sample");
                    for (y, out) in y.chunks_exact_mut(oh * ow).zip(out.chunks(wide)) {
                        for (y, out) in y.chunks_exact_mut(ow).zip(out.chunks(width)) {
                            copy_floats(y, &out[..ow]);
                        }
                    }
                });
            }
            // Y [N, O] = X [N, C*K*K] . W^T + b, the whole batch at once.
            ConvPath::Linear => affine(x, &self.params, y, scratch),
            ConvPath::Winograd => self.forward_winograd(x, (y, Tiles::Whole), scratch),
            ConvPath::Channels => {
                let mut outputs = y.chunks_exact_mut(self.output.len());
                self.forward_gathered(x, 0, scratch, &mut |out, _| {
                    transpose(out, (positions, channels), outputs.next().expect("an output per sample"));
                });
            }
            ConvPath::Im2col => {
                let (cols, _) = scratch.split(rows * positions, 0);
                for (x, y) in x.chunks_exact(self.input.len()).zip(y.chunks_exact_mut(self.output.len())) {
                    self.im2col(x, cols);
                    let shape = (channels, positions, rows);
                    gemm(weight, Mat::rows(cols, positions), y, positions, shape, Start::RowBias(bias));
                }
            }
        }
    }

    /// [`Conv2d::forward`], then `pool` over its output into `pooled`, then
    /// `f` on the pooled values: what predict runs for LeNet's C1, ReLU and
    /// S2, C3, ReLU and S4 (the max of f(x) is f(max x) for f non-decreasing:
    /// a quarter of the values to apply f to). Three paths pool their output
    /// where they leave it and do not write `y` (a copy saved): the stride-1
    /// path (its wide rows), the path with lanes along the channels (channel-last, before
    /// its transpose; natively only, see `POOL_CHANNELS_LAST`) and Winograd's
    /// (each tile's largest value only). The stride-1 path's 2 x 2 pooling
    /// and Winograd's apply a ReLU as they write (a pass saved).
    pub fn forward_pooled(
        &self,
        x: ArrayView4<f32>,
        mut y: ArrayViewMut4<f32>,
        (pool, f): (&Pool2d, Activation),
        mut pooled: ArrayViewMut4<f32>,
        scratch: &mut Scratch,
    ) {
        let relu = f == Activation::Relu;
        if self.path == ConvPath::Winograd && pool.kind == PoolKind::Max && pool.kernel == 2 && pool.stride == 2 {
            // The pooling windows are 2 x 2 blocks of Winograd's tiles: `y` is left unwritten.
            let (x, pooled) = (x.as_slice().expect("contiguous"), pooled.as_slice_mut().expect("contiguous"));
            self.forward_winograd(x, (pooled, Tiles::Max { relu }), scratch);
            if !relu {
                f.apply(pooled);
            }
            return;
        }
        if POOL_CHANNELS_LAST && self.path == ConvPath::Channels && pool.kind == PoolKind::Max {
            // Pooled as it comes, a pixel's channels together, then transposed.
            let (x, pooled) = (x.as_slice().expect("contiguous"), pooled.as_slice_mut().expect("contiguous"));
            let (channels, plane) = (self.output.channels, pool.output.height * pool.output.width);
            let mut outputs = pooled.chunks_exact_mut(pool.output.len());
            self.forward_gathered(x, (plane + 1) * channels, scratch, &mut |out, extra| {
                let (pooled_t, column) = extra.split_at_mut(plane * channels);
                pool.max_channels_last(out, channels, pooled_t, column);
                transpose(pooled_t, (plane, channels), outputs.next().expect("an output per sample"));
            });
            return f.apply(pooled);
        }
        if self.path != ConvPath::Positions {
            self.forward(x, y.view_mut(), scratch);
            pool.forward(y.view(), pooled.view_mut(), scratch);
            return f.apply(pooled.as_slice_mut().expect("activations are contiguous"));
        }
        let x = x.as_slice().expect("activations are contiguous");
        let pooled = pooled.as_slice_mut().expect("activations are contiguous");
        let (width, wide, plane) = (self.padded_size().1, self.wide_len(), pool.output.height * pool.output.width);
        let mut outputs = pooled.chunks_exact_mut(pool.output.len());
        self.forward_wide(x, pool.input.width, scratch, &mut |out, line| {
            let pooled = outputs.next().expect("an output per sample");
            for (pooled, out) in pooled.chunks_exact_mut(plane).zip(out.chunks(wide)) {
                pool.plane(out, width, (pooled, relu), line);
            }
        });
        if !relu {
            f.apply(pooled);
        }
    }

    /// The path with lanes along the output channels (8 or more: LeNet's C3
    /// natively): for each sample, `emit` gets its output as Y^T [positions, O]
    /// and `extra` floats of scratch.
    fn forward_gathered(
        &self,
        x: &[f32],
        extra: usize,
        scratch: &mut Scratch,
        emit: &mut dyn FnMut(&[f32], &mut [f32]),
    ) {
        let (rows, positions, channels) = (self.fan_in(), self.positions(), self.output.channels);
        let lengths = (self.padded_len(), self.at.len() * channels + extra);
        let (padded, out, weight_t) = scratch.split_with_derived(lengths, &self.params, Form::Transposed);
        padded.fill(0.0);
        let (out, extra) = out.split_at_mut(self.at.len() * channels);
        let (weight_t, shape) = (Mat::rows(weight_t, channels), (self.at.len(), channels, rows));
        let bias = self.params.slices()[1];
        for x in x.chunks_exact(self.input.len()) {
            let x = self.pad(x, padded);
            gemm_gathered((x, &self.at, &self.taps), weight_t, out, channels, shape, Start::ColBias(bias));
            emit(&out[..positions * channels], extra);
        }
    }

    /// Winograd's path (see winograd.rs) for every sample of x: y holds, per
    /// sample, every output or the largest of each 2 x 2 block (`what`).
    fn forward_winograd(&self, x: &[f32], (y, what): (&mut [f32], Tiles), scratch: &mut Scratch) {
        let bias = self.params.slices()[1];
        let (channels, (height, width)) = (self.output.channels, self.padded_size());
        let dims = winograd::Dims { channels: self.input.channels, height, width, outputs: channels };
        let lengths = (self.padded_len(), dims.scratch_len());
        let (padded, work, kernels) = scratch.split_with_derived(lengths, &self.params, Form::WinogradKernels);
        padded.fill(0.0);
        // Whole, 4 values per 4 outputs of a channel; pooled, 1.
        let y_len = self.output.len() / 4 * what.per_four();
        for (x, y) in x.chunks_exact(self.input.len()).zip(y.chunks_exact_mut(y_len)) {
            winograd::forward(self.pad(x, padded), dims, (kernels, bias), (y, what), work);
        }
    }

    /// The stride-1 path, for fewer than 8 output channels (LeNet's C1): lanes
    /// along the positions. For each sample, `emit` gets its output as wide
    /// rows [O, wide], channel o's row i at o * wide + i * padded width, and
    /// `extra` floats of scratch. (`emit` is a `dyn`: one copy of this loop;
    /// a generic one made two, and in wasm C1 ran slower.)
    fn forward_wide(&self, x: &[f32], extra: usize, scratch: &mut Scratch, emit: &mut dyn FnMut(&[f32], &mut [f32])) {
        let (rows, channels) = (self.fan_in(), self.output.channels);
        let [weight, bias] = self.params.slices();
        let (wide, flags) = (self.wide_len(), self.zero_windows_len());
        let (padded, out) = scratch.split(self.padded_len(), channels * wide + flags + extra);
        padded.fill(0.0);
        let (out, rest) = out.split_at_mut(channels * wide);
        let (flags, extra) = rest.split_at_mut(flags);
        let weight = Mat::rows(weight, rows);
        for x in x.chunks_exact(self.input.len()) {
            let x = self.pad(x, padded);
            let zero = if LOOK_FOR_ZERO_WINDOWS { self.zero_windows(x, flags) } else { None };
            gemm_rows_at(weight, (x, &self.taps, zero), out, wide, (channels, wide, rows), Start::RowBias(bias));
            emit(out, extra);
        }
    }

    /// The length of the stride-1 path's wide rows: the output's rows, each
    /// run on to the padded input's width, but the last.
    fn wide_len(&self) -> usize {
        (self.output.height - 1) * self.padded_size().1 + self.output.width
    }

    /// For the wide rows of the stride-1 path, one value per 4 of their
    /// columns: 0.0 when all 4 windows read only zeros. There the output is
    /// the bias, and the multiply leaves it: a drawn digit is mostly
    /// background: on MNIST, about half of LeNet's C1 columns.
    /// The test looks at the input in groups of 4 values, so it needs rows
    /// whose (padded) width is a multiple of 4; otherwise None. A group is
    /// zero when its bits are (-0.0 counts as a value).
    /// (Out of line: inlined, V8 ran the whole forward pass slower.)
    /// `flags` holds at least [`Conv2d::zero_windows_len`] floats.
    #[inline(never)]
    fn zero_windows<'a>(&self, x: &[f32], flags: &'a mut [f32]) -> Option<&'a [f32]> {
        let (_, width) = self.padded_size();
        if width % 4 != 0 {
            return None;
        }
        let (groups, per_row, k) = (x.len() / 4, width / 4, self.kernel);
        let positions = self.output.height * per_row;
        // Three lists: a value per group of 4 inputs, then `seen` and the blocks, one per group of a row of taps.
        let (values, rest) = flags.split_at_mut(groups);
        let (seen, blocks) = rest.split_at_mut(positions);
        // values[g]: 1.0 when x[4g..4g+4] has bits set; 4 groups at a time,
        // transposed, so that each lane is a group. (Without a branch per
        // group: V8 made one of a bool's conversion to a float, and on a
        // digit it was mispredicted at every edge of the ink.)
        for (values, x) in values.chunks_exact_mut(4).zip(x.chunks_exact(16)) {
            // Safety: `x` holds 16 floats and `values` 4.
            unsafe {
                let groups = F32x4::transpose(from_fn(|g| F32x4::load(x.as_ptr().add(4 * g)).ones_where_set()));
                let [a, b, c, d] = groups;
                a.max(b).max(c.max(d)).store(values.as_mut_ptr());
            }
        }
        for (value, four) in values.iter_mut().zip(x.chunks_exact(4)).skip(groups / 4 * 4) {
            *value = if four.iter().any(|v| v.to_bits() != 0) { 1.0 } else { 0.0 };
        }
        // seen[g]: how many of the C x K rows of taps have bits set at group g.
        // (The first row copied, not added to zeros, and the copies below by
        // copy_floats: V8 calls out for memory.fill and memory.copy.)
        let mut rows = values
            .chunks_exact(groups / self.input.channels)
            .flat_map(|plane| (0..k).map(move |u| &plane[u * per_row..]));
        copy_floats(seen, &rows.next().expect("a row of taps")[..positions]);
        rows.for_each(|row| seen.iter_mut().zip(row).for_each(|(seen, value)| *seen += value));
        // Columns 4b..4b+4 of the wide rows start windows that read columns
        // 4b..4b+K+3 of the taps' rows: groups b..=b + (K + 2) / 4.
        let blocks = &mut blocks[..positions];
        copy_floats(blocks, seen);
        for v in 1..=(k + 2) / 4 {
            blocks.iter_mut().zip(&seen[v..]).for_each(|(block, seen)| *block += seen);
        }
        Some(blocks)
    }

    /// The scratch floats `zero_windows` needs for one padded sample.
    fn zero_windows_len(&self) -> usize {
        let (height, width) = self.padded_size();
        self.input.channels * height * width / 4 + 2 * self.output.height * width / 4
    }

    /// Height and width of an input plane inside its border of zeros.
    fn padded_size(&self) -> (usize, usize) {
        (self.input.height + 2 * self.padding, self.input.width + 2 * self.padding)
    }

    /// The scratch floats `pad` needs: a padded sample, none without padding.
    /// Forward zeroes them once: the border stays zero from sample to sample,
    /// and `pad` writes only the inside.
    fn padded_len(&self) -> usize {
        let (height, width) = self.padded_size();
        if self.padding > 0 {
            self.input.channels * height * width
        } else {
            0
        }
    }

    /// One sample [C, H, W] copied inside the border of p zeros that
    /// `padded` already holds; without padding, the sample itself.
    fn pad<'a>(&self, x: &'a [f32], padded: &'a mut [f32]) -> &'a [f32] {
        if self.padding == 0 {
            return x;
        }
        let Shape { height, width, .. } = self.input;
        let (p, (padded_height, padded_width)) = (self.padding, self.padded_size());
        for (plane, padded) in x.chunks_exact(height * width).zip(padded.chunks_exact_mut(padded_height * padded_width))
        {
            for (line, padded) in plane.chunks_exact(width).zip(padded.chunks_exact_mut(padded_width).skip(p)) {
                copy_floats(&mut padded[p..p + width], line);
            }
        }
        padded
    }

    /// The inverse of `pad`: the inside of a padded sample into `x` [C, H, W].
    fn unpad(&self, padded: &[f32], x: &mut [f32]) {
        let Shape { height, width, .. } = self.input;
        let (p, (padded_height, padded_width)) = (self.padding, self.padded_size());
        for (plane, padded) in x.chunks_exact_mut(height * width).zip(padded.chunks_exact(padded_height * padded_width))
        {
            for (line, padded) in plane.chunks_exact_mut(width).zip(padded.chunks_exact(padded_width).skip(p)) {
                copy_floats(line, &padded[p..p + width]);
            }
        }
    }

    pub fn backward(
        &self,
        x: ArrayView4<f32>,
        dy: ArrayView4<f32>,
        dx: Option<ArrayViewMut4<f32>>,
        grads: &mut Params,
        scratch: &mut Scratch,
    ) {
        let (rows, positions, channels) = (self.fan_in(), self.positions(), self.output.channels);
        let weight = Mat::rows(self.params.slices()[0], rows);
        let [grad_w, grad_b] = grads.slices_mut();
        let x = x.as_slice().expect("activations are contiguous");
        let dy = dy.as_slice().expect("activations are contiguous");
        let mut dx = dx.map(|dx| dx.into_slice().expect("activations are contiguous"));
        if self.path == ConvPath::Linear {
            // The whole batch at once, as a linear layer: dY [N, O], X [N, C*K*K].
            let n = x.len() / rows;
            gemm(Mat::rows(dy, channels).t(), Mat::rows(x, rows), grad_w, rows, (channels, rows, n), Start::Keep);
            for dy in dy.chunks_exact(channels) {
                grad_b.iter_mut().zip(dy).for_each(|(db, dy)| *db += dy);
            }
            if let Some(dx) = dx {
                gemm(Mat::rows(dy, channels), weight, dx, rows, (n, rows, channels), Start::Zero);
            }
            return;
        }
        // dW^T [taps, lanes] = cols . dY^T, cols read from the padded input
        // where it is (see `gemm_gathered`), a row per kernel tap; the lanes run
        // along the output channels, rounded up to a multiple of 4 with zeros.
        let (taps, lanes) = (self.taps.len(), channels.next_multiple_of(4));
        // dcols (dense: [C*K*K, positions]; sparse: its transpose and a padded sample).
        let sparse_padding = if SPARSE_INPUT_GRADIENT { self.padded_len() } else { 0 };
        let dx_len = if dx.is_some() { rows * positions + sparse_padding } else { 0 };
        // With lanes along the positions instead (see `plan::WIDE_WEIGHT_GRADIENT`),
        // dW [O, taps] += dY . cols^T from dY in wide rows, as forward writes Y.
        let wide = if WIDE_WEIGHT_GRADIENT && self.path == ConvPath::Positions { self.wide_len() } else { 0 };
        // (dY^T and dW^T only for lanes along the channels.)
        let (dy_t_len, grad_w_t_len) = if wide > 0 { (0, 0) } else { (positions * lanes, taps * lanes) };
        let lengths = dy_t_len + grad_w_t_len + channels * wide + dx_len;
        let (padded, rest) = scratch.split(self.padded_len(), lengths);
        let (dy_t, rest) = rest.split_at_mut(dy_t_len);
        let (grad_w_t, rest) = rest.split_at_mut(grad_w_t_len);
        let (dy_wide, rest) = rest.split_at_mut(channels * wide);
        let (dcols, padded_dx) = rest.split_at_mut(dx_len.min(rows * positions));
        padded.fill(0.0);
        dy_t.fill(0.0);
        grad_w_t.fill(0.0);
        dy_wide.fill(0.0);
        let (width, ow) = (self.padded_size().1, self.output.width);
        for (s, (x, dy)) in x.chunks_exact(self.input.len()).zip(dy.chunks_exact(self.output.len())).enumerate() {
            add_row_sums(grad_b, dy, positions);
            let x = self.pad(x, padded);
            if wide > 0 {
                // Channel o's row i at o * wide + i * width; the columns between stay zero.
                for (dy_wide, dy) in dy_wide.chunks_exact_mut(wide).zip(dy.chunks_exact(positions)) {
                    for (line, dy) in dy_wide.chunks_mut(width).zip(dy.chunks_exact(ow)) {
                        copy_floats(&mut line[..ow], dy);
                    }
                }
                dots_at((dy_wide, wide), (x, &self.taps[..rows]), grad_w, rows, (channels, rows, wide));
            } else {
                transpose_into(dy, (channels, positions), (dy_t, lanes));
                let b = Mat::rows(dy_t, lanes);
                gemm_gathered((x, &self.taps, &self.at), b, grad_w_t, lanes, (taps, lanes, positions), Start::Keep);
            }
            if let Some(dx) = dx.as_deref_mut() {
                let dx = &mut dx[s * self.input.len()..][..self.input.len()];
                if SPARSE_INPUT_GRADIENT {
                    self.sparse_input_gradient(dy, (dcols, padded_dx), dx);
                } else {
                    self.dense_input_gradient(dy, dcols, dx);
                }
            }
        }
        if wide == 0 {
            for (o, grad_w) in grad_w.chunks_exact_mut(rows).enumerate() {
                grad_w.iter_mut().zip(grad_w_t.chunks_exact(lanes)).for_each(|(g, t)| *g += t[o]);
            }
        }
    }

    /// For kernel offset (u, v): the output columns j whose input column
    /// j*s + v - p lies inside the image, as a half-open range.
    fn valid_range(&self, offset: usize, out_len: usize, in_len: usize) -> (usize, usize) {
        let (s, p) = (self.stride, self.padding);
        let lo = if p > offset { (p - offset).div_ceil(s) } else { 0 };
        // largest j with j*s + offset - p <= in_len - 1
        let hi = if in_len + p > offset { ((in_len - 1 + p - offset) / s + 1).min(out_len) } else { 0 };
        (lo.min(hi), hi)
    }

    /// Writes every receptive field of one sample `x` [C, H, W] as a column of
    /// `cols` [C*K*K, OH*OW] (row-major), zeros where the window hangs over the edge.
    fn im2col(&self, x: &[f32], cols: &mut [f32]) {
        let Shape { channels, height, width } = self.input;
        let (oh_n, ow_n) = (self.output.height, self.output.width);
        let (k, s, p) = (self.kernel, self.stride, self.padding);
        let positions = oh_n * ow_n;
        for c in 0..channels {
            let plane = &x[c * height * width..][..height * width];
            for u in 0..k {
                let (i_lo, i_hi) = self.valid_range(u, oh_n, height);
                for v in 0..k {
                    let (j_lo, j_hi) = self.valid_range(v, ow_n, width);
                    let row = &mut cols[((c * k + u) * k + v) * positions..][..positions];
                    for (i, line) in row.chunks_exact_mut(ow_n).enumerate() {
                        if i < i_lo || i >= i_hi {
                            line.fill(0.0);
                            continue;
                        }
                        let src = &plane[(i * s + u - p) * width..][..width];
                        if j_lo > 0 || j_hi < ow_n {
                            line[..j_lo].fill(0.0);
                            line[j_hi..].fill(0.0);
                        }
                        if s == 1 && j_lo < j_hi {
                            copy_floats(&mut line[j_lo..j_hi], &src[j_lo + v - p..j_hi + v - p]);
                        } else {
                            for j in j_lo..j_hi {
                                line[j] = src[j * s + v - p];
                            }
                        }
                    }
                }
            }
        }
    }

    /// dX for one sample from its dY [O, positions]: dcols = W^T . dY
    /// [C*K*K, positions], then `col2im`. Overwrites `dx` [C, H, W].
    fn dense_input_gradient(&self, dy: &[f32], dcols: &mut [f32], dx: &mut [f32]) {
        let (rows, positions, channels) = (self.fan_in(), self.positions(), self.output.channels);
        let (weight, dy) = (Mat::rows(self.params.slices()[0], rows), Mat::rows(dy, positions));
        gemm(weight.t(), dy, dcols, positions, (rows, positions, channels), Start::Zero);
        self.col2im(dcols, dx);
    }

    /// The adjoint of im2col for one sample: adds every column entry back onto
    /// the input position it was read from. Overwrites `dx` [C, H, W].
    fn col2im(&self, dcols: &[f32], dx: &mut [f32]) {
        dx.fill(0.0);
        let Shape { channels, height, width } = self.input;
        let (oh_n, ow_n) = (self.output.height, self.output.width);
        let (k, s, p) = (self.kernel, self.stride, self.padding);
        let positions = oh_n * ow_n;
        for c in 0..channels {
            let plane = &mut dx[c * height * width..][..height * width];
            for u in 0..k {
                let (i_lo, i_hi) = self.valid_range(u, oh_n, height);
                for v in 0..k {
                    let (j_lo, j_hi) = self.valid_range(v, ow_n, width);
                    let row = &dcols[((c * k + u) * k + v) * positions..][..positions];
                    for i in i_lo..i_hi {
                        let line = &row[i * ow_n..][..ow_n];
                        let dst = &mut plane[(i * s + u - p) * width..][..width];
                        if s == 1 && j_lo < j_hi {
                            // Contiguous on both sides: the adds vectorize.
                            let dst = &mut dst[j_lo + v - p..j_hi + v - p];
                            dst.iter_mut().zip(&line[j_lo..j_hi]).for_each(|(d, &g)| *d += g);
                        } else {
                            for j in j_lo..j_hi {
                                dst[j * s + v - p] += line[j];
                            }
                        }
                    }
                }
            }
        }
    }

    /// What the product W^T . dY and `col2im` give, for one sample, from its
    /// dY [O, positions]. First dcols^T [positions, C*K*K] = dY^T . W, a row
    /// of W added for each non-zero value of dY: after ReLU and max pooling,
    /// most of dY is zero, and the rows are contiguous. Then each position's
    /// column is added back onto the window of the (padded) input it was read
    /// from, kernel row by kernel row. Overwrites `dx` [C, H, W]; `padded`
    /// holds a padded sample (none without padding).
    fn sparse_input_gradient(&self, dy: &[f32], (dcols_t, padded): (&mut [f32], &mut [f32]), dx: &mut [f32]) {
        let (rows, k) = (self.fan_in(), self.kernel);
        dcols_t.fill(0.0);
        for (w, dy) in self.params.slices()[0].chunks_exact(rows).zip(dy.chunks_exact(self.positions())) {
            for (column, &g) in dcols_t.chunks_exact_mut(rows).zip(dy) {
                if g != 0.0 {
                    add_scaled(column, g, w);
                }
            }
        }
        let add_windows = |sums: &mut [f32]| {
            sums.fill(0.0);
            for (column, &at) in dcols_t.chunks_exact(rows).zip(&self.at) {
                for (taps, &tap) in column.chunks_exact(k).zip(self.taps.iter().step_by(k)) {
                    let window = &mut sums[at + tap..][..k];
                    if k == 5 {
                        // LeNet's kernels: a length known when compiling, no loop.
                        add_scaled(&mut window[..5], 1.0, &taps[..5]);
                    } else {
                        add_scaled(window, 1.0, taps);
                    }
                }
            }
        };
        if self.padding == 0 {
            return add_windows(dx);
        }
        add_windows(padded);
        self.unpad(padded, dx);
    }
}

#[cfg(test)]
mod tests {
    // In wasm (`make wasm-test`, both builds) these run with SIMD128 lanes.
    use super::*;
    use crate::layers::testing::{check_gradients, random_array};
    use ndarray::{Array1, Array2, Array4};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[allow(clippy::too_many_arguments)]
    fn layer(c: usize, h: usize, w: usize, o: usize, k: usize, s: usize, p: usize, seed: u64) -> Conv2d {
        let oh = (h + 2 * p - k) / s + 1;
        let ow = (w + 2 * p - k) / s + 1;
        let mut rng = fastrand::Rng::with_seed(seed);
        let params = Params::new(random_array(&mut rng, (o, c * k * k)), random_array(&mut rng, o));
        Conv2d::new(Shape::new(c, h, w), Shape::new(o, oh, ow), k, s, p, params)
    }

    /// The definition, loop by loop.
    fn naive(conv: &Conv2d, x: &Array4<f32>) -> Array4<f32> {
        let (n, c_in) = (x.shape()[0], conv.input.channels);
        let (k, s, p) = (conv.kernel, conv.stride as isize, conv.padding as isize);
        let w = conv.params.weight().view().into_shape_with_order((conv.output.channels, c_in, k, k)).unwrap();
        let mut y = Array4::zeros((n, conv.output.channels, conv.output.height, conv.output.width));
        for ((b, o, i, j), out) in y.indexed_iter_mut() {
            let mut acc = conv.params.bias()[o];
            for c in 0..c_in {
                for u in 0..k {
                    for v in 0..k {
                        let r = i as isize * s + u as isize - p;
                        let q = j as isize * s + v as isize - p;
                        if r >= 0 && q >= 0 && (r as usize) < conv.input.height && (q as usize) < conv.input.width {
                            acc += w[[o, c, u, v]] * x[[b, c, r as usize, q as usize]];
                        }
                    }
                }
            }
            *out = acc;
        }
        y
    }

    /// All four ways forward runs: 8 output channels or more (5 cases in 12),
    /// stride 1 (every third), a kernel covering its whole input (every
    /// fifth), im2col.
    #[test]
    fn matches_the_naive_definition_on_random_shapes() {
        let mut rng = fastrand::Rng::with_seed(7);
        for case in 0..120 {
            let k = rng.usize(1..=5);
            let whole = case % 5 == 0;
            let p = if whole { 0 } else { rng.usize(0..k) };
            let s = if case % 3 == 0 { 1 } else { rng.usize(1..=3) };
            let h = if whole { k } else { rng.usize(k.saturating_sub(2 * p).max(1)..=12) };
            let w = if whole { k } else { rng.usize(k.saturating_sub(2 * p).max(1)..=12) };
            let conv = layer(rng.usize(1..=4), h, w, rng.usize(1..=12), k, s, p, case);
            let n = rng.usize(1..=3);
            let x = random_array(&mut rng, (n, conv.input.channels, h, w));
            let mut y = Array4::zeros((n, conv.output.channels, conv.output.height, conv.output.width));
            conv.forward(x.view(), y.view_mut(), &mut Scratch::default());
            let expected = naive(&conv, &x);
            let diff = (&y - &expected).mapv(f32::abs).fold(0.0f32, |a, &b| a.max(b));
            assert!(diff < 1e-4, "case {case} (k={k} s={s} p={p} {h}x{w}): max diff {diff}");
        }
    }

    /// Inputs that are zero but for a patch, like a digit on its background:
    /// the stride-1 path leaves the outputs whose windows read only zeros at
    /// the bias, and they match the definition.
    #[test]
    fn mostly_zero_inputs_match_the_naive_definition() {
        let mut rng = fastrand::Rng::with_seed(12);
        for case in 0..60 {
            let (k, p) = (rng.usize(1..=5), rng.usize(0..=2));
            let (h, w) = (rng.usize(k.max(3)..=32), rng.usize(k.max(3)..=32));
            // The first is LeNet's C1; fewer than 8 output channels take the stride-1 path.
            let conv = if case == 0 {
                layer(1, 32, 32, 6, 5, 1, 0, 1)
            } else {
                layer(rng.usize(1..=3), h, w, rng.usize(1..=7), k, 1, p, case)
            };
            let Shape { channels, height, width } = conv.input;
            let mut x = Array4::zeros((2, channels, height, width));
            let (top, left) = (rng.usize(0..height), rng.usize(0..width));
            let (bottom, right) = (rng.usize(top..height), rng.usize(left..width));
            x.slice_mut(ndarray::s![.., .., top..=bottom, left..=right]).mapv_inplace(|_| rng.f32() - 0.25);
            let mut y = Array4::zeros((2, conv.output.channels, conv.output.height, conv.output.width));
            conv.forward(x.view(), y.view_mut(), &mut Scratch::default());
            let diff = (&y - &naive(&conv, &x)).mapv(f32::abs).fold(0.0f32, |a, &b| a.max(b));
            assert!(diff < 1e-4, "case {case} (k={k} p={p} {height}x{width}): max diff {diff}");
        }
    }

    /// The stride-1 path's weight gradient, with lanes along the positions
    /// (wasm's), against the one with lanes along the channels (native's):
    /// LeNet's C1 first, then padded and odd shapes.
    #[test]
    fn weight_gradients_along_positions_match_those_along_channels() {
        let mut rng = fastrand::Rng::with_seed(17);
        for (case, (c, h, w, o, k, p)) in
            [(1, 32, 32, 6, 5, 0), (2, 9, 7, 3, 3, 1), (1, 6, 6, 1, 5, 2), (3, 5, 8, 7, 2, 0)].into_iter().enumerate()
        {
            let conv = layer(c, h, w, o, k, 1, p, case as u64);
            assert_eq!(conv.path(), ConvPath::Positions);
            let x = random_array(&mut rng, (2, c, h, w));
            let dy = random_array(&mut rng, (2, o, conv.output.height, conv.output.width));
            let grads = |conv: &Conv2d| {
                let mut grads = conv.params.clone();
                grads.slices_mut().into_iter().for_each(|g| g.fill(0.0));
                conv.backward(x.view(), dy.view(), None, &mut grads, &mut Scratch::default());
                grads.slices()[0].to_vec()
            };
            let (along_positions, along_channels) = (grads(&conv), grads(&conv.clone().with_path(ConvPath::Channels)));
            for (a, b) in along_positions.iter().zip(&along_channels) {
                assert!((a - b).abs() < 1e-4, "case {case}: {a} against {b}");
            }
        }
    }

    /// After ReLU and max pooling most of dY is zero, and the sparse input
    /// gradient adds a row of weights only where it is not. Both ways give
    /// the definition's dX: each input value the sum of the weights that read
    /// it times their dY.
    #[test]
    fn mostly_zero_output_gradients_give_the_definitions_input_gradient() {
        let mut rng = fastrand::Rng::with_seed(13);
        for case in 0..40 {
            let (k, s) = (rng.usize(1..=5), rng.usize(1..=2));
            let p = rng.usize(0..k);
            let (h, w) = (rng.usize(k.max(3)..=14), rng.usize(k.max(3)..=14));
            let conv = if case == 0 {
                layer(6, 14, 14, 16, 5, 1, 0, 1) // LeNet's C3
            } else {
                layer(rng.usize(1..=4), h, w, rng.usize(1..=12), k, s, p, case)
            };
            let (input, output) = (conv.input, conv.output);
            let mut dy = random_array(&mut rng, (2, output.channels, output.height, output.width));
            dy.mapv_inplace(|g| if rng.usize(0..4) == 0 { g } else { 0.0 });
            let (k, s, p) = (conv.kernel, conv.stride, conv.padding);
            let weight = conv.params.weight().view().into_shape_with_order((output.channels, input.channels, k, k));
            let weight = weight.unwrap();
            let mut expected = Array4::<f32>::zeros((2, input.channels, input.height, input.width));
            for ((b, o, i, j), &g) in dy.indexed_iter() {
                for ((c, u, v), &w) in weight.slice(ndarray::s![o, .., .., ..]).indexed_iter() {
                    let (r, q) = ((i * s + u).wrapping_sub(p), (j * s + v).wrapping_sub(p));
                    if r < input.height && q < input.width {
                        expected[[b, c, r, q]] += w * g;
                    }
                }
            }
            let mut dcols = vec![f32::NAN; conv.fan_in() * conv.positions()];
            let mut padded = vec![f32::NAN; conv.padded_len()];
            for (dy, expected) in dy.outer_iter().zip(expected.outer_iter()) {
                let (dy, expected) = (dy.as_slice().unwrap(), expected.as_slice().unwrap());
                let (mut dense, mut sparse) = (vec![f32::NAN; input.len()], vec![f32::NAN; input.len()]);
                conv.dense_input_gradient(dy, &mut dcols, &mut dense);
                conv.sparse_input_gradient(dy, (&mut dcols, &mut padded), &mut sparse);
                for (path, dx) in [("dense", dense), ("sparse", sparse)] {
                    let diff = dx.iter().zip(expected).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
                    assert!(diff < 1e-4, "case {case}, {path} (k={k} s={s} p={p}, {input:?}): max diff {diff}");
                }
            }
        }
    }

    /// Winograd's F(4x4, 5x5) (LeNet's C3 first), padded or not, and the
    /// path with lanes along the channels that the native build takes for
    /// the same shapes, against the definition: within 1e-6 of the size of
    /// the terms summed.
    #[test]
    fn winograd_matches_the_naive_definition() {
        let mut rng = fastrand::Rng::with_seed(5);
        let shapes = [(6, 14, 14, 16, 0), (1, 6, 8, 8, 0), (3, 10, 8, 12, 1), (9, 10, 12, 8, 2), (5, 6, 4, 16, 2)];
        for (case, (c, h, w, o, p)) in shapes.into_iter().enumerate() {
            let conv = layer(c, h, w, o, 5, 1, p, case as u64);
            assert_eq!(conv.path(), ConvPath::Winograd, "case {case}");
            let x = random_array(&mut rng, (3, c, h, w));
            let terms = conv.params.weight().mapv(f32::abs).sum() * x.mapv(f32::abs).fold(0.0f32, |a, &b| a.max(b));
            for conv in [conv.clone(), conv.with_path(ConvPath::Channels)] {
                let mut y = Array4::zeros((3, o, conv.output.height, conv.output.width));
                conv.forward(x.view(), y.view_mut(), &mut Scratch::default());
                let diff = (&y - &naive(&conv, &x)).mapv(f32::abs).fold(0.0f32, |a, &b| a.max(b));
                assert!(diff <= 1e-6 * terms, "case {case}, {:?}: max diff {diff}, terms up to {terms}", conv.path);
            }
        }
    }

    /// The transformed kernels are kept between calls, and made again when
    /// the weights change where they are (as a training step changes them).
    #[test]
    fn winograd_sees_weights_change_in_place() {
        let mut rng = fastrand::Rng::with_seed(6);
        let mut conv = layer(6, 14, 14, 16, 5, 1, 0, 1);
        let x = random_array(&mut rng, (1, 6, 14, 14));
        let mut scratch = Scratch::default();
        for step in 0..3 {
            let mut y = Array4::zeros((1, 16, 10, 10));
            conv.forward(x.view(), y.view_mut(), &mut scratch);
            let diff = (&y - &naive(&conv, &x)).mapv(f32::abs).fold(0.0f32, |a, &b| a.max(b));
            assert!(diff < 1e-4, "step {step}: max diff {diff}");
            conv.params.slices_mut()[0].iter_mut().for_each(|w| *w = *w * 0.5 - 0.01);
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        // The last two: 8 output channels (lanes along them), a kernel as large as its input.
        let shapes = [
            (2, 7, 6, 3, 3, 1, 0),
            (1, 8, 8, 2, 3, 2, 1),
            (3, 5, 7, 2, 2, 3, 1),
            (2, 6, 6, 4, 5, 1, 2),
            (2, 5, 5, 8, 3, 1, 1),
            (2, 3, 3, 5, 3, 1, 0),
        ];
        for (c, h, w, o, k, s, p) in shapes {
            let conv = layer(c, h, w, o, k, s, p, 3);
            let mut rng = fastrand::Rng::with_seed(11);
            let x = random_array(&mut rng, (2, c, h, w));
            let out_shape = (2, o, conv.output.height, conv.output.width);
            check_gradients(
                &format!("conv k={k} s={s} p={p}"),
                x,
                conv.params.clone(),
                out_shape,
                |x, params, y| {
                    let conv = Conv2d { params: params.clone(), ..conv.clone() };
                    conv.forward(x, y, &mut Scratch::default())
                },
                |x, params, dy, dx, grads| {
                    let conv = Conv2d { params: params.clone(), ..conv.clone() };
                    conv.backward(x, dy, Some(dx), grads, &mut Scratch::default())
                },
            );
        }
    }

    #[test]
    fn one_by_one_kernel_is_a_per_pixel_linear_map() {
        let params = Params::new(Array2::from_shape_vec((1, 2), vec![2.0, -1.0]).unwrap(), Array1::from(vec![0.5]));
        let conv = Conv2d::new(Shape::new(2, 2, 2), Shape::new(1, 2, 2), 1, 1, 0, params);
        let x = Array4::from_shape_vec((1, 2, 2, 2), vec![1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0]).unwrap();
        let mut y = Array4::zeros((1, 1, 2, 2));
        conv.forward(x.view(), y.view_mut(), &mut Scratch::default());
        assert_eq!(y.into_raw_vec_and_offset().0, vec![-7.5, -15.5, -23.5, -31.5]);
    }
}
