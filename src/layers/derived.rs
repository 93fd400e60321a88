//! Copies derived from a layer's weights (Winograd's transformed kernels,
//! W^T), kept with the version of the weights they came from: a layer's
//! weights change only when it trains or loads, and deriving the copy costs
//! about as much as running one sample, so predict derives it once.

use super::Params;
use crate::kernels::gemm::transpose;
use crate::kernels::winograd::{transform_kernels, POSITIONS};

/// What was derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// U = G g G^T for each pair of channels of 5 x 5 kernels (winograd.rs).
    WinogradKernels,
    /// W^T: [IN, OUT] for a linear layer, [C*K*K, O] for a convolution.
    Transposed,
}

impl Form {
    /// This form of `params`, into `out` (resized to fit).
    fn make(self, params: &Params, out: &mut Vec<f32>) {
        let ([weight, _], (rows, cols)) = (params.slices(), params.weight().dim());
        out.clear();
        match self {
            Form::WinogradKernels => {
                out.resize(POSITIONS * rows * (cols / 25), 0.0);
                transform_kernels(weight, (rows, cols / 25), out);
            }
            Form::Transposed => {
                out.resize(weight.len(), 0.0);
                transpose(weight, (rows, cols), out);
            }
        }
    }
}

#[derive(Debug, Default)]
pub struct Derived(Vec<Entry>);

#[derive(Debug)]
struct Entry {
    version: u64,
    form: Form,
    values: Vec<f32>,
}

/// Entries kept at most (LeNet-5 uses 4); the oldest goes first, and its
/// buffer is reused.
const KEPT: usize = 8;

impl Derived {
    /// The `form` of `params`, made unless it was made for their current version.
    pub fn get(&mut self, params: &Params, form: Form) -> &[f32] {
        let version = params.version();
        let i = match self.0.iter().position(|e| e.version == version && e.form == form) {
            Some(i) => i,
            None => {
                let mut values = if self.0.len() == KEPT { self.0.remove(0).values } else { Vec::new() };
                form.make(params, &mut values);
                self.0.push(Entry { version, form, values });
                self.0.len() - 1
            }
        };
        &self.0[i].values
    }
}
