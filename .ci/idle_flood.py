#!/usr/bin/env python3
"""Idle-connection flood for .ci/run (issue 9, item 3). Standard library only; targets 127.x only.

A victim on 127.0.0.1 sends requestOneTimeCode, each on a new connection, paced (one every
--pace-ms), through three phases:

  quiet    --quiet-seconds alone (as long as the held phase, so both p99s see as much of the
           machine's own noise): its quiet p99.
  opening  a child process opens --sockets idle connections from --source (they never send a
           byte) and holds them; this phase lasts until they are all open, plus 1 s.
  held     --seconds more while the child holds them.

Passes (exit 0) when the victim got no error in any phase, its p99 while the sockets are held
is under 2x its quiet p99, the flood really opened its sockets, and /metrics shows every
connection over --per-client refused and the ones the server held closed by its header
timeout. The opening burst (thousands of connects a second from a process on the same few
cores) is reported but not gated: it measures CPU contention, not idle connections. Every
phase is bounded in time; the flood is bounded in count.
"""

import argparse
import json
import os
import resource
import select
import socket
import subprocess
import sys
import time

SERVER = "127.0.0.1"


def raise_nofile(needed):
    """Soft open-files limit to at least needed (raising the hard limit works as root); returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, max(hard, needed) if hard != resource.RLIM_INFINITY else hard))
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Flood:
    """Child side: idle sockets from one source address, and what the server did with them."""

    def __init__(self, args):
        self.args = args
        self.poller = select.epoll()
        self.sockets = {}
        self.opened_at = {}
        self.closed_fast = 0
        self.closed_later = 0

    def drain(self, timeout):
        for fd, _ in self.poller.poll(timeout):
            s = self.sockets.pop(fd)
            self.poller.unregister(fd)
            if time.monotonic() - self.opened_at.pop(fd) < 1.0:
                self.closed_fast += 1
            else:
                self.closed_later += 1
            s.close()

    def drain_for(self, seconds):
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            self.drain(min(0.5, left))

    def run(self):
        args = self.args
        nofile = raise_nofile(args.sockets + 256)
        connect_errors, first_error = 0, ""
        began = time.monotonic()
        for i in range(args.sockets):
            if time.monotonic() - began > 30:
                break
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind((args.source, 0))
                s.settimeout(5)
                s.connect((SERVER, args.port))
            except ConnectionResetError:
                # The server's reset came before connect() returned: opened, and refused at once.
                self.closed_fast += 1
                s.close()
                continue
            except OSError as e:
                connect_errors += 1
                first_error = first_error or repr(e)
                s.close()
                continue
            s.setblocking(False)
            self.sockets[s.fileno()] = s
            self.opened_at[s.fileno()] = time.monotonic()
            self.poller.register(s.fileno(), select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLHUP | select.EPOLLERR)
            if i % args.batch == args.batch - 1:
                self.drain(0)
                time.sleep(args.batch_pause)
        opened = self.closed_fast + self.closed_later + len(self.sockets)
        open_seconds = time.monotonic() - began
        self.drain_for(1.0)
        print(json.dumps({
            "nofile": nofile, "opened": opened, "connect_errors": connect_errors, "first_error": first_error,
            "open_seconds": round(open_seconds, 2), "held_after_open": len(self.sockets),
        }), flush=True)
        self.drain_for(args.seconds)
        print(json.dumps({
            "closed_within_1s": self.closed_fast, "closed_later": self.closed_later, "still_open": len(self.sockets),
        }), flush=True)
        for s in self.sockets.values():
            s.close()


def one_request(port, body):
    """One requestOneTimeCode on a new connection; returns (seconds, error or None)."""
    began = time.perf_counter()
    request = (f"POST /v4/requestOneTimeCode HTTP/1.1\r\nHost: {SERVER}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    try:
        with socket.create_connection((SERVER, port), timeout=5, source_address=(SERVER, 0)) as s:
            s.sendall(request)
            answer = b""
            while chunk := s.recv(4096):
                answer += chunk
    except OSError as e:
        return time.perf_counter() - began, repr(e)
    if not answer:
        return time.perf_counter() - began, "closed without an answer"
    if not answer.startswith(b"HTTP/1.1 200 ") or b'"code":200' not in answer:
        return time.perf_counter() - began, "unexpected answer: " + answer[:120].decode(errors="replace")
    return time.perf_counter() - began, None


def victim(port, body, pace, done, timeline=None):
    """Paced requests until done() says stop; returns (latencies, errors); timeline gets (second, latency) pairs."""
    latencies, errors = [], []
    start = time.monotonic()
    n = 0
    while not done():
        at = time.monotonic() - start
        took, error = one_request(port, body)
        latencies.append(took)
        if timeline is not None:
            timeline.append((int(at), took))
        if error:
            errors.append(error)
        n += 1
        wait = start + n * pace - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    return latencies, errors


def after(seconds):
    until = time.monotonic() + seconds
    return lambda: time.monotonic() >= until


def line_from(child, limit_seconds):
    """A done() for victim(): true once the child has printed a line (kept in the list), or after the limit."""
    got = []
    until = time.monotonic() + limit_seconds

    def done():
        if not got and select.select([child.stdout], [], [], 0)[0]:
            got.append(child.stdout.readline())
        return bool(got) or time.monotonic() >= until
    return done, got


def p99(values):
    ordered = sorted(values)
    return ordered[int(0.99 * (len(ordered) - 1))] * 1000 if ordered else float("nan")


def metrics(port):
    with socket.create_connection((SERVER, port), timeout=5) as s:
        s.sendall(f"GET /metrics HTTP/1.1\r\nHost: {SERVER}\r\nConnection: close\r\n\r\n".encode())
        text = b""
        while chunk := s.recv(65536):
            text += chunk
    found = {}
    for line in text.decode().splitlines():
        if line.startswith("otpfast_connections_refused_total{"):
            name, value = line.rsplit(" ", 1)
            found[name.split('"')[1]] = int(value)
    return found


def parse(text):
    try:
        return json.loads(text)
    except ValueError:
        return {}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", default="")
    p.add_argument("--sockets", type=int, default=10050)
    p.add_argument("--source", default="127.0.0.2")
    p.add_argument("--seconds", type=float, default=15.0, help="the held phase")
    p.add_argument("--quiet-seconds", type=float, default=15.0)
    p.add_argument("--pace-ms", type=float, default=2.0)
    p.add_argument("--p99-limit", type=float, default=2.0, help="held p99 / quiet p99 must stay under this; 0 reports it without gating")
    p.add_argument("--per-client", type=int, default=256, help="the server's MaxConnectionsPerClient")
    p.add_argument("--headers-timeout", type=float, default=10.0, help="the server's RequestHeadersTimeoutSeconds")
    p.add_argument("--batch", type=int, default=500, help="flood: sockets opened between pauses")
    p.add_argument("--batch-pause", type=float, default=0.05)
    p.add_argument("--flood", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if not args.source.startswith("127."):
        sys.exit("idle-flood: --source must be a 127.x.y.z address")
    if args.flood:
        Flood(args).run()
        return 0

    body = json.dumps({"apiKey": args.key}).encode()
    pace = args.pace_ms / 1000
    quiet_timeline, held_timeline = [], []
    quiet, quiet_errors = victim(args.port, body, pace, after(args.quiet_seconds), quiet_timeline)
    child = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--flood", "--port", str(args.port), "--sockets", str(args.sockets),
         "--source", args.source, "--seconds", str(args.seconds), "--batch", str(args.batch), "--batch-pause", str(args.batch_pause)],
        stdout=subprocess.PIPE, text=True)
    try:
        opened_done, opened_line = line_from(child, 35)
        opening, opening_errors = victim(args.port, body, pace, opened_done)
        held, held_errors = victim(args.port, body, pace, after(args.seconds), held_timeline)
        rest, _ = child.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        child.kill()
        rest, _ = child.communicate()
    fl = parse(opened_line[0] if opened_line else "")
    fl.update(parse(rest.strip().splitlines()[-1] if rest.strip() else ""))
    refused = metrics(args.port)

    q99, o99, h99 = p99(quiet), p99(opening), p99(held)
    ratio = h99 / q99
    opened = fl.get("opened", 0)
    print(f"idle-flood: quiet: {len(quiet)} requests, p99 {q99:.2f} ms, {len(quiet_errors)} errors")
    print(f"idle-flood: opening: {opened} idle sockets from {args.source} in {fl.get('open_seconds')} s "
          f"({fl.get('connect_errors')} connect errors{' ' + fl['first_error'] if fl.get('first_error') else ''}; "
          f"the flood's open-files limit {fl.get('nofile')}); meanwhile {len(opening)} requests, p99 {o99:.2f} ms, {len(opening_errors)} errors (not gated)")
    print(f"idle-flood: held: the server held {fl.get('held_after_open')} of them 1 s after the last opened; "
          f"{fl.get('closed_within_1s')} were closed within 1 s of opening, {fl.get('closed_later')} later, {fl.get('still_open')} still open after {args.seconds:g} s")
    print(f"idle-flood: held: {len(held)} requests, p99 {h99:.2f} ms ({ratio:.2f}x quiet), {len(held_errors)} errors")
    print(f"idle-flood: /metrics otpfast_connections_refused_total: per_client_limit {refused.get('per_client_limit')}, headers_timeout {refused.get('headers_timeout')}")
    for name, timeline in (("quiet", quiet_timeline), ("held", held_timeline)):
        seconds = sorted({second for second, _ in timeline})
        per_second = [f"{p99([t for s, t in timeline if s == second]):.1f}" for second in seconds]
        print(f"idle-flood: {name}: p99 ms by second: {' '.join(per_second)}")
    all_errors = quiet_errors + opening_errors + held_errors
    for error in all_errors[:5]:
        print(f"idle-flood: error: {error}")

    failures = []
    if all_errors:
        failures.append(f"the victim got {len(all_errors)} errors")
    if args.p99_limit > 0 and not ratio < args.p99_limit:
        failures.append(f"p99 while the sockets are held is {ratio:.2f}x quiet (limit {args.p99_limit:g}x)")
    elif args.p99_limit <= 0:
        print(f"idle-flood: REPORT (not gated): held p99 {ratio:.2f}x quiet")
    if opened < 10000:
        failures.append(f"only {opened} idle sockets were opened")
    if refused.get("per_client_limit", 0) < opened - args.per_client:
        failures.append("fewer connections refused than opened over the per-client limit")
    if args.seconds > args.headers_timeout and (refused.get("headers_timeout", 0) < min(opened, args.per_client) or fl.get("still_open", 1) != 0):
        failures.append("the idle connections the server held were not all closed by its header timeout")
    for f in failures:
        print(f"idle-flood: FAIL: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
