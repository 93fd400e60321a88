// "Convolution lab": one convolution on your digit, with the kernel size,
// stride, zero padding and number of filters on sliders, the output size,
// parameters and connections worked out as the tutorial does for C1, and the
// window sliding over the (padded) input while the output fills in cell by
// cell. With kernel size 5 it uses C1's trained kernels and biases (so at
// stride 1 and padding 0 its maps are C1's, before the ReLU); otherwise
// seeded random ones. The tutorial's own example is one click away: a
// 3-channel 5 x 5 input, two 3 x 3 filters, padding 1, stride 2.

import { el, $, whenShown } from './ui.js';
import { INPUT_SIDE } from './input.js';
import { paint, bound } from './colormap.js';

const C1_KERNEL = 5;
const PX = 8; // CSS pixels per input cell in the sliding view
const SPEEDS = { slow: 400, normal: 120, fast: 30 }; // ms per step

/** The tutorial's example (values as in its figure's style: small integers). */
function seedExample() {
  const rng = lcg(7);
  const int = (lo, hi) => lo + Math.floor(rng() * (hi - lo + 1));
  const input = Float32Array.from({ length: 3 * 25 }, () => int(0, 2));
  const kernels = Float32Array.from({ length: 2 * 3 * 9 }, () => int(-1, 1));
  return { input, shape: { channels: 3, height: 5, width: 5 }, kernels, biases: Float32Array.of(1, 0) };
}

/** A small seeded generator (the same random kernels on every visit). */
function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * y[o, i, j] = b[o] + sum over c, u, v of w[o, c, u, v] x[c, i s + u - p, j s + v - p]
 * (x = 0 outside the input): what PyTorch's Conv2d computes.
 */
export function convolve(input, shape, kernels, biases, { k, s, p, filters }) {
  const { channels: C, height: H, width: W } = shape;
  const oh = Math.floor((H - k + 2 * p) / s) + 1;
  const ow = Math.floor((W - k + 2 * p) / s) + 1;
  const out = new Float32Array(filters * oh * ow);
  for (let o = 0; o < filters; o++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let acc = biases[o];
        for (let c = 0; c < C; c++)
          for (let u = 0; u < k; u++) {
            const y = i * s + u - p;
            if (y < 0 || y >= H) continue;
            for (let v = 0; v < k; v++) {
              const x = j * s + v - p;
              if (x >= 0 && x < W) acc += kernels[((o * C + c) * k + u) * k + v] * input[(c * H + y) * W + x];
            }
          }
        out[(o * oh + i) * ow + j] = acc;
      }
  return { out, oh, ow };
}

export class ConvLab {
  /**
   * @param {HTMLElement} root the #lab section
   * @param {import('./model.js').Model} model
   */
  constructor(root, model) {
    this.model = model;
    this.later = whenShown(root);
    this.digit = null; // the network input on the pad
    this.example = false; // the tutorial's example instead of the digit
    this.step = 0; // how many output cells of filter 1 the animation has filled
    this.timer = 0;
    this.sliders = Object.fromEntries(
      ['k', 's', 'p', 'filters'].map((name) => {
        const input = $(`[data-testid="lab-${name}"]`, root);
        const value = input.parentElement.querySelector('output');
        input.addEventListener('input', () => {
          value.textContent = input.value;
          this.render();
        });
        return [name, { input, value }];
      }),
    );
    this.maps = $('.lab-maps', root);
    this.formulas = $('[data-testid="lab-formulas"]', root);
    this.slide = $('[data-testid="lab-slide"]', root);
    this.slideOut = $('.lab-slide-out', root);
    this.status = $('.lab-status', root);
    this.play = $('[data-testid="lab-play"]', root);
    this.speed = $('[data-testid="lab-speed"]', root);
    this.play.addEventListener('click', () => (this.timer ? this.pause() : this.start()));
    $('[data-testid="lab-step"]', root).addEventListener('click', () => {
      this.pause();
      this.advance();
    });
    $('[data-testid="lab-example"]', root).addEventListener('click', () => this.showExample());
    $('[data-testid="lab-digit"]', root).addEventListener('click', () => {
      this.example = false;
      this.setSliders({ k: 5, s: 1, p: 0, filters: 6 });
      this.render();
    });
    this.speed.addEventListener('change', () => this.timer && (this.pause(), this.start()));
  }

  /** The drawing on the pad changed (input null: blank). */
  update(input) {
    this.digit = input;
    if (!this.example) this.later(() => this.render());
  }

  /** The settings on the sliders. */
  settings() {
    const v = (name) => Number(this.sliders[name].input.value);
    return { k: v('k'), s: v('s'), p: v('p'), filters: v('filters') };
  }

