//! The JavaScript API: the one file that knows about wasm-bindgen.
//!
//! Methods only convert, call the core and convert back. Bulk numbers travel
//! as typed arrays, small metadata as plain objects. Every bad input becomes a
//! thrown `Error` with a message, and the network stays usable.

use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::Performance;

use crate::model::Workspace;
use crate::optim::{Field, OptimizerConfig};
use crate::train::Trainer;

/// A convolutional network with its optimizer, ready to predict and train.
///
/// ```js
/// import init, { Network, preprocess } from "lenet-wasm";
/// await init();
/// const net = Network.pretrained();
/// const input = preprocess(ctx.getImageData(0, 0, w, h).data, w, h); // undefined when blank
/// const { digit, confidence } = net.read(input); // digit is null for "not a digit"
/// ```
#[wasm_bindgen(js_name = Network)]
pub struct JsNetwork {
    net: crate::Network,
    ws: Workspace,
    trainer: Trainer,
}

// The TypeScript of the objects that cross the boundary. Public so that
// tests/wasm.rs can check them against what the methods return.
pub const READING: &str = r#"
/** What `Network.read` makes of one input. */
export interface Reading {
    /** The digit read, or null for "not a digit". */
    digit: number | null;
    /** The probability of the answer: of `digit`, or of "not a digit" when it is null. */
    confidence: number;
    /** The probability of each digit 0-9 ("not a digit" left out). */
    probabilities: number[];
    /** The probability that the drawing is not a digit (0 for networks without that output). */
    notDigit: number;
}
"#;
#[wasm_bindgen(typescript_custom_section)]
const READING_TS: &str = READING;

pub const NUMBER_READING: &str = r#"
/** One digit of a number read by `Network.readDigits`. */
export interface NumberDigit {
    digit: number;
    confidence: number;
    /** The probability of each digit 0-9. */
    probabilities: number[];
    /** Where the digit is, in canvas pixels. */
    box: {x: number; y: number; width: number; height: number};
}

/**
 * One pen stroke on the canvas, for `Network.readDigits`: the points it went
 * through as x, y pairs in canvas pixels (one point is a dot), and the pen's width.
 */
export interface PenStroke {
    points: ArrayLike<number>;
    size: number;
}

/** What `Network.readDigits` makes of a canvas. */
export interface NumberReading {
    /** The digits joined, left to right; "" for a blank canvas. */
    text: string;
    digits: NumberDigit[];
    /** Each digit's network input (1 x 32 x 32) as it was read, end to end: digit i at i * 1024. */
    inputs: Float32Array;
}
"#;
#[wasm_bindgen(typescript_custom_section)]
const NUMBER_READING_TS: &str = NUMBER_READING;

pub const LAYER_INFO: &str = r#"
/** One layer of a network, as `Network.layers()` describes it. */
export interface LayerInfo {
    /** What people call it: C1, S2, ... */
    name: string;
    kind: LayerKind;
    /** Output of one input. */
    shape: {channels: number; height: number; width: number};
    params: number;
    /** Multiply-adds incl. bias (conv2d, linear); window reads (pooling); values (activations). */
    connections: number;
    /** Where this layer starts in `featureMaps()`, and how many values it has. */
    offset: number;
    length: number;
    /** PyTorch's weight shape: [O, C, K, K] or [OUT, IN]; only for layers with weights. */
    weightShape?: number[];
    /** Window geometry of convolutions and pooling layers. */
    kernelSize?: number;
    stride?: number;
    padding?: number;
}
"#;
#[wasm_bindgen(typescript_custom_section)]
const LAYER_INFO_TS: &str = LAYER_INFO;

/// What goes in: optimizer settings and network specs, as TypeScript, so a
/// setting that does not exist or a layer without its sizes fails to compile
/// (tests/package/types/ checks both ways).
#[wasm_bindgen(typescript_custom_section)]
const SETTINGS_TS: &str = r#"
/** Adam (Keras' defaults for what is left out) or SGD (which needs a learning rate). */
export type OptimizerSettings =
    | {kind: "adam"; lr?: number; beta1?: number; beta2?: number; eps?: number}
    | {kind: "sgd"; lr: number; momentum?: number; weightDecay?: number};

/** The presets `Network.fromSpec` takes by name. */
export type PresetName = "lenet5" | "lenet5-keras" | "lenet5-classic" | "lenet5-reject";

