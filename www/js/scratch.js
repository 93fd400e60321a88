// "Train from scratch": a fresh lenet5 learns from the shipped MNIST subset
// in the worker, through the core's training recipe, with start/pause, a progress bar, live loss and accuracy
// charts; its weights come back to the pad when done or on request.

import { $, setStatus, pct, message } from './ui.js';
import { LineChart, smooth } from './charts.js';
import { TrainerClient } from './worker-client.js';

const TARGET = 0.97;

export class Scratch {
  /** @param {HTMLElement} root @param {import('./model.js').Model} model */
  constructor(root, model) {
    this.root = root;
    this.model = model;
    this.startButton = $('[data-testid="scratch-start"]', root);
    this.restartButton = $('[data-action="restart"]', root);
    this.useButton = $('[data-action="use"]', root);
    this.seed = $('#scratch-seed', root);
    this.epochs = $('#scratch-epochs', root);
    this.progress = $('.scratch-progress', root);
    this.progressText = $('.scratch-progress-text', root);
    this.accuracy = $('[data-testid="scratch-accuracy"]', root);
    this.best = $('.scratch-best', root);
    this.status = $('.scratch-status', root);
    this.lossChart = new LineChart($('.scratch-loss', root), {
      xLabel: 'epoch',
      yFloor: 0,
      empty: 'Press Start training',
    });
    this.accChart = new LineChart($('.scratch-acc', root), {
      xLabel: 'epoch',
      yMax: 1,
      empty: 'Measured three times an epoch',
      format: (y) => `${Math.round(y * 100)}%`,
      target: { y: TARGET, label: '97%' },
    });
    this.worker = new TrainerClient((m) => this.onWorker(m));
    this.state = 'idle';
    this.startButton.addEventListener('click', () => this.toggle());
    this.restartButton.addEventListener('click', () => this.begin());
    this.useButton.addEventListener('click', () => this.worker.post({ type: 'snapshot' }));
    this.setState('idle');
  }

  setState(state) {
    this.state = state;
    this.root.dataset.state = state;
    this.startButton.textContent = {
      idle: 'Start training',
      loading: 'Loading data…',
      running: 'Pause',
      paused: 'Resume',
      done: 'Train again',
      error: 'Start again',
    }[state];
    this.startButton.disabled = state === 'loading';
    this.startButton.setAttribute('aria-pressed', String(state === 'running'));
    this.restartButton.disabled = state === 'idle' || state === 'loading';
    this.useButton.disabled = !this.steps;
    this.seed.disabled = this.epochs.disabled = state === 'running' || state === 'loading';
  }

  toggle() {
    if (this.state === 'running') {
      this.worker.post({ type: 'pause' });
      this.setState('paused');
    } else if (this.state === 'paused') {
      this.worker.post({ type: 'resume' });
    } else this.begin();
  }

  begin() {
    const seed = Math.max(0, Math.floor(Number(this.seed.value) || 0));
    // An empty box means the default, 8; anything else is kept within 1 to 30.
    const asked = Number.parseFloat(this.epochs.value);
    const epochs = Math.min(30, Math.max(1, Math.floor(Number.isFinite(asked) ? asked : 8)));
    this.seed.value = seed;
    this.epochs.value = epochs;
    this.losses = [];
    this.lossX = [];
    this.accX = [];
    this.accY = [];
    this.steps = 0;
    this.images = 0;
    this.reached = null;
    this.accuracy.textContent = '';
    this.best.textContent = '';
    this.root.dataset.best = '0';
    delete this.root.dataset.reached;
    this.lossChart.options.xMax = this.accChart.options.xMax = undefined;
    this.lossChart.set([]);
    this.accChart.set([]);
    this.progress.value = 0;
    setStatus(this.status, 'Loading the training digits…');
    this.setState('loading');
    this.worker.post({ type: 'scratch', seed, epochs, batch: 32, lr: 1e-3 });
  }

