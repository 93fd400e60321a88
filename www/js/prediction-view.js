// The answer: the top digit, how sure the network is, and a bar for each of
// the ten probabilities (with the number written beside it).

import { el, $, pct } from './ui.js';

const UNSURE = 0.6; // below this the page says the network is unsure

export class PredictionView {
  constructor(root) {
    this.digit = $('[data-testid="prediction"]', root);
    this.confidence = $('[data-testid="confidence"]', root);
    this.verdict = $('.verdict', root);
    // A small copy of the answer on the pad's corner, for phones where the panel is below the fold.
    this.badge = $('.pad-badge');
    this.rows = [];
    const list = $('.probs', root);
    for (let d = 0; d < 10; d++) {
      const fill = el('span', { class: 'bar-fill' });
      const value = el('span', { class: 'prob-value', 'data-testid': `prob-${d}` });
      const row = el('li', { class: 'prob' }, el('span', { class: 'prob-digit' }, String(d)), el('span', { class: 'bar', 'aria-hidden': 'true' }, fill), value);
      list.append(row);
      this.rows.push({ row, fill, value });
    }
    this.show(null);
  }

  /** @param {Float32Array | null} probs null for a blank pad */
  show(probs, note = '') {
    const root = this.digit.closest('.prediction');
    if (!probs) {
      root.dataset.state = 'blank';
      this.digit.textContent = '';
      this.confidence.textContent = '';
      this.badge.hidden = true;
      this.verdict.textContent = note || 'Draw a digit from 0 to 9 in the box, or load a real MNIST digit.';
      for (const r of this.rows) {
        r.fill.style.setProperty('--p', 0);
        r.value.textContent = '';
        r.row.classList.remove('top');
      }
      return;
    }
    const order = [...probs.keys()].sort((a, b) => probs[b] - probs[a]);
    const [top, second] = order;
    const sure = probs[top] >= UNSURE;
    root.dataset.state = sure ? 'sure' : 'unsure';
    this.digit.textContent = String(top);
    this.confidence.textContent = pct(probs[top]);
    this.badge.hidden = false;
    this.badge.dataset.state = root.dataset.state;
    this.badge.firstElementChild.textContent = sure ? String(top) : `${top}?`;
    this.badge.lastElementChild.textContent = pct(probs[top], 0);
    this.verdict.textContent = sure
      ? `It’s ${a(top)}${note}.`
      : `Not sure: maybe ${a(top)}, or ${a(second)} (${pct(probs[second], 0)})${note}.`;
    this.rows.forEach((r, d) => {
      r.fill.style.setProperty('--p', probs[d]);
      r.value.textContent = probs[d].toFixed(3);
      r.row.classList.toggle('top', d === top);
    });
  }
}

const a = (digit) => (digit === 8 ? `an ${digit}` : `a ${digit}`);
