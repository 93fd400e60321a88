// The training worker: owns its own Network, trains it with trainStep in
// short slices so pause and snapshot requests get through, and reports
// progress to the page with postMessage. Weights travel back as
// .safetensors bytes (transferred, not copied).
//
// Messages in:  {type: 'finetune', weights, inputs, labels, steps, lr}
//               {type: 'scratch', seed, epochs, batch, lr}
//               {type: 'pause'} {type: 'resume'} {type: 'snapshot'}
// Messages out: {type: 'progress' | 'eval' | 'done' | 'snapshot' | 'state' | 'error', ...}

import init, { Network } from '../pkg/index.js';
import { loadManifest, loadSet, toInput, allInputs } from './data.js';
import { INPUT_SIDE, INPUT_SIZE } from './input.js';

const ready = init();
const SLICE_MS = 40; // longest stretch without reading messages

let manifest = null;
const sets = {};
async function set(name) {
  manifest ??= await loadManifest();
  sets[name] ??= loadSet(name, manifest);
  return sets[name];
}

let testInputs = null;
async function testData() {
  const test = await set('test');
  testInputs ??= allInputs(test);
  return { inputs: testInputs, labels: test.labels, count: test.count };
}

// A seeded generator (mulberry32): the same seed gives the same run.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(n, random) {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}

// Copies an input shifted by (dx, dy), zeros coming in at the edges.
function shiftInput(src, srcOff, out, outOff, dx, dy) {
  out.fill(0, outOff, outOff + INPUT_SIZE);
  for (let y = Math.max(0, dy); y < Math.min(INPUT_SIDE, INPUT_SIDE + dy); y++) {
    const from = srcOff + (y - dy) * INPUT_SIDE;
    const x0 = Math.max(0, dx);
    const x1 = Math.min(INPUT_SIDE, INPUT_SIDE + dx);
    out.set(src.subarray(from + x0 - dx, from + x1 - dx), outOff + y * INPUT_SIDE + x0);
  }
}

const yieldNow = (() => {
  const channel = new MessageChannel();
  const queue = [];
  channel.port1.onmessage = () => queue.shift()?.();
  return () =>
    new Promise((resolve) => {
      queue.push(resolve);
      channel.port2.postMessage(0);
    });
})();

function weightsOf(net) {
  const bytes = net.toSafetensors();
  return bytes.buffer.byteLength === bytes.length ? bytes : bytes.slice();
}

// ---- fine-tuning on the personal set mixed with MNIST ----

async function finetune(msg) {
  const { inputs, labels, steps = 150, lr = 5e-4 } = msg;
  const n = labels.length;
  if (!n) throw new Error('the personal set is empty: label a few drawings first');
  const train = await set('train');
  const test = await testData();
  const net = Network.fromSafetensors(new Uint8Array(msg.weights));
  try {
    const mnistCheck = test.inputs.subarray(0, 500 * INPUT_SIZE);
    const mnistLabels = test.labels.subarray(0, 500);
    const before = { personal: net.evaluate(inputs, labels), mnist: net.evaluate(mnistCheck, mnistLabels) };
    postMessage({ type: 'state', phase: 'training', before });
    net.setOptimizer({ kind: 'adam', lr });
    const random = rng(msg.seed ?? 1);
    // Each batch: up to 16 personal drawings (shifted by a pixel or so) and 16 MNIST digits,
    // so the network learns your style without forgetting everyone else's.
    const mine = Math.min(16, Math.max(4, n));
    const theirs = 16;
    const batch = mine + theirs;
    const x = new Float32Array(batch * INPUT_SIZE);
    const y = new Uint8Array(batch);
    let step = 0;
    while (step < steps) {
      const sliceEnd = performance.now() + SLICE_MS;
      const losses = [];
      do {
        for (let k = 0; k < mine; k++) {
          const i = Math.floor(random() * n);
          shiftInput(
            inputs,
            i * INPUT_SIZE,
            x,
            k * INPUT_SIZE,
            Math.round(random() * 2 - 1),
            Math.round(random() * 2 - 1),
          );
          y[k] = labels[i];
        }
        for (let k = mine; k < batch; k++) {
          const i = Math.floor(random() * train.count);
          toInput(train, i, x, k * INPUT_SIZE);
          y[k] = train.labels[i];
        }
        losses.push(net.trainStep(x, y));
        step++;
      } while (step < steps && performance.now() < sliceEnd);
      postMessage({ type: 'progress', step, steps, losses });
      await yieldNow();
    }
    const after = { personal: net.evaluate(inputs, labels), mnist: net.evaluate(mnistCheck, mnistLabels) };
    const weights = weightsOf(net);
    postMessage({ type: 'done', before, after, weights }, [weights.buffer]);
  } finally {
    net.free();
  }
}

