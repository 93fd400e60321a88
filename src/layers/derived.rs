//! Copies derived from a layer's weights (Winograd's transformed kernels,
//! W^T), kept with the version of the weights they came from: a layer's
//! weights change only when it trains or loads, and deriving the copy costs
//! about as much as running one sample, so predict derives it once.

use super::Params;

/// What was derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// U = G g G^T for each pair of channels (winograd.rs).
    WinogradKernels,
    /// W^T [IN, OUT] (linear.rs).
    Transposed,
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
    /// The `form` of `params` (`len` floats), made by `make` unless it was
    /// made for their current version.
    pub fn get(&mut self, params: &Params, (form, len): (Form, usize), make: impl FnOnce(&mut [f32])) -> &[f32] {
        let version = params.version();
        let i = match self.0.iter().position(|e| e.version == version && e.form == form) {
            Some(i) => i,
            None => {
                let mut values = if self.0.len() == KEPT { self.0.remove(0).values } else { Vec::new() };
                values.clear();
                values.resize(len, 0.0);
                make(&mut values);
                self.0.push(Entry { version, form, values });
                self.0.len() - 1
            }
        };
        &self.0[i].values
    }
}
