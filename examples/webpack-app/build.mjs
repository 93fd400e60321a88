// webpack 5 with its defaults for an ES module app (no loaders, no plugins):
// src/main.js -> dist/main.js, the .wasm files the package names beside it,
// and the page, index.html.
import { copyFile } from "node:fs/promises";
import webpack from "webpack";

const config = {
  mode: "production",
  entry: "./src/main.js",
  output: { path: new URL("dist", import.meta.url).pathname, clean: true },
  // The .wasm (about 560 KB with its weights) is over webpack's 244 KB hint.
  performance: { hints: false },
};

webpack(config, (err, stats) => {
  if (err || stats.hasErrors()) {
    console.error(err ?? stats.toString("errors-only"));
    process.exit(1);
  }
  console.log(stats.toString({ assets: true, modules: false, colors: false }));
  copyFile("index.html", "dist/index.html");
});
