// What `make bench` measures the same way in Node and in Chromium: MNIST
// digits as inputs, a call timer, lenet-wasm's figures and the SIMD128 peak.
// Plain ES module with no imports, so the bench page loads it as it is.

// LeNet-5's multiply-adds per image, biases left out: C1 6*28*28*25 = 117,600,
// C3 16*10*10*150 = 240,000, C5 120*400 = 48,000, F6 84*120 = 10,080, output
// 10*84 = 840. A multiply-add is 2 flops.
export const LENET5_FLOPS = 2 * 416_520;

/** The first `count` digits of MNIST IDX files as 1x32x32 inputs (28x28 padded by 2, /255) and labels. */
export function mnistDigits(imageBytes, labelBytes, count) {
  const images = new Float32Array(count * 1024);
  for (let n = 0; n < count; n++)
    for (let r = 0; r < 28; r++)
      for (let c = 0; c < 28; c++)
        images[n * 1024 + (r + 2) * 32 + c + 2] = imageBytes[16 + n * 784 + r * 28 + c] / 255;
  return { count, images, labels: labelBytes.slice(8, 8 + count) };
}

/**
 * Two sets of probabilities over `count` digits side by side (as many classes
 * each as the arrays hold: 11 for the shipped reader): the largest difference
 * of any probability, and the digits whose top-1 class differs.
 */
export function compareProbabilities(a, b, count) {
  const classes = a.length / count;
  if (b.length !== a.length || !Number.isInteger(classes))
    throw new Error(`${a.length} and ${b.length} values for ${count} digits`);
  const top1 = (p, n) =>
    p.subarray(n * classes, (n + 1) * classes).reduce((best, v, k, row) => (v > row[best] ? k : best), 0);
  let maxAbsDiff = 0;
  const top1Differs = [];
  for (let n = 0; n < count; n++) {
    for (let k = 0; k < classes; k++)
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[n * classes + k] - b[n * classes + k]));
    if (top1(a, n) !== top1(b, n)) top1Differs.push(n);
  }
  return { maxAbsDiff, top1Differs };
}

/** Input `i` (mod the count) of `digits`. */
export const digit = (digits, i) => digits.images.subarray((i % digits.count) * 1024, ((i % digits.count) + 1) * 1024);

/**
 * A run's duration reads up to a clock step off, so its mean reads up to
 * 1 / RUN_STEPS of itself off: with runs of 500 steps, 0.04 us on one image
 * in Chromium (about 17 us). With runs of 50 steps, as before, that figure
 * moved in steps of about 0.35 us, more than its distance to its target.
 */
export const RUN_STEPS = 500;
export const MIN_RUNS = 200;

/**
 * Times `f(i)` (awaiting it if it returns a promise) after a warm-up of at
 * least `warmup` untimed calls and one second: median, 10th and 90th
 * percentile of `calls` calls, in microseconds. V8 first runs wasm as its
 * baseline compiler's code and swaps in optimized code when a background
 * compile is done: lenet-wasm's predict took about 100 us per call for its
 * first 400 to 800 calls here, then 27.
 *
 * Where the clock is coarse (Chromium's steps by 5 us), a call shorter than
 * a few steps reads as a whole number of steps, so the calls are timed in
 * runs of `run` calls, long enough to span RUN_STEPS steps, and each run's
 * mean counts as one value (the percentiles are then those of the runs'
 * means), at least MIN_RUNS of them. Node's clock is finer than 1 us: there
 * `run` is 1, each call on its own.
 */
export async function timeCalls(f, calls, warmup) {
  const start = performance.now();
  let i = 0;
  for (; i < warmup || performance.now() - start < 1000; i++) {
    const r = f(i);
    if (r instanceof Promise) await r;
  }
  const step = clockStep();
  const run = step > 1 ? await runLength(f, i, step) : 1;
  const times = new Float64Array(Math.max(Math.ceil(calls / run), step > 1 ? MIN_RUNS : 0));
  for (let k = 0; k < times.length; k++) {
    const t0 = performance.now();
    for (let j = 0; j < run; j++) {
      const r = f(k * run + j);
      if (r instanceof Promise) await r;
    }
    times[k] = ((performance.now() - t0) * 1000) / run;
  }
  times.sort();
  const at = (q) => times[Math.floor(q * (times.length - 1))];
  return { medianUs: at(0.5), p10Us: at(0.1), p90Us: at(0.9), calls: times.length * run, run, clockStepUs: step };
}

