//! A network described as data: the input shape and a list of layers, in JSON.
//!
//! ```json
//! {"name": "tiny", "input": [1, 28, 28], "layers": [
//!   {"type": "conv2d", "name": "C1", "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1},
//!   {"type": "relu"},
//!   {"type": "max_pool2d", "kernel_size": 2},
//!   {"type": "flatten"},
//!   {"type": "linear", "name": "output", "out_features": 10}
//! ]}
//! ```
//!
//! Field names follow PyTorch (`out_channels`, `kernel_size`, `stride`,
//! `padding`, `out_features`); `in_channels` / `in_features` may be given and
//! are then checked. `name` is what people see (LeNet's C1, S2, ...), `key` is
//! the parameter prefix in a weights file (`convnet.c1` gives
//! `convnet.c1.weight`); both default to the layer's index, which is how a plain
//! PyTorch `nn.Sequential` names its parameters. [`Spec::shapes`] validates
//! the whole network and names the layer that does not fit.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::{Error, Result};
use crate::model::LayerInfo;

/// Largest activation one sample may produce in any layer (elements), and the
/// largest parameter count of a network: far above any small convnet, low
/// enough that a hostile spec cannot exhaust a browser tab's memory.
const MAX_ACTIVATION: usize = 1 << 22;
const MAX_PARAMETERS: usize = 1 << 24;
const MAX_LAYERS: usize = 256;

/// The shape of one sample's activation: channels x height x width.
/// A flat vector of n features is n x 1 x 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shape {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
}

// A validated shape is never empty, so `len` has no `is_empty` twin.
#[allow(clippy::len_without_is_empty)]
impl Shape {
    pub fn new(channels: usize, height: usize, width: usize) -> Self {
        Shape { channels, height, width }
    }

    /// Values in one sample; saturates instead of overflowing, so that a
    /// huge spec fails the size limits rather than wrapping around them.
    pub fn len(&self) -> usize {
        self.channels.saturating_mul(self.height).saturating_mul(self.width)
    }

    pub fn is_flat(&self) -> bool {
        self.height == 1 && self.width == 1
    }

    pub fn to_vec(self) -> Vec<usize> {
        vec![self.channels, self.height, self.width]
    }
}

impl fmt::Display for Shape {
    /// LeNet's notation: `6@28x28` for maps, `120` for a flat vector.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_flat() {
            write!(f, "{}", self.channels)
        } else {
            write!(f, "{}@{}x{}", self.channels, self.height, self.width)
        }
    }
}

/// What a layer computes, with its hyper-parameters. (Read from JSON by
/// [`LayerSpec`]'s `Deserialize`.)
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LayerKind {
    Conv2d {
        #[serde(skip_serializing_if = "Option::is_none")]
        in_channels: Option<usize>,
        out_channels: usize,
        kernel_size: usize,
        stride: usize,
        padding: usize,
    },
    MaxPool2d {
        kernel_size: usize,
        /// Defaults to `kernel_size`, as in PyTorch.
        #[serde(skip_serializing_if = "Option::is_none")]
        stride: Option<usize>,
    },
    AvgPool2d {
        kernel_size: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        stride: Option<usize>,
    },
    Relu,
    Tanh,
    Sigmoid,
    Flatten,
    Linear {
        #[serde(skip_serializing_if = "Option::is_none")]
        in_features: Option<usize>,
        out_features: usize,
    },
}

/// Every `type` string, in the order of [`LayerKind`].
const LAYER_TYPES: [&str; 8] = ["conv2d", "max_pool2d", "avg_pool2d", "relu", "tanh", "sigmoid", "flatten", "linear"];

impl LayerKind {
    /// The `type` string of the JSON spec.
    pub fn type_name(&self) -> &'static str {
        match self {
            LayerKind::Conv2d { .. } => "conv2d",
            LayerKind::MaxPool2d { .. } => "max_pool2d",
            LayerKind::AvgPool2d { .. } => "avg_pool2d",
            LayerKind::Relu => "relu",
            LayerKind::Tanh => "tanh",
            LayerKind::Sigmoid => "sigmoid",
            LayerKind::Flatten => "flatten",
            LayerKind::Linear { .. } => "linear",
        }
    }

    pub fn has_params(&self) -> bool {
        matches!(self, LayerKind::Conv2d { .. } | LayerKind::Linear { .. })
    }
}

