// The answer: the digit read (or "Not a digit"), how sure the network is, and
// a bar for each of the ten probabilities (with the number written beside
// it), plus one for "not a digit" when the network has that output.

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
    for (let d = 0; d <= 10; d++) {
      const fill = el('span', { class: 'bar-fill' });
      const value = el('span', { class: 'prob-value', 'data-testid': d < 10 ? `prob-${d}` : 'prob-not-digit' });
      const name = el('span', { class: 'prob-digit', title: d < 10 ? '' : 'not a digit' }, d < 10 ? String(d) : '✕');
      const row = el('li', { class: 'prob' }, name, el('span', { class: 'bar', 'aria-hidden': 'true' }, fill), value);
      list.append(row);
      this.rows.push({ row, fill, value });
    }
    this.notDigitRow = this.rows[10].row;
    this.show(null);
  }

  /**
   * @param {import('../pkg/lenet.js').Reading | null} reading what `net.read` said, null for a blank pad
   * @param {boolean} canReject whether the network has a "not a digit" output
   */
  show(reading, note = '', canReject = false) {
    const root = this.digit.closest('.prediction');
    this.notDigitRow.hidden = !canReject;
    if (!reading) {
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
    const probs = [...reading.probabilities, reading.notDigit];
    const top = reading.digit ?? 10;
    const second = [...probs.keys()].filter((d) => d !== top).sort((x, y) => probs[y] - probs[x])[0];
    const state = reading.digit === null ? 'reject' : reading.confidence >= UNSURE ? 'sure' : 'unsure';
    root.dataset.state = state;
    this.digit.textContent = reading.digit === null ? '' : String(reading.digit);
    this.confidence.textContent = pct(reading.confidence);
    this.badge.hidden = false;
    this.badge.dataset.state = state;
    this.badge.firstElementChild.textContent = { reject: '✕', sure: String(top), unsure: `${top}?` }[state];
    this.badge.lastElementChild.textContent = pct(reading.confidence, 0);
    this.verdict.textContent = {
      reject: `Not a digit: this does not look like one digit from 0 to 9${note}. Clear the pad and write one digit.`,
      sure: `It’s ${a(top)}${note}.`,
      unsure: `Not sure: maybe ${a(top)}, or ${a(second)} (${pct(probs[second], 0)})${note}.`,
    }[state];
    this.rows.forEach((r, d) => {
      r.fill.style.setProperty('--p', probs[d]);
      r.value.textContent = probs[d].toFixed(3);
      r.row.classList.toggle('top', d === top);
    });
  }
}

const a = (digit) => (digit === 10 ? '“not a digit”' : digit === 8 ? `an ${digit}` : `a ${digit}`);
