// Every layer for the current input: one small canvas per channel filled at
// native size with putImageData (CSS scales it, pixelated), a diverging colour
// scale per layer with its legend, the value and receptive field of the cell
// under the pointer, and the C1/C3 kernels as images.

import { paint, bound, drawBar } from './colormap.js';
import { groupLayers, receptiveField, shapeText, fmtInt } from './netinfo.js';
import { explain, INPUT_TEXT } from './explain.js';
import { el, drawInput } from './ui.js';
import { computeCell, explainPanel } from './conv-explain.js';
import { INPUT_SIDE, INPUT_SIZE } from './input.js';

const TARGET_PX = { big: 84, small: 48 }; // CSS size of a spatial map
const KERNEL_LAYERS = 2; // draw the kernels of the first two convolutions (C1, C3)
const HINT = 'Hover or tap a cell to read its value.';
const STEP_HINT =
  'Hover or tap a cell to read its value; click it (or focus a map, move with the arrow keys, press Enter) to see how it is computed.';
const WINDOWED = new Set(['conv2d', 'max_pool2d', 'avg_pool2d']);
const BLANK = 'Draw a digit to see this layer’s maps.';

export class LayersView {
  /** @param {HTMLElement} root where the layer sections go */
  constructor(root) {
    this.root = root;
    this.showPre = false; // show activations (false) or the layer's own output (true)
    this.maps = null;
    this.input = null;
    this.sections = [];
  }

  /**
   * Builds the sections for a network (again when its layers change). The
   * caller shows the new network's maps right after (update or clear); the
   * kernels are drawn in a task of their own, so that a new network (one
   * trained on all of MNIST, say) never holds the page long in one go.
   */
  setModel(model) {
    this.model = model;
    clearTimeout(this.kernelsTimer);
    this.kernelsTimer = setTimeout(() => this.drawKernels());
    const layout = JSON.stringify(model.layers);
    if (layout === this.layout) return;
    this.layout = layout;
    this.root.replaceChildren();
    this.sections = [];
    this.root.append(this.buildInput());
    let shape = { channels: model.spec.input[0], height: model.spec.input[1], width: model.spec.input[2] };
    let convs = 0;
    for (const group of groupLayers(model.layers)) {
      const withKernels = group.main.kind === 'conv2d' && convs++ < KERNEL_LAYERS && group.main.shape.height > 1;
      this.root.append(this.buildSection(group, shape, withKernels));
      shape = (group.act ?? group.main).shape;
    }
    this.clear();
  }

  buildInput() {
    const canvas = el('canvas', {
      class: 'map input-map',
      width: INPUT_SIDE,
      height: INPUT_SIDE,
      role: 'img',
      'aria-label': `the ${INPUT_SIDE} × ${INPUT_SIDE} input`,
    });
    const frame = el(
      'div',
      { class: 'input-frame' },
      canvas,
      el('div', { class: 'digit-field', 'aria-hidden': 'true' }),
    );
    this.inputCanvas = canvas;
    return el(
      'section',
      { class: 'layer', 'data-layer': 'input', 'aria-labelledby': 'layer-input-title' },
      el(
        'header',
        {},
        el('h3', { id: 'layer-input-title' }, 'Input'),
        el('p', { class: 'shape' }, `1 × ${INPUT_SIDE} × ${INPUT_SIDE}`),
      ),
      el(
        'div',
        { class: 'layer-body' },
        el('div', { class: 'layer-text' }, el('p', {}, INPUT_TEXT)),
        el('div', { class: 'maps' }, frame),
      ),
    );
  }

