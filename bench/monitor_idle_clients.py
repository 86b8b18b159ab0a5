#!/usr/bin/env python3
# MONITOR with many idle clients: SET throughput and server CPU per request with and without a
# monitoring client, while N idle clients are connected, for redoubt-server and Debian's
# redis-server (alternating, medians of --reps). Once every command walked every client under
# one lock to find the monitors: with 8,000 idle clients and one monitor SET fell from 31k to
# 1.2k requests/s (Redis: 30k to 23k). Prints a Markdown table; nothing is written.
#
#   /usr/bin/python3 bench/monitor_idle_clients.py [--idle 8000] [--requests 100000] [--reps 3]
#
# Server pinned to CPU 1, redis-benchmark (50 clients, P1) to CPU 0, the monitor reader in this
# process. Needs `ulimit -n` above the idle count (raised here when allowed).
import argparse
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True
from bench_servers import Server  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def run_once(server, idle, requests, monitor):
    socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(idle)]
    stop = threading.Event()
    mon = None
    if monitor:
        mon = socket.create_connection(("127.0.0.1", server.port))
        mon.sendall(b"MONITOR\r\n")
        mon.settimeout(0.05)

        def drain():
            while not stop.is_set():
                try:
                    mon.recv(1 << 20)
                except socket.timeout:
                    pass
        threading.Thread(target=drain, daemon=True).start()
    before = server.cpu_ticks()
    out = subprocess.run(["taskset", "-c", "0", "redis-benchmark", "-p", str(server.port), "-t",
                          "set", "-n", str(requests), "-c", "50", "--csv"],
                         capture_output=True, text=True, check=True).stdout
    ticks = server.cpu_ticks() - before
    stop.set()
    for s in socks + ([mon] if mon else []):
        s.close()
    rps = float(out.strip().splitlines()[-1].split(",")[1].strip('"'))
    return rps, ticks


def main():
    p = argparse.ArgumentParser(description="SET throughput with many idle clients and MONITOR")
    p.add_argument("--idle", type=int, default=8000)
    p.add_argument("--requests", type=int, default=100_000)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--redoubt", default=str(REPO / "build/bin/redoubt-server"))
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.idle + 1000
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, soft), max(want, hard)))
    clk = __import__("os").sysconf("SC_CLK_TCK")
    log_dir = Path(tempfile.mkdtemp(prefix="monitor-bench-"))
    results = {}
    ports = set()
    for rep in range(args.reps):
        for kind, binary in (("redoubt", args.redoubt), ("redis", "/usr/bin/redis-server")):
            for monitor in (False, True):
                extra = ["--maxclients", str(want)] + (["--save", "", "--appendonly", "no"]
                                                       if kind == "redis" else [])
                s = Server(kind, kind, binary, extra, "1", log_dir, ports)
                s.start()
                try:
                    rps, ticks = run_once(s, args.idle, args.requests, monitor)
                finally:
                    s.stop()
                results.setdefault((kind, monitor), []).append(
                    (rps, ticks / clk / args.requests * 1e6))
                print(f"rep {rep + 1}/{args.reps} {kind:8} monitor={monitor!s:5} "
                      f"{rps:10.0f} rps", file=sys.stderr, flush=True)
    print(f"\n{args.idle} idle clients, SET -c 50 -n {args.requests}, medians of {args.reps} "
          "(min–max); server on CPU 1, redis-benchmark on CPU 0\n")
    print("| server | monitor | SET rps | server CPU µs/req | rps with monitor / without |")
    print("|---|---|---:|---:|---:|")
    for kind in ("redoubt", "redis"):
        base = statistics.median(r for r, _ in results[(kind, False)])
        for monitor in (False, True):
            runs = results[(kind, monitor)]
            rps = [r for r, _ in runs]
            cpu = [c for _, c in runs]
            ratio = statistics.median(rps) / base
            print(f"| {kind} | {'yes' if monitor else 'no'} | {statistics.median(rps):,.0f} "
                  f"({min(rps):,.0f}–{max(rps):,.0f}) | {statistics.median(cpu):.1f} | "
                  f"{ratio:.2f} |")


if __name__ == "__main__":
    main()
