#!/usr/bin/python3
"""An application that holds no cache password: it records orders in a Redoubt (or Redis)
replication group, authenticating every connection from a secret in Secrets Manager through
redoubt_secret_cache, and goes on working while the secret is rotated.

    eval "$(redoubt-control aws-env --data-dir control-data)"
    PYTHONPATH=clients/python clients/python/examples/orders_app.py \\
        --secret-id prod/orders/app --host master.orders.….cache.redoubt.internal --tls

Each second it prints what it did (orders written, failed operations, GetSecretValue calls);
at the end a JSON line with the totals. --max-connection-age recycles the pool's connections
(as many pools do), so that new connections authenticate through the rotations.
"""
import argparse
import json
import signal
import sys
import time
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from redoubt_secret_cache import SecretCache, redis_client, redis_cluster_client  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--secret-id", required=True)
    ap.add_argument("--host", required=True, help="the primary or configuration endpoint")
    ap.add_argument("--port", type=int, default=6379)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--cluster", action="store_true", help="a cluster-mode group")
    ap.add_argument("--ttl", type=float, default=300.0, help="seconds a fetched secret is kept")
    ap.add_argument("--seconds", type=float, default=60.0, help="how long to run")
    ap.add_argument("--rate", type=float, default=200.0, help="orders per second")
    ap.add_argument("--max-connection-age", type=float, default=0.0,
                    help="close the pool's connections this often (s); 0: never")
    ap.add_argument("--quiet", action="store_true", help="only the final JSON line")
    args = ap.parse_args()

    cache = SecretCache(boto3.client("secretsmanager"), args.secret_id, ttl=args.ttl)
    make = redis_cluster_client if args.cluster else redis_client
    r = make(cache, host=args.host, port=args.port, ssl=args.tls, socket_timeout=5)

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    totals = {"orders": 0, "failed": 0, "errors": []}
    start = last_report = last_recycle = time.monotonic()
    next_order = start
    order = 0
    while not stopping and time.monotonic() - start < args.seconds:
        now = time.monotonic()
        if args.max_connection_age and now - last_recycle >= args.max_connection_age:
            if args.cluster:
                r.disconnect_connection_pools()
            else:
                r.connection_pool.disconnect()
            last_recycle = now
        try:
            pipe = r.pipeline(transaction=False)
            pipe.hset(f"order:{{{order % 16}}}:{order}", mapping={"status": "paid", "t": time.time()})
            pipe.incr(f"orders:{{{order % 16}}}:count")
            pipe.execute()
            totals["orders"] += 1
        except Exception as error:  # reported, and the application goes on
            totals["failed"] += 1
            if len(totals["errors"]) < 5:
                totals["errors"].append(repr(error)[:200])
        order += 1
        if not args.quiet and now - last_report >= 1.0:
            print(f"{now - start:6.1f} s  orders {totals['orders']:>7}  failed "
                  f"{totals['failed']:>4}  secret fetches {cache.fetches}", flush=True)
            last_report = now
        next_order += 1.0 / args.rate
        time.sleep(max(0.0, next_order - time.monotonic()))
    totals["secret_fetches"] = cache.fetches
    print(json.dumps(totals), flush=True)
    return 0 if totals["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
