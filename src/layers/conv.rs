//! 2-D convolution (PyTorch's `Conv2d`, strictly a cross-correlation).
//!
//! Forward, for output channel o at output position (i, j):
//!   y[n,o,i,j] = b[o] + sum_{c,u,v} w[o,c,u,v] * x[n, c, i*s + u - p, j*s + v - p]
//! with x = 0 outside the input (zero padding p) and stride s. Output size per
//! side: floor((H + 2p - K) / s) + 1.
//!
//! It runs as one matrix multiply over the whole batch ("im2col"): every
//! receptive field becomes a column of `cols` [C*K*K, N*OH*OW], and
//!   Y [O, N*OH*OW] = W [O, C*K*K] . cols
//! Backward, with dY laid out the same way:
//!   dW += dY . cols^T,   db += row sums of dY,   dcols = W^T . dY
//! and dcols is scattered back onto the input positions it came from (col2im).
//! Large batches go through in groups small enough for `cols` to stay in cache.
//!
//! Shapes: x [N, C, H, W], w [O, C*K*K] (PyTorch's OIHW flattened), b [O],
//! y [N, O, OH, OW].

use ndarray::{s, ArrayView2, ArrayView4, ArrayViewMut2, ArrayViewMut4, Axis};

use super::{matmul, Params, Scratch};
use crate::spec::Shape;

#[derive(Debug, Clone)]
pub struct Conv2d {
    pub input: Shape,
    pub output: Shape,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
    pub params: Params,
}

impl Conv2d {
    /// Rows of the im2col matrix: C * K * K, the fan-in of one output value.
    pub fn fan_in(&self) -> usize {
        self.input.channels * self.kernel * self.kernel
    }

    /// Samples per group: as many as keep `cols` within about 128 KB.
    fn group(&self, n: usize) -> usize {
        const COLS_BUDGET: usize = 32 * 1024;
        let per_sample = self.fan_in() * self.output.height * self.output.width;
        (COLS_BUDGET / per_sample).clamp(1, n.max(1))
    }

    pub fn forward(&self, x: ArrayView4<f32>, mut y: ArrayViewMut4<f32>, scratch: &mut Scratch) {
        let n = x.len_of(Axis(0));
        let group = self.group(n);
        for start in (0..n).step_by(group) {
            let end = (start + group).min(n);
            let rows = s![start..end, .., .., ..];
            self.forward_group(x.slice(rows), y.slice_mut(rows), scratch);
        }
    }

    pub fn backward(
        &self,
        x: ArrayView4<f32>,
        dy: ArrayView4<f32>,
        mut dx: Option<ArrayViewMut4<f32>>,
        grads: &mut Params,
        scratch: &mut Scratch,
    ) {
        let n = x.len_of(Axis(0));
        let group = self.group(n);
        for start in (0..n).step_by(group) {
            let end = (start + group).min(n);
            let rows = s![start..end, .., .., ..];
            let dx = dx.as_mut().map(|dx| dx.slice_mut(rows));
            self.backward_group(x.slice(rows), dy.slice(rows), dx, grads, scratch);
        }
    }

    fn forward_group(&self, x: ArrayView4<f32>, mut y: ArrayViewMut4<f32>, scratch: &mut Scratch) {
        let n = x.len_of(Axis(0));
        let (rows, positions) = (self.fan_in(), self.output.height * self.output.width);
        let (cols, out, _) = scratch.split(rows * n * positions, self.output.channels * n * positions, 0);
        self.im2col(x, cols);
        let cols = ArrayView2::from_shape((rows, n * positions), cols).expect("cols sized above");
        let mut out_m = ArrayViewMut2::from_shape((self.output.channels, n * positions), out).expect("out sized above");
        matmul(self.params.weight.view(), cols, 0.0, out_m.view_mut());
        // [O, N*P] -> [N, O, P], adding the bias.
        let y = y.as_slice_mut().expect("activations are contiguous");
        for (o, row) in out_m.outer_iter().enumerate() {
            let row = row.to_slice().expect("contiguous");
            let bias = self.params.bias[o];
            for s in 0..n {
                let dst = &mut y[(s * self.output.channels + o) * positions..][..positions];
                for (d, &v) in dst.iter_mut().zip(&row[s * positions..(s + 1) * positions]) {
                    *d = v + bias;
                }
            }
        }
    }

