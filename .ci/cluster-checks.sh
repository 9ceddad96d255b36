# shellcheck shell=bash
# Cluster checks for the shared store (issue 10) against the native binary: two OtpFast nodes,
# A and B, with --store redis on the 3-master + 3-replica Redis Cluster that .ci/stores.sh started.
# Sourced by .ci/run right after the AOT publish (the stores still running), so it shares check()
# and the pass/fail counters; needs BIN (the native binary), WORK (a scratch directory), STORES
# (the stores' work directory: env and cluster-nodes) and TEST_REDIS_CLUSTER.
# .ci/cluster-checks-only runs it alone.
#
#   a) two-nodes-login-flow-request-on-a-verify-on-b: 20 s of request-on-A, verify-on-B from a
#      threaded client (wrk speaks to one host a run): 0 unknown, 0 mismatches, 0 errors, and
#      thousands of flows. Transaction ids of both nodes are collected: a repeat fails the check
#      unless both nodes carry the same node id (the default NodeId 0 on both, until node ids are
#      leased from the store), then it is reported on a `ci: REPORT` line and not gated.
#   b) killed-node-pairs-verify-on-the-other: 200 pairs issued on A, kill -9 A, all 200 verify
#      true on B.
#   c) failover-no-wrong-answers-and-back-within-10s: pairs consumed and pairs left unconsumed on
#      B, then a request+verify hammer on B, kill -9 of one cluster master: every answer is right
#      or a 503 (HTTP 200, body code 503, docs/API.md), never a connection error or another HTTP
#      status, never a wrong verify; all requests succeed again within 10 s of the kill; the
#      consumed pairs answer used, the unconsumed true once. The killed master stays dead.
#
# Every server listens on a free port of 127.0.0.1 and is stopped by PID; every wait is bounded.
# A precondition that does not hold is a FAIL, never a silent skip. About 45-60 s in all.

CL_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CL_CLIENT="$CL_HERE/cluster_client.py"
CL_WORK="$WORK/cluster"
CL_A=""
CL_B=""
CL_BEGAN=$SECONDS
mkdir -p "$CL_WORK"

cl_say() { echo "cluster: $*"; }