/** One layer of a `NetworkSpec`, in PyTorch's vocabulary. */
export type LayerSpec = {name?: string} & (
    | {type: "conv2d"; out_channels: number; kernel_size: number; stride?: number; padding?: number; in_channels?: number}
    | {type: "max_pool2d" | "avg_pool2d"; kernel_size: number; stride?: number}
    | {type: "relu" | "tanh" | "sigmoid" | "flatten"}
    | {type: "linear"; out_features: number; in_features?: number}
);

/** A small convnet as data: the input's [channels, height, width] and the layers. */
export interface NetworkSpec {
    name?: string;
    input: [number, number, number];
    /** The last output means "not any of the others" (read() answers null for it). */
    reject?: boolean;
    layers: LayerSpec[];
}

/** The kinds `LayerInfo.kind` takes. */
export type LayerKind = LayerSpec["type"];
"#;

#[wasm_bindgen(js_class = Network)]
impl JsNetwork {
    fn wrap(net: crate::Network) -> Result<JsNetwork, JsError> {
        let trainer = Trainer::new(&net, OptimizerConfig::adam(1e-3), 1)?;
        Ok(JsNetwork { net, ws: Workspace::new(), trainer })
    }

    /// The shipped reader, `lenet5-reject` (99.38% on the MNIST test set, and
    /// "not a digit" for letters and scribbles; weights/README.md), embedded in
    /// the .wasm in float16 (half the download, the same readings) and in byte
    /// planes (see `weights::byte_planes`): ready at once, no request.
    #[cfg(feature = "pretrained")]
    pub fn pretrained() -> Result<JsNetwork, JsError> {
        const PLANES: &[u8] = &crate::weights::byte_planes(*include_bytes!("../weights/lenet5-reject.f16.safetensors"));
        JsNetwork::wrap(crate::weights::from_bytes(&crate::weights::from_byte_planes(PLANES))?)
    }

    /// Loads a .safetensors file (from this library, the `lenet` tool or
    /// PyTorch), given as a Uint8Array or an ArrayBuffer.
    #[wasm_bindgen(js_name = fromSafetensors)]
    pub fn from_safetensors(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
    ) -> Result<JsNetwork, JsError> {
        let bytes = match bytes.dyn_into::<js_sys::Uint8Array>() {
            Ok(array) => array.to_vec(),
            Err(other) if other.is_instance_of::<js_sys::ArrayBuffer>() => js_sys::Uint8Array::new(&other).to_vec(),
            Err(_) => {
                return Err(JsError::new("invalid weights file: expected its bytes, as a Uint8Array or an ArrayBuffer"))
            }
        };
        JsNetwork::wrap(crate::weights::from_bytes(&bytes)?)
    }

    /// A fresh network with seeded random weights. `spec` is a preset name
    /// (`"lenet5"`, `"lenet5-keras"`, `"lenet5-classic"`), a JSON string or a
    /// spec object.
    #[wasm_bindgen(js_name = fromSpec)]
    pub fn from_spec(
        #[wasm_bindgen(unchecked_param_type = "PresetName | NetworkSpec | (string & {})")] spec: JsValue,
        seed: u32,
    ) -> Result<JsNetwork, JsError> {
        JsNetwork::wrap(crate::Network::from_preset_or_json(&spec_text(&spec)?, seed as u64)?)
    }

    /// Checks a spec layer by layer without building it, for an editor: the
    /// layers that fit (name, kind, shape, params, connections), then the
    /// first problem, on the layer it is in (`layer` null: the whole spec).
    /// A spec with no problem is one `fromSpec` builds.
    #[wasm_bindgen(js_name = checkSpec, unchecked_return_type = "SpecCheck")]
    pub fn check_spec(
        #[wasm_bindgen(unchecked_param_type = "PresetName | NetworkSpec | (string & {})")] spec: JsValue,
    ) -> Result<JsValue, JsError> {
        let text = spec_text(&spec)?;
        let json = crate::Spec::preset(text.trim()).map_or(text, |preset| preset.to_json());
        to_js(&crate::Spec::check(&json))
    }

    /// The weights as a .safetensors file, with the spec in its metadata.
    #[wasm_bindgen(js_name = toSafetensors)]
    pub fn to_safetensors(&self) -> Vec<u8> {
        crate::weights::to_bytes(&self.net)
    }

