// The "Bad input" table of docs/errors.md for the page, row by row, in one page of
// headless Chromium: each row must show what the table says, and the pad must
// then still read a drawn 1 with the network it had.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServer,
  launch,
  openPage,
  drawWithMouse,
  waitForPrediction,
  readPrediction,
  ROOT,
  DIGITS,
} from './helpers.mjs';
import { badInputRows, holdsInOrder } from '../bad-input-table.mjs';

const SHIPPED = readFileSync(join(ROOT, 'weights/lenet5-reject.safetensors'));

/** The shipped weights file with value 1 of tensor `name` set to NaN. */
function withNaN(name) {
  const bytes = Buffer.from(SHIPPED);
  const size = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + size).toString());
  bytes.writeFloatLE(NaN, 8 + size + header[name].data_offsets[0] + 4);
  return bytes;
}

/** A fresh network's weights file, made with the page's own package. */
function weightsFor(page, spec) {
  return page
    .evaluate(async (spec) => {
      const { Network } = await import('./pkg/lenet.js');
      return Array.from(Network.fromSpec(spec, 1).toSafetensors());
    }, spec)
    .then((bytes) => Buffer.from(bytes));
}

/** Uploads `buffer` as `name` and returns the weights status once it names the file. */
async function upload(page, name, buffer) {
  await page.setInputFiles('#teach input[type="file"]', { name, mimeType: 'application/octet-stream', buffer });
  await page.waitForFunction((n) => document.querySelector('.weights-status').textContent.includes(n), name);
  return page.textContent('.weights-status');
}

/** Types seed and epochs, starts training on all of MNIST, reads the fields back, stops. */
async function startAll(page, seed, epochs) {
  await page.fill('#all-seed', seed);
  await page.fill('#all-epochs', epochs);
  await page.click('[data-testid="train-all"]');
  const values = { seed: await page.inputValue('#all-seed'), epochs: await page.inputValue('#all-epochs') };
  await page.click('[data-testid="train-all"]');
  await page.waitForFunction(() => document.querySelector('#all-mnist').dataset.state === 'idle');
  return values;
}

/** Types seed and epochs, starts a from-scratch run, reads the fields back, pauses. */
async function startScratch(page, seed, epochs) {
  await page.fill('#scratch-seed', seed);
  await page.fill('#scratch-epochs', epochs);
  const state = await page.getAttribute('#scratch', 'data-state');
  await page.click(state === 'paused' ? '[data-action="restart"]' : '[data-testid="scratch-start"]');
  const values = { seed: await page.inputValue('#scratch-seed'), epochs: await page.inputValue('#scratch-epochs') };
  await page.waitForFunction(() => document.querySelector('#scratch').dataset.state === 'running', null, {
    timeout: 30_000,
  });
  await page.click('[data-testid="scratch-start"]');
  await page.waitForFunction(() => document.querySelector('#scratch').dataset.state === 'paused');
  return values;
}

const flat = (classes) => ({ layers: [{ type: 'flatten' }, { type: 'linear', out_features: classes }] });

// One case per row: does the row's bad thing and returns what the page shows.
const CASES = {
  'pad-blank': async (page) => {
    const p = await readPrediction(page);
    assert.deepEqual([p.digit, p.confidence, ...p.probs], Array(12).fill(''), 'no digit, no probabilities');
    return p.verdict;
  },
  'label-blank': async (page) => {
    const [disabled, all] = await page.$$eval('.label-buttons button', (bs) => [
      bs.filter((b) => b.disabled).length,
      bs.length,
    ]);
    return disabled === all ? `${all} disabled` : `${disabled} of ${all} disabled`;
  },
  'finetune-empty': async (page) => {
    const disabled = await page.locator('[data-action="finetune"]').isDisabled();
    return `${disabled ? 'disabled' : 'enabled'}, ${await page.textContent('.set-count')}`;
  },
  'upload-too-big': (page) => upload(page, 'huge.safetensors', Buffer.alloc(5 * 1024 * 1024)),
  'upload-empty': (page) => upload(page, 'empty.safetensors', Buffer.alloc(0)),
  'upload-not-weights': (page) => upload(page, 'notes.safetensors', Buffer.from('this is not a safetensors file')),
  'upload-truncated': (page) => upload(page, 'half.safetensors', SHIPPED.subarray(0, SHIPPED.length / 2)),
  'upload-nan': (page) => upload(page, 'nan.safetensors', withNaN('convnet.c1.bias')),
  'upload-input-shape': async (page) =>
    upload(page, 'in28.safetensors', await weightsFor(page, { input: [1, 28, 28], ...flat(10) })),
  'upload-classes': async (page) =>
    upload(page, 'three.safetensors', await weightsFor(page, { input: [1, 32, 32], ...flat(3) })),
  'seed-negative': async (page) => (await startScratch(page, '-3', '8')).seed,
  'seed-fraction': async (page) => (await startScratch(page, '2.7', '8')).seed,
  'epochs-too-many': async (page) => (await startScratch(page, '1', '100')).epochs,
  'epochs-negative': async (page) => (await startScratch(page, '1', '-5')).epochs,
  'epochs-zero': async (page) => (await startScratch(page, '1', '0')).epochs,
  'all-seed-negative': async (page) => (await startAll(page, '-3', '3')).seed,
  'all-epochs-too-many': async (page) => (await startAll(page, '1', '100')).epochs,
  'all-epochs-zero': async (page) => (await startAll(page, '1', '0')).epochs,
};

const rows = badInputRows('The page');
let server, browser, session;
before(async () => {
  server = await startServer();
  browser = await launch();
  session = await openPage(browser, server.url);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('every row of the table has a case here, and every case a row', () => {
  assert.deepEqual(rows.map((r) => r.id).sort(), Object.keys(CASES).sort());
});

for (const { id, expected } of rows) {
  test(id, async () => {
    const { page, problems } = session;
    assert.ok(CASES[id], `no case for the docs/errors.md row ${id}`);
    const source = await page.textContent('.source-name');
    const seen = await CASES[id](page);
    assert.ok(
      holdsInOrder(seen, expected),
      `docs/errors.md says ${expected.map((e) => JSON.stringify(e)).join(' … ')}\nbut the page shows ${JSON.stringify(seen)}`,
    );
    await drawWithMouse(page, DIGITS[1]);
    assert.equal((await waitForPrediction(page)).digit, '1', 'the pad still reads a 1');
    assert.equal(await page.textContent('.source-name'), source, 'with the same network');
    await page.click('[data-testid="clear"]');
    assert.deepEqual(problems, []);
  });
}