  setSliders(settings) {
    for (const [name, value] of Object.entries(settings)) {
      this.sliders[name].input.value = value;
      this.sliders[name].value.textContent = value;
    }
  }

  showExample() {
    this.setSliders({ k: 3, s: 2, p: 1, filters: 2 });
    this.example = true;
    this.render();
  }

  /** The input, kernels and biases the lab convolves, and where they come from. */
  source(settings) {
    const { k, filters } = settings;
    const rng = lcg(k * 101 + filters);
    if (this.example) {
      const ex = seedExample();
      if (k === 3 && filters <= 2) {
        const from = 'the tutorial’s example: a 5 × 5 × 3 input, two 3 × 3 × 3 filters (biases 1 and 0)';
        return { ...ex, kernels: ex.kernels.subarray(0, filters * 27), biases: ex.biases.subarray(0, filters), from };
      }
      const kernels = Float32Array.from({ length: filters * 3 * k * k }, () => Math.floor(rng() * 3) - 1);
      return { ...ex, kernels, biases: new Float32Array(filters), from: 'the example’s input, random −1/0/1 kernels' };
    }
    if (!this.digit) return null;
    const shape = { channels: 1, height: INPUT_SIDE, width: INPUT_SIDE };
    if (k === C1_KERNEL && filters <= 6) {
      const net = this.model.net;
      return {
        input: this.digit,
        shape,
        kernels: net.kernels('C1').subarray(0, filters * k * k),
        biases: net.biases('C1').subarray(0, filters),
        from: 'C1’s trained kernels and biases',
      };
    }
    const kernels = Float32Array.from({ length: filters * k * k }, () => (rng() - 0.5) * (2 / k));
    return { input: this.digit, shape, kernels, biases: new Float32Array(filters), from: 'random kernels (seeded)' };
  }

  render() {
    this.pause();
    this.step = 0;
    const settings = this.settings();
    const src = this.source(settings);
    this.maps.replaceChildren();
    this.slideOut.replaceChildren();
    this.slide.getContext('2d').clearRect(0, 0, this.slide.width, this.slide.height);
    this.current = null;
    const { k, s, p, filters } = settings;
    const fallback = this.example ? seedExample().shape : { channels: 1, height: INPUT_SIDE, width: INPUT_SIDE };
    const { channels: C, height: H, width: W } = src?.shape ?? fallback;
    const span = W - k + 2 * p;
    if (span < 0) {
      this.formulas.textContent = `This does not fit: the ${k} × ${k} kernel is larger than the padded input, ${W} + 2 × ${p} = ${W + 2 * p} wide. Make the kernel smaller or the padding larger.`;
      this.formulas.dataset.fits = 'false';
      this.status.textContent = '';
      return;
    }
    const o = Math.floor(span / s) + 1;
    const params = (k * k * C + 1) * filters;
    const lines = [
      `Output size: (W − K + 2P) / S + 1 = (${W} − ${k} + 2 × ${p}) / ${s} + 1 = ${o}` +
        (span % s
          ? ` (rounded down: the last ${span % s} column${span % s > 1 ? 's' : ''} of the padded input are never the start of a window)`
          : ''),
      `Parameters: (K × K × C_in + 1) × C_out = (${k} × ${k} × ${C} + 1) × ${filters} = ${params.toLocaleString('en-US')}`,
      `Connections: ${o} × ${o} outputs × ${k * k * C + 1} each × ${filters} maps = ${(o * o * params).toLocaleString('en-US')}`,
    ];
    this.formulas.replaceChildren(...lines.map((t) => el('p', {}, t)));
    this.formulas.dataset.fits = 'true';
    this.formulas.dataset.output = String(o);
    this.formulas.dataset.params = String(params);
    if (!src) {
      this.status.textContent = 'Draw a digit above (or try the tutorial’s example) to see the maps.';
      return;
    }
    const { out } = convolve(src.input, src.shape, src.kernels, src.biases, settings);
    this.current = { src, settings, out, o, H, W, C };
    this.status.textContent = `Using ${src.from}. Maps before any activation; blue negative, red positive.`;
    const b = bound(out, 0, out.length);
    for (let f = 0; f < filters; f++) {
      const cv = el('canvas', {
        class: 'lab-map',
        width: o,
        height: o,
        role: 'img',
        'aria-label': `output map ${f + 1}`,
        'data-testid': `lab-map-${f}`,
      });
      const ctx = cv.getContext('2d');
      const img = ctx.createImageData(o, o);
      paint(img, out, f * o * o, b);
      ctx.putImageData(img, 0, 0);
      this.maps.append(cv);
    }
    this.drawSlide();
  }

