// tools/serve.mjs: MIME types, the Content-Security-Policy, cross-origin
// isolation (and --no-isolation), gzip, 404s, and nothing served from outside
// its directory. No browser needed.

import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { startServer, WWW } from './helpers.mjs';

let server;
before(async () => (server = await startServer()));
after(() => server?.stop());

// A raw GET, so paths like /../ reach the server unnormalized.
function get(path, headers = {}, url = server.url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET', headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('serves the page with its CSP and MIME types', async () => {
  const types = {
    '/': 'text/html',
    '/style.css': 'text/css',
    '/js/main.js': 'text/javascript',
    '/pkg/lenet.js': 'text/javascript',
    '/pkg/lenet_bg.wasm': 'application/wasm',
    '/data/manifest.json': 'application/json',
    '/data/train.bin.gz': 'application/gzip',
    '/sw.js': 'text/javascript',
  };
  for (const [path, type] of Object.entries(types)) {
    const res = await get(path);
    assert.equal(res.status, 200, path);
    assert.ok(res.headers['content-type'].startsWith(type), `${path}: ${res.headers['content-type']}`);
    const csp = res.headers['content-security-policy'];
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin', path);
    assert.equal(res.headers['cross-origin-embedder-policy'], 'require-corp', path);
  }
  const wasm = await get('/pkg/lenet_bg.wasm');
  assert.deepEqual([...wasm.body.subarray(0, 4)], [0, 0x61, 0x73, 0x6d]);
});

it('--no-isolation leaves out the cross-origin isolation headers, and only them', async (t) => {
  const plain = await startServer(WWW, ['--no-isolation']);
  t.after(() => plain.stop());
  const res = await get('/', {}, plain.url);
  assert.equal(res.status, 200);
  assert.equal(res.headers['cross-origin-opener-policy'], undefined);
  assert.equal(res.headers['cross-origin-embedder-policy'], undefined);
  assert.match(res.headers['content-security-policy'], /default-src 'self'/);
});

it('compresses text and .wasm for clients that accept it (Brotli, else gzip), and only them', async () => {
  const plain = await get('/pkg/lenet_bg.wasm');
  assert.equal(plain.headers['content-encoding'], undefined);
  const zipped = await get('/pkg/lenet_bg.wasm', { 'Accept-Encoding': 'gzip' });
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.deepEqual(gunzipSync(zipped.body), plain.body);
  const brotli = await get('/pkg/lenet_bg.wasm', { 'Accept-Encoding': 'gzip, deflate, br, zstd' });
  assert.equal(brotli.headers['content-encoding'], 'br');
  assert.equal(brotli.headers.vary, 'Accept-Encoding');
  assert.deepEqual(brotliDecompressSync(brotli.body), plain.body);
  assert.ok(brotli.body.length < zipped.body.length, `Brotli ${brotli.body.length}, gzip ${zipped.body.length} bytes`);
  const etags = new Set([plain, zipped, brotli].map((r) => r.headers.etag));
  assert.equal(etags.size, 3, 'each encoding has its own ETag');
  const again = await get('/pkg/lenet_bg.wasm', { 'Accept-Encoding': 'br', 'If-None-Match': brotli.headers.etag });
  assert.equal(again.status, 304);
  const data = await get('/data/train.bin.gz', { 'Accept-Encoding': 'gzip, br' });
  assert.equal(data.headers['content-encoding'], undefined, 'already compressed');
});

it('serves SVG as image/svg+xml, compressed as text', async (t) => {
  // The page has no SVG file of its own (its icon is inline), so a folder with one.
  const dir = mkdtempSync(join(tmpdir(), 'lenet-serve-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'mark.svg'),
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><path d="M1 1h6v6z"/></svg>',
  );
  const svgServer = await startServer(dir);
  t.after(() => svgServer.stop());
  const svg = await get('/mark.svg', { 'Accept-Encoding': 'gzip' }, svgServer.url);
  assert.equal(svg.status, 200);
  assert.ok(svg.headers['content-type'].startsWith('image/svg+xml'), svg.headers['content-type']);
  assert.equal(svg.headers['content-encoding'], 'gzip', 'SVG is text');
  assert.match(gunzipSync(svg.body).toString(), /^<svg /);
});

it('answers 404 for missing files and never serves outside its directory', async () => {
  assert.equal((await get('/nope.html')).status, 404);
  for (const path of [
    '/../Makefile',
    '/..%2fMakefile',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/js/../../Makefile',
    '/..\\Makefile',
    '/%00',
  ]) {
    const res = await get(path);
    assert.ok(res.status === 404 || res.status === 400, `${path}: ${res.status}`);
    assert.ok(!res.body.toString().includes('wasm-pack'), `${path} leaked a file`);
  }
});

it('the page has no inline script or style, and its meta CSP matches the server', async () => {
  const html = readFileSync(join(WWW, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'inline <script>');
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, 'inline style or event handler');
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'external resource');
  const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)[1];
  const header = (await get('/')).headers['content-security-policy'];
  // Same policy, less frame-ancestors (ignored in a <meta>).
  assert.equal(meta, header.replace("; frame-ancestors 'none'", ''));
});
