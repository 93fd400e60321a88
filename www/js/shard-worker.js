// One worker of "Train on all of MNIST": its own wasm instance and its own
// copy of the network, trained through the core's recipe on its share of the
// digits. After every round of a few steps the copies meet and each takes
// their average (local SGD, or model averaging): in a SharedArrayBuffer where
// the page is cross-origin isolated, else through the page by postMessage.
// Every copy starts from the same weights and each share has its own seed, so
// a run is fixed by the seed and the number of workers.
//
// Messages in:  {type: 'start', index, workers, spec, seed, epochs, batch, lr, augment, every,
//                rounds, train: {count, pixels, labels}, test: {count, pixels, labels}, shared}
//               {type: 'average', weights} (without a shared buffer: the page's average)
// Messages out: {type: 'round', index, epoch, images, ms, weights?}
//               {type: 'eval', index, epoch, correct}
//               {type: 'done', index, weights?} {type: 'error', message}

import init, { Network } from '../pkg/index.js';
import { freshRun } from './fresh-run.js';
import { allInputs } from './data.js';
import { average, barrier, sharedLayout, weightsIn } from './weight-sync.js';

const ready = init();
let fromPage = null; // resolves with the page's average, when there is no shared buffer

async function train(msg) {
  const { index, workers, spec, seed, epochs, batch, lr, augment, every, rounds, test } = msg;
  const run = freshRun(spec, seed, msg.train, {
    epochs,
    batch,
    seed: seed * 1000 + index,
    schedule: 'cosine',
    augment,
    optimizer: { kind: 'adam', lr },
  });
  const training = run.training;
  let net = run.net;
  try {
    const testInputs = allInputs(test);
    const shared = msg.shared && sharedLayout(msg.shared, workers);
    const perEpoch = training.stepsPerEpoch;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      for (let round = 0; round < rounds; round++) {
        // Shares may differ by one image, so one may end its epoch a round early: it waits.
        const steps = Math.min(every, perEpoch - round * every);
        const t0 = performance.now();
        const images = steps > 0 ? training.run(net, steps).images : 0;
        const ms = performance.now() - t0;
        const report = { type: 'round', index, epoch, images, ms };
        if (workers === 1) {
          postMessage(report);
          continue;
        }
        const bytes = net.toSafetensors();
        let averaged = bytes;
        if (shared) {
          const mine = weightsIn(bytes);
          shared.slots[index].set(mine);
          barrier(shared.control, workers);
          average(mine, shared.slots);
          // Nobody writes the next round's weights before everyone has read these.
          barrier(shared.control, workers);
          postMessage(report);
        } else {
          const next = new Promise((resolve) => (fromPage = resolve));
          postMessage({ ...report, weights: bytes }, [bytes.buffer]);
          averaged = await next;
        }
        net.free();
        net = Network.fromSafetensors(averaged);
      }
      const { accuracy } = net.evaluate(testInputs, test.labels);
      postMessage({ type: 'eval', index, epoch, correct: Math.round(accuracy * test.count) });
    }
    if (index === 0) {
      const weights = net.toSafetensors();
      postMessage({ type: 'done', index, weights }, [weights.buffer]);
    } else postMessage({ type: 'done', index });
  } finally {
    training.free();
    net.free();
  }
}

self.onmessage = async (e) => {
  const msg = e.data;
  if (msg.type === 'average') return fromPage?.(new Uint8Array(msg.weights));
  try {
    await ready;
    if (msg.type !== 'start') throw new Error(`unknown request ${msg.type}`);
    await train(msg);
  } catch (err) {
    postMessage({ type: 'error', index: msg.index, message: err?.message ?? String(err) });
  }
};
