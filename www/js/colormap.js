// A diverging colour scale: blue for negative, near-white for zero, red for
// positive, darker with magnitude (ColorBrewer's RdBu, which reads for most
// kinds of colour blindness). Values are scaled by a symmetric bound so that
// sign and size compare across the maps of one layer.

const STOPS = [
  '#053061',
  '#2166ac',
  '#4393c3',
  '#92c5de',
  '#d1e5f0',
  '#f7f7f7',
  '#fddbc7',
  '#f4a582',
  '#d6604d',
  '#b2182b',
  '#67001f',
];
const N = 256;

function hex(c) {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
}

/** N RGB triples from -1 (index 0) to +1 (index N-1). */
const LUT = (() => {
  const rgb = STOPS.map(hex);
  const lut = new Uint8ClampedArray(N * 3);
  for (let i = 0; i < N; i++) {
    const t = (i / (N - 1)) * (rgb.length - 1);
    const k = Math.min(rgb.length - 2, Math.floor(t));
    const f = t - k;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = rgb[k][c] + (rgb[k + 1][c] - rgb[k][c]) * f;
  }
  return lut;
})();

function index(v, bound) {
  const t = bound > 0 ? v / bound : 0;
  return Math.round(((Math.max(-1, Math.min(1, t)) + 1) / 2) * (N - 1));
}

/** Writes values[offset .. offset + w*h) into an ImageData of w x h. */
export function paint(image, values, offset, bound) {
  const d = image.data;
  const n = image.width * image.height;
  for (let i = 0; i < n; i++) {
    const k = index(values[offset + i], bound) * 3;
    d[i * 4] = LUT[k];
    d[i * 4 + 1] = LUT[k + 1];
    d[i * 4 + 2] = LUT[k + 2];
    d[i * 4 + 3] = 255;
  }
}

/** The largest |value| in a range, never 0 (so an all-zero map stays white). */
export function bound(values, offset, length) {
  let m = 0;
  for (let i = offset; i < offset + length; i++) {
    const a = Math.abs(values[i]);
    if (a > m) m = a;
  }
  return m || 1;
}

/** Fills a canvas with the colour bar from -1 to +1, left to right. */
export function drawBar(canvas) {
  canvas.width = N;
  canvas.height = 1;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(N, 1);
  for (let i = 0; i < N; i++) {
    img.data.set([LUT[i * 3], LUT[i * 3 + 1], LUT[i * 3 + 2], 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}
