#!/usr/bin/env python3
"""Median time from exec to the first successful requestOneTimeCode answer.

usage: startup.py RUNS PORT KEY [--tls] -- COMMAND...
Starts COMMAND RUNS times (pinned by the caller's taskset if any), polls the endpoint over a
raw socket every 0.5 ms until a body with "code":200 comes back, then stops the process.
With --tls the socket speaks TLS (the certificate is not checked: the server is our own, on
loopback, and what is timed is the start, handshake included).
Prints "startup_ms <median> <min> <max>".
"""
import json
import socket
import ssl
import statistics
import subprocess
import sys
import time


def try_request(port, body, tls=None):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as raw, \
                (tls.wrap_socket(raw, server_hostname="127.0.0.1") if tls else raw) as s:
            s.sendall(
                b"POST /v4/requestOneTimeCode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
            )
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            return b'"code":200' in data
    except OSError:
        return False


def main():
    runs, port, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    command = sys.argv[sys.argv.index("--") + 1:]
    tls = None
    if "--tls" in sys.argv[:sys.argv.index("--")]:
        tls = ssl.create_default_context()
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE
    body = json.dumps({"apiKey": key, "codeLength": 6}).encode()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while not try_request(port, body, tls):
                if proc.poll() is not None:
                    sys.exit(f"process exited with {proc.returncode} before answering")
                if time.perf_counter() - start > 20:
                    sys.exit("no answer within 20 s")
                time.sleep(0.0005)
            times.append((time.perf_counter() - start) * 1000)
        finally:
            proc.terminate()
            proc.wait()
    print(f"startup_ms {statistics.median(times):.1f} {min(times):.1f} {max(times):.1f}")


if __name__ == "__main__":
    main()
