// The race: two designs trained side by side, each in its own worker, on the
// same shipped digits with the same settings and seed, through the core's
// recipe. Loss and test-accuracy curves overlaid, time per epoch, final
// accuracy; then each one's confusion matrix and misread test digits, and
// either can go on the pad.

import { $, el, setStatus, pct, message } from './ui.js';
import { LineChart, smooth } from './charts.js';
import { TrainerClient } from './worker-client.js';
import { Designer, presetSpec } from './designer.js';
import { loadSet } from './data.js';
import { MNIST_SIDE, MNIST_SIZE } from './input.js';

const LANES = [
  { id: 'a', label: 'Network A', color: '#1f5fa8', light: '#b9cbe0' },
  { id: 'b', label: 'Network B', color: '#c05a00', light: '#f0c9a8' },
];
const GALLERY = 24; // misread digits shown per network

// This section's styles load with it, not before the first prediction.
document.head.append(el('link', { rel: 'stylesheet', href: new URL('../race.css', import.meta.url).href }));

/** A spec with every layer of type `from` made `to`. */
function swapped(preset, from, to) {
  const spec = presetSpec(preset);
  spec.layers = spec.layers.map((l) => (l.type === from ? { ...l, type: to } : l));
  spec.name = `${preset} with ${to}`;
  return spec;
}

// The tutorial's comparisons: one click loads both sides, a second races them.
const COMPARISONS = {
  'relu-sigmoid': {
    text: 'ReLU or sigmoid',
    a: () => presetSpec('lenet5'),
    b: () => swapped('lenet5', 'relu', 'sigmoid'),
  },
  'max-avg': {
    text: 'Max or average pooling',
    a: () => presetSpec('lenet5'),
    b: () => swapped('lenet5', 'max_pool2d', 'avg_pool2d'),
  },
  'pytorch-keras': {
    text: 'The PyTorch or the Keras LeNet-5',
    a: () => presetSpec('lenet5'),
    b: () => presetSpec('lenet5-keras'),
  },
  'modern-1998': {
    text: 'Today’s or 1998’s LeNet-5',
    a: () => presetSpec('lenet5'),
    b: () => presetSpec('lenet5-classic'),
  },
  'deep-tiny': { text: 'Deep or tiny', a: () => presetSpec('lenet5'), b: () => presetSpec('tiny') },
};

export class Race {
  /** @param {HTMLElement} root @param {import('./model.js').Model} model */
  constructor(root, model) {
    this.root = root;
    this.model = model;
    this.startButton = $('[data-testid="race-start"]', root);
    this.status = $('.race-status', root);
    this.epochs = $('#race-epochs', root);
    this.seed = $('#race-seed', root);
    this.lanes = LANES.map((lane) => {
      const box = $(`[data-lane="${lane.id}"]`, root);
      const designer = new Designer($('.designer', box), { label: lane.label, preset: 'lenet5' });
      const client = new TrainerClient((m) => this.onWorker(state, m));
      const state = { ...lane, box, designer, client, result: $('.race-result', box), after: $('.race-after', box) };
      designer.addEventListener('change', () => this.setState(this.state));
      return state;
    });
    const comparisons = $('.race-comparisons', root);
    for (const [key, c] of Object.entries(COMPARISONS)) {
      const b = el('button', { type: 'button', 'data-comparison': key }, c.text);
      b.addEventListener('click', () => {
        this.lanes[0].designer.load(c.a());
        this.lanes[1].designer.load(c.b());
        setStatus(this.status, `${c.text}: press Race to train both.`);
      });
      comparisons.append(b);
    }
    this.lossChart = new LineChart($('.race-loss', root), { xLabel: 'epoch', yFloor: 0, empty: 'Press Race' });
    this.accChart = new LineChart($('.race-acc', root), {
      xLabel: 'epoch',
      yMax: 1,
      empty: 'Measured after every epoch',
      format: (y) => `${Math.round(y * 100)}%`,
    });
    this.startButton.addEventListener('click', () => this.toggle());
    this.setState('idle');
  }

  setState(state) {
    this.state = state;
    this.root.dataset.state = state;
    const invalid = this.lanes.some((l) => l.designer.error);
    this.startButton.textContent = { running: 'Pause', paused: 'Resume' }[state] ?? 'Race';
    this.startButton.disabled = state === 'loading' || (invalid && !['running', 'paused'].includes(state));
    this.startButton.setAttribute('aria-pressed', String(state === 'running'));
  }

  toggle() {
    if (this.state === 'running') {
      for (const lane of this.lanes) if (!lane.done) lane.client.post({ type: 'pause' });
      this.setState('paused');
      setStatus(this.status, 'Paused. Both runs wait where they are; Resume goes on.');
    } else if (this.state === 'paused') {
      for (const lane of this.lanes) if (!lane.done) lane.client.post({ type: 'resume' });
      this.setState('running');
    } else this.begin();
  }

  begin() {
    const epochs = Math.min(20, Math.max(1, Math.floor(Number(this.epochs.value) || 3)));
    const seed = Math.max(0, Math.floor(Number(this.seed.value) || 0));
    this.epochs.value = epochs;
    this.seed.value = seed;
    for (const lane of this.lanes) {
      Object.assign(lane, { losses: [], lossX: [], accX: [], accY: [], epochTimes: [], done: false });
      lane.result.textContent = '';
      delete lane.result.dataset.accuracy;
      lane.after.replaceChildren();
      lane.designer.say(null);
      lane.client.post({
        type: 'scratch',
        spec: JSON.stringify(lane.designer.spec),
        seed,
        epochs,
        batch: 32,
        lr: 1e-3,
        evalsPerEpoch: 1,
        analyse: true,
      });
    }
    this.lossChart.options.xMax = this.accChart.options.xMax = epochs;
    this.draw();
    this.setState('loading');
    setStatus(this.status, `Both networks train for ${epochs} epochs with seed ${seed}, each in its own worker…`);
  }

