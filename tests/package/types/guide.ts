// The package's types guide: what works compiles, and each mistake below is a
// compile error (`@ts-expect-error` fails the build if the error goes away).
// Checked by tests/package/package.test.mjs with `tsc -p`.
import init, {
  Network,
  Training,
  preprocess,
  type NetworkSpec,
  type LayerKind,
  type TrainingProgress,
  type SpecCheck,
} from 'lenet-wasm';
import type { LenetPad, PadReading } from 'lenet-wasm/lenet-pad.js';

await init();
const net = Network.pretrained();
const input = preprocess(new Uint8ClampedArray(4 * 28 * 28), 28, 28);
if (input) {
  const { digit, confidence } = net.read(input);
  const shown: string = digit === null ? 'not a digit' : `${digit} (${confidence})`;
  console.log(shown);
}

net.setOptimizer({ kind: 'adam' });
net.setOptimizer({ kind: 'adam', lr: 1e-3, beta1: 0.9 });
net.setOptimizer({ kind: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 1e-4 });
// @ts-expect-error momentum is SGD's, not Adam's
net.setOptimizer({ kind: 'adam', momentum: 0.9 });
// @ts-expect-error SGD has no default learning rate
net.setOptimizer({ kind: 'sgd' });
// @ts-expect-error there is no such optimizer
net.setOptimizer({ kind: 'rmsprop', lr: 0.01 });

const spec: NetworkSpec = {
  input: [1, 28, 28],
  layers: [
    { type: 'conv2d', name: 'C1', out_channels: 4, kernel_size: 3, stride: 2, padding: 1 },
    { type: 'relu' },
    { type: 'max_pool2d', kernel_size: 2 },
    { type: 'flatten' },
    { type: 'linear', out_features: 10 },
  ],
};
Network.fromSpec(spec, 1).free();
Network.fromSpec('lenet5-keras', 1).free();
// @ts-expect-error not a spec
Network.fromSpec({ foo: 1 }, 1);
// @ts-expect-error a convolution needs its number of filters
Network.fromSpec({ input: [1, 28, 28], layers: [{ type: 'conv2d', kernel_size: 3 }] }, 1);

// Labels: any integer typed array, or numbers.
const images = new Float32Array(2 * 1024);
net.trainStep(images, new Int32Array([3, 7]));
net.evaluate(images, [3, 7]);
// @ts-expect-error labels are whole numbers
net.trainStep(images, new Float32Array([3, 7]));

// A run with the core's recipe; settings are checked by name and kind.
const run = new Training(net, new Uint8Array(2 * 784), [3, 7], { epochs: 2, schedule: 'step', seed: 3 });
const progress: TrainingProgress = run.run(net, 10);
console.log(progress.losses[0], progress.epochEnded, run.done);
// @ts-expect-error the setting is "epochs"
new Training(net, new Uint8Array(784), [3], { epoch: 2 });
// @ts-expect-error the schedules are cosine, step and constant
new Training(net, new Uint8Array(784), [3], { schedule: 'linear' });
const check: SpecCheck = Network.checkSpec(spec);
console.log(check.problem?.layer, check.layers[0].params);

const kind: LayerKind = net.layers()[0].kind;
// @ts-expect-error the kinds are PyTorch's names
if (kind === 'convolution') console.log(kind);

const pad = document.querySelector('lenet-pad') as LenetPad | null;
pad?.addEventListener('change', (e) => {
  const reading = (e as CustomEvent<PadReading | null>).detail;
  console.log(pad.value, reading?.value);
});
net.free();
