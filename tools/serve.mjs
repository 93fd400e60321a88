#!/usr/bin/env node
// A tiny static server for the page, with no dependencies:
//
//   node tools/serve.mjs [--port 8080] [--host 127.0.0.1] [--no-isolation] [dir]
//
// Serves files under dir (default www) with their MIME types and the page's
// Content-Security-Policy; never anything outside dir. The page is
// cross-origin isolated (COOP and COEP headers), so training on every core
// can share memory between workers; --no-isolation leaves the headers out,
// as many static hosts do, and the workers pass weights by messages instead. Text, scripts and
// .wasm go compressed, as static hosts send them: Brotli (at its best
// quality, made when the server starts) to clients that accept it, else
// gzip. `--port 0` picks a free port. Prints the URL once listening.

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { resolve, extname, sep } from 'node:path';

// Keep in step with the <meta http-equiv> in www/index.html.
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.gz': 'application/gzip',
  '.bin': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

// What is worth compressing: text, scripts, JSON and WebAssembly.
const COMPRESSIBLE = /^(text\/|application\/(json|wasm|manifest\+json)|image\/svg)/;

const ENCODERS = {
  br: (bytes) =>
    promisify(brotliCompress)(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }),
  gzip: (bytes) => promisify(gzip)(bytes, { level: 9 }),
};

// Compressed files by path, version and encoding, each made once.
const compressed = new Map();

function compress(file, version, encoding) {
  const key = `${file}\0${version}\0${encoding}`;
  if (!compressed.has(key)) compressed.set(key, readFile(file).then(ENCODERS[encoding]));
  return compressed.get(key);
}

/** The file's version: its size and modification time. */
const versionOf = (info) => `${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}`;

/** The encoding to send: Brotli or gzip where the type is worth it and the client takes it. */
function encodingFor(type, accepted = '') {
  if (!COMPRESSIBLE.test(type)) return null;
  return ['br', 'gzip'].find((e) => new RegExp(`\\b${e}\\b`).test(accepted)) ?? null;
}

/** Makes the Brotli copies of every compressible file under dir before serving: it takes a moment. */
async function precompress(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => resolve(e.parentPath ?? e.path, e.name));
  await Promise.all(
    files
      .filter((f) => COMPRESSIBLE.test(TYPES[extname(f).toLowerCase()] ?? ''))
      .map(async (f) => compress(f, versionOf(await stat(f)), 'br')),
  );
}

function parseArgs(argv) {
  const opts = { port: 8080, host: '127.0.0.1', dir: 'www', quiet: false, isolation: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') opts.port = Number(argv[++i]);
    else if (a === '--host') opts.host = argv[++i];
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--no-isolation') opts.isolation = false;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node tools/serve.mjs [--port 8080] [--host 127.0.0.1] [--no-isolation] [--quiet] [dir]');
      process.exit(0);
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else opts.dir = a;
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)
    throw new Error('--port takes a number from 0 to 65535');
  if (!opts.host) throw new Error('--host takes a host name or address');
  return opts;
}

function send(res, status, text, headers = {}) {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

function handler(root, isolation) {
  root = resolve(root);
  return async (req, res) => {
    res.setHeader('Content-Security-Policy', CSP);
    if (isolation) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-cache');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return send(res, 400, 'bad request\n');
    }
    if (path.includes('\0')) return send(res, 400, 'bad request\n');
    if (path.endsWith('/')) path += 'index.html';
    const file = resolve(root, '.' + path);
    // Nothing outside root, whatever the ../ or %2e%2e.
    if (file !== root && !file.startsWith(root + sep)) return send(res, 404, 'not found\n');
    let info;
    try {
      info = await stat(file);
    } catch {
      return send(res, 404, 'not found\n');
    }
    if (info.isDirectory()) return send(res, 301, 'moved\n', { Location: req.url.replace(/\?.*$/, '') + '/' });
    if (!info.isFile()) return send(res, 404, 'not found\n');
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const encoding = encodingFor(type, req.headers['accept-encoding']);
    const version = versionOf(info);
    const etag = `"${version}${encoding ? `-${encoding}` : ''}"`;
    res.setHeader('Vary', 'Accept-Encoding');
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag });
      return res.end();
    }
    if (encoding) {
      const body = await compress(file, version, encoding);
      res.writeHead(200, {
        'Content-Type': type,
        'Content-Encoding': encoding,
        'Content-Length': body.length,
        ETag: etag,
      });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': info.size, ETag: etag });
    if (req.method === 'HEAD') return res.end();
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(`serve: ${e.message}`);
  process.exit(2);
}
try {
  if (!(await stat(opts.dir)).isDirectory()) throw new Error();
} catch {
  console.error(`serve: ${opts.dir} is not a directory (run \`make www\` first)`);
  process.exit(1);
}
await precompress(resolve(opts.dir));
const server = createServer(handler(opts.dir, opts.isolation));
server.on('error', (e) => {
  console.error(
    `serve: ${e.code === 'EADDRINUSE' ? `port ${opts.port} is in use; try --port ${opts.port + 1}` : e.message}`,
  );
  process.exit(1);
});
server.listen(opts.port, opts.host, () => {
  const { port } = server.address();
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  console.log(`Serving ${resolve(opts.dir)} at http://${host}:${port}/`);
});
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => server.close(() => process.exit(0)).closeAllConnections());
