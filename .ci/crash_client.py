#!/usr/bin/env python3
"""Client for .ci/crash-checks.sh: drives OtpFast's login flow, kills the server with SIGKILL at a
chosen moment while requests are in flight, and after the restart re-verifies what it recorded.
Standard library only (raw keep-alive HTTP/1.1 over sockets: http.client is too slow here to
load the server from one Python process). Targets 127.0.0.1 only; every loop is bounded.

Sub-commands (each prints one summary line and writes its figures as JSON to --summary):

  login    N workers run the login flow (request a pair with a unique tokenCreator and
           expiry 600, then verify ~verify-fraction of them); records every pair issued with
           the time its answer arrived and every pair whose verify answered "true". Stops after
           a random 2-5 s (--min/--max-seconds) or when --kill-on-file appears / --kill-on-log
           matches; with --kill-pid it sends SIGKILL to the server at that moment, while the
           workers are still sending.
  recheck  after the restart: re-verifies a sample of the consumed pairs (each must answer
           "used"; a "true" is a revived code) and of the pairs issued more than --min-age
           seconds before the kill that were never sent to verify (each must answer "true").
  fill     pipelined bulk requestOneTimeCode (to make a big journal or store), optionally
           keeping a sample of the pairs issued.
  verify   verifies a sample of kept pairs and tallies the answers.
  killmid  starts the server and sends it SIGKILL once it holds a journal segment open and has
           read a given fraction of its size (/proc/PID/fd, /proc/PID/io): a kill provably
           mid-replay.
"""

import argparse
import json
import os
import random
import signal
import socket
import sys
import threading
import time

HOST = "127.0.0.1"


class Conn:
    """One keep-alive HTTP/1.1 connection; post() returns (http_status, parsed JSON body)."""

    def __init__(self, port, timeout=10.0):
        self.port = port
        self.timeout = timeout
        self.sock = None
        self.buf = b""

    def open(self):
        self.close()
        self.sock = socket.create_connection((HOST, self.port), timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    @staticmethod
    def request_bytes(path, body):
        data = body.encode()
        return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: " + str(len(data)).encode()
                + b"\r\n\r\n" + data)

    def send(self, raw):
        if self.sock is None:
            self.open()
        self.sock.sendall(raw)

    def read_response(self):
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed by the server")
            self.buf += chunk
        head = self.buf[:end].decode("latin-1")
        lines = head.split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        total = end + 4 + length
        while len(self.buf) < total:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed mid-answer")
            self.buf += chunk
        body = self.buf[end + 4:total]
        self.buf = self.buf[total:]
        return status, body

    def post(self, path, body):
        self.send(self.request_bytes(path, body))
        status, raw = self.read_response()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, {"_raw": raw.decode("latin-1")}


def request_body(key, creator, expiry=600):
    return '{"apiKey":"%s","tokenCreator":"%s","codeLength":6,"expiry":%d}' % (key, creator, expiry)


def verify_body(key, token, otp):
    return '{"apiKey":"%s","token":"%s","otp":"%s"}' % (key, token, otp)


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


# ---------------------------------------------------------------- login: load, then SIGKILL


