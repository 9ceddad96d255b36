#!/usr/bin/env bash
# The real stores the shared-store tests run against (issue 10): a standalone Redis, a Redis
# Cluster of 3 masters + 3 replicas, and Garnet, all on loopback ports that were free, as plain
# child processes of ours (no system service), each with its own directory, log and no persistence.
#
#   .ci/stores.sh install           installs what is missing (Debian's redis-server/redis-tools,
#                                   the garnet-server dotnet tool in a reused cache folder)
#   .ci/stores.sh start WORKDIR     starts them; prints the export lines for the tests (stdout
#                                   holds nothing else), and writes them to WORKDIR/env:
#                                     eval "$(.ci/stores.sh start /tmp/otpfast-stores)"
#   .ci/stores.sh stop WORKDIR      stops them by their recorded PIDs and removes their data
#
# WORKDIR after start:
#   env                  export TEST_REDIS_STANDALONE=127.0.0.1:P, TEST_REDIS_CLUSTER=all six,
#                        TEST_GARNET=127.0.0.1:P (never OTPFAST_*: the server refuses unknown
#                        OTPFAST_ variables as settings)
#   pids                 one line a process: "PORT PID KIND" (KIND standalone, cluster, garnet)
#   pid.PORT             the PID of the server on PORT, so a failover check can kill one master
#   cluster-nodes        one line a cluster node: "PORT ROLE PID MASTER_PORT" (ROLE master or
#                        replica; MASTER_PORT is "-" for a master)
#   PORT/                that server's directory (its log is PORT/log)
#
# Facts the Redis store relies on, probed with redis-cli on these servers (Debian 12's redis
# 7.0.15, Lua 5.1; Garnet 2.2.8 with --lua --lua-transaction-mode, Lua 5.4, says redis_version 7.4.3):
# - Garnet rejects a "#!lua" shebang (compile error "unexpected symbol near '#'"); Redis takes it,
#   and even with it a key not in KEYS is reachable unless it is on another node (cluster: "ERR
#   Script attempted to access a non local key in a cluster node") or another slot (CROSSSLOT).
# - Lua numbers: Garnet's 10/2 is the float 5.0, sent to redis.call as "5.0": SET stores "5.0",
#   PX 10000/2 is "ERR value is not an integer or out of range". math.floor() gives an integer on
#   both. Integers up to 2^53 are exact on both (1764000000123 round-trips); Redis's tostring()
#   of a number >= 1e14 is "9.007199254741e+15", while redis.call() sends it exactly (%.17g).
# - bit.band/bor/bxor/tobit/tohex agree; Garnet's bit.lshift/rshift take the shift count mod 16
#   (bit.lshift(1,16) is 1, bit.rshift(0x12345678,16) unchanged): avoid them for counts >= 16.
# - Both have struct, cjson, cmsgpack, redis.call('TIME'), binary-safe ARGV/KEYS/values, GET of
#   a missing key as false, SET .. PX, PEXPIRE, PTTL, SCRIPT LOAD, EVALSHA with the same
#   "NOSCRIPT No matching script. Please use EVAL." Garnet prefixes redis.error_reply("X y") as
#   "ERR X y"; it has no WAIT ("ERR unknown command"), no EVAL_RO, and CLUSTER * answers "ERR This
#   instance has cluster support disabled" (as the standalone Redis does).
# - WAIT 1 100: a cluster master answers 1 at once; the standalone 0 after the 100 ms.
set -euo pipefail

