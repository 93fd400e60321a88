#!/usr/bin/env node
// Writes the MNIST data the page ships, from the four original IDX files:
//
//   node tools/page-data.mjs <idx-dir> <out-dir>
//
// <out-dir>/manifest.json   what each file holds
// <out-dir>/samples.bin.gz  100 test digits, 10 of each class ("load a real MNIST digit")
// <out-dir>/train.bin.gz    training subset for "train from scratch" and fine-tuning
// <out-dir>/test.bin.gz     test subset the page measures accuracy on
// <out-dir>/all-train.bin.gz, all-test.bin.gz
//                           all 60,000 and 10,000 ("train on all of MNIST";
//                           fetched only when asked for)
//
// Each .bin.gz is gzip of: count x 784 uint8 pixels (28x28, row-major, 0 =
// background, 255 = ink, as in MNIST) followed by count uint8 labels. The page
// inflates them with DecompressionStream. Subsets are picked by a fixed stride
// over the whole file (no randomness), so every run writes the same bytes;
// files that already hold those bytes are left alone.

import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const TRAIN_STRIDE = 5; // 60,000 / 5 = 12,000 training digits
const TEST_STRIDE = 5; // 10,000 / 5 = 2,000 test digits (both halves of the test set)
const SAMPLES_PER_CLASS = 10;

function fail(message) {
  console.error(`page-data: ${message}`);
  process.exit(1);
}

function readIdx(path, wantMagic) {
  if (!existsSync(path)) fail(`missing ${path} (run \`make data\`)`);
  const buf = readFileSync(path);
  if (buf.length < 8) fail(`${path} is too short to be an IDX file`);
  const magic = buf.readUInt32BE(0);
  if (magic !== wantMagic) fail(`${path}: magic ${magic.toString(16)}, expected ${wantMagic.toString(16)}`);
  const count = buf.readUInt32BE(4);
  if (wantMagic === 0x803) {
    const rows = buf.readUInt32BE(8);
    const cols = buf.readUInt32BE(12);
    if (rows !== 28 || cols !== 28) fail(`${path}: ${rows}x${cols} images, expected 28x28`);
    if (buf.length !== 16 + count * 784) fail(`${path}: truncated (${buf.length} bytes for ${count} images)`);
    return { count, data: buf.subarray(16) };
  }
  if (buf.length !== 8 + count) fail(`${path}: truncated (${buf.length} bytes for ${count} labels)`);
  return { count, data: buf.subarray(8) };
}

function readSet(dir, prefix) {
  const images = readIdx(join(dir, `${prefix}-images-idx3-ubyte`), 0x803);
  const labels = readIdx(join(dir, `${prefix}-labels-idx1-ubyte`), 0x801);
  if (images.count !== labels.count) fail(`${prefix}: ${images.count} images but ${labels.count} labels`);
  return { count: images.count, images: images.data, labels: labels.data };
}

function pack(set, indices) {
  const n = indices.length;
  const out = Buffer.alloc(n * 785);
  indices.forEach((src, i) => {
    set.images.copy(out, i * 784, src * 784, src * 784 + 784);
    out[n * 784 + i] = set.labels[src];
  });
  return out;
}

function strided(count, stride, offset = 0) {
  const out = [];
  for (let i = offset; i < count; i += stride) out.push(i);
  return out;
}

function writeIfChanged(path, bytes) {
  if (existsSync(path) && readFileSync(path).equals(bytes)) return false;
  writeFileSync(path, bytes);
  return true;
}

const [dir, outDir] = process.argv.slice(2);
if (!dir || !outDir) fail('usage: node tools/page-data.mjs <idx-dir> <out-dir>');

const train = readSet(dir, 'train');
const test = readSet(dir, 't10k');

const trainIdx = strided(train.count, TRAIN_STRIDE);
const testIdx = strided(test.count, TEST_STRIDE);
// Samples: the first SAMPLES_PER_CLASS of each class among test digits that
// are not in the test subset, interleaved 0, 1, ..., 9, 0, 1, ...
const perClass = Array.from({ length: 10 }, () => []);
for (let i = 0; i < test.count; i++) {
  if (i % TEST_STRIDE === 0) continue;
  const bucket = perClass[test.labels[i]];
  if (bucket.length < SAMPLES_PER_CLASS) bucket.push(i);
}
const sampleIdx = [];
for (let k = 0; k < SAMPLES_PER_CLASS; k++) for (let c = 0; c < 10; c++) sampleIdx.push(perClass[c][k]);

// A fixed level and a zero mtime (zlib's default) make the bytes the same every run.
const files = {
  samples: {
    file: 'samples.bin.gz',
    from: 'MNIST test set',
    indices: `first ${SAMPLES_PER_CLASS} of each class not in the test subset`,
    idx: sampleIdx,
    set: test,
  },
  train: {
    file: 'train.bin.gz',
    from: 'MNIST training set',
    indices: `every ${TRAIN_STRIDE}th image`,
    idx: trainIdx,
    set: train,
  },
  test: {
    file: 'test.bin.gz',
    from: 'MNIST test set',
    indices: `every ${TEST_STRIDE}th image`,
    idx: testIdx,
    set: test,
  },
  'all-train': {
    file: 'all-train.bin.gz',
    from: 'MNIST training set',
    indices: 'all',
    idx: strided(train.count, 1),
    set: train,
  },
  'all-test': {
    file: 'all-test.bin.gz',
    from: 'MNIST test set',
    indices: 'all',
    idx: strided(test.count, 1),
    set: test,
  },
};

mkdirSync(outDir, { recursive: true });
const manifest = {
  format: 'gzip of count x 784 uint8 pixels (28x28 row-major, 0 background, 255 ink) then count uint8 labels',
  sets: {},
};
let written = 0;
for (const [name, f] of Object.entries(files)) {
  const gz = gzipSync(pack(f.set, f.idx), { level: 6 });
  if (writeIfChanged(join(outDir, f.file), gz)) written++;
  manifest.sets[name] = { file: f.file, count: f.idx.length, bytes: gz.length, from: f.from, indices: f.indices };
}
if (writeIfChanged(join(outDir, 'manifest.json'), Buffer.from(JSON.stringify(manifest, null, 2) + '\n'))) written++;

const summary = Object.entries(manifest.sets)
  .map(([k, s]) => `${k} ${s.count} (${(s.bytes / 1024).toFixed(0)} KiB)`)
  .join(', ');
console.log(`page-data: ${outDir}: ${summary}; ${written ? `${written} file(s) written` : 'up to date'}`);