  start() {
    if (!this.current) return;
    if (this.step >= this.current.o * this.current.o) this.step = 0;
    this.play.textContent = 'Pause';
    this.play.setAttribute('aria-pressed', 'true');
    this.timer = setInterval(() => this.advance(), SPEEDS[this.speed.value] ?? SPEEDS.normal);
  }

  pause() {
    clearInterval(this.timer);
    this.timer = 0;
    this.play.textContent = 'Play';
    this.play.setAttribute('aria-pressed', 'false');
  }

  /** One more output cell of filter 1. */
  advance() {
    if (!this.current) return;
    const cells = this.current.o * this.current.o;
    if (this.step >= cells) return this.pause();
    this.step++;
    this.drawSlide();
    if (this.step >= cells) this.pause();
  }

  /**
   * The padded input of channel 1 with the window at the current cell, and
   * filter 1's output filled up to it; for the small example, every number.
   */
  drawSlide() {
    const { src, settings, out, o, H, W } = this.current;
    const { k, s, p } = settings;
    const side = W + 2 * p;
    // Cells big enough for a number each in the small example.
    const cell = this.example ? 36 : Math.max(4, Math.floor((PX * INPUT_SIDE) / side));
    this.slide.width = side * cell;
    this.slide.height = (H + 2 * p) * cell;
    const ctx = this.slide.getContext('2d');
    const inputBound = bound(src.input, 0, H * W);
    for (let y = 0; y < H + 2 * p; y++)
      for (let x = 0; x < side; x++) {
        const inside = y >= p && x >= p && y < H + p && x < W + p;
        const v = inside ? src.input[(y - p) * W + (x - p)] : 0;
        // Light enough in the example for its numbers to stay readable.
        const depth = this.example ? 90 : 200;
        const shade = Math.round(255 - depth * Math.min(1, Math.abs(v) / inputBound));
        ctx.fillStyle = inside ? `rgb(${shade},${shade},${shade})` : '#e9edf3';
        ctx.fillRect(x * cell, y * cell, cell, cell);
        if (this.example) {
          ctx.fillStyle = inside ? '#111' : '#999';
          ctx.font = `${Math.floor(cell * 0.5)}px system-ui`;
          ctx.textAlign = 'center';
          ctx.textBaseline = 'middle';
          ctx.fillText(String(v), x * cell + cell / 2, y * cell + cell / 2);
        }
      }
    const done = this.step;
    const at = Math.max(0, done - 1);
    const [i, j] = [Math.floor(at / o), at % o];
    if (done > 0) {
      ctx.strokeStyle = '#1f5fa8';
      ctx.lineWidth = 2;
      ctx.strokeRect(j * s * cell + 1, i * s * cell + 1, k * cell - 2, k * cell - 2);
    }
    // Filter 1's output so far.
    const grid = el('canvas', {
      class: 'lab-slide-map',
      width: o,
      height: o,
      role: 'img',
      'aria-label': `output map 1: ${done} of ${o * o} cells computed`,
      'data-testid': 'lab-slide-out',
      'data-done': String(done),
    });
    const g = grid.getContext('2d');
    const img = g.createImageData(o, o);
    const filled = out.slice(0, o * o).map((v, idx) => (idx < done ? v : 0));
    paint(img, filled, 0, bound(out, 0, o * o));
    for (let idx = done; idx < o * o; idx++) img.data[idx * 4 + 3] = 40;
    g.putImageData(img, 0, 0);
    const text =
      done > 0
        ? `Cell ${done} of ${o * o}: row ${i + 1}, column ${j + 1}; the window starts at row ${i * s - p + 1}, column ${j * s - p + 1} of the input (stride ${s}) and gives ${out[at].toFixed(3)}${this.current.C > 1 ? `, summed over all ${this.current.C} input channels (channel 1 shown)` : ''}.`
        : `Press Play or Step: the ${k} × ${k} window moves ${s} cell${s > 1 ? 's' : ''} at a time over the input padded with ${p} row${p === 1 ? '' : 's'} of zeros.`;
    this.slideOut.replaceChildren(grid, el('p', { class: 'lab-step-text' }, text));
    if (this.example) this.slideOut.append(el('p', { class: 'lab-values' }, exampleValues(out, o, settings.filters)));
  }
}

/** The example's output maps as numbers: two 3 x 3 maps. */
function exampleValues(out, o, filters) {
  return Array.from({ length: filters }, (_, f) => {
    const rows = Array.from({ length: o }, (_, i) =>
      Array.from(out.slice((f * o + i) * o, (f * o + i + 1) * o)).join(' '),
    );
    return `map ${f + 1}: ${rows.join(' / ')}`;
  }).join('; ');
}
