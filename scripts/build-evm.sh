#!/usr/bin/env bash
# Builds the Solidity counterparts of the end-to-end tests (EntryPoint v0.7, OpenZeppelin's
# AccountERC7579, the test contracts in tests/evm/contracts) into target/evm/out, with forge
# and solc-js from npm. forge runs offline: it cannot download a native solc here.
set -euo pipefail
cd "$(dirname "$0")/../tests/evm"
# Installed again whenever the lock file is newer than what npm installed last (a package
# added since: cast for the node's tests, solady), not only when forge is missing.
if [ ! -x node_modules/@foundry-rs/forge-linux-amd64/bin/forge ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# The native binary: the npm launcher exits 0 even when forge fails.
FOUNDRY_SOLC="$PWD/solc.cjs" FOUNDRY_LINT_LINT_ON_BUILD=false \
  node_modules/@foundry-rs/forge-linux-amd64/bin/forge build --quiet

# Rhinestone's SmartSession module, as deployed bytecode in @rhinestone/modulekit (GPL-3.0: run
# by `make bench` beside this module, never committed). `npm pack` fetches the tarball alone:
# `npm install` of the package tries to reach GitHub for its dependencies.
MODULEKIT=../../target/evm/modulekit
if [ ! -f "$MODULEKIT/package/src/deployment/precompiles/SmartSessionsPrecompiles.sol" ]; then
  mkdir -p "$MODULEKIT"
  npm pack @rhinestone/modulekit@0.5.9 --pack-destination "$MODULEKIT" --loglevel=error >/dev/null
  tar xzf "$MODULEKIT/rhinestone-modulekit-0.5.9.tgz" -C "$MODULEKIT"
fi