GARNET_VERSION=2.2.8
TOOLS=${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/otpfast-ci/tools
GARNET=$TOOLS/garnet-server
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { echo "stores: $*" >&2; }
die() { say "$*"; exit 1; }
now_ms() { date +%s%3N; }

# ---------------------------------------------------------------------------------------------
install_stores() {
  local missing=() made_policy=""
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v redis-cli >/dev/null || missing+=(redis-tools)
  command -v python3 >/dev/null || missing+=(python3) # picks the free ports
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    # The package's service would start a system redis on 6379. We never use it (our servers
    # take free ports of their own); where no policy-rc.d forbids service starts, one is put in
    # place for the install and removed after it. A system redis that runs anyway is not ours:
    # it is left alone.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
      made_policy=yes
    fi
    local status=0
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } || status=$?
    [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
    [ "$status" -eq 0 ] || die "apt-get install ${missing[*]} failed ($status)"
  fi

  mkdir -p "$TOOLS"
  # One install at a time into the shared tool folder.
  exec 9>"$TOOLS/../install.lock"
  flock 9
  if ! "$GARNET" --version 2>/dev/null | grep -q "^GarnetServer $GARNET_VERSION+"; then
    [ -e "$GARNET" ] && dotnet tool uninstall garnet-server --tool-path "$TOOLS" >/dev/null 2>&1 || true
    say "installing garnet-server $GARNET_VERSION into $TOOLS"
    dotnet tool install garnet-server --version "$GARNET_VERSION" --tool-path "$TOOLS" >&2 \
      || die "dotnet tool install garnet-server $GARNET_VERSION failed"
  fi
  flock -u 9
  say "redis: $(redis-server --version | cut -d' ' -f3); garnet: $("$GARNET" --version | head -n 1)"
}

# ---------------------------------------------------------------------------------------------
# N loopback ports P, each with P+10000 (a cluster node's bus port) free too, asked of the kernel
# by binding them. Taken from 40000-49999 (bus ports 50000-59999): above the 20000-39999 that
# .ci/run draws its own servers' ports from, so neither takes the other's.
free_ports() {
  python3 - "$1" <<'EOF'
import random, socket, sys
n, found, tried = int(sys.argv[1]), [], 0
def free(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port)); return True
    except OSError:
        return False
    finally:
        s.close()
while len(found) < n and tried < 2000:
    tried += 1
    p = random.randrange(40000, 50000)
    if p not in found and free(p) and free(p + 10000):
        found.append(p)
if len(found) < n:
    sys.exit("no %d free loopback ports in 40000-49999" % n)
print(" ".join(map(str, found)))
EOF
}

WORKDIR=""
launch() { # kind port command...: a child of ours in WORKDIR/PORT, output to its log
  local kind=$1 port=$2; shift 2
  local dir="$WORKDIR/$port"
  mkdir -p "$dir"
  # stdin/stdout/stderr away from ours: `eval "$(stores.sh start ...)"` must not wait for them.
  (cd "$dir" && exec "$@" </dev/null >"$dir/log" 2>&1) &
  local pid=$!
  echo "$pid" > "$WORKDIR/pid.$port"
  echo "$port $pid $kind" >> "$WORKDIR/pids"
}

cli() { redis-cli -h 127.0.0.1 -p "$@"; }