    /// The spec as a JSON string.
    #[wasm_bindgen(js_name = specJson)]
    pub fn spec_json(&self) -> String {
        self.net.spec().to_json()
    }

    /// Values in one input: 1024 for the LeNet-5 presets (1 x 32 x 32).
    #[wasm_bindgen(getter, js_name = inputLength)]
    pub fn input_length(&self) -> usize {
        self.net.input_shape().len()
    }

    /// [channels, height, width] of one input.
    #[wasm_bindgen(getter, js_name = inputShape)]
    pub fn input_shape(&self) -> Vec<usize> {
        self.net.input_shape().to_vec()
    }

    #[wasm_bindgen(getter, js_name = numClasses)]
    pub fn num_classes(&self) -> usize {
        self.net.num_classes()
    }

    /// Class probabilities for one input (1 x 32 x 32 values, row-major,
    /// background 0, ink 1).
    pub fn predict(&mut self, input: &[f32]) -> Result<Vec<f32>, JsError> {
        self.net.check_batch(input, 1)?;
        Ok(self.net.predict(input, &mut self.ws)?)
    }

    /// Reads one input (1 x 32 x 32 values, as `preprocess` gives):
    /// `{digit, confidence, probabilities, notDigit}`. `digit` is `null` when
    /// the network answers "not a digit" (only a network with that output,
    /// `canReject`, such as the shipped one, does); `probabilities` holds
    /// the ten digits' and leaves "not a digit" out. The input is read as it
    /// is and shifted by a pixel each way, and the five answers averaged, so
    /// `predict` on the input alone can differ a little.
    #[wasm_bindgen(unchecked_return_type = "Reading")]
    pub fn read(&mut self, input: &[f32]) -> Result<JsValue, JsError> {
        self.net.check_batch(input, 1)?;
        to_js(&self.net.read(input, &mut self.ws)?)
    }

    /// Reads every digit written on a canvas (RGBA bytes, as
    /// `getImageData().data`), left to right: `{text, digits}`, each digit
    /// `{digit, confidence, probabilities, box: {x, y, width, height}}` in
    /// canvas pixels, and `inputs`, each digit's 32 x 32 input end to end.
    /// Marks that are not digits are left out; a blank canvas gives `text: ""`
    /// and no digits. A pad that knows the `strokes` that drew the canvas
    /// passes them: digits that touch are then told apart by their strokes.
    #[wasm_bindgen(js_name = readDigits, unchecked_return_type = "NumberReading")]
    pub fn read_digits(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8ClampedArray | Uint8Array")] rgba: &[u8],
        width: usize,
        height: usize,
        #[wasm_bindgen(unchecked_param_type = "PenStroke[]")] strokes: Option<js_sys::Array>,
    ) -> Result<JsValue, JsError> {
        let strokes = strokes.map(|s| pen_strokes(&s)).transpose()?.unwrap_or_default();
        let number = self.net.read_digits_in_strokes(rgba, width, height, &strokes, &mut self.ws)?;
        let view = to_js(&number)?;
        // Each digit's input, end to end: bulk numbers travel as a typed array.
        let inputs: Vec<f32> = number.digits.iter().flat_map(|d| d.input.iter().copied()).collect();
        set(view.unchecked_ref(), "inputs", js_sys::Float32Array::from(&inputs[..]).into())?;
        Ok(view)
    }

    /// Whether the last output means "not a digit" (the spec's `reject`).
    #[wasm_bindgen(getter, js_name = canReject)]
    pub fn can_reject(&self) -> bool {
        self.net.spec().reject
    }

    /// Probabilities for `n` inputs laid end to end: n x classes values.
    #[wasm_bindgen(js_name = predictBatch)]
    pub fn predict_batch(&mut self, inputs: &[f32], n: usize) -> Result<Vec<f32>, JsError> {
        self.net.check_batch(inputs, n)?;
        Ok(self.net.predict(inputs, &mut self.ws)?)
    }

    /// Every layer's output for one input, end to end in one array; where
    /// each layer starts is in `layers()`.
    #[wasm_bindgen(js_name = featureMaps)]
    pub fn feature_maps(&mut self, input: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(self.net.feature_maps(input, &mut self.ws)?)
    }