/// One entry of the layer list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerSpec {
    #[serde(flatten)]
    pub kind: LayerKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Written out rather than derived: serde's derive for a flattened, tagged
/// enum made the .wasm much larger. The messages are serde's own.
impl<'de> Deserialize<'de> for LayerSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<LayerSpec, D::Error> {
        let layer = serde_json::Value::deserialize(deserializer)?;
        layer_spec(&layer).map_err(serde::de::Error::custom)
    }
}

fn layer_spec(layer: &serde_json::Value) -> std::result::Result<LayerSpec, serde_json::Error> {
    use serde::de::Error as _;
    // A field's value when present (null is absent for the optional ones).
    fn field<'de, T: Deserialize<'de>>(layer: &'de serde_json::Value, name: &str) -> serde_json::Result<Option<T>> {
        layer.get(name).map(T::deserialize).transpose()
    }
    let optional = |name: &str| field::<Option<usize>>(layer, name).map(Option::flatten);
    let given = |value: Option<usize>, name: &'static str| value.ok_or_else(|| serde_json::Error::missing_field(name));
    if !layer.is_object() {
        return Err(serde_json::Error::custom("a layer is an object, such as {\"type\": \"relu\"}"));
    }
    // In serde's order: key and name, the type, the values that do not parse
    // (fields by name), then the fields missing.
    let (key, name) = (field(layer, "key")?.flatten(), field(layer, "name")?.flatten());
    let kind = match field::<String>(layer, "type")?.ok_or_else(|| serde_json::Error::missing_field("type"))?.as_str() {
        "conv2d" => {
            let in_channels = optional("in_channels")?;
            let (kernel_size, out_channels) = (field(layer, "kernel_size")?, field(layer, "out_channels")?);
            let (padding, stride) = (field(layer, "padding")?, field(layer, "stride")?);
            LayerKind::Conv2d {
                in_channels,
                out_channels: given(out_channels, "out_channels")?,
                kernel_size: given(kernel_size, "kernel_size")?,
                stride: stride.unwrap_or(1),
                padding: padding.unwrap_or(0),
            }
        }
        pool @ ("max_pool2d" | "avg_pool2d") => {
            let (kernel_size, stride) = (field(layer, "kernel_size")?, optional("stride")?);
            let kernel_size = given(kernel_size, "kernel_size")?;
            if pool == "max_pool2d" {
                LayerKind::MaxPool2d { kernel_size, stride }
            } else {
                LayerKind::AvgPool2d { kernel_size, stride }
            }
        }
        "relu" => LayerKind::Relu,
        "tanh" => LayerKind::Tanh,
        "sigmoid" => LayerKind::Sigmoid,
        "flatten" => LayerKind::Flatten,
        "linear" => {
            let (in_features, out_features) = (optional("in_features")?, field(layer, "out_features")?);
            LayerKind::Linear { in_features, out_features: given(out_features, "out_features")? }
        }
        other => return Err(serde_json::Error::unknown_variant(other, &LAYER_TYPES)),
    };
    Ok(LayerSpec { kind, name, key })
}

/// A whole network: input shape and layers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// channels, height, width of one input sample.
    pub input: [usize; 3],
    /// The last output means "none of the others" (for digits: not a digit),
    /// so [`crate::Network::read`] can answer that nothing was recognized.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reject: bool,
    pub layers: Vec<LayerSpec>,
}

/// The names of the presets, default first.
pub const PRESETS: [&str; 4] = ["lenet5", "lenet5-keras", "lenet5-classic", "lenet5-reject"];

impl Spec {
    /// Parses a JSON spec. Fields the layer type does not know are an error, so
    /// a typo such as `"strides"` is not silently ignored.
    pub fn from_json(text: &str) -> Result<Spec> {
        let spec = Spec::parse(text).map_err(Problem::into_error)?;
        spec.shapes()?;
        Ok(spec)
    }

