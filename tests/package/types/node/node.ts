// The package's types in a Node project: no DOM library, Node's own types,
// skipLibCheck off (tsc --strict by tests/package/package.test.mjs).
import { readFile } from 'node:fs/promises';
import init, { Network, Training, preprocess, type TrainingProgress } from 'lenet-wasm';

await init();
const net = Network.pretrained();
const png = await readFile(new URL('../../../../examples/node/seven.png', import.meta.url));
console.log(png.length);
const input = preprocess(new Uint8Array(4 * 28 * 28), 28, 28);
if (input) console.log(net.read(input).digit);
const run = new Training(net, new Uint8Array(784), [7], { epochs: 1 });
const progress: TrainingProgress = run.run(net, 1);
console.log(progress.done);
// @ts-expect-error labels are whole numbers
net.trainStep(new Float32Array(1024), new Float32Array([7]));
run.free();
net.free();
