// "Teach it your handwriting": label drawings into a personal set (kept in
// IndexedDB), fine-tune the network on them in the worker mixed with MNIST
// digits, compare before and after; reset, download and upload weights.

import { el, $, message, setStatus, pct, drawInput } from './ui.js';
import { LineChart, smooth } from './charts.js';
import { TrainerClient } from './worker-client.js';
import { PersonalStore, MemoryStore } from './personal-store.js';
import { MAX_WEIGHTS_BYTES } from './model.js';
import { INPUT_SIDE, INPUT_SIZE } from './input.js';

const STEPS = 150;
const LR = 2e-4; // small: learn the new drawings, keep what MNIST taught
// The label of a drawing that is not a digit: the reject output's class.
const NOT_DIGIT = 10;

/** "7", or "non-digit". */
const nameOf = (label) => (label === NOT_DIGIT ? 'non-digit' : String(label));

export class Teach {
  /**
   * @param {HTMLElement} root the section
   * @param {import('./model.js').Model} model
   * @param {() => Float32Array | null} currentInput what the network sees now (null when blank)
   * @param {() => void} clearPad
   */
  constructor(root, model, currentInput, clearPad) {
    this.root = root;
    this.model = model;
    this.currentInput = currentInput;
    this.clearPad = clearPad;
    this.items = [];
    this.losses = [];
    this.status = $('.teach-status', root);
    this.weightsStatus = $('.weights-status', root);
    this.thumbs = $('.thumbs', root);
    this.count = $('.set-count', root);
    this.progress = $('.finetune-progress', root);
    this.result = $('.finetune-result', root);
    this.fineTune = $('[data-action="finetune"]', root);
    this.clearSet = $('[data-action="clear-set"]', root);
    this.chart = new LineChart($('.finetune-chart', root), {
      xLabel: 'step',
      yFloor: 0,
      empty: 'The loss appears here as it trains',
    });
    this.worker = new TrainerClient((m) => this.onWorker(m));

    const labels = $('.label-buttons', root);
    for (let d = 0; d < 10; d++) {
      const b = el(
        'button',
        { type: 'button', class: 'digit-button', 'data-label': d, 'aria-label': `Add this drawing as a ${d}` },
        String(d),
      );
      b.addEventListener('click', () => this.add(d));
      labels.append(b);
    }
    // Scribbles, letters, symbols it took for digits: taught to the "not a digit" output.
    this.notDigit = el(
      'button',
      {
        type: 'button',
        class: 'digit-button not-digit',
        'data-label': NOT_DIGIT,
        'aria-label': 'Add this drawing as not a digit',
      },
      'Not a digit',
    );
    this.notDigit.addEventListener('click', () => this.add(NOT_DIGIT));
    labels.append(this.notDigit);
    this.fineTune.addEventListener('click', () => this.start());
    this.clearSet.addEventListener('click', () => this.removeAll());
    $('[data-action="reset"]', root).addEventListener('click', () => this.reset());
    $('[data-action="download"]', root).addEventListener('click', () => this.download());
    const file = $('input[type="file"]', root);
    $('[data-action="upload"]', root).addEventListener('click', () => file.click());
    file.addEventListener('change', () => {
      if (file.files?.[0]) this.upload(file.files[0]);
      file.value = '';
    });
  }

  async init() {
    try {
      this.store = await PersonalStore.open();
    } catch (e) {
      this.store = new MemoryStore();
      setStatus(this.status, `Your drawings will not be kept after this visit: ${message(e)}.`, 'warn');
    }
    try {
      this.items = await this.store.all();
    } catch (e) {
      setStatus(this.status, `Could not read your saved drawings: ${message(e)}.`, 'error');
    }
    this.render();
  }

  setBlank(blank) {
    for (const b of this.root.querySelectorAll('.digit-button')) b.disabled = blank;
    const canReject = this.model.net.canReject;
    this.notDigit.disabled ||= !canReject;
    this.notDigit.title = canReject ? '' : 'The network in use has no “not a digit” output';
  }

