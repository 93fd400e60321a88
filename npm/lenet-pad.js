// <lenet-pad>: a drawing pad that reads what is drawn on it, in one tag.
//
//   <script type="module" src="node_modules/lenet-wasm/lenet-pad.js"></script>
//   <lenet-pad name="digit"></lenet-pad>
//
// Attributes: mode ("digit", the default, or "number" for several digits on
// a wide pad), brush (pen width in pad pixels; 18 by default), show-input (show
// the 32 x 32 input the network read), label (the pad's accessible name), name
// (the form field). Events: `input` while drawing, `change` when a stroke ends;
// `event.detail` is the reading (see README.md). `value` is the digit or the
// number read ("" for nothing, or "not a digit"); inside a <form> it submits
// under `name`. Keys on the focused pad: Delete or Backspace clears, Ctrl+Z
// (Cmd+Z) undoes the last stroke. CSS parts: pad, toolbar, undo, clear, result,
// input.

import init, { Network, preprocess } from './index.js';

const SIZES = { digit: [280, 280], number: [720, 240] };
const INPUT_SIDE = 32;

// One network for every pad on the page.
let shared;
function network() {
  shared ??= init().then(() => Network.pretrained());
  return shared;
}

const STYLE = `
  :host { display: inline-block; font: 14px system-ui, sans-serif; }
  [part=pad] { display: block; width: 100%; max-width: var(--lenet-pad-width, 280px); aspect-ratio: var(--ratio);
    touch-action: none; background: #fff; border: 1px solid #888; border-radius: 6px; cursor: crosshair; }
  [part=pad]:focus-visible { outline: 2px solid #2563eb; outline-offset: 2px; }
  [part=toolbar] { display: flex; gap: 6px; align-items: center; margin-top: 6px; }
  [part=result] { margin-left: auto; font-weight: 600; }
  [part=input] { width: 64px; height: 64px; image-rendering: pixelated; border: 1px solid #ccc; }
  [hidden] { display: none !important; }
`;

let styles;
function sheet() {
  if (!styles) {
    styles = new CSSStyleSheet();
    styles.replaceSync(STYLE);
  }
  return styles;
}

export class LenetPad extends HTMLElement {
  static formAssociated = true;
  static observedAttributes = ['mode', 'label', 'show-input'];

