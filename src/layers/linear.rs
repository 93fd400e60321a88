//! Fully connected layer (PyTorch's `Linear`, Keras' `Dense`): LeNet's F6 and
//! the output layer.
//!
//! Forward:  y = x . W^T + b
//! Backward: dW += dy^T . x,  db += column sums of dy,  dx = dy . W
//!
//! Shapes: x [N, IN] (a flat activation [N, IN, 1, 1]), W [OUT, IN] (PyTorch's
//! layout), b [OUT], y [N, OUT].

use std::array::from_fn;

use ndarray::{ArrayView4, ArrayViewMut4};

use super::derived::Form;
use super::{Params, Scratch};
use crate::kernels::gemm::{gemm, Mat, Start};
use crate::kernels::lanes::F32x4;

#[derive(Debug, Clone)]
pub struct Linear {
    pub params: Params,
}

impl Linear {
    pub fn in_features(&self) -> usize {
        self.params.weight().ncols()
    }

    fn out_features(&self) -> usize {
        self.params.weight().nrows()
    }

    pub fn forward(&self, x: ArrayView4<f32>, mut y: ArrayViewMut4<f32>, scratch: &mut Scratch) {
        let x = x.as_slice().expect("activations are contiguous");
        let y = y.as_slice_mut().expect("activations are contiguous");
        affine(x, &self.params, y, scratch);
    }

    pub fn backward(
        &self,
        x: ArrayView4<f32>,
        dy: ArrayView4<f32>,
        dx: Option<ArrayViewMut4<f32>>,
        grads: &mut Params,
    ) {
        let (inputs, outputs) = (self.in_features(), self.out_features());
        let x = x.as_slice().expect("activations are contiguous");
        let dy = dy.as_slice().expect("activations are contiguous");
        let n = x.len() / inputs;
        let [grad_w, grad_b] = grads.slices_mut();
        gemm(Mat::rows(dy, outputs).t(), Mat::rows(x, inputs), grad_w, inputs, (outputs, inputs, n), Start::Keep);
        for dy in dy.chunks_exact(outputs) {
            grad_b.iter_mut().zip(dy).for_each(|(db, dy)| *db += dy);
        }
        if let Some(dx) = dx {
            let dx = dx.into_slice().expect("activations are contiguous");
            let [weight, _] = self.params.slices();
            gemm(Mat::rows(dy, outputs), Mat::rows(weight, inputs), dx, inputs, (n, inputs, outputs), Start::Zero);
        }
    }
}

/// y [N, OUT] = x [N, IN] . W^T + b with W [OUT, IN]: the linear layer, and
/// a convolution whose kernel covers its whole input (LeNet's C5). Both ways
/// below multiply by W^T (derived once per version of the weights, see
/// derived.rs), lanes along the outputs, each output one sum over the inputs
/// in order, starting from its bias:
/// - a batch (8 inputs or more) as one matrix product;
/// - fewer inputs one at a time, over only those of their inputs that are
///   not zero: after a ReLU, about half of LeNet's. The terms left out are
///   0 * w = +-0, which leave a sum as it is, so a sample gives the same
///   values alone as in a batch.
pub fn affine(x: &[f32], params: &Params, y: &mut [f32], scratch: &mut Scratch) {
    let bias = params.slices()[1];
    let (outputs, inputs) = params.weight().dim();
    let n = x.len() / inputs;
    let weight_t = scratch.derived.get(params, Form::Transposed);
    if n >= 8 {
        let shape = (n, outputs, inputs);
        gemm(Mat::rows(x, inputs), Mat::rows(weight_t, outputs), y, outputs, shape, Start::ColBias(bias));
        return;
    }
    let nonzero = &mut scratch.nonzero;
    nonzero.resize(inputs + 3, Row::default());
    assert!(weight_t.len() == inputs * outputs, "affine: W^T of another shape");
    for (x, y) in x.chunks_exact(inputs).zip(y.chunks_exact_mut(outputs)) {
        let kept = nonzero_rows(x, outputs, nonzero);
        // Safety: the rows' offsets are i * outputs for inputs i < inputs, and
        // W^T holds `inputs` rows of `outputs` floats.
        unsafe { sum_rows(&nonzero[..kept], weight_t, bias, y) };
    }
}

