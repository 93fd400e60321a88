//! Max and average pooling (PyTorch's `MaxPool2d`, `AvgPool2d`): LeNet's
//! subsampling layers S2 and S4. No parameters, no padding.
//!
//! Forward, over each K x K window at stride s, per channel:
//!   max: y[n,c,i,j] = max_{u,v} x[n, c, i*s + u, j*s + v]
//!   avg: y[n,c,i,j] = (1 / K^2) * sum_{u,v} x[n, c, i*s + u, j*s + v]
//! Backward: max sends dy to the window's (first) largest input; avg spreads
//! dy / K^2 over the window. Overlapping windows add up.
//!
//! Shapes: x [N, C, H, W], y [N, C, OH, OW], OH = floor((H - K) / s) + 1.

use ndarray::{ArrayView4, ArrayViewMut4};

use super::{Activation, Scratch};
use crate::kernels::lanes::{copy_floats, F32x4};
use crate::spec::Shape;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    Max,
    Avg,
}

#[derive(Debug, Clone)]
pub struct Pool2d {
    pub kind: PoolKind,
    pub input: Shape,
    pub output: Shape,
    pub kernel: usize,
    pub stride: usize,
}

impl Pool2d {
    pub fn forward(&self, x: ArrayView4<f32>, mut y: ArrayViewMut4<f32>, scratch: &mut Scratch) {
        let x = x.as_slice().expect("activations are contiguous");
        let y = y.as_slice_mut().expect("activations are contiguous");
        let (in_plane, out_plane) = (self.input.height * self.input.width, self.output.height * self.output.width);
        let (line, _) = scratch.split(self.input.width, 0);
        for (src, dst) in x.chunks_exact(in_plane).zip(y.chunks_exact_mut(out_plane)) {
            self.plane(src, self.input.width, (dst, false), line);
        }
    }

    /// One input plane into one output plane [OH, OW], then a ReLU on it if
    /// `relu`, the plane's rows `row_stride` floats apart (its width, or more
    /// when the rows are parts of longer ones). `line` holds at least a row's width.
    /// Per output row: the window's rows reduced column by column into
    /// `line` (contiguous, so it vectorizes), then each window across it;
    /// 2 x 2 windows at stride 2 straight from the two rows, 4 outputs at a time.
    #[inline(always)]
    pub fn plane(&self, src: &[f32], row_stride: usize, (dst, relu): (&mut [f32], bool), line: &mut [f32]) {
        let (k, s, width) = (self.kernel, self.stride, self.input.width);
        if k == 2 && s == 2 && self.output.width >= 4 {
            return pairs(src, row_stride, (dst, self.output.width), (self.kind, relu));
        }
        let scale = 1.0 / (k * k) as f32;
        let line = &mut line[..width];
        for (i, line_out) in dst.chunks_exact_mut(self.output.width).enumerate() {
            let rows = &src[i * s * row_stride..][..(k - 1) * row_stride + width];
            copy_floats(line, &rows[..width]);
            for u in 1..k {
                let columns = line.iter_mut().zip(&rows[u * row_stride..][..width]);
                match self.kind {
                    PoolKind::Max => columns.for_each(|(acc, &v)| *acc = larger(*acc, v)),
                    PoolKind::Avg => columns.for_each(|(acc, &v)| *acc += v),
                }
            }
            for (j, out) in line_out.iter_mut().enumerate() {
                let window = line[j * s..][..k].iter().copied();
                *out = match self.kind {
                    PoolKind::Max => window.fold(f32::NEG_INFINITY, larger),
                    PoolKind::Avg => window.sum::<f32>() * scale,
                };
            }
        }
        if relu {
            Activation::Relu.apply(dst);
        }
    }

