#!/usr/bin/env bash
# Settings or binaries side by side with the control: each target in turn on CPU 0 (from an
# empty data directory), wrk on CPU 1, ROUNDS interleaved rounds of SECS seconds per scenario;
# prints each round, then medians of req/s, p99 and server CPU per request and their ratios to
# the target labelled "control". Used for issue 12's one-change-at-a-time figures (README).
#
#   perf/load/compare.sh ROUNDS SECS "generate login" "LABEL|ENV=V ...|BINARY|SERVER ARGS" ...
#   e.g. perf/load/compare.sh 3 8 "generate store login hot" \
#          "control||bin/otpfast-baseline|" "pool||bin/otpfast|--InlineRequests false" "inline||bin/otpfast|"
#
# Only 127.0.0.1 is targeted, every wrk run is bounded by SECS.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=$1 SECS=$2 SCENS=$3; shift 3
WORK=$(mktemp -d /tmp/abx.XXXXXX)
PORT=$(( 30000 + RANDOM % 9000 )); URL="http://127.0.0.1:$PORT"
export LOAD_KEY LOAD_REPORT="$PWD/perf/load/scenarios/_report.lua" LOAD_SCENARIOS="$PWD/perf/load/scenarios"
FIRSTBIN=""
for spec in "$@"; do IFS='|' read -r l e b a <<<"$spec"; [ "$l" != control ] && FIRSTBIN=$b && break; done
LOAD_KEY=$("$FIRSTBIN" accounts add load --rate unlimited --data-dir "$WORK/data" | tail -n 1)
PID=""
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf $WORK' EXIT
TCK=$(getconf CLK_TCK)
for round in $(seq 1 "$ROUNDS"); do
  for scenario in $SCENS; do
    for spec in "$@"; do
      IFS='|' read -r label envs bin extra <<<"$spec"
      rm -f "$WORK"/data/pairs.snapshot "$WORK"/data/journal.*
      if [ "$label" = control ]; then
        env $envs taskset -c 0 "$bin" --urls "$URL" --Logging:LogLevel:Default=Warning >/dev/null 2>&1 &
      else
        env $envs taskset -c 0 "$bin" --data-dir "$WORK/data" --urls "$URL" --Logging:LogLevel:Default=Warning $extra >/dev/null 2>&1 &
      fi
      PID=$!
      for _ in $(seq 1 200); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.05; done
      taskset -c 1 wrk -t1 -c${CONNS:-64} -d2s -s perf/load/scenarios/$scenario.lua "$URL" >/dev/null
      t0=$(awk '{ print $14 + $15 }' /proc/$PID/stat)
      r=$(taskset -c 1 wrk -t1 -c${CONNS:-64} -d${SECS}s --timeout 5s -s perf/load/scenarios/$scenario.lua "$URL" | awk '/^RESULT/ { print $2, $4 }')
      t1=$(awk '{ print $14 + $15 }' /proc/$PID/stat)
      rps=${r%% *}
      cpu=$(python3 -c "print(f'{($t1-$t0)/$TCK*1e6/max(1,float($rps)*$SECS):.2f}')")
      echo "$round $scenario $label $r $cpu"
      kill $PID; wait $PID 2>/dev/null || true; PID=""
    done
  done
done | tee "$WORK/raw"
python3 - "$WORK/raw" <<'PY'
import statistics, sys
rows = {}
order = []
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 6: continue
    k = (f[1], f[2])
    if k not in rows: order.append(k)
    rows.setdefault(k, []).append([float(x) for x in f[3:6]])
med = {k: [statistics.median(c) for c in zip(*v)] for k, v in rows.items()}
print("scenario label req/s p99ms cpu_us/req | vs control: req/s p99 cpu")
for (s, l) in order:
    m = med[(s, l)]; c = med.get((s, "control"))
    rel = f"{m[0]/c[0]:.2f}x {m[1]/c[1]:.2f}x {m[2]/c[2]:.2f}x" if c else ""
    print(f"{s:9} {l:22} {m[0]:9.0f} {m[1]:6.2f} {m[2]:6.2f} | {rel}")
PY
