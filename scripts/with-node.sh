#!/usr/bin/env bash
# Runs a command against a fresh local node: dev-node (built by the caller) on a free port, its
# URL in NODE_URL; the node stops when the command ends, whatever its outcome.
set -euo pipefail
cd "$(dirname "$0")/.."
node_bin=${DEV_NODE:-target/debug/dev-node}
[ -x "$node_bin" ] || { echo "error: $node_bin is missing: cargo build -p dev-node" >&2; exit 1; }
log=$(mktemp)
"$node_bin" --port 0 --artifacts target >"$log" 2>&1 &
node=$!
trap 'kill "$node" 2>/dev/null || true; rm -f "$log"' EXIT
url=
for _ in $(seq 600); do
  url=$(sed -n 's/^listening on //p' "$log")
  [ -n "$url" ] && break
  if ! kill -0 "$node" 2>/dev/null; then
    cat "$log" >&2
    echo "error: the node stopped before it listened" >&2
    exit 1
  fi
  sleep 0.1
done
[ -n "$url" ] || { echo "error: the node did not listen within a minute" >&2; exit 1; }
echo "node: $url" >&2
NODE_URL=$url "$@"