    /// Max pooling of one sample laid out channel-last: src [H * W, C] (a
    /// pixel's channels together) into dst [OH * OW, C], with `column` holding
    /// at least C floats. Each window is compared in the order `plane`
    /// compares it (down each column, then across): the same values.
    pub fn max_channels_last(&self, src: &[f32], channels: usize, dst: &mut [f32], column: &mut [f32]) {
        let (k, s, width) = (self.kernel, self.stride, self.input.width);
        let column = &mut column[..channels];
        let max = |acc: &mut [f32], v: &[f32]| acc.iter_mut().zip(v).for_each(|(a, &v)| *a = larger(*a, v));
        for (at, out) in dst.chunks_exact_mut(channels).enumerate() {
            let (i, j) = (at / self.output.width * s, at % self.output.width * s);
            for v in 0..k {
                let pixel = |u: usize| &src[((i + u) * width + j + v) * channels..][..channels];
                column.copy_from_slice(pixel(0));
                (1..k).for_each(|u| max(column, pixel(u)));
                if v == 0 {
                    out.copy_from_slice(column);
                } else {
                    max(out, column);
                }
            }
        }
    }

    /// Writes dx (no parameters to update).
    pub fn backward(&self, x: ArrayView4<f32>, dy: ArrayView4<f32>, mut dx: ArrayViewMut4<f32>) {
        let x = x.as_slice().expect("activations are contiguous");
        let dy = dy.as_slice().expect("activations are contiguous");
        let dx = dx.as_slice_mut().expect("activations are contiguous");
        let (in_plane, out_plane) = (self.input.height * self.input.width, self.output.height * self.output.width);
        let planes = x.chunks_exact(in_plane).zip(dx.chunks_exact_mut(in_plane)).zip(dy.chunks_exact(out_plane));
        let fours = self.kind == PoolKind::Avg || self.output.width >= 4;
        if self.kernel == 2 && self.stride == 2 && fours {
            return planes.for_each(|((x, dx), dy)| self.pairs_backward(x, dy, dx));
        }
        for ((x, dx), dy) in planes {
            self.windows_backward(x, dy, dx);
        }
    }

    /// Backward for one plane, window by window: dx is zeroed, then each
    /// window's gradient added to its inputs.
    fn windows_backward(&self, src: &[f32], grad_out: &[f32], grad_in: &mut [f32]) {
        grad_in.fill(0.0);
        let scale = 1.0 / (self.kernel * self.kernel) as f32;
        for (i, grads) in grad_out.chunks_exact(self.output.width).enumerate() {
            for (j, &g) in grads.iter().enumerate() {
                // The top-left corner of the window under output (i, j).
                let corner = (i * self.input.width + j) * self.stride;
                match self.kind {
                    PoolKind::Max => grad_in[self.argmax(src, corner)] += g,
                    PoolKind::Avg => self.window(corner).for_each(|at| grad_in[at] += g * scale),
                }
            }
        }
    }

    /// Backward for one plane of 2 x 2 windows at stride 2 (LeNet's S2 and
    /// S4): the windows do not overlap, so each input's gradient is written
    /// once, and zero in a last row or column that no window covers. Max
    /// takes four windows at a time (`max_backward_four`; at least 4 to a row).
    fn pairs_backward(&self, x: &[f32], dy: &[f32], dx: &mut [f32]) {
        let (width, ow) = (self.input.width, self.output.width);
        let rows = x.chunks_exact(2 * width).zip(dx.chunks_exact_mut(2 * width)).zip(dy.chunks_exact(ow));
        for ((x, dx), dy) in rows {
            match self.kind {
                PoolKind::Max => {
                    // Whole fours, then the last 4 again if ow is not a multiple
                    // of 4 (the overlap is written twice with the same values).
                    let last = (ow % 4 != 0).then_some(ow - 4);
                    for at in (0..ow - 3).step_by(4).chain(last) {
                        // Safety: windows at..at + 4 <= ow lie inside both rows,
                        // and dy holds ow values.
                        unsafe { max_backward_four((x.as_ptr(), dx.as_mut_ptr()), dy.as_ptr().add(at), width, at) };
                    }
                }
                PoolKind::Avg => {
                    let (dtop, dbottom) = dx.split_at_mut(width);
                    let grads = dtop.chunks_exact_mut(2).zip(dbottom.chunks_exact_mut(2));
                    grads.zip(dy).for_each(|((dtop, dbottom), &g)| {
                        let share = g * 0.25;
                        [dtop[0], dtop[1], dbottom[0], dbottom[1]] = [share; 4];
                    });
                }
            }
            if width % 2 == 1 {
                [dx[width - 1], dx[2 * width - 1]] = [0.0; 2];
            }
        }
        dx[2 * self.output.height * width..].fill(0.0);
    }

