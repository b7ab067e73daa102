#!/usr/bin/env bash
# Checks, deploys, activates and cache-bids the module's three programs (src/programs.rs) on an
# Arbitrum chain with cargo-stylus: deploy puts the manager and the executor first, then the
# validator built for their addresses.
# Settings come from the environment only, and a missing or malformed one is refused (exit 2)
# before anything is built or installed. stdout is a fixed `key: value` summary; cargo-stylus's
# own output goes to stderr. docs/deploying.md has the chains and an example.
set -euo pipefail
cd "$(dirname "$0")/.."

# The flags passed and the lines parsed below are this release's (stylus-sdk-rs:
# cargo-stylus/src/commands, stylus-tools/src/core/{deployment,activation,cache}.rs).
CARGO_STYLUS_VERSION=0.10.10
VALIDATOR_WASM=target/stylus_smart_sessions.opt.wasm
MANAGER_WASM=target/stylus_smart_sessions_manager.opt.wasm
EXECUTOR_WASM=target/stylus_smart_sessions_executor.opt.wasm
ABI=abi/ISmartSessions.json

usage() {
  cat >&2 <<'EOF'
usage: scripts/deploy.sh check|deploy|activate|cache-bid
  check      the three built programs' size and activation data fee on the chain (no key, no tx)
  deploy     deploy and activate the manager, then the executor, then the validator built for
             their addresses
  activate   activate STYLUS_CONTRACT (deployed but not, or no longer, active); a program
             expires 365 days after its activation: keep all three activated
  cache-bid  bid STYLUS_CACHE_BID wei (default 0) to cache STYLUS_CONTRACT in ArbOS; the
             validator first (every UserOperation's hot path), then the others
environment: STYLUS_RPC_URL (always), STYLUS_PRIVATE_KEY (deploy, activate, cache-bid),
  STYLUS_CONTRACT (activate, cache-bid), STYLUS_MANAGER and STYLUS_EXECUTOR (deploy: that
  program deployed before, not deployed again), STYLUS_CACHE_BID, STYLUS_MAX_FEE_GWEI (deploy,
  cache-bid), SKIP_BUILD=1 (no make build: what target/ holds), CARGO_STYLUS (default: cargo
  stylus)
EOF
  exit "${1:-2}"
}
refuse() {
  echo "error: $*" >&2
  exit 2
}

[ $# -eq 1 ] || usage
cmd=$1
case $cmd in
  check | deploy | activate | cache-bid) ;;
  -h | --help) usage 0 ;;
  *) usage ;;
esac

# Values are never echoed back: an RPC URL may carry an API key.
url=${STYLUS_RPC_URL:-}
[ -n "$url" ] || refuse "STYLUS_RPC_URL is not set: the chain's RPC endpoint (Arbitrum Sepolia:" \
  "https://sepolia-rollup.arbitrum.io/rpc, Arbitrum One: https://arb1.arbitrum.io/rpc)"
