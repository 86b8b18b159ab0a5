"""A redis-py RedisCluster client as the migration scenarios run it, in a process of its own:
it writes N keys, then reads random ones (checking each value) until a stop file appears, and
writes a JSON report: operations, and every failure with its time (time.time()) and text.
With --single, a plain redis-py client of one endpoint (a group without cluster mode: its
primary or reader endpoint); with --no-write, it reads keys written before it started.
With --tls it passes ssl=True and no CA, as the seeds' scripts do: the CA is trusted through
SSL_CERT_FILE in its environment, which `redoubt-control aws-env` prints.

    cluster_reader.py --host H --port P [--tls] [--single] [--no-write] --keys N --prefix P
                      --stop-file F --report F
"""
import argparse
import json
import os
import random
import time

from redis import Redis
from redis.cluster import RedisCluster


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, default=6379)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--keys", type=int, default=500)
    ap.add_argument("--prefix", default="reader:")
    ap.add_argument("--stop-file", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--single", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    kwargs = {"ssl": True} if args.tls else {}
    kind = Redis if args.single else RedisCluster
    client = kind(host=args.host, port=args.port, socket_timeout=10, socket_connect_timeout=10,
                  **kwargs)
    for i in range(0 if args.no_write else args.keys):
        client.set(f"{args.prefix}{i}", i)
    rng = random.Random(7)
    ops = 0
    failures = []
    started = time.monotonic()
    # The report's ready marker: the writes are done and the reads begin.
    with open(args.report + ".ready", "w") as f:
        f.write(str(time.time()))
    while not os.path.exists(args.stop_file) and time.monotonic() - started < args.max_seconds:
        i = rng.randrange(args.keys)
        try:
            value = client.get(f"{args.prefix}{i}")
            if value != str(i).encode():
                failures.append([time.time(), f"wrong value for key {i}: {value!r}"])
            ops += 1
        except Exception as e:  # every failure counts, whatever redis-py raised
            failures.append([time.time(), f"{type(e).__name__}: {e}"])
            time.sleep(0.05)
    with open(args.report, "w") as f:
        json.dump({"ops": ops, "failures": failures}, f)


if __name__ == "__main__":
    main()
