// Which .wasm build pkg/index.js will load in this browser: the relaxed-SIMD
// one where this probe validates (index.js's RELAXED_PROBE: the smallest
// module using f32x4.relaxed_madd), else the SIMD128 one. The page starts
// fetching it at once, since init() asks for it only once the modules have
// loaded; the service worker (sw.js) keeps it for offline use.
self.lenetWasm = WebAssembly.validate(
  new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32,
    2, 253, 133, 2, 11,
  ]),
)
  ? 'pkg/lenet_relaxed_bg.wasm'
  : 'pkg/lenet_bg.wasm';

if (self.document) {
  const preload = document.createElement('link');
  preload.rel = 'preload';
  preload.as = 'fetch';
  preload.crossOrigin = 'anonymous';
  preload.href = self.lenetWasm;
  document.head.append(preload);
}
