#!/usr/bin/env node
// `make bench`: whole numbers drawn with the mouse in the page's Number mode
// (issue 28, "the page in Chromium driven by the mouse"). Each number is 3 to 5
// held-out stroke-program digits (`lenet samples --strokes 60`: forms and seeds
// training never drew), each scaled to 45-80 % of the pad's height at its own
// baseline, a small gap apart, drawn on the 720 x 240 pad in headless Chromium
// and read from the page's number. Writes target/bench/page-numbers.json.
//
// Needs `make www` and the CLI (`cargo build --release`).
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, launch, openPage, startServer, drawWithMouse } from '../../tests/e2e/helpers.mjs';

const NUMBERS = 100;
const PAD = '[data-testid="number-pad"]';
const ASPECT = 3; // the pad is three times as wide as it is tall

const file = join(ROOT, 'target/bench/page-number-strokes.json');
execFileSync(join(ROOT, 'target/release/lenet'), ['samples', '--strokes', '60', '--out', file]);
const digits = JSON.parse(await readFile(file, 'utf8')).filter(({ label }) => label !== null);
// A fixed sequence, so every run draws the same numbers: a linear
// congruential generator modulo 2^32, in 32-bit integer arithmetic.
const random = (() => {
  let state = 1;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
})();

/** A number's text and strokes (pad fractions), or null when it does not fit the pad. */
function number() {
  const count = 3 + Math.floor(random() * 3);
  const height = 0.45 + 0.35 * random();
  const strokes = [];
  let [x, text] = [0.04, ''];
  for (let k = 0; k < count; k++) {
    const digit = digits[Math.floor(random() * digits.length)];
    text += digit.label;
    const points = digit.strokes.flat();
    const [x0, x1] = [Math.min(...points.map((p) => p[0])), Math.max(...points.map((p) => p[0]))];
    const [y0, y1] = [Math.min(...points.map((p) => p[1])), Math.max(...points.map((p) => p[1]))];
    const scale = height / (y1 - y0);
    const top = 0.08 + (0.84 - height) * random();
    for (const s of digit.strokes)
      strokes.push(s.map(([px, py]) => [x + ((px - x0) * scale) / ASPECT, top + (py - y0) * scale]));
    x += ((x1 - x0) * scale) / ASPECT + ((0.08 + 0.15 * random()) * height) / ASPECT;
  }
  return x > 0.98 ? null : { text, strokes };
}

const server = await startServer();
const browser = await launch();
const misread = [];
let drawn = 0;
try {
  const { page } = await openPage(browser, server.url, { viewport: { width: 1280, height: 900 } });
  await page.click('[data-testid="mode-number"]');
  while (drawn < NUMBERS) {
    const n = number();
    if (!n) continue;
    drawn++;
    await drawWithMouse(page, n.strokes, PAD);
    // The pad reads once a frame: two frames after the last event, its number is of the whole drawing.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const read = (await page.textContent('[data-testid="number"]')).trim();
    if (read !== n.text) misread.push({ number: n.text, read });
    await page.click('[data-testid="number-clear"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="number"]').textContent.trim() === '');
  }
} finally {
  await browser.close();
  await server.stop();
}
const result = { date: new Date().toISOString(), numbers: drawn, exact: (drawn - misread.length) / drawn, misread };
await writeFile(join(ROOT, 'target/bench/page-numbers.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `numbers of 3-5 held-out digits drawn with the mouse in Number mode: ${drawn - misread.length} of ${drawn} read exactly (${(100 * result.exact).toFixed(1)}%); misread: ${misread.map((m) => `${m.number} as ${m.read}`).join(', ') || 'none'}`,
);