wait_ping() { # port seconds
  local deadline=$(( $(now_ms) + $2 * 1000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    [ "$(cli "$1" PING 2>/dev/null)" = PONG ] && return 0
    kill -0 "$(cat "$WORKDIR/pid.$1")" 2>/dev/null || { say "the server on $1 exited:"; tail -n 20 "$WORKDIR/$1/log" >&2; return 1; }
    sleep 0.05
  done
  say "no PONG from $1 in $2 s:"; tail -n 20 "$WORKDIR/$1/log" >&2
  return 1
}

redis_args() { # port
  # No persistence (--save '' --appendonly no): these are scratch stores for tests.
  # A cluster replica's first sync is diskless (7.0's default); its default 5 s delay (waiting for
  # more replicas to share the transfer) was most of start's time, so cluster nodes start without.
  # DEBUG is allowed from loopback so a test may stall a node (DEBUG SLEEP) as well as kill it.
  echo --port "$1" --bind 127.0.0.1 --dir "$WORKDIR/$1" --save '' --appendonly no \
    --daemonize no --enable-debug-command local
}

start_stores() {
  WORKDIR=$1
  mkdir -p "$WORKDIR"
  WORKDIR=$(cd "$WORKDIR" && pwd)
  if [ -s "$WORKDIR/pids" ]; then
    die "$WORKDIR already holds started stores (pids); run: $0 stop $WORKDIR"
  fi
  command -v redis-server >/dev/null && [ -x "$GARNET" ] || die "missing redis-server or garnet-server; run: $0 install"
  : > "$WORKDIR/pids"
  # Any failure from here on stops what was started, so nothing is left behind.
  STARTED=""
  trap '[ -n "$STARTED" ] || { say "start failed; stopping what was started"; stop_stores "$WORKDIR"; }' EXIT
  local t0 t_cluster t1 ports standalone garnet nodes=()
  t0=$(now_ms)
  read -r -a ports <<<"$(free_ports 8)"
  standalone=${ports[0]}
  garnet=${ports[1]}
  nodes=("${ports[@]:2:6}")

  # shellcheck disable=SC2046 # redis_args is a word list by design
  launch standalone "$standalone" redis-server $(redis_args "$standalone")
  for p in "${nodes[@]}"; do
    # shellcheck disable=SC2046
    launch cluster "$p" redis-server $(redis_args "$p") --cluster-enabled yes \
      --cluster-config-file "$WORKDIR/$p/nodes.conf" --cluster-node-timeout 2000 \
      --repl-diskless-sync-delay 0
  done
  # Garnet: Lua is off unless --lua; --lua-transaction-mode runs each script as a transaction
  # (locks its declared KEYS, runs, unlocks), which is what makes a script atomic there. No AOF
  # (off by default), no checkpoint recovery (off by default), its files (if any) in its own
  # directory, the working directory (--logdir is refused without --storage-tier).
  # Main-log memory: without --storage-tier, records that no longer fit in it are dropped, oldest
  # first and silently (probed: --memory 2m, 20 MB written: the first key gone, DBSIZE 1982 of
  # 20001). Its pages are allocated as they fill (2 of 16 MiB when empty), so 2 GiB costs nothing
  # until used and keeps any test or memory measurement here far from that edge. Index 16 MiB
  # (default 128 MiB): it grows overflow buckets as needed.
  launch garnet "$garnet" "$GARNET" --port "$garnet" --bind 127.0.0.1 --lua --lua-transaction-mode \
    --memory 2g --index 16m

  for p in "$standalone" "${nodes[@]}"; do wait_ping "$p" 10; done

  t_cluster=$(now_ms)
  local addrs=()
  for p in "${nodes[@]}"; do addrs+=("127.0.0.1:$p"); done
  cli "${nodes[0]}" --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes > "$WORKDIR/cluster-create.log" 2>&1 \
    || { cat "$WORKDIR/cluster-create.log" >&2; false; }
  # Ready means: every node says cluster_state:ok, every master has its replica connected
  # (connected_slaves:1), every replica's link to its master is up, and every node's own view
  # (CLUSTER NODES, what a client library discovers the cluster from) shows the 3 replicas and no
  # node still in handshake or failing. A node's view of the others' roles lags their own.
  local deadline=$(( $(now_ms) + 30000 )) ready="" repl view
  while [ "$(now_ms)" -lt "$deadline" ]; do
    ready=yes
    for p in "${nodes[@]}"; do
      cli "$p" CLUSTER INFO 2>/dev/null | grep -q '^cluster_state:ok' || { ready=""; break; }
      repl=$(cli "$p" INFO replication 2>/dev/null | tr -d '\r')
      case "$repl" in
        *role:master*) grep -qx 'connected_slaves:1' <<<"$repl" || { ready=""; break; } ;;
        *role:slave*) grep -qx 'master_link_status:up' <<<"$repl" || { ready=""; break; } ;;
        *) ready=""; break ;;
      esac
      view=$(cli "$p" CLUSTER NODES 2>/dev/null)
      [ "$(awk '$3 ~ /slave/' <<<"$view" | wc -l)" -eq 3 ] && ! awk '{ print $3 }' <<<"$view" | grep -qE 'handshake|fail|noaddr' \
        || { ready=""; break; }
    done
    [ -n "$ready" ] && break
    sleep 0.1
  done
  [ -n "$ready" ] || { say "cluster not ready in 30 s"; for p in "${nodes[@]}"; do cli "$p" CLUSTER INFO 2>&1 | head -n 1 >&2; done; false; }
  t1=$(now_ms)

  # Roles as each node itself reports them: PORT ROLE PID MASTER_PORT.
  for p in "${nodes[@]}"; do
    repl=$(cli "$p" INFO replication | tr -d '\r')
    if grep -qx 'role:master' <<<"$repl"; then
      echo "$p master $(cat "$WORKDIR/pid.$p") -"
    else
      echo "$p replica $(cat "$WORKDIR/pid.$p") $(sed -n 's/^master_port://p' <<<"$repl")"
    fi
  done | sort -k2,2 -k1,1n > "$WORKDIR/cluster-nodes"
  [ "$(grep -c ' master ' "$WORKDIR/cluster-nodes")" -eq 3 ] && [ "$(grep -c ' replica ' "$WORKDIR/cluster-nodes")" -eq 3 ] \
    || { say "unexpected roles:"; cat "$WORKDIR/cluster-nodes" >&2; false; }

  # Garnet is a .NET program: it is the slowest to answer, so it is waited for last.
  wait_ping "$garnet" 20
  local t_end
  t_end=$(now_ms)
  STARTED=yes

  local cluster_list
  cluster_list=$(printf '127.0.0.1:%s,' "${nodes[@]}")
  {
    echo "export TEST_REDIS_STANDALONE=127.0.0.1:$standalone"
    echo "export TEST_REDIS_CLUSTER=${cluster_list%,}"
    echo "export TEST_GARNET=127.0.0.1:$garnet"
  } > "$WORKDIR/env"
  say "redis standalone on $standalone, cluster on ${nodes[*]}, garnet on $garnet (in $WORKDIR)"
  say "$(awk '{ printf "%s %s%s ", $1, $2, ($4 == "-" ? "" : " of " $4) }' "$WORKDIR/cluster-nodes")"
  say "all up in $(( (t_end - t0) )) ms (cluster create + settle $(( t1 - t_cluster )) ms)"
  cat "$WORKDIR/env"
}

