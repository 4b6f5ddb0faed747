# The two set-up commands of the README are `make run` and `make test`; every target installs what
# it needs and skips what is already there.
SHELL := /bin/bash
CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown
WASM_PROFILE := wasm-release
WASM_OUT := target/$(WASM_TARGET)/$(WASM_PROFILE)/release_policy.wasm
# The npm package's module: its own profile (Cargo.toml), tuned for speed within its size budget.
JS_PROFILE := wasm-js
JS_OUT := target/$(WASM_TARGET)/$(JS_PROFILE)/release_policy.wasm
# The package's authoring module (policy tests, change impact, editor schemas), in its own profile folder.
AUTHORING_OUT := target/$(WASM_TARGET)/wasm-js-authoring/release_policy.wasm
PLUGIN := pkg/release-policy-plugin.wasm
# The plain plugin module (no pack in it) that `release-policy compile` snapshots: native builds of
# the CLI embed it (build.rs), so every cargo command here sees the same value.
export RELEASE_POLICY_PLAIN_MODULE := $(CURDIR)/$(WASM_OUT)

.PHONY: run demo www-deps fuzz test test-e2e test-node test-wasm chromium lint wasm-target wasm-bindgen-cli pkg pkg-plugin pkg-js pkg-web pkg-authoring pkg-types bench clean

SAMPLE := examples/pending-release.json

PORT ?= 8080

## run: build what the page loads (the browser module, and the authoring module its impact panel
## fetches) and serve the approval-chain preview at http://127.0.0.1:$(PORT)
run: pkg-web pkg-authoring www-deps
	@echo "Serving the preview (Ctrl-C stops it); the dashboard is at /dashboard.html"
	PORT=$(PORT) python3 www/serve.py

## demo: the CLI on the built-in pack: its summary, then evaluate/guard/timeline of a sample release
## (built without the `compile` feature, whose wasmtime would triple the optimised build's time)
demo:
	$(CARGO) build --quiet --release --bin release-policy --no-default-features
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

## test: every test: the engine natively (unit, scenario, property, CLI, doc tests), the
## WebAssembly plugin module in a wasmtime host, the npm package in Node.js, the bindings in Node.js
## and Chromium, and the preview page end to end
test: pkg
	$(CARGO) test
	$(CARGO) test -p plugin-host -- --nocapture
	$(CARGO) test -p fuzz-harness
	$(MAKE) --no-print-directory test-node
	$(MAKE) --no-print-directory test-wasm
	$(MAKE) --no-print-directory test-e2e
	@echo "make test: all tests passed"

## test-wasm: the JS bindings in Node.js and in headless Chromium (wasm-bindgen-test)
test-wasm: wasm-target wasm-bindgen-cli chromium
	$(CARGO) test --target $(WASM_TARGET) --features js --test wasm_node
	CHROMEDRIVER=$$(command -v chromedriver) $(CARGO) test --target $(WASM_TARGET) --features js --test wasm_browser

PLAYWRIGHT_CORE_VERSION := 1.64.1

## test-e2e: the preview page (www/) in headless Chromium, driven by playwright-core; screenshots
## land in tests/e2e/screenshots/
test-e2e: chromium www-deps
	@test -d tests/e2e/node_modules/playwright-core -a -d tests/e2e/node_modules/axe-core || \
		(cd tests/e2e && npm install --no-audit --no-fund --no-save playwright-core@$(PLAYWRIGHT_CORE_VERSION) axe-core@4 >/dev/null)
	node --test tests/e2e/

## www-deps: the pages' one npm dependency (Chart.js, for the dashboard), from www/package-lock.json
www-deps:
	@test -d www/node_modules/chart.js || (cd www && npm ci --no-audit --no-fund >/dev/null)

## chromium: Debian's Chromium and ChromeDriver, for the browser tests (installed once)
chromium:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)

