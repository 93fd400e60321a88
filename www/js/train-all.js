// "Train on all of MNIST": all 60,000 training digits, fetched when asked
// for, split between Web Workers (shard-worker.js), one per core by default.
// Each worker trains its own copy of LeNet-5 on its share; after every round
// of a few steps the copies are averaged (weight-sync.js). This page keeps
// the count, shows images per second per worker and in all, and the accuracy
// on all 10,000 test digits after each epoch.

import { $, el, setStatus, pct, message } from './ui.js';
import { LineChart } from './charts.js';
import { loadSetsInWorker } from './data.js';
import { MNIST_SIZE } from './input.js';
import { Network } from '../pkg/index.js';
import { average, sharedBytes, weightsIn } from './weight-sync.js';
import { WarmWorkers } from './warm-workers.js';

const TARGET = 0.99;
// What a run uses (docs/parallel-training.md). With two workers, 3 epochs pass 99% on the test digits.
const SETTINGS = { spec: 'lenet5', augment: true, every: 32 };
// The batches of all workers together stay near 128: each worker's batch shrinks as workers are added,
// so every run averages about as many updates an epoch (8 workers of batch 64 stopped at 97.6% after
// 3 epochs), and the rate grows with the square root of the workers (averaging more copies moves less).
const batchOf = (workers) => Math.min(64, Math.max(16, Math.round(128 / workers)));
const rateOf = (workers) => 4e-3 * Math.sqrt(Math.max(1, workers / 2));
const MAX_WORKERS = 16;

/**
 * Share `w` of `workers` of a set: contiguous, sizes differing by at most
 * one. Views where the set is in shared memory (loadSetsInWorker puts it
 * there on a cross-origin isolated page: no copying on this thread), else
 * copies that can move to a worker.
 */
function share(set, w, workers) {
  const start = Math.floor((set.count * w) / workers);
  const end = Math.floor((set.count * (w + 1)) / workers);
  const part = set.pixels.buffer instanceof ArrayBuffer ? 'slice' : 'subarray';
  return {
    count: end - start,
    pixels: set.pixels[part](start * MNIST_SIZE, end * MNIST_SIZE),
    labels: set.labels[part](start, end),
  };
}

/** The buffers of these shares that can be moved (shared memory is not moved but shared). */
const movable = (...shares) =>
  [...new Set(shares.flatMap((s) => [s.pixels.buffer, s.labels.buffer]))].filter((b) => b instanceof ArrayBuffer);

const number = (n) => Math.round(n).toLocaleString('en-US');

export class TrainAll {
  /** @param {HTMLElement} root @param {import('./model.js').Model} model */
  constructor(root, model) {
    this.root = root;
    this.model = model;
    this.startButton = $('[data-testid="train-all"]', root);
    this.workersInput = $('#all-workers', root);
    this.epochsInput = $('#all-epochs', root);
    this.seedInput = $('#all-seed', root);
    this.progress = $('.all-progress', root);
    this.rates = $('.all-rates', root);
    this.result = $('[data-testid="train-result"]', root);
    this.after = $('.all-after', root);
    this.status = $('.all-status', root);
    const cores = navigator.hardwareConcurrency || 2;
    for (let n = 1; n <= Math.min(MAX_WORKERS, Math.max(cores, 2)); n++)
      this.workersInput.append(el('option', { value: n, selected: n === Math.min(cores, MAX_WORKERS) }, String(n)));
    this.chart = new LineChart($('.all-acc', root), {
      xLabel: 'epoch',
      yMax: 1,
      empty: 'Measured on all 10,000 test digits after every epoch',
      format: (y) => `${+(y * 100).toFixed(1)}%`,
      target: { y: TARGET, label: '99%' },
    });
    this.data = null; // the sets, kept once fetched
    this.workers = []; // a run's
    // The workers start once this section is near the screen, so a click starts training at once.
    this.warm = new WarmWorkers(new URL('./shard-worker.js', import.meta.url));
    const near = new IntersectionObserver(
      (entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        near.disconnect();
        if (!this.workers.length) this.warm.keep(this.chosenWorkers());
      },
      { rootMargin: '300px' },
    );
    near.observe(root);
    this.workersInput.addEventListener('change', () => this.warm.keep(this.chosenWorkers()));
    this.startButton.addEventListener('click', () => (this.workers.length ? this.stop() : this.start()));
    this.setRunning(false);
  }

