"""Exports the shipped network to ONNX for the peers of `make bench`.

  python3 tools/bench/export_onnx.py [weights.safetensors] [out.onnx]

Defaults: weights/lenet5-reject.safetensors -> target/bench/lenet5.onnx. The graph
comes from tools/golden/make_goldens.py's builder (the spec in the weights
file's metadata); its random weights are swapped for the file's, and only the
softmax output `probabilities` [N, classes] is kept, so the peers return what
lenet-wasm's predict returns. The input is `input` [N, 1, 32, 32].
"""

import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
from safetensors import safe_open

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "golden"))
from make_goldens import build  # noqa: E402


def export(weights_path, out_path):
    with safe_open(weights_path, "np") as f:
        spec = json.loads(f.metadata()["spec"])
        shipped = {name: f.get_tensor(name) for name in f.keys()}
    model, drawn, _ = build(spec, np.random.default_rng(0))
    shapes = {name: value.shape for name, value in shipped.items()}
    if shapes != {name: value.shape for name, value in drawn.items()}:
        raise SystemExit(f"{weights_path}: tensors {shapes} do not fit the spec's graph")
    graph = model.graph
    for tensor in graph.initializer:
        tensor.CopyFrom(numpy_helper.from_array(shipped[tensor.name].astype(np.float32), tensor.name))
    probabilities = [o for o in graph.output if o.name == "probabilities"]
    del graph.output[:]
    graph.output.extend(probabilities)
    onnx.checker.check_model(model, full_check=True)
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, out_path)
    print(f"wrote {out_path}: {spec['name']}, {sum(v.size for v in shipped.values()):,} parameters")


if __name__ == "__main__":
    args = sys.argv[1:]
    export(args[0] if args else ROOT / "weights" / "lenet5-reject.safetensors",
           args[1] if len(args) > 1 else ROOT / "target" / "bench" / "lenet5.onnx")
