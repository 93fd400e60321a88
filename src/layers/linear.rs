//! Fully connected layer (PyTorch's `Linear`, Keras' `Dense`): LeNet's F6 and
//! the output layer.
//!
//! Forward:  y = x . W^T + b
//! Backward: dW += dy^T . x,  db += column sums of dy,  dx = dy . W
//!
//! Shapes: x [N, IN] (a flat activation [N, IN, 1, 1]), W [OUT, IN] (PyTorch's
//! layout), b [OUT], y [N, OUT].

use ndarray::{ArrayView4, ArrayViewMut4};

use super::gemm::{gemm, Mat, Start};
use super::Params;

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

    pub fn forward(&self, x: ArrayView4<f32>, mut y: ArrayViewMut4<f32>) {
        let (inputs, outputs) = (self.in_features(), self.out_features());
        let [weight, bias] = self.params.slices();
        let x = x.as_slice().expect("activations are contiguous");
        let n = x.len() / inputs;
        let y = y.as_slice_mut().expect("activations are contiguous");
        gemm(Mat::rows(x, inputs), Mat::rows(weight, inputs).t(), y, outputs, (n, outputs, inputs), Start::ColBias(bias));
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
            |x, p, y| Linear { params: p.clone() }.forward(x, y),
            |x, p, dy, dx, g| Linear { params: p.clone() }.backward(x, dy, Some(dx), g),
        );
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
        layer.forward(x.view(), y.view_mut());
        assert_eq!(y.as_slice().unwrap(), [10.5, -4.0, 7.0]);
    }
}
