// The page's smoke tests in every engine: Chromium, Firefox and WebKit
// (drivers.mjs). Each engine gets its own server and a fresh profile, and
// goes through what a person does first: draw and read, see every layer,
// undo and clear, teach it in the worker, train from scratch and on all of
// MNIST in two workers, reload with no network. It also checks the build each engine loads, once, and that
// the SIMD128 build reads bit for bit the same in all three.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DIGITS } from '../e2e/helpers.mjs';
import { ENGINES, startEngine, until, text, click, clickInPage, draw, pageErrors } from './drivers.mjs';

const LAYERS = ['C1', 'S2', 'C3', 'S4', 'C5', 'F6', 'output'];
const READING_DIGITS = 200;

/** The SIMD128 build's probabilities on the first test digits, per engine. */
const readings = {};

for (const engine of ENGINES) {
  describe(engine, () => {
    let server, browser, driver;
    before(async () => {
      server = await startServer();
      browser = await startEngine(engine);
      driver = browser.driver;
    });
    after(async () => {
      await browser?.quit();
      await server?.stop();
    });

    const open = async () => {
      await driver.get(server.url);
      await until(driver, "return document.body.classList.contains('ready')", 30_000);
    };
    const prediction = () =>
      until(driver, 'return document.querySelector(\'[data-testid="prediction"]\').textContent.trim()');
    const clean = async () => assert.equal(await pageErrors(driver), '', 'the page reported an error');

    it('loads the build this engine validates, one .wasm download, and both builds read alike', async (t) => {
      await open();
      const found = await driver.executeScript(`return (async () => {
        const downloads = performance.getEntriesByType('resource')
          .map((e) => new URL(e.name).pathname).filter((path) => path.endsWith('.wasm'));
        const { relaxedSimd, wasmFile } = await import('/pkg/relaxed-simd.js');
        const relaxedBytes = await (await fetch('/pkg/lenet_relaxed_bg.wasm')).arrayBuffer();
        const { loadSet, allInputs } = await import('/js/data.js');
        const test = await loadSet('test');
        const count = Math.min(test.count, ${READING_DIGITS});
        const inputs = allInputs(test).subarray(0, count * 1024);
        // Each build in a module instance of its own (the glue under another URL).
        const read = async (file) => {
          const lenet = await import('/pkg/lenet.js?' + file);
          await lenet.default({ module_or_path: '/pkg/' + file });
          const net = lenet.Network.pretrained();
          const p = net.predictBatch(inputs, count);
          net.free();
          // As bits: WebDriver's JSON does not carry every engine's floats exactly.
          return Array.from(new Uint32Array(p.buffer, p.byteOffset, p.length));
        };
        const picked = await read(wasmFile);
        const simd128 = wasmFile === 'lenet_bg.wasm' ? picked : await read('lenet_bg.wasm');
        return {
          relaxedSimd,
          wasmFile,
          relaxedValidates: WebAssembly.validate(relaxedBytes),
          downloads,
          footer: document.querySelector('.site-footer').textContent,
          count,
          labels: Array.from(test.labels.subarray(0, count)),
          picked,
          simd128,
        };
      })()`);
      t.diagnostic(`${engine}: loads ${found.wasmFile}`);
      const floats = (bits) => Array.from(new Float32Array(Uint32Array.from(bits).buffer));
      found.picked = floats(found.picked);
      found.simd128 = floats(found.simd128);
      assert.equal(found.relaxedSimd, found.relaxedValidates, 'relaxed SIMD is used exactly where it validates');
      assert.equal(found.wasmFile, found.relaxedSimd ? 'lenet_relaxed_bg.wasm' : 'lenet_bg.wasm');
      assert.deepEqual(found.downloads, [`/pkg/${found.wasmFile}`], 'one .wasm download on a page load');
      assert.equal(/relaxed SIMD/.test(found.footer), found.relaxedSimd, 'the footer names the build');
      assert.equal(found.count, READING_DIGITS);
      let maxDiff = 0;
      let top1Differs = 0;
      let right = 0;
      const classes = found.picked.length / found.count; // 11: the shipped reader's last output is "not a digit"
      const top1 = (p, i) => {
        const row = p.slice(i * classes, (i + 1) * classes);
        return row.indexOf(Math.max(...row));
      };
      for (let i = 0; i < found.count; i++) {
        if (top1(found.picked, i) !== top1(found.simd128, i)) top1Differs++;
        if (top1(found.simd128, i) === found.labels[i]) right++;
      }
      found.picked.forEach((p, i) => (maxDiff = Math.max(maxDiff, Math.abs(p - found.simd128[i]))));
      assert.ok(maxDiff <= 1e-5, `the two builds' probabilities differ by ${maxDiff}`);
      assert.equal(top1Differs, 0, 'the two builds read the same digits');
      assert.ok(right >= found.count * 0.97, `${right} of ${found.count} test digits read right`);
      readings[engine] = found.simd128;
      await clean();
    });

    it('reads a 7 drawn with the pointer, draws every layer, undoes and clears', async () => {
      await open();
      await draw(driver, DIGITS[1]);
      assert.equal(await prediction(), '1');
      // A stroke across the top makes it a 7; undo takes it back to the 1.
      await draw(driver, [
        [
          [0.2, 0.2],
          [0.53, 0.18],
        ],
      ]);
      await until(driver, "return document.querySelector('[data-testid=\"prediction\"]').textContent === '7'");
      const layers = await until(
        driver,
        `return (() => {
          const painted = arguments[0].map((name) => {
            const canvases = [...document.querySelectorAll('[data-layer="' + name + '"] .maps canvas.map')];
            const colours = new Set();
            for (const c of canvases) {
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              for (let i = 0; i < d.length; i += 4) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
            }
            return canvases.length > 0 && colours.size > 1;
          });
          return painted.every(Boolean) && painted;
        })()`,
        15_000,
        LAYERS,
      );
      assert.equal(layers.length, LAYERS.length);
      await click(driver, '[data-testid="undo"]');
      await until(driver, "return document.querySelector('[data-testid=\"prediction\"]').textContent === '1'");
      await click(driver, '[data-testid="clear"]');
      assert.equal(await text(driver, 'prediction'), '');
      const ink = await driver.executeScript(`const c = document.querySelector('[data-testid="pad"]');
        return c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 !== 3 && v !== 255)`);
      assert.equal(ink, false, 'clear empties the pad');
      for (const digit of ['0', '4']) {
        await draw(driver, DIGITS[digit]);
        assert.equal(await prediction(), digit);
        await click(driver, '[data-testid="clear"]');
      }
      await clean();
    });

    it('reads while the stroke is drawn, not only at its end', async (t) => {
      await open();
      // Each reading rewrites the prediction panel: one batch of mutations.
      await driver.executeScript(`window.__readings = 0;
        new MutationObserver(() => window.__readings++).observe(
          document.querySelector('.prediction'), { childList: true, characterData: true, subtree: true });`);
      // One 0 in one stroke: about 70 moves over about half a second.
      await draw(driver, DIGITS[0]);
      assert.equal(await prediction(), '0');
      const seen = await driver.executeScript('return window.__readings');
      t.diagnostic(`${engine}: ${seen} readings while a 0 was drawn`);
      assert.ok(seen >= 5, `${seen} readings during the stroke`);
      await clean();
    });

    it('fine-tunes on three drawings in the worker', async () => {
      await open();
      for (const [top, bottom] of [
        [0.45, 0.55],
        [0.5, 0.5],
        [0.56, 0.44],
      ]) {
        await draw(driver, [
          [
            [top, 0.18],
            [bottom, 0.82],
          ],
        ]);
        assert.equal(await prediction(), '1');
        // Dispatched in the page: twice in about ten WebKit runs a WebDriver click here left the
        // pad as it was (cause not found); the drawing itself stays drawn with the pointer.
        await clickInPage(driver, '.label-buttons [data-label="7"]');
        // Added to the set (IndexedDB), then the pad clears; the status says why if not.
        await until(driver, "return document.querySelector('[data-testid=\"prediction\"]').textContent === ''").catch(
          async (e) => {
            throw new Error(
              `${e.message}; status: ${await driver.executeScript("return document.querySelector('.teach-status').textContent")}`,
            );
          },
        );
      }
      // Dispatched in the page too: in two fresh-clone CI runs (2026-12-07) WebKit waited the
      // whole 90 s here with the state never leaving its first value, as if the click was lost.
      await clickInPage(driver, '[data-action="finetune"]');
      const state = await until(
        driver,
        "const s = document.querySelector('#teach').dataset.state; return ['done', 'error'].includes(s) && s",
        90_000,
      ).catch(async (e) => {
        const [now, status] = await driver.executeScript(
          "return [document.querySelector('#teach').dataset.state, document.querySelector('.teach-status').textContent]",
        );
        throw new Error(`${e.message}; state: ${now}; status: ${status}`);
      });
      const result = await driver.executeScript(
        "return document.querySelector('.teach-status').textContent + ' ' + document.querySelector('.finetune-result').textContent",
      );
      assert.equal(state, 'done', result);
      assert.match(result, /Your drawings: 0% → 100% right/);
      await clean();
    });

    it('trains from scratch in the worker: steps, a test accuracy, pause', async () => {
      await open();
      // Dispatched in the page, as the label click above: once in a WebKit run no accuracy came
      // within a minute of a WebDriver click here (cause not found; a timeout now says the state).
      await clickInPage(driver, '[data-testid="scratch-start"]');
      await until(
        driver,
        'return document.querySelector(\'[data-testid="scratch-accuracy"]\').textContent',
        60_000,
      ).catch(async (e) => {
        const [state, status] = await driver.executeScript(
          "return [document.querySelector('#scratch').dataset.state, document.querySelector('.scratch-status').textContent]",
        );
        throw new Error(`${e.message}; state: ${state}; status: ${status}`);
      });
      await clickInPage(driver, '[data-testid="scratch-start"]');
      await until(driver, "return document.querySelector('#scratch').dataset.state === 'paused'");
      const steps = await driver.executeScript("return document.querySelector('.scratch-progress').value");
      assert.ok(steps > 10, `${steps} steps trained`);
      const accuracy = await text(driver, 'scratch-accuracy');
      assert.match(accuracy, /^\d+(\.\d+)?%$/);
      await clean();
    });

    it('trains on all of MNIST in two workers, in shared memory where the engine has it', async (t) => {
      await open();
      await driver.executeScript(`
        document.querySelector('#all-workers').value = '2';
        document.querySelector('#all-epochs').value = '1';`);
      await click(driver, '[data-testid="train-all"]');
      await until(driver, 'return document.querySelector(\'[data-testid="train-result"]\').dataset.accuracy', 180_000);
      const run = await driver.executeScript(`return {
        accuracy: Number(document.querySelector('[data-testid="train-result"]').dataset.accuracy),
        isolated: self.crossOriginIsolated === true,
        shared: typeof SharedArrayBuffer === 'function',
        sync: document.querySelector('#all-mnist').dataset.sync,
        rates: document.querySelector('.all-rates').textContent,
      }`);
      t.diagnostic(
        `${engine}: ${run.accuracy} (${run.sync}; isolated ${run.isolated}, SharedArrayBuffer ${run.shared}); ${run.rates}`,
      );
      assert.equal(run.sync, run.isolated && run.shared ? 'shared' : 'transfer');
      assert.ok(run.accuracy >= 0.96, `one epoch reads ${run.accuracy} of the test digits`);
      await clean();
    });

    it('reloads and reads with the server gone (service worker)', async () => {
      await open();
      await until(
        driver,
        "return navigator.serviceWorker.controller !== null && /offline/.test(document.querySelector('.offline-status').textContent)",
        30_000,
      );
      await server.stop();
      await driver.get(server.url);
      await until(driver, "return document.body.classList.contains('ready')", 30_000);
      await draw(driver, DIGITS[7]);
      assert.equal(await prediction(), '7');
      await clean();
    });
  });
}

it('the SIMD128 build reads bit for bit the same in every engine', () => {
  const [first, ...rest] = ENGINES;
  assert.ok(readings[first], `no readings from ${first}`);
  for (const engine of rest) {
    assert.ok(readings[engine], `no readings from ${engine}`);
    const differ = readings[engine].filter((p, i) => p !== readings[first][i]).length;
    assert.equal(differ, 0, `${engine} against ${first}: ${differ} of ${readings[first].length} probabilities differ`);
  }
});
