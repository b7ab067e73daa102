# Stylus Smart Sessions. `make demo` runs the game session end to end; `make test` runs every check.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
WASM := target/wasm32-unknown-unknown/release/stylus_smart_sessions.wasm
# The module is three programs from one crate (src/programs.rs): the validator, at the address
# accounts install, and the manager and the executor it delegatecalls off the hot path.
VALIDATOR := target/stylus_smart_sessions
MANAGER := target/stylus_smart_sessions_manager
EXECUTOR := target/stylus_smart_sessions_executor
# Size budgets, as headroom below the 24,576-byte limit: the validator at most 50% of it
# (12,288 B), the manager and the executor at most 65% (15,974 B), so that each keeps room for
# the features to come. Every byte of a program is paid on every call into it.
VALIDATOR_HEADROOM := 50
MANAGER_HEADROOM := 35
EXECUTOR_HEADROOM := 35
# binaryen's wasm-opt, from the npm registry. Only the features Nitro activates are enabled,
# so the optimizer cannot introduce another.
BINARYEN := 132.0.0
WASM_OPT := target/tools/node_modules/.bin/wasm-opt
WASM_FEATURES := --mvp-features --enable-bulk-memory --enable-sign-ext --enable-mutable-globals
# --low-memory-unused lets wasm-opt fold `ptr + c` (c < 1024) into a load's offset: it differs
# only where `ptr + c` wraps past 2^32, which Rust's pointer arithmetic never does (-188 B).
WASM_OPT_FLAGS := -Oz --converge --low-memory-unused

# The TypeScript package (packages/smart-sessions): the client crate compiled to wasm32 and bound
# by wasm-bindgen's CLI, which must be the version of the wasm-bindgen crate in Cargo.lock (it
# refuses a module built with another). From crates.io (npm's wasm-pack downloads from GitHub).
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"/\1/p;}' Cargo.lock)
WASM_BINDGEN := target/tools/wasm-bindgen-$(WASM_BINDGEN_VERSION)/bin/wasm-bindgen
TS_PACKAGE := packages/smart-sessions
TS_WASM := target/wasm32-unknown-unknown/release/smart_session_wasm.wasm

.PHONY: setup build validator abi evm demo node bench test lint unit ts bundler-demo bundler-demo-skipped deploy-local \
	deploy-check deploy activate cache-bid

setup:
	@scripts/setup.sh >/dev/null 2>&1 || scripts/setup.sh

$(WASM_OPT):
	npm install --prefix target/tools --no-audit --no-fund --loglevel=error binaryen@$(BINARYEN)

# $(call program,NAME,OUT,FEATURES,HEADROOM): one deployable program (rustc, then wasm-opt -Oz)
# into OUT.opt.wasm and OUT.code, measured against its size budget.
define program
cargo build --locked --release --target wasm32-unknown-unknown --lib $(3)
$(WASM_OPT) $(WASM_OPT_FLAGS) $(WASM_FEATURES) $(WASM) -o $(2).opt.wasm
@echo "$(1):"
cargo run --locked --quiet -p stylus-artifact -- $(2).opt.wasm --out $(2).code --headroom $(4)
endef

## The deployable programs, the manager and the executor first (the validator is built for
## their addresses, SMART_SESSIONS_MANAGER and SMART_SESSIONS_EXECUTOR, by default where the
## in-process chains put them), each against its size budget: `make build` fails when any
## leaves less headroom.
build: setup $(WASM_OPT)
	$(call program,manager,$(MANAGER),--features manager,$(MANAGER_HEADROOM))
	$(call program,executor,$(EXECUTOR),--features executor,$(EXECUTOR_HEADROOM))
	$(call program,validator,$(VALIDATOR),,$(VALIDATOR_HEADROOM))

## The validator alone, as `build` makes it: what scripts/deploy.sh runs, with
## SMART_SESSIONS_MANAGER=0x… and SMART_SESSIONS_EXECUTOR=0x… (where it just deployed them, or
## STYLUS_MANAGER and STYLUS_EXECUTOR), to build the validator for them. Both are read at
## compile time (option_env!, which cargo tracks: a changed or unset value rebuilds the crate).
validator: setup $(WASM_OPT)
	$(call program,validator,$(VALIDATOR),,$(VALIDATOR_HEADROOM))

## abi/: the Solidity interface and JSON ABI, printed from crates/session-core/src/interface.rs.
abi: setup
	cargo run --locked --quiet --bin export-abi -- abi

## The Solidity counterparts (EntryPoint v0.7, OpenZeppelin's AccountERC7579, test contracts),
## built with forge and solc-js from npm into target/evm/out; and Nexus, Kernel and Safe7579's
## deployed bytecode from @rhinestone/modulekit (npm pack, GPL-3.0) in target/evm/modulekit.
evm:
	scripts/build-evm.sh

## The 2-hour game session, narrated step by step on the in-process chain.
demo: build evm
	@echo "demo: compiling the in-process chain (revm, wasmi) and the demo; minutes the first time"
	cargo build --locked --example game_session
	cargo run --locked --quiet --example game_session

## The local JSON-RPC node (docs/node.md) on 127.0.0.1:8547 (PORT=N for another): prints the
## deployed addresses and the dev keys, then serves until interrupted.
PORT ?= 8547
node: build evm
	@echo "node: compiling the node (revm, wasmi, jsonrpsee); minutes the first time"
	cargo build --locked -p dev-node
	cargo run --locked --quiet -p dev-node -- --port $(PORT) --artifacts target