    /// Milliseconds each layer takes on `input`, averaged over `repeats`
    /// forward passes (browsers coarsen their clock, so a few repeats help).
    #[wasm_bindgen(js_name = layerTimes)]
    pub fn layer_times(&mut self, input: &[f32], repeats: u32) -> Result<Vec<f64>, JsError> {
        const MAX_REPEATS: u32 = 10_000;
        if repeats > MAX_REPEATS {
            return Err(JsError::new(&format!("repeats must be at most {MAX_REPEATS}, got {repeats}")));
        }
        self.net.check_batch(input, 1)?;
        let clock = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
            .ok()
            .and_then(|p| p.dyn_into::<Performance>().ok())
            .ok_or_else(|| JsError::new("this JavaScript environment has no performance.now() clock"))?;
        let mut times = vec![0.0; self.net.layers().len()];
        for _ in 0..repeats.max(1) {
            let mut last = clock.now();
            self.net.forward_timed(input, &mut self.ws, &mut |i| {
                let now = clock.now();
                times[i] += now - last;
                last = now;
            })?;
        }
        Ok(times.into_iter().map(|t| t / repeats.max(1) as f64).collect())
    }

    /// Per layer: `name` (C1, S2, ...), `kind`, `shape` (channels, height,
    /// width), `params`, `connections`, `offset` and `length` in
    /// `featureMaps()`, and `weightShape` for layers with weights.
    #[wasm_bindgen(unchecked_return_type = "LayerInfo[]")]
    pub fn layers(&self) -> Result<JsValue, JsError> {
        to_js(&self.net.layer_views())
    }

    /// The biases of a layer with parameters: one per output channel or unit.
    pub fn biases(&self, #[wasm_bindgen(unchecked_param_type = "string")] layer: JsValue) -> Result<Vec<f32>, JsError> {
        let layer = layer.as_string().ok_or_else(|| JsError::new("the layer name must be a string, such as \"C1\""))?;
        Ok(self.net.biases(&layer)?)
    }

    /// Saliency: the gradient of class `digit`'s score (its logit, before
    /// the softmax) with respect to each value of one input, by the backward
    /// pass; laid out as the input (1 x 32 x 32). Positive where more ink
    /// would raise the score.
    #[wasm_bindgen(js_name = inputGradient)]
    pub fn input_gradient(&mut self, input: &[f32], digit: usize) -> Result<Vec<f32>, JsError> {
        Ok(self.net.input_gradient(input, digit, &mut self.ws)?)
    }

    /// Occlusion sensitivity: for each value of one input, how much class
    /// `digit`'s score (logit) falls when the `patch` x `patch` square
    /// holding it is blanked (set to 0). A check on `inputGradient` that
    /// needs no gradients.
    pub fn occlusion(&mut self, input: &[f32], digit: usize, patch: usize) -> Result<Vec<f32>, JsError> {
        Ok(self.net.occlusion(input, digit, patch, &mut self.ws)?)
    }

