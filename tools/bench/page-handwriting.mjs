#!/usr/bin/env node
// `make bench`: digits and non-digits drawn with the mouse on the real page
// (issue 26's "drawn with the mouse on the real page"). They are the held-out
// stroke programs and non-digits (forms, glyphs and seeds training never
// drew), written by the generator's random hands (`lenet samples
// --strokes`), then drawn on the pad in headless Chromium with mouse events
// about 6 px apart, as a quick hand gives, and read by the page: the pad's
// brush, preprocessing and the shipped network. Writes
// target/bench/page-handwriting.json.
//
// Needs `make www` and the CLI (`cargo build --release`).
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, launch, openPage, startServer, drawWithMouse, readPrediction } from '../../tests/e2e/helpers.mjs';

const PER_CLASS = 20;
const NON_DIGITS = 60;
const SPACING = 6 / 384; // pad fractions: about 6 px on the desktop pad

/** The path thinned to points at least SPACING apart, as mouse events come. */
function thinned(stroke) {
  const out = [stroke[0]];
  for (const p of stroke.slice(1, -1)) {
    const q = out.at(-1);
    if (Math.hypot(p[0] - q[0], p[1] - q[1]) >= SPACING) out.push(p);
  }
  if (stroke.length > 1) out.push(stroke.at(-1));
  return out;
}

const file = join(ROOT, 'target/bench/page-strokes.json');
execFileSync(join(ROOT, 'target/release/lenet'), ['samples', '--strokes', String(NON_DIGITS), '--out', file]);
const all = JSON.parse(await readFile(file, 'utf8'));
const taken = Array(10).fill(0);
const drawings = all.filter(({ label }) => label === null || taken[label]++ < PER_CLASS);

const server = await startServer();
const browser = await launch();
const perClass = Array.from({ length: 10 }, () => ({ right: 0, count: 0 }));
const non = { rejected: 0, count: 0 };
const misread = [];
try {
  const { page } = await openPage(browser, server.url, { viewport: { width: 1280, height: 900 } });
  for (const [i, { label, strokes }] of drawings.entries()) {
    await drawWithMouse(page, strokes.map(thinned));
    // The pad reads once a frame: two frames after the last event, its reading is of the whole drawing.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const { digit, verdict } = await readPrediction(page);
    const read = digit || (verdict.startsWith('Not a digit') ? 'not a digit' : 'blank');
    if (label === null) {
      non.count++;
      if (read === 'not a digit') non.rejected++;
      else misread.push({ index: i, label: 'not a digit', read });
    } else {
      perClass[label].count++;
      if (read === String(label)) perClass[label].right++;
      else misread.push({ index: i, label, read });
    }
    await page.click('[data-testid="clear"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]').textContent === '');
  }
} finally {
  await browser.close();
  await server.stop();
}
const right = perClass.reduce((n, c) => n + c.right, 0);
const digits = perClass.reduce((n, c) => n + c.count, 0);
const result = {
  date: new Date().toISOString(),
  digits,
  accuracy: right / digits,
  perClass: perClass.map((c) => c.right / c.count),
  nonDigits: non.count,
  rejected: non.rejected / non.count,
  misread,
};
await writeFile(join(ROOT, 'target/bench/page-handwriting.json'), `${JSON.stringify(result, null, 2)}\n`);
const list = (label) =>
  misread
    .filter((m) => (label === null ? m.label === 'not a digit' : m.label !== 'not a digit'))
    .map((m) => `${m.label} as ${m.read}`)
    .join(', ') || 'none';
console.log(
  `held-out digits drawn with the mouse on the page: ${right} of ${digits} read right (${(100 * result.accuracy).toFixed(1)}%); per class ${result.perClass.map((a) => (100 * a).toFixed(0)).join(' ')}; misread: ${list(0)}`,
);
console.log(
  `held-out non-digits drawn with the mouse on the page: ${non.rejected} of ${non.count} answered "not a digit" (${(100 * result.rejected).toFixed(1)}%); the others: ${list(null)}`,
);
