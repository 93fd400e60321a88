//! Element-wise activations, each its own layer so that the page can show the
//! maps before and after them.
//!
//!   ReLU:    y = max(x, 0)          dx = dy * [y > 0]
//!   tanh:    y = tanh(x)            dx = dy * (1 - y^2)
//!   sigmoid: y = 1 / (1 + e^-x)     dx = dy * y * (1 - y)
//!
//! Backward needs only the output y. Shapes: any; y and dx have x's shape.

use ndarray::{ArrayView4, ArrayViewMut4};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Relu,
    Tanh,
    Sigmoid,
}

impl Activation {
    pub fn forward(self, x: ArrayView4<f32>, mut y: ArrayViewMut4<f32>) {
        let x = x.as_slice().expect("activations are contiguous");
        let y = y.as_slice_mut().expect("activations are contiguous");
        self.map(y.iter_mut().zip(x.iter().copied()));
    }

    /// The activation in place.
    pub fn apply(self, values: &mut [f32]) {
        self.map(values.iter_mut().map(|v| {
            let x = *v;
            (v, x)
        }));
    }

    /// y = f(x) for each (y, x).
    #[inline(always)]
    fn map<'a>(self, pairs: impl Iterator<Item = (&'a mut f32, f32)>) {
        match self {
            // A compare and select (not f32::max, whose NaN rule keeps wasm from vectorizing it).
            Activation::Relu => pairs.for_each(|(y, x)| *y = if x > 0.0 { x } else { 0.0 }),
            Activation::Tanh => pairs.for_each(|(y, x)| *y = x.tanh()),
            Activation::Sigmoid => pairs.for_each(|(y, x)| *y = 1.0 / (1.0 + (-x).exp())),
        }
    }

    /// Writes dx from the layer's output y and the incoming gradient dy.
    pub fn backward(self, y: ArrayView4<f32>, dy: ArrayView4<f32>, mut dx: ArrayViewMut4<f32>) {
        let y = y.as_slice().expect("activations are contiguous");
        let dy = dy.as_slice().expect("activations are contiguous");
        let dx = dx.as_slice_mut().expect("activations are contiguous");
        let triples = dx.iter_mut().zip(y.iter().zip(dy));
        match self {
            Activation::Relu => triples.for_each(|(dx, (&y, &dy))| *dx = if y > 0.0 { dy } else { 0.0 }),
            Activation::Tanh => triples.for_each(|(dx, (&y, &dy))| *dx = dy * (1.0 - y * y)),
            Activation::Sigmoid => triples.for_each(|(dx, (&y, &dy))| *dx = dy * y * (1.0 - y)),
        }
    }
}

#[cfg(test)]
mod tests {
    // In wasm (`make wasm-test`, both builds) these run with SIMD128 lanes.
    use super::*;
    use crate::layers::testing::{check_gradients, random_array};
    use crate::layers::Params;
    use ndarray::Array4;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn values() {
        let x = Array4::from_shape_vec((1, 1, 1, 3), vec![-2.0f32, 0.0, 3.0]).unwrap();
        let run = |a: Activation| {
            let mut y = Array4::zeros((1, 1, 1, 3));
            a.forward(x.view(), y.view_mut());
            y.into_raw_vec_and_offset().0
        };
        assert_eq!(run(Activation::Relu), vec![0.0, 0.0, 3.0]);
        assert_eq!(run(Activation::Tanh), vec![(-2.0f32).tanh(), 0.0, 3.0f32.tanh()]);
        assert_eq!(run(Activation::Sigmoid)[1], 0.5);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = fastrand::Rng::with_seed(4);
        // Keep ReLU's inputs away from its kink at 0.
        let x = random_array(&mut rng, (2, 3, 4, 5)).mapv(|v: f32| if v.abs() < 0.05 { v + 0.1 } else { v });
        for a in [Activation::Relu, Activation::Tanh, Activation::Sigmoid] {
            check_gradients(
                &format!("{a:?}"),
                x.clone(),
                Params::empty(),
                (2, 3, 4, 5),
                |x, _, y| a.forward(x, y),
                |x, _, dy, dx, _| {
                    let mut y = Array4::zeros(x.raw_dim());
                    a.forward(x, y.view_mut());
                    a.backward(y.view(), dy, dx)
                },
            );
        }
    }
}
