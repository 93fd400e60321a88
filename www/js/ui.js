// Small DOM helpers and the page's error banner.

import { INPUT_SIDE, INPUT_SIZE } from './input.js';

/** el('p', {class: 'x'}, 'text', child, ...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === undefined || v === null) continue;
    node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== '' && c !== null && c !== undefined) node.append(c);
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** A network input as the network sees it, on a canvas of its size: ink dark on white; null draws it blank. */
export function drawInput(canvas, input) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(INPUT_SIDE, INPUT_SIDE);
  for (let i = 0; i < INPUT_SIZE; i++) {
    const g = 255 - Math.round((input ? input[i] : 0) * 255);
    img.data.set([g, g, g, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}

/** The readable part of anything thrown. */
export function message(err) {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

/** Shows an error in the banner at the top of the page; the page stays usable. */
export function showError(context, err) {
  const banner = $('#errors');
  const text = `${context}: ${message(err)}`;
  const close = el('button', { type: 'button', class: 'icon', 'aria-label': 'Dismiss this message' }, '×');
  const item = el('p', { class: 'error' }, el('span', {}, text), close);
  close.addEventListener('click', () => {
    item.remove();
    banner.hidden = !banner.childElementCount;
  });
  banner.append(item);
  banner.hidden = false;
  // Keep the last few only.
  while (banner.childElementCount > 3) banner.firstElementChild.remove();
}

/** Shows a short status in an element, as plain text or as an error. */
export function setStatus(node, text, kind = '') {
  node.textContent = text;
  node.dataset.kind = kind;
}

export const pct = (x, digits = 1) => `${(x * 100).toFixed(digits)}%`;

/**
 * Runs `work` for the latest call only, in a task of its own, and only while
 * `root` is on or near the screen (else when it comes into view): views
 * below the pad stay off the path of each stroke. Returns `request(work)`.
 */
export function whenShown(root) {
  let pending = null;
  let timer = 0;
  let visible = false;
  const run = () => {
    timer = 0;
    const work = pending;
    pending = null;
    work?.();
  };
  const schedule = () => {
    if (pending && visible && !timer) timer = setTimeout(run, 0);
  };
  new IntersectionObserver(
    (entries) => {
      visible = entries.some((e) => e.isIntersecting);
      schedule();
    },
    { rootMargin: '300px' },
  ).observe(root);
  return (work) => {
    pending = work;
    schedule();
  };
}
