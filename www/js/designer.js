// The network designer: a spec (the JSON `lenet train --net` takes) as
// editable rows, one per layer. Every change is checked by the core
// (Network.checkSpec) without building the network: each row that fits shows
// its output shape, parameters and connections, and the first row that does
// not fit shows the core's own message. Presets, add, remove, reorder,
// export and import.

import { Network } from '../pkg/index.js';
import { el, message } from './ui.js';

const KINDS = {
  conv2d: 'convolution',
  max_pool2d: 'max pooling',
  avg_pool2d: 'average pooling',
  relu: 'ReLU',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  flatten: 'flatten',
  linear: 'linear',
};

// The fields each kind of row edits: [spec field, label, default].
const FIELDS = {
  conv2d: [
    ['out_channels', 'filters', 6],
    ['kernel_size', 'kernel', 5],
    ['stride', 'stride', 1],
    ['padding', 'pad', 0],
  ],
  max_pool2d: [
    ['kernel_size', 'kernel', 2],
    ['stride', 'stride', 2],
  ],
  avg_pool2d: [
    ['kernel_size', 'kernel', 2],
    ['stride', 'stride', 2],
  ],
  linear: [['out_features', 'units', 84]],
};

const TINY = {
  name: 'tiny',
  input: [1, 32, 32],
  layers: [
    { type: 'conv2d', name: 'C1', out_channels: 4, kernel_size: 5 },
    { type: 'relu' },
    { type: 'max_pool2d', name: 'S2', kernel_size: 4 },
    { type: 'flatten' },
    { type: 'linear', name: 'output', out_features: 10 },
  ],
};

/** The presets, by the names the page shows. */
export const PRESETS = {
  lenet5: 'LeNet-5, the tutorial’s PyTorch (ReLU, max pooling)',
  'lenet5-keras': 'LeNet-5, the tutorial’s Keras (ReLU, average pooling)',
  'lenet5-classic': 'LeNet-5 of 1998 (tanh, average pooling)',
  tiny: 'A tiny net (one convolution)',
};

/** A preset's spec as an object, from the core (or the tiny net above). */
export function presetSpec(name) {
  if (name === 'tiny') return structuredClone(TINY);
  const net = Network.fromSpec(name, 0);
  try {
    return JSON.parse(net.specJson());
  } finally {
    net.free();
  }
}

const thousands = (n) => n.toLocaleString('en-US');
const shapeText = (s) => (s.height === 1 && s.width === 1 ? `${s.channels}` : `${s.channels}@${s.height}×${s.width}`);

export class Designer extends EventTarget {
  /** @param {HTMLElement} root  @param {{label: string, preset?: string}} options */
  constructor(root, { label, preset = 'lenet5' }) {
    super();
    this.root = root;
    this.label = label;
    this.preset = el(
      'select',
      { 'aria-label': `${label}: start from a preset`, 'data-testid': 'designer-preset' },
      ...Object.entries(PRESETS).map(([value, text]) => el('option', { value }, text)),
    );
    this.preset.addEventListener('change', () => this.load(presetSpec(this.preset.value)));
    this.file = el('input', { type: 'file', accept: '.json,application/json', hidden: true });
    this.file.addEventListener('change', () => this.importFile());
    const importButton = el('button', { type: 'button', 'data-action': 'import' }, 'Import JSON…');
    importButton.addEventListener('click', () => this.file.click());
    const exportButton = el('button', { type: 'button', 'data-action': 'export' }, 'Export JSON');
    exportButton.addEventListener('click', () => this.exportFile());
    this.rows = el('tbody');
    this.addKind = el(
      'select',
      { 'aria-label': `${label}: kind of layer to add` },
      ...Object.entries(KINDS).map(([value, text]) => el('option', { value }, text)),
    );
    const addButton = el('button', { type: 'button', 'data-action': 'add-layer' }, 'Add layer');
    addButton.addEventListener('click', () => {
      this.layers.push(this.fresh(this.addKind.value));
      this.changed();
    });
    this.total = el('p', { class: 'designer-total', 'aria-live': 'polite' });
    this.problem = el('p', { class: 'designer-problem error', 'data-testid': 'spec-problem', hidden: true });
    root.append(
      el('div', { class: 'designer-bar' }, this.preset, importButton, exportButton, this.file),
      el(
        'div',
        { class: 'table-scroll' },
        el(
          'table',
          { class: 'designer-table' },
          el('thead', {}, el('tr', {}, ...['#', 'layer', 'output', ''].map((h) => el('th', { scope: 'col' }, h)))),
          this.rows,
        ),
      ),
      el('div', { class: 'designer-bar' }, this.addKind, addButton),
      this.total,
      this.problem,
    );
    this.load(presetSpec(preset));
    this.preset.value = preset;
  }

  /** The spec the rows describe, as `lenet train --net` takes it. */
  get spec() {
    return { ...this.rest, name: this.name, input: this.input, layers: this.layers };
  }

  /** Replaces the rows with `spec`'s layers. */
  load(spec) {
    // What the rows do not edit (reject, or a field the core will refuse) is kept as it came.
    const { name = 'designed', input = [1, 32, 32], layers = [], ...rest } = structuredClone(spec);
    Object.assign(this, { name, input, layers, rest });
    this.changed();
  }

