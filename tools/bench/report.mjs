#!/usr/bin/env node
// The end of `make bench`: merges target/bench/{native,ort-native,node-simd128,
// node-relaxed,chromium}.json with the .wasm sizes and the machine into
// target/bench/bench.json, and prints each figure beside the best peer, the
// wasm SIMD128 limit and issue 6's target. Both .wasm builds are measured, each
// against the limit of the SIMD128 multiply-add loop (the relaxed loop's fused
// multiply-adds are printed too).
// Ratios are always this figure / the other, so for a latency lower is better
// and for images/s higher is. A missed target is reported, not an error.
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { gzipSync } from 'node:zlib';
import { MIN_RUNS, RUN_STEPS } from './figures.mjs';

const root = new URL('../../', import.meta.url);
const read = async (path) => JSON.parse(await readFile(new URL(path, root), 'utf8'));
const [native, ortNative, node, nodeRelaxed, chromium] = await Promise.all(
  ['native', 'ort-native', 'node-simd128', 'node-relaxed', 'chromium'].map((name) => read(`target/bench/${name}.json`)),
);

async function size(path) {
  const bytes = await readFile(new URL(path, root));
  return { path, rawKB: bytes.length / 1024, gzipKB: gzipSync(bytes, { level: 9 }).length / 1024 };
}
const sizes = {
  withoutWeights: await size('target/bench/pkg-noweights/lenet_bg.wasm'),
  withWeights: await size('pkg/lenet_bg.wasm'),
};

const cpuinfo = await readFile('/proc/cpuinfo', 'utf8');
const machine = {
  cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
  cores: availableParallelism(),
  date: new Date().toISOString(),
  node: node.node,
  chromium: chromium.chromium,
  onnxruntimeWeb: node.onnxruntimeWeb.version,
  tfjs: node.tfjsWasm.version,
  onnxruntime: ortNative.version,
};

// The best wasm peer of each figure (all of them run in Node).
const wasmPeers = { 'onnxruntime-web': node.onnxruntimeWeb, 'tfjs wasm': node.tfjsWasm };
const best = (get, lowerIsBetter) =>
  Object.entries(wasmPeers)
    .map(([name, figures]) => ({ name, value: get(figures) }))
    .reduce((a, b) => ((lowerIsBetter ? b.value < a.value : b.value > a.value) ? b : a));
const peers = {
  predict: best((f) => f.predict.medianUs, true),
  predictBatch: best((f) => f.predictBatch.imagesPerSecond, false),
  // TF.js's wasm backend has no convolution gradients: then its cpu backend is the peer.
  trainStep: node.tfjsWasm.trainStep
    ? { name: 'tfjs wasm', value: node.tfjsWasm.trainStep.imagesPerSecond }
    : { name: 'tfjs cpu', value: node.tfjsCpu.trainStep.imagesPerSecond },
};

/** A table row; `target(value, peerRatio, limitRatio)` gives [text, met]; `timing` adds a latency's p10 and p90. */
const row = (figure, unit, value, { peer, limit, target, timing } = {}) => {
  const peerRatio = peer ? value / peer.value : undefined;
  const limitRatio = limit ? value / limit : undefined;
  const [goal, met] = target ? target(value, peerRatio, limitRatio) : [];
  const spread = timing && [timing.p10Us, timing.p90Us];
  return { figure, unit, value, spread, peer, peerRatio, limit, limitRatio, target: goal, met };
};
/** A latency row from a timing. */
const latency = (figure, timing, options = {}) => row(figure, 'us', timing.medianUs, { ...options, timing });

/** lenet-wasm's rows in one engine, against the Node peers and that engine's own peak. */
function wasmRows(engine, figures, peak) {
  const { predict, featureMaps, predictBatch, trainStep } = figures;
  return [
    latency(`${engine}: lenet-wasm predict, 1 image`, predict, {
      peer: peers.predict,
      limit: peak.lenetImageUs,
      target: (_, p, l) => ['<= 0.2x peer, <= 2x limit', p <= 0.2 && l <= 2],
    }),
    latency(`${engine}: lenet-wasm featureMaps, 1 image`, featureMaps, { limit: peak.lenetImageUs }),
    row(`${engine}: lenet-wasm predict, batch 64`, 'images/s', predictBatch.imagesPerSecond, {
      peer: peers.predictBatch,
      limit: peak.lenetImagesPerSecond,
      target: (_, p, l) => ['>= 2x peer, >= 0.5x limit', p >= 2 && l >= 0.5],
    }),
    row(`${engine}: lenet-wasm train step, batch 64`, 'images/s', trainStep.imagesPerSecond, {
      peer: peers.trainStep,
      target: (v) => ['>= 5,000', v >= 5000],
    }),
  ];
}