cl_cleanup() {
  local pid
  for pid in "$CL_A" "$CL_B"; do
    [ -n "$pid" ] && { kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
  done
  CL_A="" CL_B=""
}
trap 'cl_cleanup; if declare -F cleanup >/dev/null; then cleanup; fi' EXIT
trap 'exit 130' INT TERM

cl_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

cl_start() { # name data port -> the PID on stdout's variable CL_STARTED; waits (at most 30 s) for /readyz 200
  local name=$1 data=$2 port=$3 pid
  env --default-signal=INT "$BIN" --data-dir "$data" --urls "http://127.0.0.1:$port" \
    --store redis --redis "$TEST_REDIS_CLUSTER" >>"$CL_WORK/$name.log" 2>&1 &
  pid=$!
  CL_STARTED=$pid
  local deadline=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/readyz")" = 200 ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  cl_say "node $name (PID $pid) not ready on $port; /readyz: $(curl -s --max-time 2 "http://127.0.0.1:$port/readyz"); last lines of its log:"
  tail -n 20 "$CL_WORK/$name.log" | sed 's/^/cluster:   /'
  return 1
}

cl_kill9() { # PID variable name: kill -9 and reap
  local pid=${!1}
  [ -n "$pid" ] || return 0
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  printf -v "$1" '%s' ""
}

cl_stop() { # PID variable name: TERM, at most 10 s, then kill -9
  local pid=${!1}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  local deadline=$((SECONDS + 10))
  while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  printf -v "$1" '%s' ""
}

# check NAME cmd..., and return cmd's status (to stop the section when a precondition failed)
cl_check() {
  local name=$1
  shift
  if "$@"; then check "$name" true; return 0; fi
  check "$name" false
  return 1
}

cl_line() { sed -n '$p' "$1"; } # the client's summary (its last stdout line)

cluster_checks() {
  cl_say "--- two OtpFast nodes on the Redis Cluster ${TEST_REDIS_CLUSTER:-(none)}"
  cl_check "cluster-stores-running" test -n "${TEST_REDIS_CLUSTER:-}" -a -s "${STORES:-/nonexistent}/cluster-nodes" || return

  # One account, the same accounts file on both nodes.
  local data_a="$CL_WORK/a" data_b="$CL_WORK/b" key port_a port_b
  key=$("$BIN" accounts add cluster --rate unlimited --data-dir "$data_a" | tail -n 1)
  mkdir -p "$data_b" && cp -p "$data_a/accounts.json" "$data_b/accounts.json"
  cl_check "cluster-account-on-both-nodes" bash -c "[[ '$key' =~ ^otpf_[a-z2-7]{32}$ ]] && cmp -s '$data_a/accounts.json' '$data_b/accounts.json'" || return
  port_a=$(cl_port)
  port_b=$(cl_port)
  while [ "$port_b" = "$port_a" ]; do port_b=$(cl_port); done
  cl_start a "$data_a" "$port_a" && CL_A=$CL_STARTED
  cl_start b "$data_b" "$port_b" && CL_B=$CL_STARTED
  cl_check "cluster-two-nodes-ready" test -n "$CL_A" -a -n "$CL_B" || { cl_cleanup; return; }
  cl_say "node A: PID $CL_A on $port_a; node B: PID $CL_B on $port_b"

  # a) request on A, verify on B, 20 s.
  local status line
  timeout 60 python3 "$CL_CLIENT" flow --a "$port_a" --b "$port_b" --key "$key" --seconds 20 --threads 8 --min-flows 2000 \
    >"$CL_WORK/flow.out" 2> >(sed 's/^/cluster:/' >&2)
  status=$?
  line=$(cl_line "$CL_WORK/flow.out")
  echo "ci: two-nodes-login-flow: $line"
  check "two-nodes-login-flow-request-on-a-verify-on-b" test "$status" -eq 0 -o "$status" -eq 2
  if [ "$status" -eq 2 ]; then
    echo "ci: REPORT two-nodes-transaction-ids-unique: not gated: transaction ids repeat across the nodes, which both carry the same node id (NodeId 0 by default; to be leased from the store) -- $(grep -o 'txids=[0-9]* txid_repeats=[0-9]* txid_repeats_across_nodes=[0-9]*' <<<"$line")"
  else
    check "two-nodes-transaction-ids-unique" test "$status" -eq 0
  fi

  # b) pairs issued on A verify on B after A is killed.
  timeout 60 python3 "$CL_CLIENT" issue --port "$port_a" --key "$key" --count 200 --out "$CL_WORK/a-pairs.json" \
    >"$CL_WORK/issue.out" 2> >(sed 's/^/cluster:/' >&2)
  status=$?
  cl_kill9 CL_A
  timeout 60 python3 "$CL_CLIENT" verify --port "$port_b" --key "$key" --pairs "$CL_WORK/a-pairs.json" --expect true \
    >"$CL_WORK/verify.out" 2> >(sed 's/^/cluster:/' >&2)
  local vstatus=$?
  echo "ci: killed-node-pairs: on A: $(cl_line "$CL_WORK/issue.out"); A killed (-9); on B: $(cl_line "$CL_WORK/verify.out")"
  check "killed-node-pairs-verify-on-the-other" test "$status" -eq 0 -a "$vstatus" -eq 0

  # c) kill -9 one cluster master while B is hammered.
  # A master as it says now (the file holds the roles at start), with its replica connected.
  local m_port="" m_pid="" p pid
  while read -r p _ pid _; do
    if redis-cli -p "$p" INFO replication 2>/dev/null | tr -d '\r' | grep -qx 'role:master' \
      && redis-cli -p "$p" INFO replication 2>/dev/null | tr -d '\r' | grep -qE '^connected_slaves:[1-9]'; then
      m_port=$p m_pid=$pid
      break
    fi
  done < "$STORES/cluster-nodes"
  cl_check "failover-has-a-master-with-a-replica" test -n "$m_pid" || { cl_stop CL_B; cl_cleanup; return; }
  cl_say "killing the master on $m_port (PID $m_pid); its replica: $(awk -v m="$m_port" '$4 == m { print $1 }' "$STORES/cluster-nodes")"
  timeout 60 python3 "$CL_CLIENT" failover --port "$port_b" --key "$key" --kill-pid "$m_pid" --kill-port "$m_port" \
    --pairs 150 --threads 6 --before 2 --limit-ms 10000 \
    >"$CL_WORK/failover.out" 2> >(sed 's/^/cluster:/' >&2)
  status=$?
  echo "ci: failover: $(cl_line "$CL_WORK/failover.out")"
  check "failover-no-wrong-answers-and-back-within-10s" test "$status" -eq 0
  # Reported, not gated: a 503 is meant to come within RedisTimeoutMilliseconds (1000 by default).
  local slow503
  slow503=$(grep -o 's503:[0-9]*' "$CL_WORK/failover.out" | cut -d: -f2)
  if [ -n "$slow503" ] && [ "$slow503" -gt 1100 ]; then
    echo "ci: REPORT failover-503-within-the-redis-timeout: not gated: the slowest 503 during the failover took $slow503 ms (RedisTimeoutMilliseconds 1000)"
  fi
  check "failover-node-logs-no-crash" bash -c "! grep -qE '^(crit|fail)|Unhandled|Exception' '$CL_WORK/b.log'" \
    || grep -E '^(crit|fail)|Unhandled|Exception' "$CL_WORK/b.log" | head -n 5 | sed 's/^/cluster:   /'

  cl_stop CL_B
  cl_cleanup
  cl_say "done in $((SECONDS - CL_BEGAN)) s"
}

cluster_checks