/// An input that is not zero, and where its row of W^T starts.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub(super) struct Row {
    offset: u32,
    value: f32,
}

/// The inputs of `x` that are not zero, with their rows of W^T (`outputs`
/// floats each), written to the front of `rows` (which holds x.len() + 3);
/// returns how many. Without a branch: in wasm 4 inputs at a time (one at a
/// time, the scan took about a seventh of the linear layers' time there),
/// natively one at a time (4 at a time in plain floats, one image took 1.5
/// us longer).
fn nonzero_rows(x: &[f32], outputs: usize, rows: &mut [Row]) -> usize {
    assert!(rows.len() >= x.len() + 3, "nonzero_rows: room for 4 rows past the last input");
    let fits = x.len().max(1).checked_mul(outputs).is_some_and(|floats| u32::try_from(floats).is_ok());
    assert!(fits, "nonzero_rows: W^T's offsets fit in 32 bits");
    let step = outputs as u32;
    let start =
        if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) { by_fours(x, step, rows) } else { (0, 0) };
    one_by_one(x, step, rows, start)
}

/// `nonzero_rows` 4 inputs at a time, as far as whole fours go: each step
/// writes 4 rows, those kept first. Returns the rows kept and the inputs done.
fn by_fours(x: &[f32], step: u32, rows: &mut [Row]) -> (usize, usize) {
    let (mut kept, whole) = (0, x.len() / 4 * 4);
    for i in (0..whole).step_by(4) {
        // Safety: i + 4 <= x.len(), and rows kept..kept + 4 <= i + 4 < rows.len(),
        // 8 bytes each (repr(C): the offset, then the value): two vectors.
        unsafe {
            let values = F32x4::load(x.as_ptr().add(i));
            let mask = values.nonzero();
            let offsets = F32x4::counting(i as u32 * step, step);
            let (first, second) = offsets.compress(mask).zip(values.compress(mask));
            let at = rows.as_mut_ptr().add(kept).cast::<f32>();
            first.store(at);
            second.store(at.add(4));
            kept += mask.count_ones() as usize;
        }
    }
    (kept, whole)
}

/// `nonzero_rows` one input at a time, from input `done` on, after `kept` rows.
fn one_by_one(x: &[f32], step: u32, rows: &mut [Row], (mut kept, done): (usize, usize)) -> usize {
    for (i, &value) in x.iter().enumerate().skip(done) {
        // Safety: kept <= i < rows.len(). (Unchecked: a bounds check here
        // slowed LeNet's one-image predict in Node.)
        unsafe { *rows.get_unchecked_mut(kept) = Row { offset: i as u32 * step, value } };
        kept += usize::from(value != 0.0);
    }
    kept
}

/// y = b + the sum over `rows` of x_i W^T[i, :] (each given as the offset of
/// its row and x_i): 24 outputs at a time in registers, then 8, then 4, the
/// last few as 4 overlapping the ones before (as `gemm` does, so the sums
/// are the same), or one at a time if there are fewer than 4.
/// Safety: every row's offset + y.len() <= weight_t.len(). (Not checked
/// here: V8 checks its stack at each step of a loop that may stop early,
/// which made a check per row cost more than the row.)
unsafe fn sum_rows(rows: &[Row], weight_t: &[f32], bias: &[f32], y: &mut [f32]) {
    // Natively, compiled for AVX2 when the processor has it, as `gemm`'s kernels are (the same bits).
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // Safety: the processor has AVX2, and the rows are inside W^T.
        return sum_rows_avx2(rows, weight_t, bias, y);
    }
    sum_rows_body(rows, weight_t, bias, y)
}

