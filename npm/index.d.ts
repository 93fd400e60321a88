import type { InitInput, InitOutput } from './lenet.js';

export * from './lenet.js';

/** True where this engine runs WebAssembly relaxed SIMD. */
export const relaxedSimd: boolean;

/** The .wasm file this engine should load: "lenet_relaxed_bg.wasm" or "lenet_bg.wasm". */
export const wasmFile: 'lenet_relaxed_bg.wasm' | 'lenet_bg.wasm';

/**
 * Loads the WebAssembly module; call (and await) it before anything else.
 * Without an argument it fetches `wasmFile` beside this module, or in Node
 * reads it from disk.
 */
export default function init(
  moduleOrPath?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<InitOutput>;
