// The page, in two steps. Start-up: the wasm package, the shipped network run
// once, the pad and the prediction panel; this much is all a first prediction
// needs, and `lenet:ready` marks its end (make bench times it). Then the rest,
// imported only now so that it does not delay the first: the layer views and
// table, teach, train from scratch. Everything works on the one Model.

import init, { preprocess, relaxedSimd, wasmFile } from '../pkg/index.js';
import { DrawingPad } from './pad.js';
import { PredictionView } from './prediction-view.js';
import { Model } from './model.js';
import { MNIST_SIZE } from './input.js';
import { $, showError, message, drawInput } from './ui.js';
import { wasmResponse } from './wasm-build.js';

document.body.dataset.started = 'yes'; // from here on, errors are shown by this module (see boot.js)
window.addEventListener('error', (e) => showError('Unexpected error', e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => showError('Unexpected error', e.reason));

const TIMING_RUNS = 30; // forward passes behind the per-layer timings

/**
 * The page's state, all in one place: the network, the pad and what the
 * network sees on it, the MNIST digit on the pad, and the views of the rest
 * of the page once they have loaded. Its methods are what changes it.
 */
class Page {
  constructor() {
    this.model = new Model();
    this.pad = new DrawingPad($('[data-testid="pad"]'));
    this.prediction = new PredictionView($('.prediction'));
    this.inputView = $('[data-testid="input-view"]');
    this.sampleNote = $('.sample-note');
    this.sampleButton = $('[data-action="sample"]');
    this.brush = $('#brush');
    this.brushValue = $('#brush-value');
    this.nextSample = mnistSamples();

    this.input = null; // what the network sees now; null when the pad is blank
    this.sample = null; // the MNIST digit on the pad, if any
    this.views = null; // {layers, table, teach, why, lab}: null until the rest of the page has loaded
    this.timesJob = 0; // the latest request for per-layer timings; older ones are dropped
  }

  /** One prediction for what is on the pad; `settled` after a stroke ends. */
  predict(settled) {
    const t0 = performance.now();
    try {
      this.input = this.readPad();
      drawInput(this.inputView, this.input);
      this.views?.teach.setBlank(!this.input);
      if (!this.input) {
        this.showBlank();
        return;
      }
      this.showReading(settled);
      performance.measure('lenet:predict', { start: t0 });
    } catch (e) {
      this.prediction.show(
        null,
        'Something went wrong with this drawing; see the message above. Clear the pad to start again.',
      );
      showError('The network could not read this drawing', e);
    }
  }

  /** The pad as the network's input; null when the pad is blank. */
  readPad() {
    if (this.pad.blank) return null;
    const px = this.pad.pixels();
    return preprocess(px.data, px.width, px.height) ?? null;
  }

  showBlank() {
    this.prediction.show(null);
    this.views?.layers.clear();
    this.views?.why.update(this.model.net, null, null);
    this.views?.lab.update(null);
    this.views?.table.setTimes(null);
  }

  showReading(settled) {
    const { net } = this.model;
    const reading = net.read(this.input);
    this.prediction.show(reading, this.sample ? `; MNIST’s label is ${this.sample.label}` : '', net.canReject);
    if (!this.views) return;
    this.views.layers.update(net.featureMaps(this.input), this.input);
    this.views.why.update(net, this.input, reading);
    this.views.lab.update(this.input);
    if (settled) this.scheduleTimes();
  }

  // Per-layer timings are extra forward passes: only after a stroke, when idle.
  scheduleTimes() {
    const job = ++this.timesJob;
    const later = window.requestIdleCallback ?? ((f) => setTimeout(f, 50));
    later(() => {
      if (job !== this.timesJob || !this.input) return;
      try {
        const t0 = performance.now();
        this.views.table.setTimes(this.model.net.layerTimes(this.input, TIMING_RUNS));
        performance.measure('lenet:layer-times', { start: t0 });
      } catch (e) {
        showError('Could not time the layers', e);
      }
    });
  }

  /** A new network (the shipped one, uploaded, fine-tuned, trained here): show it and predict again. */
  showNetwork() {
    $('.source-name').textContent = this.model.source;
    this.views?.layers.setModel(this.model);
    this.views?.table.setModel(this.model);
    this.predict(true);
  }

  /** The rest of the page has loaded: its views show the network and the pad from now on. */
  addViews(views) {
    this.views = views;
    this.showNetwork();
  }

  /** The MNIST digit now on the pad ({index, count, label}), or null. */
  setSample(s) {
    this.sample = s;
    this.sampleNote.hidden = !s;
    this.sampleNote.textContent = s
      ? `On the pad: MNIST test digit ${s.index + 1} of ${s.count}, labelled ${s.label}.`
      : '';
  }

  /** Puts the next MNIST test digit on the pad. */
  async loadSample() {
    try {
      this.sampleButton.disabled = true;
      const s = await this.nextSample();
      this.setSample(s);
      this.pad.loadDigit(s.pixels);
    } catch (e) {
      showError('Could not load an MNIST digit', e);
    } finally {
      this.sampleButton.disabled = false;
    }
  }

  /** The brush size, kept within the slider's range. */
  setBrush(size) {
    this.pad.brush = Math.max(Number(this.brush.min), Math.min(Number(this.brush.max), size));
    this.brush.value = this.pad.brush;
    this.brushValue.textContent = this.pad.brush;
  }

  undo() {
    this.pad.undo();
    if (this.pad.blank) this.setSample(null);
  }

  clear() {
    this.pad.clear();
    this.setSample(null);
  }
}

/** The MNIST test digits shipped with the page, one after another; they load on the first request. */
function mnistSamples() {
  let set = null;
  let next = 0;
  return async () => {
    if (!set) {
      const { loadSet } = await import('./data.js');
      set = await loadSet('samples');
    }
    const index = next++ % set.count;
    const pixels = set.pixels.subarray(index * MNIST_SIZE, (index + 1) * MNIST_SIZE);
    return { index, count: set.count, label: set.labels[index], pixels };
  };
}

/** Starts the wasm package; where it cannot, says so and what to try, and returns false. */
async function startWasm() {
  try {
    await init({ module_or_path: wasmResponse }); // the build this browser runs best, fetched since start-up
    return true;
  } catch (e) {
    $('#loading').textContent = '';
    showError('WebAssembly could not start, so the network cannot run in this browser', e);
    showError(
      'What to try',
      'reload the page; this page needs WebAssembly with SIMD (Chrome or Edge 91+, Firefox 89+, Safari 16.4+)',
    );
    return false;
  }
}

/** The pad's events and controls: drawing predicts, a new stroke takes the MNIST digit's place. */
function wirePad(page) {
  const { pad, brush } = page;
  pad.addEventListener('input', () => {
    if (page.sample) page.setSample(null);
    page.predict(false);
  });
  pad.addEventListener('change', () => page.predict(true));
  brush.addEventListener('input', () => page.setBrush(Number(brush.value)));
  page.setBrush(Number(brush.value));
  $('[data-testid="undo"]').addEventListener('click', () => page.undo());
  $('[data-testid="clear"]').addEventListener('click', () => page.clear());
  page.sampleButton.addEventListener('click', () => page.loadSample());
}

/** Keyboard shortcuts: Ctrl+Z or U undo; Escape, Delete or Backspace clear; [ and ] size the brush; M a digit. */
function wireKeys(page) {
  document.addEventListener('keydown', (e) => {
    const t = e.target;
    if (e.defaultPrevented || e.altKey || t.closest?.('input, textarea, select, [contenteditable]')) return;
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === 'z') page.undo();
    else if (mod) return;
    else if (e.key === 'u' || e.key === 'U') page.undo();
    else if (e.key === 'Escape' || e.key === 'Delete' || (e.key === 'Backspace' && t === document.body)) page.clear();
    else if (e.key === '[') page.setBrush(page.pad.brush - 2);
    else if (e.key === ']') page.setBrush(page.pad.brush + 2);
    else if (e.key === 'm' || e.key === 'M') page.loadSample();
    else return;
    e.preventDefault();
  });
}

