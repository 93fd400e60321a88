//! Fully connected layer (PyTorch's `Linear`, Keras' `Dense`): LeNet's F6 and
//! the output layer.
//!
//! Forward:  y = x . W^T + b
//! Backward: dW += dy^T . x,  db += column sums of dy,  dx = dy . W
//!
//! Shapes: x [N, IN] (a flat activation [N, IN, 1, 1]), W [OUT, IN] (PyTorch's
//! layout), b [OUT], y [N, OUT].

use ndarray::{ArrayView4, ArrayViewMut4, Axis};

use super::{matmul, Params};

#[derive(Debug, Clone)]
pub struct Linear {
    pub params: Params,
}

impl Linear {
    pub fn in_features(&self) -> usize {
        self.params.weight.ncols()
    }

    pub fn forward(&self, x: ArrayView4<f32>, y: ArrayViewMut4<f32>) {
        let x = flat(x);
        let mut y = flat_mut(y);
        let dim = y.raw_dim();
        y.assign(&self.params.bias.broadcast(dim).expect("bias has OUT entries"));
        matmul(x, self.params.weight.t(), 1.0, y.view_mut());
    }

    pub fn backward(&self, x: ArrayView4<f32>, dy: ArrayView4<f32>, dx: Option<ArrayViewMut4<f32>>, grads: &mut Params) {
        let (x, dy) = (flat(x), flat(dy));
        matmul(dy.t(), x, 1.0, grads.weight.view_mut());
        grads.bias += &dy.sum_axis(Axis(0));
        if let Some(dx) = dx {
            matmul(dy, self.params.weight.view(), 0.0, flat_mut(dx));
        }
    }
}

/// [N, F, 1, 1] viewed as [N, F].
fn flat(a: ArrayView4<f32>) -> ndarray::ArrayView2<f32> {
    let n = a.len_of(Axis(0));
    let len = a.len();
    a.into_shape_with_order((n, len / n.max(1))).expect("activations are contiguous")
}

fn flat_mut(a: ArrayViewMut4<f32>) -> ndarray::ArrayViewMut2<f32> {
    let n = a.len_of(Axis(0));
    let len = a.len();
    a.into_shape_with_order((n, len / n.max(1))).expect("activations are contiguous")
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