// ---- training a fresh network on the shipped subset ----

let scratch = null; // the run in progress, if any

async function startScratch(msg) {
  const { seed = 1, epochs = 8, batch = 32, lr = 1e-3, decayAfter = 3 } = msg;
  scratch?.net.free();
  scratch = null;
  postMessage({ type: 'state', phase: 'loading' });
  const train = await set('train');
  const test = await testData();
  const net = Network.fromSpec('lenet5', seed);
  net.setOptimizer({ kind: 'adam', lr });
  const random = rng(seed);
  const perEpoch = Math.floor(train.count / batch);
  scratch = {
    net,
    train,
    test,
    random,
    batch,
    lr,
    epochs,
    decayAfter,
    perEpoch,
    totalSteps: perEpoch * epochs,
    step: 0,
    epoch: 0,
    order: shuffled(train.count, random),
    running: true,
    elapsed: 0,
    evalEvery: Math.ceil(perEpoch / 3),
    best: 0,
    x: new Float32Array(batch * INPUT_SIZE),
    y: new Uint8Array(batch),
  };
  postMessage({
    type: 'state',
    phase: 'running',
    totalSteps: scratch.totalSteps,
    perEpoch,
    trainCount: train.count,
    testCount: test.count,
  });
  await runScratch();
}

function evaluateScratch(s) {
  const t0 = performance.now();
  const { loss, accuracy } = s.net.evaluate(s.test.inputs, s.test.labels);
  s.elapsed += performance.now() - t0;
  s.best = Math.max(s.best, accuracy);
  postMessage({
    type: 'eval',
    step: s.step,
    epoch: s.step / s.perEpoch,
    loss,
    accuracy,
    best: s.best,
    elapsed: s.elapsed,
  });
}

async function runScratch() {
  const s = scratch;
  while (s === scratch && s.running && s.step < s.totalSteps) {
    const t0 = performance.now();
    const losses = [];
    do {
      const pos = (s.step % s.perEpoch) * s.batch;
      for (let k = 0; k < s.batch; k++) {
        const i = s.order[pos + k];
        // Small random shifts (up to 2 px): the network must learn shapes, not positions.
        toInput(s.train, i, s.x, k * INPUT_SIZE, Math.round(s.random() * 4 - 2), Math.round(s.random() * 4 - 2));
        s.y[k] = s.train.labels[i];
      }
      losses.push(s.net.trainStep(s.x, s.y));
      s.step++;
      if (s.step % s.perEpoch === 0 && s.step < s.totalSteps) {
        s.epoch++;
        s.order = shuffled(s.train.count, s.random);
        // Step decay: halve the learning rate each epoch after the first few
        // (Adam keeps its moments).
        if (s.epoch >= s.decayAfter) s.net.setLearningRate(s.lr * 0.5 ** (s.epoch - s.decayAfter + 1));
      }
    } while (performance.now() - t0 < SLICE_MS && s.step % s.evalEvery !== 0 && s.step < s.totalSteps);
    s.elapsed += performance.now() - t0;
    postMessage({
      type: 'progress',
      step: s.step,
      steps: s.totalSteps,
      epoch: s.step / s.perEpoch,
      losses,
      elapsed: s.elapsed,
      batch: s.batch,
    });
    if (s.step % s.evalEvery === 0 || s.step === s.totalSteps) {
      evaluateScratch(s);
      await yieldNow();
    }
    await yieldNow();
  }
  if (s === scratch && s.step >= s.totalSteps) {
    const weights = weightsOf(s.net);
    postMessage({ type: 'done', step: s.step, best: s.best, elapsed: s.elapsed, weights }, [weights.buffer]);
  }
}

async function handle(msg) {
  await ready;
  switch (msg.type) {
    case 'finetune':
      return finetune(msg);
    case 'scratch':
      return startScratch(msg);
    case 'pause':
      if (scratch) scratch.running = false;
      return postMessage({ type: 'state', phase: 'paused' });
    case 'resume':
      if (scratch && !scratch.running && scratch.step < scratch.totalSteps) {
        scratch.running = true;
        postMessage({ type: 'state', phase: 'running', totalSteps: scratch.totalSteps, perEpoch: scratch.perEpoch });
        return runScratch();
      }
      return;
    case 'snapshot': {
      if (!scratch) throw new Error('nothing has been trained yet');
      const weights = weightsOf(scratch.net);
      return postMessage({ type: 'snapshot', step: scratch.step, weights }, [weights.buffer]);
    }
    default:
      throw new Error(`unknown request ${msg.type}`);
  }
}

self.onmessage = (e) => {
  handle(e.data).catch((err) => {
    postMessage({ type: 'error', request: e.data.type, message: err?.message ?? String(err) });
  });
};
