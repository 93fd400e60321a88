#!/usr/bin/env node
// Soak test of the page: headless Chromium left training for --minutes,
// alternating a from-scratch run and a fine-tune on a personal set of four
// drawings, as a person would with the page's buttons. Once a minute it
// samples:
//   responsiveness: the longest main-thread task since the last sample
//     (PerformanceObserver 'longtask'), a setTimeout(0) ping, and a digit
//     drawn with the mouse, which must get a prediction;
//   memory: the page's JS heap after a garbage collection (CDP), the wasm
//     memory of the page and of its training workers, and the rss of
//     Chromium's renderer processes (Linux /proc).
// It fails (exit 1) if a memory figure ends (median of the last 3 samples)
// above its peak during the warm-up by more than 10% and 2 MB, or if the page
// stops responding: a ping or a prediction that does not come within 10 s, a
// main-thread task over --max-task ms, a training error, or a console error.
//
//   node tools/soak-page.mjs [--minutes 30] [--warmup 5] [--max-task 1000]
//
// Needs `make www` (the page with its package and data).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startServer, launch, openPage, drawWithMouse, DIGITS } from '../tests/e2e/helpers.mjs';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    'max-task': { type: 'string', default: '1000' },
  },
});
const minutes = Number(args.minutes);
const warmup = Math.min(Number(args.warmup), minutes / 3);
const maxTask = Number(args['max-task']);
const TIMEOUT = 10_000;

const server = await startServer();
const browser = await launch();
const failures = [];
const fail = (why) => {
  failures.push(why);
  console.error(`FAIL: ${why}`);
};

