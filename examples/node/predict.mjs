#!/usr/bin/env node
// Usage: node predict.mjs digit.png [more.png ...]
// Prints the digit in each PNG (any size, dark ink on light or light on dark).
import { readFile } from "node:fs/promises";
import { PNG } from "pngjs";
import init, { Network, preprocess } from "lenet-wasm";

// In Node, init() reads the .wasm build it picked for this engine from disk.
await init();
const net = Network.pretrained();

let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const png = PNG.sync.read(await readFile(file));
    const input = preprocess(png.data, png.width, png.height);
    if (input === undefined) {
      console.log(`${file}: blank`);
      continue;
    }
    const { digit, confidence } = net.read(input);
    console.log(`${file}: ${digit ?? "not a digit"} (${(100 * confidence).toFixed(1)}%)`);
  } catch (error) {
    console.error(`${file}: cannot read it as a PNG image: ${error.message}`);
    failed += 1;
  }
}
process.exitCode = failed > 0 ? 1 : 0;
