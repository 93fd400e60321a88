// "Design a network and race it" in Chromium: the designer shows the core's
// numbers and messages row by row, exports what `lenet train --net` reads and
// imports it back; a race trains two designs in two workers and shows their
// curves, results, confusion matrices and misread digits, and either one can
// go on the pad.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverAndBrowser, drawWithMouse, waitForPrediction, canvasInk, DIGITS, ROOT } from './helpers.mjs';

const site = serverAndBrowser();

const lane = (id) => `#race [data-lane="${id}"]`;

/** Row `i` of lane `id` as the page shows it. */
function row(page, id, i) {
  return page.evaluate(
    ([sel, i]) => {
      const tr = document.querySelector(`${sel} [data-testid="layer-row-${i}"]`);
      const text = (c) => tr.querySelector(c).textContent;
      return {
        kind: tr.querySelector('select').value,
        shape: text('.out-shape'),
        params: text('.out-params'),
        connections: text('.out-connections'),
      };
    },
    [lane(id), i],
  );
}

/** Types `value` into a row's field and lets the designer see the change. */
async function setField(page, id, i, field, value) {
  const input = page.locator(`${lane(id)} [data-testid="layer-row-${i}"] [data-field="${field}"]`);
  await input.fill(String(value));
  await input.dispatchEvent('change');
}

/** What the core says of `spec` when asked to build it. */
function coreMessage(page, spec) {
  return page.evaluate(async (json) => {
    const { Network } = await import('/pkg/index.js');
    try {
      Network.fromSpec(json, 1).free();
      return null;
    } catch (e) {
      return e.message;
    }
  }, JSON.stringify(spec));
}

