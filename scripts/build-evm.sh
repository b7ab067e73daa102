#!/usr/bin/env bash
# Builds the Solidity counterparts of the end-to-end tests (EntryPoint v0.7, OpenZeppelin's
# AccountERC7579, the test contracts in tests/evm/contracts) into target/evm/out, with forge
# and solc-js from npm. forge runs offline: it cannot download a native solc here.
# Then fetches the other accounts' deployed bytecode (Nexus, Kernel, Safe7579 on Safe) and
# Rhinestone's SmartSession module (`make bench` runs it beside this one) from
# @rhinestone/modulekit into target/evm/modulekit: `npm pack`, since `npm install` of it hangs
# on its GitHub dependencies. It is GPL-3.0: the tests read it there, nothing of it is committed.
set -euo pipefail
MODULEKIT=rhinestone-modulekit-0.5.9
cd "$(dirname "$0")/.."
if [ ! -d "target/evm/modulekit/$MODULEKIT/src/deployment/precompiles" ]; then
  mkdir -p target/evm/modulekit
  rm -rf "target/evm/modulekit/$MODULEKIT"
  npm pack @rhinestone/modulekit@0.5.9 --pack-destination target/evm/modulekit \
    --loglevel=error >/dev/null
  mkdir "target/evm/modulekit/$MODULEKIT"
  tar xzf "target/evm/modulekit/$MODULEKIT.tgz" -C "target/evm/modulekit/$MODULEKIT" \
    --strip-components=1 package/src/deployment/precompiles package/package.json
fi
cd tests/evm
# Installed again whenever the lock file is newer than what npm installed last (a package
# added since: cast for the node's tests, solady), not only when forge is missing.
if [ ! -x node_modules/@foundry-rs/forge-linux-amd64/bin/forge ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# The native binary: the npm launcher exits 0 even when forge fails.
FOUNDRY_SOLC="$PWD/solc.cjs" FOUNDRY_LINT_LINT_ON_BUILD=false \
  node_modules/@foundry-rs/forge-linux-amd64/bin/forge build --quiet

