// The "Bad input" table of docs/errors.md for the JavaScript API, row by row, on the npm
// package in pkg/: each row's call must give what the table says, and the
// network must then predict and train exactly like an untouched copy.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { badInputRows, holdsInOrder } from '../bad-input-table.mjs';

const root = new URL('../../', import.meta.url);
let lenet, shipped;
before(async () => {
  lenet = await import(new URL('pkg/index.js', root));
  await lenet.default({ module_or_path: await readFile(new URL(`pkg/${lenet.wasmFile}`, root)) });
  shipped = lenet.Network.pretrained().toSafetensors();
});

/** `n` inputs of seeded pseudo-random values in [0, 1). */
function inputs(n, seed = 1) {
  let s = seed;
  return Float32Array.from({ length: n * 1024 }, () => (s = (s * 16807) % 2147483647) / 2147483647);
}
const withValue = (x, at, value) => {
  x[at] = value;
  return x;
};
const labels = (...ys) => new Uint8Array(ys);
/** A 720 x 240 canvas with a vertical bar of ink: [rgba, width, height]. */
function numberPad() {
  const rgba = new Uint8Array(720 * 240 * 4).fill(255);
  for (let y = 50; y < 150; y++) for (let x = 92; x < 108; x++) rgba.fill(0, (y * 720 + x) * 4, (y * 720 + x) * 4 + 3);
  return [rgba, 720, 240];
}

/** The shipped weights file with its tensors changed by `edit(tensors, metadata)`. */
function rewrite(edit) {
  const size = Number(new DataView(shipped.buffer, shipped.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(shipped.subarray(8, 8 + size)));
  const metadata = header.__metadata__;
  delete header.__metadata__;
  const tensors = {};
  for (const [name, t] of Object.entries(header)) {
    tensors[name] = {
      dtype: t.dtype,
      shape: t.shape,
      bytes: shipped.slice(8 + size + t.data_offsets[0], 8 + size + t.data_offsets[1]),
    };
  }
  edit(tensors, metadata);
  const out = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    out[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, (offset += t.bytes.length)] };
  }
  const json = new TextEncoder().encode(JSON.stringify(out));
  const file = new Uint8Array(8 + json.length + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(json.length), true);
  file.set(json, 8);
  let at = 8 + json.length;
  for (const t of Object.values(tensors)) file.set(t.bytes, (at += t.bytes.length) - t.bytes.length);
  return file;
}

const spec = (input, layers) => ({ input, layers });
/** `n` blank 28 x 28 digits labelled 0, and a run on them. */
const digits = (n) => new Uint8Array(n * 784);
const training = (net, settings, n = 2) => new lenet.Training(net, digits(n), new Uint8Array(n), settings);
// The run each training-over setup finished, by network.
const finished = new WeakMap();
const classify = [{ type: 'flatten' }, { type: 'linear', out_features: 10 }];