  chosenWorkers() {
    return Number(this.workersInput.value);
  }

  setRunning(running) {
    this.root.dataset.state = running ? 'running' : 'idle';
    this.startButton.textContent = running ? 'Stop' : 'Train on all 60,000 MNIST digits';
    this.workersInput.disabled = this.epochsInput.disabled = this.seedInput.disabled = running;
  }

  stop(why) {
    for (const w of this.workers) w?.terminate();
    this.workers = [];
    this.warm.keep(this.chosenWorkers());
    this.setRunning(false);
    if (why) setStatus(this.status, why, 'error');
    else setStatus(this.status, 'Stopped.');
  }

  async start() {
    const clicked = performance.now();
    const workers = this.chosenWorkers();
    const asked = Number.parseFloat(this.epochsInput.value);
    const epochs = Math.min(20, Math.max(1, Math.floor(Number.isFinite(asked) ? asked : 3)));
    const seed = Math.max(0, Math.floor(Number(this.seedInput.value) || 0));
    this.epochsInput.value = epochs;
    this.seedInput.value = seed;
    this.setRunning(true);
    for (const key of ['accuracy', 'seconds', 'imagesPerSecond', 'reachedSeconds']) delete this.result.dataset[key];
    this.result.textContent = this.after.textContent = '';
    this.chart.options.xMax = epochs;
    this.chart.set([]);
    this.progress.value = 0;
    this.workers = [null]; // running, even while the data loads
    try {
      if (!this.data) {
        setStatus(this.status, 'Fetching all 70,000 MNIST digits (11 MB; kept for offline use)…');
        const [train, test] = await loadSetsInWorker(['all-train', 'all-test']);
        this.data = { train, test };
      }
    } catch (e) {
      return this.stop(`Could not load the digits: ${message(e)}`);
    }
    if (!this.workers.length) return; // stopped while loading
    const loaded = performance.now();
    try {
      this.run({ workers, epochs, seed, clicked, loaded });
    } catch (e) {
      this.stop(`Training could not start: ${message(e)}`);
    }
  }