def cmd_login(a):
    rng = random.Random(a.seed)
    duration = rng.uniform(a.min_seconds, a.max_seconds)
    stop = threading.Event()
    lock = threading.Lock()
    issued = []        # [token, otp, answer time]
    consumed = []      # [token, otp, answer time]
    attempted = set()  # tokens sent to verify (whatever came back)
    counts = {"requests": 0, "verifies": 0, "api_errors": 0, "api_error_samples": [],
              "conn_errors_before_kill": 0, "conn_errors_after_kill": 0, "verify_not_true": 0}
    in_flight = [0]
    kill_at = [None]   # monotonic time the SIGKILL was sent (or the load stopped)

    def note_error(kind, detail):
        with lock:
            counts[kind] += 1
            if kind == "api_errors" and len(counts["api_error_samples"]) < 5:
                counts["api_error_samples"].append(detail)

    def worker(w):
        wrng = random.Random(a.seed * 1000 + w)
        conn = Conn(a.port)
        n = 0
        while not stop.is_set():
            n += 1
            creator = "%s-%d-%d@crash.example" % (a.prefix, w, n)
            try:
                with lock:
                    in_flight[0] += 1
                try:
                    status, body = conn.post("/v4/requestOneTimeCode", request_body(a.key, creator))
                finally:
                    with lock:
                        in_flight[0] -= 1
                now = time.monotonic()
                with lock:
                    counts["requests"] += 1
                if status != 200 or body.get("code") != 200:
                    note_error("api_errors", "request: http %d %s" % (status, body))
                    continue
                token, otp = body["token"], body["OTP"]
                with lock:
                    issued.append([token, otp, now])
                if wrng.random() >= a.verify_fraction:
                    continue
                with lock:
                    attempted.add(token)
                    in_flight[0] += 1
                try:
                    status, body = conn.post("/v4/verifyOneTimeCode", verify_body(a.key, token, otp))
                finally:
                    with lock:
                        in_flight[0] -= 1
                now = time.monotonic()
                with lock:
                    counts["verifies"] += 1
                if status != 200 or body.get("code") != 200:
                    note_error("api_errors", "verify: http %d %s" % (status, body))
                    continue
                if body.get("verify") == "true":
                    with lock:
                        consumed.append([token, otp, now])
                else:
                    with lock:
                        counts["verify_not_true"] += 1
            except (OSError, ConnectionError, ValueError) as e:
                killed = kill_at[0] is not None
                note_error("conn_errors_after_kill" if killed else "conn_errors_before_kill", repr(e))
                conn.close()
                if killed or stop.is_set():
                    break
                time.sleep(0.05)
        conn.close()

    if a.kill_on_file:
        # the watch below must see a file that exists for ~100 ms: let it have the GIL often
        sys.setswitchinterval(0.0005)
    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(a.workers)]
    start = time.monotonic()
    for t in threads:
        t.start()

    how = "timer"
    log_pos = 0
    if a.kill_on_log:
        # only lines logged from now on count (an earlier compaction is not the one to catch)
        try:
            log_pos = os.path.getsize(a.kill_on_log.partition("::")[0])
        except OSError:
            pass
    deadline = start + (a.watch_seconds if (a.kill_on_file or a.kill_on_log) else duration)
    while True:
        now = time.monotonic()
        if now >= deadline:
            how = "deadline" if (a.kill_on_file or a.kill_on_log) else "timer"
            break
        if a.kill_on_file and os.path.exists(a.kill_on_file):
            how = "file"
            break
        if a.kill_on_log:
            log_path, _, pattern = a.kill_on_log.partition("::")
            try:
                with open(log_path, "rb") as f:
                    f.seek(log_pos)
                    text = f.read()
                if pattern.encode() in text:
                    how = "log"
                    break
                # keep a tail so a line split across two reads still matches
                log_pos += max(0, len(text) - len(pattern))
            except OSError:
                pass
        if a.kill_on_file:
            time.sleep(0.0002)
        else:
            time.sleep(0.005)

    with lock:
        flying = in_flight[0]
        kill_at[0] = time.monotonic()
    if a.kill_pid:
        os.kill(a.kill_pid, signal.SIGKILL)
    tail_for = 1.0 if a.kill_pid else 0.0
    time.sleep(tail_for)  # answers already on the wire still arrive and are recorded
    stop.set()
    for t in threads:
        t.join(timeout=15)
    still = sum(1 for t in threads if t.is_alive())

    t_kill = kill_at[0]
    with lock:
        state = {
            "kill": how,
            "seconds": t_kill - start,
            "issued": [[tok, otp, round(ts - t_kill, 4)] for tok, otp, ts in issued],
            "consumed": [[tok, otp, round(ts - t_kill, 4)] for tok, otp, ts in consumed],
            "attempted": sorted(attempted),
        }
    write_json(a.state, state)
    summary = dict(counts)
    summary.update({"issued": len(issued), "consumed": len(consumed), "attempted": len(attempted),
                    "in_flight_at_kill": flying, "seconds": round(t_kill - start, 3), "kill": how,
                    "workers": a.workers, "workers_stuck": still,
                    "rate": round((counts["requests"] + counts["verifies"]) / max(t_kill - start, 1e-3))})
    write_json(a.summary, summary)
    print("client: %.2f s, kill by %s, %d in flight at the kill; issued %d, consumed %d, "
          "verify sent %d, %d req/s; api errors %d, connection errors before the kill %d"
          % (t_kill - start, how, flying, len(issued), len(consumed), len(attempted),
             summary["rate"], counts["api_errors"], counts["conn_errors_before_kill"]))
    for s in counts["api_error_samples"]:
        print("client: api error: %s" % s)
    return 0


# ---------------------------------------------------------------- recheck after the restart