  #internals = this.attachInternals();
  #strokes = [];
  #reading = null;
  #drawing = false;
  #pending = 0;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    // A constructed style sheet: a Content-Security-Policy without 'unsafe-inline' allows it.
    root.adoptedStyleSheets = [sheet()];
    root.innerHTML = `
      <canvas part="pad" tabindex="0" role="img"></canvas>
      <div part="toolbar">
        <button part="undo" type="button">Undo</button>
        <button part="clear" type="button">Clear</button>
        <canvas part="input" width="${INPUT_SIDE}" height="${INPUT_SIDE}" hidden></canvas>
        <output part="result" aria-live="polite"></output>
      </div>`;
    this.pad = root.querySelector('[part=pad]');
    // Read back on every frame while drawing: keep the pixels where the CPU reads them.
    this.ctx = this.pad.getContext('2d', { willReadFrequently: true });
    this.result = root.querySelector('[part=result]');
    this.inputView = root.querySelector('[part=input]');
    root.querySelector('[part=undo]').addEventListener('click', () => this.undo());
    root.querySelector('[part=clear]').addEventListener('click', () => this.clear());
    this.#listen();
  }

  connectedCallback() {
    this.#layout();
    network().catch((e) => this.#fail(e));
  }

  attributeChangedCallback() {
    this.#layout();
  }

  /** "digit" or "number". */
  get mode() {
    return this.getAttribute('mode') === 'number' ? 'number' : 'digit';
  }

  /** The digit or number read: "" when nothing is read. */
  get value() {
    return this.#reading?.value ?? '';
  }

  /** The last reading (the `detail` of the events), or null. */
  get reading() {
    return this.#reading;
  }

  get form() {
    return this.#internals.form;
  }

  get name() {
    return this.getAttribute('name');
  }

  /** Empties the pad. */
  clear() {
    this.#strokes = [];
    this.#redraw();
    this.#read('change');
  }

  /** Takes back the last stroke. */
  undo() {
    this.#strokes.pop();
    this.#redraw();
    this.#read('change');
  }

  formResetCallback() {
    this.clear();
  }

  #layout() {
    const [width, height] = SIZES[this.mode];
    if (this.pad.width !== width || this.pad.height !== height) {
      Object.assign(this.pad, { width, height });
      this.pad.style.setProperty('--ratio', `${width} / ${height}`);
      this.style.setProperty('--lenet-pad-width', `${width}px`);
      this.#strokes = [];
      this.#redraw();
    }
    const what = this.mode === 'number' ? 'a number' : 'a digit';
    const label = this.getAttribute('label') ?? `Drawing pad: write ${what}`;
    this.pad.setAttribute('aria-label', `${label}. Delete clears, Control+Z undoes.`);
    this.inputView.hidden = !this.hasAttribute('show-input') || this.mode === 'number';
  }

  #listen() {
    const point = (e) => {
      const box = this.pad.getBoundingClientRect();
      return [
        ((e.clientX - box.left) * this.pad.width) / box.width,
        ((e.clientY - box.top) * this.pad.height) / box.height,
      ];
    };
    this.pad.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      this.pad.setPointerCapture(e.pointerId);
      this.#drawing = true;
      this.#strokes.push([point(e)]);
      this.#redraw();
    });
    this.pad.addEventListener('pointermove', (e) => {
      if (!this.#drawing) return;
      for (const event of e.getCoalescedEvents?.() ?? [e]) this.#strokes.at(-1).push(point(event));
      this.#redraw();
      // At most one reading per frame while drawing.
      if (!this.#pending) {
        this.#pending = requestAnimationFrame(() => {
          this.#pending = 0;
          this.#read('input');
        });
      }
    });
    const end = () => {
      if (!this.#drawing) return;
      this.#drawing = false;
      this.#read('change');
    };
    this.pad.addEventListener('pointerup', end);
    this.pad.addEventListener('pointercancel', end);
    this.pad.addEventListener('keydown', (e) => {
      if (e.key === 'Delete' || e.key === 'Backspace') this.clear();
      else if (e.key === 'z' && (e.ctrlKey || e.metaKey)) this.undo();
      else return;
      e.preventDefault();
    });
  }

  #redraw() {
    const ctx = this.ctx;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, this.pad.width, this.pad.height);
    Object.assign(ctx, { strokeStyle: '#000', fillStyle: '#000', lineCap: 'round', lineJoin: 'round' });
    ctx.lineWidth = Number(this.getAttribute('brush')) || 18;
    for (const stroke of this.#strokes) {
      ctx.beginPath();
      ctx.moveTo(...stroke[0]);
      // A single point is a dot: a line of no length draws nothing.
      if (stroke.length === 1) ctx.arc(...stroke[0], ctx.lineWidth / 2, 0, 2 * Math.PI);
      for (const p of stroke.slice(1)) ctx.lineTo(...p);
      stroke.length === 1 ? ctx.fill() : ctx.stroke();
    }
  }

  async #read(type) {
    let net;
    try {
      net = await network();
    } catch (e) {
      return this.#fail(e);
    }
    const { width, height } = this.pad;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    const strokes = this.#strokes.map((points) => ({ points: points.flat(), size: this.ctx.lineWidth }));
    const reading =
      this.mode === 'number'
        ? numberReading(net, rgba, width, height, strokes)
        : digitReading(net, rgba, width, height);
    this.#reading = reading;
    this.#show(reading);
    this.#internals.setFormValue(reading?.value ?? '');
    this.dispatchEvent(new CustomEvent(type, { detail: reading, bubbles: true, composed: true }));
  }

  #show(reading) {
    if (!reading) {
      this.result.textContent = '';
    } else if (this.mode === 'number') {
      this.result.textContent = reading.text;
    } else {
      const what = reading.digit ?? 'not a digit';
      this.result.textContent = `${what} (${Math.round(reading.confidence * 100)}%)`;
    }
    const ctx = this.inputView.getContext('2d');
    ctx.clearRect(0, 0, INPUT_SIDE, INPUT_SIDE);
    if (reading?.input) {
      const image = ctx.createImageData(INPUT_SIDE, INPUT_SIDE);
      reading.input.forEach((v, i) => {
        const shade = 255 - Math.round(255 * Math.min(1, Math.max(0, v)));
        image.data.set([shade, shade, shade, 255], i * 4);
      });
      ctx.putImageData(image, 0, 0);
    }
  }

  #fail(error) {
    this.result.textContent = `lenet-pad: ${error.message}`;
    this.dispatchEvent(new CustomEvent('error', { detail: error }));
  }
}

/** One digit: `{digit, confidence, probabilities, notDigit, value, input}`, or null for a blank pad. */
function digitReading(net, rgba, width, height) {
  const input = preprocess(rgba, width, height);
  if (!input) return null;
  const reading = net.read(input);
  return { ...reading, value: reading.digit === null ? '' : String(reading.digit), input };
}

/** A number: `{text, digits, value}`, or null for a blank pad. */
/** The pad's strokes tell apart digits whose ink touches. */
function numberReading(net, rgba, width, height, strokes) {
  const { text, digits } = net.readDigits(rgba, width, height, strokes);
  return digits.length ? { text, digits, value: text } : null;
}

if (!customElements.get('lenet-pad')) customElements.define('lenet-pad', LenetPad);
