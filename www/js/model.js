// The network the pad uses, and where it came from. Swapping it (reset,
// upload, fine-tune, a from-scratch run) frees the old one and tells the
// views with a 'change' event.

import { Network } from '../pkg/index.js';
import { INPUT_SIDE, INPUT_SIZE } from './input.js';

export const MAX_WEIGHTS_BYTES = 4 * 1024 * 1024; // the shipped file is 243 KiB

export class Model extends EventTarget {
  constructor() {
    super();
    this.net = null;
    this.source = '';
  }

  /**
   * Takes ownership of net. Throws (and keeps the old network) if the page
   * cannot use it. The check runs it once on a blank input, which also
   * compiles the wasm functions a prediction needs before the first stroke.
   */
  use(net, source) {
    let layers, spec;
    try {
      const shape = Array.from(net.inputShape);
      const drawn = [1, INPUT_SIDE, INPUT_SIDE];
      if (shape.join('x') !== drawn.join('x'))
        throw new Error(`this page draws ${drawn.join(' × ')} inputs, but the network expects ${shape.join(' × ')}`);
      const classes = net.numClasses - (net.canReject ? 1 : 0);
      if (classes !== 10) throw new Error(`this page shows 10 digits, but the network has ${classes} classes`);
      net.predict(new Float32Array(INPUT_SIZE));
      layers = net.layers();
      spec = JSON.parse(net.specJson());
    } catch (e) {
      net.free();
      throw e;
    }
    this.net?.free();
    this.net = net;
    this.source = source;
    this.layers = layers;
    this.spec = spec;
    this.dispatchEvent(new Event('change'));
  }

  usePretrained() {
    this.use(
      Network.pretrained(),
      'the shipped reader (99.38% on MNIST’s 10,000 test digits; it also says “not a digit”)',
    );
  }

  /** Loads a .safetensors file's bytes; throws with the library's message if they are not usable. */
  useBytes(bytes, source) {
    if (bytes.byteLength > MAX_WEIGHTS_BYTES) {
      throw new Error(
        `the file is ${(bytes.byteLength / 1048576).toFixed(1)} MB; weights files for this page are at most 4 MB`,
      );
    }
    this.use(Network.fromSafetensors(new Uint8Array(bytes)), source);
  }

  weights() {
    return this.net.toSafetensors();
  }
}