def run_verifies(port, key, pairs, workers=8, seconds=60.0):
    """Verifies each [token, otp]; returns a list of outcome strings in the same order
    ("no-answer" for those not done within `seconds`)."""
    out = [None] * len(pairs)
    nxt = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        conn = Conn(port, timeout=5)
        while time.monotonic() < deadline:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(pairs):
                break
            token, otp = pairs[i][0], pairs[i][1]
            try:
                status, body = conn.post("/v4/verifyOneTimeCode", verify_body(key, token, otp))
            except (OSError, ConnectionError, ValueError) as e:
                out[i] = "connection-error:%s" % type(e).__name__
                conn.close()
                continue
            if status != 200 or body.get("code") != 200:
                out[i] = "http-%d-code-%s" % (status, body.get("code"))
            elif body.get("verify") == "true":
                out[i] = "true"
            else:
                out[i] = body.get("reason", "?")
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 10)
    return [o if o is not None else "no-answer" for o in out]


def tally(outcomes):
    d = {}
    for o in outcomes:
        d[o] = d.get(o, 0) + 1
    return d


def cmd_recheck(a):
    rng = random.Random(a.seed)
    with open(a.state) as f:
        st = json.load(f)
    carry = {"consumed": [], "old": []}
    if a.carry and os.path.exists(a.carry):
        with open(a.carry) as f:
            carry = json.load(f)

    consumed = st["consumed"]
    consumed_tokens = {c[0] for c in consumed}
    attempted = set(st["attempted"])
    # issued, answered more than min-age s before the kill, never sent to verify
    old = [p for p in st["issued"] if p[2] < -a.min_age and p[0] not in attempted and p[0] not in consumed_tokens]
    # informational: answered between 0.5 s and min-age s before the kill, never sent to verify
    recent = [p for p in st["issued"] if -a.min_age <= p[2] < -0.5 and p[0] not in attempted]

    cons_sample = rng.sample(consumed, min(a.consumed_sample, len(consumed)))
    cons_carry = rng.sample(carry["consumed"], min(a.carry_sample, len(carry["consumed"])))
    rng.shuffle(old)
    old_sample = old[:a.old_sample]
    old_carry = carry["old"][:a.carry_sample]
    recent_sample = rng.sample(recent, min(a.recent_sample, len(recent)))

    groups = [cons_sample, cons_carry, old_sample, old_carry, recent_sample]
    flat = [p for g in groups for p in g]
    outcomes = run_verifies(a.port, a.key, flat)
    res = []
    i = 0
    for g in groups:
        res.append(outcomes[i:i + len(g)])
        i += len(g)
    r_cons, r_cons_carry, r_old, r_old_carry, r_recent = res

    def bad_examples(pairs, outs, good):
        return [{"token": p[0], "otp": p[1], "answered_s_before_kill": -p[2] if len(p) > 2 else None, "outcome": o}
                for p, o in zip(pairs, outs) if o != good][:5]

    summary = {
        "issued": len(st["issued"]), "consumed": len(consumed),
        "resampled_consumed": len(cons_sample), "consumed_used": r_cons.count("used"),
        "revived": r_cons.count("true"), "consumed_outcomes": tally(r_cons),
        "carried_consumed": len(cons_carry), "carried_consumed_used": r_cons_carry.count("used"),
        "carried_revived": r_cons_carry.count("true"), "carried_consumed_outcomes": tally(r_cons_carry),
        "old_eligible": len(old), "old_checked": len(old_sample), "old_true": r_old.count("true"),
        "lost": len(old_sample) - r_old.count("true"), "old_outcomes": tally(r_old),
        "carried_old_checked": len(old_carry), "carried_old_true": r_old_carry.count("true"),
        "carried_lost": len(old_carry) - r_old_carry.count("true"), "carried_old_outcomes": tally(r_old_carry),
        "recent_checked": len(recent_sample), "recent_true": r_recent.count("true"),
        "bad_consumed": bad_examples(cons_sample + cons_carry, r_cons + r_cons_carry, "used"),
        "bad_old": bad_examples(old_sample + old_carry, r_old + r_old_carry, "true"),
    }
    write_json(a.summary, summary)

    if a.carry:
        # old pairs not checked now stay for a later round (they must survive its crash too);
        # consumed pairs stay in the pool for ever (verifying a used pair changes nothing).
        # pairs this recheck consumed itself ("true") must answer "used" after later crashes too
        pool = carry["consumed"] + consumed + [p for g, outs in ((old_sample, r_old), (old_carry, r_old_carry), (recent_sample, r_recent))
                                               for p, o in zip(g, outs) if o == "true"]
        if len(pool) > 20000:
            pool = rng.sample(pool, 20000)
        left = carry["old"][a.carry_sample:] + old[a.old_sample:]
        write_json(a.carry, {"consumed": pool, "old": left[-20000:]})

    print("client: consumed %d, resampled %d -> used %d, revived (true) %d, other %d; "
          "old (> %.0f s before the kill, never verified) %d eligible, checked %d -> true %d, lost %d; "
          "from earlier rounds: consumed %d -> revived %d, old %d -> lost %d; recent (0.5-%.0f s) %d -> true %d"
          % (len(consumed), len(cons_sample), summary["consumed_used"], summary["revived"],
             len(cons_sample) - summary["consumed_used"] - summary["revived"],
             a.min_age, len(old), len(old_sample), summary["old_true"], summary["lost"],
             len(cons_carry), summary["carried_revived"], len(old_carry), summary["carried_lost"],
             a.min_age, len(recent_sample), summary["recent_true"]))
    for b in summary["bad_consumed"] + summary["bad_old"]:
        print("client: BAD %s" % json.dumps(b))
    return 0