    /// The weights of a layer with parameters, in PyTorch's layout (see
    /// `weightShape` in `layers()`): for a convolution, O x C x K x K kernels.
    pub fn kernels(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] layer: JsValue,
    ) -> Result<Vec<f32>, JsError> {
        // Taken as a JsValue: a &str parameter given a number reads garbage.
        let layer = layer.as_string().ok_or_else(|| JsError::new("the layer name must be a string, such as \"C1\""))?;
        Ok(self.net.kernels(&layer)?)
    }

    /// One optimizer step on a batch: `images` holds n inputs end to end,
    /// `labels` n class indices (any integer array). Returns the batch's
    /// mean loss, before the step. On an error
    /// (bad sizes, labels, values, or a diverging step) nothing changes.
    #[wasm_bindgen(js_name = trainStep)]
    pub fn train_step(
        &mut self,
        images: &[f32],
        #[wasm_bindgen(
            unchecked_param_type = "Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | number[]"
        )]
        labels: &[i32],
    ) -> Result<f32, JsError> {
        self.net.check_batch(images, labels.len())?;
        let labels = self.net.class_labels(labels)?;
        Ok(self.trainer.step(&mut self.net, images, &labels)?.loss)
    }

    /// `{kind: "adam", lr, beta1, beta2, eps}` (Keras defaults: lr 1e-3,
    /// 0.9, 0.999, 1e-7) or `{kind: "sgd", lr, momentum, weightDecay}`.
    /// Starts the optimizer's state afresh.
    #[wasm_bindgen(js_name = setOptimizer)]
    pub fn set_optimizer(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "OptimizerSettings")] config: JsValue,
    ) -> Result<(), JsError> {
        let config = optimizer_config(&config).map_err(crate::Error::Optimizer)?;
        self.trainer = Trainer::new(&self.net, config, 1)?;
        Ok(())
    }

    /// Changes the learning rate and keeps the optimizer's state (for a
    /// schedule); `setOptimizer` starts afresh instead.
    #[wasm_bindgen(js_name = setLearningRate)]
    pub fn set_learning_rate(&mut self, lr: f32) -> Result<(), JsError> {
        Ok(self.trainer.optimizer_mut().set_lr(lr)?)
    }

    /// Mean loss and accuracy on a labelled set: `{loss, accuracy}`.
    #[wasm_bindgen(unchecked_return_type = "{loss: number, accuracy: number}")]
    pub fn evaluate(
        &mut self,
        images: &[f32],
        #[wasm_bindgen(
            unchecked_param_type = "Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | number[]"
        )]
        labels: &[i32],
    ) -> Result<JsValue, JsError> {
        self.net.check_batch(images, labels.len())?;
        let labels = self.net.class_labels(labels)?;
        let e = self.net.evaluate(images, &labels, 256, &mut self.ws)?;
        // Set field by field: JSON has no NaN or Infinity for a loss to be.
        let view = js_sys::Object::new();
        for (key, value) in [("loss", e.loss), ("accuracy", e.accuracy)] {
            set(&view, key, JsValue::from_f64(value as f64))?;
        }
        Ok(view.into())
    }
}

/// A spec given as a preset name, JSON text or an object, as text.
fn spec_text(spec: &JsValue) -> Result<String, JsError> {
    match spec.as_string() {
        Some(text) => Ok(text),
        None => js_sys::JSON::stringify(spec)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| JsError::new("invalid network spec: expected a preset name, a JSON string or an object")),
    }
}

/// A training run with the core's recipe, the same as `lenet train`'s: every
/// epoch the digits in a new order, each warped with its own seed, the
/// learning rate from the schedule, one step per batch. The network it
/// trains is passed to each `run`; the run can stop after any step and go on.
///
/// ```js
/// const net = Network.fromSpec("lenet5", 1);
/// const training = new Training(net, pixels, labels, {epochs: 4, batch: 64, seed: 1});
/// while (!training.done) {
///   const { losses, epochEnded } = training.run(net, 50); // at most 50 steps, never past an epoch's end
///   if (epochEnded) console.log(net.evaluate(testInputs, testLabels));
/// }
/// ```
#[wasm_bindgen(js_name = Training)]
pub struct JsTraining {
    recipe: crate::recipe::Recipe,
}

pub const TRAINING: &str = r#"
/** How `new Training` trains; what is left out takes the default shown. */
export interface TrainingSettings {
    /** 20 */
    epochs?: number;
    /** 64 */
    batch?: number;
    /** {kind: "adam", lr: 0.001}; its rate is the schedule's peak. */
    optimizer?: OptimizerSettings;
    /** "cosine": half a cosine down to 1% of the peak; "step": a tenth from half-way, a hundredth from 3/4. */
    schedule?: "cosine" | "step" | "constant";
    /** 1: the order of every epoch and every warp. */
    seed?: number;
    /** true: random warps and stroke-width changes of every image. */
    augment?: boolean;
}

/** What `Training.run` did. */
export interface TrainingProgress {
    /** The epoch of the last step, from 1, and the steps done in it. */
    epoch: number;
    step: number;
    stepsPerEpoch: number;
    stepsDone: number;
    totalSteps: number;
    /** Each step's mean loss on its batch, before its update. */
    losses: number[];
    /** Images trained on by these steps. */
    images: number;
    /** The learning rate of the last step. */
    lr: number;
    /** The last step finished an epoch (a time to evaluate). */
    epochEnded: boolean;
    done: boolean;
}

/** What `Network.checkSpec` found. */
export interface SpecCheck {
    /** The layers that fit, in order. */
    layers: {name: string; kind: LayerKind; shape: {channels: number; height: number; width: number}; params: number; connections: number}[];
    /** The first problem: the message `fromSpec` would throw, and its layer's index (null: the spec as a whole). */
    problem?: {layer: number | null; message: string};
}
"#;
#[wasm_bindgen(typescript_custom_section)]
const TRAINING_TS: &str = TRAINING;

