// Line charts drawn on a canvas: axes with round ticks, any number of series,
// an optional dashed target line. Redraws are batched to one per frame, and
// the canvas follows its CSS size and the screen's pixel ratio.

const DOT = 2.5; // the radius of a series' dots, in CSS pixels

function niceStep(range, count) {
  const raw = range / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
}

export class LineChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{xLabel?: string, xMax?: number, yMin?: number, yMax?: number, yFloor?: number, format?: (y: number) => string,
   *          target?: {y: number, label: string}}} options
   */
  constructor(canvas, options = {}) {
    this.canvas = canvas;
    this.options = options;
    this.series = [];
    this.frame = 0;
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  /** @param {Array<{label: string, color: string, xs: number[], ys: number[], width?: number, dash?: number[]}>} series */
  set(series) {
    this.series = series;
    this.draw();
  }

  draw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  paint() {
    const { canvas, options: o } = this;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (!w || !h) return;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const style = getComputedStyle(canvas);
    const ink = style.getPropertyValue('--chart-ink').trim() || '#444';
    const grid = style.getPropertyValue('--chart-grid').trim() || '#e4e4e4';
    ctx.font = '11px system-ui, sans-serif';

    let xMax = o.xMax ?? 1;
    let yMin = Infinity;
    let yMax = -Infinity;
    for (const s of this.series) {
      for (const x of s.xs) xMax = Math.max(xMax, x);
      for (const y of s.ys) if (Number.isFinite(y)) ((yMin = Math.min(yMin, y)), (yMax = Math.max(yMax, y)));
    }
    if (o.target) ((yMin = Math.min(yMin, o.target.y)), (yMax = Math.max(yMax, o.target.y)));
    if (!Number.isFinite(yMin)) ((yMin = 0), (yMax = 1));
    if (o.yMin !== undefined) yMin = Math.min(o.yMin, yMin);
    if (o.yFloor !== undefined) yMin = Math.max(o.yFloor, yMin);
    if (o.yMax !== undefined) yMax = Math.max(o.yMax, Math.min(yMax, o.yMax));
    if (yMax - yMin < 1e-6) yMax = yMin + 1;
    const yStep = niceStep(yMax - yMin, 4);
    yMin = Math.floor(yMin / yStep) * yStep;
    yMax = Math.ceil(yMax / yStep) * yStep;
    const fmt = o.format ?? ((y) => +y.toFixed(3) + '');

    const left = 44;
    const right = 12;
    const top = 10;
    const bottom = o.xLabel ? 38 : 24;
    const pw = w - left - right;
    const ph = h - top - bottom;
    const X = (x) => left + (x / xMax) * pw;
    const Y = (y) => top + (1 - (y - yMin) / (yMax - yMin)) * ph;

    ctx.strokeStyle = grid;
    ctx.fillStyle = ink;
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let y = yMin; y <= yMax + yStep / 2; y += yStep) {
      const py = Math.round(Y(y)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(left, py);
      ctx.lineTo(left + pw, py);
      ctx.stroke();
      ctx.fillText(fmt(y), left - 6, py);
    }
    const xStep = niceStep(xMax, Math.max(2, Math.floor(pw / 70)));
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let x = 0; x <= xMax + 1e-9; x += xStep) ctx.fillText(+x.toFixed(2) + '', X(x), top + ph + 5);
    if (o.xLabel) {
      ctx.textAlign = 'right';
      ctx.fillText(o.xLabel, left + pw, top + ph + 21);
    }

    if (o.target) {
      ctx.save();
      ctx.setLineDash([4, 4]);
      ctx.strokeStyle = ink;
      ctx.beginPath();
      ctx.moveTo(left, Y(o.target.y));
      ctx.lineTo(left + pw, Y(o.target.y));
      ctx.stroke();
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      ctx.fillText(o.target.label, left + 4, Y(o.target.y) - 2);
      ctx.restore();
    }

    if (!this.series.some((s) => s.xs.length) && o.empty) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillStyle = ink;
      ctx.font = '13px system-ui, sans-serif';
      ctx.fillText(o.empty, left + pw / 2, top + ph / 2);
    }
    // Lines stay inside the plot; its margin keeps whole the dots on its edges (the last epoch's).
    ctx.save();
    ctx.beginPath();
    ctx.rect(left - DOT, top - DOT, pw + 2 * DOT, ph + 2 * DOT);
    ctx.clip();
    for (const s of this.series) {
      ctx.strokeStyle = s.color;
      ctx.lineWidth = s.width ?? 1.5;
      ctx.setLineDash(s.dash ?? []);
      ctx.lineJoin = 'round';
      ctx.beginPath();
      s.xs.forEach((x, i) => (i ? ctx.lineTo(X(x), Y(s.ys[i])) : ctx.moveTo(X(x), Y(s.ys[i]))));
      ctx.stroke();
      if (s.xs.length === 1 || s.dots) {
        ctx.fillStyle = s.color;
        s.xs.forEach((x, i) => {
          ctx.beginPath();
          ctx.arc(X(x), Y(s.ys[i]), DOT, 0, Math.PI * 2);
          ctx.fill();
        });
      }
    }
    ctx.restore();
  }
}

/** Exponential moving average, for a readable loss curve. */
export function smooth(values, alpha = 0.1) {
  const out = [];
  let m;
  for (const v of values) out.push((m = m === undefined ? v : m + alpha * (v - m)));
  return out;
}