    fn backward_group(
        &self,
        x: ArrayView4<f32>,
        dy: ArrayView4<f32>,
        dx: Option<ArrayViewMut4<f32>>,
        grads: &mut Params,
        scratch: &mut Scratch,
    ) {
        let n = x.len_of(Axis(0));
        let (rows, positions) = (self.fan_in(), self.output.height * self.output.width);
        let channels = self.output.channels;
        let (cols, dy_m, dcols) = scratch.split(rows * n * positions, channels * n * positions, rows * n * positions);
        // dY [N, O, P] -> [O, N*P]
        let dy_s = dy.as_slice().expect("activations are contiguous");
        for o in 0..channels {
            for s in 0..n {
                dy_m[(o * n + s) * positions..][..positions]
                    .copy_from_slice(&dy_s[(s * channels + o) * positions..][..positions]);
            }
        }
        let dy_m = ArrayView2::from_shape((channels, n * positions), &*dy_m).expect("sized above");
        for (db, row) in grads.bias.iter_mut().zip(dy_m.outer_iter()) {
            *db += row.sum();
        }
        self.im2col(x, cols);
        let cols = ArrayView2::from_shape((rows, n * positions), &*cols).expect("sized above");
        matmul(dy_m, cols.t(), 1.0, grads.weight.view_mut());
        if let Some(dx) = dx {
            let mut dcols_m = ArrayViewMut2::from_shape((rows, n * positions), dcols).expect("sized above");
            matmul(self.params.weight.t(), dy_m, 0.0, dcols_m.view_mut());
            self.col2im(dcols_m.as_slice().expect("contiguous"), dx);
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

    /// Writes every receptive field of the batch as a column of `cols`
    /// [C*K*K, N*OH*OW] (row-major), zeros where the window hangs over the edge.
    fn im2col(&self, x: ArrayView4<f32>, cols: &mut [f32]) {
        let x = x.as_slice().expect("activations are contiguous");
        let Shape { channels, height, width } = self.input;
        let (oh_n, ow_n) = (self.output.height, self.output.width);
        let (k, s, p) = (self.kernel, self.stride, self.padding);
        let n = x.len() / self.input.len();
        let positions = oh_n * ow_n;
        let row_len = n * positions;
        for c in 0..channels {
            for u in 0..k {
                let (i_lo, i_hi) = self.valid_range(u, oh_n, height);
                for v in 0..k {
                    let (j_lo, j_hi) = self.valid_range(v, ow_n, width);
                    let row = &mut cols[((c * k + u) * k + v) * row_len..][..row_len];
                    for sample in 0..n {
                        let plane = &x[(sample * channels + c) * height * width..][..height * width];
                        let dst = &mut row[sample * positions..][..positions];
                        for i in 0..oh_n {
                            let line = &mut dst[i * ow_n..][..ow_n];
                            if i < i_lo || i >= i_hi {
                                line.fill(0.0);
                                continue;
                            }
                            let src = &plane[(i * s + u - p) * width..][..width];
                            line[..j_lo].fill(0.0);
                            line[j_hi..].fill(0.0);
                            if s == 1 && j_lo < j_hi {
                                line[j_lo..j_hi].copy_from_slice(&src[j_lo + v - p..j_hi + v - p]);
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
    }

    /// The adjoint of im2col: adds every column entry back onto the input
    /// position it was read from. Overwrites `dx`.
    fn col2im(&self, dcols: &[f32], mut dx: ArrayViewMut4<f32>) {
        dx.fill(0.0);
        let dx = dx.as_slice_mut().expect("activations are contiguous");
        let Shape { channels, height, width } = self.input;
        let (oh_n, ow_n) = (self.output.height, self.output.width);
        let (k, s, p) = (self.kernel, self.stride, self.padding);
        let n = dx.len() / self.input.len();
        let positions = oh_n * ow_n;
        let row_len = n * positions;
        for c in 0..channels {
            for u in 0..k {
                let (i_lo, i_hi) = self.valid_range(u, oh_n, height);
                for v in 0..k {
                    let (j_lo, j_hi) = self.valid_range(v, ow_n, width);
                    let row = &dcols[((c * k + u) * k + v) * row_len..][..row_len];
                    for sample in 0..n {
                        let plane = &mut dx[(sample * channels + c) * height * width..][..height * width];
                        let src = &row[sample * positions..][..positions];
                        for i in i_lo..i_hi {
                            let line = &src[i * ow_n..][..ow_n];
                            let dst = &mut plane[(i * s + u - p) * width..][..width];
                            for j in j_lo..j_hi {
                                dst[j * s + v - p] += line[j];
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testing::{check_gradients, random_array};
    use ndarray::{Array1, Array2, Array4};

    #[allow(clippy::too_many_arguments)]
    fn layer(c: usize, h: usize, w: usize, o: usize, k: usize, s: usize, p: usize, seed: u64) -> Conv2d {
        let oh = (h + 2 * p - k) / s + 1;
        let ow = (w + 2 * p - k) / s + 1;
        let mut rng = fastrand::Rng::with_seed(seed);
        Conv2d {
            input: Shape::new(c, h, w),
            output: Shape::new(o, oh, ow),
            kernel: k,
            stride: s,
            padding: p,
            params: Params {
                weight: random_array(&mut rng, (o, c * k * k)),
                bias: random_array(&mut rng, o),
            },
        }
    }

    /// The definition, loop by loop.
    fn naive(conv: &Conv2d, x: &Array4<f32>) -> Array4<f32> {
        let (n, c_in) = (x.shape()[0], conv.input.channels);
        let (k, s, p) = (conv.kernel, conv.stride as isize, conv.padding as isize);
        let w = conv.params.weight.view().into_shape_with_order((conv.output.channels, c_in, k, k)).unwrap();
        let mut y = Array4::zeros((n, conv.output.channels, conv.output.height, conv.output.width));
        for ((b, o, i, j), out) in y.indexed_iter_mut() {
            let mut acc = conv.params.bias[o];
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

    #[test]
    fn matches_the_naive_definition_on_random_shapes() {
        let mut rng = fastrand::Rng::with_seed(7);
        for case in 0..40 {
            let k = rng.usize(1..=5);
            let p = rng.usize(0..k);
            let s = rng.usize(1..=3);
            let h = rng.usize(k.saturating_sub(2 * p).max(1)..=12);
            let w = rng.usize(k.saturating_sub(2 * p).max(1)..=12);
            let conv = layer(rng.usize(1..=4), h, w, rng.usize(1..=5), k, s, p, case);
            let n = rng.usize(1..=3);
            let x = random_array(&mut rng, (n, conv.input.channels, h, w));
            let mut y = Array4::zeros((n, conv.output.channels, conv.output.height, conv.output.width));
            conv.forward(x.view(), y.view_mut(), &mut Scratch::default());
            let expected = naive(&conv, &x);
            let diff = (&y - &expected).mapv(f32::abs).fold(0.0f32, |a, &b| a.max(b));
            assert!(diff < 1e-4, "case {case} (k={k} s={s} p={p} {h}x{w}): max diff {diff}");
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        for (c, h, w, o, k, s, p) in [(2, 7, 6, 3, 3, 1, 0), (1, 8, 8, 2, 3, 2, 1), (3, 5, 7, 2, 2, 3, 1), (2, 6, 6, 4, 5, 1, 2)] {
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
        let conv = Conv2d {
            input: Shape::new(2, 2, 2),
            output: Shape::new(1, 2, 2),
            kernel: 1,
            stride: 1,
            padding: 0,
            params: Params { weight: Array2::from_shape_vec((1, 2), vec![2.0, -1.0]).unwrap(), bias: Array1::from(vec![0.5]) },
        };
        let x = Array4::from_shape_vec((1, 2, 2, 2), vec![1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0]).unwrap();
        let mut y = Array4::zeros((1, 1, 2, 2));
        conv.forward(x.view(), y.view_mut(), &mut Scratch::default());
        assert_eq!(y.into_raw_vec_and_offset().0, vec![-7.5, -15.5, -23.5, -31.5]);
    }
}
