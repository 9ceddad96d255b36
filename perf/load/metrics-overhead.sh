#!/usr/bin/env bash
# What /metrics costs a request: the generate scenario against one binary with Metrics=true and
# Metrics=false, alternating ROUNDS times each in one run (this machine is shared, so only
# figures from the same run compare), medians of req/s and server CPU per request.
#
#   perf/load/metrics-overhead.sh PATH/TO/otpfast      (ROUNDS=3 DURATION=10 by default)
#
# Server on core 0, wrk on core 1, as run.sh; only 127.0.0.1, every run bounded by DURATION.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:?usage: perf/load/metrics-overhead.sh PATH/TO/otpfast}
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} WARMUP=3 CONNECTIONS=64
WORK=$(mktemp -d /tmp/otpfast-metrics.XXXXXX)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(( 30000 + RANDOM % 20000 ))
URL="http://127.0.0.1:$PORT"
# LOAD_, not OTPFAST_: the server inherits these and refuses an OTPFAST_ variable that is no setting.
export LOAD_KEY LOAD_REPORT="$PWD/perf/load/scenarios/_report.lua"
LOAD_KEY=$("$BIN" accounts add load --rate unlimited --data-dir "$WORK/data" | tail -n 1)
TICKS_PER_SECOND=$(getconf CLK_TCK)

: >"$WORK/raw.txt"
for round in $(seq 1 "$ROUNDS"); do
  for metrics in true false; do
    taskset -c 0 "$BIN" --data-dir "$WORK/data" --urls "$URL" --Metrics "$metrics" --Logging:LogLevel:Default=Warning >"$WORK/server.log" 2>&1 &
    PID=$!
    for _ in $(seq 1 200); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.05; done
    taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" -s perf/load/scenarios/generate.lua "$URL" >/dev/null
    ticks=$(awk '{ print $14 + $15 }' "/proc/$PID/stat")
    result=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s -s perf/load/scenarios/generate.lua "$URL" | awk '/^RESULT/ { print $2, $4, $6 + $7 + $8 }')
    ticks=$(( $(awk '{ print $14 + $15 }' "/proc/$PID/stat") - ticks ))
    [ "$metrics" = true ] && curl -s "$URL/metrics" | grep '^otpfast_request_duration_seconds_count{endpoint="requestOneTimeCode"}' >&2
    kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
    read -r rps p99 errors <<<"$result"
    cpu_us=$(awk -v t="$ticks" -v hz="$TICKS_PER_SECOND" -v r="$rps" -v d="$DURATION" 'BEGIN { printf "%.2f", (t / hz) * 1e6 / (r * d) }')
    echo "round $round metrics=$metrics req/s $rps p99 ${p99} ms errors $errors cpu_us/req $cpu_us" | tee -a "$WORK/raw.txt"
  done
done
python3 - "$WORK/raw.txt" <<'PY'
import statistics, sys
rows = {"true": [], "false": []}
for line in open(sys.argv[1]):
    f = line.split()
    rows[f[2].split("=")[1]].append((float(f[4]), float(f[11])))
on, off = (statistics.median(r[0] for r in rows[k]) for k in ("true", "false"))
cpu_on, cpu_off = (statistics.median(r[1] for r in rows[k]) for k in ("true", "false"))
print(f"median req/s: metrics on {on:.0f}, off {off:.0f}, on/off {on / off:.3f}; server CPU us/req on {cpu_on:.2f}, off {cpu_off:.2f}")
PY
