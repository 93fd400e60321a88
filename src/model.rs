//! The network: layers built from a [`Spec`], a forward pass that keeps every
//! activation (the trace), and a backward pass that walks the trace in reverse.
//!
//! The parameters live in [`Network`]; everything a pass writes lives in a
//! [`Workspace`], reused from call to call. Forward and backward only read the
//! network, so several threads can each run a part of a batch with their own
//! workspace and gradients.

use ndarray::{Array4, ArrayView2, ArrayView4, ArrayViewMut2, Axis};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::layers::{copy_floats, Layer, Params, PoolKind, Scratch};
use crate::loss;
use crate::spec::{LayerKind, Shape, Spec};

#[derive(Debug, Clone)]
pub struct Network {
    spec: Spec,
    /// Output shape of each layer.
    shapes: Vec<Shape>,
    layers: Vec<Layer>,
}

/// Everything one pass writes: `acts[0]` is the input (predict leaves it
/// unwritten and reads the input where it is), `acts[i + 1]` the output of
/// layer i; `deltas[i]` is the gradient of the loss with respect to
/// `acts[i]` (deltas[0], the input's gradient, is kept empty unless asked for).
#[derive(Debug, Default)]
pub struct Workspace {
    acts: Vec<Array4<f32>>,
    deltas: Vec<Array4<f32>>,
    scratch: Scratch,
    batch: usize,
}

/// What a forward pass must leave in the workspace.
#[derive(Debug, Clone, Copy)]
enum Pass {
    /// Every layer's output: for backward and for the feature maps.
    EveryLayer,
    /// Only the network's outputs (predict, evaluate).
    Outputs,
}

/// One gradient buffer per layer with parameters, shaped like them.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradients(Vec<Option<Params>>);

impl Gradients {
    pub fn zero(&mut self) {
        for p in self.0.iter_mut().flatten() {
            p.slices_mut().into_iter().for_each(|s| s.fill(0.0));
        }
    }

    /// Adds `other` into these gradients.
    pub fn add(&mut self, other: &Gradients) {
        for (a, b) in self.0.iter_mut().flatten().zip(other.0.iter().flatten()) {
            for (a, b) in a.slices_mut().into_iter().zip(b.slices()) {
                a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
            }
        }
    }

    /// Every gradient tensor as a slice, in the order of [`Network::param_slices_mut`].
    pub fn slices(&self) -> impl Iterator<Item = &[f32]> {
        self.0.iter().flatten().flat_map(|p| p.slices())
    }

    pub fn all_finite(&self) -> bool {
        self.slices().all(|s| s.iter().all(|v| v.is_finite()))
    }