    /// Parses without checking that the layers fit together.
    fn parse(text: &str) -> std::result::Result<Spec, Problem> {
        let raw: serde_json::Value =
            serde_json::from_str(text).map_err(|e| Problem::new(None, format!("not valid JSON: {e}")))?;
        let spec: Spec = serde_json::from_value(raw.clone()).map_err(|e| locate(&raw, e))?;
        check_known_fields(&raw, &spec)?;
        Ok(spec)
    }

    /// A JSON spec checked layer by layer, for an editor: every layer that
    /// fits, with its shape, parameters and connections, then the first
    /// problem and the layer it is in. A spec with no problem is one
    /// [`Spec::from_json`] accepts.
    pub fn check(text: &str) -> Check {
        let spec = match Spec::parse(text) {
            Ok(spec) => spec,
            Err(problem) => return Check { layers: Vec::new(), problem: Some(problem) },
        };
        let (shapes, problem) = spec.walk();
        Check { layers: spec.summary(&shapes), problem }
    }

    /// A preset by name, or a JSON spec.
    pub fn from_preset_or_json(text: &str) -> Result<Spec> {
        match Spec::preset(text.trim()) {
            Some(spec) => Ok(spec),
            None if text.trim_start().starts_with('{') => Spec::from_json(text),
            None => Err(Error::Spec(format!(
                "unknown preset '{}'; presets are {}, or pass a JSON spec",
                text.trim(),
                PRESETS.join(", ")
            ))),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a Spec always serializes")
    }

    /// The built-in networks.
    ///
    /// - `lenet5`: conv 5x5 6, ReLU, max-pool 2, conv 5x5 16, ReLU, max-pool 2,
    ///   conv 5x5 120, ReLU, linear 84, ReLU, linear 10; parameter names are
    ///   those of the PyTorch module in the README (`convnet.c1`, `fc.f6`, ...).
    /// - `lenet5-keras`: the Keras tutorial version: average pooling, then
    ///   flatten and dense 120/84/10.
    /// - `lenet5-classic`: the 1998 shape with tanh and average-pool
    ///   subsampling (without the trainable subsampling coefficients and the
    ///   partial C3 connection table of the paper).
    /// - `lenet5-reject`: `lenet5` with an 11th output, "not a digit" (the
    ///   shipped reader; its parameter names are lenet5's).
    pub fn preset(name: &str) -> Option<Spec> {
        let conv = |name: &str, key: &str, out: usize| LayerSpec {
            kind: LayerKind::Conv2d { in_channels: None, out_channels: out, kernel_size: 5, stride: 1, padding: 0 },
            name: Some(name.into()),
            key: Some(key.into()),
        };
        let linear = |name: &str, key: &str, out: usize| LayerSpec {
            kind: LayerKind::Linear { in_features: None, out_features: out },
            name: Some(name.into()),
            key: Some(key.into()),
        };
        let plain = |name: &str, kind: LayerKind| LayerSpec { kind, name: Some(name.into()), key: None };
        let max_pool = |name: &str| plain(name, LayerKind::MaxPool2d { kernel_size: 2, stride: None });
        let avg_pool = |name: &str| plain(name, LayerKind::AvgPool2d { kernel_size: 2, stride: None });
        let layers = match name {
            "lenet5" | "lenet5-reject" => vec![
                conv("C1", "convnet.c1", 6),
                plain("relu1", LayerKind::Relu),
                max_pool("S2"),
                conv("C3", "convnet.c3", 16),
                plain("relu3", LayerKind::Relu),
                max_pool("S4"),
                conv("C5", "convnet.c5", 120),
                plain("relu5", LayerKind::Relu),
                linear("F6", "fc.f6", 84),
                plain("relu6", LayerKind::Relu),
                linear("output", "fc.f7", if name == "lenet5-reject" { 11 } else { 10 }),
            ],
            "lenet5-keras" => vec![
                conv("C1", "c1", 6),
                plain("relu1", LayerKind::Relu),
                avg_pool("S2"),
                conv("C3", "c3", 16),
                plain("relu3", LayerKind::Relu),
                avg_pool("S4"),
                plain("flatten", LayerKind::Flatten),
                linear("C5", "c5", 120),
                plain("relu5", LayerKind::Relu),
                linear("F6", "f6", 84),
                plain("relu6", LayerKind::Relu),
                linear("output", "output", 10),
            ],
            "lenet5-classic" => vec![
                conv("C1", "c1", 6),
                plain("tanh1", LayerKind::Tanh),
                avg_pool("S2"),
                conv("C3", "c3", 16),
                plain("tanh3", LayerKind::Tanh),
                avg_pool("S4"),
                conv("C5", "c5", 120),
                plain("tanh5", LayerKind::Tanh),
                linear("F6", "f6", 84),
                plain("tanh6", LayerKind::Tanh),
                linear("output", "output", 10),
            ],
            _ => return None,
        };
        Some(Spec { name: Some(name.into()), input: [1, 32, 32], reject: name == "lenet5-reject", layers })
    }

    pub fn input_shape(&self) -> Shape {
        Shape::new(self.input[0], self.input[1], self.input[2])
    }

    /// The name people see for layer `i`.
    pub fn layer_name(&self, i: usize) -> String {
        self.layers[i].name.clone().unwrap_or_else(|| format!("{}{}", self.layers[i].kind.type_name(), i))
    }

    /// The parameter prefix of layer `i` in a weights file.
    pub fn layer_key(&self, i: usize) -> String {
        self.layers[i].key.clone().unwrap_or_else(|| i.to_string())
    }

    /// Validates the network and returns each layer's output shape.
    /// The error names the layer (by index and name) that does not fit.
    pub fn shapes(&self) -> Result<Vec<Shape>> {
        match self.walk() {
            (shapes, None) => Ok(shapes),
            (_, Some(problem)) => Err(problem.into_error()),
        }
    }

    /// The output shapes of the layers that fit, up to the first problem.
    fn walk(&self) -> (Vec<Shape>, Option<Problem>) {
        let mut shapes = Vec::with_capacity(self.layers.len());
        let mut shape = self.input_shape();
        let whole = |message: String| Some(Problem::new(None, message));
        if shape.len() == 0 {
            return (shapes, whole(format!("input shape {:?} has a zero dimension", self.input)));
        }
        if let Err(message) = check_size("input", shape.len(), MAX_ACTIVATION) {
            return (shapes, whole(message));
        }
        if self.layers.is_empty() {
            return (shapes, whole("the network has no layers".into()));
        }
        if self.layers.len() > MAX_LAYERS {
            return (shapes, whole(format!("{} layers; at most {MAX_LAYERS} are allowed", self.layers.len())));
        }
        let mut names = std::collections::HashSet::new();
        let mut keys = std::collections::HashSet::new();
        let mut params = 0usize;
        for (i, layer) in self.layers.iter().enumerate() {
            let name = self.layer_name(i);
            let here = format!("layer {i} ('{name}', {})", layer.kind.type_name());
            let at = |message: String| Some(Problem::new(Some(i), message));
            if !names.insert(name.clone()) {
                return (shapes, at(format!("{here}: the name '{name}' is used twice")));
            }
            if layer.kind.has_params() && !keys.insert(self.layer_key(i)) {
                return (shapes, at(format!("{here}: the key '{}' is used twice", self.layer_key(i))));
            }
            let input = shape;
            shape = match output_shape(&layer.kind, input) {
                Ok(next) => next,
                Err(why) => return (shapes, at(format!("{here}: {why}"))),
            };
            if let Err(message) = check_size(&here, shape.len(), MAX_ACTIVATION) {
                return (shapes, at(message));
            }
            params = params.saturating_add(param_count(&layer.kind, input));
            if let Err(message) = check_size("the network's parameters", params, MAX_PARAMETERS) {
                return (shapes, at(message));
            }
            shapes.push(shape);
        }
        if !shape.is_flat() || shape.channels < 2 {
            let last = Some(self.layers.len() - 1);
            let message = format!("the last layer must output a flat vector of at least 2 class scores, not {shape}");
            return (shapes, Some(Problem::new(last, message)));
        }
        (shapes, None)
    }

    /// Name, kind, shape, parameters and connections of the first
    /// `shapes.len()` layers, given their output shapes.
    pub fn summary(&self, shapes: &[Shape]) -> Vec<LayerInfo> {
        let mut input = self.input_shape();
        self.layers
            .iter()
            .zip(shapes)
            .enumerate()
            .map(|(i, (layer, &shape))| {
                let params = param_count(&layer.kind, input);
                let connections = match layer.kind {
                    LayerKind::Conv2d { .. } | LayerKind::Linear { .. } => params / shape.channels * shape.len(),
                    LayerKind::MaxPool2d { kernel_size, .. } | LayerKind::AvgPool2d { kernel_size, .. } => {
                        shape.len() * kernel_size * kernel_size
                    }
                    LayerKind::Relu | LayerKind::Tanh | LayerKind::Sigmoid => shape.len(),
                    LayerKind::Flatten => 0,
                };
                input = shape;
                LayerInfo { name: self.layer_name(i), kind: layer.kind.type_name(), shape, params, connections }
            })
            .collect()
    }
}

/// What [`Spec::check`] found.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The layers that fit, in order.
    pub layers: Vec<LayerInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// Why a spec is refused, and in which layer (none: the spec as a whole).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub layer: Option<usize>,
    /// The message [`Spec::from_json`]'s error gives.
    pub message: String,
}

