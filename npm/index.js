// The package's entry: wasm-bindgen's module (lenet.js) with an init() that
// loads the build this engine runs best (relaxed-simd.js tells which). Both
// builds have the same exports and share lenet.js:
//   lenet_relaxed_bg.wasm  SIMD128 + relaxed SIMD: fused multiply-add where
//                          the processor has it (Chrome 114+, Node 22+);
//   lenet_bg.wasm          SIMD128 only: every other engine.
// Their results can differ in the last digits: a fused multiply-add rounds
// once where a multiply and an add round twice.

import initBuild, * as lenet from './lenet.js';
import { relaxedSimd, wasmFile } from './relaxed-simd.js';

export * from './lenet.js';
export { relaxedSimd, wasmFile };

let ready = false;

/**
 * Loads the WebAssembly module. Without an argument it fetches `wasmFile`
 * beside this module, or in Node reads it from disk. Any argument goes to
 * wasm-bindgen's init unchanged.
 */
export default async function init(moduleOrPath) {
  const output = await initBuild(moduleOrPath ?? { module_or_path: await fromDiskInNode(wasmUrl()) });
  ready = true;
  return output;
}

/** Where this engine's .wasm is. */
function wasmUrl() {
  // Vite's dev server (5 and later) pre-bundles dependencies into
  // node_modules/.vite/deps/ without their other files, and answers a request
  // for one that is not there with index.html; the package is two directories
  // up. Not in the form `new URL(..., import.meta.url)`, which bundlers resolve.
  const here = import.meta.url;
  if (/\/node_modules\/\.vite\/deps\//.test(here)) return new URL(`../../lenet-wasm/${wasmFile}`, here);
  // Two literal URLs, not one built from wasmFile: bundlers (Vite, webpack)
  // ship the files that `new URL('literal', import.meta.url)` names.
  return relaxedSimd ? new URL('lenet_relaxed_bg.wasm', import.meta.url) : new URL('lenet_bg.wasm', import.meta.url);
}

/** In Node, where fetch cannot read file: URLs, the file's bytes; elsewhere the URL. */
async function fromDiskInNode(url) {
  if (url.protocol !== 'file:' || !globalThis.process?.versions?.node) return url;
  // A specifier in a variable: bundlers for the web leave it alone.
  const fs = 'node:fs/promises';
  const { readFile } = await import(/* @vite-ignore */ /* webpackIgnore: true */ fs);
  return readFile(url);
}

function needsInit() {
  if (!ready) throw new Error('lenet-wasm is not loaded yet: call `await init()` first');
}

/** `Network`, whose static constructors say so when called before `init()`. */
export const Network = new Proxy(lenet.Network, {
  get(target, key, receiver) {
    if (typeof key === 'string' && Object.hasOwn(target, key) && typeof target[key] === 'function') needsInit();
    return Reflect.get(target, key, receiver);
  },
});

/** `Training`, whose constructor says so when called before `init()`. */
export const Training = new Proxy(lenet.Training, {
  construct(target, args, newTarget) {
    needsInit();
    return Reflect.construct(target, args, newTarget);
  },
});

/** `preprocess`, which says so when called before `init()`. */
export function preprocess(rgba, width, height) {
  needsInit();
  return lenet.preprocess(rgba, width, height);
}