## test-node: the npm package installed from its tarball, in Node.js (node's test runner), and
## bundled by esbuild and webpack for a server and by esbuild, Vite and webpack for a browser (run in
## Chromium)
test-node: chromium
	rm -f pkg/*.tgz
	cd pkg && npm pack --silent >/dev/null
	cd tests/node && npm install --no-audit --no-fund --no-save ../../pkg/kiket-release-policy-*.tgz typescript@5 @arethetypeswrong/cli@0 publint@0 esbuild@0 vite@6 webpack@5 playwright-core@$(PLAYWRIGHT_CORE_VERSION) >/dev/null
	mkdir -p tests/node/work
	$(CARGO) build --quiet --bin release-policy
	@echo "type-checking an ES module consumer (nodenext) and a CommonJS one (node16), and running the latter"
	cd tests/node && npx tsc -p tsconfig.json && npx tsc -p tsconfig.cjs.json && node work/cjs/consumer-cjs.cjs >/dev/null
	@echo "type-checking a consumer of \`using policy = …\` (lib esnext); package.test.mjs runs it"
	cd tests/node && npx tsc -p tsconfig.dispose.json
	@echo "checking the package's types and layout (arethetypeswrong, publint); the browser entry points are ES modules only"
	cd tests/node && npx attw ../../pkg/kiket-release-policy-*.tgz --profile node16 --ignore-rules cjs-resolves-to-esm \
		--exclude-entrypoints ./web/release_policy_bg.wasm ./authoring/web/release_policy_bg.wasm ./plugin.wasm ./package.json
	cd tests/node && npx publint ../../pkg
	cd tests/node && node --test

FUZZ_TARGETS := request_json pack_file structured differential
FUZZ_SECONDS ?= 150

## fuzz: every cargo-fuzz target under libFuzzer for FUZZ_SECONDS each (default 150: 10 minutes in
## all), from the seed corpora (scenarios, the built-in pack); needs nightly and cargo-fuzz
## (installed when missing). Crashes land in fuzz/artifacts/<target>/.
fuzz: pkg
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
	$(CARGO) run --quiet -p fuzz-harness --bin seed-corpus
	for t in $(FUZZ_TARGETS); do \
		(cd fuzz && cargo +nightly fuzz run --sanitizer none $$t corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) -seed=1 -print_final_stats=1) || exit 1; \
	done

## lint: rustfmt and clippy, warnings as errors
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

wasm-target:
	@rustup target list --installed | grep -qx '$(WASM_TARGET)' || rustup target add $(WASM_TARGET)

## bench: criterion benchmarks of the native engine, then the plugin module per request in the
## wasmtime host (compiled, --no-load, plain + load, warm), then the npm package in Node.js, each
## beside peers measured in the same run, the sizes of the WebAssembly modules, and analyze over
## 100k and 1M releases (JSON Lines; the histories are generated once into target/bench-data/)
bench: pkg
	$(CARGO) bench --bench evaluate
	@mkdir -p target/bench-data
	./target/debug/release-policy compile --no-load --compact -o target/bench-data/policy-no-load.wasm >/dev/null
	@for f in $(PLUGIN) target/bench-data/policy-no-load.wasm $(WASM_OUT); do \
		echo "$$f: $$(stat -c%s $$f) bytes, $$(gzip -9c $$f | wc -c) gzipped"; done
	$(CARGO) bench -p plugin-host --bench fresh
	rm -f pkg/*.tgz
	cd pkg && npm pack --silent >/dev/null
	cd bench/node && npm install --no-audit --no-fund --no-save ../../pkg/kiket-release-policy-*.tgz @cedar-policy/cedar-wasm@4.13.0 json-rules-engine@7.3.1 >/dev/null
	node bench/node/bench.mjs
	$(CARGO) build --quiet --release --bin release-policy --no-default-features
	python3 bench/analyze.py

WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/version = "\(.*\)"/\1/p}' Cargo.lock)

# The JS build keeps its symbols until wasm-bindgen has read the `target_features` section it needs
# (`strip = true` would drop it; the wasm-js profile strips debug info only); wasm-bindgen then drops
# the function names, which would otherwise be a fifth of the module gzipped.
BINDGEN_FLAGS := --remove-name-section --remove-producers-section

## pkg: the WebAssembly builds in pkg/: the npm package (Node.js and browser bindings) and the
## zero-import plugin module
pkg: pkg-plugin pkg-js

## pkg-plugin: the plain plugin module (no pack in it), the CLI that embeds it, and with that CLI
## pkg/release-policy-plugin.wasm compiled from the built-in pack (`release-policy compile`)
pkg-plugin: wasm-target
	$(CARGO) build --lib --target $(WASM_TARGET) --profile $(WASM_PROFILE) --features plugin
	@mkdir -p pkg
	@echo "building the CLI (debug) that embeds the plain module, then compiling the built-in pack"
	$(CARGO) build --quiet --bin release-policy
	./target/debug/release-policy compile --compact -o $(PLUGIN) >/dev/null
	@echo "$(PLUGIN): $$(stat -c%s $(PLUGIN)) bytes, $$(gzip -9c $(PLUGIN) | wc -c) gzipped"

## pkg-js: the npm package: its modules for Node.js and browsers, the authoring module, the types
pkg-js: pkg-web pkg-authoring pkg-types

## pkg-web: the npm package's module (wasm32, wasm-bindgen) for Node.js and browsers
pkg-web: wasm-target wasm-bindgen-cli
	@mkdir -p pkg
	@echo "building the npm package's module (cargo --target $(WASM_TARGET), profile $(JS_PROFILE))"
	$(CARGO) build --quiet --lib --target $(WASM_TARGET) --profile $(JS_PROFILE) --features js
	rm -rf pkg/node pkg/web
	wasm-bindgen --target nodejs $(BINDGEN_FLAGS) --out-dir pkg/node $(JS_OUT)
	wasm-bindgen --target web $(BINDGEN_FLAGS) --out-dir pkg/web $(JS_OUT)
	echo '{"type": "commonjs"}' > pkg/node/package.json
	node scripts/finish-glue.mjs pkg
	@echo "pkg/web/release_policy_bg.wasm: $$(stat -c%s pkg/web/release_policy_bg.wasm) bytes, $$(gzip -9c pkg/web/release_policy_bg.wasm | wc -c) gzipped"

## pkg-authoring: the authoring module (kiket-release-policy/authoring): the bindings with policy
## tests, diff and the editor schemas
pkg-authoring: wasm-target wasm-bindgen-cli
	@mkdir -p pkg
	@echo "building the authoring module (cargo --target $(WASM_TARGET), profile wasm-js-authoring)"
	$(CARGO) build --quiet --lib --target $(WASM_TARGET) --profile wasm-js-authoring --features authoring
	rm -rf pkg/authoring
	wasm-bindgen --target nodejs $(BINDGEN_FLAGS) --out-dir pkg/authoring/node $(AUTHORING_OUT)
	wasm-bindgen --target web $(BINDGEN_FLAGS) --out-dir pkg/authoring/web $(AUTHORING_OUT)
	echo '{"type": "commonjs"}' > pkg/authoring/node/package.json
	node scripts/finish-glue.mjs pkg/authoring
	@echo "pkg/authoring/web/release_policy_bg.wasm: $$(stat -c%s pkg/authoring/web/release_policy_bg.wasm) bytes, $$(gzip -9c pkg/authoring/web/release_policy_bg.wasm | wc -c) gzipped"

## pkg-types: the TypeScript declarations generated from the engine's Rust types (ts-rs); built
## without the `compile` feature, whose wasmtime no declaration needs
pkg-types:
	@echo "generating the TypeScript declarations (ts-rs)"
	rm -rf pkg/types/gen
	@# Counts (u64) reach JavaScript as numbers (serde-wasm-bindgen), not as ts-rs's default bigint.
	TS_RS_EXPORT_DIR=$(CURDIR)/pkg/types/gen TS_RS_IMPORT_EXTENSION=js TS_RS_LARGE_INT=number $(CARGO) test --quiet --lib --no-default-features --features ts export_bindings >/dev/null
	cd pkg/types/gen && for f in $$(find . -name '*.ts' ! -name '*.d.ts'); do mv "$$f" "$${f%.ts}.d.ts"; done
	@# The Node.js glue is CommonJS: its declarations are the same files, read as CommonJS.
	rm -rf pkg/types/cjs && mkdir -p pkg/types/cjs
	cp -r pkg/types/*.d.ts pkg/types/gen pkg/types/cjs/
	echo '{"type": "commonjs"}' > pkg/types/cjs/package.json

## wasm-bindgen-cli, pinned to the wasm-bindgen version in Cargo.lock (installed once)
wasm-bindgen-cli:
	@[ "$$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $(WASM_BINDGEN_VERSION)" ] || $(CARGO) install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

clean:
	$(CARGO) clean