    /// How many values they hold: the network's parameter count.
    pub fn len(&self) -> usize {
        self.slices().map(<[f32]>::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sets every value from `flat`, laid out as [`Gradients::slices`] end to end.
    pub fn copy_from_flat(&mut self, flat: &[f32]) -> Result<()> {
        if flat.len() != self.len() {
            return Err(Error::Input(format!(
                "expected {} gradient values (one per parameter), got {}",
                self.len(),
                flat.len()
            )));
        }
        let mut at = 0;
        for p in self.0.iter_mut().flatten() {
            for s in p.slices_mut() {
                s.copy_from_slice(&flat[at..at + s.len()]);
                at += s.len();
            }
        }
        Ok(())
    }
}

/// One row of the per-layer summary.
#[derive(Debug, Clone, Serialize)]
pub struct LayerInfo {
    /// What people call it: C1, S2, ... (the spec's `name`).
    pub name: String,
    /// The spec's `type`: conv2d, max_pool2d, relu, ...
    pub kind: &'static str,
    /// Output shape of one sample.
    pub shape: Shape,
    pub params: usize,
    /// Multiply-adds including the bias for conv2d and linear (LeNet's
    /// "connections"), window inputs read for pooling, one per value for
    /// activations, none for flatten.
    pub connections: usize,
}

impl Network {
    /// A network with fresh weights, seeded: He-uniform for layers followed by
    /// ReLU, LeCun-uniform otherwise, with the real fan-in; zero biases.
    pub fn from_spec(spec: Spec, seed: u64) -> Result<Network> {
        let shapes = spec.shapes()?;
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut input = spec.input_shape();
        let mut layers = Vec::with_capacity(spec.layers.len());
        for (i, layer) in spec.layers.iter().enumerate() {
            let followed_by_relu = matches!(spec.layers.get(i + 1).map(|l| &l.kind), Some(LayerKind::Relu));
            let gain = if followed_by_relu { 6.0 } else { 3.0 };
            layers.push(Layer::new(&layer.kind, input, shapes[i], gain, &mut rng));
            input = shapes[i];
        }
        Ok(Network { spec, shapes, layers })
    }

    /// A preset (`lenet5`, `lenet5-keras`, `lenet5-classic`) or a JSON spec.
    pub fn from_preset_or_json(spec: &str, seed: u64) -> Result<Network> {
        Network::from_spec(Spec::from_preset_or_json(spec)?, seed)
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    pub fn input_shape(&self) -> Shape {
        self.spec.input_shape()
    }

    pub fn num_classes(&self) -> usize {
        self.shapes.last().expect("a spec has layers").channels
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Name, kind, shape, parameters and connections of every layer.
    pub fn summary(&self) -> Vec<LayerInfo> {
        self.spec.summary(&self.shapes)
    }

    pub fn param_count(&self) -> usize {
        self.layers.iter().filter_map(Layer::params).map(|p| p.weight().len() + p.bias().len()).sum()
    }

    /// Zeroed gradient buffers for this network.
    pub fn gradients(&self) -> Gradients {
        Gradients(self.layers.iter().map(|l| l.params().map(Params::zeros_like)).collect())
    }

    /// Every parameter tensor's values: per layer with parameters, weight
    /// then bias, as in the weights file.
    pub fn param_slices(&self) -> impl Iterator<Item = &[f32]> {
        self.layers.iter().filter_map(Layer::params).flat_map(|p| p.slices())
    }

    /// Every parameter tensor as a slice: per layer with parameters, weight
    /// then bias. The optimizer walks these beside [`Gradients::slices`].
    pub fn param_slices_mut(&mut self) -> impl Iterator<Item = &mut [f32]> {
        self.layers.iter_mut().filter_map(Layer::params_mut).flat_map(|p| p.slices_mut())
    }

    /// Checks a batch of inputs and returns how many samples it holds.
    pub fn check_input(&self, input: &[f32]) -> Result<usize> {
        let one = self.input_shape();
        if input.is_empty() || input.len() % one.len() != 0 {
            return Err(Error::Input(format!(
                "expected a multiple of {} values ({} x {} x {} per image, row-major), got {}",
                one.len(),
                one.channels,
                one.height,
                one.width,
                input.len()
            )));
        }
        // Chunks are scanned whole (a loop without an early exit vectorizes),
        // then the first bad value is found inside the first bad chunk.
        const CHUNK: usize = 256;
        let bad_chunk = input.chunks(CHUNK).position(|c| c.iter().fold(false, |bad, v| bad | !v.is_finite()));
        if let Some(at) =
            bad_chunk.and_then(|c| input[c * CHUNK..].iter().position(|v| !v.is_finite()).map(|i| c * CHUNK + i))
        {
            return Err(Error::Input(format!(
                "value {at} (image {}) is {}; inputs must be finite numbers",
                at / one.len(),
                input[at]
            )));
        }
        Ok(input.len() / one.len())
    }

    /// Checks that `values` holds exactly `n` inputs (the wasm API's calls
    /// say how many they pass).
    pub fn check_batch(&self, values: &[f32], n: usize) -> Result<()> {
        let one = self.input_shape();
        if n == 0 {
            return Err(Error::Input("the batch is empty; give at least one input".into()));
        }
        if n.checked_mul(one.len()) != Some(values.len()) {
            return Err(Error::Input(format!(
                "expected {n} x {} = {} values ({one} per input), got {}",
                one.len(),
                n as f64 * one.len() as f64,
                values.len()
            )));
        }
        Ok(())
    }

    /// Labels given as integers of any width (JavaScript's typed arrays) as
    /// class indices, each checked as [`Network::check_labels`] does.
    pub fn class_labels(&self, labels: &[i32]) -> Result<Vec<u8>> {
        let classes = self.num_classes();
        match labels.iter().position(|&l| !(0..classes as i32).contains(&l)) {
            Some(at) => Err(self.label_error(at, labels[at] as i64)),
            None => Ok(labels.iter().map(|&l| l as u8).collect()),
        }
    }

    fn label_error(&self, at: usize, label: i64) -> Error {
        let classes = self.num_classes();
        let reject = if self.spec.reject { format!(" ({}: not a digit)", classes - 1) } else { String::new() };
        Error::Labels(format!("label {at} is {label}; labels must be 0 to {}{reject}", classes - 1))
    }

    /// Checks one label per sample, each a valid class index.
    pub fn check_labels(&self, labels: &[u8], samples: usize) -> Result<()> {
        if labels.len() != samples {
            return Err(Error::Labels(format!(
                "{} labels for {samples} images; give one label per image",
                labels.len()
            )));
        }
        match labels.iter().position(|&l| l as usize >= self.num_classes()) {
            Some(at) => Err(self.label_error(at, labels[at] as i64)),
            None => Ok(()),
        }
    }

    /// Runs every layer on a checked batch and returns the logits [N, classes].
    /// The activations stay in `ws` (see [`Network::trace`]).
    pub fn forward<'w>(&self, input: &[f32], ws: &'w mut Workspace) -> Result<ArrayView2<'w, f32>> {
        self.forward_timed(input, ws, &mut |_| {})?;
        Ok(ws.logits())
    }

    /// [`Network::forward`], calling `after_layer(i)` when layer i is done
    /// (for timing each layer with whatever clock the caller has).
    pub fn forward_timed(&self, input: &[f32], ws: &mut Workspace, after_layer: &mut dyn FnMut(usize)) -> Result<()> {
        let n = self.check_input(input)?;
        self.run(input, n, ws, Pass::EveryLayer, after_layer);
        Ok(())
    }

    /// The forward pass on `n` samples already checked by [`Network::check_input`].
    fn run(&self, input: &[f32], n: usize, ws: &mut Workspace, pass: Pass, after_layer: &mut dyn FnMut(usize)) {
        ws.prepare(self, n);
        // Backward reads the input from the workspace; predict reads it where it is.
        let shape = ws.acts[0].raw_dim();
        assert!(input.len() == ws.acts[0].len(), "run: an input of n samples");
        if let Pass::EveryLayer = pass {
            copy_floats(ws.acts[0].as_slice_mut().expect("contiguous"), input);
        }
        let mut layers = self.layers.iter().enumerate();
        while let Some((i, layer)) = layers.next() {
            let (done, rest) = ws.acts.split_at_mut(i + 1);
            let x = match (i, pass) {
                // Safety: `input` holds n samples of this shape (asserted above).
                (0, Pass::Outputs) => unsafe { ArrayView4::from_shape_ptr(shape, input.as_ptr()) },
                _ => done[i].view(),
            };
            if let Pass::Outputs = pass {
                // f is non-decreasing, so the max of f(x) is f(max x): pool first,
                // then apply f to the pooled values only (a quarter, for LeNet's S2
                // and S4). The same numbers; the activation's own output is not written.
                let max_pool = |at: usize| match self.layers.get(at) {
                    Some(Layer::Pool2d(pool)) if pool.kind == PoolKind::Max => Some(pool),
                    _ => None,
                };
                let next = self.layers.get(i + 1);
                if let (Layer::Conv2d(conv), Some(Layer::Activation(f)), Some(pool)) = (layer, next, max_pool(i + 2)) {
                    // A convolution straight into the pool (see `Conv2d::forward_pooled`).
                    let [y, _, pooled, ..] = rest else { unreachable!("a map per layer") };
                    conv.forward_pooled(x, y.view_mut(), (pool, *f), pooled.view_mut(), &mut ws.scratch);
                    layers.nth(1);
                    continue;
                }
                if let (Layer::Activation(f), Some(pool)) = (layer, max_pool(i + 1)) {
                    pool.forward(x, rest[1].view_mut(), &mut ws.scratch);
                    f.apply(rest[1].as_slice_mut().expect("contiguous"));
                    layers.next();
                    continue;
                }
            }
            layer.forward(x, rest[0].view_mut(), &mut ws.scratch);
            after_layer(i);
        }
    }

    /// Class probabilities [N, classes] for a batch.
    pub fn predict(&self, input: &[f32], ws: &mut Workspace) -> Result<Vec<f32>> {
        let mut probs = vec![0.0; input.len() / self.input_shape().len() * self.num_classes()];
        self.predict_into(input, ws, &mut probs)?;
        Ok(probs)
    }

    /// [`Network::predict`] into a buffer of N x classes values. Once `ws` has
    /// seen a batch of this size, nothing is allocated.
    pub fn predict_into(&self, input: &[f32], ws: &mut Workspace, probs: &mut [f32]) -> Result<()> {
        let n = self.check_input(input)?;
        if probs.len() != n * self.num_classes() {
            return Err(Error::Input(format!(
                "the output buffer holds {} values; {n} images need {}",
                probs.len(),
                n * self.num_classes()
            )));
        }
        self.run(input, n, ws, Pass::Outputs, &mut |_| {});
        let logits = ws.logits();
        if logits.iter().any(|v| !v.is_finite()) {
            return Err(Error::Diverged(
                "the outputs overflowed: the weights are too large (was the learning rate far too high?)".into(),
            ));
        }
        for (row, out) in logits.outer_iter().zip(probs.chunks_exact_mut(self.num_classes())) {
            loss::softmax(row.to_slice().expect("contiguous"), out);
        }
        Ok(())
    }

    /// Every layer's output for the last [`Network::forward`]: name, shape
    /// and values of all samples ([N, C, H, W], row-major). (Predict skips
    /// writing some of them.)
    pub fn trace<'w>(&'w self, ws: &'w Workspace) -> impl Iterator<Item = (String, Shape, &'w [f32])> + 'w {
        self.shapes
            .iter()
            .enumerate()
            .map(move |(i, &shape)| (self.spec.layer_name(i), shape, ws.acts[i + 1].as_slice().expect("contiguous")))
    }

