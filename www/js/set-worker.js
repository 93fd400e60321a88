// Fetches and unpacks MNIST sets for the page (data.js's loadSetsInWorker):
// all of MNIST is 11 MB of gzip, and unpacked on the page's thread it held
// the page for 60-170 ms. Where the page is cross-origin isolated the bytes
// go into shared memory, so that workers given parts of a set read them
// where they are; else they move back to the page without a copy.

import { loadManifest, loadSet } from './data.js';

const isolated = self.crossOriginIsolated && typeof SharedArrayBuffer === 'function';
const inSharedMemory = (length) => new Uint8Array(new SharedArrayBuffer(length));

self.onmessage = async ({ data: { names } }) => {
  try {
    const manifest = await loadManifest();
    const sets = await Promise.all(names.map((name) => loadSet(name, manifest, isolated ? inSharedMemory : undefined)));
    // Shared memory is shared, not moved.
    self.postMessage({ sets }, isolated ? [] : [...new Set(sets.map((s) => s.pixels.buffer))]);
  } catch (e) {
    self.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
};