  onWorker(lane, m) {
    switch (m.type) {
      case 'state':
        if (m.phase === 'running') {
          lane.perEpoch = m.perEpoch;
          lane.params = m.params ?? lane.params;
          if (this.lanes.every((l) => l.perEpoch)) this.setState('running');
        }
        break;
      case 'progress': {
        const start = m.epoch - (m.losses.length - 1) / lane.perEpoch;
        m.losses.forEach((l, i) => {
          lane.losses.push(l);
          lane.lossX.push(start + i / lane.perEpoch);
        });
        this.describe(lane, m.epoch);
        this.draw();
        break;
      }
      case 'eval':
        lane.accX.push(m.epoch);
        lane.accY.push(m.accuracy);
        if (m.epochSeconds !== undefined) lane.epochTimes.push(m.epochSeconds);
        lane.accuracy = m.accuracy;
        this.describe(lane, m.epoch);
        this.draw();
        break;
      case 'done':
        lane.done = true;
        lane.weights = m.weights;
        lane.result.dataset.accuracy = String(lane.accuracy);
        this.describe(lane, null);
        this.showAfter(lane, m);
        if (this.lanes.every((l) => l.done)) {
          this.setState('done');
          const [a, b] = this.lanes;
          const winner = a.accuracy === b.accuracy ? 'a tie' : a.accuracy > b.accuracy ? a.label : b.label;
          setStatus(this.status, `Done: ${winner} (${pct(a.accuracy, 2)} against ${pct(b.accuracy, 2)}).`, 'ok');
        }
        break;
      case 'error':
        lane.done = true;
        lane.designer.say(`${lane.label} could not train: ${m.message}`);
        for (const other of this.lanes) if (other !== lane) other.client.post({ type: 'pause' });
        this.setState('error');
        setStatus(this.status, `${lane.label} stopped: ${m.message}`, 'error');
        break;
    }
  }

  describe(lane, epoch) {
    const perEpoch = lane.epochTimes.length
      ? ` · ${(lane.epochTimes.reduce((a, b) => a + b, 0) / lane.epochTimes.length).toFixed(1)} s per epoch`
      : '';
    const where = epoch === null ? 'done' : `epoch ${Math.min(epoch, Number(this.epochs.value)).toFixed(1)}`;
    const accuracy = lane.accuracy === undefined ? '' : ` · test accuracy ${pct(lane.accuracy, 2)}`;
    const params = lane.params ? ` · ${lane.params.toLocaleString('en-US')} parameters` : '';
    lane.result.textContent = `${where}${accuracy}${perEpoch}${params}`;
  }

  draw() {
    this.lossChart.set(
      this.lanes.map((l) => ({ label: l.label, color: l.color, xs: l.lossX, ys: smooth(l.losses, 0.05), width: 2 })),
    );
    this.accChart.set(
      this.lanes.map((l) => ({ label: l.label, color: l.color, xs: l.accX, ys: l.accY, width: 2, dots: true })),
    );
  }

  /** After a run: the confusion matrix, the misread digits, and a button to use the network. */
  async showAfter(lane, { confusion, misread }) {
    const use = el('button', { type: 'button', 'data-action': 'use-raced' }, 'Use this network on the pad');
    use.addEventListener('click', () => {
      try {
        this.model.useBytes(lane.weights, `${lane.label} from the race (${pct(lane.accuracy, 1)} on the test digits)`);
        setStatus(this.status, `The pad now reads with ${lane.label}.`, 'ok');
      } catch (e) {
        setStatus(this.status, `${lane.label} could not be used: ${message(e)}`, 'error');
      }
    });
    const max = Math.max(1, ...confusion.flatMap((row, r) => row.filter((_, c) => c !== r)));
    const table = el(
      'table',
      { class: 'confusion', 'aria-label': `${lane.label}: test digits by label (rows) and reading (columns)` },
      el('tr', {}, el('th', {}, ''), ...confusion.map((_, c) => el('th', { scope: 'col' }, String(c)))),
      ...confusion.map((row, r) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, String(r)),
          ...row.map((n, c) => {
            const td = el('td', { class: r === c ? 'right' : n ? 'wrong' : '' }, String(n));
            if (r !== c && n) td.style.setProperty('--share', (n / max).toFixed(2));
            return td;
          }),
        ),
      ),
    );
    const gallery = el('div', { class: 'misread', 'data-testid': `misread-${lane.id}` });
    lane.after.replaceChildren(
      use,
      el('h4', {}, 'Confusion matrix'),
      el('div', { class: 'table-scroll' }, table),
      el('h4', {}, `Misread: ${misread.length} test digits`),
      gallery,
    );
    const test = await loadSet('test');
    for (const { index, label, reading } of misread.slice(0, GALLERY)) {
      const canvas = el('canvas', { width: MNIST_SIDE, height: MNIST_SIDE, role: 'img' });
      canvas.setAttribute('aria-label', `a ${label} read as ${reading}`);
      const ctx = canvas.getContext('2d');
      const img = ctx.createImageData(MNIST_SIDE, MNIST_SIDE);
      const pixels = test.pixels.subarray(index * MNIST_SIZE, (index + 1) * MNIST_SIZE);
      pixels.forEach((p, i) => img.data.set([255 - p, 255 - p, 255 - p, 255], i * 4));
      ctx.putImageData(img, 0, 0);
      gallery.append(el('figure', {}, canvas, el('figcaption', {}, `${label} → ${reading === 10 ? '✕' : reading}`)));
    }
  }
}