  async add(label) {
    const input = this.currentInput();
    if (!input) return setStatus(this.status, 'Draw a digit first, then say which one it is.', 'warn');
    if (label === NOT_DIGIT && !this.model.net.canReject)
      return setStatus(this.status, 'The network in use has no “not a digit” output to teach.', 'warn');
    try {
      this.items.push(await this.store.add(label, input));
      this.render();
      setStatus(
        this.status,
        `Added a ${nameOf(label)}. Your set has ${this.items.length} drawing${this.items.length === 1 ? '' : 's'}; draw the next one.`,
      );
      this.clearPad();
    } catch (e) {
      setStatus(this.status, `Could not save the drawing: ${message(e)}`, 'error');
    }
  }

  async remove(item) {
    try {
      await this.store.remove(item.id);
      this.items = this.items.filter((i) => i !== item);
      this.render();
      setStatus(this.status, `Removed a ${nameOf(item.label)}.`);
    } catch (e) {
      setStatus(this.status, `Could not remove it: ${message(e)}`, 'error');
    }
  }

  async removeAll() {
    try {
      await this.store.clear();
      this.items = [];
      this.render();
      setStatus(this.status, 'Your set is empty.');
    } catch (e) {
      setStatus(this.status, `Could not clear the set: ${message(e)}`, 'error');
    }
  }

  render() {
    const n = this.items.length;
    const perLabel = Array(NOT_DIGIT + 1).fill(0);
    for (const i of this.items) perLabel[i.label]++;
    this.count.textContent = n
      ? `${n} drawing${n === 1 ? '' : 's'}: ${perLabel
          .map((c, d) => (c ? `${c}× ${d === NOT_DIGIT ? 'not a digit' : d}` : ''))
          .filter(Boolean)
          .join(', ')}`
      : 'No drawings yet.';
    this.thumbs.replaceChildren(...this.items.map((item) => this.thumb(item)));
    this.fineTune.disabled = !n || this.running;
    this.clearSet.disabled = !n || this.running;
  }

  thumb(item) {
    const cv = el('canvas', { width: INPUT_SIDE, height: INPUT_SIDE, 'aria-hidden': 'true' });
    drawInput(cv, item.input);
    const del = el(
      'button',
      { type: 'button', class: 'icon remove', 'aria-label': `Remove this ${nameOf(item.label)}` },
      '×',
    );
    del.addEventListener('click', () => this.remove(item));
    const text = item.label === NOT_DIGIT ? 'not' : String(item.label);
    return el('li', { class: 'thumb' }, cv, el('span', { class: 'thumb-label' }, text), del);
  }

  start() {
    if (this.running || !this.items.length) return;
    // A network without a "not a digit" output cannot learn the non-digits: they wait.
    const items = this.model.net.canReject ? this.items : this.items.filter((i) => i.label !== NOT_DIGIT);
    if (!items.length)
      return setStatus(
        this.status,
        'Your set holds only non-digits, and this network cannot say “not a digit”.',
        'warn',
      );
    const n = items.length;
    const inputs = new Float32Array(n * INPUT_SIZE);
    const labels = new Uint8Array(n);
    items.forEach((item, i) => {
      inputs.set(item.input, i * INPUT_SIZE);
      labels[i] = item.label;
    });
    const weights = this.model.weights();
    this.running = true;
    this.losses = [];
    this.chart.set([]);
    this.progress.value = 0;
    this.progress.max = STEPS;
    this.result.textContent = '';
    this.root.dataset.state = 'running';
    this.startedFrom = this.model.source;
    this.trainedOn = n;
    const waiting = this.items.length - n;
    setStatus(
      this.status,
      `Fine-tuning on your ${n} drawing${n === 1 ? '' : 's'} mixed with MNIST digits${waiting ? ` (${waiting} non-digit${waiting === 1 ? '' : 's'} left out: this network has no “not a digit” output)` : ''}…`,
    );
    this.render();
    this.worker.post(
      { type: 'finetune', weights: weights.buffer, inputs, labels, steps: STEPS, lr: LR, seed: Date.now() % 1e9 },
      [weights.buffer, inputs.buffer],
    );
  }

