#!/usr/bin/python3
# What cluster mode costs and how fast it fails over, on Redoubt and on Debian's redis-server 7.0
# in one run:
#
#  1. Overhead on one node: redis-benchmark SET and GET (-c 50 -r 1000000 -d 64) on a node with
#     cluster-enabled yes that serves every slot, against the same server with cluster mode off,
#     at -P 16 and -P 1. Server pinned to CPU 1, redis-benchmark to CPU 0. Besides throughput,
#     the server's own CPU time per request (utime + stime of its process over each run): what
#     cluster mode adds to a request, whether or not the client was the bottleneck of the run.
#     The target: Redoubt in cluster mode at least 0.97x of itself without.
#  2. Three shards: three primaries of each server (created with redis-cli --cluster create),
#     redis-benchmark --cluster -t set,get -P 16 over them. Unpinned: three servers and the
#     client share the two cores as the kernel places them.
#  3. Failover: three primaries with a replica each (cluster-node-timeout --node-timeout ms); a
#     primary is killed (SIGKILL) and the time to the first successful SET on its replica, for a
#     key of the killed primary's slots, is measured. Unpinned.
#
# Runs alternate Redis, Redoubt, REPS times each; tables give medians and min-max, and the
# cluster / plain ratios are medians of each rep's pair (the two modes run back to back). Writes
# bench/cluster.json and regenerates bench/RESULTS.md (report.py adds the section).
#
#   bench/cluster_bench.py [--requests 1000000] [--reps 3] [--node-timeout 2000]
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_servers import Server, free_port  # noqa: E402
from bench_util import (  # noqa: E402
    RespError, comparison_arguments, median_range, parse_info, save_and_report)

SERVER_CPU = "1"
CLIENT_CPU = "0"


def node(label, kind, binary, tmp, ports, cpus=None, cluster=True, node_timeout=2000):
    d = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=tmp))
    args = ["--dir", str(d), "--save", ""]
    if cluster:
        args += ["--cluster-enabled", "yes", "--cluster-config-file", str(d / "nodes.conf"),
                 "--cluster-port", str(free_port(ports)), "--cluster-node-timeout",
                 str(node_timeout)]
    return Server(label, kind, binary, args, cpus, d, ports).start()


def wait(predicate, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (OSError, RespError):
            pass
        time.sleep(0.02)
    raise RuntimeError(f"timed out waiting for {what}")


def cluster_ok(servers):
    return all(parse_info(s.command("CLUSTER", "INFO")).get("cluster_state") == "ok"
               for s in servers)


def create(servers, replicas):
    out = subprocess.run(["redis-cli", "--cluster", "create",
                          *[f"127.0.0.1:{s.port}" for s in servers],
                          "--cluster-replicas", str(replicas), "--cluster-yes"],
                         capture_output=True, text=True, timeout=120)
    if "[OK] All 16384 slots covered." not in out.stdout:
        raise RuntimeError(f"redis-cli --cluster create failed:\n{out.stdout}{out.stderr}")
    wait(lambda: cluster_ok(servers), "cluster_state:ok")


def benchmark(port, tests, pipeline, requests, cpu=None, cluster=False):
    """{test: (rps, p99 ms)} from one redis-benchmark run."""
    cmd = ["redis-benchmark", "-p", str(port), "-t", tests, "-n", str(requests), "-P",
           str(pipeline), "-c", "50", "-r", "1000000", "-d", "64", "--csv"]
    if cluster:
        cmd.append("--cluster")
    if cpu is not None:
        cmd = ["taskset", "-c", cpu] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=1800).stdout
    results = {}
    for line in out.splitlines():
        cells = [c.strip('"') for c in line.split(",")]
        if len(cells) >= 7 and cells[0] in ("SET", "GET"):
            results[cells[0]] = (float(cells[1]), float(cells[6]))
    if len(results) != len(tests.split(",")):
        raise RuntimeError(f"redis-benchmark printed no result:\n{out}")
    return results


