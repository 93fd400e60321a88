//! Test helpers shared by the layer tests: seeded random arrays and a
//! finite-difference gradient check.

use ndarray::{Array, Array4, ArrayView4, ArrayViewMut4, Dimension, ShapeBuilder};

use super::Params;

/// Uniform values in [-1, 1), seeded.
pub fn random_array<Sh, D>(rng: &mut fastrand::Rng, shape: Sh) -> Array<f32, D>
where
    Sh: ShapeBuilder<Dim = D>,
    D: Dimension,
{
    Array::from_shape_simple_fn(shape, || rng.f32() * 2.0 - 1.0)
}

/// Checks `backward` against central differences of the scalar
/// L = sum(y * r) for a fixed random r, for every input and parameter entry.
/// `params` may be empty (a layer without weights).
pub fn check_gradients(
    what: &str,
    x: Array4<f32>,
    params: Params,
    out_shape: (usize, usize, usize, usize),
    forward: impl Fn(ArrayView4<f32>, &Params, ArrayViewMut4<f32>),
    backward: impl Fn(ArrayView4<f32>, &Params, ArrayView4<f32>, ArrayViewMut4<f32>, &mut Params),
) {
    let mut rng = fastrand::Rng::with_seed(99);
    let r: Array4<f32> = random_array(&mut rng, out_shape);
    let loss = |x: &Array4<f32>, params: &Params| -> f64 {
        let mut y = Array4::zeros(out_shape);
        forward(x.view(), params, y.view_mut());
        y.iter().zip(r.iter()).map(|(&a, &b)| a as f64 * b as f64).sum()
    };
    let mut dx = Array4::from_elem(x.raw_dim(), f32::NAN);
    let mut grads = params.zeros_like();
    backward(x.view(), &params, r.view(), dx.view_mut(), &mut grads);

    let eps = 1e-3f32;
    let close = |numeric: f64, analytic: f32| (numeric - analytic as f64).abs() <= 2e-3 + 1e-2 * numeric.abs();
    for i in 0..x.len() {
        let mut plus = x.clone();
        let mut minus = x.clone();
        plus.as_slice_mut().unwrap()[i] += eps;
        minus.as_slice_mut().unwrap()[i] -= eps;
        let numeric = (loss(&plus, &params) - loss(&minus, &params)) / (2.0 * eps as f64);
        let analytic = dx.as_slice().unwrap()[i];
        assert!(close(numeric, analytic), "{what}: d/dx[{i}] numeric {numeric} analytic {analytic}");
    }
    for (t, which) in ["weight", "bias"].into_iter().enumerate() {
        for i in 0..params.slices()[t].len() {
            let nudge = |delta: f32| {
                let mut p = params.clone();
                p.slices_mut()[t][i] += delta;
                loss(&x, &p)
            };
            let numeric = (nudge(eps) - nudge(-eps)) / (2.0 * eps as f64);
            let analytic = grads.slices()[t][i];
            assert!(close(numeric, analytic), "{what}: d/d{which}[{i}] numeric {numeric} analytic {analytic}");
        }
    }
}
