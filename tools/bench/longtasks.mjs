#!/usr/bin/env node
// `make bench`: main-thread tasks over 50 ms (the browser's long tasks) in
// the real page in headless Chromium, while a user draws digits, plays the
// convolution lab's animation and moves its sliders, steps through C3's
// cells with the keyboard and picks every digit in "What made it a 7"
// (issue 30's target: none); then while two networks race in two workers
// and the user draws (issue 31's target: none); then while the page trains
// on all of MNIST and the user draws (issue 32's target: none). A benchmark, not a test: a
// loaded machine can make any task long. Writes target/bench/longtasks.json.
//
// Needs `make www`.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, DIGITS, launch, openPage, startServer, drawWithMouse } from '../../tests/e2e/helpers.mjs';

const server = await startServer();
const browser = await launch();
try {
  const { page } = await openPage(browser, server.url, { viewport: { width: 1280, height: 900 } });
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration))).observe({
      type: 'longtask',
    });
  });
  for (const d of [7, 1, 4, 7]) {
    await drawWithMouse(page, DIGITS[d]);
    await page.click('[data-testid="clear"]');
  }
  await drawWithMouse(page, DIGITS[7]);
  await page.locator('#lab').scrollIntoViewIfNeeded();
  await page.selectOption('[data-testid="lab-speed"]', 'fast');
  await page.click('[data-testid="lab-play"]');
  for (const k of ['1', '3', '7', '9', '5']) {
    await page.locator('[data-testid="lab-k"]').fill(k);
    await page.waitForTimeout(100);
  }
  await page.click('[data-testid="lab-play"]');
  await page.waitForTimeout(1500);
  await page.focus('[data-layer="C3"] canvas.map[data-channel="1"]');
  for (let i = 0; i < 20; i++) await page.keyboard.press(i % 2 ? 'ArrowRight' : 'ArrowDown');
  await page.keyboard.press('Enter');
  await page.locator('#why').scrollIntoViewIfNeeded();
  for (let d = 0; d < 10; d++) await page.click(`[data-testid="saliency-digit-${d}"]`);
  await page.waitForTimeout(500);
  const tasks = await page.evaluate(() => window.longTasks.splice(0));
  // The race: the PyTorch against the Keras LeNet-5 for two epochs, drawing while they train.
  await page.locator('#race').scrollIntoViewIfNeeded();
  await page.fill('#race-epochs', '2');
  await page.click('[data-comparison="pytorch-keras"]');
  const started = Date.now();
  await page.click('[data-testid="race-start"]');
  await page.waitForFunction(() => document.querySelector('#race').dataset.state === 'running', null, {
    timeout: 30_000,
  });
  for (const d of [7, 1, 0, 4]) {
    await drawWithMouse(page, DIGITS[d]);
    await page.click('[data-testid="clear"]');
  }
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('#race').dataset.state), null, {
    timeout: 180_000,
  });
  const seconds = (Date.now() - started) / 1000;
  const raceTasks = await page.evaluate(() => window.longTasks.splice(0));
  // Training on all of MNIST in one worker per core, fetching the digits first, drawing while it trains.
  await page.locator('#all-mnist').scrollIntoViewIfNeeded();
  const allStarted = Date.now();
  await page.click('[data-testid="train-all"]');
  for (const d of [0, 4, 1, 7]) {
    await drawWithMouse(page, DIGITS[d]);
    await page.click('[data-testid="clear"]');
  }
  await page.waitForSelector('[data-testid="train-result"][data-accuracy]', { timeout: 180_000 });
  const allSeconds = (Date.now() - allStarted) / 1000;
  const allTasks = await page.evaluate(() => window.longTasks);
  const result = {
    date: new Date().toISOString(),
    longTasks: tasks.length,
    longestMs: Math.max(0, ...tasks),
    race: { longTasks: raceTasks.length, longestMs: Math.max(0, ...raceTasks), seconds },
    trainAll: { longTasks: allTasks.length, longestMs: Math.max(0, ...allTasks), seconds: allSeconds },
  };
  await writeFile(join(ROOT, 'target/bench/longtasks.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`long tasks (over 50 ms) while drawing, in the lab, the cells and "What made it": ${tasks.length}`);
  console.log(
    `long tasks while two networks raced (2 epochs each, ${seconds.toFixed(1)} s) and digits were drawn: ${raceTasks.length}` +
      (raceTasks.length ? ` (longest ${Math.max(...raceTasks).toFixed(0)} ms)` : ''),
  );
  console.log(
    `long tasks while training on all of MNIST (fetch included, ${allSeconds.toFixed(1)} s) and digits were drawn: ${allTasks.length}` +
      (allTasks.length ? ` (longest ${Math.max(...allTasks).toFixed(0)} ms)` : ''),
  );
} finally {
  await browser.close();
  await server.stop();
}
