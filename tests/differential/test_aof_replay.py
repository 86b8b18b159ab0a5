# The append-only file replays to the dataset it recorded: a fixed-seed random sequence (the
# generator of test_random.py, with lists, MOVE, SELECT, SWAPDB, FLUSHDB and TTLs) runs on
# Redoubt and on redis-server, both with appendonly yes; the two live datasets must be equal,
# and so must each AOF loaded again — Redoubt's by Redoubt and by redis-server, redis-server's
# by Redoubt. A command logged with arguments that replay differently (a relative TTL, a write
# logged in the wrong database or order) shows up as a difference here.
import shutil

import pytest
import redis

from differential.test_random import Gen
from support import servers
from support.resp_client import RespClient
from support.datasets import fill, snapshot_of

DBS = (0, 1, 2, 3)
STEPS = 1500


def client(server):
    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=30)


def aof_args(directory):
    return ["--dir", str(directory), "--appendonly", "yes", "--save", ""]


def run(server, seed):
    """The sequence on one connection (SELECT carries over); replies, errors included, are
    test_random.py's business: here only the data counts."""
    g = Gen(seed, with_other_types=True)
    with RespClient(port=server.port) as c:
        for _ in range(STEPS):
            args, _ = g.command()
            if args[0] != "<SCAN>":
                c.call(*args)


@pytest.mark.parametrize("seed", [11, 12])
def test_random_sequence_replays_to_the_same_dataset(tmp_path, seed):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    with servers.redoubt_server(args=aof_args(ours)) as a, \
            servers.redis_server(args=aof_args(theirs)) as b:
        run(a, seed)
        run(b, seed)
        live = snapshot_of(client(a), dbs=DBS)
        assert live == snapshot_of(client(b), dbs=DBS)
    assert len(live) > 10
    with servers.redoubt_server(args=aof_args(ours)) as a:
        assert snapshot_of(client(a), dbs=DBS) == live, "Redoubt's AOF in Redoubt"
    cross = tmp_path / "cross"
    cross.mkdir()
    shutil.copytree(ours / "appendonlydir", cross / "appendonlydir")
    with servers.redis_server(args=aof_args(cross)) as b:
        assert snapshot_of(client(b), dbs=DBS) == live, "Redoubt's AOF in redis-server"
    back = tmp_path / "back"
    back.mkdir()
    shutil.copytree(theirs / "appendonlydir", back / "appendonlydir")
    with servers.redoubt_server(args=aof_args(back)) as a:
        assert snapshot_of(client(a), dbs=DBS) == live, "redis-server's AOF in Redoubt"


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_streams_replay_logged_and_rewritten(tmp_path, preamble):
    """Streams through the AOF both ways: XADD with generated ids and approximate trims are
    logged as what they did (the id, an exact trim), and a rewritten base (RDB preamble, or
    XADD and XSETID commands) keeps the last id and counters."""
    ours = tmp_path / "ours"
    ours.mkdir()
    args = aof_args(ours) + ["--aof-use-rdb-preamble", preamble,
                             "--stream-node-max-entries", "4"]
    with servers.redoubt_server(args=args) as a:
        r = client(a)
        fill(r)
        for i in range(40):
            r.xadd("x:gen", {"n": i}, maxlen=10, approximate=True)
        r.xadd("x:gen", {"n": "last"}, id="*")
        r.xtrim("x:gen", minid="0-1", approximate=True)
        r.execute_command("XSETID", "x:empty", "9-9", "ENTRIESADDED", "7", "MAXDELETEDID", "6-0")
        live = snapshot_of(r, dbs=DBS)
        assert r.bgrewriteaof()
        wait_rewritten(r)
        r.xadd("x:after", {"a": 1}, id="1-1")
        live = snapshot_of(r, dbs=DBS)
    with servers.redoubt_server(args=args) as a:
        assert snapshot_of(client(a), dbs=DBS) == live, "Redoubt's AOF in Redoubt"
    cross = tmp_path / "cross"
    cross.mkdir()
    shutil.copytree(ours / "appendonlydir", cross / "appendonlydir")
    with servers.redis_server(args=aof_args(cross)) as b:
        assert snapshot_of(client(b), dbs=DBS) == live, "Redoubt's AOF in redis-server"


def wait_rewritten(r, limit_s=60.0):
    """Until INFO persistence shows no rewrite in progress (bounded)."""
    import time
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        info = r.info("persistence")
        if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
            return
        time.sleep(0.01)
    raise AssertionError("AOF rewrite did not finish")
