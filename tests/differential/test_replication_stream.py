# The replication stream carries every write so that a replica ends with its primary's dataset:
# a fixed-seed random sequence (test_random.py's generator: every type, MOVE, SELECT, SWAPDB,
# FLUSHDB, TTLs) runs on a primary, half of it before the replica connects (the full sync
# carries it) and half after (the stream carries it); then the replica's dataset, read with
# type-specific commands, must equal the primary's. Redoubt and Debian's redis-server 7.0 play
# both roles, in every pairing, so a write Redoubt propagates in a form Redis applies
# differently, or a Redis stream Redoubt misreads, shows up here.
import time

import pytest
import redis

from differential.test_random import Gen
from support import servers
from support.resp_client import RespClient
from support.datasets import snapshot_of

DBS = (0, 1, 2, 3)
STEPS = 1500


def client(server):
    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=30)


def start(kind, args=()):
    if kind == "redis":
        return servers.redis_server(args=["--repl-diskless-sync-delay", "0", *args])
    return servers.redoubt_server(args=list(args))


def run(server, gen, steps):
    with RespClient(port=server.port) as c:
        for _ in range(steps):
            args, _ = gen.command()
            if args[0] != "<SCAN>":
                c.call(*args)


def wait_synced(primary, replica, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        offset = client(primary).info("replication")["master_repl_offset"]
        info = client(replica).info("replication")
        if info.get("master_link_status") == "up" and info["slave_repl_offset"] >= offset:
            return
        time.sleep(0.02)
    raise AssertionError("the replica did not catch up")


@pytest.mark.parametrize("primary_kind,replica_kind,seed", [
    ("redoubt", "redis", 21),
    ("redis", "redoubt", 22),
    ("redoubt", "redoubt", 23),
])
def test_a_replica_ends_with_the_primarys_dataset(primary_kind, replica_kind, seed):
    gen = Gen(seed, with_other_types=True)
    with start(primary_kind) as primary:
        run(primary, gen, STEPS // 2)
        with start(replica_kind, ["--replicaof", "127.0.0.1", str(primary.port)]) as replica:
            run(primary, gen, STEPS - STEPS // 2)
            wait_synced(primary, replica)
            expected = snapshot_of(client(primary), dbs=DBS)
            assert len(expected) > 10
            assert snapshot_of(client(replica), dbs=DBS) == expected
