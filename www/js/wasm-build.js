// Starts fetching the .wasm build that pkg/index.js will load in this browser
// (pkg/relaxed-simd.js picks it) at once: init() asks for it only once all of
// main.js's modules have loaded. With one small import, this module runs long
// before them.

import { wasmFile } from '../pkg/relaxed-simd.js';

const preload = document.createElement('link');
preload.rel = 'preload';
preload.as = 'fetch';
preload.crossOrigin = 'anonymous';
preload.href = new URL(`../pkg/${wasmFile}`, import.meta.url).href;
document.head.append(preload);
