// The drawing pad: pointer events for mouse, touch and pen, a round brush,
// strokes kept as point lists so Undo removes one stroke at a time.
//
// Emits (as EventTarget events):
//   'input'     while drawing, at most once per animation frame
//   'change'    when a stroke ends, on undo, clear and image loads

import { MNIST_SIDE, MNIST_SIZE } from './input.js';

const INK = '#111';
const PAPER = '#fff';

export class DrawingPad extends EventTarget {
  /** @param {HTMLCanvasElement} canvas drawn at its own resolution; CSS sizes it. */
  constructor(canvas, { brush = 20 } = {}) {
    super();
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.brush = brush;
    /** @type {Array<{kind: 'line', size: number, points: number[]} | {kind: 'image', image: HTMLCanvasElement}>} */
    this.strokes = [];
    this.active = null; // the stroke being drawn
    this.pointerId = null;
    this.frame = 0;
    this.redraw();

    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
    canvas.addEventListener('lostpointercapture', (e) => this.up(e));
    // Belt and braces with touch-action: none: no scrolling, no double-tap zoom.
    canvas.addEventListener('touchstart', (e) => e.preventDefault(), { passive: false });
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  }

  get blank() {
    return this.strokes.length === 0 && !this.active;
  }

  /** Pixels of the pad, for preprocessing. */
  pixels() {
    return this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
  }

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [
      ((e.clientX - r.left) / r.width) * this.canvas.width,
      ((e.clientY - r.top) / r.height) * this.canvas.height,
    ];
  }

  down(e) {
    if (this.pointerId !== null || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    this.pointerId = e.pointerId;
    this.canvas.setPointerCapture(e.pointerId);
    this.active = { kind: 'line', size: this.brush, points: this.point(e) };
    this.strokes.push(this.active);
    this.changedLive();
  }

  move(e) {
    if (e.pointerId !== this.pointerId || !this.active) return;
    e.preventDefault();
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) this.active.points.push(...this.point(ev));
    this.changedLive();
  }

  up(e) {
    if (e.pointerId !== this.pointerId) return;
    this.pointerId = null;
    if (!this.active) return;
    this.active = null;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.redraw();
    this.dispatchEvent(new Event('change'));
  }

  // While drawing: one redraw and one 'input' per animation frame. The whole
  // pad is redrawn from the strokes, so what Undo leaves is exactly what was drawn.
  changedLive() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.redraw();
      this.dispatchEvent(new Event('input'));
    });
  }

  undo() {
    if (this.active || !this.strokes.length) return false;
    this.strokes.pop();
    this.redraw();
    this.dispatchEvent(new Event('change'));
    return true;
  }

  clear() {
    if (this.active) return false;
    const had = this.strokes.length > 0;
    this.strokes = [];
    this.redraw();
    this.dispatchEvent(new Event('change'));
    return had;
  }

  /** Replaces the drawing with an MNIST digit's 28x28 grey image (0 paper, 255 ink), one undo step. */
  loadDigit(pixels28) {
    const small = document.createElement('canvas');
    small.width = small.height = MNIST_SIDE;
    const sctx = small.getContext('2d');
    const img = sctx.createImageData(MNIST_SIDE, MNIST_SIDE);
    for (let i = 0; i < MNIST_SIZE; i++) {
      img.data[i * 4 + 3] = pixels28[i]; // black ink, coverage as alpha
    }
    sctx.putImageData(img, 0, 0);
    this.strokes = [{ kind: 'image', image: small }];
    this.redraw();
    this.dispatchEvent(new Event('change'));
  }

  redraw() {
    const { ctx, canvas } = this;
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (const s of this.strokes) this.drawStroke(s);
  }

  drawStroke(s) {
    const { ctx, canvas } = this;
    if (s.kind === 'image') {
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(s.image, 0, 0, canvas.width, canvas.height);
      return;
    }
    const p = s.points;
    ctx.strokeStyle = ctx.fillStyle = INK;
    ctx.lineWidth = s.size;
    ctx.lineCap = ctx.lineJoin = 'round';
    ctx.beginPath();
    // A tap is a dot (a path of zero length would draw nothing).
    let moved = false;
    for (let i = 2; i < p.length && !moved; i += 2) moved = Math.abs(p[i] - p[0]) + Math.abs(p[i + 1] - p[1]) > 0.5;
    if (!moved) {
      ctx.arc(p[0], p[1], s.size / 2, 0, Math.PI * 2);
      ctx.fill();
      return;
    }
    ctx.moveTo(p[0], p[1]);
    for (let i = 2; i < p.length; i += 2) ctx.lineTo(p[i], p[i + 1]);
    ctx.stroke();
  }
}