    /// Mean loss, accuracy and the predicted class of every sample, in
    /// batches of `batch` (forward only).
    pub fn evaluate(&self, images: &[f32], labels: &[u8], batch: usize, ws: &mut Workspace) -> Result<Evaluation> {
        let n = self.check_input(images)?;
        self.check_labels(labels, n)?;
        let per_image = self.input_shape().len();
        let mut predictions = Vec::with_capacity(n);
        let mut total = 0.0f64;
        let mut log_p = vec![0.0; self.num_classes()];
        for (x, y) in images.chunks(batch.max(1) * per_image).zip(labels.chunks(batch.max(1))) {
            self.run(x, y.len(), ws, Pass::Outputs, &mut |_| {});
            for (row, &label) in ws.logits().outer_iter().zip(y) {
                let row = row.to_slice().expect("contiguous");
                loss::log_softmax(row, &mut log_p);
                total -= log_p[label as usize] as f64;
                predictions.push(argmax(row) as u8);
            }
        }
        let correct = predictions.iter().zip(labels).filter(|(p, l)| p == l).count();
        Ok(Evaluation { loss: (total / n as f64) as f32, accuracy: correct as f32 / n as f32, predictions })
    }

    /// Forward and backward on a batch: adds the gradients of the loss into
    /// `grads` and returns the SUM of the per-sample losses and the number of
    /// samples classified right. The loss is the mean over `scale_n` samples,
    /// so a batch split into parts can be summed.
    pub fn loss_and_gradients(
        &self,
        images: &[f32],
        labels: &[u8],
        scale_n: usize,
        ws: &mut Workspace,
        grads: &mut Gradients,
    ) -> Result<(f64, usize)> {
        let n = self.check_input(images)?;
        self.check_labels(labels, n)?;
        self.run(images, n, ws, Pass::EveryLayer, &mut |_| {});
        let last = self.layers.len();
        let (total, correct) = {
            let logits = ws.acts[last].view().into_shape_with_order((n, self.num_classes())).expect("contiguous");
            let correct = logits
                .outer_iter()
                .zip(labels)
                .filter(|(row, &l)| argmax(row.as_slice().expect("contiguous")) == l as usize)
                .count();
            let dlogits: ArrayViewMut2<f32> =
                ws.deltas[last].view_mut().into_shape_with_order((n, self.num_classes())).expect("contiguous");
            (loss::softmax_cross_entropy(logits, labels, scale_n, dlogits), correct)
        };
        self.backward(ws, grads);
        Ok((total, correct))
    }

