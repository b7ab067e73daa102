# Stylus Smart Sessions. `make demo` runs the game session end to end; `make test` runs every check.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
WASM := target/wasm32-unknown-unknown/release/stylus_smart_sessions.wasm
CODE := target/stylus_smart_sessions.code

.PHONY: setup build abi demo test lint unit

setup:
	@scripts/setup.sh >/dev/null 2>&1 || scripts/setup.sh

## The deployable module, and its size against the Stylus limit (fails over the 20% headroom budget).
build: setup
	cargo build --locked --release --target wasm32-unknown-unknown --lib
	cargo run --locked --quiet -p stylus-artifact -- $(WASM) --out $(CODE) --headroom 20

## abi/: the Solidity interface and JSON ABI, printed from src/interface.rs.
abi: setup
	cargo run --locked --quiet --bin export-abi -- abi

## The 2-hour game session, narrated step by step.
demo: build
	cargo run --locked --quiet --example game_session

lint: setup
	cargo fmt --all -- --check
	cargo clippy --locked --workspace --all-targets -- -D warnings

## All tests, closing with one `N passed, N failed` line over every test binary.
unit: setup
	mkdir -p target
	cargo test --locked --workspace 2>&1 | tee target/unit-tests.log
	@awk '/^test result:/ { passed += $$4; failed += $$6 } \
	  END { printf "tests: %d passed, %d failed\n", passed, failed; exit (failed > 0 || passed == 0) }' \
	  target/unit-tests.log

## Everything CI runs: format, lints, the size budget, all tests (abi/ freshness included).
test: lint build unit
