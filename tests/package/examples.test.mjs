// The examples as their users would run them, each installed from the packed
// tarball (make npm-pack) and left untouched: Node on a PNG file; Vite 8
// (TypeScript) and Vite 5 (<lenet-pad>), each built and on its dev server;
// webpack 5 built; a plain page with an import map. The pages run in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { DIGITS, drawWithMouse, launch, openPage, startServer } from '../e2e/helpers.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const example = (name) => join(root, 'examples', name);

/** Installs an example from the packed tarball (a fresh copy of lenet-wasm). */
async function install(dir) {
  await rm(join(dir, 'node_modules/lenet-wasm'), { recursive: true, force: true });
  // Vite's dev server keeps its pre-bundled copy of the old package here.
  await rm(join(dir, 'node_modules/.vite'), { recursive: true, force: true });
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'pipe' });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Whether `url` answers 200 OK. */
const answers = (url) =>
  fetch(url).then(
    (r) => r.ok,
    () => false,
  );

/**
 * An example's Vite dev server; resolves to {url, stop} once it answers HTTP.
 * Polling the port, not parsing Vite's banner: the banner is coloured when
 * the environment asks for colour, which once split the port number.
 */
async function viteDev(dir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child = spawn(
    process.execPath,
    ['node_modules/vite/bin/vite.js', '--port', port, '--strictPort', '--host', '127.0.0.1'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const stop = () => child.kill();
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite exited with ${child.exitCode}: ${out}`);
    if (await answers(url)) return { url, stop };
    if (Date.now() > deadline) {
      stop();
      throw new Error(`vite did not answer at ${url}: ${out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A plain static server with no Content-Security-Policy, as a page with an
 * inline import map needs (tools/serve.mjs's policy refuses inline scripts).
 */
async function plainServer(dir) {
  const types = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.wasm': 'application/wasm',
    '.json': 'application/json',
  };
  const server = createHttpServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname.replace(/\/$/, '/index.html');
    try {
      const body = await readFile(join(dir, path.replaceAll('..', '')));
      res.writeHead(200, { 'Content-Type': types[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, stop: () => server.close() };
}

/** Opens `url` in Chromium and resolves to the text of #result once it holds `expected`. */
async function resultAt(t, url, expected, act = async () => {}) {
  const browser = await launch();
  t.after(() => browser.close());
  const { page, problems } = await openPage(browser, url, {}, '#result');
  await act(page);
  await page
    .waitForFunction((re) => new RegExp(re).test(document.querySelector('#result').textContent), expected.source, {
      timeout: 30_000,
    })
    .catch(() => {});
  const text = await page.textContent('#result');
  // Vite's dev client logs its connection at debug level; anything else is a problem.
  assert.deepEqual(problems, []);
  return text;
}

const drawSeven = (page) => drawWithMouse(page, DIGITS[7], 'lenet-pad');

/** Installs an example, runs its `npm run build` and serves its dist/ until the test ends. */
async function servedBuild(t, dir) {
  await install(dir);
  execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: 'pipe' });
  const server = await startServer(join(dir, 'dist'));
  t.after(() => server.stop());
  return server.url;
}

test('the Node example reads a digit from a PNG file', async () => {
  const dir = example('node');
  await install(dir);
  const out = execFileSync('node', ['predict.mjs', 'seven.png'], { cwd: dir, encoding: 'utf8' });
  assert.match(out, /^seven\.png: 7 \(\d+\.\d%\)$/m);
  assert.throws(
    () => execFileSync('node', ['predict.mjs', 'package.json'], { cwd: dir, stdio: 'pipe' }),
    /cannot read it as a PNG/,
  );
});

test('Vite 8 with TypeScript: tsc --strict, the build, and the dev server read a 7', async (t) => {
  const dir = example('vite-app');
  assert.match(await resultAt(t, await servedBuild(t, dir), /^\d/), /^7 \(/);
  const dev = await viteDev(dir);
  t.after(() => dev.stop());
  assert.match(await resultAt(t, dev.url, /^\d/), /^7 \(/);
});

test('Vite 5 with <lenet-pad>: the build and the dev server read a 7 drawn with the mouse', async (t) => {
  const dir = example('vite5-app');
  assert.match(await resultAt(t, await servedBuild(t, dir), /^7 /, drawSeven), /^7 \(/);
  // The dev server pre-bundles the package without its .wasm files (index.js finds them).
  const dev = await viteDev(dir);
  t.after(() => dev.stop());
  assert.match(await resultAt(t, dev.url, /^7 /, drawSeven), /^7 \(/);
});

test('webpack 5: the build reads a number written on a canvas', async (t) => {
  assert.match(await resultAt(t, await servedBuild(t, example('webpack-app')), /^\d/), /^71 \(/);
});

test('no bundler: an import map and <lenet-pad> read a 7 drawn with the mouse', async (t) => {
  const dir = example('import-map');
  await install(dir);
  const server = await plainServer(dir);
  t.after(() => server.stop());
  assert.match(await resultAt(t, server.url, /^7/, drawSeven), /^7$/);
});