  onWorker(m) {
    switch (m.type) {
      case 'state':
        if (m.before) {
          this.result.replaceChildren(
            el('li', {}, el('strong', {}, 'Your drawings: '), `${pct(m.before.personal.accuracy, 0)} right before`),
            el('li', {}, el('strong', {}, '500 MNIST test digits: '), `${pct(m.before.mnist.accuracy)} right before`),
          );
        }
        break;
      case 'progress': {
        this.losses.push(...m.losses);
        this.progress.value = m.step;
        const xs = this.losses.map((_, i) => i + 1);
        this.chart.set([
          { label: 'batch loss', color: '#9bb7d4', xs, ys: this.losses, width: 1 },
          { label: 'smoothed', color: '#1f5fa8', xs, ys: smooth(this.losses, 0.15), width: 2 },
        ]);
        const k = Math.min(10, this.losses.length);
        const recent = this.losses.slice(-k).reduce((a, b) => a + b, 0) / k;
        setStatus(this.status, `Fine-tuning: step ${m.step} of ${m.steps}, loss ${recent.toFixed(3)}.`);
        break;
      }
      case 'done':
        this.finish(m);
        break;
      case 'error':
        this.running = false;
        this.root.dataset.state = 'error';
        setStatus(this.status, `Fine-tuning failed: ${m.message}`, 'error');
        this.render();
        break;
    }
  }

  finish(m) {
    this.running = false;
    const first = mean(this.losses.slice(0, 10));
    const last = mean(this.losses.slice(-10));
    this.root.dataset.firstLoss = first;
    this.root.dataset.lastLoss = last;
    try {
      this.model.useBytes(m.weights, `fine-tuned on your ${this.trainedOn} drawing${this.trainedOn === 1 ? '' : 's'}`);
      this.root.dataset.state = 'done';
      setStatus(
        this.status,
        `Done: the pad now uses the fine-tuned network. Loss ${first.toFixed(3)} → ${last.toFixed(3)} (mean of the first and last 10 steps).`,
        'ok',
      );
      this.result.replaceChildren(
        el(
          'li',
          {},
          el('strong', {}, 'Your drawings: '),
          `${pct(m.before.personal.accuracy, 0)} → ${pct(m.after.personal.accuracy, 0)} right`,
        ),
        el(
          'li',
          {},
          el('strong', {}, '500 MNIST test digits: '),
          `${pct(m.before.mnist.accuracy)} → ${pct(m.after.mnist.accuracy)} right`,
        ),
      );
    } catch (e) {
      this.root.dataset.state = 'error';
      setStatus(this.status, `The fine-tuned weights could not be used: ${message(e)}`, 'error');
    }
    this.render();
  }

  reset() {
    try {
      this.model.usePretrained();
      setStatus(this.weightsStatus, 'Back to the shipped weights.', 'ok');
    } catch (e) {
      setStatus(this.weightsStatus, `Could not reset: ${message(e)}`, 'error');
    }
  }

  download() {
    try {
      const bytes = this.model.weights();
      const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      const a = el('a', { href: url, download: 'lenet5.safetensors' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      setStatus(
        this.weightsStatus,
        `Saved lenet5.safetensors (${(bytes.length / 1024).toFixed(0)} KiB): ${this.model.source}.`,
        'ok',
      );
    } catch (e) {
      setStatus(this.weightsStatus, `Could not save the weights: ${message(e)}`, 'error');
    }
  }

  async upload(file) {
    if (file.size > MAX_WEIGHTS_BYTES) {
      return setStatus(
        this.weightsStatus,
        `${file.name} is ${(file.size / 1048576).toFixed(1)} MB; a weights file for this page is at most 4 MB (LeNet-5’s is 243 KiB).`,
        'error',
      );
    }
    setStatus(this.weightsStatus, 'Reading the file…');
    try {
      this.model.useBytes(await file.arrayBuffer(), `${file.name} (uploaded)`);
      setStatus(this.weightsStatus, `Loaded ${file.name}.`, 'ok');
    } catch (e) {
      setStatus(this.weightsStatus, `Could not load ${file.name}: ${message(e)}`, 'error');
    }
  }
}

function mean(xs) {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}