  /** A layer of `type` with the default settings. */
  fresh(type) {
    const layer = { type };
    for (const [field, , value] of FIELDS[type] ?? []) layer[field] = value;
    return layer;
  }

  changed() {
    this.check = Network.checkSpec(JSON.stringify(this.spec));
    this.render();
    this.dispatchEvent(new Event('change'));
  }

  /** The core's verdict: null when it builds, else its message. */
  get error() {
    return this.check.problem?.message ?? null;
  }

  render() {
    const { layers, problem } = this.check;
    this.rows.replaceChildren(...this.layers.map((layer, i) => this.row(layer, i, layers[i], problem)));
    const fits = !problem;
    this.total.textContent = fits
      ? `${thousands(layers.reduce((n, l) => n + l.params, 0))} parameters, ${thousands(
          layers.reduce((n, l) => n + l.connections, 0),
        )} connections; ${shapeText(layers.at(-1).shape)} outputs.`
      : '';
    this.problem.hidden = fits || problem.layer !== null;
    this.problem.textContent = problem && problem.layer === null ? problem.message : '';
    this.root.dataset.valid = String(fits);
  }

  row(layer, i, info, problem) {
    const tr = el('tr', { 'data-index': i, 'data-testid': `layer-row-${i}` });
    const kind = el(
      'select',
      { 'aria-label': `${this.label}: layer ${i + 1}, kind` },
      ...Object.entries(KINDS).map(([value, text]) => el('option', { value, selected: value === layer.type }, text)),
    );
    kind.addEventListener('change', () => {
      this.layers[i] = { ...(layer.name ? { name: layer.name } : {}), ...this.fresh(kind.value) };
      this.changed();
    });
    const fields = el('div', { class: 'fields' });
    for (const [field, name] of FIELDS[layer.type] ?? []) {
      const input = el('input', {
        type: 'number',
        min: field === 'padding' ? 0 : 1,
        step: 1,
        inputmode: 'numeric',
        value: layer[field] ?? '',
        placeholder: field === 'stride' && layer.type !== 'conv2d' ? 'auto' : undefined,
        'aria-label': `${this.label}: layer ${i + 1}, ${name}`,
        'data-field': field,
      });
      input.addEventListener('change', () => {
        // What the box holds goes to the core as it is: an empty box or 2.5 gets the core's message.
        const value = input.value.trim() === '' ? null : Number(input.value);
        if (value === null && field === 'stride') delete layer[field];
        else layer[field] = value;
        this.changed();
      });
      fields.append(el('label', {}, `${name} `, input));
    }
    const button = (text, labelText, action, disabled) => {
      const b = el('button', { type: 'button', class: 'icon', 'aria-label': labelText, disabled }, text);
      b.addEventListener('click', action);
      return b;
    };
    const move = (to) => () => {
      [this.layers[i], this.layers[to]] = [this.layers[to], this.layers[i]];
      this.changed();
    };
    tr.append(
      el('td', {}, String(i + 1)),
      el('td', {}, el('div', {}, el('span', { class: 'layer-name' }, layer.name ?? ''), ' ', kind), fields),
      el(
        'td',
        { class: 'num' },
        el('span', { class: 'out-shape' }, info ? shapeText(info.shape) : ''),
        el('br'),
        el('small', { class: 'out-params', title: 'parameters' }, info ? `${thousands(info.params)} params` : ''),
        el('br'),
        el(
          'small',
          { class: 'out-connections', title: 'connections' },
          info ? `${thousands(info.connections)} conn.` : '',
        ),
      ),
      el(
        'td',
        { class: 'row-actions' },
        button('↑', `${this.label}: move layer ${i + 1} up`, move(i - 1), i === 0),
        button('↓', `${this.label}: move layer ${i + 1} down`, move(i + 1), i === this.layers.length - 1),
        button('×', `${this.label}: remove layer ${i + 1}`, () => {
          this.layers.splice(i, 1);
          this.changed();
        }),
      ),
    );
    if (problem?.layer !== i) return tr;
    tr.classList.add('bad');
    const note = el(
      'tr',
      { class: 'row-problem' },
      el('td', { colspan: 4, 'data-testid': 'layer-problem', role: 'alert' }, problem.message),
    );
    const both = document.createDocumentFragment();
    both.append(tr, note);
    return both;
  }

  exportFile() {
    const blob = new Blob([JSON.stringify(this.spec, null, 2) + '\n'], { type: 'application/json' });
    const a = el('a', { href: URL.createObjectURL(blob), download: `${this.name || 'network'}.json` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  async importFile() {
    const file = this.file.files?.[0];
    this.file.value = '';
    if (!file) return;
    try {
      const spec = JSON.parse(await file.text());
      if (!spec || typeof spec !== 'object' || !Array.isArray(spec.layers))
        throw new Error('a network spec is an object with "input" and "layers", as `lenet train --net` takes');
      this.load(spec);
    } catch (e) {
      this.problem.hidden = false;
      this.problem.textContent = `${file.name} could not be read: ${message(e)}`;
    }
  }

  /** Shows a message of the page's own (a failed start, say) where the core's would go. */
  say(text) {
    this.problem.hidden = !text;
    this.problem.textContent = text ?? '';
  }
}
