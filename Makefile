# The two set-up commands of the README are `make run` and `make test`; every target installs what
# it needs and skips what is already there.
SHELL := /bin/bash
CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown

.PHONY: run test lint wasm-target pkg bench clean

## run: validate the built-in pack and print a readable summary of its approval chain
run:
	$(CARGO) run --quiet --release --bin release-policy -- describe

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

## pkg, bench: arrive with the WebAssembly and engine issues
pkg bench:
	@echo "make $@: not yet implemented" >&2; exit 1

clean:
	$(CARGO) clean
