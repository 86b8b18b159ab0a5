#!/usr/bin/python3
# The control plane's own speed (issue targets: a group usable in under 3 s; Describe p99
# under 20 ms with 50 callers):
#
#  1. Create to first write: boto3 CreateReplicationGroup (cluster mode, NumNodeGroups ×
#     ReplicasPerNodeGroup of 2×1, 2×2, 3×2 and 3×3), then a redis-py RedisCluster on the
#     configuration endpoint and its first SET; the time from the call to the SET's reply.
#     DeleteReplicationGroup's time too. REPS times each.
#  2. Describe latency: 50 callers replay one signed DescribeReplicationGroups request (a SigV4
#     signature stays valid for minutes, so the callers' cost is an HTTP POST, not botocore's
#     signing and parsing) against a control plane with one 3×2 group, REQUESTS times each; p50,
#     p99 and max per rep. The callers are --caller-processes processes of threads, so that one
#     Python interpreter lock does not queue them all.
#
# Client and control plane share the two cores unpinned (the nodes too). Writes
# bench/control.json and regenerates bench/RESULTS.md (report.py adds the section).
#
#   bench/control_bench.py [--reps 3] [--requests 40] [--caller-processes 10]
import argparse
import http.client
import json
import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from bench_util import save_and_report  # noqa: E402
from support.control_plane import ControlPlane  # noqa: E402
from support.servers import free_port  # noqa: E402

SIZES = ((2, 1), (2, 2), (3, 2), (3, 3))
NODE_BLOCK = "127.0.19.0/24"


def create_to_first_write(plane, client, shards, replicas, rep):
    from redis.cluster import RedisCluster
    group_id = f"bench-{shards}x{replicas}-{rep}"
    t0 = time.monotonic()
    client.create_replication_group(ReplicationGroupId=group_id, ReplicationGroupDescription="b",
                                    NumNodeGroups=shards, ReplicasPerNodeGroup=replicas)
    created = time.monotonic()
    endpoint = client.describe_replication_groups(ReplicationGroupId=group_id)[
        "ReplicationGroups"][0]["ConfigurationEndpoint"]
    rc = RedisCluster(host=endpoint["Address"], port=endpoint["Port"])
    rc.set("first", "write")
    written = time.monotonic()
    rc.close()
    client.delete_replication_group(ReplicationGroupId=group_id)
    deleted = time.monotonic()
    return {"create_s": created - t0, "first_write_s": written - t0,
            "delete_s": deleted - written, "nodes": shards * (1 + replicas)}


def signed_describe(plane):
    """Headers and body of one DescribeReplicationGroups request, signed as botocore signs it."""
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    session = botocore.session.get_session()
    session.set_config_variable("credentials_file", plane.env["AWS_SHARED_CREDENTIALS_FILE"])
    body = "Action=DescribeReplicationGroups&Version=2015-02-02"
    req = AWSRequest(method="POST", url=f"http://127.0.0.1:{plane.port}/", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(session.get_credentials(), "elasticache", "us-east-1").add_auth(req)
    return dict(req.headers.items()), body


def _caller_process(port, headers, body, threads, requests, out):
    """One process of callers: `threads` threads, `requests` each; sends its latencies (s) and
    its error count through out."""
    latencies = []
    errors = []
    lock = threading.Lock()

    def caller():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(requests):
            t0 = time.perf_counter()
            conn.request("POST", "/", body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read()
            mine.append(time.perf_counter() - t0)
            if resp.status != 200 or b"<ReplicationGroup>" not in text:
                errors.append(resp.status)
        with lock:
            latencies.extend(mine)
    pool = [threading.Thread(target=caller) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.send((latencies, len(errors)))
    out.close()


def describe_latency(plane, callers, requests, processes):
    import multiprocessing
    headers, body = signed_describe(plane)
    pipes = []
    workers = []
    for i in range(processes):
        threads = callers // processes + (1 if i < callers % processes else 0)
        receive, send = multiprocessing.Pipe(duplex=False)
        proc = multiprocessing.Process(target=_caller_process,
                                       args=(plane.port, headers, body, threads, requests, send))
        proc.start()
        pipes.append(receive)
        workers.append(proc)
    latencies = []
    errors = 0
    for receive, proc in zip(pipes, workers):
        mine, failed = receive.recv()
        latencies.extend(mine)
        errors += failed
        proc.join()
    latencies.sort()
    ms = [x * 1000 for x in latencies]
    return {"p50_ms": ms[len(ms) // 2], "p99_ms": ms[int(len(ms) * 0.99) - 1], "max_ms": ms[-1],
            "requests": len(ms), "errors": errors}


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--requests", type=int, default=40, help="per caller, per rep")
    ap.add_argument("--callers", type=int, default=50)
    ap.add_argument("--caller-processes", type=int, default=10)
    ap.add_argument("--control", default=str(HERE.parent / "build/bin/redoubt-control"))
    ap.add_argument("--out", default=str(HERE))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="control-bench-") as tmp:
        plane = ControlPlane(args.control, Path(tmp) / "data", NODE_BLOCK).start()
        try:
            client = plane.boto3_client()
            runs = {f"{s}x{r}": [] for s, r in SIZES}
            for rep in range(args.reps):
                for shards, replicas in SIZES:
                    run = create_to_first_write(plane, client, shards, replicas, rep)
                    runs[f"{shards}x{replicas}"].append(run)
                    print(f"rep {rep + 1}/{args.reps} {shards}x{replicas} ({run['nodes']} nodes): "
                          f"create {run['create_s']:.2f} s, first write "
                          f"{run['first_write_s']:.2f} s, delete {run['delete_s']:.2f} s",
                          flush=True)
            client.create_replication_group(ReplicationGroupId="described",
                                            ReplicationGroupDescription="b", NumNodeGroups=3,
                                            ReplicasPerNodeGroup=2)
            describe = []
            for rep in range(args.reps):
                d = describe_latency(plane, args.callers, args.requests, args.caller_processes)
                describe.append(d)
                print(f"rep {rep + 1}/{args.reps} Describe, {args.callers} callers: p50 "
                      f"{d['p50_ms']:.1f} ms, p99 {d['p99_ms']:.1f} ms, max {d['max_ms']:.1f} ms, "
                      f"{d['errors']} errors", flush=True)
            client.delete_replication_group(ReplicationGroupId="described")
        finally:
            plane.stop_all()
    results = {
        "reps": args.reps, "callers": args.callers, "requests_per_caller": args.requests,
        "caller_processes": args.caller_processes,
        "create": {size: {"nodes": r[0]["nodes"],
                          **{k: summary([x[k] for x in r])
                             for k in ("create_s", "first_write_s", "delete_s")}}
                   for size, r in runs.items()},
        "describe": {k: summary([d[k] for d in describe]) for k in ("p50_ms", "p99_ms", "max_ms")},
        "describe_errors": sum(d["errors"] for d in describe),
        "cpus": os.cpu_count(),
    }
    save_and_report(args.out, "control.json", results)


if __name__ == "__main__":
    main()
