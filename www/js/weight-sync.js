// Data-parallel training's meeting point: the workers' copies of the network
// averaged, by the same arithmetic whether the workers meet in a
// SharedArrayBuffer or the page passes their weights along, so both paths
// give the same bits.

/** The weights inside .safetensors bytes from `Network.toSafetensors` (every tensor float32), as a view. */
export function weightsIn(bytes) {
  const header = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const start = bytes.byteOffset + 8 + header;
  if (start % 4 || (bytes.length - 8 - header) % 4) throw new Error('the weights are not float32 as expected');
  return new Float32Array(bytes.buffer, start, (bytes.length - 8 - header) / 4);
}

/** out[k] = the mean of the copies' k-th weights, added in copy order. */
export function average(out, copies) {
  const n = copies.length;
  for (let k = 0; k < out.length; k++) {
    let sum = 0;
    for (let c = 0; c < n; c++) sum += copies[c][k];
    out[k] = sum / n;
  }
}

/** The layout of the shared buffer: two Int32 for the barrier, then one slot of weights per worker. */
export function sharedLayout(buffer, workers) {
  const count = (buffer.byteLength - 8) / 4 / workers;
  const control = new Int32Array(buffer, 0, 2);
  const slots = Array.from({ length: workers }, (_, w) => new Float32Array(buffer, 8 + w * count * 4, count));
  return { control, slots };
}

export const sharedBytes = (workers, count) => 8 + workers * count * 4;

/**
 * Returns when all `parties` workers have called it: control[0] counts the
 * arrivals, control[1] is bumped by the last one, which wakes the others.
 */
export function barrier(control, parties) {
  const generation = Atomics.load(control, 1);
  if (Atomics.add(control, 0, 1) === parties - 1) {
    Atomics.store(control, 0, 0);
    Atomics.add(control, 1, 1);
    Atomics.notify(control, 1);
  } else {
    while (Atomics.load(control, 1) === generation) Atomics.wait(control, 1, generation);
  }
}