# ---------------------------------------------------------------- fill: pipelined bulk requests


def cmd_fill(a):
    lock = threading.Lock()
    kept = []
    counts = {"issued": 0, "errors": 0}
    per_conn = a.count // a.connections
    deadline = time.monotonic() + a.max_seconds

    def worker(c):
        wrng = random.Random(a.seed * 7919 + c)
        conn = Conn(a.port, timeout=30)
        conn.open()
        n = 0
        while n < per_conn and time.monotonic() < deadline:
            k = min(a.batch, per_conn - n)
            raw = b"".join(Conn.request_bytes("/v4/requestOneTimeCode",
                                              request_body(a.key, "%s-%d-%d@fill.example" % (a.prefix, c, n + j)))
                           for j in range(k))
            try:
                conn.send(raw)
                ok = 0
                errs = 0
                mine = []
                for _ in range(k):
                    status, body = conn.read_response()
                    if status != 200 or b'"code":200' not in body:
                        errs += 1
                        continue
                    ok += 1
                    if a.keep_fraction > 0 and wrng.random() < a.keep_fraction:
                        d = json.loads(body)
                        mine.append([d["token"], d["OTP"], 0])
            except (OSError, ConnectionError) as e:
                with lock:
                    counts["errors"] += k
                print("client: fill connection error: %r" % (e,), file=sys.stderr)
                return
            n += k
            with lock:
                counts["issued"] += ok
                counts["errors"] += errs
                kept.extend(mine)
        conn.close()

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in range(a.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=a.max_seconds + 30)
    took = time.monotonic() - start
    if a.keep:
        write_json(a.keep, kept)
    summary = {"issued": counts["issued"], "errors": counts["errors"], "kept": len(kept),
               "seconds": round(took, 2), "rate": round(counts["issued"] / max(took, 1e-3))}
    write_json(a.summary, summary)
    print("client: fill issued %d pairs in %.1f s (%d/s), %d errors, %d kept for checks"
          % (counts["issued"], took, summary["rate"], counts["errors"], len(kept)))
    return 0


# ---------------------------------------------------------------- verify a kept list


def cmd_verify(a):
    with open(a.pairs) as f:
        pairs = json.load(f)
    if a.part:
        i, n = (int(x) for x in a.part.split("/"))
        pairs = pairs[i::n]
    rng = random.Random(a.seed)
    sample = rng.sample(pairs, min(a.sample, len(pairs)))
    outs = run_verifies(a.port, a.key, sample)
    summary = {"checked": len(sample), "outcomes": tally(outs), "expected": outs.count(a.expect),
               "bad": [{"token": p[0], "otp": p[1], "outcome": o} for p, o in zip(sample, outs) if o != a.expect][:5]}
    write_json(a.summary, summary)
    print("client: verified %d kept pairs: %s" % (len(sample), json.dumps(summary["outcomes"], sort_keys=True)))
    return 0


# ---------------------------------------------------------------- killmid: SIGKILL during replay