/** Resolves to what `promise` gives, or rejects after TIMEOUT ms. */
function within(promise, what) {
  let timer;
  const late = new Promise(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${TIMEOUT / 1000} s`)), TIMEOUT)),
  );
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

try {
  const { context, page, problems } = await openPage(browser, server.url, { viewport: { width: 1280, height: 900 } });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const browserCdp = await browser.newBrowserCDPSession();
  await page.evaluate(() => {
    window.__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: 'longtask' });
  });

  // The personal set: four drawings, each labelled with its digit.
  for (const d of ['1', '7', '0', '4']) {
    await drawWithMouse(page, DIGITS[d]);
    await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]').textContent !== '');
    await page.click(`.label-buttons [data-label="${d}"]`);
    await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]').textContent === '');
  }

  const jobs = { scratch: 0, finetune: 0 };
  let job = null; // {kind, started}

  // Starts the next job when none is running; counts finished ones.
  async function drive() {
    const s = await page.evaluate(() => ({
      scratch: document.querySelector('#scratch').dataset.state,
      teach: document.querySelector('#teach').dataset.state,
      status: `${document.querySelector('.scratch-status').textContent} ${document.querySelector('.teach-status').textContent}`,
    }));
    if (s.scratch === 'error' || s.teach === 'error') throw new Error(`training failed: ${s.status}`);
    if (job && (job.kind === 'scratch' ? s.scratch : s.teach) !== 'done') {
      if (Date.now() - job.started > 10 * 60_000)
        throw new Error(`a ${job.kind} job has run for 10 minutes: ${s.status}`);
      return;
    }
    if (job) jobs[job.kind]++;
    const kind = jobs.scratch > jobs.finetune ? 'finetune' : 'scratch';
    if (kind === 'scratch') {
      await page.fill('#scratch-seed', String(jobs.scratch + 1));
      await page.click('[data-testid="scratch-start"]'); // "Start training", then "Train again"
    } else {
      await page.click('[data-action="finetune"]');
    }
    job = { kind, started: Date.now() };
  }

  const mb = (bytes) => bytes / 2 ** 20;
  async function wasmMemories() {
    const own = await page.evaluate(
      async () => (await (await import('./pkg/index.js')).default()).memory.buffer.byteLength,
    );
    let workers = 0;
    for (const w of page.workers()) {
      workers += await w.evaluate(async () => {
        const lenet = await import(new URL('../pkg/index.js', self.location.href).href);
        return (await lenet.default()).memory.buffer.byteLength;
      });
    }
    return { page: mb(own), workers: mb(workers), workerCount: page.workers().length };
  }

  async function rendererRss() {
    const { processInfo } = await browserCdp.send('SystemInfo.getProcessInfo');
    let kb = 0;
    for (const p of processInfo.filter((p) => p.type === 'renderer')) {
      try {
        kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.id}/status`, 'utf8'))?.[1] ?? 0);
      } catch {
        // the process ended between the two calls
      }
    }
    return kb / 1024;
  }

  let drawn = 0;
  async function sample(minute) {
    const ping = await within(
      page.evaluate(
        () =>
          new Promise((resolve) => {
            const t = performance.now();
            setTimeout(() => resolve(performance.now() - t), 0);
          }),
      ),
      'a setTimeout ping',
    );
    const digit = ['7', '0', '1', '4'][drawn++ % 4];
    await drawWithMouse(page, DIGITS[digit]);
    const t0 = Date.now();
    const predicted = await within(
      page
        .waitForFunction(() => document.querySelector('[data-testid="prediction"]').textContent.trim(), null, {
          timeout: 0,
        })
        .then((h) => h.jsonValue()),
      'a prediction for a drawn digit',
    );
    const predictMs = Date.now() - t0;
    await page.click('[data-testid="clear"]');
    const longest = await page.evaluate(() => {
      const l = window.__longest;
      window.__longest = 0;
      return l;
    });
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heap = mb(metrics.find((m) => m.name === 'JSHeapUsedSize').value);
    const wasm = await wasmMemories();
    const rss = await rendererRss();
    const s = {
      minute,
      longest,
      ping,
      predictMs,
      digit,
      predicted,
      heap,
      wasmPage: wasm.page,
      wasmWorkers: wasm.workers,
      rss,
    };
    console.log(
      `minute ${String(minute).padStart(2)}: jobs ${jobs.scratch} from scratch + ${jobs.finetune} fine-tunes; ` +
        `longest task ${Math.round(longest)} ms, ping ${ping.toFixed(1)} ms, drew ${digit} -> ${predicted} in ${predictMs} ms; ` +
        `JS heap ${heap.toFixed(1)} MB, wasm ${wasm.page.toFixed(1)} MB page + ${wasm.workers.toFixed(1)} MB in ${wasm.workerCount} workers, ` +
        `renderers rss ${rss.toFixed(0)} MB`,
    );
    if (longest > maxTask) fail(`minute ${minute}: a main-thread task of ${Math.round(longest)} ms`);
    return s;
  }

  const samples = [];
  const started = Date.now();
  let nextSample = started + 60_000;
  while (samples.length < minutes) {
    await drive();
    if (Date.now() >= nextSample) {
      samples.push(await sample(samples.length + 1));
      nextSample += 60_000;
    }
    await page.waitForTimeout(1000);
    if (problems.length) throw new Error(`the page reported problems:\n${problems.join('\n')}`);
  }

  // Each memory figure at the end against its peak during the warm-up.
  const warm = samples.filter((s) => s.minute <= warmup);
  const last = samples.slice(-3);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `\n${((Date.now() - started) / 60_000).toFixed(1)} minutes, ${samples.length} samples; ` +
      `${jobs.scratch} runs from scratch and ${jobs.finetune} fine-tunes finished; ` +
      `longest main-thread task ${Math.round(Math.max(...samples.map((s) => s.longest)))} ms, ` +
      `slowest ping ${Math.max(...samples.map((s) => s.ping)).toFixed(1)} ms, slowest prediction ${Math.max(...samples.map((s) => s.predictMs))} ms ` +
      `(${samples.filter((s) => s.predicted === s.digit).length}/${samples.length} drawn digits read right)`,
  );
  for (const [key, name] of [
    ['heap', 'JS heap'],
    ['wasmPage', 'page wasm memory'],
    ['wasmWorkers', 'workers wasm memory'],
    ['rss', 'renderers rss'],
  ]) {
    const first = samples[0][key];
    const peak = Math.max(...warm.map((s) => s[key]));
    const end = median(last.map((s) => s[key]));
    const limit = peak + Math.max(0.1 * peak, 2);
    console.log(
      `${name}: ${first.toFixed(1)} MB at minute 1, warm-up peak ${peak.toFixed(1)} MB, end ${end.toFixed(1)} MB (limit ${limit.toFixed(1)} MB)`,
    );
    if (end > limit) fail(`${name} grew after the warm-up: ${peak.toFixed(1)} -> ${end.toFixed(1)} MB`);
  }
} catch (e) {
  fail(e.message);
} finally {
  await browser.close();
  await server.stop();
}
process.exit(failures.length ? 1 : 0);
