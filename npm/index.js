// The package's entry: wasm-bindgen's module (lenet.js) with an init() that
// loads the build this engine runs best (relaxed-simd.js tells which). Both
// builds have the same exports and share lenet.js:
//   lenet_relaxed_bg.wasm  SIMD128 + relaxed SIMD: fused multiply-add where
//                          the processor has it (Chrome 114+, Node 22+);
//   lenet_bg.wasm          SIMD128 only: every other engine.
// Their results can differ in the last digits: a fused multiply-add rounds
// once where a multiply and an add round twice.

import initBuild from './lenet.js';
import { relaxedSimd, wasmFile } from './relaxed-simd.js';

export * from './lenet.js';
export { relaxedSimd, wasmFile };

/**
 * Loads the WebAssembly module. Without an argument it fetches `wasmFile`
 * beside this module; in Node, pass the file's bytes instead. Any argument
 * goes to wasm-bindgen's init unchanged.
 */
export default function init(moduleOrPath) {
  // Two literal URLs, not one built from wasmFile: bundlers (Vite, webpack)
  // ship the files that `new URL('literal', import.meta.url)` names.
  const url = relaxedSimd
    ? new URL('lenet_relaxed_bg.wasm', import.meta.url)
    : new URL('lenet_bg.wasm', import.meta.url);
  return initBuild(moduleOrPath ?? { module_or_path: url });
}