    /// The gradient of class `class`'s score (its logit, before the softmax)
    /// with respect to every value of one input, by the backward pass:
    /// saliency, where ink would push the reading toward `class` (positive)
    /// or away from it (negative).
    pub fn input_gradient(&self, input: &[f32], class: usize, ws: &mut Workspace) -> Result<Vec<f32>> {
        self.check_batch(input, 1)?;
        let classes = self.num_classes();
        if class >= classes {
            return Err(Error::Labels(format!(
                "class {class} does not exist; this network has classes 0 to {}",
                classes - 1
            )));
        }
        self.check_input(input)?;
        self.run(input, 1, ws, Pass::EveryLayer, &mut |_| {});
        let last = self.layers.len();
        ws.deltas[last].fill(0.0);
        ws.deltas[last].as_slice_mut().expect("contiguous")[class] = 1.0;
        ws.deltas[0] = Array4::zeros(ws.acts[0].raw_dim());
        self.backward_to(ws, &mut self.gradients(), true);
        let gradient = ws.deltas[0].as_slice().expect("contiguous").to_vec();
        ws.deltas[0] = Array4::zeros((0, 0, 0, 0));
        Ok(gradient)
    }

    /// Walks the trace in reverse from `deltas[last]`.
    fn backward(&self, ws: &mut Workspace, grads: &mut Gradients) {
        self.backward_to(ws, grads, false)
    }