it('designs a network: the core’s numbers and messages on each row, reorder, remove, export, import', async (t) => {
  const { context, page, problems } = await site.open({ viewport: { width: 1280, height: 900 } });
  await page.locator('#race').scrollIntoViewIfNeeded();
  assert.equal(await page.locator(`${lane('a')} tbody tr`).count(), 11, 'lenet5: 11 layers');
  assert.deepEqual(await row(page, 'a', 0), {
    kind: 'conv2d',
    shape: '6@28×28',
    params: '156 params',
    connections: '122,304 conn.',
  });
  assert.match(await page.textContent(`${lane('a')} .designer-total`), /^61,706 parameters/);

  // A 15x15 kernel in C3 does not fit S2's 14x14 maps: the core's message, on that row; no race.
  await setField(page, 'a', 3, 'kernel_size', 15);
  const problem = page.locator(`${lane('a')} [data-testid="layer-problem"]`);
  const shown = await problem.textContent();
  assert.match(shown, /^invalid network spec: layer 3 \('C3', conv2d\): a 15x15 kernel/);
  assert.equal(await page.locator(`${lane('a')} tr.bad`).getAttribute('data-index'), '3');
  assert.ok(await page.locator('[data-testid="race-start"]').isDisabled(), 'no race with a design that does not fit');
  // An empty box goes to the core as it is, and gets its message.
  await setField(page, 'a', 3, 'kernel_size', 5);
  await setField(page, 'a', 0, 'out_channels', '');
  assert.match(await problem.textContent(), /^invalid network spec: layer 0 \(conv2d\): invalid type: null/);
  await setField(page, 'a', 0, 'out_channels', 8);
  assert.equal(await problem.count(), 0);
  assert.equal((await row(page, 'a', 0)).params, '208 params', '8 filters of 5x5 + 8 biases');
  assert.ok(await page.locator('[data-testid="race-start"]').isEnabled());

  // Reorder and remove: relu1 and S2 swap (pooling before the activation), then F6's ReLU goes.
  await page.click(`${lane('a')} [aria-label="Network A: move layer 2 down"]`);
  assert.equal((await row(page, 'a', 1)).kind, 'max_pool2d');
  assert.equal((await row(page, 'a', 2)).kind, 'relu');
  assert.equal((await row(page, 'a', 2)).shape, '8@14×14');
  await page.click(`${lane('a')} [aria-label="Network A: remove layer 10"]`);
  assert.equal(await page.locator(`${lane('a')} tbody tr`).count(), 10);

  // Export: the file `lenet train --net` takes; the CLI agrees with the page's numbers.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`${lane('a')} [data-action="export"]`),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'lenet-designer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'designed.json');
  await download.saveAs(file);
  const exported = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(exported.layers.length, 10);
  assert.equal(await coreMessage(page, exported), null, 'the exported spec builds');
  // The debug build `cargo test` made (make test runs it first).
  const summary = spawnSync('cargo', ['run', '--quiet', '--bin', 'lenet', '--', 'summary', '--net', file], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(summary.status, 0, summary.stderr);
  assert.match(summary.stdout, /C1\s+conv2d\s+8@28x28\s+208\s+163,072/);
  const total = (await page.textContent(`${lane('a')} .designer-total`)).match(/^([\d,]+) parameters/)[1];
  assert.match(summary.stdout, new RegExp(`total parameters: ${total}`));

  // Import into B: a spec with a misspelt field gets the core's message on its row.
  const typo = {
    input: [1, 32, 32],
    layers: [{ type: 'conv2d', out_channels: 4, kernal_size: 5 }, { type: 'flatten' }],
  };
  writeFileSync(join(dir, 'typo.json'), JSON.stringify(typo));
  await page.setInputFiles(`${lane('b')} input[type="file"]`, join(dir, 'typo.json'));
  await page.waitForFunction((sel) => document.querySelector(`${sel} [data-testid="layer-problem"]`), lane('b'));
  assert.equal(await page.textContent(`${lane('b')} [data-testid="layer-problem"]`), await coreMessage(page, typo));
  await page.setInputFiles(`${lane('b')} input[type="file"]`, file);
  await page.waitForFunction((sel) => document.querySelectorAll(`${sel} tbody tr`).length === 10, lane('b'));
  assert.deepEqual(await row(page, 'b', 0), await row(page, 'a', 0));
  assert.deepEqual(problems, [], problems.join('\n'));
  await context.close();
});

it('races two designs in two workers in two clicks: curves, results, confusion, misread digits, then the pad', async (t) => {
  const { context, page, problems } = await site.open({ viewport: { width: 1280, height: 900 } });
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(Math.round(e.duration));
    }).observe({ type: 'longtask' });
  });
  await page.locator('#race').scrollIntoViewIfNeeded();
  await page.fill('#race-epochs', '1');
  // The tutorial's max-or-average comparison: one click loads both, the second races.
  await page.click('[data-comparison="max-avg"]');
  assert.equal((await row(page, 'b', 2)).kind, 'avg_pool2d');
  assert.equal((await row(page, 'a', 2)).kind, 'max_pool2d');
  const t0 = Date.now();
  await page.click('[data-testid="race-start"]');
  await page.waitForFunction(() => document.querySelector('#race').dataset.state === 'running', null, {
    timeout: 30_000,
  });
  // Draw while both train: the pad still reads.
  await drawWithMouse(page, DIGITS[7]);
  assert.equal((await waitForPrediction(page)).digit, '7');
  await page.locator('#race').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('#race').dataset.state), null, {
    timeout: 120_000,
  });
  assert.equal(await page.getAttribute('#race', 'data-state'), 'done', await page.textContent('.race-status'));
  for (const id of ['a', 'b']) {
    const result = page.locator(`[data-testid="race-result-${id}"]`);
    const accuracy = Number(await result.getAttribute('data-accuracy'));
    t.diagnostic(`network ${id.toUpperCase()}: ${await result.textContent()}`);
    assert.ok(accuracy > 0.85, `network ${id}: ${accuracy} after one epoch`);
    assert.match(await result.textContent(), /s per epoch/);
    assert.equal(await page.locator(`${lane(id)} .confusion tr`).count(), 11, 'a header and ten digits');
    const misread = await page.locator(`[data-testid="misread-${id}"] figure`).count();
    assert.ok(misread > 0 && misread <= 24, `${misread} misread digits shown`);
  }
  t.diagnostic(`raced in ${((Date.now() - t0) / 1000).toFixed(1)} s from the click`);
  assert.match(await page.textContent('.race-status'), /^Done: /);
  // Both runs' curves were drawn.
  assert.ok((await canvasInk(page, '.race-loss')) > 100 && (await canvasInk(page, '.race-acc')) > 100);
  // Network B on the pad.
  await page.click(`${lane('b')} [data-action="use-raced"]`);
  await page.waitForFunction(() => /Network B from the race/.test(document.querySelector('.source-name').textContent));
  await page.click('[data-testid="clear"]');
  await drawWithMouse(page, DIGITS[0]);
  assert.notEqual((await waitForPrediction(page)).digit, '', 'the raced network reads the pad');
  const longTasks = await page.evaluate(() => window.__longTasks);
  assert.deepEqual(
    longTasks.filter((ms) => ms > 100),
    [],
    `main-thread tasks while two networks trained: ${longTasks.join(', ')} ms`,
  );
  assert.deepEqual(problems, [], problems.join('\n'));
  await context.close();
});
