// "Train on all of MNIST" in Chromium: two workers train on all 60,000
// digits, meeting in shared memory where the page is cross-origin isolated
// (tools/serve.mjs's default) and through the page where it is not
// (--no-isolation). With the same seed and workers both paths must give the
// same network, and the pad must then use it. How fast it is, is measured
// by `make bench`, not here.

import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, drawWithMouse, waitForPrediction, DIGITS } from './helpers.mjs';

const RESULT = '[data-testid="train-result"]';

let browser;

/**
 * The requests for all of MNIST's digits made from now on in `context`: by
 * the worker that fetches them, not counting the service worker's own
 * request to the network for the same file.
 */
function dataFetches(context) {
  const urls = [];
  context.on('request', (r) => r.url().includes('/data/all-') && !r.serviceWorker() && urls.push(r.url()));
  return urls;
}

before(async () => (browser = await launch()));
after(() => browser?.close());

/** One run of `epochs` with `workers` on a fresh page of a server started with `options`. */
async function train(t, options, { workers = 2, epochs = 1 } = {}) {
  const server = await startServer(undefined, options);
  t.after(() => server.stop());
  const { context, page, problems } = await openPage(browser, server.url);
  t.after(() => context.close());
  const fetches = dataFetches(context);
  await page.selectOption('#all-workers', String(workers));
  await page.fill('#all-epochs', String(epochs));
  await page.click('[data-testid="train-all"]');
  await page.waitForSelector(`${RESULT}[data-accuracy]`, { timeout: 120_000 });
  const run = await page.evaluate((sel) => {
    const result = document.querySelector(sel);
    return {
      accuracy: Number(result.dataset.accuracy),
      seconds: Number(result.dataset.seconds),
      sync: document.querySelector('#all-mnist').dataset.sync,
      rates: document.querySelector('.all-rates').textContent,
      status: document.querySelector('.all-status').textContent,
    };
  }, RESULT);
  t.diagnostic(`${run.sync}: ${run.accuracy} after ${run.seconds} s; ${run.rates}`);
  assert.deepEqual(problems, []);
  return { ...run, page, digits: fetches.length };
}

it('trains on all 60,000 digits in two workers, in shared memory or through the page, to the same network', async (t) => {
  const shared = await train(t, []);
  assert.equal(shared.sync, 'shared', 'the page is cross-origin isolated: the workers share memory');
  assert.ok(shared.accuracy >= 0.96, `one epoch on all of MNIST reads ${shared.accuracy} of the test digits`);
  assert.ok(shared.seconds > 0);
  assert.match(shared.rates, /60,000 images .* images\/s in all \(worker 1: [\d,]+ · worker 2: [\d,]+ images\/s\)/);
  assert.match(shared.status, /Done in [\d.]+ s from the click/);
  assert.equal(shared.digits, 2, 'the training and the test set, fetched once each');

  const passed = await train(t, ['--no-isolation']);
  assert.equal(passed.sync, 'transfer', 'without isolation the page passes the weights');
  assert.equal(passed.accuracy, shared.accuracy, 'the same seed and workers give the same network on both paths');

  // The pad uses the trained network.
  await drawWithMouse(passed.page, DIGITS[7]);
  assert.equal((await waitForPrediction(passed.page)).digit, '7');
});

it('stops when asked, and trains again from the data it already has', async (t) => {
  const server = await startServer();
  t.after(() => server.stop());
  const { context, page, problems } = await openPage(browser, server.url);
  t.after(() => context.close());
  const fetches = dataFetches(context);
  const button = page.locator('[data-testid="train-all"]');
  await page.selectOption('#all-workers', '1');
  await button.click();
  await page.waitForFunction(() => document.querySelector('.all-rates').textContent.includes('images/s'));
  await button.click();
  assert.equal(await button.textContent(), 'Train on all 60,000 MNIST digits');
  assert.match(await page.textContent('.all-status'), /^Stopped\./);
  assert.equal(await page.getAttribute(RESULT, 'data-accuracy'), null);
  await page.fill('#all-epochs', '1');
  await button.click();
  await page.waitForSelector(`${RESULT}[data-accuracy]`, { timeout: 120_000 });
  assert.equal(fetches.length, 2, `the digits were not fetched again: ${fetches.join(', ')}`);
  assert.deepEqual(problems, []);
});
