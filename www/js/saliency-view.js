// "What made it a 7": for the drawing on the pad, which pixels push the
// reading toward a digit (the predicted one, or any the user picks). Two maps
// over the 32 x 32 input, both from the engine: the gradient of that digit's
// score with respect to each pixel (net.inputGradient, the backward pass), and
// occlusion sensitivity (net.occlusion: how much the digit's score falls
// when a 4 x 4 square is blanked), a check that needs no gradients. The
// drawing shows through both, darker where there is ink.

import { el, $, whenShown } from './ui.js';
import { INPUT_SIDE } from './input.js';
import { paint, bound } from './colormap.js';

const PATCH = 4; // occlusion squares, in input pixels

export class SaliencyView {
  /** @param {HTMLElement} root the #why section */
  constructor(root) {
    this.title = $('.why-digit', root);
    this.gradient = $('[data-testid="saliency"]', root);
    this.occlusion = $('[data-testid="occlusion"]', root);
    this.status = $('.why-status', root);
    this.later = whenShown(root);
    this.picked = null; // the digit the user chose; null: the one read
    this.net = null;
    this.input = null;
    this.reading = null;
    const buttons = $('.why-digits', root);
    this.buttons = Array.from({ length: 10 }, (_, d) => {
      const b = el(
        'button',
        { type: 'button', 'data-testid': `saliency-digit-${d}`, 'aria-pressed': 'false' },
        String(d),
      );
      b.addEventListener('click', () => this.pick(this.picked === d ? null : d));
      buttons.append(b);
      return b;
    });
  }

  /** The digit whose maps are shown: the picked one, else the one read (null for none). */
  get digit() {
    return this.picked ?? this.reading?.digit ?? null;
  }

  pick(digit) {
    this.picked = digit;
    this.draw();
  }

  /** A new drawing (input null: the pad is blank) and what the network read. */
  update(net, input, reading) {
    Object.assign(this, { net, input, reading });
    this.later(() => this.draw());
  }

  draw() {
    const digit = this.digit;
    this.buttons.forEach((b, d) => b.setAttribute('aria-pressed', String(d === digit)));
    for (const canvas of [this.gradient, this.occlusion]) {
      canvas.getContext('2d').clearRect(0, 0, INPUT_SIDE, INPUT_SIDE);
      delete canvas.dataset.digit;
    }
    if (!this.input || digit === null) {
      this.title.textContent = 'it';
      this.status.textContent = this.input
        ? 'Not a digit: pick a digit to see what would push the drawing toward it.'
        : 'Draw a digit above.';
      return;
    }
    this.title.textContent = `a ${digit}`;
    const read = this.reading?.digit;
    this.status.textContent =
      digit === read
        ? `Red: more ink there would raise the score of ${digit}, and blanking a red square lowers it; blue: the opposite.`
        : `Read as ${read ?? 'not a digit'}. Red: ink there would push it toward ${digit}; blue: away from it.`;
    this.paint(this.gradient, this.net.inputGradient(this.input, digit), digit);
    this.paint(this.occlusion, this.net.occlusion(this.input, digit, PATCH), digit);
  }

  /** One map on its 32 x 32 canvas; its digit and largest |value| in data attributes. */
  paint(canvas, values, digit) {
    const ctx = canvas.getContext('2d');
    const image = ctx.createImageData(INPUT_SIDE, INPUT_SIDE);
    const largest = bound(values, 0, values.length);
    paint(image, values, 0, largest);
    // The drawing shows through: darker where there is ink.
    this.input.forEach((ink, i) => {
      const shade = 1 - 0.45 * Math.min(1, Math.max(0, ink));
      for (let c = 0; c < 3; c++) image.data[i * 4 + c] *= shade;
    });
    ctx.putImageData(image, 0, 0);
    canvas.dataset.digit = String(digit);
    canvas.dataset.max = String(largest);
  }
}
