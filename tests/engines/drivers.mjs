// The three browser engines, each through its own WebDriver server and one
// client, selenium-webdriver: Chromium with chromedriver, Firefox ESR with
// geckodriver, WebKitGTK's MiniBrowser (Safari's engine) with WebKitWebDriver
// on a virtual display (Xvfb), all installed by `make setup`. Plus what the
// smoke tests do with a page: draw with the pointer, wait for a condition.

import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Builder, Capabilities, Origin } from '../../tools/node_modules/selenium-webdriver/index.js';
import chrome from '../../tools/node_modules/selenium-webdriver/chrome.js';
import firefox from '../../tools/node_modules/selenium-webdriver/firefox.js';
import { DriverService } from '../../tools/node_modules/selenium-webdriver/remote/index.js';
import { findFreePort } from '../../tools/node_modules/selenium-webdriver/net/portprober.js';
import { CHROMIUM_ARGS } from '../e2e/helpers.mjs';

export const ENGINES = ['chromium', 'firefox', 'webkit'];

export const WINDOW = { width: 1280, height: 900 };

/** The full path of a program on PATH; throws saying how to get it when it is missing. */
function program(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${name} is not installed: run \`make setup\``);
}

/** WebKitGTK's MiniBrowser, which Debian keeps under the architecture's library directory. */
function miniBrowser() {
  for (const dir of readdirSync('/usr/lib')) {
    const path = join('/usr/lib', dir, 'webkit2gtk-4.1/MiniBrowser');
    if (existsSync(path)) return path;
  }
  throw new Error("WebKitGTK's MiniBrowser is not installed: run `make setup`");
}

/** A virtual X display for WebKitGTK, which has no headless mode: resolves to {display, stop}. */
async function startXvfb() {
  const xvfb = spawn(program('Xvfb'), ['-displayfd', '3', '-screen', '0', '1600x1200x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let err = '';
  xvfb.stderr.on('data', (d) => (err += d));
  let timer;
  const display = await new Promise((resolve, reject) => {
    xvfb.stdio[3].on('data', (d) => resolve(`:${String(d).trim()}`));
    xvfb.on('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${err}`)));
    timer = setTimeout(() => reject(new Error(`Xvfb did not start: ${err}`)), 10_000);
  })
    .catch((e) => {
      xvfb.kill();
      throw e;
    })
    .finally(() => clearTimeout(timer));
  return { display, stop: () => xvfb.kill() };
}

/** Starts `engine` (one of ENGINES) with a fresh profile; resolves to {driver, quit}. */
export async function startEngine(engine) {
  if (engine === 'chromium') {
    const options = new chrome.Options()
      .setChromeBinaryPath(program('chromium'))
      .addArguments(...CHROMIUM_ARGS, `--window-size=${WINDOW.width},${WINDOW.height}`);
    const driver = await new Builder()
      .forBrowser('chrome')
      .setChromeOptions(options)
      .setChromeService(new chrome.ServiceBuilder(program('chromedriver')))
      .build();
    return { driver, quit: () => driver.quit() };
  }
  if (engine === 'firefox') {
    const options = new firefox.Options()
      .setBinary(program('firefox-esr'))
      .addArguments('-headless', `--width=${WINDOW.width}`, `--height=${WINDOW.height}`);
    const driver = await new Builder()
      .forBrowser('firefox')
      .setFirefoxOptions(options)
      .setFirefoxService(new firefox.ServiceBuilder(program('geckodriver')))
      .build();
    return { driver, quit: () => driver.quit() };
  }
  if (engine === 'webkit') {
    const xvfb = await startXvfb();
    const port = await findFreePort();
    const service = new DriverService(program('WebKitWebDriver'), {
      hostname: '127.0.0.1',
      port,
      args: [`--port=${port}`],
      env: { ...process.env, DISPLAY: xvfb.display },
    });
    try {
      const url = await service.start(10_000);
      const driver = await new Builder()
        .usingServer(url)
        .withCapabilities(
          new Capabilities({
            browserName: 'MiniBrowser',
            'webkitgtk:browserOptions': { binary: miniBrowser(), args: ['--automation'] },
          }),
        )
        .build();
      await driver.manage().window().setRect(WINDOW);
      return {
        driver,
        quit: async () => {
          await driver.quit().catch(() => {});
          await service.kill();
          xvfb.stop();
        },
      };
    } catch (e) {
      await service.kill();
      xvfb.stop();
      throw e;
    }
  }
  throw new Error(`unknown engine ${engine}: one of ${ENGINES.join(', ')}`);
}

/** Waits until the function body `condition` (run in the page) returns something truthy, and returns it. */
export async function until(driver, condition, timeout = 15_000, ...args) {
  let last;
  try {
    return await driver.wait(async () => (last = await driver.executeScript(condition, ...args)), timeout, '', 50);
  } catch (e) {
    throw new Error(`timed out after ${timeout} ms waiting for: ${condition.trim()} (last: ${last})`, { cause: e });
  }
}

/** The text of the element with `data-testid`. */
export function text(driver, testid) {
  return driver.executeScript(
    'return document.querySelector(`[data-testid="${arguments[0]}"]`).textContent.trim()',
    testid,
  );
}

export async function click(driver, selector) {
  const element = await driver.executeScript(
    'const e = document.querySelector(arguments[0]); e.scrollIntoView({block: "center"}); return e',
    selector,
  );
  await element.click();
}

/**
 * Clicks the element by a click() in the page rather than WebDriver's: in WebKit a WebDriver
 * click on some controls was now and then lost (cause not found; see the tests that use this).
 */
export async function clickInPage(driver, selector) {
  await driver.executeScript('document.querySelector(arguments[0]).click()', selector);
}

// A quick hand: 8 CSS pixels in 8 ms.
const MOVE_MS = 8;

/**
 * Draws strokes (pad coordinates 0..1) with the pointer through WebDriver's
 * actions: down, a move about every 8 CSS pixels, up.
 */
export async function draw(driver, strokes, selector = '[data-testid="pad"]') {
  const box = await driver.executeScript(
    `const e = document.querySelector(arguments[0]);
     e.scrollIntoView({block: 'center'});
     const b = e.getBoundingClientRect();
     return {x: b.x, y: b.y, width: b.width, height: b.height};`,
    selector,
  );
  const at = ([x, y]) => ({
    x: Math.round(box.x + x * box.width),
    y: Math.round(box.y + y * box.height),
    origin: Origin.VIEWPORT,
    duration: MOVE_MS,
  });
  // Counts the pointerups the page has handled, so that drawing ends when the
  // page has seen the strokes end (some engines deliver the actions later).
  await driver.executeScript(`window.__ups = 0;
    if (!window.__countsUps) {
      window.__countsUps = true;
      document.addEventListener('pointerup', () => window.__ups++, true);
    }`);
  const actions = driver.actions({ async: true });
  for (const stroke of strokes) {
    actions.move(at(stroke[0])).press();
    for (let i = 1; i < stroke.length; i++) {
      const [x0, y0] = stroke[i - 1];
      const [x1, y1] = stroke[i];
      const steps = Math.max(1, Math.round(Math.hypot((x1 - x0) * box.width, (y1 - y0) * box.height) / 8));
      for (let s = 1; s <= steps; s++) actions.move(at([x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps]));
    }
    actions.release();
  }
  await actions.perform();
  await until(driver, `return window.__ups >= ${strokes.length}`);
}

/** What the page itself reported as errors (its #errors box), as text; empty when all is well. */
export function pageErrors(driver) {
  return driver.executeScript(
    "const box = document.getElementById('errors'); return box.hidden ? '' : box.textContent.trim()",
  );
}