const onnxruntime = (value) => ({ name: 'onnxruntime', value });
const rows = [
  ...wasmRows('node simd128', node.lenetWasm, node.peak),
  ...wasmRows('node relaxed*', nodeRelaxed.lenetWasm, node.peak),
  ...wasmRows('chromium relaxed', chromium.builds.relaxed, chromium.peaks.simd128),
  ...wasmRows('chromium simd128', chromium.builds.simd128, chromium.peaks.simd128),
  latency('native: lenet predict, 1 image', native.predict, {
    peer: onnxruntime(ortNative.predict.medianUs),
    target: (_, p) => ['<= 1x onnxruntime', p <= 1],
  }),
  row('native: lenet predict, batch 64', 'images/s', native.predictBatch.imagesPerSecond, {
    peer: onnxruntime(ortNative.predictBatch.imagesPerSecond),
    target: (_, p) => ['>= 1x onnxruntime', p >= 1],
  }),
  row('native: lenet train step, batch 64, 1 thread', 'images/s', native.trainStep.imagesPerSecond),
  row('native: MNIST epoch, 2 threads (make train flags)', 's', native.epoch.seconds, {
    target: (v) => ['< 4', v < 4],
  }),
  row('native: MNIST epoch, 2 threads, --no-augment', 's', native.epochNoAugment.seconds),
  row('.wasm without weights, gzip', 'KB', sizes.withoutWeights.gzipKB, { target: (v) => ['< 150', v < 150] }),
  row('.wasm without weights, raw', 'KB', sizes.withoutWeights.rawKB),
  row('.wasm with weights (pkg/), gzip', 'KB', sizes.withWeights.gzipKB),
  row('.wasm with weights (pkg/), raw', 'KB', sizes.withWeights.rawKB),
  row('chromium: start-up to first prediction, minimal page', 'ms', chromium.startupMinimal.medianMs, {
    target: (v) => ['< 300', v < 300],
  }),
  row('chromium: start-up to lenet:ready, www/', 'ms', chromium.startupPage.medianMs, {
    target: (v) => ['< 300', v < 300],
  }),
  row('node: wasm SIMD128 peak (mul + add)', 'GFLOP/s', node.peak.gflops),
  row('node: wasm relaxed SIMD peak (fused madd)*', 'GFLOP/s', nodeRelaxed.peak.gflops),
  row('node: limit, LeNet-5 per image', 'us', node.peak.lenetImageUs),
  row('chromium: wasm SIMD128 peak (mul + add)', 'GFLOP/s', chromium.peaks.simd128.gflops),
  row('chromium: wasm relaxed SIMD peak (fused madd)', 'GFLOP/s', chromium.peaks.relaxed.gflops),
  row('chromium: limit, LeNet-5 per image', 'us', chromium.peaks.simd128.lenetImageUs),
  latency('peer: onnxruntime-web predict, 1 image', node.onnxruntimeWeb.predict),
  row('peer: onnxruntime-web predict, batch 64', 'images/s', node.onnxruntimeWeb.predictBatch.imagesPerSecond),
  latency('peer: tfjs wasm predict, 1 image', node.tfjsWasm.predict),
  row('peer: tfjs wasm predict, batch 64', 'images/s', node.tfjsWasm.predictBatch.imagesPerSecond),
  row('peer: tfjs cpu train step, batch 64', 'images/s', node.tfjsCpu.trainStep.imagesPerSecond),
  latency('peer: onnxruntime native predict, 1 image', ortNative.predict),
  row('peer: onnxruntime native predict, batch 64', 'images/s', ortNative.predictBatch.imagesPerSecond),
];

