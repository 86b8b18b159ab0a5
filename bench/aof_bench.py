#!/usr/bin/python3
# What the append-only file costs on the write path, on Redoubt and on Debian's redis-server 7.0
# in one run: redis-benchmark SET throughput (and p99 latency) without AOF, with appendfsync
# everysec and with appendfsync always, at -P 16 and -P 1. The targets: SET P16 with
# everysec at least 0.9x of the same server without AOF, and compared with Redis's.
#
# A rewrite is not the write path: its cost is one pass over the dataset each time the AOF
# has doubled, whatever the write rate. The everysec and always rows run with automatic
# rewrites off (auto-aof-rewrite-percentage 0); the row "everysec+rewrite" keeps Redis's
# defaults (100%, 64 MB), which this run reaches once at -P 16, so the rewrite's cost shows
# there, and the server CPU per request (children included, for Redis's fork) says what it
# took on CPU 0.
#
# CPUs: each server pinned to CPU 0, redis-benchmark to CPU 1 (Redoubt's AOF writer thread
# shares CPU 0 with its I/O thread, as Redis's bio fsync thread shares it with its main
# thread). A fresh server per run, in a fresh directory; runs alternate Redis, Redoubt, Redis,
# … REPS times per mode, and the tables give medians and min-max. Writes bench/aof.json and
# regenerates bench/RESULTS.md (report.py adds the section from aof.json).
#
#   bench/aof_bench.py [--requests 1000000] [--reps 3]
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_servers import Server  # noqa: E402
from bench_util import (  # noqa: E402
    comparison_arguments, median_range, redis_benchmark_set, save_and_report)

SERVER_CPU = "0"
CLIENT_CPU = "1"
NO_AUTO_REWRITE = ["--auto-aof-rewrite-percentage", "0"]
MODES = {"off": ["--appendonly", "no"],
         "everysec": ["--appendonly", "yes", "--appendfsync", "everysec"] + NO_AUTO_REWRITE,
         "everysec+rewrite": ["--appendonly", "yes", "--appendfsync", "everysec"],
         "always": ["--appendonly", "yes", "--appendfsync", "always"] + NO_AUTO_REWRITE}


def benchmark(port, requests, pipeline):
    return redis_benchmark_set(port, requests, pipeline, CLIENT_CPU, timeout=600)


def one_run(label, kind, binary, mode, requests, pipeline, tmp, ports):
    d = Path(tempfile.mkdtemp(prefix=f"{label}-{mode}-", dir=tmp))
    s = Server(label, kind, binary, ["--dir", str(d), "--save", ""] + MODES[mode], SERVER_CPU,
               d, ports)
    s.start()
    try:
        if mode != "off":
            # Both servers make their first base at start-up; wait until it is done.
            deadline = time.monotonic() + 60
            while s.info("persistence").get("aof_rewrite_in_progress") not in ("0", 0):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{label}: the first AOF rewrite did not end")
                time.sleep(0.05)
        ticks = s.cpu_ticks(children=True)
        rps, p99 = benchmark(s.port, requests, pipeline)
        info = s.info("persistence")
        size = int(info.get("aof_current_size", 0) or 0)
        rewrites = int(info.get("aof_rewrites", 0) or 0)
        # A rewrite still running is counted, and its CPU so far (a Redis child's only once
        # it is reaped: waited for here, at most a minute).
        deadline = time.monotonic() + 60
        while (mode != "off" and str(s.info("persistence").get("aof_rewrite_in_progress")) != "0"
               and time.monotonic() < deadline):
            time.sleep(0.05)
        cpu_us = (s.cpu_ticks(children=True) - ticks) * 1e6 / os.sysconf("SC_CLK_TCK") / requests
    finally:
        s.stop(grace=30)
        subprocess.run(["rm", "-rf", str(d)])
    return {"rps": rps, "p99_ms": p99, "aof_bytes": size, "rewrites": rewrites,
            "server_cpu_us": cpu_us}


def main():
    p = comparison_arguments(__doc__)
    args = p.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="aof-bench-"))
    ports = set()
    results = {"requests_p16": args.requests, "requests_p1": args.requests // 8,
               "reps": args.reps, "cpus": {"server": SERVER_CPU, "clients": CLIENT_CPU},
               "runs": []}
    try:
        total = 2 * len(MODES) * args.reps * 2
        done = 0
        for pipeline in (16, 1):
            requests = args.requests if pipeline == 16 else args.requests // 8
            for mode in MODES:
                for rep in range(args.reps):
                    for label, binary in (("redis", args.redis), ("redoubt", args.redoubt)):
                        r = one_run(label, label, binary, mode, requests, pipeline, tmp, ports)
                        r.update({"server": label, "mode": mode, "pipeline": pipeline,
                                  "rep": rep})
                        results["runs"].append(r)
                        done += 1
                        print(f"[{done}/{total}] {label:8} P{pipeline:<2} {mode:16} rep {rep}: "
                              f"{r['rps']:,.0f} rps, p99 {r['p99_ms']:.2f} ms, "
                              f"{r['server_cpu_us']:.2f} us CPU/request, "
                              f"{r['rewrites']} rewrites", flush=True)
        summary = {}
        for pipeline in (16, 1):
            for mode in MODES:
                for label in ("redis", "redoubt"):
                    rows = [r for r in results["runs"] if r["server"] == label
                            and r["mode"] == mode and r["pipeline"] == pipeline]
                    summary[f"{label}/{mode}/P{pipeline}"] = {
                        k: median_range([r[k] for r in rows])
                        for k in ("rps", "p99_ms", "server_cpu_us", "rewrites")}
        results["summary"] = summary
        save_and_report(args.out, "aof.json", results)
    finally:
        subprocess.run(["rm", "-rf", str(tmp)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