/// Safety: the processor has AVX2, and as for [`sum_rows`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn sum_rows_avx2(rows: &[Row], weight_t: &[f32], bias: &[f32], y: &mut [f32]) {
    sum_rows_body(rows, weight_t, bias, y)
}

/// Safety: as for [`sum_rows`].
#[cfg_attr(target_arch = "x86_64", inline(always))]
unsafe fn sum_rows_body(rows: &[Row], weight_t: &[f32], bias: &[f32], y: &mut [f32]) {
    let outputs = y.len();
    assert!(bias.len() == outputs, "sum_rows: a bias per output");
    let mut j = 0;
    // Safety (every tile): j + 4 NV <= outputs, and each row holds `outputs` floats (the caller's promise).
    while j + 24 <= outputs {
        unsafe { sum_tile::<6>(rows, weight_t, bias, y, j) };
        j += 24;
    }
    while j + 8 <= outputs {
        unsafe { sum_tile::<2>(rows, weight_t, bias, y, j) };
        j += 8;
    }
    if j + 4 <= outputs {
        unsafe { sum_tile::<1>(rows, weight_t, bias, y, j) };
        j += 4;
    }
    if j < outputs && outputs >= 4 {
        unsafe { sum_tile::<1>(rows, weight_t, bias, y, outputs - 4) };
        j = outputs;
    }
    for j in j..outputs {
        y[j] = rows.iter().fold(bias[j], |sum, row| sum + row.value * weight_t[row.offset as usize + j]);
    }
}

/// y[j..j + 4 NV] of [`sum_rows`].
/// Safety: j + 4 NV <= y.len() = bias.len(), and every row holds y.len() floats of W^T.
#[inline(always)]
unsafe fn sum_tile<const NV: usize>(rows: &[Row], weight_t: &[f32], bias: &[f32], y: &mut [f32], j: usize) {
    let mut acc: [F32x4; NV] = from_fn(|v| F32x4::load(bias.as_ptr().add(j + 4 * v)));
    for row in rows {
        let (x, w) = (F32x4::splat(row.value), weight_t.as_ptr().add(row.offset as usize + j));
        for (v, acc) in acc.iter_mut().enumerate() {
            *acc = acc.mul_add(x, F32x4::load(w.add(4 * v)));
        }
    }
    for (v, acc) in acc.iter().enumerate() {
        acc.store(y.as_mut_ptr().add(j + 4 * v));
    }
}