def cmd_killmid(a):
    """Starts the server (the command after --) and sends it SIGKILL while it replays: once it
    holds the watched segment open (/proc/PID/fd) and has read (/proc/PID/io rchar; .NET reads
    with pread, so the offset in fdinfo stays 0) at least --fraction of the segment's size.
    Proof that the kill landed in the middle of the replay, not before or after it. Starting the
    server here lets the watch begin at exec, not a Python start-up later."""
    import subprocess
    target = os.path.realpath(a.segment)
    size = os.path.getsize(target)
    with open(a.log, "ab") as log:
        start = time.monotonic()
        proc = subprocess.Popen(a.command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = start + a.timeout
    result = {"caught": False, "segment_bytes": size, "read_bytes": None, "ms": None, "why": "timeout"}
    fd_dir = "/proc/%d/fd" % proc.pid
    last_read = 0
    while time.monotonic() < deadline:
        try:
            fds = os.listdir(fd_dir)
            with open("/proc/%d/io" % proc.pid) as f:
                rchar = next(int(line.split()[1]) for line in f if line.startswith("rchar:"))
        except (OSError, StopIteration):
            result["why"] = "the server exited"
            break
        last_read = rchar
        is_open = False
        for fd in fds:
            try:
                if os.readlink(os.path.join(fd_dir, fd)) == target:
                    is_open = True
                    break
            except OSError:
                continue
        if is_open and rchar >= a.fraction * size:
            proc.send_signal(signal.SIGKILL)
            result.update({"caught": True, "read_bytes": rchar, "ms": round((time.monotonic() - start) * 1000, 1),
                           "why": "segment open, %d bytes read" % rchar})
            break
        if rchar > a.fraction * size:
            # too late once the replay has been reported (the segment is also opened once
            # before the replay, to read its header, so "closed" alone proves nothing)
            try:
                with open(a.log, "rb") as f:
                    if b"Journal replayed" in f.read():
                        result["why"] = "the replay finished before the server had read %.0f%% of the segment" % (a.fraction * 100)
                        break
            except OSError:
                pass
        time.sleep(0.0002)
    if not result["caught"]:
        result["read_bytes"] = last_read
        proc.send_signal(signal.SIGKILL)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    result["exit"] = proc.returncode
    write_json(a.summary, result)
    print("client: kill during replay: %s (%s), %s ms after exec, server exit %d"
          % ("caught" if result["caught"] else "NOT caught", result["why"], result["ms"], proc.returncode))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    sp = sub.add_parser("killmid")
    sp.add_argument("--segment", required=True)
    sp.add_argument("--fraction", type=float, default=0.5)
    sp.add_argument("--timeout", type=float, default=20)
    sp.add_argument("--log", required=True, help="the server's output goes here; 'Journal replayed' there means too late")
    sp.add_argument("--summary", required=True)
    sp.add_argument("command", nargs=argparse.REMAINDER, help="-- the server command line")

    def common(sp):
        sp.add_argument("--port", type=int, required=True)
        sp.add_argument("--key", required=True)
        sp.add_argument("--seed", type=int, default=1)
        sp.add_argument("--summary", required=True)

    sp = sub.add_parser("login")
    common(sp)
    sp.add_argument("--prefix", required=True)
    sp.add_argument("--state", required=True)
    sp.add_argument("--workers", type=int, default=24)
    sp.add_argument("--verify-fraction", type=float, default=0.7)
    sp.add_argument("--min-seconds", type=float, default=2.0)
    sp.add_argument("--max-seconds", type=float, default=5.0)
    sp.add_argument("--kill-pid", type=int, default=0)
    sp.add_argument("--kill-on-file", default="")
    sp.add_argument("--kill-on-log", default="", help="LOGFILE::TEXT")
    sp.add_argument("--watch-seconds", type=float, default=20.0)

    sp = sub.add_parser("recheck")
    common(sp)
    sp.add_argument("--state", required=True)
    sp.add_argument("--carry", default="")
    sp.add_argument("--min-age", type=float, default=2.0)
    sp.add_argument("--consumed-sample", type=int, default=1000)
    sp.add_argument("--old-sample", type=int, default=600)
    sp.add_argument("--carry-sample", type=int, default=200)
    sp.add_argument("--recent-sample", type=int, default=100)

    sp = sub.add_parser("fill")
    common(sp)
    sp.add_argument("--prefix", required=True)
    sp.add_argument("--count", type=int, required=True)
    sp.add_argument("--connections", type=int, default=4)
    sp.add_argument("--batch", type=int, default=64)
    sp.add_argument("--max-seconds", type=float, default=60)
    sp.add_argument("--keep", default="")
    sp.add_argument("--keep-fraction", type=float, default=0.0)

    sp = sub.add_parser("verify")
    common(sp)
    sp.add_argument("--pairs", required=True)
    sp.add_argument("--sample", type=int, default=1000)
    sp.add_argument("--expect", default="true")
    sp.add_argument("--part", default="", help="I/N: only every N-th kept pair from the I-th (disjoint samples)")

    a = p.parse_args()
    if a.cmd == "killmid":
        a.command = a.command[1:] if a.command[:1] == ["--"] else a.command
        if not a.command:
            p.error("killmid needs the server command after --")
    return {"login": cmd_login, "recheck": cmd_recheck, "fill": cmd_fill, "verify": cmd_verify,
            "killmid": cmd_killmid}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
