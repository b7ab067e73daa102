#!/usr/bin/env bash
# cargo-stylus against the local node, as against Arbitrum: scripts/deploy.sh deploys and
# activates the three programs (the validator built for the others' addresses) and cache-bids
# the validator; then the bundler demo plays the game session against the module it deployed.
# Run by `make deploy-local` under scripts/with-node.sh (NODE_URL set).
set -euo pipefail
cd "$(dirname "$0")/.."
# deploy.sh builds the validator for the addresses it deployed the others at, in place of the
# one the tests and `make node` use (built for the in-process chains' addresses): rebuild that
# one when done, whatever happened.
trap '"${MAKE:-make}" validator >/dev/null' EXIT
# The node's dev key 4: funded, and none of the bundler demo's keys.
key=0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a
out=$(STYLUS_RPC_URL=$NODE_URL STYLUS_PRIVATE_KEY=$key SKIP_BUILD=1 scripts/deploy.sh deploy)
echo "$out"
module=$(sed -n 's/^address: //p' <<<"$out")
[[ $module =~ ^0x[0-9a-fA-F]{40}$ ]] || { echo "error: no deployed address in deploy's summary" >&2; exit 1; }
STYLUS_RPC_URL=$NODE_URL STYLUS_PRIVATE_KEY=$key STYLUS_CONTRACT=$module scripts/deploy.sh cache-bid
MODULE=$module npm --prefix packages/bundler-demo run --silent demo
