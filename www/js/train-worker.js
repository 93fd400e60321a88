// The training worker: owns its own Network, trains it in short slices so
// pause and snapshot requests get through (fine-tuning with trainStep on a
// mix of your drawings and MNIST; from scratch with the core's Training),
// and reports progress to the page with postMessage. Weights travel back as
// .safetensors bytes (transferred, not copied).
//
// Messages in:  {type: 'finetune', weights, inputs, labels, steps, lr}
//               {type: 'scratch', spec, seed, epochs, batch, lr, schedule, evalsPerEpoch, analyse}
//               {type: 'pause'} {type: 'resume'} {type: 'snapshot'}
// Messages out: {type: 'progress' | 'eval' | 'done' | 'snapshot' | 'state' | 'error', ...}

import init, { Network } from '../pkg/index.js';
import { freshRun } from './fresh-run.js';
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
//
// Through the core's recipe (Training): the same order, warps and schedule
// as `lenet train` with the same settings and seed. The run lives here, in
// the worker, so pausing (or a tab the browser has put to sleep) loses nothing.

let scratch = null; // the run in progress, if any
const STEPS_PER_CALL = 2; // steps per call into wasm: a few ms, so slices stay short

async function startScratch(msg) {
  const { spec = 'lenet5', seed = 1, epochs = 8, batch = 32, lr = 1e-3, schedule = 'cosine' } = msg;
  const { evalsPerEpoch = 3, analyse = false } = msg;
  scratch?.training.free();
  scratch?.net.free();
  scratch = null;
  postMessage({ type: 'state', phase: 'loading' });
  const train = await set('train');
  const test = await testData();
  const { net, training } = freshRun(spec, seed, train, {
    epochs,
    batch,
    seed,
    schedule,
    optimizer: { kind: 'adam', lr },
  });
  const perEpoch = training.stepsPerEpoch;
  scratch = {
    net,
    training,
    test,
    perEpoch,
    analyse,
    running: true,
    elapsed: 0,
    epochStarted: 0,
    evalEvery: Math.ceil(perEpoch / evalsPerEpoch),
    best: 0,
  };
  postMessage({
    type: 'state',
    phase: 'running',
    totalSteps: training.totalSteps,
    perEpoch,
    trainCount: train.count,
    testCount: test.count,
    params: net.layers().reduce((n, l) => n + l.params, 0),
  });
  await runScratch();
}

function evaluateScratch(s, epochEnded) {
  const t0 = performance.now();
  const { loss, accuracy } = s.net.evaluate(s.test.inputs, s.test.labels);
  s.elapsed += performance.now() - t0;
  s.best = Math.max(s.best, accuracy);
  const epochSeconds = epochEnded ? (s.elapsed - s.epochStarted) / 1000 : undefined;
  if (epochEnded) s.epochStarted = s.elapsed;
  postMessage({
    type: 'eval',
    step: s.training.stepsDone,
    epoch: s.training.stepsDone / s.perEpoch,
    loss,
    accuracy,
    best: s.best,
    elapsed: s.elapsed,
    epochSeconds,
  });
}

/** The test digits' confusion matrix (rows: label, columns: reading) and the misread ones. */
function analyse(net, test) {
  const probs = net.predictBatch(test.inputs, test.count);
  const classes = net.numClasses;
  const confusion = Array.from({ length: classes }, () => new Array(classes).fill(0));
  const misread = [];
  for (let i = 0; i < test.count; i++) {
    const row = probs.subarray(i * classes, (i + 1) * classes);
    let reading = 0;
    for (let c = 1; c < classes; c++) if (row[c] > row[reading]) reading = c;
    const label = test.labels[i];
    if (label < classes) confusion[label][reading]++;
    if (reading !== label) misread.push({ index: i, label, reading, confidence: row[reading] });
  }
  return { confusion, misread };
}

async function runScratch() {
  const s = scratch;
  while (s === scratch && s.running && !s.training.done) {
    const t0 = performance.now();
    const losses = [];
    let p;
    do {
      const toEval = s.evalEvery - (s.training.stepsDone % s.evalEvery);
      p = s.training.run(s.net, Math.min(STEPS_PER_CALL, toEval));
      losses.push(...p.losses);
    } while (performance.now() - t0 < SLICE_MS && p.stepsDone % s.evalEvery !== 0 && !p.epochEnded);
    s.elapsed += performance.now() - t0;
    postMessage({
      type: 'progress',
      step: p.stepsDone,
      steps: p.totalSteps,
      epoch: p.stepsDone / s.perEpoch,
      losses,
      lr: p.lr,
      elapsed: s.elapsed,
      images: p.images,
    });
    if (p.stepsDone % s.evalEvery === 0 || p.epochEnded) {
      evaluateScratch(s, p.epochEnded);
      await yieldNow();
    }
    await yieldNow();
  }
  if (s === scratch && s.training.done) {
    const weights = weightsOf(s.net);
    const report = s.analyse ? analyse(s.net, s.test) : {};
    postMessage({ type: 'done', step: s.training.stepsDone, best: s.best, elapsed: s.elapsed, weights, ...report }, [
      weights.buffer,
    ]);
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
      if (scratch && !scratch.running && !scratch.training.done) {
        scratch.running = true;
        postMessage({
          type: 'state',
          phase: 'running',
          totalSteps: scratch.training.totalSteps,
          perEpoch: scratch.perEpoch,
        });
        return runScratch();
      }
      return;
    case 'snapshot': {
      if (!scratch) throw new Error('nothing has been trained yet');
      const weights = weightsOf(scratch.net);
      return postMessage({ type: 'snapshot', step: scratch.training.stepsDone, weights }, [weights.buffer]);
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