const number = (v, unit) => {
  const digits = v >= 1000 || unit === 'images/s' || unit === 'ms' ? 0 : v >= 100 ? 1 : 2;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
};
const cells = rows.map((r) => [
  r.figure,
  `${number(r.value, r.unit)} ${r.unit}`,
  r.spread ? r.spread.map((v) => number(v, r.unit)).join('-') : '',
  r.peer ? `${r.peer.name} ${number(r.peer.value, r.unit)}` : '',
  r.peerRatio === undefined ? '' : `${r.peerRatio.toFixed(2)}x`,
  r.limit ? number(r.limit, r.unit) : '',
  r.limitRatio === undefined ? '' : `${r.limitRatio.toFixed(2)}x`,
  r.target ? `${r.target}: ${r.met ? 'pass' : 'FAIL'}` : '',
]);
const header = ['figure', 'value', 'p10-p90', 'best peer', '/ peer', 'limit', '/ limit', 'target (issue 6)'];
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
const line = (c) =>
  c
    .map((text, i) => ([1, 4, 6].includes(i) ? text.padStart(widths[i]) : text.padEnd(widths[i])))
    .join('  ')
    .trimEnd();

console.log(
  `\nmake bench, ${machine.date}: ${machine.cpu}, ${machine.cores} cores; node ${machine.node}, chromium ${machine.chromium}`,
);
console.log(
  `peers: onnxruntime-web ${machine.onnxruntimeWeb}, tfjs ${machine.tfjs} (all in Node), onnxruntime ${machine.onnxruntime} (Python); one thread each`,
);
console.log(
  'latencies: median of 1,000 or 2,000 calls after a warm-up of 1 s or more; batch figures: 64 images / the median call;',
);
console.log(
  `in wasm (lenet-wasm, onnxruntime-web, tfjs wasm) each figure is the fastest of ${node.lenetWasm.predict.rounds} such rounds (tfjs cpu's training: one);`,
);
const runs = Object.entries(chromium.builds).flatMap(([build, f]) =>
  ['predict', 'featureMaps'].filter((k) => f[k].run > 1).map((k) => `${build} ${k} ${f[k].run}`),
);
if (runs.length) {
  const step = chromium.builds[Object.keys(chromium.builds)[0]].predict.clockStepUs;
  console.log(
    `chromium's clock steps by ${step.toFixed(0)} us, so its short calls are timed in runs of about ${RUN_STEPS} steps (${runs.join(', ')} calls), each run's mean one value, ${MIN_RUNS} runs or more;`,
  );
}
console.log(
  "limit: LeNet-5's 833,040 flops at the wasm SIMD128 peak of the same engine; ratios: value / peer, value / limit",
);
console.log(
  'builds: simd128 = pkg/lenet_bg.wasm, relaxed = pkg/lenet_relaxed_bg.wasm (what pkg/index.js loads where relaxed SIMD runs);',
);
console.log('* node --experimental-wasm-relaxed-simd: Node 20 runs relaxed SIMD only behind this flag\n');
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
cells.forEach((c) => console.log(line(c)));
const checks = [
  ['onnxruntime-web', node.onnxruntimeWeb.check],
  ['tfjs wasm', node.tfjsWasm.check],
  ['tfjs cpu', node.tfjsCpu.check],
  ['onnxruntime native (against lenet native)', ortNative.check],
];
console.log(
  `\noutputs on ${node.onnxruntimeWeb.check.digits} MNIST test digits, same top-1, max |p diff|: ${checks.map(([n, c]) => `${n} ${c.maxAbsDiff.toExponential(1)}`).join(', ')}`,
);
if (node.tfjsWasm.trainError)
  console.log(`tfjs wasm cannot train LeNet-5: ${node.tfjsWasm.trainError}; the training peer is tfjs cpu`);
const targets = rows.filter((r) => r.target);
console.log(`targets met: ${targets.filter((r) => r.met).length} of ${targets.length}`);

await writeFile(
  new URL('target/bench/bench.json', root),
  JSON.stringify({ machine, rows, native, ortNative, node, nodeRelaxed, chromium, sizes }, null, 2) + '\n',
);
console.log('wrote target/bench/bench.json');
