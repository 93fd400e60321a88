//! Weights files: safetensors, one file per network, the spec in its metadata.
//!
//! Tensors are named like PyTorch's `state_dict()`: `<key>.weight` and
//! `<key>.bias` for every layer with parameters, in PyTorch's layouts
//! (conv2d [O, C, K, K], linear [OUT, IN]), float32 little-endian (float16
//! is read too, and written on request: half the bytes to download). So a
//! `state_dict` saved from PyTorch with `safetensors.torch.save_file` loads
//! here unchanged, and ours load in PyTorch with `load_state_dict`.
//!
//! Metadata: `"spec"`, the JSON spec, and nothing else: the crate writes
//! metadata in hash-map order, so a single entry keeps the bytes of a network
//! the same from run to run. A file without a spec (a plain PyTorch export) is
//! read as the `lenet5` preset; other metadata entries are ignored.

use std::collections::HashMap;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::error::{Error, Result};
use crate::layers::Layer;
use crate::model::Network;
use crate::spec::Spec;

/// Name and PyTorch shape of every parameter tensor of `net`, in order.
fn tensor_layout(net: &Network) -> Vec<(String, Vec<usize>)> {
    let spec = net.spec();
    let mut layout = Vec::new();
    for (i, layer) in net.layers().iter().enumerate() {
        let key = spec.layer_key(i);
        let weight_shape = match layer {
            Layer::Conv2d(c) => vec![c.output.channels, c.input.channels, c.kernel, c.kernel],
            Layer::Linear(l) => l.params.weight().shape().to_vec(),
            _ => continue,
        };
        let bias_len = weight_shape[0];
        layout.push((format!("{key}.weight"), weight_shape));
        layout.push((format!("{key}.bias"), vec![bias_len]));
    }
    layout
}

/// How the values of a weights file are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F32,
    /// IEEE half precision, each weight rounded to the nearest: for
    /// shipping, where the readings stay the same (weights/README.md).
    F16,
}

/// The network as safetensors bytes, in float32.
pub fn to_bytes(net: &Network) -> Vec<u8> {
    to_bytes_as(net, Precision::F32)
}

/// The network as safetensors bytes, in `precision`.
pub fn to_bytes_as(net: &Network, precision: Precision) -> Vec<u8> {
    let encode = |s: &[f32]| -> Vec<u8> {
        match precision {
            Precision::F32 => s.iter().flat_map(|v| v.to_le_bytes()).collect(),
            Precision::F16 => s.iter().flat_map(|&v| half::f16::from_f32(v).to_le_bytes()).collect(),
        }
    };
    let dtype = match precision {
        Precision::F32 => Dtype::F32,
        Precision::F16 => Dtype::F16,
    };
    let bytes: Vec<Vec<u8>> = net.param_slices().map(encode).collect();
    let views: Vec<(String, TensorView)> = tensor_layout(net)
        .into_iter()
        .zip(&bytes)
        .map(|((name, shape), data)| (name, TensorView::new(dtype, shape, data).expect("sizes match the layout")))
        .collect();
    let metadata = HashMap::from([("spec".to_string(), net.spec().to_json())]);
    safetensors::serialize(views, Some(metadata)).expect("in-memory serialization of valid views")
}