impl JsTraining {
    /// What `run` and `applyGradients` return (`TrainingProgress`), set field
    /// by field: through JSON, the losses would bring a float printer into the .wasm.
    fn progress(&self, last: crate::recipe::Progress, losses: &[f32], images: usize) -> Result<JsValue, JsError> {
        let view = js_sys::Object::new();
        let whole = |n: usize| JsValue::from_f64(n as f64);
        set(&view, "epoch", whole(last.epoch))?;
        set(&view, "step", whole(last.step))?;
        set(&view, "stepsPerEpoch", whole(last.steps_per_epoch))?;
        set(&view, "stepsDone", whole(self.recipe.steps_done()))?;
        set(&view, "totalSteps", whole(self.recipe.total_steps()))?;
        set(&view, "losses", losses.iter().map(|&l| JsValue::from_f64(l as f64)).collect::<js_sys::Array>().into())?;
        set(&view, "images", whole(images))?;
        set(&view, "lr", JsValue::from_f64(last.lr as f64))?;
        set(&view, "epochEnded", JsValue::from_bool(last.ends_epoch()))?;
        set(&view, "done", JsValue::from_bool(self.recipe.is_done()))?;
        Ok(view.into())
    }
}

/// Sets `object[key]`.
fn set(object: &js_sys::Object, key: &str, value: JsValue) -> Result<(), JsError> {
    js_sys::Reflect::set(object, &JsValue::from_str(key), &value)
        .map(|_| ())
        .map_err(|_| JsError::new("internal error: cannot set a field"))
}

#[wasm_bindgen(js_class = Training)]
impl JsTraining {
    /// A run of `net` on `images` (28 x 28 bytes each, 0 paper to 255 ink,
    /// end to end, as MNIST's files hold them) with their `labels`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        net: &JsNetwork,
        images: Vec<u8>,
        #[wasm_bindgen(
            unchecked_param_type = "Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | number[]"
        )]
        labels: &[i32],
        #[wasm_bindgen(unchecked_param_type = "TrainingSettings")] settings: Option<js_sys::Object>,
    ) -> Result<JsTraining, JsError> {
        let settings = match settings {
            Some(object) => training_settings(&object)?,
            None => crate::recipe::Settings::default(),
        };
        let labels = net.net.class_labels(labels)?;
        let train = crate::data::Dataset::from_pixels(28, 28, images, labels)?;
        Ok(JsTraining { recipe: crate::recipe::Recipe::new(&net.net, train, settings, 1)? })
    }

    /// Up to `max_steps` steps on `net` (the network it was made for), never
    /// past the end of an epoch. A failing step (a loss that is not finite)
    /// throws and leaves the weights as they were.
    pub fn run(
        &mut self,
        net: &mut JsNetwork,
        #[wasm_bindgen(js_name = maxSteps)] max_steps: usize,
    ) -> Result<JsValue, JsError> {
        let mut losses = Vec::new();
        let mut last = None;
        let mut images = 0;
        for _ in 0..max_steps.max(1) {
            let progress = self.recipe.step(&mut net.net)?;
            losses.push(progress.loss);
            images += progress.images;
            last = Some(progress);
            if progress.ends_epoch() {
                break;
            }
        }
        let last = last.ok_or_else(|| JsError::new("internal error: no step was run"))?;
        self.progress(last, &losses, images)
    }

    #[wasm_bindgen(getter)]
    pub fn done(&self) -> bool {
        self.recipe.is_done()
    }

    #[wasm_bindgen(getter, js_name = stepsDone)]
    pub fn steps_done(&self) -> usize {
        self.recipe.steps_done()
    }

    #[wasm_bindgen(getter, js_name = totalSteps)]
    pub fn total_steps(&self) -> usize {
        self.recipe.total_steps()
    }

    #[wasm_bindgen(getter, js_name = stepsPerEpoch)]
    pub fn steps_per_epoch(&self) -> usize {
        self.recipe.steps_per_epoch()
    }
}

