# The two set-up commands of the README are `make run` and `make test`; every target installs what
# it needs and skips what is already there.
SHELL := /bin/bash
CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown

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

## test: every test (unit, scenario, CLI, doc tests), and a WebAssembly build of the library
test: wasm-target
	$(CARGO) test
	$(CARGO) build --quiet --lib --target $(WASM_TARGET)
	@echo "make test: all tests passed; the library builds for $(WASM_TARGET)"

## lint: rustfmt and clippy, warnings as errors
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

wasm-target:
	@rustup target list --installed | grep -qx '$(WASM_TARGET)' || rustup target add $(WASM_TARGET)

## bench: criterion benchmarks of the native engine (peers measured in the same run)
bench:
	$(CARGO) bench --bench evaluate

## pkg: arrives with the WebAssembly issue
pkg:
	@echo "make pkg: not yet implemented" >&2; exit 1

clean:
	$(CARGO) clean