/// Reads a network from safetensors bytes. Every tensor must be present,
/// float32 or float16, of the spec's shape and finite; nothing else may be
/// in the file.
pub fn from_bytes(bytes: &[u8]) -> Result<Network> {
    let bad = |why: String| Error::Weights(why);
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| bad(format!("not a safetensors file ({e})")))?;
    let spec = match header.metadata().as_ref().and_then(|m| m.get("spec")) {
        Some(json) => Spec::from_json(json).map_err(|e| bad(format!("the spec in its metadata: {e}")))?,
        None => Spec::preset("lenet5").expect("lenet5 is a preset"),
    };
    let tensors = SafeTensors::deserialize(bytes).map_err(|e| bad(format!("not a safetensors file ({e})")))?;
    let mut net = Network::from_spec(spec, 0)?;
    let layout = tensor_layout(&net);
    for name in tensors.names() {
        if !layout.iter().any(|(n, _)| n == name) {
            let expected: Vec<&str> = layout.iter().map(|(n, _)| n.as_str()).collect();
            return Err(bad(format!("unexpected tensor '{name}'; this network has {}", expected.join(", "))));
        }
    }
    let mut values = Vec::with_capacity(layout.len());
    for (name, shape) in &layout {
        let t = tensors.tensor(name).map_err(|_| bad(format!("tensor '{name}' is missing")))?;
        if t.shape() != shape.as_slice() {
            return Err(bad(format!("tensor '{name}' has shape {:?}; the spec needs {shape:?}", t.shape())));
        }
        let data: Vec<f32> = match t.dtype() {
            Dtype::F32 => t.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            Dtype::F16 => t.data().chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
            other => return Err(bad(format!("tensor '{name}' is {other:?}; expected F32 or F16"))),
        };
        if data.iter().any(|v| !v.is_finite()) {
            return Err(bad(format!("tensor '{name}' holds values that are not finite")));
        }
        values.push(data);
    }
    for (slice, data) in net.param_slices_mut().zip(values) {
        slice.copy_from_slice(&data);
    }
    Ok(net)
}

/// `bytes` with its even-indexed bytes first, then its odd-indexed ones. In
/// float16 the odd bytes hold each weight's sign and exponent, which repeat;
/// interleaved with the noisy low bytes they hide that from a compressor. The
/// .wasm embeds the shipped weights this way: Brotli sends them 4 KB smaller.
pub const fn byte_planes<const N: usize>(bytes: [u8; N]) -> [u8; N] {
    let mut planes = [0; N];
    let mut i = 0;
    while i < N {
        let to = if i % 2 == 0 { i / 2 } else { N.div_ceil(2) + i / 2 };
        planes[to] = bytes[i];
        i += 1;
    }
    planes
}

