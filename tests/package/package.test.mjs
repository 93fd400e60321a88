// The npm package as its users meet it: the JavaScript API in Node, both
// builds alike, and its types (the examples: examples.test.mjs). Run by
// `make package-test` (after `make npm-pack`).
// Bad input: bad-input.test.mjs tries every row of docs/errors.md's table.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));

let lenet;
before(async () => {
  lenet = await import(join(root, 'pkg/index.js'));
  await lenet.default({ module_or_path: await readFile(join(root, 'pkg', lenet.wasmFile)) });
});

/** Sixteen seven-ish strokes on a 28x28 pad (RGBA), as a canvas would give. */
function drawSeven(width = 84, height = 84) {
  const rgba = new Uint8ClampedArray(width * height * 4);
  const ink = (x, y) => {
    for (let dy = -3; dy <= 3; dy++)
      for (let dx = -3; dx <= 3; dx++) {
        const i = ((Math.round(y) + dy) * width + Math.round(x) + dx) * 4;
        rgba[i + 3] = 255; // black, opaque
      }
  };
  for (let t = 0; t <= 1; t += 0.01) ink(20 + 44 * t, 18); // top bar
  for (let t = 0; t <= 1; t += 0.01) ink(64 - 30 * t, 18 + 50 * t); // stem
  return rgba;
}

test('the API predicts, explains its layers and trains', () => {
  const net = lenet.Network.pretrained();
  const input = lenet.preprocess(drawSeven(), 84, 84);
  assert.ok(input instanceof Float32Array && input.length === 1024);
  const p = net.predict(input);
  assert.equal(p.indexOf(Math.max(...p)), 7, `probabilities ${p}`);
  assert.equal(lenet.preprocess(new Uint8ClampedArray(84 * 84 * 4), 84, 84), undefined, 'blank canvas');

  const layers = net.layers();
  assert.deepEqual(
    layers.map((l) => l.name),
    ['C1', 'relu1', 'S2', 'C3', 'relu3', 'S4', 'C5', 'relu5', 'F6', 'relu6', 'output'],
  );
  assert.equal(layers[0].connections, 122304);
  assert.equal(net.featureMaps(input).length, layers.at(-1).offset + layers.at(-1).length);

  net.setOptimizer({ kind: 'sgd', lr: 0.01, momentum: 0.9 });
  const before = net.evaluate(input, new Uint8Array([3]));
  for (let i = 0; i < 5; i++) net.trainStep(input, new Uint8Array([3]));
  const after = net.evaluate(input, new Uint8Array([3]));
  assert.deepEqual(net.evaluate(input, new Int32Array([3])), after, 'labels in any integer array');
  assert.ok(after.loss < before.loss, `training on a label lowers its loss: ${before.loss} -> ${after.loss}`);
  const copy = lenet.Network.fromSafetensors(net.toSafetensors());
  assert.deepEqual(copy.predict(input), net.predict(input));
  copy.free();
  const fromBuffer = lenet.Network.fromSafetensors(net.toSafetensors().slice().buffer);
  assert.deepEqual(fromBuffer.predict(input), net.predict(input), 'an ArrayBuffer loads too');
  fromBuffer.free();
  net.free();
});

test('index.js picks the relaxed-SIMD build where the engine has it, and both builds compute the same', (t) => {
  assert.equal(lenet.wasmFile, lenet.relaxedSimd ? 'lenet_relaxed_bg.wasm' : 'lenet_bg.wasm');
  // Node 20 runs relaxed SIMD behind a flag (Node 22 by default): the child compares the two builds.
  const flags = lenet.relaxedSimd ? [] : ['--experimental-wasm-relaxed-simd'];
  const found = JSON.parse(
    execFileSync('node', [...flags, join(root, 'tests/package/compare-builds.mjs')], { encoding: 'utf8' }),
  );
  t.diagnostic(
    `relaxed against SIMD128 on ${found.digits} digits: max |p diff| ${found.maxProbabilityDiff.toExponential(2)}, bit-identical ${found.bitIdentical}`,
  );
  assert.equal(found.relaxedSimd, true, 'with relaxed SIMD the engine reports it');
  assert.equal(found.wasmFile, 'lenet_relaxed_bg.wasm');
  assert.ok(found.maxProbabilityDiff <= 1e-5, `probabilities differ by ${found.maxProbabilityDiff}`);
  assert.equal(found.top1Differs, 0, 'the same digits');
  // Adam's first steps amplify rounding: where a gradient is near zero its step is still about
  // +-lr, with either sign. Over these 5 steps the losses drifted apart by up to 6e-5 (relative)
  // with only the products fused, 1.8e-4 with the Winograd transforms fused as well, while one
  // step apart they agree within 2e-5. A wrong step would be off by far more than 1e-3.
  found.losses.relaxed.forEach((loss, step) => {
    const plain = found.losses.simd128[step];
    assert.ok(Math.abs(loss - plain) <= 1e-3 * Math.abs(plain), `training step ${step}: loss ${loss} against ${plain}`);
  });
});

test('the types guide: right calls compile, wrong settings, specs and kinds do not (tsc --strict)', () => {
  // Each project marks each mistake with @ts-expect-error: tsc fails if one compiles. types/ is a
  // web app (DOM), types/node/ a Node project without the DOM library; both with skipLibCheck off.
  const tsc = join(root, 'tools/node_modules/.bin/tsc');
  for (const project of ['tests/package/types', 'tests/package/types/node']) {
    const run = spawnSync(tsc, ['-p', join(root, project)], { encoding: 'utf8' });
    assert.equal(run.status, 0, `${project}: ${run.stdout}${run.stderr}`);
  }
});
