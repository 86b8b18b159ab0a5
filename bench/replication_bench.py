#!/usr/bin/python3
# What replication costs, on Redoubt and on Debian's redis-server 7.0 in one run:
#
#  1. The write path: redis-benchmark SET throughput on a primary with no replica and with two
#     replicas attached (replicas of the same server), at -P 16 and -P 1. The target:
#     SET P16 with two replicas at least 0.9x of the same primary without replicas.
#  2. A full sync of about --sync-gb of data: the time from a replica's start to its link being
#     up (snapshot sent and loaded), and the primary's peak extra memory meanwhile (its RSS
#     growth; for redis-server also the private pages of the forked child that writes the
#     snapshot, sampled from /proc/PID/smaps_rollup, since that is memory the fork costs).
#
# CPUs (2 cores): the primary on CPU 0; the replicas and redis-benchmark on CPU 1. For the
# write path the replicas run at nice 19: they stand in for the separate hosts replicas run on,
# so they take the CPU the client leaves rather than half of it (at equal priority the client
# got less CPU with replicas, and the ratio measured the shared core, not the primary). What
# that defers is measured: the time the replicas took after the run to reach the primary's
# offset. Runs alternate Redis, Redoubt, REPS times each, and tables give medians and min-max.
# Writes
# bench/replication.json and regenerates bench/RESULTS.md (report.py adds the section).
#
#   bench/replication_bench.py [--requests 1000000] [--reps 3] [--sync-gb 1.0]
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

PRIMARY_CPU = "0"
OTHER_CPU = "1"
VALUE_BYTES = 100


def benchmark(port, requests, pipeline, keys=1_000_000, data=64):
    return redis_benchmark_set(port, requests, pipeline, OTHER_CPU, keys=keys, data=data)


REPLICA_NICENESS = 19


def start(label, kind, binary, args, cpus, tmp, ports, niceness=0):
    d = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=tmp))
    extra = ["--dir", str(d), "--save", ""]
    if kind == "redis":
        extra += ["--repl-diskless-sync-delay", "0"]
    s = Server(label, kind, binary, extra + list(args), cpus, d, ports, niceness=niceness)
    return s.start()


def catch_up_seconds(primary, followers, timeout=120):
    """Seconds until every replica's offset reaches the primary's (as it is when called)."""
    target = int(primary.info("replication")["master_repl_offset"])
    started = time.monotonic()
    for f in followers:
        while int(f.info("replication").get("slave_repl_offset", -1)) < target:
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"{f.label}: did not catch up within {timeout} s")
            time.sleep(0.01)
    return time.monotonic() - started


def wait_link_up(replica, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if replica.info("replication").get("master_link_status") == "up":
            return
        time.sleep(0.01)
    raise RuntimeError(f"{replica.label}: the link did not come up")


def write_path_run(kind, binary, replicas, requests, pipeline, tmp, ports):
    primary = start(f"{kind}-primary", kind, binary, [], PRIMARY_CPU, tmp, ports)
    followers = []
    try:
        for i in range(replicas):
            followers.append(start(f"{kind}-replica{i}", kind, binary,
                                   ["--replicaof", "127.0.0.1", str(primary.port)], OTHER_CPU,
                                   tmp, ports, niceness=REPLICA_NICENESS))
        for f in followers:
            wait_link_up(f)
        ticks = primary.cpu_ticks()
        rps, p99 = benchmark(primary.port, requests, pipeline)
        # The primary's own CPU per request: what replication costs it, apart from the CPU
        # the replicas take from the client on the shared core.
        cpu_us = (primary.cpu_ticks() - ticks) * 1e6 / os.sysconf("SC_CLK_TCK") / requests
        catch_up = catch_up_seconds(primary, followers) if followers else 0.0
        return {"rps": rps, "p99_ms": p99, "primary_cpu_us": cpu_us, "catch_up_s": catch_up}
    finally:
        for s in followers + [primary]:
            s.stop(grace=30)


def private_dirty_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Private_Dirty:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid):
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                             text=True).stdout
        return [int(p) for p in out.split()]
    except (OSError, ValueError):
        return []


