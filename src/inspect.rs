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
        let summary = self.summary();
        let index = summary.iter().position(|l| l.name == name).ok_or_else(|| {
            let names: Vec<&str> = summary.iter().map(|l| l.name.as_str()).collect();
            Error::Layer(format!("no layer named '{name}'; the layers are {}", names.join(", ")))
        })?;
        let params =
            self.layers()[index].params().ok_or_else(|| Error::Layer(format!("layer '{name}' has no weights")))?;
        Ok(params.weight().iter().copied().collect())
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

    #[test]
    fn kernels_are_found_by_name_and_bad_names_say_which_there_are() {
        let net = Network::from_preset_or_json("lenet5", 3).unwrap();
        assert_eq!(net.kernels("C3").unwrap().len(), 16 * 6 * 25);
        let e = net.kernels("C9").unwrap_err().to_string();
        assert!(e.contains("no layer named 'C9'; the layers are C1, relu1, S2"), "{e}");
        let e = net.kernels("S2").unwrap_err().to_string();
        assert!(e.contains("layer 'S2' has no weights"), "{e}");
    }
}