    /// [`Network::backward`], and the input's gradient into `deltas[0]` if
    /// `to_input` (training does not need it).
    fn backward_to(&self, ws: &mut Workspace, grads: &mut Gradients, to_input: bool) {
        for (i, layer) in self.layers.iter().enumerate().rev() {
            let (below, above) = ws.deltas.split_at_mut(i + 1);
            let dx = if i == 0 && !to_input { None } else { Some(below[i].view_mut()) };
            layer.backward(
                ws.acts[i].view(),
                ws.acts[i + 1].view(),
                above[0].view(),
                dx,
                grads.0[i].as_mut(),
                &mut ws.scratch,
            );
        }
    }
}

/// What [`Network::evaluate`] measures.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub loss: f32,
    pub accuracy: f32,
    pub predictions: Vec<u8>,
}

/// Index of the largest value (the first one on ties).
pub fn argmax(values: &[f32]) -> usize {
    values.iter().enumerate().fold(0, |best, (i, &v)| if v > values[best] { i } else { best })
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace::default()
    }

    /// Sizes the buffers for `n` samples; reallocates only when the network
    /// or the batch size changes.
    fn prepare(&mut self, net: &Network, n: usize) {
        let fits = self.batch == n
            && self.acts.len() == net.shapes.len() + 1
            && std::iter::once(net.input_shape()).chain(net.shapes.iter().copied()).zip(&self.acts).all(|(s, a)| {
                // As a tuple: comparing arrays, V8 stalled on a vector load of the
                // four values just stored, layer after layer.
                a.dim() == (n, s.channels, s.height, s.width)
            });
        if fits {
            return;
        }
        let buffers = || -> Vec<Array4<f32>> {
            std::iter::once(net.input_shape())
                .chain(net.shapes.iter().copied())
                .map(|s| Array4::zeros((n, s.channels, s.height, s.width)))
                .collect()
        };
        self.acts = buffers();
        self.deltas = buffers();
        self.deltas[0] = Array4::zeros((0, 0, 0, 0));
        self.batch = n;
    }

    fn logits(&self) -> ArrayView2<'_, f32> {
        let last = self.acts.last().expect("prepared");
        let n = last.len_of(Axis(0));
        last.view().into_shape_with_order((n, last.len() / n)).expect("contiguous")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Predict pools before the activation (ReLU, tanh and sigmoid before a
    /// max pooling, not an average), pools a convolution's output where the
    /// stride-1 path leaves it (the first two convolutions below, with 2 x 2
    /// and 3 x 3 windows; LeNet's C1) and where the path with lanes along the
    /// channels leaves it (the third: 8 channels, 2 x 2 windows on 5 x 5), and
    /// keeps the largest of each 2 x 2 block of Winograd's tiles (LeNet's C3): the same
    /// probabilities, bit for bit, as every layer in order.
    #[test]
    fn predict_gives_what_every_layer_in_order_gives() {
        let mut rng = fastrand::Rng::with_seed(2);
        let input: Vec<f32> = (0..3 * 1024).map(|_| rng.f32() * 2.0 - 1.0).collect();
        let layers = |f: &str| {
            format!(
                r#"{{"input": [1, 32, 32], "layers": [
                {{"type": "conv2d", "out_channels": 4, "kernel_size": 5}}, {{"type": "{f}"}}, {{"type": "max_pool2d", "kernel_size": 2}},
                {{"type": "conv2d", "out_channels": 6, "kernel_size": 5, "padding": 1}}, {{"type": "{f}"}}, {{"type": "max_pool2d", "kernel_size": 3, "stride": 2}},
                {{"type": "conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1}}, {{"type": "{f}"}}, {{"type": "max_pool2d", "kernel_size": 2}},
                {{"type": "flatten"}}, {{"type": "linear", "out_features": 10}}]}}"#
            )
        };
        for spec in
            ["lenet5".to_string(), "lenet5-classic".to_string(), layers("relu"), layers("tanh"), layers("sigmoid")]
        {
            let net = Network::from_preset_or_json(&spec, 3).unwrap();
            let mut ws = Workspace::new();
            let predicted = net.predict(&input, &mut ws).unwrap();
            let logits = net.forward(&input, &mut ws).unwrap().to_owned();
            for (row, predicted) in logits.outer_iter().zip(predicted.chunks(10)) {
                let mut probs = [0.0; 10];
                loss::softmax(row.to_slice().unwrap(), &mut probs);
                assert_eq!(probs, predicted, "{spec}");
            }
        }
    }

    #[test]
    fn lenet5_summary_matches_the_paper() {
        let net = Network::from_preset_or_json("lenet5", 0).unwrap();
        let rows = net.summary();
        let c1 = &rows[0];
        assert_eq!(
            (c1.name.as_str(), c1.shape.to_string(), c1.params, c1.connections),
            ("C1", "6@28x28".into(), 156, 122_304)
        );
        let c3 = rows.iter().find(|r| r.name == "C3").unwrap();
        assert_eq!((c3.params, c3.connections), (2_416, 241_600));
        let c5 = rows.iter().find(|r| r.name == "C5").unwrap();
        assert_eq!((c5.params, c5.connections), (48_120, 48_120));
        let total: usize = rows.iter().map(|r| r.params).sum();
        assert_eq!(total, 61_706);
        assert_eq!(net.param_count(), 61_706);
    }

    #[test]
    fn init_uses_the_real_fan_in_and_is_seeded() {
        let a = Network::from_preset_or_json("lenet5", 1).unwrap();
        let b = Network::from_preset_or_json("lenet5", 1).unwrap();
        let c = Network::from_preset_or_json("lenet5", 2).unwrap();
        let w = |n: &Network, i: usize| n.layers[i].params().unwrap().weight().clone();
        assert_eq!(w(&a, 0), w(&b, 0));
        assert_ne!(w(&a, 0), w(&c, 0));
        // C3: fan-in 6*5*5 = 150, followed by ReLU: bound sqrt(6/150) = 0.2.
        let c3 = w(&a, 3);
        let max = c3.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(max <= 0.2 && max > 0.19, "{max}");
    }

    #[test]
    fn bad_inputs_and_labels_are_errors() {
        let net = Network::from_preset_or_json("lenet5", 0).unwrap();
        let mut ws = Workspace::new();
        let e = net.forward(&[0.0; 1023], &mut ws).unwrap_err().to_string();
        assert!(e.contains("multiple of 1024") && e.contains("1023"), "{e}");
        assert!(net.forward(&[], &mut ws).is_err());
        let mut x = vec![0.0; 2048];
        x[1500] = f32::NAN;
        let e = net.forward(&x, &mut ws).unwrap_err().to_string();
        assert!(e.contains("value 1500 (image 1) is NaN"), "{e}");
        x[1500] = f32::INFINITY;
        assert!(net.forward(&x, &mut ws).is_err());
        let mut grads = net.gradients();
        let e = net.loss_and_gradients(&[0.0; 2048], &[1, 10], 2, &mut ws, &mut grads).unwrap_err().to_string();
        assert!(e.contains("label 1 is 10; labels must be 0 to 9"), "{e}");
        let e = net.loss_and_gradients(&[0.0; 2048], &[1], 2, &mut ws, &mut grads).unwrap_err().to_string();
        assert!(e.contains("1 labels for 2 images"), "{e}");
        assert!(grads.slices().all(|s| s.iter().all(|&v| v == 0.0)), "failed calls leave the gradients alone");
    }

    /// The loss through every layer against central differences, for a small
    /// network with each layer kind, stride and padding.
    #[test]
    fn whole_network_gradients_match_finite_differences() {
        let spec = Spec::from_json(
            r#"{"input":[2,9,9],"layers":[
                {"type":"conv2d","out_channels":3,"kernel_size":3,"stride":2,"padding":1},
                {"type":"sigmoid"},
                {"type":"avg_pool2d","kernel_size":2,"stride":1},
                {"type":"conv2d","out_channels":4,"kernel_size":2},
                {"type":"tanh"},
                {"type":"max_pool2d","kernel_size":2},
                {"type":"flatten"},
                {"type":"linear","out_features":5},
                {"type":"relu"},
                {"type":"linear","out_features":3}]}"#,
        )
        .unwrap();
        let mut net = Network::from_spec(spec, 3).unwrap();
        let mut rng = fastrand::Rng::with_seed(5);
        let images: Vec<f32> = (0..2 * 162).map(|_| rng.f32()).collect();
        let labels = [2u8, 0];
        let mut ws = Workspace::new();
        let mut grads = net.gradients();
        net.loss_and_gradients(&images, &labels, 2, &mut ws, &mut grads).unwrap();
        let analytic: Vec<f32> = grads.slices().flat_map(|s| s.to_vec()).collect();
        let loss = |net: &Network| {
            let mut ws = Workspace::new();
            net.loss_and_gradients(&images, &labels, 2, &mut ws, &mut net.gradients()).unwrap().0 / 2.0
        };
        let count = analytic.len();
        for k in (0..count).step_by(3) {
            let nudge = |delta: f32| {
                let mut n = net.clone();
                if let Some(v) = n.param_slices_mut().flat_map(|s| s.iter_mut()).nth(k) {
                    *v += delta;
                }
                loss(&n)
            };
            let numeric = (nudge(1e-3) - nudge(-1e-3)) / 2e-3;
            assert!(
                (numeric - analytic[k] as f64).abs() < 2e-3 + 2e-2 * numeric.abs(),
                "param {k}: {numeric} vs {}",
                analytic[k]
            );
        }
        net.param_slices_mut().for_each(|s| s.fill(0.0));
        assert!((loss(&net) - 3f64.ln()).abs() < 1e-6, "zero weights give uniform probabilities");
    }
}