  run({ workers, epochs, seed, clicked, loaded }) {
    const { train, test } = this.data;
    const { spec, augment, every } = SETTINGS;
    const batch = batchOf(workers);
    const lr = rateOf(workers);
    const shares = Array.from({ length: workers }, (_, w) => share(train, w, workers));
    const rounds = Math.ceil(Math.max(...shares.map((s) => Math.ceil(s.count / batch))) / every);
    // Where the page is cross-origin isolated the workers meet in shared memory; else here.
    // (WebKitGTK can be isolated and still have no SharedArrayBuffer.)
    const isolated = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
    let shared = null;
    if (isolated) {
      const probe = Network.fromSpec(spec, seed);
      shared = new SharedArrayBuffer(sharedBytes(workers, weightsIn(probe.toSafetensors()).length));
      probe.free();
    }
    const path = isolated ? 'shared memory' : 'messages through the page';
    this.root.dataset.sync = isolated ? 'shared' : 'transfer';
    const stats = Array.from({ length: workers }, () => ({ images: 0, ms: 0 }));
    const evals = new Map(); // epoch -> its workers' reports
    const waiting = []; // this round's weights, without shared memory
    const curve = [];
    let done = 0;
    let images = 0;
    let weights = null;
    let reached = null; // seconds from the click to the first epoch at 99% or more
    this.progress.max = epochs * train.count;
    setStatus(
      this.status,
      `Training LeNet-5 on ${number(train.count)} digits with ${workers} worker${workers > 1 ? 's' : ''} (${path}); the copies are averaged every ${every} steps.`,
    );
    const onMessage = (w, m) => {
      if (m.type === 'error') return this.stop(`Worker ${w + 1} stopped: ${m.message}`);
      if (m.type === 'round') {
        stats[w].images += m.images;
        stats[w].ms += m.ms;
        images += m.images;
        this.progress.value = images;
        this.showRates(stats, images, performance.now() - loaded, epochs, m.epoch);
        if (!isolated) {
          waiting[w] = new Uint8Array(m.weights);
          if (waiting.filter(Boolean).length === workers) {
            const mean = waiting[0];
            average(weightsIn(mean), waiting.map(weightsIn));
            waiting.length = 0;
            // Copies first: posting the first one moves its buffer away.
            const copies = this.workers.map((_, k) => (k === 0 ? mean : mean.slice()));
            this.workers.forEach((worker, k) =>
              worker.postMessage({ type: 'average', weights: copies[k].buffer }, [copies[k].buffer]),
            );
          }
        }
      } else if (m.type === 'eval') {
        const reports = evals.get(m.epoch) ?? [];
        reports.push(m);
        evals.set(m.epoch, reports);
        if (reports.length === workers) {
          const accuracy = reports.reduce((n, r) => n + r.correct, 0) / test.count;
          curve.push(accuracy);
          if (accuracy >= TARGET && reached === null) reached = (performance.now() - clicked) / 1000;
          this.chart.set([
            {
              label: 'test accuracy',
              color: '#b2182b',
              xs: curve.map((_, i) => i + 1),
              ys: curve,
              width: 2,
              dots: true,
            },
          ]);
          this.result.textContent = pct(accuracy, 2);
          this.after.textContent = `after epoch ${m.epoch} of ${epochs}`;
        }
      } else if (m.type === 'done') {
        if (m.weights) weights = m.weights;
        if (++done === workers) this.finish(curve, weights, { clicked, loaded, workers, images, reached });
      }
    };
    const started = this.warm.take(workers);
    this.workers = shares.map((s, w) => {
      const worker = started[w];
      worker.onmessage = (e) => onMessage(w, e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        this.stop(`Worker ${w + 1} failed: ${e.message || 'it could not start'}`);
      };
      const part = share(test, w, workers);
      worker.postMessage(
        {
          type: 'start',
          index: w,
          workers,
          spec,
          seed,
          epochs,
          batch,
          lr,
          augment,
          every,
          rounds,
          train: s,
          test: part,
          shared,
        },
        movable(s, part),
      );
      return worker;
    });
  }

  showRates(stats, images, ms, epochs, epoch) {
    const each = stats.map((s, w) => `worker ${w + 1}: ${number(s.images / (s.ms / 1000 || 1))}`).join(' · ');
    this.rates.textContent = `Epoch ${epoch} of ${epochs} · ${number(images)} images in ${(ms / 1000).toFixed(1)} s · ${number(images / (ms / 1000))} images/s in all (${each} images/s)`;
  }

  finish(curve, weights, { clicked, loaded, workers, images, reached }) {
    const now = performance.now();
    const seconds = (now - clicked) / 1000;
    const accuracy = curve.at(-1);
    for (const w of this.workers) w.terminate();
    this.workers = [];
    this.setRunning(false);
    Object.assign(this.result.dataset, {
      accuracy: String(accuracy),
      seconds: seconds.toFixed(2),
      imagesPerSecond: Math.round(images / ((now - loaded) / 1000)),
    });
    if (reached !== null) this.result.dataset.reachedSeconds = reached.toFixed(2);
    const epoch = curve.findIndex((a) => a >= TARGET) + 1;
    setStatus(
      this.status,
      `Done in ${seconds.toFixed(1)} s from the click (${((now - loaded) / 1000).toFixed(1)} s of training with ${workers} worker${workers > 1 ? 's' : ''})${epoch ? `; 99% after epoch ${epoch}, ${reached.toFixed(1)} s from the click` : ''}. The pad now uses this network.`,
      'ok',
    );
    // The switch to the new network in a task of its own, apart from the workers' end.
    setTimeout(() => {
      try {
        this.model.useBytes(new Uint8Array(weights), `trained here on all of MNIST (${pct(accuracy, 2)})`);
      } catch (e) {
        setStatus(this.status, `The trained weights could not be used: ${message(e)}`, 'error');
      }
      this.warm.keep(this.chosenWorkers());
    });
  }
}
