#!/usr/bin/env bash
# Side-by-side load run: OtpFast and the control (perf/OtpFast.Baseline), both Native AOT, each
# pinned to core 0 with wrk pinned to core 1, every scenario against both in the same run.
#
#   perf/load/run.sh            full mode: 15 s per scenario, 64 connections (the README table)
#   perf/load/run.sh --short    short mode: 3 s per scenario (CI reports it, does not gate)
#   perf/load/run.sh --soak [SECONDS]   the login flow at a fixed ~8,000 req/s for SECONDS
#                               (default 600): zero errors, RSS after warm-up grows at most 10%
#
# BIN_DIR=dir with otpfast and otpfast-baseline already published skips the publish step.
# Only 127.0.0.1 is ever targeted; every wrk run is bounded by its duration.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
MODE=full DURATION=15 WARMUP=3 CONNECTIONS=64 STARTUP_RUNS=9
if [ "${1:-}" = "--short" ]; then MODE=short DURATION=3 WARMUP=1 STARTUP_RUNS=3; fi
if [ "${1:-}" = "--soak" ]; then MODE=soak DURATION=${2:-600}; fi
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v taskset >/dev/null || { echo "taskset (util-linux) is needed" >&2; exit 1; }

WORK=$(mktemp -d /tmp/otpfast-load.XXXXXX)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

if [ -z "${BIN_DIR:-}" ]; then
  BIN_DIR="$WORK/bin"
  dotnet publish src/OtpFast.Server -c Release -r linux-x64 -o "$BIN_DIR" >"$WORK/publish.log" 2>&1 || { cat "$WORK/publish.log"; exit 1; }
  dotnet publish perf/OtpFast.Baseline -c Release -r linux-x64 -o "$BIN_DIR" >>"$WORK/publish.log" 2>&1 || { cat "$WORK/publish.log"; exit 1; }
fi
SERVER="$BIN_DIR/otpfast"
BASELINE="$BIN_DIR/otpfast-baseline"
PORT=$(( 30000 + RANDOM % 20000 ))
URL="http://127.0.0.1:$PORT"
DATA="$WORK/data"
export OTPFAST_KEY
OTPFAST_KEY=$("$SERVER" accounts add load --rate unlimited --data-dir "$DATA" | tail -n 1)
export OTPFAST_REPORT="$ROOT/perf/load/scenarios/_report.lua"
export OTPFAST_SCENARIOS="$ROOT/perf/load/scenarios"

rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }  # user + system clock ticks of the server
TICKS_PER_SECOND=$(getconf CLK_TCK)

start() { # target
  local cmd
  if [ "$1" = otpfast ]; then cmd=("$SERVER" --data-dir "$DATA" --urls "$URL" --Logging:LogLevel:Default=Warning)
  else cmd=("$BASELINE" --urls "$URL" --Logging:LogLevel:Default=Warning); fi
  taskset -c "$SERVER_CPU" "${cmd[@]}" >"$WORK/$1.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 200); do curl -sf "$URL/healthz" >/dev/null && return 0; sleep 0.05; done
  echo "$1 did not start" >&2; cat "$WORK/$1.log" >&2; exit 1
}

stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }

run_wrk() { # scenario seconds
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${2}s" --timeout 5s -s "perf/load/scenarios/$1.lua" "$URL" | awk '/^RESULT/ { $1 = ""; print substr($0, 2) }'
}