[[ $url =~ ^https?://[^[:space:]]+$ ]] ||
  refuse "STYLUS_RPC_URL must start with http:// or https://"

key=
if [ "$cmd" != check ]; then
  key=${STYLUS_PRIVATE_KEY:-}
  [ -n "$key" ] || refuse "STYLUS_PRIVATE_KEY is not set: the key that pays, 0x and 64 hex digits"
  [[ $key =~ ^0x[0-9a-fA-F]{64}$ ]] || refuse "STYLUS_PRIVATE_KEY must be 0x and 64 hex digits"
fi
# Neither the build nor cargo-stylus inherits the key: it reads it from a file.
unset STYLUS_PRIVATE_KEY

contract= bid=
if [ "$cmd" = activate ] || [ "$cmd" = cache-bid ]; then
  contract=${STYLUS_CONTRACT:-}
  [ -n "$contract" ] ||
    refuse "STYLUS_CONTRACT is not set: a program's address, as deploy prints it"
  [[ $contract =~ ^0x[0-9a-fA-F]{40}$ ]] || refuse "STYLUS_CONTRACT must be 0x and 40 hex digits"
fi
manager= executor=
if [ "$cmd" = deploy ] && [ -n "${STYLUS_MANAGER:-}" ]; then
  manager=$STYLUS_MANAGER
  [[ $manager =~ ^0x[0-9a-fA-F]{40}$ ]] || refuse "STYLUS_MANAGER must be 0x and 40 hex digits"
fi
if [ "$cmd" = deploy ] && [ -n "${STYLUS_EXECUTOR:-}" ]; then
  executor=$STYLUS_EXECUTOR
  [[ $executor =~ ^0x[0-9a-fA-F]{40}$ ]] || refuse "STYLUS_EXECUTOR must be 0x and 40 hex digits"
fi
# One program at both addresses would route every executor call to the manager (or back).
[ -z "$manager" ] || [ "${manager,,}" != "${executor,,}" ] ||
  refuse "STYLUS_MANAGER and STYLUS_EXECUTOR must be two programs, not one address"
if [ "$cmd" = cache-bid ]; then
  bid=${STYLUS_CACHE_BID:-0}
  # At most 19 digits: cargo-stylus takes the bid as a u64.
  [[ $bid =~ ^[0-9]{1,19}$ ]] ||
    refuse "STYLUS_CACHE_BID must be a whole number of wei (at most 19 digits)"
fi
fee=()
if [ -n "${STYLUS_MAX_FEE_GWEI:-}" ] && { [ "$cmd" = deploy ] || [ "$cmd" = cache-bid ]; }; then
  [[ $STYLUS_MAX_FEE_GWEI =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
    refuse "STYLUS_MAX_FEE_GWEI must be a number of gwei"
  fee=(--max-fee-per-gas-gwei "$STYLUS_MAX_FEE_GWEI")
fi

if [ -n "${CARGO_STYLUS:-}" ]; then
  read -ra stylus <<<"$CARGO_STYLUS"
else
  stylus=(cargo stylus)
  if ! version=$(cargo stylus --version 2>/dev/null); then
    echo "installing cargo-stylus $CARGO_STYLUS_VERSION (several minutes of compiling)" >&2
    cargo install --locked cargo-stylus --version "$CARGO_STYLUS_VERSION" >&2
  elif [[ $version != *" $CARGO_STYLUS_VERSION" ]]; then
    echo "warning: found $version; this script reads cargo-stylus $CARGO_STYLUS_VERSION's" >&2
  fi
fi

# check and deploy act on exactly the wasm `make build` (for the validator deploy deploys:
# `make validator`) measured against its size budget (MAKE: the tests' stand-in).
need() {
  [ -f "$1" ] || {
    echo "error: $1 is missing: run make build" >&2
    exit 1
  }
}
# A deploy for a deployed manager and executor (STYLUS_MANAGER, STYLUS_EXECUTOR) builds only
# the validator, below.
if [ "$cmd" = check ] ||
  { [ "$cmd" = deploy ] && { [ -z "$manager" ] || [ -z "$executor" ]; }; }; then
  [ "${SKIP_BUILD:-}" = 1 ] || "${MAKE:-make}" build >&2 || exit 1
  [ -n "$manager" ] || need "$MANAGER_WASM"
  [ -n "$executor" ] || need "$EXECUTOR_WASM"
  [ "$cmd" = deploy ] || need "$VALIDATOR_WASM"
fi

# cargo-stylus 0.10 loads a Stylus workspace (a Stylus.toml beside Cargo.toml) even for
# --wasm-file, and `check` would also rebuild and check every contract of that workspace
# without wasm-opt. Run in an empty one, so it acts on the given artifact alone.
work=$(mktemp -d)
# A deploy that stops part way says in which step, where it left the programs it deployed
# (deployed: which, and where), and how to finish without deploying them again.
step= deployed=
finish() {
  local status=$?
  rm -rf "$work"
  [ "$status" != 0 ] && [ -n "$step" ] || return 0
  if [ -n "$deployed" ]; then
    echo "error: $step failed; $deployed" >&2
    if [ -n "$executor" ]; then
      echo "to deploy only the validator, for them:" \
        "STYLUS_MANAGER=$manager STYLUS_EXECUTOR=$executor scripts/deploy.sh deploy" >&2
    else
      echo "to deploy only the executor and the validator:" \
        "STYLUS_MANAGER=$manager scripts/deploy.sh deploy" >&2
    fi
  elif [ -z "$manager" ] || [ -z "$executor" ]; then
    echo "error: $step failed: the validator was neither built nor deployed" >&2
  else
    echo "error: $step failed" >&2
  fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
printf '[workspace]\nmembers = []\nresolver = "2"\n' >"$work/Cargo.toml"
printf '[workspace.networks]\n' >"$work/Stylus.toml"
cp rust-toolchain.toml "$work/"

auth=()
if [ -n "$key" ]; then
  # A file, mode 600 (mktemp's), removed on exit: `ps` would show --private-key's value.
  keyfile=$(mktemp "$work/key.XXXXXX")
  printf '%s\n' "$key" >"$keyfile"
  auth=(--private-key-path "$keyfile")
fi

plain=
run() {
  if ! (cd "$work" && "${stylus[@]}" "$@") 2>&1 | tee "$work/out" >&2; then
    echo "error: ${stylus[*]} $1 failed" >&2
    exit 1
  fi
  local esc=$'\e'
  plain=$(sed "s/$esc\[[0-9;]*m//g" "$work/out") # without its colours
}
# grab NAME REGEX: REGEX's group on the first line of the output that has it, else an error.
grab() {
  local value
  value=$(sed -nE "s/^.*$2.*\$/\\1/p" <<<"$plain" | sed -n 1p)
  if [ -z "$value" ]; then
    echo "error: no $1 in the output of ${stylus[*]}" \
      "(this script reads cargo-stylus $CARGO_STYLUS_VERSION's)" >&2
    exit 1
  fi
  echo "$value"
}
contains() { grep -qF "$1" <<<"$plain"; }

hex40='0x[0-9a-fA-F]{40}' hex64='[0-9a-fA-F]{64}'
# The activation's tx hash is printed quoted, without 0x.
activated="successfully activated contract $hex40 with tx"
cached="Successfully cached contract at address:"
# check_wasm NAME WASM: NAME's code size and data fee lines.
check_wasm() {
  run check --endpoint "$url" --wasm-file "$PWD/$2"
  local size data_fee="none (this code is already active on the chain)"
  size=$(grab "contract size" 'contract size: .*\(([0-9]+) bytes\)')
  if contains "wasm data fee:"; then
    data_fee="$(grab "data fee" 'wasm data fee: ([0-9.]+ ETH)')"
  fi
  printf '%s code size: %s bytes\n%s data fee: %s\n' "$1" "$size" "$1" "$data_fee"
}
# deploy_wasm NAME WASM: deploys and activates WASM, setting address and NAME's summary lines.
address= summary=
deploy_wasm() {
  # --no-verify: the reproducible mode rebuilds from source in Docker, not this artifact.
  # --verbose: the deployment's gas used is a debug line.
  run deploy --no-verify --verbose --endpoint "$url" "${auth[@]}" "${fee[@]}" \
    --wasm-file "$PWD/$2"
  local tx gas activation lines
  address=$(grab "deployed address" "deployed code at address: ($hex40)")
  tx=$(grab "deployment tx hash" "deployment tx hash: (0x$hex64)")
  gas=$(grab "deployment gas" 'gas used: ([0-9]+) gas')
  if contains "wasm already activated!"; then
    activation="none (this code was already active on the chain)"
  else
    activation=0x$(grab "activation tx hash" "$activated \"($hex64)\"")
  fi
  printf -v lines '%s deploy tx: %s\n%s deploy gas: %s\n%s activate tx: %s\n' \
    "$1" "$tx" "$1" "$gas" "$1" "$activation"
  summary+=$lines
}
# deployed_before NAME VARIABLE: NAME's summary lines for the program VARIABLE named.
deployed_before() {
  local lines
  printf -v lines '%s %s: none (deployed before: %s)\n' \
    "$1" "deploy tx" "$2" "$1" "deploy gas" "$2" "$1" "activate tx" "$2"
  summary+=$lines
}

case $cmd in
  check)
    check_wasm manager "$MANAGER_WASM"
    check_wasm executor "$EXECUTOR_WASM"
    check_wasm validator "$VALIDATOR_WASM"
    ;;
  deploy)
    if [ -z "$manager" ]; then
      step="deploying the manager"
      deploy_wasm manager "$MANAGER_WASM"
      manager=$address deployed="the manager is deployed at $address"
    else
      deployed_before manager STYLUS_MANAGER
    fi
    if [ -z "$executor" ]; then
      step="deploying the executor"
      deploy_wasm executor "$EXECUTOR_WASM"
      executor=$address
      if [ -n "$deployed" ]; then
        deployed+=" and the executor at $address"
      else
        deployed="the executor is deployed at $address"
      fi
    else
      deployed_before executor STYLUS_EXECUTOR
    fi
    # The validator delegatecalls both at the addresses compiled into it (src/programs.rs).
    step="building the validator for the manager and the executor (make validator)"
    "${MAKE:-make}" validator "SMART_SESSIONS_MANAGER=$manager" \
      "SMART_SESSIONS_EXECUTOR=$executor" >&2 || exit 1
    need "$VALIDATOR_WASM"
    step="deploying the validator"
    deploy_wasm validator "$VALIDATOR_WASM"
    step=
    printf 'address: %s\nmanager: %s\nexecutor: %s\n%sabi: %s\n' \
      "$address" "$manager" "$executor" "$summary" "$ABI"
    ;;
  activate)
    run activate --endpoint "$url" "${auth[@]}" --address "$contract"
    address=$(grab "activated address" "successfully activated contract ($hex40) with tx")
    tx=$(grab "activation tx hash" "$activated \"($hex64)\"")
    printf 'address: %s\nactivate tx: 0x%s\n' "$address" "$tx"
    ;;
  cache-bid)
    # --verbose: the bid's gas used is a debug line.
    run cache bid --verbose --endpoint "$url" "${auth[@]}" "${fee[@]}" "$contract" "$bid"
    address=$(grab "cached address" "$cached ($hex40)")
    gas=$(grab "cache bid gas" "$cached $hex40 with ([0-9]+) gas gas used")
    tx=$(grab "cache bid tx hash" "Sent Stylus cache bid tx with hash: (0x$hex64)")
    printf 'address: %s\ncache bid: %s wei\ncache bid tx: %s\ncache bid gas: %s\n' \
      "$address" "$bid" "$tx" "$gas"
    ;;
esac
