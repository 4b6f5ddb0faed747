# The two set-up commands of the README are `make run` and `make test`; every target installs what
# it needs and skips what is already there.
SHELL := /bin/bash
CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown
WASM_PROFILE := wasm-release
WASM_OUT := target/$(WASM_TARGET)/$(WASM_PROFILE)/release_policy.wasm
PLUGIN := pkg/release-policy-plugin.wasm

.PHONY: run test lint wasm-target pkg bench clean

SAMPLE := examples/pending-release.json

## run: validate the built-in pack, summarise its approval chain, and evaluate a sample release
run:
	$(CARGO) build --quiet --release --bin release-policy
	./target/release/release-policy describe
	@echo
	@echo "== evaluate $(SAMPLE) (a major release with a breaking change, Friday afternoon in Berlin)"
	./target/release/release-policy evaluate $(SAMPLE)
	@echo
	@echo "== guard pending_approval -> production"
	./target/release/release-policy guard $(SAMPLE)
	@echo
	@echo "== timeline if nobody acts"
	./target/release/release-policy timeline $(SAMPLE)

## test: every test: the engine natively (unit, scenario, property, CLI, doc tests), then the
## WebAssembly plugin module in a wasmtime host
test: pkg
	$(CARGO) test
	$(CARGO) test -p plugin-host -- --nocapture
	@echo "make test: all tests passed"

## lint: rustfmt and clippy, warnings as errors
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

wasm-target:
	@rustup target list --installed | grep -qx '$(WASM_TARGET)' || rustup target add $(WASM_TARGET)

## bench: criterion benchmarks of the native engine (peers measured in the same run)
bench:
	$(CARGO) bench --bench evaluate

## pkg: the WebAssembly builds in pkg/: the zero-import plugin module
pkg: wasm-target
	$(CARGO) build --lib --target $(WASM_TARGET) --profile $(WASM_PROFILE) --features plugin
	@mkdir -p pkg
	cp $(WASM_OUT) $(PLUGIN)
	@echo "$(PLUGIN): $$(stat -c%s $(PLUGIN)) bytes, $$(gzip -9c $(PLUGIN) | wc -c) gzipped"

clean:
	$(CARGO) clean