/// `{epochs, batch, optimizer, schedule, seed, augment}` read field by field
/// for [`crate::recipe::Settings::from_fields`].
fn training_settings(object: &js_sys::Object) -> Result<crate::recipe::Settings, JsError> {
    let keys: Vec<String> = js_sys::Object::keys(object).iter().filter_map(|k| k.as_string()).collect();
    let optimizer = js_sys::Reflect::get(object, &JsValue::from_str("optimizer")).unwrap_or(JsValue::UNDEFINED);
    let optimizer = if optimizer.is_undefined() {
        None
    } else {
        Some(optimizer_config(&optimizer).map_err(|why| crate::Error::Settings(format!("optimizer: {why}")))?)
    };
    Ok(crate::recipe::Settings::from_fields(&keys, |name| js_field(object, name), optimizer)?)
}

/// One field of a JavaScript object, for the core's `from_fields` readers.
fn js_field(object: &JsValue, name: &str) -> Field {
    let value = js_sys::Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    match value.as_f64() {
        Some(v) => Field::Number(v),
        None if value.is_undefined() => Field::Missing,
        None => Field::Other(describe(&value)),
    }
}

/// `{kind: "adam" | "sgd", ...}` read field by field for
/// [`OptimizerConfig::from_fields`] (deriving this through
/// serde-wasm-bindgen would add its whole deserializer to the .wasm).
fn optimizer_config(config: &JsValue) -> Result<OptimizerConfig, String> {
    let object: &js_sys::Object = config.dyn_ref().ok_or("expected an object such as {kind: \"adam\", lr: 0.001}")?;
    let keys: Vec<String> = js_sys::Object::keys(object).iter().filter_map(|k| k.as_string()).collect();
    let kind = js_sys::Reflect::get(config, &JsValue::from_str("kind")).ok().and_then(|k| k.as_string());
    OptimizerConfig::from_fields(&keys, kind, |name| js_field(config, name))
}

/// `[{points: [x0, y0, x1, y1, ...], size}, ...]` as the core's strokes.
fn pen_strokes(strokes: &js_sys::Array) -> Result<Vec<crate::number::Stroke>, JsError> {
    if !js_sys::Array::is_array(strokes) {
        return Err(JsError::new("invalid input: strokes must be an array of {points, size}"));
    }
    strokes
        .iter()
        .enumerate()
        .map(|(i, stroke)| {
            let field = |name| js_sys::Reflect::get(&stroke, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
            let (points, size) = (field("points"), field("size"));
            let listed = js_sys::Array::is_array(&points) || js_sys::ArrayBuffer::is_view(&points);
            let (Some(size), true) = (size.as_f64(), listed) else {
                return Err(JsError::new(&format!(
                    "invalid input: stroke {i} is {}, not {{points: [x0, y0, x1, y1, ...], size}}",
                    describe(&stroke)
                )));
            };
            let xy = js_sys::Float32Array::new(&points).to_vec();
            if xy.len() % 2 != 0 {
                return Err(JsError::new(&format!(
                    "invalid input: stroke {i}: its points are x, y pairs, not {} numbers",
                    xy.len()
                )));
            }
            Ok(crate::number::Stroke { points: xy.chunks_exact(2).map(|p| [p[0], p[1]]).collect(), width: size as f32 })
        })
        .collect()
}

/// A JavaScript value as JSON, for messages.
fn describe(value: &JsValue) -> String {
    js_sys::JSON::stringify(value).ok().and_then(|s| s.as_string()).unwrap_or_else(|| "undefined".into())
}

/// Small metadata (whole numbers and strings) as plain JavaScript objects,
/// through JSON: serde_json is in the .wasm already, and serde-wasm-bindgen's
/// serializer would add to it.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let json = serde_json::to_string(value).map_err(|e| JsError::new(&e.to_string()))?;
    js_sys::JSON::parse(&json).map_err(|_| JsError::new("internal error: the metadata is not JSON"))
}

/// Canvas pixels (RGBA bytes, as `getImageData().data`) -> one network input
/// (1 x 32 x 32): ink found by darkness and alpha, light-on-dark detected,
/// cropped, scaled to 20 px, centred by centre of mass. Returns `undefined`
/// when the canvas is blank.
#[wasm_bindgen]
pub fn preprocess(
    #[wasm_bindgen(unchecked_param_type = "Uint8ClampedArray | Uint8Array")] rgba: &[u8],
    width: usize,
    height: usize,
) -> Result<Option<Vec<f32>>, JsError> {
    Ok(crate::preprocess::preprocess_rgba(rgba, width, height)?.map(|p| p.input))
}
