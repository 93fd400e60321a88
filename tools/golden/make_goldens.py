"""Golden values for tests/golden.rs, computed by ONNX Runtime.

For each network below this script draws seeded random weights and inputs,
builds the same network as an ONNX graph (Conv, MaxPool, AveragePool, Relu,
Tanh, Sigmoid, Flatten, Gemm, Softmax), runs it on ONNX Runtime's CPU
provider with every layer's output exposed, and writes two files into
tests/golden/:

  <name>.safetensors          the weights under our tensor names, with the spec
                              in the metadata (loads with lenet::weights::from_bytes)
  <name>.outputs.safetensors  `input` [N, C, H, W], one tensor per spec layer
                              named as Spec::layer_name gives it, [N, C, H, W]
                              like our trace (a flat vector of F is [N, F, 1, 1]),
                              and `probabilities` [N, classes]

Run: python3 tools/golden/make_goldens.py (from anywhere; it writes next to this repository's tests).
"""

import json
import math
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file

SEED = 20240611
OUT_DIR = Path(__file__).resolve().parents[2] / "tests" / "golden"


# Layer dicts in the field order of the Rust `Spec::to_json()` (serde: `type`,
# the kind's fields, then `name` and `key`; optional fields left out when unset).
def conv(out, kernel, stride=1, padding=0, name=None, key=None):
    return with_names(
        {"type": "conv2d", "out_channels": out, "kernel_size": kernel, "stride": stride, "padding": padding}, name, key
    )


def pool(kind, kernel, stride=None, name=None):
    layer = {"type": kind, "kernel_size": kernel}
    if stride is not None:
        layer["stride"] = stride
    return with_names(layer, name, None)


def linear(out, name=None, key=None):
    return with_names({"type": "linear", "out_features": out}, name, key)


def plain(kind, name=None):
    return with_names({"type": kind}, name, None)


def with_names(layer, name, key):
    if name is not None:
        layer["name"] = name
    if key is not None:
        layer["key"] = key
    return layer


# The presets, as `Spec::preset` in src/spec.rs builds them.
PRESETS = {
    "lenet5": [
        conv(6, 5, name="C1", key="convnet.c1"),
        plain("relu", "relu1"),
        pool("max_pool2d", 2, name="S2"),
        conv(16, 5, name="C3", key="convnet.c3"),
        plain("relu", "relu3"),
        pool("max_pool2d", 2, name="S4"),
        conv(120, 5, name="C5", key="convnet.c5"),
        plain("relu", "relu5"),
        linear(84, name="F6", key="fc.f6"),
        plain("relu", "relu6"),
        linear(10, name="output", key="fc.f7"),
    ],
    "lenet5-keras": [
        conv(6, 5, name="C1", key="c1"),
        plain("relu", "relu1"),
        pool("avg_pool2d", 2, name="S2"),
        conv(16, 5, name="C3", key="c3"),
        plain("relu", "relu3"),
        pool("avg_pool2d", 2, name="S4"),
        plain("flatten", "flatten"),
        linear(120, name="C5", key="c5"),
        plain("relu", "relu5"),
        linear(84, name="F6", key="f6"),
        plain("relu", "relu6"),
        linear(10, name="output", key="output"),
    ],
    "lenet5-classic": [
        conv(6, 5, name="C1", key="c1"),
        plain("tanh", "tanh1"),
        pool("avg_pool2d", 2, name="S2"),
        conv(16, 5, name="C3", key="c3"),
        plain("tanh", "tanh3"),
        pool("avg_pool2d", 2, name="S4"),
        conv(120, 5, name="C5", key="c5"),
        plain("tanh", "tanh5"),
        linear(84, name="F6", key="f6"),
        plain("tanh", "tanh6"),
        linear(10, name="output", key="output"),
    ],
}

# (spec, batch size). `mixed` covers what the presets do not: stride 2, zero
# padding (also on a 2x2 kernel), sigmoid, pooling with a stride other than
# the kernel (overlapping, and windows that drop the last column), default
# names (`sigmoid1`) and default keys (`0.weight`).
NETWORKS = {
    **{name: ({"name": name, "input": [1, 32, 32], "layers": layers}, 4) for name, layers in PRESETS.items()},
    "mixed": (
        {
            "name": "mixed",
            "input": [3, 13, 11],
            "layers": [
                conv(4, 3, stride=2, padding=1),  # 4@7x6
                plain("sigmoid"),
                pool("avg_pool2d", 2, stride=1, name="A2"),  # 4@6x5
                conv(5, 2, padding=1, name="C3", key="c3"),  # 5@7x6
                pool("max_pool2d", 3, stride=2),  # 5@3x2, column 5 unused
                plain("tanh"),
                plain("flatten"),  # 30
                linear(7, name="F7"),
                plain("relu"),
                linear(4),
            ],
        },
        3,
    ),
}


def layer_name(layer, i):
    return layer.get("name", f"{layer['type']}{i}")


def layer_key(layer, i):
    return layer.get("key", str(i))


