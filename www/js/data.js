// The MNIST digits shipped with the page (written by tools/page-data.mjs),
// shared by the page and the training worker.
//
// Each set is a gzip file of count x 784 uint8 pixels (28x28, 0 paper,
// 255 ink) followed by count labels.

import { INPUT_SIDE, INPUT_SIZE, MNIST_BORDER, MNIST_SIDE, MNIST_SIZE } from './input.js';

const BASE = new URL('../data/', import.meta.url);

export async function loadManifest() {
  const res = await fetch(new URL('manifest.json', BASE));
  if (!res.ok) throw new Error(`could not load the MNIST sample list (HTTP ${res.status}); run \`make www\``);
  return res.json();
}

/**
 * Set `name`, inflated straight into `allocate(length)`, a Uint8Array of
 * the set's length (in shared memory, for one).
 * @returns {Promise<{count: number, pixels: Uint8Array, labels: Uint8Array}>}
 */
export async function loadSet(name, manifest, allocate = (length) => new Uint8Array(length)) {
  manifest ??= await loadManifest();
  const entry = manifest.sets[name];
  if (!entry) throw new Error(`no MNIST set named ${name} in data/manifest.json`);
  const res = await fetch(new URL(entry.file, BASE));
  if (!res.ok || !res.body) throw new Error(`could not load ${entry.file} (HTTP ${res.status})`);
  const count = entry.count;
  const out = allocate(count * (MNIST_SIZE + 1));
  const reader = res.body.pipeThrough(new DecompressionStream('gzip')).getReader();
  let length = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    if (length + chunk.value.length <= out.length) out.set(chunk.value, length);
    length += chunk.value.length;
  }
  if (length !== out.length) throw new Error(`${entry.file} holds ${length} bytes, expected ${out.length}`);
  return { count, pixels: out.subarray(0, count * MNIST_SIZE), labels: out.subarray(count * MNIST_SIZE) };
}

/**
 * `loadSet` for each of `names`, fetched and unpacked in a worker
 * (set-worker.js), so that the page's thread stays free for a large set.
 * @returns {Promise<Array<{count: number, pixels: Uint8Array, labels: Uint8Array}>>}
 */
export function loadSetsInWorker(names) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./set-worker.js', import.meta.url), { type: 'module' });
    const settle = (settled) => (value) => {
      worker.terminate();
      settled(value);
    };
    worker.onmessage = ({ data }) => (data.error ? settle(reject)(new Error(data.error)) : settle(resolve)(data.sets));
    worker.onerror = (e) => {
      e.preventDefault();
      settle(reject)(new Error(e.message || 'the worker that loads the digits could not start'));
    };
    worker.onmessageerror = () => settle(reject)(new Error('the digits could not be passed from their worker'));
    worker.postMessage({ names });
  });
}

/**
 * Writes digit i of a set as one network input (1 x 32 x 32, 0..1) into
 * out at offset: the 28x28 digit with 2 zero pixels around it, shifted by
 * (dx, dy) pixels (|dx|, |dy| <= 2) for augmentation.
 */
export function toInput(set, i, out, offset = 0, dx = 0, dy = 0) {
  out.fill(0, offset, offset + INPUT_SIZE);
  const src = set.pixels;
  const base = i * MNIST_SIZE;
  for (let y = 0; y < MNIST_SIDE; y++) {
    const row = offset + (y + MNIST_BORDER + dy) * INPUT_SIDE + MNIST_BORDER + dx;
    for (let x = 0; x < MNIST_SIDE; x++) out[row + x] = src[base + y * MNIST_SIDE + x] * (1 / 255);
  }
}

/** All digits of a set as inputs end to end. */
export function allInputs(set) {
  const out = new Float32Array(set.count * INPUT_SIZE);
  for (let i = 0; i < set.count; i++) toInput(set, i, out, i * INPUT_SIZE);
  return out;
}