// One case per row: called with the network (and the package), it makes the
// bad call; `setup`, if any, runs first on both the network and its copy.
const CASES = {
  'predict-length': (net) => net.predict(new Float32Array(1000)),
  'predict-nan': (net) => net.predict(withValue(inputs(1), 17, NaN)),
  'predict-inf': (net) => net.predict(withValue(inputs(1), 3, -Infinity)),
  'predict-missing': (net) => net.predict(),
  'read-length': (net) => net.read(new Float32Array(1000)),
  'read-nan': (net) => net.read(withValue(inputs(1), 5, NaN)),
  'digits-length': (net) => net.readDigits(new Uint8Array(15), 2, 2),
  'digits-empty': (net) => net.readDigits(new Uint8Array(0), 0, 0),
  'digits-huge': (net) => net.readDigits(new Uint8Array(16), 5000, 5000),
  'digits-blank': (net) => net.readDigits(new Uint8Array(720 * 240 * 4).fill(255), 720, 240),
  'digits-strokes-object': (net) => net.readDigits(...numberPad(), {}),
  'digits-stroke-shape': (net) => net.readDigits(...numberPad(), [[[1, 2]]]),
  'digits-stroke-odd': (net) => net.readDigits(...numberPad(), [{ points: [1, 2, 3], size: 16 }]),
  'digits-stroke-empty': (net) => net.readDigits(...numberPad(), [{ points: [], size: 16 }]),
  'digits-stroke-nan': (net) =>
    net.readDigits(...numberPad(), [
      { points: [100, 50, 100, 150], size: 16 },
      { points: new Float32Array([5, NaN]), size: 16 },
    ]),
  'digits-stroke-size': (net) => net.readDigits(...numberPad(), [{ points: [100, 50, 100, 150], size: 0 }]),
  'digits-strokes-too-many': (net) =>
    net.readDigits(...numberPad(), [
      { points: Float32Array.from({ length: 2e6 }, (_, i) => (i % 2 ? 100 : i % 80)), size: 16 },
    ]),
  'batch-empty': (net) => net.predictBatch(inputs(4), 0),
  'batch-count': (net) => net.predictBatch(inputs(4), 3),
  'batch-negative': (net) => net.predictBatch(inputs(4), -1),
  'batch-fraction': (net) => net.predictBatch(inputs(1), 1.5),
  'batch-nan': (net) => net.predictBatch(withValue(inputs(4), 1024 + 17, NaN), 4),
  'maps-length': (net) => net.featureMaps(new Float32Array(10)),
  'maps-nan': (net) => net.featureMaps(withValue(inputs(1), 17, NaN)),
  'times-length': (net) => net.layerTimes(new Float32Array(10), 1),
  'times-nan': (net) => net.layerTimes(withValue(inputs(1), 17, NaN), 1),
  'times-zero': (net) => net.layerTimes(inputs(1), 0),
  'times-too-many': (net) => net.layerTimes(inputs(1), -1),
  'gradient-class': (net) => net.inputGradient(inputs(1), 11),
  'gradient-length': (net) => net.inputGradient(new Float32Array(10), 7),
  'occlusion-patch': (net) => net.occlusion(inputs(1), 7, 0),
  'kernels-unknown': (net) => net.kernels('C9'),
  'kernels-no-weights': (net) => net.kernels('S2'),
  'biases-no-weights': (net) => net.biases('S4'),
  'kernels-not-a-string': (net) => net.kernels(5),
  'train-label-range': (net) => net.trainStep(inputs(4), labels(1, 2, 3, 11)),
  'train-label-negative': (net) => net.trainStep(inputs(1), [-1]),
  'train-label-count': (net) => net.trainStep(inputs(4), labels(1, 2)),
  'train-empty': (net) => net.trainStep(new Float32Array(0), labels()),
  'train-nan': (net) => net.trainStep(withValue(inputs(1), 17, NaN), labels(1)),
  'train-overflow': (net) => net.trainStep(new Float32Array(1024).fill(3e38), labels(1)),
  'train-update-overflow': {
    setup: (net) => net.setOptimizer({ kind: 'sgd', lr: 1e38 }),
    call: (net) => net.trainStep(inputs(1), labels(3)),
  },
  'optimizer-kind': (net) => net.setOptimizer({ kind: 'rmsprop' }),
  'optimizer-missing': (net) => net.setOptimizer(),
  'optimizer-field': (net) => net.setOptimizer({ kind: 'adam', learningRate: 0.1 }),
  'optimizer-type': (net) => net.setOptimizer({ kind: 'adam', lr: '0.1' }),
  'optimizer-sgd-no-lr': (net) => net.setOptimizer({ kind: 'sgd' }),
  'optimizer-lr-zero': (net) => net.setOptimizer({ kind: 'sgd', lr: 0 }),
  'optimizer-lr-negative': (net) => net.setOptimizer({ kind: 'adam', lr: -1 }),
  'optimizer-lr-nan': (net) => net.setOptimizer({ kind: 'adam', lr: NaN }),
  'optimizer-lr-inf': (net) => net.setOptimizer({ kind: 'adam', lr: Infinity }),
  'optimizer-momentum': (net) => net.setOptimizer({ kind: 'sgd', lr: 0.1, momentum: 1 }),
  'optimizer-weight-decay': (net) => net.setOptimizer({ kind: 'sgd', lr: 0.1, weightDecay: -1 }),
  'optimizer-beta1': (net) => net.setOptimizer({ kind: 'adam', beta1: 1 }),
  'optimizer-beta2': (net) => net.setOptimizer({ kind: 'adam', beta2: -0.1 }),
  'optimizer-eps': (net) => net.setOptimizer({ kind: 'adam', eps: 0 }),
  'lr-zero': (net) => net.setLearningRate(0),
  'lr-negative': (net) => net.setLearningRate(-1),
  'lr-nan': (net) => net.setLearningRate(NaN),
  'lr-inf': (net) => net.setLearningRate(1e40),
  'evaluate-count': (net) => net.evaluate(inputs(4), labels(1, 2, 3)),
  'evaluate-empty': (net) => net.evaluate(new Float32Array(0), labels()),
  'evaluate-label': (net) => net.evaluate(inputs(1), labels(12)),
  'evaluate-nan': (net) => net.evaluate(withValue(inputs(1), 17, NaN), labels(1)),
  'weights-empty': () => lenet.Network.fromSafetensors(new Uint8Array(0)),
  'weights-not-bytes': () => lenet.Network.fromSafetensors('weights/lenet5-reject.safetensors'),
  'weights-text': () => lenet.Network.fromSafetensors(new TextEncoder().encode('this is not a safetensors file')),
  'weights-truncated': () => lenet.Network.fromSafetensors(shipped.subarray(0, shipped.length / 2)),
  'weights-header': () => lenet.Network.fromSafetensors(withValue(shipped.slice(), 8, '['.charCodeAt(0))),
  'weights-missing-tensor': () => lenet.Network.fromSafetensors(rewrite((t) => delete t['fc.f7.bias'])),
  'weights-extra-tensor': () =>
    lenet.Network.fromSafetensors(rewrite((t) => (t.extra = { dtype: 'F32', shape: [1], bytes: new Uint8Array(4) }))),
  'weights-shape': () => lenet.Network.fromSafetensors(rewrite((t) => (t['convnet.c1.weight'].shape = [6, 25]))),
  'weights-dtype': () => lenet.Network.fromSafetensors(rewrite((t) => (t['convnet.c1.bias'].dtype = 'I32'))),
  'weights-nan': () =>
    lenet.Network.fromSafetensors(
      rewrite((t) => new DataView(t['convnet.c1.bias'].bytes.buffer).setFloat32(4, NaN, true)),
    ),
  'weights-spec': () =>
    lenet.Network.fromSafetensors(
      rewrite((_, meta) => (meta.spec = meta.spec.replace('"input":[1,32,32]', '"input":[1,28,28]'))),
    ),
  'spec-preset': () => lenet.Network.fromSpec('lenet6', 1),
  'spec-not-spec': () => lenet.Network.fromSpec(undefined, 1),
  'spec-json': () => lenet.Network.fromSpec('{"input": [1, 32, 32], "layers": [', 1),
  'spec-no-input': () => lenet.Network.fromSpec({ layers: classify }, 1),
  'spec-zero-input': () => lenet.Network.fromSpec(spec([1, 0, 8], classify), 1),
  'spec-no-layers': () => lenet.Network.fromSpec(spec([1, 8, 8], []), 1),
  'spec-layer-type': () => lenet.Network.fromSpec(spec([1, 8, 8], [{ type: 'pool' }]), 1),
  'spec-layer-field': () =>
    lenet.Network.fromSpec(
      spec([1, 8, 8], [{ type: 'conv2d', out_channels: 2, kernel_size: 3, strides: 2 }, ...classify]),
      1,
    ),
  'spec-top-field': () => lenet.Network.fromSpec({ ...spec([1, 8, 8], classify), optimizer: 'adam' }, 1),
  'spec-negative': () =>
    lenet.Network.fromSpec(spec([1, 8, 8], [{ type: 'conv2d', out_channels: -2, kernel_size: 3 }, ...classify]), 1),
  'spec-zero': () =>
    lenet.Network.fromSpec(spec([1, 8, 8], [{ type: 'conv2d', out_channels: 2, kernel_size: 0 }, ...classify]), 1),
  'spec-fit': () =>
    lenet.Network.fromSpec(
      spec([1, 8, 8], [{ type: 'conv2d', name: 'C1', out_channels: 2, kernel_size: 9 }, ...classify]),
      1,
    ),
  'spec-padding': () =>
    lenet.Network.fromSpec(
      spec([1, 8, 8], [{ type: 'conv2d', out_channels: 2, kernel_size: 3, padding: 3 }, ...classify]),
      1,
    ),
  'spec-in-channels': () =>
    lenet.Network.fromSpec(
      spec([1, 8, 8], [{ type: 'conv2d', in_channels: 3, out_channels: 2, kernel_size: 3 }, ...classify]),
      1,
    ),
  'spec-not-flat': () => lenet.Network.fromSpec(spec([1, 8, 8], [{ type: 'linear', out_features: 10 }]), 1),
  'spec-one-class': () =>
    lenet.Network.fromSpec(spec([1, 8, 8], [{ type: 'flatten' }, { type: 'linear', out_features: 1 }]), 1),
  'spec-same-name': () =>
    lenet.Network.fromSpec(
      spec(
        [1, 8, 8],
        [
          { type: 'flatten', name: 'a' },
          { type: 'linear', name: 'a', out_features: 10 },
        ],
      ),
      1,
    ),
  'spec-too-big': () => lenet.Network.fromSpec(spec([1, 4096, 4096], classify), 1),
  'training-setting': (net) => training(net, { epoch: 2 }),
  'training-optimizer': (net) => training(net, { optimizer: { kind: 'adam', momentum: 0.9 } }),
  'training-epochs': (net) => training(net, { epochs: 0 }),
  'training-batch': (net) => training(net, { batch: 1e9 }),
  'training-images': (net) => new lenet.Training(net, new Uint8Array(783), new Uint8Array(1)),
  'training-labels': (net) => new lenet.Training(net, digits(1), new Uint8Array([12])),
  'training-over': {
    setup: (net) => {
      const run = training(net, { epochs: 1, batch: 2 });
      run.run(net, 10);
      finished.set(net, run);
    },
    call: (net) => finished.get(net).run(net, 1),
  },
  'training-other-net': (net) => training(net, {}).run(lenet.Network.fromSpec('lenet5', 1), 1),
  'preprocess-empty': () => lenet.preprocess(new Uint8Array(0), 0, 0),
  'preprocess-length': () => lenet.preprocess(new Uint8Array(15), 2, 2),
  'preprocess-huge': () => lenet.preprocess(new Uint8Array(16), 5000, 5000),
  'preprocess-negative': () => lenet.preprocess(new Uint8Array(16), -2, 2),
  'preprocess-blank': () => lenet.preprocess(new Uint8ClampedArray(64 * 64 * 4), 64, 64),
  'preprocess-uniform': () => lenet.preprocess(new Uint8ClampedArray(64 * 64 * 4).fill(128), 64, 64),
};

