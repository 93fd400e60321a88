// The package's entry: wasm-bindgen's module (lenet.js) with an init() that
// loads the build this engine runs best. Both builds have the same exports
// and share lenet.js:
//   lenet_relaxed_bg.wasm  SIMD128 + relaxed SIMD: fused multiply-add where
//                          the processor has it (Chrome 114+, Node 22+);
//   lenet_bg.wasm          SIMD128 only: every other engine.
// Their results can differ in the last digits: a fused multiply-add rounds
// once where a multiply and an add round twice.

import initBuild from './lenet.js';

export * from './lenet.js';

// The smallest module that uses f32x4.relaxed_madd: it validates only where
// relaxed SIMD runs.
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2,
  253, 133, 2, 11,
]);

/** True where this engine runs WebAssembly relaxed SIMD. */
export const relaxedSimd = WebAssembly.validate(RELAXED_PROBE);

/** The .wasm file this engine should load, beside this module. */
export const wasmFile = relaxedSimd ? 'lenet_relaxed_bg.wasm' : 'lenet_bg.wasm';

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