/** The rest of the page, imported after start-up, its views added to the page. False if it could not load. */
async function loadRest(page) {
  let modules;
  try {
    modules = await Promise.all([
      import('./layers-view.js'),
      import('./layer-table.js'),
      import('./teach.js'),
      import('./scratch.js'),
      import('./colormap.js'),
      import('./data.js'),
      import('./number-view.js'),
      import('./saliency-view.js'),
      import('./conv-lab.js'),
      import('./race.js'),
      import('./train-all.js'),
    ]);
  } catch (e) {
    showError(
      'Part of the page could not be loaded (drawing and predicting still work); reload the page to try again',
      e,
    );
    return false;
  }
  const [
    { LayersView },
    { LayerTable },
    { Teach },
    { Scratch },
    { drawBar },
    { loadManifest },
    { NumberView },
    { SaliencyView },
    { ConvLab },
    { Race },
    { TrainAll },
  ] = modules;
  const { model, pad } = page;
  const layers = new LayersView($('#layers'));
  const table = new LayerTable($('#layer-table'));
  const teach = new Teach(
    $('#teach'),
    model,
    () => page.input,
    () => pad.clear(),
  );
  new Scratch($('#scratch'), model);
  new Race($('#race'), model);
  new TrainAll($('#all-mnist'), model);
  // A digit of the number: its maps in "Inside the network".
  new NumberView($('#number'), model, (digitInput) => {
    layers.update(model.net.featureMaps(digitInput), digitInput);
    $('#layers').scrollIntoView({ behavior: 'smooth', block: 'start' });
  });
  $('.act-view').addEventListener('change', (e) => layers.setShowPre(e.target.value === 'before'));
  drawBar($('.legend-key .legend-bar'));
  page.addViews({ layers, table, teach, why: new SaliencyView($('#why')), lab: new ConvLab($('#lab'), model) });
  document.body.classList.add('ready');
  performance.mark('lenet:complete'); // every section wired

  teach.init();
  loadManifest().then(
    (m) => {
      $('.train-count').textContent = m.sets.train.count.toLocaleString('en-US');
      $('.test-count').textContent = m.sets.test.count.toLocaleString('en-US');
    },
    (e) => showError('The MNIST digits shipped with the page are missing', e),
  );
  return true;
}