    /// Offsets into one input plane of the window whose top-left corner is at `corner`.
    fn window(&self, corner: usize) -> impl Iterator<Item = usize> + '_ {
        let width = self.input.width;
        (0..self.kernel).flat_map(move |u| (0..self.kernel).map(move |v| corner + u * width + v))
    }

    /// Offset of the first largest value in the window (NaN never wins).
    fn argmax(&self, plane: &[f32], corner: usize) -> usize {
        if self.kernel == 2 {
            // LeNet's pools, without the iterator: the same order, so the same winner.
            let width = self.input.width;
            return [corner + 1, corner + width, corner + width + 1].into_iter().fold(corner, |best, at| {
                if plane[at] > plane[best] {
                    at
                } else {
                    best
                }
            });
        }
        let mut window = self.window(corner);
        let first = window.next().expect("windows are never empty");
        window.fold(first, |best, at| if plane[at] > plane[best] { at } else { best })
    }
}

/// The larger of the two, `m` when they tie: the first largest value wins,
/// as in `argmax` (inputs are finite).
#[inline(always)]
fn larger(m: f32, v: f32) -> f32 {
    if v > m {
        v
    } else {
        m
    }
}

/// Max pooling's backward for the four 2 x 2 windows from window `at` of
/// a pair of rows `width` apart (x, and dx to write), `dy` their outputs'
/// gradients: each window's gradient goes to its first largest value, as
/// `argmax` picks, without a branch (branches were mispredicted at every
/// edge of the ink). `rest` is the gradient until a value takes it, and
/// 0.0 after (g - g).
/// Safety: windows at..at + 4 lie inside both rows, and dy holds 4 values.
#[inline(always)]
unsafe fn max_backward_four((x, dx): (*const f32, *mut f32), dy: *const f32, width: usize, at: usize) {
    let (top, bottom) = (x.add(2 * at), x.add(2 * at + width));
    let (a, b) = F32x4::load(top).deinterleave(F32x4::load(top.add(4)));
    let (c, d) = F32x4::load(bottom).deinterleave(F32x4::load(bottom.add(4)));
    let largest = a.max(b).max(c.max(d));
    let mut rest = F32x4::load(dy);
    let mut take = |v: F32x4| {
        let t = rest.where_equal(v, largest);
        rest = rest.sub(t);
        t
    };
    let (ta, tb, tc) = (take(a), take(b), take(c));
    let (dtop, dbottom) = (dx.add(2 * at), dx.add(2 * at + width));
    let (first, second) = ta.zip(tb);
    first.store(dtop);
    second.store(dtop.add(4));
    let (first, second) = tc.zip(rest);
    first.store(dbottom);
    second.store(dbottom.add(4));
}

