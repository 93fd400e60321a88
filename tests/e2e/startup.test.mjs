// Start-up (issue 6: page load to the first prediction under 300 ms, timed by
// make bench to the `lenet:ready` mark). Timings on a shared machine are too
// noisy to assert, so this checks what makes start-up fast: before
// lenet:ready the page fetches only what the first prediction needs, all of
// it requested at once by index.html: the modules, and one .wasm, the build
// pkg/relaxed-simd.js picks (relaxed SIMD in Chromium), fetched once, by
// js/wasm-build.js as soon as it runs; the rest of the page comes after; and
// at most 300 KB over the wire before the first prediction.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serverAndBrowser, drawWithMouse, waitForPrediction, DIGITS, WWW } from './helpers.mjs';

// All a first prediction needs: index.html preloads the modules (wasm-build.js by its own script tag).
const MODULES = [
  '/js/main.js',
  '/js/wasm-build.js',
  '/pkg/index.js',
  '/pkg/relaxed-simd.js',
  '/pkg/lenet.js',
  '/js/model.js',
  '/js/pad.js',
  '/js/prediction-view.js',
  '/js/ui.js',
  '/js/input.js',
];
const WASM = '/pkg/lenet_relaxed_bg.wasm';
const FIRST = ['/style.css', '/js/boot.js', ...MODULES, WASM];

const site = serverAndBrowser();

it('index.html preloads the whole module graph of js/main.js', () => {
  const html = readFileSync(join(WWW, 'index.html'), 'utf8');
  const preloaded = new Set(
    [...html.matchAll(/<(?:link rel="modulepreload" href|script type="module" src)="([^"]+)"/g)].map((m) => `/${m[1]}`),
  );
  // main.js's static imports, followed through the files: each must be preloaded, or start-up waits on it.
  const seen = new Set();
  const walk = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    const src = readFileSync(join(WWW, path), 'utf8');
    for (const [, spec] of src.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm))
      walk(new URL(spec, `http://x${path}`).pathname);
  };
  walk('/js/main.js');
  seen.delete('/js/main.js');
  for (const path of seen)
    assert.ok(preloaded.has(path), `${path} is imported at start-up but not preloaded by index.html`);
  assert.deepEqual([...seen, '/js/main.js'].sort(), [...MODULES].sort());
});

it('fetches only what the first prediction needs before lenet:ready, each file once, and the rest after', async (t) => {
  const { context, page, problems } = await site.open();
  // The sample list is fetched once every section is wired (after body.ready,
  // which openPage waits for); its timing entry appears when it has loaded.
  await page.waitForFunction(() =>
    performance.getEntriesByType('resource').some((e) => e.name.endsWith('/data/manifest.json')),
  );
  const timeline = await page.evaluate(() => {
    const ready = performance.getEntriesByName('lenet:ready')[0].startTime;
    const complete = performance.getEntriesByName('lenet:complete')[0].startTime;
    const resources = performance
      .getEntriesByType('resource')
      .map((e) => ({ path: new URL(e.name).pathname, start: e.startTime, bytes: e.transferSize }));
    const page = performance.getEntriesByType('navigation')[0].transferSize;
    return { ready, complete, resources, page };
  });
  t.diagnostic(
    `lenet:ready at ${timeline.ready.toFixed(0)} ms, every section wired at ${timeline.complete.toFixed(0)} ms (one load, not a benchmark)`,
  );
  const early = timeline.resources.filter((r) => r.start < timeline.ready);
  const before = early.map((r) => r.path);
  assert.deepEqual([...new Set(before)].sort(), [...FIRST].sort(), 'files fetched before lenet:ready');
  assert.equal(before.length, new Set(before).size, `a file fetched twice before lenet:ready: ${before.join(', ')}`);
  // Issue 29: at most 300 KB over the wire before the first prediction (tools/serve.mjs compresses, as
  // static hosts do; the .wasm embeds the weights in float16).
  const bytes = timeline.page + early.reduce((n, r) => n + r.bytes, 0);
  t.diagnostic(`${(bytes / 1000).toFixed(1)} KB over the wire before lenet:ready`);
  assert.ok(bytes <= 300_000, `${bytes} bytes before lenet:ready`);
  assert.equal(
    timeline.resources.filter((r) => r.path.endsWith('.wasm')).length,
    1,
    `one .wasm, once (init() uses wasm-build.js's fetch): ${WASM}`,
  );
  const after = timeline.resources.filter((r) => r.start >= timeline.ready).map((r) => r.path);
  for (const path of ['/js/layers-view.js', '/js/teach.js', '/js/scratch.js', '/data/manifest.json'])
    assert.ok(after.includes(path), `${path} after lenet:ready`);
  assert.ok(timeline.complete > timeline.ready);
  assert.match(
    await page.textContent('.site-footer'),
    /SIMD128 \(in this browser, the build with relaxed SIMD’s fused multiply-adds\)\./,
  );
  await drawWithMouse(page, DIGITS[7]);
  assert.equal((await waitForPrediction(page)).digit, '7');
  // No "preloaded but not used" warning: openPage reports console warnings.
  await page.waitForTimeout(3500);
  assert.deepEqual(problems, [], `the page reported problems:\n${problems.join('\n')}`);
  await context.close();
});