def cpu_seconds(pid):
    """utime + stime of a process (every thread), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def overhead_run(kind, binary, cluster, pipeline, requests, tmp, ports):
    """{test: (rps, p99 ms, server CPU µs per request)}; SET first, then GET of its keys."""
    s = node(f"{kind}-{'cluster' if cluster else 'plain'}", kind, binary, tmp, ports,
             cpus=SERVER_CPU, cluster=cluster)
    try:
        if cluster:
            s.command("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
            wait(lambda: cluster_ok([s]), "cluster_state:ok")
        results = {}
        for test in ("set", "get"):
            before = cpu_seconds(s.proc.pid)
            rps, p99 = benchmark(s.port, test, pipeline, requests, cpu=CLIENT_CPU)[test.upper()]
            used = cpu_seconds(s.proc.pid) - before
            results[test.upper()] = (rps, p99, used * 1e6 / requests)
        return results
    finally:
        s.stop(grace=30)


def shards_run(kind, binary, requests, tmp, ports):
    servers = [node(f"{kind}-shard{i}", kind, binary, tmp, ports) for i in range(3)]
    try:
        create(servers, 0)
        return benchmark(servers[0].port, "set,get", 16, requests, cluster=True)
    finally:
        for s in servers:
            s.stop(grace=30)


def key_of_slot(server, slot):
    for i in range(200000):
        if server.command("CLUSTER", "KEYSLOT", f"k{i}") == slot:
            return f"k{i}"
    raise RuntimeError("no key found")


def failover_run(kind, binary, node_timeout, tmp, ports):
    servers = [node(f"{kind}-fo{i}", kind, binary, tmp, ports, node_timeout=node_timeout)
               for i in range(6)]
    try:
        create(servers, 1)
        by_port = {s.port: s for s in servers}
        # A replica and its primary, from the replica's CLUSTER NODES line.
        replica = primary = None
        for s in servers:
            for line in s.command("CLUSTER", "NODES").splitlines():
                f = line.split()
                if "myself" in f[2] and "slave" in f[2]:
                    replica = s
                    primary_id = f[3]
            if replica:
                break
        for line in replica.command("CLUSTER", "NODES").splitlines():
            f = line.split()
            if f[0] == primary_id:
                primary = by_port[int(f[1].split("@")[0].rsplit(":", 1)[1])]
                slot = int(f[8].split("-")[0])
        wait(lambda: parse_info(replica.command("INFO", "replication"))
             .get("master_link_status") == "up", "the replica's link")
        key = key_of_slot(replica, slot)
        killed = time.monotonic()
        os.kill(primary.proc.pid, signal.SIGKILL)
        primary.proc.wait()
        attempts = 0
        while True:
            attempts += 1
            try:
                if replica.command("SET", key, "v", timeout=2.0) == "OK":
                    break
            except (OSError, RespError):
                pass
            if time.monotonic() - killed > 120:
                raise RuntimeError(f"{kind}: no failover within 120 s")
            time.sleep(0.005)
        return {"seconds": time.monotonic() - killed, "attempts": attempts}
    finally:
        for s in servers:
            s.stop(grace=30)


def main():
    p = comparison_arguments(__doc__)
    p.add_argument("--node-timeout", type=int, default=2000)
    args = p.parse_args()

    def log(text):
        print(text, flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    ports = set()
    servers = (("redis", args.redis), ("redoubt", args.redoubt))
    results = {"requests_p16": args.requests, "requests_p1": args.requests // 8,
               "reps": args.reps, "node_timeout_ms": args.node_timeout,
               "cpus": {"server": SERVER_CPU, "client": CLIENT_CPU},
               "overhead": [], "shards": [], "failover": []}
    try:
        total = args.reps * (2 * 2 * 2 + 2 + 2)
        done = 0
        for rep in range(args.reps):
            # Each server's two modes run back to back, in an order that alternates between
            # reps, so that each rep gives a cluster / plain pair measured close together.
            modes = (False, True) if rep % 2 == 0 else (True, False)
            for pipeline in (16, 1):
                requests = args.requests if pipeline == 16 else args.requests // 8
                for kind, binary in servers:
                    for cluster in modes:
                        r = overhead_run(kind, binary, cluster, pipeline, requests, tmp, ports)
                        for test, (rps, p99, cpu_us) in r.items():
                            results["overhead"].append(
                                {"server": kind, "cluster": cluster, "pipeline": pipeline,
                                 "test": test, "rps": rps, "p99_ms": p99,
                                 "cpu_us_per_request": cpu_us, "rep": rep})
                        done += 1
                        log(f"[{done}/{total}] {kind:8} P{pipeline:<2} cluster={cluster!s:5} "
                            f"rep {rep}: " + ", ".join(f"{t} {v[0]:,.0f} rps {v[2]:.2f} µs CPU"
                                                       for t, v in r.items()))
            for kind, binary in servers:
                r = shards_run(kind, binary, args.requests, tmp, ports)
                for test, (rps, p99) in r.items():
                    results["shards"].append({"server": kind, "test": test, "rps": rps,
                                              "p99_ms": p99, "rep": rep})
                done += 1
                log(f"[{done}/{total}] {kind:8} 3 shards rep {rep}: " +
                    ", ".join(f"{t} {v[0]:,.0f} rps" for t, v in r.items()))
            for kind, binary in servers:
                r = failover_run(kind, binary, args.node_timeout, tmp, ports)
                r.update({"server": kind, "rep": rep})
                results["failover"].append(r)
                done += 1
                log(f"[{done}/{total}] {kind:8} failover rep {rep}: first write on the new "
                    f"primary {r['seconds']:.2f} s after the kill")
        summary = {}
        for kind, _ in servers:
            for pipeline in (16, 1):
                for cluster in (False, True):
                    for test in ("SET", "GET"):
                        rows = [r for r in results["overhead"] if r["server"] == kind and
                                r["cluster"] == cluster and r["pipeline"] == pipeline and
                                r["test"] == test]
                        name = f"{kind}/{'cluster' if cluster else 'plain'}/P{pipeline}/{test}"
                        summary[name] = median_range([r["rps"] for r in rows])
                        summary[name + "/cpu"] = median_range(
                            [r["cpu_us_per_request"] for r in rows])
                for test in ("SET", "GET"):
                    # Cluster / plain of each rep's pair: the slow drifts of this machine's
                    # speed, which move both runs of a pair alike, cancel out.
                    for measure, name in (("rps", ""), ("cpu_us_per_request", "/cpu")):
                        by_rep = {}
                        for r in results["overhead"]:
                            if (r["server"] == kind and r["pipeline"] == pipeline and
                                    r["test"] == test):
                                by_rep.setdefault(r["rep"], {})[r["cluster"]] = r[measure]
                        summary[f"{kind}/paired/P{pipeline}/{test}{name}"] = median_range(
                            [pair[True] / pair[False] for pair in by_rep.values()
                             if pair.get(True) and pair.get(False)])
            for test in ("SET", "GET"):
                summary[f"{kind}/shards/{test}"] = median_range(
                    [r["rps"] for r in results["shards"] if r["server"] == kind and
                     r["test"] == test])
            summary[f"{kind}/failover"] = median_range(
                [r["seconds"] for r in results["failover"] if r["server"] == kind])
        results["summary"] = summary
        save_and_report(args.out, "cluster.json", results)
    finally:
        subprocess.run(["rm", "-rf", str(tmp)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
