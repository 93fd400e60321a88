// Completes the npm package in pkg/ (make pkg): adds the relaxed-SIMD build
// from the second wasm-pack run and npm/'s files, the entry (index.js), the
// probe that picks between the two builds (relaxed-simd.js), the <lenet-pad>
// element and the package's own README, drops lenet.js's doc comments (they
// stay in lenet.d.ts), makes lenet.d.ts compile without the DOM library, and
// points package.json at the entry.
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
// wasm-bindgen copies every doc comment into lenet.js as well as lenet.d.ts;
// editors read the .d.ts, and in the .js they are a third of what a page
// downloads of it before its first prediction.
const glue = await readFile(join(pkg, 'lenet.js'), 'utf8');
await writeFile(join(pkg, 'lenet.js'), glue.replace(/^[ \t]*\/\*\*(?:[^*]|\*(?!\/))*\*\/\n/gm, ''));
// wasm-bindgen's types for init() name RequestInfo, BufferSource and the
// WebAssembly namespace, which only TypeScript's DOM library declares (a Node
// project would need "DOM" to compile), and its classes Symbol.dispose, which
// only "ESNext" does. The same types in words Node's have too, and the rest
// declared as @types/node does (the declarations merge with the libraries').
const types = await readFile(join(pkg, 'lenet.d.ts'), 'utf8');
const portable = types
  .replaceAll('RequestInfo | URL', 'Request | string | URL')
  .replaceAll('BufferSource', 'ArrayBuffer | ArrayBufferView');
if (portable === types) throw new Error('tools/pkg.mjs: lenet.d.ts no longer names RequestInfo or BufferSource');
await writeFile(
  join(pkg, 'lenet.d.ts'),
  `${portable}
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
  namespace WebAssembly {
    interface Module {}
    interface Memory {
      readonly buffer: ArrayBuffer;
    }
    interface Table {}
  }
}
`,
);
const npmFiles = ['index.js', 'index.d.ts', 'relaxed-simd.js', 'lenet-pad.js', 'lenet-pad.d.ts', 'README.md'];
for (const file of npmFiles) await copyFile(join(root, 'npm', file), join(pkg, file));
// The entry and its probe are fetched before a page's first prediction too:
// their comments, whole lines of them, stay in npm/ and the .d.ts.
for (const file of ['index.js', 'relaxed-simd.js']) {
  const text = await readFile(join(pkg, file), 'utf8');
  await writeFile(
    join(pkg, file),
    text.replace(/^[ \t]*\/\*(?:[^*]|\*(?!\/))*\*\/\n/gm, '').replace(/^[ \t]*\/\/.*\n/gm, ''),
  );
}

const manifest = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8'));
manifest.files = [...npmFiles, 'lenet.js', 'lenet.d.ts', 'lenet_bg.wasm', 'lenet_relaxed_bg.wasm'];
manifest.main = 'index.js';
// Importing lenet-pad.js defines <lenet-pad>: a side effect, which bundlers
// would otherwise drop with the import (wasm-bindgen lists only its snippets).
manifest.sideEffects = ['./lenet-pad.js', ...(manifest.sideEffects ?? [])];
manifest.types = 'index.d.ts';
// Node 18 is the oldest with fetch-free file reading in init() and WebAssembly SIMD.
manifest.engines = { node: '>=18' };
await writeFile(join(pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`tools/pkg.mjs: ${pkg} holds both builds; its entry is index.js`);
