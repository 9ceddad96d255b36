#!/usr/bin/env bash
# What WAIT costs (issue 10): the login flow on one OtpFast node with Store=redis, on the Redis
# Cluster (every master has a replica, so each consume that answers true waits for WAIT 1) and
# on the standalone Redis (no replica, no WAIT), same binary, same client: p50/p99 of verify and
# of request, 1 connection (latency alone) and 8 connections (under load). Reports, never gates.
#
#   perf/load/wait-cost.sh PATH/TO/otpfast [STORES_DIR]
#
# STORES_DIR: stores started by .ci/stores.sh (used as they are; the cluster must still have its
# replicas); without it the stores are started in a temp dir and stopped at the end.
# Only 127.0.0.1; the servers are stopped by PID; each measurement is bounded (SECONDS, 10 s).
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:?usage: $0 PATH/TO/otpfast [STORES_DIR]}
SECS=${SECONDS_EACH:-10}
WORK=$(mktemp -d /tmp/otpfast-waitcost.XXXXXX)
STORES=${2:-}
OWN=""
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [ -n "$OWN" ] && bash .ci/stores.sh stop "$OWN"
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ -z "$STORES" ]; then
  STORES="$WORK/stores"
  bash .ci/stores.sh start "$STORES" >/dev/null && OWN=$STORES || exit 1
fi
source "$STORES/env"
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
KEY=$("$BIN" accounts add waitcost --rate unlimited --data-dir "$WORK/data" | tail -n 1)
for store in cluster standalone; do
  redis=$TEST_REDIS_CLUSTER; [ "$store" = standalone ] && redis=$TEST_REDIS_STANDALONE
  mkdir -p "$WORK/$store" && cp "$WORK/data/accounts.json" "$WORK/$store/"
  p=$(port)
  "$BIN" --data-dir "$WORK/$store" --urls "http://127.0.0.1:$p" --store redis --redis "$redis" >"$WORK/$store.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 200); do [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/readyz")" = 200 ] && break; sleep 0.05; done
  for threads in 1 8; do
    echo "wait-cost: $store ($([ "$store" = cluster ] && echo 'WAIT 1 on every consume' || echo 'no replica, no WAIT')), $threads connection(s): $(python3 .ci/cluster_client.py latency --port "$p" --key "$KEY" --seconds "$SECS" --threads "$threads")"
  done
done
