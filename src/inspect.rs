//! What the page shows of a network: every layer's maps in one array, where
//! each layer's values start in it, each layer's window and weights. The wasm
//! API hands these out as they are; here they are tested natively.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::kernels::copy_floats;
use crate::layers::Layer;
use crate::model::{LayerInfo, Network, Workspace};
use crate::spec::LayerKind;

/// One layer as `layers()` describes it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerView {
    #[serde(flatten)]
    pub info: LayerInfo,
    /// Where this layer's values start in [`Network::feature_maps`]' array, and how many.
    pub offset: usize,
    pub length: usize,
    /// PyTorch's shape of the weight tensor ([O, C, K, K] or [OUT, IN]), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_shape: Option<Vec<usize>>,
    /// Kernel size, stride and padding of convolutions and pooling layers.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
}

/// The window of a convolution or pooling layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Window {
    pub kernel_size: usize,
    pub stride: usize,
    pub padding: usize,
}

impl Window {
    fn of(kind: &LayerKind) -> Option<Window> {
        match *kind {
            LayerKind::Conv2d { kernel_size, stride, padding, .. } => Some(Window { kernel_size, stride, padding }),
            LayerKind::MaxPool2d { kernel_size, stride } | LayerKind::AvgPool2d { kernel_size, stride } => {
                Some(Window { kernel_size, stride: stride.unwrap_or(kernel_size), padding: 0 })
            }
            _ => None,
        }
    }
}

impl Network {
    /// Every layer's output for one input, end to end in one array, in the
    /// order and at the offsets of [`Network::layer_views`].
    pub fn feature_maps(&self, input: &[f32], ws: &mut Workspace) -> Result<Vec<f32>> {
        self.check_batch(input, 1)?;
        self.forward(input, ws)?;
        let maps: Vec<&[f32]> = self.trace(ws).map(|(_, _, values)| values).collect();
        // Copied with copy_floats rather than concat(): see its note on memory.copy.
        let mut all = vec![0.0; maps.iter().map(|m| m.len()).sum()];
        let mut at = 0;
        for map in maps {
            copy_floats(&mut all[at..at + map.len()], map);
            at += map.len();
        }
        Ok(all)
    }

    /// Each layer's summary, where its maps are in [`Network::feature_maps`],
    /// its weight shape and window.
    pub fn layer_views(&self) -> Vec<LayerView> {
        let mut offset = 0;
        self.summary()
            .into_iter()
            .zip(self.layers())
            .zip(&self.spec().layers)
            .map(|((info, layer), spec)| {
                let length = info.shape.len();
                let view = LayerView {
                    offset,
                    length,
                    weight_shape: weight_shape(layer),
                    window: Window::of(&spec.kind),
                    info,
                };
                offset += length;
                view
            })
            .collect()
    }

    /// The weights of the layer named `name` (C1, F6, ...), in PyTorch's
    /// layout: for a convolution, O x C x K x K kernels. No biases.
    pub fn kernels(&self, name: &str) -> Result<Vec<f32>> {
        Ok(self.params_of(name)?.weight().iter().copied().collect())
    }

    /// The biases of the layer named `name`: one per output channel or unit.
    pub fn biases(&self, name: &str) -> Result<Vec<f32>> {
        Ok(self.params_of(name)?.bias().to_vec())
    }

    fn params_of(&self, name: &str) -> Result<&crate::layers::Params> {
        let summary = self.summary();
        let index = summary.iter().position(|l| l.name == name).ok_or_else(|| {
            let names: Vec<&str> = summary.iter().map(|l| l.name.as_str()).collect();
            Error::Layer(format!("no layer named '{name}'; the layers are {}", names.join(", ")))
        })?;
        self.layers()[index].params().ok_or_else(|| Error::Layer(format!("layer '{name}' has no weights")))
    }
}

impl Network {
    /// Occlusion sensitivity, a check on [`Network::input_gradient`] that
    /// needs no gradients: the input is cut into `patch` x `patch` squares,
    /// each blanked in turn (set to the background, 0); every value of the
    /// result is how much `class`'s score (its logit, as for the gradient)
    /// falls when its square is blanked (negative where blanking raises it).
    /// Scores rather than probabilities: a confident reading's probability
    /// hardly moves when one square goes.
    pub fn occlusion(&self, input: &[f32], class: usize, patch: usize, ws: &mut Workspace) -> Result<Vec<f32>> {
        self.check_batch(input, 1)?;
        let shape = self.input_shape();
        let (classes, side) = (self.num_classes(), shape.height.max(shape.width));
        if class >= classes {
            return Err(Error::Labels(format!(
                "class {class} does not exist; this network has classes 0 to {}",
                classes - 1
            )));
        }
        if patch == 0 || patch > side {
            return Err(Error::Input(format!("the patch must be 1 to {side} pixels wide, got {patch}")));
        }
        let (rows, columns) = (shape.height.div_ceil(patch), shape.width.div_ceil(patch));
        let square = |at: usize, i: usize, j: usize| {
            at / shape.width % shape.height / patch == i && at % shape.width / patch == j
        };
        let mut batch = input.to_vec();
        for (i, j) in (0..rows).flat_map(|i| (0..columns).map(move |j| (i, j))) {
            batch.extend(input.iter().enumerate().map(|(at, &v)| if square(at, i, j) { 0.0 } else { v }));
        }
        let scores = self.forward(&batch, ws)?;
        let base = scores[[0, class]];
        let drops: Vec<f32> = scores.outer_iter().skip(1).map(|s| base - s[class]).collect();
        Ok((0..input.len())
            .map(|at| drops[at / shape.width % shape.height / patch * columns + at % shape.width / patch])
            .collect())
    }
}

