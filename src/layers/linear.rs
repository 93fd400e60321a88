//! Fully connected layer (PyTorch's `Linear`, Keras' `Dense`): LeNet's F6 and
//! the output layer.
//!
//! Forward:  y = x . W^T + b
//! Backward: dW += dy^T . x,  db += column sums of dy,  dx = dy . W
//!
//! Shapes: x [N, IN] (a flat activation [N, IN, 1, 1]), W [OUT, IN] (PyTorch's
//! layout), b [OUT], y [N, OUT].

use ndarray::{ArrayView4, ArrayViewMut4};

use super::gemm::{gemm, transpose, Mat, Start};
use super::{Params, Scratch};

#[derive(Debug, Clone)]
pub struct Linear {
    pub params: Params,
}

impl Linear {
    pub fn in_features(&self) -> usize {
        self.params.weight.ncols()
    }

    fn out_features(&self) -> usize {
        self.params.weight.nrows()
    }

    pub fn forward(&self, x: ArrayView4<f32>, mut y: ArrayViewMut4<f32>, scratch: &mut Scratch) {
        let x = x.as_slice().expect("activations are contiguous");
        let y = y.as_slice_mut().expect("activations are contiguous");
        affine(x, &self.params, y, scratch);
    }

    pub fn backward(&self, x: ArrayView4<f32>, dy: ArrayView4<f32>, dx: Option<ArrayViewMut4<f32>>, grads: &mut Params) {
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
            let weight = self.params.weight.as_slice().expect("contiguous");
            gemm(Mat::rows(dy, outputs), Mat::rows(weight, inputs), dx, inputs, (n, inputs, outputs), Start::Zero);
        }
    }
}

/// y [N, OUT] = x [N, IN] . W^T + b with W [OUT, IN]: the linear layer, and
/// a convolution whose kernel covers its whole input (LeNet's C5).
/// - A batch (8 inputs or more) multiplies by W^T copied out (OUT x IN
///   floats, a small cost spread over the batch), so that lanes run along
///   the outputs: each output is one sum over the inputs, in order.
/// - Fewer inputs take dot products of x with W's rows, in 4 lanes summed at
///   the end: no copy, and 6 rows at a time for a single input.
///
/// The two add in different orders: a batch's outputs can differ from the
/// same inputs' one at a time in the last bits.
pub fn affine(x: &[f32], params: &Params, y: &mut [f32], scratch: &mut Scratch) {
    let [weight, bias] = params.slices();
    let (outputs, inputs) = params.weight.dim();
    let n = x.len() / inputs;
    if n < 8 {
        gemm(Mat::rows(x, inputs), Mat::rows(weight, inputs).t(), y, outputs, (n, outputs, inputs), Start::ColBias(bias));
        return;
    }
    let (weight_t, _) = scratch.split(weight.len(), 0);
    transpose(weight, (outputs, inputs), weight_t);
    gemm(Mat::rows(x, inputs), Mat::rows(weight_t, outputs), y, outputs, (n, outputs, inputs), Start::ColBias(bias));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testing::{check_gradients, random_array};

    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = fastrand::Rng::with_seed(8);
        let layer = Linear { params: Params { weight: random_array(&mut rng, (4, 6)), bias: random_array(&mut rng, 4) } };
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

    /// Batches of 8 or more take the copied-out W^T; both ways match the
    /// definition, and a batch's rows do not depend on the batch size.
    #[test]
    fn single_inputs_and_batches_match_the_definition() {
        let mut rng = fastrand::Rng::with_seed(3);
        let params = Params { weight: random_array(&mut rng, (13, 37)), bias: random_array(&mut rng, 13) };
        let x = random_array(&mut rng, (20, 37, 1, 1));
        let (x, p) = (x.as_slice().unwrap(), &params);
        let expected: Vec<f32> =
            x.chunks(37).flat_map(|x| (0..13).map(move |o| (0..37).map(|i| p.weight[[o, i]] * x[i]).sum::<f32>() + p.bias[o])).collect();
        for n in [1, 5, 8, 20] {
            let mut y = vec![0.0; n * 13];
            affine(&x[..n * 37], &params, &mut y, &mut Scratch::default());
            for (a, b) in y.iter().zip(&expected) {
                assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "batch of {n}: {a} vs {b}");
            }
            if n >= 8 {
                let mut first = vec![0.0; 8 * 13];
                affine(&x[..8 * 37], &params, &mut first, &mut Scratch::default());
                assert_eq!(first, y[..8 * 13], "the first 8 rows alone and in a batch of {n}");
            }
        }
    }

    #[test]
    fn computes_x_wt_plus_b() {
        let layer = Linear {
            params: Params {
                weight: ndarray::arr2(&[[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]]),
                bias: ndarray::arr1(&[0.5, 0.0, -1.0]),
            },
        };
        let x = ndarray::Array4::from_shape_vec((1, 2, 1, 1), vec![2.0, 4.0]).unwrap();
        let mut y = ndarray::Array4::zeros((1, 3, 1, 1));
        layer.forward(x.view(), y.view_mut(), &mut Scratch::default());
        assert_eq!(y.as_slice().unwrap(), [10.5, -4.0, 7.0]);
    }
}
