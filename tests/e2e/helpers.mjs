// Shared by the browser tests (the page's, and the package's example pages):
// the static server on a free port, Debian's Chromium through
// playwright-core, and a person's hand on the pad.

import { spawn } from 'node:child_process';
import { before, after } from 'node:test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { chromium } from '../../tools/node_modules/playwright-core/index.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WWW = join(ROOT, 'www');
export const SHOTS = join(WWW, 'screenshots');

/** Starts tools/serve.mjs on a free port for `dir` (the page by default), with `options`; resolves to {url, stop}. */
export async function startServer(dir = WWW, options = []) {
  const child = spawn(process.execPath, [join(ROOT, 'tools/serve.mjs'), '--port', '0', ...options, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  let timer;
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/\S+\//.exec(out);
      if (m) resolve(m[0]);
    });
    child.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}: ${err}`)));
    timer = setTimeout(() => reject(new Error(`serve.mjs did not start: ${err}`)), 10_000);
  })
    .catch((e) => {
      child.kill();
      throw e;
    })
    .finally(() => clearTimeout(timer));
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

/** How Debian's Chromium runs headless here (as root, with no network beyond localhost). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * For a test file: the page's static server and Chromium, started before its
 * tests and stopped after them. The returned object holds `server` and
 * `browser` once the tests run, and `open(contextOptions)` opens the page.
 */
export function serverAndBrowser() {
  const site = { open: (contextOptions) => openPage(site.browser, site.server.url, contextOptions) };
  before(async () => {
    site.server = await startServer();
    site.browser = await launch();
  });
  after(async () => {
    await site.browser?.close();
    await site.server?.stop();
  });
  return site;
}

/**
 * A page that records what a person would call a problem: console errors,
 * uncaught exceptions, failed requests and HTTP errors. Resolves once
 * `ready` (a selector; by default the lenet page's `body.ready`) is there.
 */
export async function openPage(browser, url, contextOptions = {}, ready = 'body.ready') {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  context.on('weberror', (e) => problems.push(`web error: ${e.error().message}`));
  await page.goto(url);
  await page.waitForSelector(ready, { state: 'attached', timeout: 15_000 });
  return { context, page, problems };
}

/**
 * The engine's own view of the pad, for tests that compare what the page shows
 * with what the network computes: sets `window.engine` in the page to
 * `{input, net}`, the pad's drawing as the network reads it and a fresh
 * shipped network from the package the page loaded.
 */
export function engineOnPad(page) {
  return page.evaluate(async () => {
    const lenet = await import('/pkg/index.js');
    const pad = document.querySelector('[data-testid="pad"]');
    const px = pad.getContext('2d').getImageData(0, 0, pad.width, pad.height);
    window.engine?.net.free();
    window.engine = { input: lenet.preprocess(px.data, px.width, px.height), net: lenet.Network.pretrained() };
  });
}

export function shotPath(name) {
  mkdirSync(SHOTS, { recursive: true });
  return join(SHOTS, name);
}

// Digit-shaped strokes in pad coordinates (0..1), as a person draws them.
export const DIGITS = {
  1: [
    [
      [0.52, 0.18],
      [0.5, 0.5],
      [0.48, 0.82],
    ],
  ],
  7: [
    [
      [0.28, 0.22],
      [0.72, 0.22],
      [0.6, 0.45],
      [0.46, 0.82],
    ],
  ],
  0: [
    Array.from({ length: 41 }, (_, i) => {
      const a = (i / 40) * 2 * Math.PI - Math.PI / 2;
      return [0.5 + 0.2 * Math.cos(a), 0.5 + 0.3 * Math.sin(a)];
    }),
  ],
  4: [
    [
      [0.6, 0.18],
      [0.3, 0.6],
      [0.75, 0.6],
    ],
    [
      [0.6, 0.3],
      [0.6, 0.85],
    ],
  ],
};

/** Draws strokes with the mouse: down, moves along the path in small steps, up. */
export async function drawWithMouse(page, strokes, selector = '[data-testid="pad"]') {
  const pad = page.locator(selector);
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (let i = 1; i < stroke.length; i++) {
      // About one mouse event per 8 CSS pixels, as a quick hand gives.
      const steps = Math.max(
        1,
        Math.round(
          Math.hypot((stroke[i][0] - stroke[i - 1][0]) * box.width, (stroke[i][1] - stroke[i - 1][1]) * box.height) / 8,
        ),
      );
      await page.mouse.move(...at(stroke[i]), { steps });
    }
    await page.mouse.up();
  }
}

/** The prediction panel as numbers: {digit, confidence, probs}. */
export async function readPrediction(page) {
  return page.evaluate(() => {
    const text = (id) => document.querySelector(`[data-testid="${id}"]`).textContent.trim();
    return {
      digit: text('prediction'),
      confidence: text('confidence'),
      probs: Array.from({ length: 10 }, (_, d) => text(`prob-${d}`)),
      verdict: document.querySelector('.verdict').textContent,
    };
  });
}

/** Waits until the page shows a prediction (the pad dispatches on the next frame). */
export async function waitForPrediction(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]').textContent.trim() !== '');
  return readPrediction(page);
}

/** Sum of a canvas's ink: how far its pixels are from white, over all pixels. */
export function canvasInk(page, selector) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) ink += 255 * 3 - d[i] - d[i + 1] - d[i + 2];
    return ink / 765;
  }, selector);
}