fn weight_shape(layer: &Layer) -> Option<Vec<usize>> {
    match layer {
        Layer::Conv2d(c) => Some(vec![c.output.channels, c.input.channels, c.kernel, c.kernel]),
        Layer::Linear(l) => Some(l.params.weight().shape().to_vec()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_views_tile_the_feature_maps() {
        let net = Network::from_preset_or_json("lenet5", 3).unwrap();
        let maps = net.feature_maps(&vec![0.5; 1024], &mut Workspace::new()).unwrap();
        let views = net.layer_views();
        let last = views.last().unwrap();
        assert_eq!(last.offset + last.length, maps.len());
        assert!(views.windows(2).all(|w| w[0].offset + w[0].length == w[1].offset));
        let c1 = &views[0];
        assert_eq!((c1.info.name.as_str(), c1.weight_shape.as_deref()), ("C1", Some(&[6, 1, 5, 5][..])));
        assert_eq!(c1.window, Some(Window { kernel_size: 5, stride: 1, padding: 0 }));
        let s2 = &views[2];
        assert_eq!((s2.info.name.as_str(), s2.window), ("S2", Some(Window { kernel_size: 2, stride: 2, padding: 0 })));
        assert_eq!((s2.weight_shape.as_ref(), views[1].window), (None, None));
    }

    /// A digit-like input: a bar and a stem (a 7), background 0.
    fn seven() -> Vec<f32> {
        (0..1024)
            .map(|i| {
                if (i / 32 == 8 && (8..24).contains(&(i % 32))) || (i % 32 + i / 32 / 2 == 27 && i / 32 > 8) {
                    1.0
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// The score (logit) of `class` for `input`.
    fn score(net: &Network, input: &[f32], class: usize) -> f32 {
        net.forward(input, &mut Workspace::new()).unwrap()[[0, class]]
    }

    #[test]
    fn the_input_gradient_matches_finite_differences() {
        // tanh and average pooling (LeNet-5 of 1998): smooth, so differences converge.
        let net = Network::from_preset_or_json("lenet5-classic", 5).unwrap();
        let input = seven();
        let mut ws = Workspace::new();
        for class in [7, 2] {
            let gradient = net.input_gradient(&input, class, &mut ws).unwrap();
            assert_eq!(gradient.len(), 1024);
            let largest = gradient.iter().fold(0.0f32, |a, g| a.max(g.abs()));
            for at in [0, 200, 270, 300, 33 * 10, 500, 777, 1023] {
                let (mut up, mut down) = (input.clone(), input.clone());
                up[at] += 1e-2;
                down[at] -= 1e-2;
                let numeric = (score(&net, &up, class) - score(&net, &down, class)) / 2e-2;
                assert!(
                    (numeric - gradient[at]).abs() <= 2e-2 * largest,
                    "class {class}, value {at}: {numeric} against {}",
                    gradient[at]
                );
            }
        }
        let e = net.input_gradient(&input, 10, &mut ws).unwrap_err().to_string();
        assert!(e.contains("class 10 does not exist; this network has classes 0 to 9"), "{e}");
        assert!(net.input_gradient(&input[..100], 1, &mut ws).is_err());
    }

    #[test]
    fn occlusion_finds_the_ink_that_makes_the_reading() {
        let net = Network::from_preset_or_json("lenet5", 5).unwrap();
        let input = seven();
        let mut ws = Workspace::new();
        let map = net.occlusion(&input, 7, 4, &mut ws).unwrap();
        assert_eq!(map.len(), 1024);
        // Blank squares change nothing: the input there is background already.
        assert!(map.iter().zip(&input).enumerate().all(|(at, (m, _))| {
            let (i, j) = (at / 32 / 4 * 4, at % 32 / 4 * 4);
            let inked = (i..i + 4).any(|r| (j..j + 4).any(|c| input[r * 32 + c] != 0.0));
            inked || *m == 0.0
        }));
        let e = net.occlusion(&input, 7, 0, &mut ws).unwrap_err().to_string();
        assert!(e.contains("the patch must be 1 to 32 pixels wide, got 0"), "{e}");
    }

    #[test]
    fn kernels_are_found_by_name_and_bad_names_say_which_there_are() {
        let net = Network::from_preset_or_json("lenet5", 3).unwrap();
        assert_eq!(net.kernels("C3").unwrap().len(), 16 * 6 * 25);
        assert_eq!(net.biases("C3").unwrap().len(), 16);
        assert_eq!(net.biases("F6").unwrap().len(), 84);
        let e = net.kernels("C9").unwrap_err().to_string();
        assert!(e.contains("no layer named 'C9'; the layers are C1, relu1, S2"), "{e}");
        let e = net.kernels("S2").unwrap_err().to_string();
        assert!(e.contains("layer 'S2' has no weights"), "{e}");
    }
}