  buildSection(group, inShape, withKernels) {
    const { main, act } = group;
    const id = `layer-${main.name}-title`;
    const shown = () => (this.showPre || !act ? main : act);
    const s = main.shape;
    const spatial = s.height > 1 || s.width > 1;
    const scale = spatial ? Math.max(2, Math.round((s.height >= 20 ? TARGET_PX.big : TARGET_PX.small) / s.height)) : 0;
    const canvases = [];
    const maps = el('div', { class: spatial ? `maps ${s.channels <= 6 ? 'few' : 'many'}` : 'maps vector' });
    if (spatial) {
      for (let c = 0; c < s.channels; c++) {
        const cv = el('canvas', {
          class: 'map',
          width: s.width,
          height: s.height,
          role: 'img',
          'aria-label': `${main.name} map ${c + 1} of ${s.channels}`,
          'data-channel': c,
          ...(WINDOWED.has(main.kind) ? { tabindex: '0' } : {}),
        });
        cv.style.setProperty('--px', s.width * scale);
        canvases.push(cv);
        maps.append(cv);
      }
    } else {
      // One value per unit: a strip of cells, one pixel each, in rows.
      const cols = s.channels <= 16 ? s.channels : s.channels % 20 === 0 ? 20 : s.channels % 14 === 0 ? 14 : 16;
      const rows = Math.ceil(s.channels / cols);
      const cv = el('canvas', {
        class: 'map',
        width: cols,
        height: rows,
        role: 'img',
        'aria-label': `${main.name}: ${s.channels} values`,
      });
      cv.style.setProperty('--cols', cols);
      canvases.push(cv);
      if (main.name === 'output' || (s.channels === 10 && group.index === this.model.layers.length - 1)) {
        maps.classList.add('output');
        maps.style.setProperty('--cols', cols);
        maps.append(
          el(
            'div',
            { class: 'output-strip' },
            cv,
            el(
              'div',
              { class: 'output-labels', 'aria-hidden': 'true' },
              ...Array.from({ length: s.channels }, (_, i) =>
                el('span', { title: i < 10 ? '' : 'not a digit' }, i < 10 ? String(i) : '✕'),
              ),
            ),
          ),
        );
      } else maps.append(cv);
    }

    const legendMin = el('span', { class: 'legend-min' });
    const legendMax = el('span', { class: 'legend-max' });
    const bar = el('canvas', { class: 'legend-bar', 'aria-hidden': 'true' });
    drawBar(bar);
    const legend = el('div', { class: 'legend' }, legendMin, bar, legendMax);
    const rf = el('canvas', { class: 'rf', width: 128, height: 128, 'aria-hidden': 'true' });
    const steps = spatial && WINDOWED.has(main.kind);
    const readoutText = el('span', {}, steps ? STEP_HINT : HINT);
    const readout = el('p', { class: 'readout', 'aria-live': 'polite' }, rf, readoutText);

    const kind =
      {
        conv2d: 'convolution',
        max_pool2d: 'max pooling',
        avg_pool2d: 'average pooling',
        linear: 'fully connected',
        flatten: 'flatten',
      }[main.kind] ?? main.kind;
    const actNote = act ? el('span', { class: 'act-note' }) : null;
    const text = el(
      'div',
      { class: 'layer-text' },
      ...explain(group, this.model.spec, inShape).map((p) => el('p', {}, p)),
    );
    const section = el(
      'section',
      { class: 'layer', 'data-layer': main.name, 'aria-labelledby': id },
      el(
        'header',
        {},
        el('h3', { id }, main.name, ' ', el('span', { class: 'kind' }, kind + (act ? ` + ${act.kind}` : ''))),
        el(
          'p',
          { class: 'shape' },
          `${shapeText(s)} · ${fmtInt(main.params)} parameters · ${fmtInt(main.connections)} connections`,
        ),
      ),
      el(
        'div',
        { class: 'layer-body' },
        text,
        el(
          'div',
          { class: 'layer-figure' },
          actNote ? el('p', { class: 'shown' }, actNote) : '',
          maps,
          legend,
          readout,
          steps ? el('div', { class: 'cell-explain-slot' }) : '',
        ),
      ),
    );

    const info = {
      group,
      canvases,
      spatial,
      legendMin,
      legendMax,
      readoutText,
      rf,
      actNote,
      shown,
      bound: 1,
      section,
      steps,
      hint: steps ? STEP_HINT : HINT,
      cell: null, // the cell whose computation is open: {channel, row, column}
    };
    if (withKernels) {
      const [o, c, k] = main.weightShape;
      const kMin = el('span', { class: 'legend-min' });
      const kMax = el('span', { class: 'legend-max' });
      const kbar = el('canvas', { class: 'legend-bar', 'aria-hidden': 'true' });
      drawBar(kbar);
      let figure, caption;
      if (c === 1) {
        // One kernel per map, in a row that lines up with the maps above.
        const row = el('div', { class: `maps ${s.channels <= 6 ? 'few' : 'many'} kernel-row` });
        for (let oi = 0; oi < o; oi++) {
          const kc = el('canvas', {
            class: 'kernel',
            width: k,
            height: k,
            role: 'img',
            'aria-label': `${main.name} kernel ${oi + 1}`,
          });
          kc.style.setProperty('--px', s.width * scale);
          row.append(kc);
        }
        figure = row;
        caption = `Each ${k}×${k} kernel under the map it makes. Red weights add where there is ink, blue ones subtract: the pattern is the stroke its map looks for.`;
      } else {
        figure = el('canvas', {
          class: 'kernels-canvas',
          width: o * (k + 1) - 1,
          height: c * (k + 1) - 1,
          role: 'img',
          'aria-label': `${main.name} kernels: ${o} × ${c} of ${k} × ${k}`,
        });
        caption = `The ${o} kernels, one column per ${main.name} map; each has one ${k}×${k} slice per input map (rows). Red weights add where there is ink, blue ones subtract.`;
      }
      section
        .querySelector('.layer-figure')
        .append(
          el(
            'figure',
            { class: 'kernels' },
            el('h4', {}, 'Kernels'),
            figure,
            el('figcaption', {}, caption),
            el('div', { class: 'legend' }, kMin, kbar, kMax),
          ),
        );
      info.kernels = { figure, min: kMin, max: kMax };
    }
    this.attachHover(info);
    this.sections.push(info);
    return section;
  }