/** What a caller sees: the thrown error as "Name: message", or "returns ...". */
function outcome(call) {
  try {
    const value = call();
    const typed = (v) => (ArrayBuffer.isView(v) ? `${v.constructor.name}(${v.length})` : v);
    const shown =
      value && typeof value === 'object' && !ArrayBuffer.isView(value)
        ? JSON.stringify(value, (_, v) => typed(v))
        : typed(value);
    return `returns ${shown}`;
  } catch (e) {
    return `${e.name}: ${e.message}`;
  }
}

/** Predictions and two train steps, which must match an untouched copy's. */
function behaviour(net) {
  const x = inputs(4, 7);
  const steps = [0, 1].map(() => outcome(() => net.trainStep(x, labels(3, 1, 4, 1))));
  return { before: Array.from(net.predictBatch(x, 4)), steps, after: Array.from(net.predict(x.subarray(0, 1024))) };
}

const rows = badInputRows('JavaScript API');

test('every row of the table has a case here, and every case a row', () => {
  assert.deepEqual(rows.map((r) => r.id).sort(), Object.keys(CASES).sort());
});

for (const { id, expected } of rows) {
  test(id, () => {
    const c = CASES[id];
    assert.ok(c, `no case for the docs/errors.md row ${id}`);
    const { setup = () => {}, call } = typeof c === 'function' ? { call: c } : c;
    const [net, copy] = [lenet.Network.fromSafetensors(shipped), lenet.Network.fromSafetensors(shipped)];
    setup(net);
    setup(copy);
    const seen = outcome(() => call(net));
    assert.ok(
      holdsInOrder(seen, expected),
      `docs/errors.md says ${expected.map((e) => JSON.stringify(e)).join(' … ')}\nbut it gives ${JSON.stringify(seen)}`,
    );
    assert.deepEqual(behaviour(net), behaviour(copy), 'after the bad call the network works as before');
    net.free();
    copy.free();
  });
}
