#!/usr/bin/env node
// A tiny static server for the page, with no dependencies:
//
//   node tools/serve.mjs [--port 8080] [--host 127.0.0.1] [dir]
//
// Serves files under dir (default www) with their MIME types and the page's
// Content-Security-Policy; never anything outside dir. `--port 0` picks a
// free port. Prints the URL once listening.

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
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

function parseArgs(argv) {
  const opts = { port: 8080, host: '127.0.0.1', dir: 'www', quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') opts.port = Number(argv[++i]);
    else if (a === '--host') opts.host = argv[++i];
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node tools/serve.mjs [--port 8080] [--host 127.0.0.1] [--quiet] [dir]');
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

function handler(root) {
  root = resolve(root);
  return async (req, res) => {
    res.setHeader('Content-Security-Policy', CSP);
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
    const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag });
      return res.end();
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': info.size,
      ETag: etag,
    });
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
const server = createServer(handler(opts.dir));
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