if [ "$MODE" = soak ]; then
  # A third of the run: a first 600 s soak showed RSS reaching its plateau at ~135 s (the
  # store at its steady size after the first 60 s expiries, then the GC heap settling).
  SOAK_WARMUP=$(( DURATION / 3 ))
  start otpfast
  taskset -c "$LOAD_CPU" wrk -t1 -c16 -d"${DURATION}s" --timeout 5s -s perf/load/scenarios/soak.lua "$URL" >"$WORK/soak.out" &
  WRK=$!
  : >"$WORK/rss.txt"
  elapsed=0
  while kill -0 "$WRK" 2>/dev/null; do
    echo "$elapsed $(rss_mb "$PID")" >>"$WORK/rss.txt"
    sleep 5
    elapsed=$((elapsed + 5))
  done
  wait "$WRK" || true
  stop
  read -r rps p50 p99 p999 non2xx sockerr apierr < <(awk '/^RESULT/ { $1 = ""; print substr($0, 2) }' "$WORK/soak.out")
  read -r at_warmup max_after final < <(awk -v w="$SOAK_WARMUP" '
    $1 <= w { warm = $2 }
    $1 > w { if ($2 > max) max = $2; last = $2 }
    END { printf "%s %s %s\n", warm, max, last }' "$WORK/rss.txt")
  growth=$(awk -v a="$at_warmup" -v m="$max_after" 'BEGIN { printf "%.1f", (m - a) * 100 / a }')
  echo
  echo "OtpFast soak: login flow for ${DURATION}s (warm-up ${SOAK_WARMUP}s), 16 connections pacing 2 ms, server on CPU $SERVER_CPU"
  echo
  echo "| requests/s | p50 ms | p99 ms | p99.9 ms | non-2xx | socket errors | API errors | RSS at end of warm-up MB | max RSS after MB | final RSS MB | growth |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  printf '| %.0f | %.2f | %.2f | %.2f | %d | %d | %d | %s | %s | %s | %s%% |\n' "$rps" "$p50" "$p99" "$p999" "$non2xx" "$sockerr" "$apierr" "$at_warmup" "$max_after" "$final" "$growth"
  echo
  echo "RSS samples (seconds, MB): $(tr '\n' ' ' <"$WORK/rss.txt")"
  errors=$((non2xx + sockerr + apierr))
  if [ "$errors" -eq 0 ] && awk -v g="$growth" 'BEGIN { exit !(g <= 10) }'; then echo "soak: PASS (zero errors, growth ${growth}% <= 10%)"; exit 0; fi
  echo "soak: FAIL ($errors errors, growth ${growth}%)"; exit 1
fi

declare -A STARTUP IDLE
for target in baseline otpfast; do
  bin=$SERVER; args=(--data-dir "$DATA" --urls "$URL")
  [ "$target" = baseline ] && { bin=$BASELINE; args=(--urls "$URL"); }
  STARTUP[$target]=$(taskset -c "$SERVER_CPU" python3 perf/load/startup.py "$STARTUP_RUNS" "$PORT" "$OTPFAST_KEY" -- "$bin" "${args[@]}" | awk '{ print $2 }')
  start "$target"; sleep 1; IDLE[$target]=$(rss_mb "$PID"); stop
done

SCENARIOS=(generate store login hot)
RESULTS="$WORK/results.txt"
: >"$RESULTS"
for scenario in "${SCENARIOS[@]}"; do
  for target in baseline otpfast; do
    start "$target"
    run_wrk "$scenario" "$WARMUP" >/dev/null
    before=$(rss_mb "$PID")
    ticks_before=$(cpu_ticks "$PID")
    result=$(run_wrk "$scenario" "$DURATION")
    ticks=$(( $(cpu_ticks "$PID") - ticks_before ))
    after=$(rss_mb "$PID")
    stop
    # Server CPU microseconds per request: less sensitive to a noisy neighbour than req/s.
    cpu_us=$(awk -v t="$ticks" -v hz="$TICKS_PER_SECOND" -v r="$(echo "$result" | awk '{ print $1 }')" -v d="$DURATION" 'BEGIN { printf "%.2f", (t / hz) * 1e6 / (r * d) }')
    echo "$scenario $target $result $before $after $cpu_us" >>"$RESULTS"
  done
done

echo
echo "OtpFast load run ($MODE mode): ${DURATION}s per scenario, $CONNECTIONS connections, wrk -t1 on CPU $LOAD_CPU, server on CPU $SERVER_CPU"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo
printf '| scenario | target | req/s | p50 ms | p99 ms | p99.9 ms | non-2xx | socket errors | API errors | req/s vs control | p99 vs control | server CPU us/req | RSS before MB | RSS after MB |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
awk '
  $2 == "baseline" { rps[$1] = $3; p99[$1] = $5 }
  { ratio = (rps[$1] > 0) ? sprintf("%.2fx", $3 / rps[$1]) : "-";
    pr = (p99[$1] > 0) ? sprintf("%.2fx", $5 / p99[$1]) : "-";
    printf "| %s | %s | %.0f | %.2f | %.2f | %.2f | %d | %d | %d | %s | %s | %s | %s | %s |\n", $1, ($2 == "baseline" ? "control" : "otpfast"), $3, $4, $5, $6, $7, $8, $9, ratio, pr, $12, $10, $11 }
' "$RESULTS"
echo
printf '| target | binary MB | startup to first answer, median ms | idle RSS MB |\n|---|---|---|---|\n'
for target in baseline otpfast; do
  bin=$SERVER; [ "$target" = baseline ] && bin=$BASELINE
  printf '| %s | %.1f | %s | %s |\n' "$([ "$target" = baseline ] && echo control || echo otpfast)" "$(awk -v s="$(stat -c %s "$bin")" 'BEGIN { print s / 1048576 }')" "${STARTUP[$target]}" "${IDLE[$target]}"
done