def full_sync_runs(kind, binary, gb, reps, tmp, ports, log):
    """Fills one primary with about gb GiB, then times `reps` full syncs of a new replica."""
    primary = start(f"{kind}-sync-primary", kind, binary, [], PRIMARY_CPU, tmp, ports)
    runs = []
    try:
        keys = int(gb * (1 << 30) / (VALUE_BYTES + 60))
        log(f"{kind}: filling {keys:,} keys of {VALUE_BYTES} bytes")
        benchmark(primary.port, keys * 2, 16, keys=keys, data=VALUE_BYTES)
        used = int(primary.info("memory")["used_memory"])
        for rep in range(reps):
            base_rss = primary.rss_bytes()
            peak_extra = 0
            started = time.monotonic()
            replica = start(f"{kind}-sync-replica", kind, binary,
                            ["--replicaof", "127.0.0.1", str(primary.port)], OTHER_CPU, tmp,
                            ports)
            try:
                while replica.info("replication").get("master_link_status") != "up":
                    extra = primary.rss_bytes() - base_rss
                    extra += sum(private_dirty_kb(c) * 1024 for c in children(primary.proc.pid))
                    peak_extra = max(peak_extra, extra)
                    if time.monotonic() - started > 900:
                        raise RuntimeError(f"{kind}: full sync did not end")
                    time.sleep(0.05)
                seconds = time.monotonic() - started
                keys_there = int(replica.command("DBSIZE"))
            finally:
                replica.stop(grace=60)
            runs.append({"seconds": seconds, "peak_extra_bytes": peak_extra,
                         "used_memory": used, "keys": keys_there, "rep": rep})
            log(f"{kind}: full sync rep {rep}: {seconds:.2f} s, peak extra "
                f"{peak_extra / (1 << 20):.0f} MiB, {keys_there:,} keys")
    finally:
        primary.stop(grace=60)
    return runs


def main():
    p = comparison_arguments(__doc__)
    p.add_argument("--sync-gb", type=float, default=1.0)
    args = p.parse_args()

    def log(text):
        print(text, flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="replication-bench-"))
    ports = set()
    servers = (("redis", args.redis), ("redoubt", args.redoubt))
    results = {"requests_p16": args.requests, "requests_p1": args.requests // 8,
               "reps": args.reps, "sync_gb": args.sync_gb,
               "cpus": {"primary": PRIMARY_CPU, "replicas_and_client": OTHER_CPU},
               "replica_niceness": REPLICA_NICENESS,
               "write_path": [], "full_sync": []}
    try:
        total = 2 * 2 * args.reps * 2
        done = 0
        for pipeline in (16, 1):
            requests = args.requests if pipeline == 16 else args.requests // 8
            for replicas in (0, 2):
                for rep in range(args.reps):
                    for kind, binary in servers:
                        r = write_path_run(kind, binary, replicas, requests, pipeline, tmp,
                                           ports)
                        r.update({"server": kind, "replicas": replicas, "pipeline": pipeline,
                                  "rep": rep})
                        results["write_path"].append(r)
                        done += 1
                        log(f"[{done}/{total}] {kind:8} P{pipeline:<2} {replicas} replicas "
                            f"rep {rep}: {r['rps']:,.0f} rps, p99 {r['p99_ms']:.2f} ms, "
                            f"primary {r['primary_cpu_us']:.2f} us CPU/request, replicas "
                            f"caught up {r['catch_up_s']:.2f} s after")
        for kind, binary in servers:
            for r in full_sync_runs(kind, binary, args.sync_gb, args.reps, tmp, ports, log):
                r["server"] = kind
                results["full_sync"].append(r)
        summary = {}
        for pipeline in (16, 1):
            for replicas in (0, 2):
                for kind, _ in servers:
                    rows = [r for r in results["write_path"] if r["server"] == kind and
                            r["replicas"] == replicas and r["pipeline"] == pipeline]
                    summary[f"{kind}/{replicas}/P{pipeline}"] = {
                        k: median_range([r[k] for r in rows])
                        for k in ("rps", "p99_ms", "primary_cpu_us", "catch_up_s")}
        for kind, _ in servers:
            rows = [r for r in results["full_sync"] if r["server"] == kind]
            summary[f"{kind}/sync"] = {k: median_range([r[k] for r in rows])
                                       for k in ("seconds", "peak_extra_bytes", "used_memory")}
        results["summary"] = summary
        save_and_report(args.out, "replication.json", results)
    finally:
        subprocess.run(["rm", "-rf", str(tmp)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