  onWorker(m) {
    switch (m.type) {
      case 'state':
        if (m.phase === 'running') {
          if (m.trainCount)
            this.sizes = `${m.trainCount.toLocaleString('en-US')} training and ${m.testCount.toLocaleString('en-US')} test digits`;
          this.totalSteps = m.totalSteps;
          this.perEpoch = m.perEpoch;
          this.progress.max = m.totalSteps;
          this.setState('running');
          setStatus(this.status, `Training a fresh LeNet-5 (seed ${this.seed.value}) on ${this.sizes}.`);
        } else if (m.phase === 'paused' && this.state !== 'done') {
          this.setState('paused');
          setStatus(this.status, 'Paused. Resume, or put this half-trained network on the pad to see how it sees.');
        }
        break;
      case 'progress': {
        this.steps = m.step;
        const start = m.epoch - (m.losses.length - 1) / this.perEpoch;
        m.losses.forEach((l, i) => {
          this.losses.push(l);
          this.lossX.push(start + i / this.perEpoch);
        });
        this.progress.value = m.step;
        this.images += m.images;
        const images = this.images;
        this.progressText.textContent = `Epoch ${Math.min(m.epoch, this.totalSteps / this.perEpoch).toFixed(1)} of ${this.totalSteps / this.perEpoch} · ${images.toLocaleString('en-US')} images · ${(m.elapsed / 1000).toFixed(1)} s · ${Math.round(images / (m.elapsed / 1000)).toLocaleString('en-US')} images/s`;
        this.root.dataset.elapsed = m.elapsed;
        // Both charts span the epochs trained so far.
        this.lossChart.options.xMax = this.accChart.options.xMax = m.epoch;
        this.accChart.draw();
        this.lossChart.set([
          { label: 'batch loss', color: '#b9cbe0', xs: this.lossX, ys: this.losses, width: 1 },
          { label: 'smoothed', color: '#1f5fa8', xs: this.lossX, ys: smooth(this.losses, 0.05), width: 2 },
        ]);
        if (this.useButton.disabled) this.useButton.disabled = false;
        break;
      }
      case 'eval':
        this.accX.push(m.epoch);
        this.accY.push(m.accuracy);
        this.accuracy.textContent = pct(m.accuracy, 2);
        this.root.dataset.accuracy = m.accuracy;
        this.root.dataset.best = m.best;
        if (m.accuracy >= TARGET && !this.reached) {
          this.reached = m.elapsed;
          this.root.dataset.reached = m.elapsed;
        }
        this.best.textContent = `best ${pct(m.best, 2)}${this.reached ? `; passed 97% after ${(this.reached / 1000).toFixed(1)} s of training` : ''}`;
        this.accChart.set([
          { label: 'test accuracy', color: '#b2182b', xs: this.accX, ys: this.accY, width: 2, dots: true },
        ]);
        break;
      case 'done':
        this.setState('done');
        this.apply(m.weights, `trained from scratch here (${pct(m.best, 1)} on the shipped test digits)`);
        setStatus(
          this.status,
          `Finished in ${(m.elapsed / 1000).toFixed(1)} s of training. The pad now uses this network.`,
          'ok',
        );
        break;
      case 'snapshot':
        this.apply(m.weights, `trained from scratch here, step ${m.step} of ${this.totalSteps}`);
        setStatus(this.status, `The pad now uses the network as it was at step ${m.step}.`, 'ok');
        break;
      case 'error':
        if (m.request === 'snapshot')
          return setStatus(this.status, `Could not fetch the weights: ${m.message}`, 'error');
        this.setState('error');
        setStatus(this.status, `Training stopped: ${m.message}`, 'error');
        break;
    }
  }

  apply(bytes, source) {
    try {
      this.model.useBytes(bytes, source);
    } catch (e) {
      setStatus(this.status, `The trained weights could not be used: ${message(e)}`, 'error');
    }
  }
}
