#!/usr/bin/env bash
# Installs the pinned toolchain, its components and the wasm target. rustup's auto-install may
# be off (RUSTUP_AUTO_INSTALL=0), so rust-toolchain.toml alone installs nothing. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
if ! command -v rustup >/dev/null; then
  echo "error: rustup is required (https://rustup.rs); it installs the pinned toolchain $toolchain" >&2
  exit 1
fi
rustup toolchain install "$toolchain" --profile minimal --component rustfmt,clippy --no-self-update
rustup target add wasm32-unknown-unknown --toolchain "$toolchain"
