// Which of the package's two builds this engine runs: the relaxed-SIMD one
// where the probe below validates, else the SIMD128 one. A module of its own,
// with no imports, so that a page can learn which .wasm it will load and start
// fetching it before the rest of the package has arrived.

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
