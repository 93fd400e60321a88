// Completes the npm package in pkg/ (make pkg): adds the relaxed-SIMD build
// from the second wasm-pack run and npm/index.js, the entry that picks
// between the two builds, and points package.json at it.
// Usage: node tools/pkg.mjs <pkg dir> <relaxed-SIMD pkg dir>

import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const [pkg, relaxed] = process.argv.slice(2);
const root = new URL('..', import.meta.url).pathname;

// One lenet.js serves both builds only if wasm-bindgen wrote the same one for each.
for (const file of ['lenet.js', 'lenet.d.ts']) {
  const [a, b] = await Promise.all([readFile(join(pkg, file), 'utf8'), readFile(join(relaxed, file), 'utf8')]);
  if (a !== b) throw new Error(`tools/pkg.mjs: the two builds' ${file} differ; they cannot share it`);
}
await copyFile(join(relaxed, 'lenet_bg.wasm'), join(pkg, 'lenet_relaxed_bg.wasm'));
await copyFile(join(root, 'npm/index.js'), join(pkg, 'index.js'));
await copyFile(join(root, 'npm/index.d.ts'), join(pkg, 'index.d.ts'));

const manifest = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8'));
manifest.files = ['index.js', 'index.d.ts', 'lenet.js', 'lenet.d.ts', 'lenet_bg.wasm', 'lenet_relaxed_bg.wasm'];
manifest.main = 'index.js';
manifest.types = 'index.d.ts';
await writeFile(join(pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`tools/pkg.mjs: ${pkg} holds both builds; its entry is index.js`);