## The game session as a dApp plays it through a real bundler (docs/bundlers.md): a fresh
## local node, Alto from npm, viem + permissionless (packages/bundler-demo); every outcome
## asserted. Part of `make test` unless SKIP_BUNDLER_DEMO=1.
BUNDLER_DEMO := packages/bundler-demo
$(BUNDLER_DEMO)/node_modules/.package-lock.json: $(BUNDLER_DEMO)/package-lock.json
	cd $(BUNDLER_DEMO) && npm ci --no-audit --no-fund --loglevel=error --legacy-peer-deps

bundler-demo: build evm ts $(BUNDLER_DEMO)/node_modules/.package-lock.json
	cargo build --locked -p dev-node
	scripts/with-node.sh npm --prefix $(BUNDLER_DEMO) run --silent demo

bundler-demo-skipped:
	@echo "bundler demo: SKIPPED (SKIP_BUNDLER_DEMO=1)"

## cargo-stylus (crates.io, into target/tools; ~20 minutes of compiling the first time)
## deploys, activates and cache-bids the module on a fresh local node through
## scripts/deploy.sh, then the bundler demo runs against the module it deployed. CI runs it
## after `make test`.
CARGO_STYLUS_VERSION := $(shell sed -n 's/^CARGO_STYLUS_VERSION=//p' scripts/deploy.sh)
CARGO_STYLUS_BIN := target/tools/cargo-stylus-$(CARGO_STYLUS_VERSION)/bin/cargo-stylus
$(CARGO_STYLUS_BIN):
	cargo install --locked cargo-stylus --version $(CARGO_STYLUS_VERSION) --root $(patsubst %/bin/cargo-stylus,%,$@)

deploy-local: build evm ts $(BUNDLER_DEMO)/node_modules/.package-lock.json $(CARGO_STYLUS_BIN)
	cargo build --locked -p dev-node
	CARGO_STYLUS="$(CURDIR)/$(CARGO_STYLUS_BIN) stylus" scripts/with-node.sh scripts/deploy-local.sh

## Gas and size table (validateUserOp USE/ENABLE, handleOps, entry, artifact), printed and
## written to reports/bench.md. Deterministic: the same commit gives the same table.
bench: build evm
	mkdir -p reports
	@echo "bench: compiling the in-process chain (revm, wasmi) and the bench; minutes the first time"
	cargo build --locked --example bench
	cargo run --locked --quiet --example bench -- reports/bench.md reports/bench.json

## Arbitrum deployment with cargo-stylus (docs/deploying.md); settings from the
## environment (STYLUS_RPC_URL, STYLUS_PRIVATE_KEY, ...). No `build` prerequisite: the script
## refuses missing settings first, then builds (check, deploy; deploy then runs `make validator`
## for the manager and the executor it deployed), so a missing key builds nothing.
deploy-check:
	scripts/deploy.sh check

deploy activate cache-bid:
	scripts/deploy.sh $@

lint: setup
	cargo fmt --all -- --check
	cargo clippy --locked --workspace --all-targets -- -D warnings

## All tests (tests/artifact.rs and tests/e2e.rs run the artifacts `build` and `evm` wrote),
## closing with one
## `N passed, N failed` line over every test binary.
unit: build evm
	mkdir -p target
	cargo test --locked --workspace 2>&1 | tee target/unit-tests.log
	@awk '/^test result:/ { passed += $$4; failed += $$6 } \
	  END { printf "tests: %d passed, %d failed\n", passed, failed; exit (failed > 0 || passed == 0) }' \
	  target/unit-tests.log

$(WASM_BINDGEN):
	cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --root $(patsubst %/bin/wasm-bindgen,%,$@)

$(TS_PACKAGE)/node_modules/.package-lock.json: $(TS_PACKAGE)/package-lock.json
	cd $(TS_PACKAGE) && npm ci --no-audit --no-fund --loglevel=error

## The TypeScript package: crates/smart-session-wasm for wasm32, bound for Node (CommonJS and
## .d.ts in packages/smart-sessions/wasm/), the typed API compiled, then its tests (node --test),
## which check the results against viem and against the native CLI (built here, debug).
ts: setup $(WASM_BINDGEN) $(TS_PACKAGE)/node_modules/.package-lock.json
	cargo build --locked --release --target wasm32-unknown-unknown -p smart-session-wasm
	$(WASM_BINDGEN) --target nodejs --out-dir $(TS_PACKAGE)/wasm $(TS_WASM)
	@echo "ts: $$(wc -c < $(TS_PACKAGE)/wasm/smart_session_wasm_bg.wasm) B of WebAssembly"
	cargo build --locked -p smart-session --bin smart-session
	cd $(TS_PACKAGE) && SMART_SESSION_CLI=$(CURDIR)/target/debug/smart-session npm test 2>&1 \
	  | tee $(CURDIR)/target/ts-tests.log
	@awk '/^# pass / { passed = $$3 } /^# fail / { failed = $$3 } \
	  END { printf "ts tests: %d passed, %d failed\n", passed, failed; exit (failed > 0 || passed == 0) }' \
	  target/ts-tests.log

## Everything `make test` checks: format, lints, the size budget, all tests (abi/ freshness
## included), the TypeScript package's, the bundler demo; closing with one `N passed, N
## failed` line over the Rust and the TypeScript tests. (CI then runs `make deploy-local`.)
test: lint build unit ts $(if $(filter 1,$(SKIP_BUNDLER_DEMO)),bundler-demo-skipped,bundler-demo)
	@awk '/^test result:/ { passed += $$4; failed += $$6 } /^# pass / { passed += $$3 } \
	  /^# fail / { failed += $$3 } \
	  END { printf "tests: %d passed, %d failed\n", passed, failed; exit (failed > 0 || passed == 0) }' \
	  target/unit-tests.log target/ts-tests.log