# ---------------------------------------------------------------------------------------------
ours() { # pid port: is PID still the server we started on PORT (not a reused PID)?
  local cmdline
  cmdline=$(tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline") || return 1
  [[ $cmdline == *redis-server* || $cmdline == *garnet* ]] && [[ $cmdline == *"$2"* ]]
}

stop_stores() {
  local dir=$1 t0 live=() port pid
  [ -d "$dir" ] || { say "no $dir: nothing to stop"; return 0; }
  t0=$(now_ms)
  if [ -f "$dir/pids" ]; then
    while read -r port pid _; do
      ours "$pid" "$port" && { kill -TERM "$pid" 2>/dev/null || true; live+=("$pid:$port"); }
    done < "$dir/pids"
  fi
  local deadline=$(( $(now_ms) + 5000 )) left
  while :; do
    left=()
    for entry in "${live[@]}"; do ours "${entry%%:*}" "${entry#*:}" && left+=("$entry"); done
    [ ${#left[@]} -eq 0 ] && break
    if [ "$(now_ms)" -ge "$deadline" ]; then
      for entry in "${left[@]}"; do say "killing ${entry%%:*} (port ${entry#*:}): no exit 5 s after TERM"; kill -KILL "${entry%%:*}" 2>/dev/null || true; done
      sleep 0.1
      break
    fi
    sleep 0.05
  done
  # Only what start made is removed: the directory itself may be the caller's.
  if [ -f "$dir/pids" ]; then
    while read -r port _; do rm -rf "${dir:?}/$port" "$dir/pid.$port"; done < "$dir/pids"
  fi
  rm -f "$dir/pids" "$dir/env" "$dir/cluster-nodes" "$dir/cluster-create.log"
  rmdir "$dir" 2>/dev/null || true
  say "stopped ${#live[@]} server(s) in $(( $(now_ms) - t0 )) ms"
}

case "${1:-}" in
  install) install_stores ;;
  start) [ $# -eq 2 ] || die "usage: $0 start WORKDIR"; start_stores "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop WORKDIR"; stop_stores "$2" ;;
  *) die "usage: $0 install | start WORKDIR | stop WORKDIR" ;;
esac
