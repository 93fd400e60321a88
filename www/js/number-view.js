// "Read a whole number": a wide pad where several digits are written side by
// side; the network reads them left to right (net.readDigits), and each digit
// gets a box over the pad with its reading and confidence.

import { DrawingPad } from './pad.js';
import { el, $, pct, drawInput } from './ui.js';
import { INPUT_SIDE, INPUT_SIZE } from './input.js';

export class NumberView {
  /**
   * @param {HTMLElement} root the #number section
   * @param {import('./model.js').Model} model
   * @param {(input: Float32Array) => void} showInside shows one input's maps in "Inside the network"
   */
  constructor(root, model, showInside) {
    this.model = model;
    this.showInside = showInside;
    this.body = $('.number-body', root);
    this.pad = new DrawingPad($('[data-testid="number-pad"]', root), { brush: 16 });
    this.boxes = $('.number-boxes', root);
    this.text = $('[data-testid="number"]', root);
    this.list = $('.number-digits', root);
    this.status = $('.number-status', root);
    const toggle = $('[data-testid="mode-number"]', root);
    toggle.addEventListener('click', () => {
      const open = this.body.hidden;
      this.body.hidden = !open;
      toggle.setAttribute('aria-pressed', String(open));
      if (open) this.read();
    });
    $('[data-testid="number-undo"]', root).addEventListener('click', () => this.pad.undo());
    $('[data-testid="number-clear"]', root).addEventListener('click', () => this.pad.clear());
    this.pad.addEventListener('change', () => this.read());
    model.addEventListener('change', () => this.read());
  }

  /** Reads the pad and shows the number, a box per digit and the list. */
  read() {
    if (this.body.hidden) return;
    this.boxes.replaceChildren();
    this.list.replaceChildren();
    if (this.pad.blank) {
      this.text.textContent = '';
      this.status.textContent = 'Write a number: several digits side by side.';
      return;
    }
    let reading;
    try {
      const px = this.pad.pixels();
      // The pad's strokes tell apart digits whose ink touches.
      const strokes = this.pad.strokes.filter((s) => s.kind === 'line');
      reading = this.model.net.readDigits(px.data, px.width, px.height, strokes);
    } catch (e) {
      this.text.textContent = '';
      this.status.textContent = `Could not read this: ${e.message ?? e}`;
      return;
    }
    const { width, height } = this.pad.canvas;
    this.text.textContent = reading.text;
    this.status.textContent = reading.digits.length
      ? `${reading.digits.length} digit${reading.digits.length === 1 ? '' : 's'}, left to right.`
      : 'No digits found: marks that are not digits are left out.';
    reading.digits.forEach((d, i) => {
      const b = d.box;
      const box = el(
        'div',
        { class: 'number-box', 'data-testid': `number-box-${i}` },
        el('span', {}, String(d.digit), el('small', {}, ` · ${pct(d.confidence, 0)}`)),
      );
      Object.assign(box.style, {
        left: `${(100 * b.x) / width}%`,
        top: `${(100 * b.y) / height}%`,
        width: `${(100 * b.width) / width}%`,
        height: `${(100 * b.height) / height}%`,
      });
      this.boxes.append(box);
      const input = reading.inputs.slice(i * INPUT_SIZE, (i + 1) * INPUT_SIZE);
      const view = el('canvas', {
        class: 'number-input',
        width: INPUT_SIDE,
        height: INPUT_SIDE,
        'aria-hidden': 'true',
      });
      drawInput(view, input);
      const button = el(
        'button',
        { type: 'button', 'data-testid': `number-digit-${i}`, title: 'Show how the network reads this digit' },
        view,
        el('strong', {}, String(d.digit)),
        ` ${pct(d.confidence)}`,
      );
      button.addEventListener('click', () => this.showInside(input));
      this.list.append(el('li', {}, button));
    });
  }
}