/// 2 x 2 windows at stride 2 over a plane whose rows are `row_stride` apart
/// into `dst`'s rows of `ow` values, 4 at a time (the last 4 of a row may
/// overlap the ones before), then a ReLU if `relu`: LeNet's S2 and S4. The
/// same order as the general path: down the columns first, then across.
fn pairs(src: &[f32], row_stride: usize, (dst, ow): (&mut [f32], usize), (kind, relu): (PoolKind, bool)) {
    // A loop for each kind, chosen once per plane: with the kind tested
    // inside the loop, S2 took about twice as long in wasm, and chosen once
    // per row, about a third longer.
    let zero = F32x4::splat(0.0);
    match kind {
        // zero.max(v) is v where v > 0, else 0.0: `Activation::Relu`'s values.
        PoolKind::Max if relu => {
            pairs_with(src, row_stride, (dst, ow), F32x4::max, |even, odd| zero.max(even.max(odd)))
        }
        PoolKind::Max => pairs_with(src, row_stride, (dst, ow), F32x4::max, F32x4::max),
        PoolKind::Avg => {
            pairs_with(src, row_stride, (dst, ow), F32x4::add, |even, odd| even.add(odd).mul(F32x4::splat(0.25)));
            if relu {
                Activation::Relu.apply(dst);
            }
        }
    }
}

/// `pairs`, with `down` joining a value to the one below it and `across` the two columns of a window.
#[inline(always)]
fn pairs_with(
    src: &[f32],
    row_stride: usize,
    (dst, ow): (&mut [f32], usize),
    down: impl Fn(F32x4, F32x4) -> F32x4,
    across: impl Fn(F32x4, F32x4) -> F32x4,
) {
    assert!(ow >= 4 && dst.len() % ow == 0, "pairs: whole rows of 4 outputs or more");
    let rows = dst.len() / ow;
    assert!(rows == 0 || (2 * rows - 1) * row_stride + 2 * ow <= src.len(), "pairs: 2 input rows per output row");
    for (i, out) in dst.chunks_exact_mut(ow).enumerate() {
        // Safety (at + 4 <= ow): both rows hold 2 ow values from top, by the assert above.
        let top = unsafe { src.as_ptr().add(2 * i * row_stride) };
        let mut four = |at: usize| unsafe {
            let (top, bottom) = (top.add(2 * at), top.add(2 * at + row_stride));
            let column = |d: usize| down(F32x4::load(top.add(d)), F32x4::load(bottom.add(d)));
            let (even, odd) = column(0).deinterleave(column(4));
            across(even, odd).store(out.as_mut_ptr().add(at));
        };
        // Whole fours, then the last 4 if ow is not a multiple of 4 (the
        // loop's addresses step evenly: with each step's start clamped, V8
        // computed every address anew).
        for at in (0..ow - 3).step_by(4) {
            four(at);
        }
        if ow % 4 != 0 {
            four(ow - 4);
        }
    }
}

#[cfg(test)]
mod tests {
    // In wasm (`make wasm-test`, both builds) these run with SIMD128 lanes.
    use super::*;
    use crate::layers::testing::check_gradients;
    use crate::layers::Params;
    use ndarray::Array4;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn layer(kind: PoolKind, c: usize, h: usize, w: usize, k: usize, s: usize) -> Pool2d {
        let output = Shape::new(c, (h - k) / s + 1, (w - k) / s + 1);
        Pool2d { kind, input: Shape::new(c, h, w), output, kernel: k, stride: s }
    }

    /// Distinct values 0.01 apart in shuffled order, so a finite-difference
    /// nudge of 1e-3 never changes which input is a window's maximum.
    fn shuffled(shape: (usize, usize, usize, usize), seed: u64) -> Array4<f32> {
        let len = shape.0 * shape.1 * shape.2 * shape.3;
        let mut values: Vec<f32> = (0..len).map(|i| i as f32 * 0.01 - 0.5).collect();
        fastrand::Rng::with_seed(seed).shuffle(&mut values);
        Array4::from_shape_vec(shape, values).unwrap()
    }