/// The bytes `byte_planes` took apart, back in their order.
pub fn from_byte_planes(planes: &[u8]) -> Vec<u8> {
    let (even, odd) = planes.split_at(planes.len().div_ceil(2));
    even.iter().zip(odd.iter().map(Some).chain([None])).flat_map(|(&e, o)| [Some(e), o.copied()]).flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Workspace;

    #[test]
    fn round_trip_keeps_spec_and_outputs() {
        for preset in crate::spec::PRESETS {
            let net = Network::from_preset_or_json(preset, 9).unwrap();
            let back = from_bytes(&to_bytes(&net)).unwrap();
            assert_eq!(back.spec(), net.spec());
            let x: Vec<f32> = (0..1024).map(|i| (i % 7) as f32 / 7.0).collect();
            let (mut a, mut b) = (Workspace::new(), Workspace::new());
            assert_eq!(net.predict(&x, &mut a).unwrap(), back.predict(&x, &mut b).unwrap(), "{preset}");
        }
    }

    #[test]
    fn byte_planes_come_apart_and_back() {
        for len in [0, 1, 2, 7, 8] {
            let bytes: Vec<u8> = (1..=len).collect();
            let planes = byte_planes::<8>(std::array::from_fn(|i| bytes.get(i).copied().unwrap_or(0)));
            assert_eq!(planes[..4], [1, 3, 5, 7].map(|b| if b <= len { b } else { 0 }));
            assert_eq!(from_byte_planes(&planes)[..len as usize], bytes[..]);
        }
        assert_eq!(from_byte_planes(&byte_planes([1, 2, 3])), [1, 2, 3]);
        assert_eq!(byte_planes([1, 2, 3]), [1, 3, 2]);
    }

    #[test]
    fn float16_files_hold_each_weight_rounded_to_half_precision() {
        let net = Network::from_preset_or_json("lenet5-reject", 4).unwrap();
        let half = to_bytes_as(&net, Precision::F16);
        assert!(half.len() < to_bytes(&net).len() * 6 / 10, "about half the bytes");
        let back = from_bytes(&half).unwrap();
        assert_eq!(back.spec(), net.spec());
        let rounded: Vec<f32> =
            net.param_slices().flat_map(|s| s.iter().map(|&v| half::f16::from_f32(v).to_f32())).collect();
        assert_eq!(back.param_slices().flatten().copied().collect::<Vec<f32>>(), rounded);
        assert_eq!(to_bytes_as(&back, Precision::F16), half, "rounding twice changes nothing");
    }

    #[test]
    fn names_and_shapes_follow_pytorch() {
        let net = Network::from_preset_or_json("lenet5", 0).unwrap();
        let bytes = to_bytes(&net);
        let st = SafeTensors::deserialize(&bytes).unwrap();
        let mut names: Vec<(String, Vec<usize>)> =
            st.tensors().into_iter().map(|(n, t)| (n, t.shape().to_vec())).collect();
        names.sort();
        let expected = [
            ("convnet.c1.bias", vec![6]),
            ("convnet.c1.weight", vec![6, 1, 5, 5]),
            ("convnet.c3.bias", vec![16]),
            ("convnet.c3.weight", vec![16, 6, 5, 5]),
            ("convnet.c5.bias", vec![120]),
            ("convnet.c5.weight", vec![120, 16, 5, 5]),
            ("fc.f6.bias", vec![84]),
            ("fc.f6.weight", vec![84, 120]),
            ("fc.f7.bias", vec![10]),
            ("fc.f7.weight", vec![10, 84]),
        ];
        let expected: Vec<(String, Vec<usize>)> = expected.into_iter().map(|(n, s)| (n.to_string(), s)).collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn bad_files_are_errors() {
        let net = Network::from_preset_or_json("lenet5", 0).unwrap();
        let good = to_bytes(&net);
        let err = |bytes: &[u8]| from_bytes(bytes).unwrap_err().to_string();
        assert!(err(&[]).contains("not a safetensors file"));
        assert!(err(&good[..good.len() - 10]).contains("not a safetensors file"));
        assert!(err(b"\xff\xff\xff\xff\xff\xff\xff\xffgarbage").contains("not a safetensors file"));

        type Tensors = Vec<(String, Vec<usize>, Vec<u8>)>;
        let rewrite = |f: &dyn Fn(&mut Tensors), meta: Option<HashMap<String, String>>| {
            let st = SafeTensors::deserialize(&good).unwrap();
            let mut ts: Tensors =
                st.tensors().into_iter().map(|(n, t)| (n, t.shape().to_vec(), t.data().to_vec())).collect();
            f(&mut ts);
            let views: Vec<(String, TensorView)> =
                ts.iter().map(|(n, s, d)| (n.clone(), TensorView::new(Dtype::F32, s.clone(), d).unwrap())).collect();
            safetensors::serialize(views, meta.clone()).unwrap()
        };
        // A PyTorch export without our metadata loads as lenet5.
        assert!(from_bytes(&rewrite(&|_| {}, None)).is_ok());
        let e = err(&rewrite(&|ts| ts.retain(|t| t.0 != "fc.f6.bias"), None));
        assert!(e.contains("'fc.f6.bias' is missing"), "{e}");
        let e = err(&rewrite(&|ts| ts.push(("extra".into(), vec![1], vec![0; 4])), None));
        assert!(e.contains("unexpected tensor 'extra'"), "{e}");
        let e = err(&rewrite(
            &|ts| {
                let t = ts.iter_mut().find(|t| t.0 == "convnet.c1.weight").unwrap();
                t.1 = vec![6, 25];
            },
            None,
        ));
        assert!(e.contains("shape [6, 25]") && e.contains("[6, 1, 5, 5]"), "{e}");
        let e = err(&rewrite(
            &|ts| {
                let t = ts.iter_mut().find(|t| t.0 == "fc.f7.bias").unwrap();
                t.2[..4].copy_from_slice(&f32::NAN.to_le_bytes());
            },
            None,
        ));
        assert!(e.contains("not finite"), "{e}");
        let keras = Spec::preset("lenet5-keras").unwrap().to_json();
        let e = err(&rewrite(&|_| {}, Some(HashMap::from([("spec".to_string(), keras)]))));
        assert!(e.contains("unexpected tensor"), "weights that do not fit the spec: {e}");
        let e = err(&rewrite(&|_| {}, Some(HashMap::from([("spec".to_string(), "{\"input\":[1,2]}".to_string())]))));
        assert!(e.contains("the spec in its metadata"), "{e}");
    }
}