impl Problem {
    fn new(layer: Option<usize>, why: String) -> Problem {
        Problem { layer, message: Error::Spec(why).to_string() }
    }

    fn into_error(self) -> Error {
        let prefix = Error::Spec(String::new()).to_string();
        Error::Spec(self.message.strip_prefix(&prefix).map(String::from).unwrap_or(self.message))
    }
}

fn check_size(what: &str, size: usize, max: usize) -> std::result::Result<(), String> {
    if size > max {
        return Err(format!("{what}: {size} elements is more than the limit of {max}"));
    }
    Ok(())
}

/// Trainable parameters of a layer that receives `input`.
pub fn param_count(kind: &LayerKind, input: Shape) -> usize {
    match *kind {
        LayerKind::Conv2d { out_channels, kernel_size, .. } => out_channels
            .saturating_mul(input.channels.saturating_mul(kernel_size.saturating_mul(kernel_size)).saturating_add(1)),
        LayerKind::Linear { out_features, .. } => out_features.saturating_mul(input.len().saturating_add(1)),
        _ => 0,
    }
}

/// The output shape of one layer, or why it cannot take `input`.
fn output_shape(kind: &LayerKind, input: Shape) -> std::result::Result<Shape, String> {
    let Shape { channels, height, width } = input;
    match *kind {
        LayerKind::Conv2d { in_channels, out_channels, kernel_size, stride, padding } => {
            if let Some(c) = in_channels {
                if c != channels {
                    return Err(format!("in_channels is {c} but its input has {channels} channels ({input})"));
                }
            }
            if out_channels == 0 || kernel_size == 0 || stride == 0 {
                return Err("out_channels, kernel_size and stride must be at least 1".into());
            }
            if padding >= kernel_size {
                return Err(format!("padding {padding} must be smaller than kernel_size {kernel_size}"));
            }
            let h = sliding(height, kernel_size, stride, padding).ok_or_else(|| {
                format!("a {kernel_size}x{kernel_size} kernel with padding {padding} does not fit its {input} input")
            })?;
            let w = sliding(width, kernel_size, stride, padding).ok_or_else(|| {
                format!("a {kernel_size}x{kernel_size} kernel with padding {padding} does not fit its {input} input")
            })?;
            Ok(Shape::new(out_channels, h, w))
        }
        LayerKind::MaxPool2d { kernel_size, stride } | LayerKind::AvgPool2d { kernel_size, stride } => {
            let stride = stride.unwrap_or(kernel_size);
            if kernel_size == 0 || stride == 0 {
                return Err("kernel_size and stride must be at least 1".into());
            }
            let h = sliding(height, kernel_size, stride, 0)
                .ok_or_else(|| format!("a {kernel_size}x{kernel_size} window does not fit its {input} input"))?;
            let w = sliding(width, kernel_size, stride, 0)
                .ok_or_else(|| format!("a {kernel_size}x{kernel_size} window does not fit its {input} input"))?;
            Ok(Shape::new(channels, h, w))
        }
        LayerKind::Relu | LayerKind::Tanh | LayerKind::Sigmoid => Ok(input),
        LayerKind::Flatten => Ok(Shape::new(input.len(), 1, 1)),
        LayerKind::Linear { in_features, out_features } => {
            if !input.is_flat() {
                return Err(format!("needs a flat input but gets {input}; put a flatten layer before it"));
            }
            if let Some(n) = in_features {
                if n != channels {
                    return Err(format!("in_features is {n} but its input has {channels} features"));
                }
            }
            if out_features == 0 {
                return Err("out_features must be at least 1".into());
            }
            Ok(Shape::new(out_features, 1, 1))
        }
    }
}

