// One cell of a convolution or pooling map, computed in front of the reader:
// the input window (zero padding marked), the kernel for each input channel,
// the products and their sum, plus the bias, then the activation; for
// pooling, the window and its max or mean. Every number is the engine's own
// (its activations from net.featureMaps, its weights from net.kernels and
// net.biases); the result carries `data-value`, which equals the map's value.

import { el } from './ui.js';

/**
 * What one cell of `layer` computes.
 * @param {object} layer the conv2d or pooling layer (from net.layers())
 * @param {{offset: number, shape: object} | null} source the layer it reads (null: the network input)
 * @param {Float32Array} maps net.featureMaps(input); the input itself is `input`
 * @param {Float32Array} input the network input
 * @param {{channel: number, row: number, column: number}} cell
 * @param {{kernels?: Float32Array, biases?: Float32Array, act?: object}} more
 */
export function computeCell(layer, source, maps, input, cell, more = {}) {
  const shape = source
    ? source.shape
    : { channels: 1, height: Math.sqrt(input.length), width: Math.sqrt(input.length) };
  const values = source ? maps.subarray(source.offset, source.offset + source.length) : input;
  const { kernelSize: k, stride: s, padding: p = 0 } = layer;
  const at = (c, y, x) =>
    y < 0 || x < 0 || y >= shape.height || x >= shape.width ? null : values[(c * shape.height + y) * shape.width + x];
  const window = (c) =>
    Array.from({ length: k }, (_, u) =>
      Array.from({ length: k }, (_, v) => at(c, cell.row * s + u - p, cell.column * s + v - p)),
    );
  const plane = layer.shape.height * layer.shape.width;
  const shown = maps[layer.offset + cell.channel * plane + cell.row * layer.shape.width + cell.column];
  if (layer.kind !== 'conv2d') {
    const w = window(cell.channel).flat();
    const inside = w.filter((v) => v !== null);
    const value = layer.kind === 'max_pool2d' ? Math.max(...inside) : inside.reduce((a, b) => a + b, 0) / (k * k);
    return { kind: layer.kind, windows: [window(cell.channel)], value, shown };
  }
  const channels = shape.channels;
  const kernel = (c) =>
    Array.from({ length: k }, (_, u) =>
      Array.from({ length: k }, (_, v) => more.kernels[((cell.channel * channels + c) * k + u) * k + v]),
    );
  const terms = Array.from({ length: channels }, (_, c) => {
    const win = window(c);
    const ker = kernel(c);
    const products = win.map((row, u) => row.map((x, v) => (x ?? 0) * ker[u][v]));
    return { window: win, kernel: ker, products, sum: products.flat().reduce((a, b) => a + b, 0) };
  });
  const bias = more.biases[cell.channel];
  const value = terms.reduce((a, t) => a + t.sum, bias);
  return { kind: 'conv2d', terms, bias, value, shown };
}

const fmt = (v) => (v === null ? '0' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));

function grid(rows, caption, cls = '') {
  return el(
    'table',
    { class: `cell-grid ${cls}` },
    el('caption', {}, caption),
    el(
      'tbody',
      {},
      ...rows.map((row) =>
        el('tr', {}, ...row.map((v) => el('td', v === null ? { class: 'pad', title: 'zero padding' } : {}, fmt(v)))),
      ),
    ),
  );
}

/**
 * The computation as a panel (data-testid="conv-explain").
 * @param {ReturnType<typeof computeCell>} c
 * @param {string} where e.g. "C3 map 5, row 3, column 7"
 * @param {object | null} act the activation after the layer, if any
 */
export function explainPanel(c, where, act) {
  const activated = act ? applyActivation(act.kind, c.value) : c.value;
  const panel = el('div', {
    class: 'conv-explain',
    'data-testid': 'conv-explain',
    'data-value': String(c.value),
    'data-activated': String(activated),
    role: 'region',
    'aria-label': `How ${where} is computed`,
  });
  panel.append(el('h4', {}, `How ${where} is computed`));
  if (c.kind !== 'conv2d') {
    const what = c.kind === 'max_pool2d' ? 'the largest value' : 'the mean';
    panel.append(
      el('div', { class: 'cell-row' }, grid(c.windows[0], 'the window it reads')),
      el('p', { class: 'cell-sum' }, `${what} of the window = ${c.value.toFixed(4)}`),
    );
    return panel;
  }
  const tabs = el('div', { class: 'cell-tabs', role: 'tablist', 'aria-label': 'Input map' });
  const body = el('div', { class: 'cell-row' });
  const show = (i) => {
    const t = c.terms[i];
    body.replaceChildren(
      grid(t.window, `input map ${i + 1}: the window`),
      el('span', { class: 'op', 'aria-hidden': 'true' }, '×'),
      grid(t.kernel, `kernel slice ${i + 1}`),
      el('span', { class: 'op', 'aria-hidden': 'true' }, '='),
      grid(t.products, `products, summing to ${t.sum.toFixed(4)}`, 'products'),
    );
    [...tabs.children].forEach((b, j) => b.setAttribute('aria-selected', String(i === j)));
  };
  c.terms.forEach((t, i) => {
    const b = el('button', { type: 'button', role: 'tab', 'data-testid': `conv-explain-channel-${i}` }, String(i + 1));
    b.addEventListener('click', () => show(i));
    tabs.append(b);
  });
  if (c.terms.length > 1) panel.append(el('p', { class: 'cell-note' }, 'One kernel slice per input map:'), tabs);
  panel.append(body);
  // "0.4040 − 0.8122 + 0.1751": each term with its own sign.
  const signed = (v, first) =>
    v < 0 ? `${first ? '−' : ' − '}${(-v).toFixed(4)}` : `${first ? '' : ' + '}${v.toFixed(4)}`;
  const sums = c.terms.map((t, i) => signed(t.sum, i === 0)).join('');
  panel.append(
    el(
      'p',
      { class: 'cell-sum' },
      `${c.terms.length > 1 ? `sums over the ${c.terms.length} maps: ${sums}` : `sum: ${sums}`}, plus bias ${c.bias.toFixed(4)}: ${c.value.toFixed(4)}` +
        (act ? `; after ${act.kind}: ${activated.toFixed(4)}` : ''),
    ),
  );
  show(0);
  return panel;
}

function applyActivation(kind, v) {
  if (kind === 'relu') return Math.max(0, v);
  if (kind === 'tanh') return Math.tanh(v);
  if (kind === 'sigmoid') return 1 / (1 + Math.exp(-v));
  return v;
}
