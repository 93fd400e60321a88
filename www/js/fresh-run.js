// What both training workers start a run with: a fresh network and the
// core's recipe (`Training`) to train it on a set of digits.

import { Network, Training } from '../pkg/index.js';

/** A network made from `spec` and `seed`, and its run on `set`; nothing is left allocated if either fails. */
export function freshRun(spec, seed, set, settings) {
  const net = Network.fromSpec(spec, seed);
  try {
    return { net, training: new Training(net, set.pixels, set.labels, settings) };
  } catch (e) {
    net.free();
    throw e;
  }
}
