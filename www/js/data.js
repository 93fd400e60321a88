// The MNIST digits shipped with the page (written by tools/page-data.mjs),
// shared by the page and the training worker.
//
// Each set is a gzip file of count x 784 uint8 pixels (28x28, 0 paper,
// 255 ink) followed by count labels.

const BASE = new URL('../data/', import.meta.url);

export async function loadManifest() {
  const res = await fetch(new URL('manifest.json', BASE));
  if (!res.ok) throw new Error(`could not load the MNIST sample list (HTTP ${res.status}); run \`make www\``);
  return res.json();
}

/** @returns {Promise<{count: number, pixels: Uint8Array, labels: Uint8Array}>} */
export async function loadSet(name, manifest) {
  manifest ??= await loadManifest();
  const entry = manifest.sets[name];
  if (!entry) throw new Error(`no MNIST set named ${name} in data/manifest.json`);
  const res = await fetch(new URL(entry.file, BASE));
  if (!res.ok || !res.body) throw new Error(`could not load ${entry.file} (HTTP ${res.status})`);
  const bytes = new Uint8Array(await new Response(res.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  const count = entry.count;
  if (bytes.length !== count * 785)
    throw new Error(`${entry.file} holds ${bytes.length} bytes, expected ${count * 785}`);
  return { count, pixels: bytes.subarray(0, count * 784), labels: bytes.subarray(count * 784) };
}

/**
 * Writes digit i of a set as one network input (1 x 32 x 32, 0..1) into
 * out at offset: the 28x28 digit with 2 zero pixels around it, shifted by
 * (dx, dy) pixels (|dx|, |dy| <= 2) for augmentation.
 */
export function toInput(set, i, out, offset = 0, dx = 0, dy = 0) {
  out.fill(0, offset, offset + 1024);
  const src = set.pixels;
  const base = i * 784;
  for (let y = 0; y < 28; y++) {
    const row = offset + (y + 2 + dy) * 32 + 2 + dx;
    for (let x = 0; x < 28; x++) out[row + x] = src[base + y * 28 + x] * (1 / 255);
  }
}

/** All digits of a set as inputs end to end. */
export function allInputs(set) {
  const out = new Float32Array(set.count * 1024);
  for (let i = 0; i < set.count; i++) toInput(set, i, out, i * 1024);
  return out;
}
