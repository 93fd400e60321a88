// <lenet-pad> in a plain HTML page with no bundler: one import, one tag, the
// package as npm installs it, drawn on with the mouse in headless Chromium.
// Run by `make package-test` (after `make npm-pack`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { DIGITS, launch, openPage, startServer } from '../e2e/helpers.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>lenet-pad</title>
<link rel="icon" href="data:,">
<script type="module" src="node_modules/lenet-wasm/lenet-pad.js"></script>
<form>
  <lenet-pad name="digit" show-input></lenet-pad>
  <lenet-pad name="number" mode="number"></lenet-pad>
</form>`;

/** A plain page beside the packed tarball unpacked as npm would install it. */
async function site() {
  const dir = await mkdtemp(join(tmpdir(), 'lenet-pad-'));
  const tarballs = join(root, 'target/npm');
  const [tarball] = (await readdir(tarballs)).filter((f) => f.endsWith('.tgz'));
  const into = join(dir, 'node_modules/lenet-wasm');
  await mkdir(into, { recursive: true });
  execFileSync('tar', ['-xzf', join(tarballs, tarball), '-C', into, '--strip-components=1']);
  await writeFile(join(dir, 'index.html'), PAGE);
  return dir;
}

/** Draws polylines (in pad pixels) on the pad `selector` with the mouse. */
async function draw(page, selector, strokes, padSize) {
  const box = await page.locator(selector).boundingBox();
  const at = ([x, y]) => [box.x + (x * box.width) / padSize[0], box.y + (y * box.height) / padSize[1]];
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (const p of stroke.slice(1)) await page.mouse.move(...at(p), { steps: 8 });
    await page.mouse.up();
  }
}

/**
 * Starts listening for the next `change` event of the pad `name`, and only
 * then resolves, to a function that awaits that event's detail. (Listening
 * inside the same evaluate that waits could start after the key or click
 * that fires the event: a test that then hangs.)
 */
async function nextChange(page, name) {
  await page.evaluate((name) => {
    window.changed = new Promise((resolve) =>
      document
        .querySelector(`lenet-pad[name=${name}]`)
        .addEventListener('change', (e) => resolve(e.detail && { ...e.detail, input: e.detail.input?.length }), {
          once: true,
        }),
    );
  }, name);
  return () => page.evaluate(() => window.changed);
}

test('<lenet-pad> reads a digit and a number drawn with the mouse, and submits them with its form', async (t) => {
  const dir = await site();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const server = await startServer(dir);
  t.after(() => server.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const { page, problems } = await openPage(browser, server.url, {}, 'lenet-pad');
  await page.waitForFunction(() => customElements.get('lenet-pad'));
  const digitPad = 'lenet-pad[name=digit] >> [part=pad]';
  const numberPad = 'lenet-pad[name=number] >> [part=pad]';

  // A 7: the bar, then the stem.
  let change = await nextChange(page, 'digit');
  await draw(
    page,
    digitPad,
    [
      [
        [70, 60],
        [210, 60],
        [120, 240],
      ],
    ],
    [280, 280],
  );
  let reading = await change();
  assert.equal(reading.digit, 7, JSON.stringify(reading));
  assert.equal(reading.value, '7');
  assert.equal(reading.input, 1024);
  assert.equal(await page.evaluate(() => new FormData(document.querySelector('form')).get('digit')), '7');
  assert.match(await page.textContent('lenet-pad[name=digit] >> [part=result]'), /^7 \(\d+%\)$/);

  // A second stroke (a dot), taken back with Ctrl+Z; Delete clears.
  change = await nextChange(page, 'digit');
  await draw(
    page,
    digitPad,
    [
      [
        [250, 250],
        [252, 252],
      ],
    ],
    [280, 280],
  );
  await change();
  change = await nextChange(page, 'digit');
  await page.keyboard.press('Control+z');
  assert.equal((await change()).digit, 7, 'undo takes back the dot');
  change = await nextChange(page, 'digit');
  await page.keyboard.press('Delete');
  assert.equal(await change(), null, 'cleared');
  assert.equal(await page.evaluate(() => document.querySelector('lenet-pad[name=digit]').value), '');

  // A number: 1, then 7, side by side.
  const one = [
    [180, 40],
    [180, 200],
  ];
  const seven = [
    [300, 40],
    [420, 40],
    [340, 200],
  ];
  await draw(page, numberPad, [one], [720, 240]);
  change = await nextChange(page, 'number');
  await draw(page, numberPad, [seven], [720, 240]);
  reading = await change();
  assert.equal(reading.text, '17', JSON.stringify(reading));
  assert.equal(await page.evaluate(() => new FormData(document.querySelector('form')).get('number')), '17');

  // A 4 whose bar runs on through the 1 written after it: the pad's strokes keep them
  // apart (by its ink alone, the reader takes the pair for a 4).
  change = await nextChange(page, 'number');
  await page.evaluate(() => document.querySelector('lenet-pad[name=number]').clear());
  await change();
  const place = (strokes, x0) =>
    strokes.map((stroke) => stroke.map(([x, y]) => [720 * (x0 + 0.3 * x), 240 * (0.1 + 0.8 * y)]));
  await draw(page, numberPad, place(DIGITS[4], 0.2), [720, 240]);
  change = await nextChange(page, 'number');
  await draw(page, numberPad, place(DIGITS[1], 0.255), [720, 240]);
  reading = await change();
  assert.equal(reading.text, '41', JSON.stringify(reading));

  const label = await page.getAttribute(digitPad, 'aria-label');
  assert.match(label, /Drawing pad: write a digit/);
  assert.deepEqual(problems, []);
});

test('in Node, init() needs no argument, and calls before it say to call it', () => {
  const script = `
    const lenet = await import(${JSON.stringify(join(root, 'pkg/index.js'))});
    try { lenet.Network.pretrained(); } catch (e) { console.log(e.message); }
    try { lenet.preprocess(new Uint8Array(4), 1, 1); } catch (e) { console.log(e.message); }
    try { new lenet.Training(null, new Uint8Array(784), [1]); } catch (e) { console.log(e.message); }
    await lenet.default();
    const net = lenet.Network.pretrained();
    console.log(net.read(new Float32Array(1024)).probabilities.length + ' ' + (net instanceof lenet.Network));`;
  const { stdout, stderr } = spawnSync('node', ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(stdout, 'lenet-wasm is not loaded yet: call `await init()` first\n'.repeat(3) + '10 true\n');
  assert.equal(stderr, '', 'no warning (wasm-bindgen warns of deprecated init arguments)');
});