/// Output length of a sliding window: floor((n + 2p - k) / s) + 1.
fn sliding(n: usize, kernel: usize, stride: usize, padding: usize) -> Option<usize> {
    let span = n.checked_add(padding.checked_mul(2)?)?;
    if span < kernel {
        return None;
    }
    Some((span - kernel) / stride + 1)
}

/// A parse error, naming the first layer that does not parse on its own
/// (serde's message alone does not say which layer it means).
fn locate(raw: &serde_json::Value, error: serde_json::Error) -> Problem {
    let layers = raw.get("layers").and_then(|l| l.as_array()).into_iter().flatten();
    for (i, layer) in layers.enumerate() {
        if let Err(e) = serde_json::from_value::<LayerSpec>(layer.clone()) {
            let kind = layer.get("type").and_then(|t| t.as_str()).unwrap_or("?");
            return Problem::new(Some(i), format!("layer {i} ({kind}): {e}"));
        }
    }
    Problem::new(None, error.to_string())
}

/// Reports the first field of `raw` that its layer type (as parsed into
/// `spec`) does not take.
fn check_known_fields(raw: &serde_json::Value, spec: &Spec) -> std::result::Result<(), Problem> {
    let fields =
        |v: &serde_json::Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    // Top level; optional fields left at their defaults are skipped on
    // serialization, so compare against the full list of allowed names.
    for field in fields(raw) {
        if !["name", "input", "reject", "layers"].contains(&field.as_str()) {
            return Err(Problem::new(None, format!("unknown field '{field}' at the top level")));
        }
    }
    let raw_layers = raw["layers"].as_array().cloned().unwrap_or_default();
    for (i, (raw_layer, layer)) in raw_layers.iter().zip(&spec.layers).enumerate() {
        let kind = layer.kind.type_name();
        let allowed = allowed_fields(kind);
        for field in fields(raw_layer) {
            if !allowed.contains(&field.as_str()) {
                return Err(Problem::new(
                    Some(i),
                    format!("layer {i} ({kind}): unknown field '{field}'; {kind} takes {}", allowed.join(", ")),
                ));
            }
        }
    }
    Ok(())
}