  attachHover(info) {
    const read = (e) => {
      const cv = e.target;
      if (!(cv instanceof HTMLCanvasElement) || !cv.classList.contains('map') || !this.maps) return;
      const r = cv.getBoundingClientRect();
      const x = Math.min(cv.width - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * cv.width)));
      const y = Math.min(cv.height - 1, Math.max(0, Math.floor(((e.clientY - r.top) / r.height) * cv.height)));
      this.showCell(info, info.spatial ? Number(cv.dataset.channel) : y * cv.width + x, x, y);
    };
    for (const cv of info.canvases) {
      cv.addEventListener('pointermove', read);
      cv.addEventListener('pointerdown', read);
    }
    if (!info.steps) return;
    // Click a cell, or move over the map with the arrow keys and press Enter: its computation.
    for (const cv of info.canvases) {
      const channel = Number(cv.dataset.channel);
      cv.addEventListener('click', (e) => {
        const r = cv.getBoundingClientRect();
        const column = Math.min(cv.width - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * cv.width)));
        const row = Math.min(cv.height - 1, Math.max(0, Math.floor(((e.clientY - r.top) / r.height) * cv.height)));
        this.openCell(info, { channel, row, column });
      });
      cv.addEventListener('keydown', (e) => {
        const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
        const cell = info.cell?.channel === channel ? info.cell : { channel, row: 0, column: 0 };
        if (e.key in moves) {
          const [dy, dx] = moves[e.key];
          const next = {
            channel,
            row: Math.min(cv.height - 1, Math.max(0, cell.row + dy)),
            column: Math.min(cv.width - 1, Math.max(0, cell.column + dx)),
          };
          info.cell = next;
          if (this.maps) this.showCell(info, channel, next.column, next.row);
          if (info.open) this.openCell(info, next);
        } else if (e.key === 'Enter' || e.key === ' ') {
          this.openCell(info, cell);
        } else return;
        e.preventDefault();
      });
    }
  }

  /** Shows how one cell of a convolution or pooling map is computed, from the engine's numbers. */
  openCell(info, cell) {
    if (!this.maps) return;
    info.cell = cell;
    info.open = true;
    const { main, act } = info.group;
    const index = this.model.layers.indexOf(main);
    const source = index > 0 ? this.model.layers[index - 1] : null;
    const net = this.model.net;
    const more = main.kind === 'conv2d' ? { kernels: net.kernels(main.name), biases: net.biases(main.name) } : {};
    const c = computeCell(main, source, this.maps, this.input, cell, more);
    const where = `${main.name} map ${cell.channel + 1}, row ${cell.row + 1}, column ${cell.column + 1}`;
    info.section.querySelector('.cell-explain-slot').replaceChildren(explainPanel(c, where, act));
    this.showCell(info, cell.channel, cell.column, cell.row);
  }

  showCell(info, channel, x, y) {
    const layer = info.shown();
    const s = layer.shape;
    if (channel >= s.channels) return;
    const v = this.maps[layer.offset + channel * s.height * s.width + (info.spatial ? y * s.width + x : 0)];
    const index = this.model.layers.indexOf(layer);
    const field = receptiveField(this.model.spec, index, info.spatial ? y : 0, info.spatial ? x : 0);
    const name = info.group.name;
    const where = info.spatial
      ? `map ${channel + 1}, row ${y + 1}, column ${x + 1}`
      : name === 'output'
        ? `digit ${channel}`
        : `unit ${channel + 1}`;
    const stage = layer === info.group.act ? ` after ${layer.kind}` : '';
    const sees = field
      ? `; it sees input rows ${field.y0 + 1}–${field.y1 + 1}, columns ${field.x0 + 1}–${field.x1 + 1} (${field.y1 - field.y0 + 1}×${field.x1 - field.x0 + 1})`
      : '; it sees the whole input';
    info.readoutText.textContent = `${name} ${where}${stage}: ${v.toFixed(3)}${sees}.`;
    this.drawField(info.rf, field);
  }

  // The input, faded outside the cell's receptive field, which is outlined.
  drawField(canvas, field) {
    const S = canvas.width / INPUT_SIDE;
    const ctx = canvas.getContext('2d');
    const img = new ImageData(INPUT_SIDE, INPUT_SIDE);
    for (let i = 0; i < INPUT_SIZE; i++) {
      const yy = Math.floor(i / INPUT_SIDE);
      const xx = i % INPUT_SIDE;
      const inside = !field || (yy >= field.y0 && yy <= field.y1 && xx >= field.x0 && xx <= field.x1);
      const g = 255 - (this.input ? this.input[i] : 0) * 255;
      const v = inside ? g : 215 + g * 0.15;
      img.data.set([v, v, v, 255], i * 4);
    }
    this.fieldScratch ??= el('canvas', { width: INPUT_SIDE, height: INPUT_SIDE });
    this.fieldScratch.getContext('2d').putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.fieldScratch, 0, 0, canvas.width, canvas.height);
    if (field) {
      ctx.strokeStyle = '#1f5fa8';
      ctx.lineWidth = 2;
      ctx.strokeRect(
        field.x0 * S + 1,
        field.y0 * S + 1,
        (field.x1 - field.x0 + 1) * S - 2,
        (field.y1 - field.y0 + 1) * S - 2,
      );
    }
    canvas.classList.add('on');
  }

  setShowPre(pre) {
    this.showPre = pre;
    if (this.maps) this.update(this.maps, this.input);
  }

  /** @param {Float32Array} maps from net.featureMaps(input) */
  update(maps, input) {
    this.maps = maps;
    this.input = input;
    this.drawInput(input);
    for (const info of this.sections) {
      const layer = info.shown();
      const b = bound(maps, layer.offset, layer.length);
      info.bound = b;
      const per = layer.shape.height * layer.shape.width;
      if (info.spatial) {
        info.canvases.forEach((cv, c) => {
          const ctx = cv.getContext('2d');
          const img = ctx.createImageData(cv.width, cv.height);
          paint(img, maps, layer.offset + c * per, b);
          ctx.putImageData(img, 0, 0);
        });
      } else {
        const cv = info.canvases[0];
        const ctx = cv.getContext('2d');
        const img = ctx.createImageData(cv.width, cv.height);
        const padded = new Float32Array(cv.width * cv.height);
        padded.set(maps.subarray(layer.offset, layer.offset + layer.length));
        paint(img, padded, 0, b);
        for (let i = layer.length; i < padded.length; i++) img.data[i * 4 + 3] = 0;
        ctx.putImageData(img, 0, 0);
      }
      info.legendMin.textContent = `−${fmtBound(b)}`;
      info.legendMax.textContent = `+${fmtBound(b)}`;
      if (info.readoutText.textContent === BLANK) info.readoutText.textContent = info.hint;
      if (info.open) this.openCell(info, info.cell);
      if (info.actNote) {
        info.actNote.textContent =
          layer === info.group.act
            ? `Shown after ${info.group.act.kind} (what the next layer reads).`
            : `Shown before ${info.group.act.kind}: negative values in blue.`;
      }
    }
  }

  drawInput(input) {
    drawInput(this.inputCanvas, input);
  }

  /** The blank pad: no maps to show. */
  clear() {
    this.maps = null;
    this.input = null;
    this.drawInput(null);
    for (const info of this.sections) {
      for (const cv of info.canvases) cv.getContext('2d').clearRect(0, 0, cv.width, cv.height);
      info.legendMin.textContent = info.legendMax.textContent = '';
      info.readoutText.textContent = BLANK;
      info.rf.classList.remove('on');
      info.section.querySelector('.cell-explain-slot')?.replaceChildren();
      info.open = false;
    }
  }

  drawKernels() {
    for (const info of this.sections) {
      if (!info.kernels) continue;
      const { main } = info.group;
      const [o, c, k] = main.weightShape;
      const w = this.model.net.kernels(main.name);
      const b = bound(w, 0, w.length);
      const { figure } = info.kernels;
      const img = new ImageData(k, k);
      if (c === 1) {
        [...figure.children].forEach((kc, oi) => {
          paint(img, w, oi * k * k, b);
          kc.getContext('2d').putImageData(img, 0, 0);
        });
      } else {
        const ctx = figure.getContext('2d');
        ctx.clearRect(0, 0, figure.width, figure.height);
        for (let oi = 0; oi < o; oi++) {
          for (let ci = 0; ci < c; ci++) {
            paint(img, w, (oi * c + ci) * k * k, b);
            ctx.putImageData(img, oi * (k + 1), ci * (k + 1));
          }
        }
      }
      info.kernels.min.textContent = `−${fmtBound(b)}`;
      info.kernels.max.textContent = `+${fmtBound(b)}`;
    }
  }
}

function fmtBound(b) {
  return b >= 100 ? b.toFixed(0) : b >= 10 ? b.toFixed(1) : b.toFixed(2);
}