/**
 * Calls per run of `timeCalls` to span RUN_STEPS clock steps of `step` us,
 * at the pace of 100 ms of calls to `f` from `i` on (the warm-up's own pace
 * counts its slow first calls).
 */
async function runLength(f, i, step) {
  const start = performance.now();
  let calls = 0;
  for (; calls < 3 || performance.now() - start < 100; calls++) {
    const r = f(i + calls);
    if (r instanceof Promise) await r;
  }
  const perCall = ((performance.now() - start) * 1000) / calls;
  return Math.max(1, Math.ceil((RUN_STEPS * step) / perCall));
}

/** Rounds of `timeCalls` behind each figure in wasm, lenet-wasm's and its peers'. */
export const ROUNDS = 3;

/**
 * The fastest of `ROUNDS` rounds of `timeCalls(f, calls, warmup)`, by median:
 * other load on a shared machine slows a round, not the code. From run to
 * run of `make bench`, TF.js's one image read 84 to 116 us, lenet-wasm's 21
 * to 32.
 */
export async function fastest(f, calls, warmup) {
  let best;
  for (let round = 0; round < ROUNDS; round++) {
    const timing = await timeCalls(f, calls, warmup);
    if (!best || timing.medianUs < best.medianUs) best = timing;
  }
  return { ...best, rounds: ROUNDS };
}

/** The smallest step of `performance.now()` seen in 100 steps, in microseconds. */
function clockStep() {
  let smallest = Infinity;
  for (let n = 0; n < 100; n++) {
    const t0 = performance.now();
    let t1 = performance.now();
    while (t1 === t0) t1 = performance.now();
    smallest = Math.min(smallest, (t1 - t0) * 1000);
  }
  return smallest;
}

/** A batch timing with its throughput: `size` images per median call. */
export const throughput = (timing, size) => ({
  batch: size,
  imagesPerSecond: (size * 1e6) / timing.medianUs,
  ...timing,
});

/**
 * lenet-wasm's figures, with `lenet` the initialized package and `digits`
 * at least 64 MNIST digits: one-image predict and featureMaps latency,
 * batch-64 predict and batch-64 train step (Adam, lr 1e-3) throughput.
 */
export async function lenetFigures(lenet, digits) {
  const net = lenet.Network.pretrained();
  const batch = digits.images.subarray(0, 64 * 1024);
  const predict = await fastest((i) => net.predict(digit(digits, i)), 2000, 200);
  const featureMaps = await fastest((i) => net.featureMaps(digit(digits, i)), 1000, 100);
  const predictBatch = throughput(await fastest(() => net.predictBatch(batch, 64), 200, 20), 64);
  net.free();
  const fresh = lenet.Network.fromSpec('lenet5', 1);
  fresh.setOptimizer({ kind: 'adam', lr: 1e-3 });
  const labels = digits.labels.subarray(0, 64);
  const trainStep = throughput(await fastest(() => fresh.trainStep(batch, labels), 100, 10), 64);
  fresh.free();
  return { predict, featureMaps, predictBatch, trainStep };
}

/**
 * The wasm SIMD128 peak from tools/bench/peak.wat (its bytes) in GFLOP/s, and
 * what it means for LeNet-5: the best possible time per image and images per
 * second. The best of 50 short runs (about 4 ms each) after a warm-up: a short
 * run has a fair chance to find a core to itself on a busy machine.
 */
export async function peakFigures(wasmBytes) {
  const { instance } = await WebAssembly.instantiate(wasmBytes);
  const { run, flopsPerRound } = instance.exports;
  const rounds = 2_000_000;
  run(5 * rounds); // lets V8 tier the function up to its optimizing compiler
  let best = Infinity;
  for (let k = 0; k < 50; k++) {
    const t0 = performance.now();
    run(rounds);
    best = Math.min(best, performance.now() - t0);
  }
  const flops = (rounds * flopsPerRound.value) / (best / 1000);
  return {
    gflops: flops / 1e9,
    lenetImageUs: (LENET5_FLOPS / flops) * 1e6,
    lenetImagesPerSecond: flops / LENET5_FLOPS,
  };
}