fn allowed_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "conv2d" => &["type", "name", "key", "in_channels", "out_channels", "kernel_size", "stride", "padding"],
        "max_pool2d" | "avg_pool2d" => &["type", "name", "key", "kernel_size", "stride"],
        "linear" => &["type", "name", "key", "in_features", "out_features"],
        _ => &["type", "name", "key"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_describes_the_layers_that_fit_and_puts_the_problem_on_its_layer() {
        let lenet = Spec::preset("lenet5").unwrap().to_json();
        let ok = Spec::check(&lenet);
        assert!(ok.problem.is_none());
        let c1 = &ok.layers[0];
        assert_eq!((c1.name.as_str(), c1.params, c1.connections), ("C1", 156, 122_304));
        assert_eq!(ok.layers.len(), Spec::preset("lenet5").unwrap().layers.len());

        // A 15x15 kernel in C3 does not fit S2's 14x14 maps.
        let wide = lenet.replacen(r#""out_channels":16,"kernel_size":5"#, r#""out_channels":16,"kernel_size":15"#, 1);
        let found = Spec::check(&wide);
        let problem = found.problem.unwrap();
        assert_eq!(problem.layer, Some(3));
        assert_eq!(found.layers.len(), 3, "C1, its ReLU and S2 fit");
        assert_eq!(problem.message, Spec::from_json(&wide).unwrap_err().to_string());
        assert!(
            problem.message.starts_with("invalid network spec: layer 3 ('C3', conv2d): a 15x15 kernel"),
            "{}",
            problem.message
        );

        let typo = lenet.replacen(r#""kernel_size":2"#, r#""kernel":2"#, 1);
        let problem = Spec::check(&typo).problem.unwrap();
        assert_eq!(problem.layer, Some(2));
        assert_eq!(problem.message, Spec::from_json(&typo).unwrap_err().to_string());
        assert_eq!(Spec::check("{").problem.unwrap().layer, None);
    }

    #[test]
    fn presets_validate() {
        for name in PRESETS {
            let spec = Spec::preset(name).unwrap();
            let shapes = spec.shapes().unwrap();
            // Ten digits, and "not a digit" where the spec says so.
            let outputs = if spec.reject { "11" } else { "10" };
            assert_eq!(shapes.last().unwrap().to_string(), outputs, "{name}");
            assert_eq!(spec.reject, name == "lenet5-reject");
            assert_eq!(Spec::from_json(&spec.to_json()).unwrap(), spec, "{name} round-trips through JSON");
        }
    }

    #[test]
    fn lenet5_shapes_match_the_paper() {
        let shapes = Spec::preset("lenet5").unwrap().shapes().unwrap();
        let text: Vec<String> = shapes.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            text,
            ["6@28x28", "6@28x28", "6@14x14", "16@10x10", "16@10x10", "16@5x5", "120", "120", "84", "84", "10"]
        );
    }

    #[test]
    fn stride_and_padding_follow_pytorch() {
        let spec = Spec::from_json(
            r#"{"input":[3,9,7],"layers":[
                {"type":"conv2d","out_channels":4,"kernel_size":3,"stride":2,"padding":1},
                {"type":"max_pool2d","kernel_size":2,"stride":1},
                {"type":"flatten"},{"type":"linear","out_features":2}]}"#,
        )
        .unwrap();
        let shapes = spec.shapes().unwrap();
        // floor((9 + 2 - 3) / 2) + 1 = 5, floor((7 + 2 - 3) / 2) + 1 = 4
        assert_eq!(shapes[0], Shape::new(4, 5, 4));
        assert_eq!(shapes[1], Shape::new(4, 4, 3));
        assert_eq!(shapes[2], Shape::new(48, 1, 1));
    }

    /// Every layer type and field, as written and left to its default.
    #[test]
    fn every_field_is_read() {
        let spec = Spec::from_json(
            r#"{"input":[2,9,9],"layers":[
                {"type":"conv2d","in_channels":2,"out_channels":4,"kernel_size":3,"stride":2,"padding":1,"name":"C","key":"k"},
                {"type":"conv2d","out_channels":4,"kernel_size":1,"in_channels":null},
                {"type":"max_pool2d","kernel_size":2,"stride":1},{"type":"avg_pool2d","kernel_size":2,"stride":null},
                {"type":"relu"},{"type":"tanh"},{"type":"sigmoid"},{"type":"flatten"},
                {"type":"linear","in_features":16,"out_features":3},{"type":"linear","out_features":2}]}"#,
        )
        .unwrap();
        let kinds: Vec<LayerKind> = spec.layers.iter().map(|l| l.kind.clone()).collect();
        let conv = |in_channels, kernel_size, stride, padding| LayerKind::Conv2d {
            in_channels,
            out_channels: 4,
            kernel_size,
            stride,
            padding,
        };
        assert_eq!(
            kinds,
            [
                conv(Some(2), 3, 2, 1),
                conv(None, 1, 1, 0),
                LayerKind::MaxPool2d { kernel_size: 2, stride: Some(1) },
                LayerKind::AvgPool2d { kernel_size: 2, stride: None },
                LayerKind::Relu,
                LayerKind::Tanh,
                LayerKind::Sigmoid,
                LayerKind::Flatten,
                LayerKind::Linear { in_features: Some(16), out_features: 3 },
                LayerKind::Linear { in_features: None, out_features: 2 },
            ]
        );
        assert_eq!((spec.layers[0].name.as_deref(), spec.layers[0].key.as_deref()), (Some("C"), Some("k")));
        assert_eq!((spec.layers[1].name.as_deref(), spec.layers[1].key.as_deref()), (None, None));
        assert_eq!(Spec::from_json(&spec.to_json()).unwrap(), spec, "round-trips through JSON");
        // The type strings are written in four places: the parser, LAYER_TYPES (its error
        // message), type_name and serde's Serialize. They agree.
        let mut names: Vec<&str> = kinds.iter().map(LayerKind::type_name).collect();
        names.dedup();
        assert_eq!(names, LAYER_TYPES);
        for kind in &kinds {
            assert_eq!(serde_json::to_value(kind).unwrap()["type"], kind.type_name());
        }
    }

    #[test]
    fn errors_name_the_layer() {
        let err = |json: &str| Spec::from_json(json).unwrap_err().to_string();
        let e = err(
            r#"{"input":[1,8,8],"layers":[{"type":"conv2d","name":"C1","out_channels":2,"kernel_size":9},{"type":"flatten"},{"type":"linear","out_features":2}]}"#,
        );
        assert!(e.contains("layer 0 ('C1', conv2d)") && e.contains("does not fit"), "{e}");
        let e = err(
            r#"{"input":[1,8,8],"layers":[{"type":"conv2d","out_channels":2,"kernel_size":3},{"type":"linear","out_features":2}]}"#,
        );
        assert!(e.contains("layer 1") && e.contains("flatten"), "{e}");
        let e = err(r#"{"input":[1,8,8],"layers":[{"type":"dropout"}]}"#);
        assert!(e.contains("layer 0 (dropout): unknown variant `dropout`, expected one of `conv2d`"), "{e}");
        let e = err(r#"{"input":[1,8,8],"layers":[{"type":3}]}"#);
        assert!(e.contains("layer 0 (?): invalid type: integer `3`, expected a string"), "{e}");
        let e = err(r#"{"input":[1,8,8],"layers":[{"type":"linear"}]}"#);
        assert!(e.contains("layer 0 (linear): missing field `out_features`"), "{e}");
        // As serde's derive did: a value that does not parse before a missing field.
        let e = err(r#"{"input":[1,8,8],"layers":[{"type":"conv2d","stride":"2"}]}"#);
        assert!(e.contains("layer 0 (conv2d): invalid type: string \"2\", expected usize"), "{e}");
        let e = err(r#"{"input":[1,8,8],"layers":["relu"]}"#);
        assert!(e.contains("layer 0 (?): a layer is an object"), "{e}");
        let e = err(r#"{"input":[1,8,8],"layers":[{"type":"conv2d","out_channels":2,"kernel_size":3,"strides":2}]}"#);
        assert!(e.contains("unknown field 'strides'"), "{e}");
        let e =
            err(r#"{"input":[1,8,8],"layers":[{"type":"conv2d","in_channels":3,"out_channels":2,"kernel_size":3}]}"#);
        assert!(e.contains("in_channels is 3"), "{e}");
        let e = err(r#"{"input":[1,8,8],"layers":[{"type":"flatten"},{"type":"linear","out_features":1000000000}]}"#);
        assert!(e.contains("limit"), "{e}");
        // Found by the `spec` fuzz target: the input's size overflowed usize.
        let e = err(
            r#"{"input":[244444444444444444,9,9],"layers":[{"type":"flatten"},{"type":"linear","out_features":2}]}"#,
        );
        assert!(e.contains("limit"), "{e}");
        // The same kind of overflow in a kernel's size and in padding.
        let huge = r#"{"input":[1,1,1],"layers":[{"type":"conv2d","out_channels":2,"kernel_size":8589934592,"padding":8589934591,"stride":1099511627776},{"type":"flatten"},{"type":"linear","out_features":2}]}"#;
        assert!(err(huge).contains("limit"), "{}", err(huge));
        let e = err(
            r#"{"input":[1,4,4],"layers":[{"type":"conv2d","out_channels":2,"kernel_size":18446744073709551615,"padding":18446744073709551614}]}"#,
        );
        assert!(e.contains("does not fit"), "{e}");
        let e = err(r#"{"input":[1,8,8],"layers":[{"type":"relu"}]}"#);
        assert!(e.contains("last layer"), "{e}");
        assert!(Spec::from_preset_or_json("lenet6").unwrap_err().to_string().contains("lenet5-keras"));
    }
}
