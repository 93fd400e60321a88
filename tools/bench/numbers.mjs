// Reading a whole number in wasm (Node, the SIMD128 build in pkg/): the time
// of net.readDigits on a 720 x 240 canvas with four digits drawn with a round
// pen, the case. Run by `make bench`; prints one line.
import { readFile } from 'node:fs/promises';
import init, { Network } from '../../pkg/lenet.js';
import { DIGITS } from '../../tests/e2e/helpers.mjs';

await init({ module_or_path: await readFile(new URL('../../pkg/lenet_bg.wasm', import.meta.url)) });
const net = Network.pretrained();

const [W, H] = [720, 240];
const rgba = new Uint8ClampedArray(W * H * 4).fill(255);
function segment([ax, ay], [bx, by], r) {
  for (let y = Math.max(0, Math.floor(Math.min(ay, by) - r)); y < Math.min(H, Math.ceil(Math.max(ay, by) + r)); y++) {
    for (let x = Math.max(0, Math.floor(Math.min(ax, bx) - r)); x < Math.min(W, Math.ceil(Math.max(ax, bx) + r)); x++) {
      const [dx, dy] = [bx - ax, by - ay];
      const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy || 1)));
      if (Math.hypot(x - ax - t * dx, y - ay - t * dy) <= r) rgba.fill(17, (y * W + x) * 4, (y * W + x) * 4 + 3);
    }
  }
}
[1, 7, 4, 0].forEach((d, k) => {
  for (const stroke of DIGITS[d]) {
    const at = ([x, y]) => [40 + k * 160 + x * 160, 20 + y * 200];
    for (let i = 1; i < stroke.length; i++) segment(at(stroke[i - 1]), at(stroke[i]), 8);
  }
});
const first = net.readDigits(rgba, W, H);
if (first.text !== '1740') throw new Error(`read ${first.text}, not 1740`);
const runs = 200;
const t0 = performance.now();
for (let i = 0; i < runs; i++) net.readDigits(rgba, W, H);
const ms = (performance.now() - t0) / runs;
console.log(
  `readDigits, 720 x 240 canvas of 4 digits ("${first.text}"), Node ${process.versions.node}, SIMD128 build: ${ms.toFixed(2)} ms per number`,
);