// The offline copy (sw.js), told which .wasm build this browser loads.
function registerServiceWorker() {
  const status = $('.offline-status');
  if (!('serviceWorker' in navigator) || location.protocol === 'file:') return;
  navigator.serviceWorker.register(`./sw.js?wasm=${wasmFile}`).then(
    () => navigator.serviceWorker.ready.then(() => (status.textContent = 'It works offline once loaded.')),
    (e) => (status.textContent = `(Offline copy unavailable: ${message(e)}.)`),
  );
}

async function main() {
  if (!(await startWasm())) return;
  const page = new Page();
  page.model.addEventListener('change', () => {
    const t0 = performance.now();
    page.showNetwork();
    performance.measure('lenet:new-network', { start: t0 });
  });
  try {
    page.model.usePretrained(); // loads the network and runs it once (see Model.use)
  } catch (e) {
    showError('The shipped weights could not be loaded', e);
    return;
  }
  wirePad(page);
  wireKeys(page);
  $('#loading').remove();
  if (relaxedSimd)
    $('.wasm-build').textContent = ' (in this browser, the build with relaxed SIMD’s fused multiply-adds)';
  performance.mark('lenet:ready'); // start-up ends here (make bench): the pad predicts from now on

  if (await loadRest(page)) registerServiceWorker();
}

main();
