// Starts fetching the .wasm build that pkg/index.js would load in this browser
// (pkg/relaxed-simd.js picks it) at once, and main.js hands this very response
// to init(): init() would ask for it only once all of main.js's modules have
// loaded. With one small import, this module runs long before them. (A
// <link rel=preload as=fetch> did the same in Chromium and Firefox, but WebKit
// did not reuse it and downloaded the .wasm twice.)

import { wasmFile } from '../pkg/relaxed-simd.js';

export const wasmResponse = fetch(new URL(`../pkg/${wasmFile}`, import.meta.url));
// init() reports a failed fetch; until it awaits this, the failure is not an unhandled rejection.
wasmResponse.catch(() => {});