def build(spec, rng):
    """The ONNX model for `spec`, its weights by our tensor names, and the
    names of its layer outputs in order."""
    c, h, w = spec["input"]
    rank2 = False  # whether the ONNX tensor is [N, F] rather than [N, C, H, W]
    nodes, weights, outputs = [], {}, []
    x = "input"
    for i, layer in enumerate(spec["layers"]):
        kind, name, key = layer["type"], layer_name(layer, i), layer_key(layer, i)
        if kind == "conv2d":
            k, s, p = layer["kernel_size"], layer["stride"], layer["padding"]
            fan_in = c * k * k
            weights[f"{key}.weight"] = draw(rng, (layer["out_channels"], c, k, k), fan_in)
            weights[f"{key}.bias"] = draw(rng, (layer["out_channels"],), fan_in)
            nodes.append(
                helper.make_node(
                    "Conv", [x, f"{key}.weight", f"{key}.bias"], [name],
                    kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p],
                )
            )
            c, h, w = layer["out_channels"], (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        elif kind in ("max_pool2d", "avg_pool2d"):
            k = layer["kernel_size"]
            s = layer.get("stride", k)
            op = "MaxPool" if kind == "max_pool2d" else "AveragePool"
            nodes.append(helper.make_node(op, [x], [name], kernel_shape=[k, k], strides=[s, s]))
            h, w = (h - k) // s + 1, (w - k) // s + 1
        elif kind in ("relu", "tanh", "sigmoid"):
            nodes.append(helper.make_node(kind.capitalize(), [x], [name]))
        elif kind == "flatten":
            nodes.append(helper.make_node("Flatten", [x], [name], axis=1))
            c, h, w, rank2 = c * h * w, 1, 1, True
        elif kind == "linear":
            if not rank2:
                # Our specs let a conv output of C@1x1 feed a linear layer
                # directly; ONNX's Gemm needs it as [N, C] first.
                nodes.append(helper.make_node("Flatten", [x], [f"{name}.flat"], axis=1))
                x, rank2 = f"{name}.flat", True
            fan_in = c * h * w
            weights[f"{key}.weight"] = draw(rng, (layer["out_features"], fan_in), fan_in)
            weights[f"{key}.bias"] = draw(rng, (layer["out_features"],), fan_in)
            nodes.append(helper.make_node("Gemm", [x, f"{key}.weight", f"{key}.bias"], [name], transB=1))
            c, h, w = layer["out_features"], 1, 1
        else:
            raise ValueError(f"unknown layer type {kind}")
        outputs.append((name, ["N", c] if rank2 else ["N", c, h, w]))
        x = name
    nodes.append(helper.make_node("Softmax", [x], ["probabilities"], axis=-1))
    graph = helper.make_graph(
        nodes,
        spec["name"],
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", *spec["input"]])],
        [
            helper.make_tensor_value_info(n, TensorProto.FLOAT, shape)
            for n, shape in outputs + [("probabilities", ["N", c])]
        ],
        initializer=[numpy_helper.from_array(v, k) for k, v in weights.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model, full_check=True)
    return model, weights, [n for n, _ in outputs]


def draw(rng, shape, fan_in):
    """Uniform in +-sqrt(6 / fan_in): activations stay near 1 through the
    network, so an absolute tolerance of 1e-5 means the same thing in every layer."""
    bound = math.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(np.float32)


def save(tensors, path, metadata):
    """Writes a safetensors file with the tensors in the given order.
    (safetensors.numpy.save_file writes the metadata in a random order, so
    regenerating would change every file; this writes the same bytes each run.)"""
    header, offset = {"__metadata__": metadata}, 0
    for name, value in tensors.items():
        assert value.dtype == np.float32 and value.flags.c_contiguous, name
        header[name] = {"dtype": "F32", "shape": list(value.shape), "data_offsets": [offset, offset + value.nbytes]}
        offset += value.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for value in tensors.values():
            f.write(value.astype("<f4").tobytes())
    back = load_file(path)
    assert set(back) == set(tensors), path
    assert all(np.array_equal(back[k], v) for k, v in tensors.items()), path


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    options = ort.SessionOptions()
    # Run each node as written (no fusion), on one thread so runs repeat exactly.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    for name, (spec, batch) in NETWORKS.items():
        spec_json = json.dumps(spec, separators=(",", ":"))
        model, weights, layer_names = build(spec, rng)
        x = rng.random((batch, *spec["input"]), dtype=np.float32)
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        results = session.run(layer_names + ["probabilities"], {"input": x})
        outputs = {"input": x}
        for layer, value in zip(layer_names, results):
            # Our trace keeps every activation as [N, C, H, W].
            outputs[layer] = value.reshape(batch, -1, 1, 1) if value.ndim == 2 else value
        outputs["probabilities"] = results[-1]
        meta = {"format": "lenet-wasm", "spec": spec_json}
        save(weights, OUT_DIR / f"{name}.safetensors", meta)
        save(
            {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in outputs.items()},
            OUT_DIR / f"{name}.outputs.safetensors",
            {"spec": spec_json, "onnxruntime": ort.__version__, "seed": str(SEED)},
        )
        biggest = max(float(np.abs(v).max()) for v in results[:-1])
        print(f"{name}: {len(layer_names)} layers, batch {batch}, largest activation {biggest:.3f}")


if __name__ == "__main__":
    main()