#[cfg(test)]
mod tests {
    // In wasm (`make wasm-test`, both builds) these run with SIMD128 lanes.
    use super::*;
    use crate::layers::testing::{check_gradients, random_array};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = fastrand::Rng::with_seed(8);
        let layer = Linear { params: Params::new(random_array(&mut rng, (4, 6)), random_array(&mut rng, 4)) };
        let x = random_array(&mut rng, (3, 6, 1, 1));
        check_gradients(
            "linear",
            x,
            layer.params.clone(),
            (3, 4, 1, 1),
            |x, p, y| Linear { params: p.clone() }.forward(x, y, &mut Scratch::default()),
            |x, p, dy, dx, g| Linear { params: p.clone() }.backward(x, dy, Some(dx), g),
        );
    }

    /// Batches of 8 or more run as one product, fewer inputs one at a time
    /// over their inputs that are not zero (here about half): both match the
    /// definition, and give each row the same bits. 45 outputs take every
    /// tile of `sum_rows` (24, 8, 4 and 4 overlapping), 3 the single ones.
    #[test]
    fn single_inputs_and_batches_match_the_definition() {
        let mut rng = fastrand::Rng::with_seed(3);
        for outputs in [13, 45, 3] {
            let params = Params::new(random_array(&mut rng, (outputs, 37)), random_array(&mut rng, outputs));
            let mut x = random_array(&mut rng, (20, 37, 1, 1));
            x.mapv_inplace(|v| if v < 0.0 { 0.0 } else { v });
            let (x, w, b) = (x.as_slice().unwrap(), params.weight(), params.bias());
            let row = |x: &[f32], o: usize| (0..37).map(|i| w[[o, i]] * x[i]).sum::<f32>() + b[o];
            let expected: Vec<f32> = x.chunks(37).flat_map(|x| (0..outputs).map(move |o| row(x, o))).collect();
            let mut batch = vec![0.0; 20 * outputs];
            affine(x, &params, &mut batch, &mut Scratch::default());
            for n in [1, 5, 8, 20] {
                let mut y = vec![0.0; n * outputs];
                affine(&x[..n * 37], &params, &mut y, &mut Scratch::default());
                for (a, b) in y.iter().zip(&expected) {
                    assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{outputs} outputs, batch of {n}: {a} vs {b}");
                }
                assert_eq!(y, batch[..n * outputs], "{outputs} outputs: the first {n} rows alone and in a batch of 20");
            }
        }
    }

    /// The rows kept are the inputs that are not +-0.0, in order, with their
    /// offsets, whatever the length: one at a time, and 4 at a time (the wasm
    /// build's way) then one at a time.
    #[test]
    fn nonzero_rows_lists_the_inputs_that_are_not_zero() {
        let mut rng = fastrand::Rng::with_seed(4);
        for len in 0..14 {
            let x: Vec<f32> = (0..len).map(|_| [0.0, -0.0, 1.5, -2.0, f32::NAN][rng.usize(..5)]).collect();
            let expected: Vec<(u32, u32)> =
                x.iter().enumerate().filter(|(_, v)| **v != 0.0).map(|(i, v)| (9 * i as u32, v.to_bits())).collect();
            for way in ["one by one", "by fours"] {
                let mut rows = vec![Row::default(); len + 3];
                let start = if way == "by fours" { by_fours(&x, 9, &mut rows) } else { (0, 0) };
                let kept = one_by_one(&x, 9, &mut rows, start);
                let got: Vec<(u32, u32)> = rows[..kept].iter().map(|row| (row.offset, row.value.to_bits())).collect();
                assert_eq!(got, expected, "{way}: {x:?}");
            }
        }
    }

    /// W^T is kept between calls, and made again when the weights change
    /// where they are (as a training step changes them).
    #[test]
    fn sees_weights_change_in_place() {
        let mut rng = fastrand::Rng::with_seed(4);
        let mut params = Params::new(random_array(&mut rng, (10, 12)), random_array(&mut rng, 10));
        let x = random_array(&mut rng, (8, 12, 1, 1));
        let x = x.as_slice().unwrap();
        let mut scratch = Scratch::default();
        for step in 0..3 {
            let (w, b) = (params.weight(), params.bias());
            let expected: Vec<f32> = x
                .chunks(12)
                .flat_map(|x| (0..10).map(move |o| (0..12).map(|i| w[[o, i]] * x[i]).sum::<f32>() + b[o]))
                .collect();
            for n in [1, 8] {
                let mut y = vec![0.0; n * 10];
                affine(&x[..n * 12], &params, &mut y, &mut scratch);
                for (a, b) in y.iter().zip(&expected) {
                    assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "step {step}, batch of {n}: {a} vs {b}");
                }
            }
            params.slices_mut()[0].iter_mut().for_each(|w| *w = *w * 0.5 - 0.01);
        }
    }

    #[test]
    fn computes_x_wt_plus_b() {
        let layer = Linear {
            params: Params::new(
                ndarray::arr2(&[[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]]),
                ndarray::arr1(&[0.5, 0.0, -1.0]),
            ),
        };
        let x = ndarray::Array4::from_shape_vec((1, 2, 1, 1), vec![2.0, 4.0]).unwrap();
        let mut y = ndarray::Array4::zeros((1, 3, 1, 1));
        layer.forward(x.view(), y.view_mut(), &mut Scratch::default());
        assert_eq!(y.as_slice().unwrap(), [10.5, -4.0, 7.0]);
    }
}
