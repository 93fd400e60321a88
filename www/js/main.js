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

document.body.dataset.started = 'yes'; // from here on, errors are shown by this module (see boot.js)
window.addEventListener('error', (e) => showError('Unexpected error', e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => showError('Unexpected error', e.reason));

async function main() {
  const loading = $('#loading');
  try {
    await init(); // fetches the build this browser runs best (see pkg/index.js)
  } catch (e) {
    loading.textContent = '';
    showError('WebAssembly could not start, so the network cannot run in this browser', e);
    showError(
      'What to try',
      'reload the page; this page needs WebAssembly with SIMD (Chrome or Edge 91+, Firefox 89+, Safari 16.4+)',
    );
    return;
  }
  const model = new Model();
  const pad = new DrawingPad($('[data-testid="pad"]'));
  const prediction = new PredictionView($('.prediction'));
  const inputView = $('[data-testid="input-view"]');
  const sampleNote = $('.sample-note');
  let input = null; // what the network sees now; null when the pad is blank
  let sample = null; // the MNIST digit on the pad, if any
  let views = null; // {layers, table, teach}: null until the rest of the page has loaded
  let timesJob = 0;

  const drawInputView = () => drawInput(inputView, input);

  // One prediction for what is on the pad; `settled` after a stroke ends.
  function run(settled) {
    const t0 = performance.now();
    try {
      const px = pad.pixels();
      input = pad.blank ? null : (preprocess(px.data, px.width, px.height) ?? null);
      drawInputView();
      views?.teach.setBlank(!input);
      if (!input) {
        prediction.show(null);
        views?.layers.clear();
        views?.table.setTimes(null);
        return;
      }
      const reading = model.net.read(input);
      prediction.show(reading, sample ? `; MNIST’s label is ${sample.label}` : '', model.net.canReject);
      if (views) {
        views.layers.update(model.net.featureMaps(input), input);
        if (settled) scheduleTimes();
      }
      performance.measure('lenet:predict', { start: t0 });
    } catch (e) {
      prediction.show(
        null,
        'Something went wrong with this drawing; see the message above. Clear the pad to start again.',
      );
      showError('The network could not read this drawing', e);
    }
  }

  // Per-layer timings are 30 extra forward passes: only after a stroke, when idle.
  function scheduleTimes() {
    const job = ++timesJob;
    const later = window.requestIdleCallback ?? ((f) => setTimeout(f, 50));
    later(() => {
      if (job !== timesJob || !input) return;
      try {
        const t0 = performance.now();
        views.table.setTimes(model.net.layerTimes(input, 30));
        performance.measure('lenet:layer-times', { start: t0 });
      } catch (e) {
        showError('Could not time the layers', e);
      }
    });
  }

  // A new network (the shipped one, uploaded, fine-tuned, trained here): show it and predict again.
  function showNetwork() {
    $('.source-name').textContent = model.source;
    views?.layers.setModel(model);
    views?.table.setModel(model);
    run(true);
  }
  model.addEventListener('change', () => {
    const t0 = performance.now();
    showNetwork();
    performance.measure('lenet:new-network', { start: t0 });
  });
  try {
    model.usePretrained(); // loads the network and runs it once (see Model.use)
  } catch (e) {
    showError('The shipped weights could not be loaded', e);
    return;
  }

  pad.addEventListener('input', () => {
    if (sample) setSample(null);
    run(false);
  });
  pad.addEventListener('change', () => run(true));

  function setSample(s) {
    sample = s;
    sampleNote.hidden = !s;
    sampleNote.textContent = s ? `On the pad: MNIST test digit ${s.index + 1} of ${s.count}, labelled ${s.label}.` : '';
  }

  // Pad controls.
  const brush = $('#brush');
  const brushValue = $('#brush-value');
  const setBrush = (v) => {
    pad.brush = Math.max(Number(brush.min), Math.min(Number(brush.max), v));
    brush.value = pad.brush;
    brushValue.textContent = pad.brush;
  };
  brush.addEventListener('input', () => setBrush(Number(brush.value)));
  setBrush(Number(brush.value));
  const undo = () => {
    pad.undo();
    if (pad.blank) setSample(null);
  };
  const clear = () => {
    pad.clear();
    setSample(null);
  };
  $('[data-testid="undo"]').addEventListener('click', undo);
  $('[data-testid="clear"]').addEventListener('click', clear);

  // The MNIST digits load on the first request for one.
  let samples = null;
  let nextSample = 0;
  const sampleButton = $('[data-action="sample"]');
  async function loadSample() {
    try {
      sampleButton.disabled = true;
      if (!samples) {
        const { loadSet } = await import('./data.js');
        samples = await loadSet('samples');
      }
      const i = nextSample++ % samples.count;
      setSample({ index: i, count: samples.count, label: samples.labels[i] });
      pad.loadDigit(samples.pixels.subarray(i * MNIST_SIZE, (i + 1) * MNIST_SIZE));
    } catch (e) {
      showError('Could not load an MNIST digit', e);
    } finally {
      sampleButton.disabled = false;
    }
  }
  sampleButton.addEventListener('click', loadSample);

  document.addEventListener('keydown', (e) => {
    const t = e.target;
    if (e.defaultPrevented || e.altKey || t.closest?.('input, textarea, select, [contenteditable]')) return;
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === 'z') undo();
    else if (mod) return;
    else if (e.key === 'u' || e.key === 'U') undo();
    else if (e.key === 'Escape' || e.key === 'Delete' || (e.key === 'Backspace' && t === document.body)) clear();
    else if (e.key === '[') setBrush(pad.brush - 2);
    else if (e.key === ']') setBrush(pad.brush + 2);
    else if (e.key === 'm' || e.key === 'M') loadSample();
    else return;
    e.preventDefault();
  });

  loading.remove();
  if (relaxedSimd)
    $('.wasm-build').textContent = ' (in this browser, the build with relaxed SIMD’s fused multiply-adds)';
  performance.mark('lenet:ready'); // start-up ends here (make bench): the pad predicts from now on

  // The rest of the page.
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
    ]);
  } catch (e) {
    showError(
      'Part of the page could not be loaded (drawing and predicting still work); reload the page to try again',
      e,
    );
    return;
  }
  const [{ LayersView }, { LayerTable }, { Teach }, { Scratch }, { drawBar }, { loadManifest }, { NumberView }] =
    modules;
  const layers = new LayersView($('#layers'));
  const table = new LayerTable($('#layer-table'));
  const teach = new Teach(
    $('#teach'),
    model,
    () => input,
    () => pad.clear(),
  );
  new Scratch($('#scratch'), model);
  // A digit of the number: its maps in "Inside the network".
  new NumberView($('#number'), model, (digitInput) => {
    layers.update(model.net.featureMaps(digitInput), digitInput);
    $('#layers').scrollIntoView({ behavior: 'smooth', block: 'start' });
  });
  $('.act-view').addEventListener('change', (e) => layers.setShowPre(e.target.value === 'before'));
  drawBar($('.legend-key .legend-bar'));
  views = { layers, table, teach };
  showNetwork();
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
  registerServiceWorker();
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

main();