    #[test]
    fn two_by_two_windows() {
        let x = Array4::from_shape_vec((1, 1, 2, 4), vec![1.0, 5.0, -2.0, -1.0, 3.0, 2.0, -4.0, -3.0]).unwrap();
        for (kind, expected) in [(PoolKind::Max, [5.0, -1.0]), (PoolKind::Avg, [2.75, -2.5])] {
            let pool = layer(kind, 1, 2, 4, 2, 2);
            let mut y = Array4::zeros((1, 1, 1, 2));
            pool.forward(x.view(), y.view_mut(), &mut Scratch::default());
            assert_eq!(y.as_slice().unwrap(), expected, "{kind:?}");
        }
    }

    /// Every kernel and stride (2x2/2 takes its own 4-lane path) against the
    /// definition, window by window.
    #[test]
    fn matches_the_definition_on_random_shapes() {
        let mut rng = fastrand::Rng::with_seed(9);
        for case in 0..60 {
            let (k, s) = if case % 2 == 0 { (2, 2) } else { (rng.usize(1..=3), rng.usize(1..=3)) };
            let (h, w) = (rng.usize(k..=20), rng.usize(k..=20));
            let x = shuffled((2, 2, h, w), case);
            for kind in [PoolKind::Max, PoolKind::Avg] {
                let pool = layer(kind, 2, h, w, k, s);
                let mut y = Array4::zeros((2, 2, pool.output.height, pool.output.width));
                pool.forward(x.view(), y.view_mut(), &mut Scratch::default());
                for ((n, c, i, j), &out) in y.indexed_iter() {
                    let window = x.slice(ndarray::s![n, c, i * s..i * s + k, j * s..j * s + k]);
                    let expected = match kind {
                        PoolKind::Max => window.fold(f32::NEG_INFINITY, |m, &v| m.max(v)),
                        PoolKind::Avg => window.sum() / (k * k) as f32,
                    };
                    assert!(
                        (out - expected).abs() < 1e-6,
                        "case {case} {kind:?} k={k} s={s} {h}x{w}: {out} vs {expected}"
                    );
                }
            }
        }
    }

    /// 2 x 2 windows at stride 2 give the same gradients, bit for bit, as
    /// window by window, with ties (ReLU's zeros): the same winners.
    #[test]
    fn pairs_backward_matches_windows_backward() {
        let mut rng = fastrand::Rng::with_seed(3);
        for (h, w) in [(28, 28), (10, 10), (7, 9), (9, 11)] {
            let x: Vec<f32> = (0..h * w).map(|_| rng.usize(0..3) as f32).collect();
            for kind in [PoolKind::Max, PoolKind::Avg] {
                let pool = layer(kind, 1, h, w, 2, 2);
                let dy: Vec<f32> = (0..pool.output.len()).map(|_| rng.f32() - 0.5).collect();
                let (mut pairs, mut windows) = (vec![f32::NAN; h * w], vec![f32::NAN; h * w]);
                pool.pairs_backward(&x, &dy, &mut pairs);
                pool.windows_backward(&x, &dy, &mut windows);
                assert_eq!(pairs, windows, "{kind:?} {h}x{w}");
            }
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        for kind in [PoolKind::Max, PoolKind::Avg] {
            // 2x2/2 as in LeNet (and on odd sides; from 4 windows a row in
            // fours), overlapping 3x3/2, and 2x2/3 with gaps.
            let shapes = [(2, 6, 6, 2, 2), (1, 7, 5, 2, 2), (1, 9, 11, 2, 2), (2, 7, 5, 3, 2), (1, 8, 7, 2, 3)];
            for (c, h, w, k, s) in shapes {
                let pool = layer(kind, c, h, w, k, s);
                let out = (2, c, pool.output.height, pool.output.width);
                check_gradients(
                    &format!("{kind:?} pool k={k} s={s}"),
                    shuffled((2, c, h, w), 5),
                    Params::empty(),
                    out,
                    |x, _, y| pool.forward(x, y, &mut Scratch::default()),
                    |x, _, dy, dx, _| pool.backward(x, dy, dx),
                );
            }
        }
    }
}
