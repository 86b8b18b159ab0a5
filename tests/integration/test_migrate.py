# MIGRATE against real targets, compared with redis-server's own MIGRATE: the same sequence of
# MIGRATE calls from a redis-server source and from a Redoubt source, each to a target of the
# other kind (so each side's RESTORE reads the other's DUMP payloads), gives the same replies,
# leaves the same keys and values on the targets, and keeps TTLs; then redis-cli --cluster
# reshard moves slots that hold keys between Redoubt primaries under a redis-py RedisCluster
# load with no failed operation.
import threading
import time

import pytest
from redis.cluster import RedisCluster

from support import servers
from support.resp_client import RespClient, unwrap
from support.tools import REDIS_CLI, run_tool, wait_until


def both_kinds(redis_factory, redoubt_factory, target_args=()):
    """(source, target) pairs: redis-server → Redoubt and Redoubt → redis-server."""
    return [("redis", redis_factory(), redoubt_factory(list(target_args))),
            ("redoubt", redoubt_factory(), redis_factory(list(target_args)))]


def run(server, *args):
    with RespClient(port=server.port) as c:
        return c.call(*args)


SEQUENCE = [
    ("SET", "s", "v1"), ("PEXPIRE", "s", "500000"), ("HSET", "h", "f", "1", "g", "2"),
    ("RPUSH", "l", "a", "b", "c"), ("SET", "busy", "here"), ("ZADD", "z", "1", "m"),
    ("MIGRATE", "{host}", "{port}", "s", "0", "5000"),
    ("MIGRATE", "{host}", "{port}", "s", "0", "5000"),               # gone: NOKEY
    ("MIGRATE", "{host}", "{port}", "h", "0", "5000", "COPY"),
    ("MIGRATE", "{host}", "{port}", "h", "0", "5000", "COPY"),       # BUSYKEY on the target
    ("MIGRATE", "{host}", "{port}", "h", "0", "5000", "COPY", "REPLACE"),
    ("MIGRATE", "{host}", "{port}", "busy", "0", "5000"),            # exists there: error
    ("MIGRATE", "{host}", "{port}", "", "0", "5000", "KEYS", "l", "z", "nokey"),
    ("MIGRATE", "{host}", "{port}", "k", "0", "5000", "KEYS", "l"),  # key must be ""
    ("MIGRATE", "{host}", "{port}", "h", "0", "5000", "BOGUS"),
    ("MIGRATE", "{host}", "{port}", "h", "x", "5000"),
    ("MIGRATE", "{host}", "{port}", "h", "0", "x"),
    ("MIGRATE", "{host}", "{port}", "h", "3", "5000", "REPLACE"),    # another database
    ("EXISTS", "s", "h", "l", "z", "busy"),
]


def test_migrate_matches_redis(redis_factory, redoubt_factory):
    replies = {}
    targets = {}
    for kind, source, target in both_kinds(redis_factory, redoubt_factory):
        run(target, "SET", "busy", "there")
        got = []
        for cmd in SEQUENCE:
            args = [a.replace("{host}", "127.0.0.1").replace("{port}", str(target.port))
                    for a in cmd]
            got.append(run(source, *args))
        replies[kind] = got
        targets[kind] = target
    for cmd, a, b in zip(SEQUENCE, replies["redis"], replies["redoubt"]):
        assert a == b, f"{cmd}: redis {a} vs redoubt {b}"
    # What each target holds: the same values, TTLs kept.
    for kind, target in targets.items():
        assert unwrap(run(target, "GET", "s")) == b"v1", kind
        ttl = unwrap(run(target, "PTTL", "s"))
        assert 400000 < ttl <= 500000, (kind, ttl)
        assert unwrap(run(target, "HGETALL", "h")) == [b"f", b"1", b"g", b"2"], kind
        assert unwrap(run(target, "LRANGE", "l", "0", "-1")) == [b"a", b"b", b"c"], kind
        assert unwrap(run(target, "GET", "busy")) == b"there", kind
        assert unwrap(run(target, "SELECT", "3")) == "OK"
    with RespClient(port=targets["redis"].port) as c:
        c.call("SELECT", "3")
        assert unwrap(c.call("EXISTS", "h")) == 1


def test_migrate_auth_and_unreachable_target(redis_factory, redoubt_factory):
    replies = {}
    for kind, source, target in both_kinds(redis_factory, redoubt_factory,
                                           ["--requirepass", "sekret"]):
        run(source, "SET", "k", "v")
        dead = servers.free_port()
        replies[kind] = [
            run(source, "MIGRATE", "127.0.0.1", str(target.port), "k", "0", "5000", "COPY"),
            run(source, "MIGRATE", "127.0.0.1", str(target.port), "k", "0", "5000", "COPY",
                "AUTH", "wrong"),
            run(source, "MIGRATE", "127.0.0.1", str(target.port), "k", "0", "5000", "AUTH2",
                "default", "sekret"),
            run(source, "MIGRATE", "127.0.0.1", str(dead), "other", "0", "1000"),
            run(source, "EXISTS", "k"),
        ]
    assert replies["redis"][:2] == replies["redoubt"][:2]
    assert replies["redoubt"][2] == ("simple", "OK") and replies["redis"][2] == ("simple", "OK")
    assert replies["redoubt"][3] == replies["redis"][3] == ("simple", "NOKEY")
    assert replies["redoubt"][4] == replies["redis"][4] == ("int", 0)
    # An unreachable target: an IOERR, the key kept.
    for kind, source, _ in both_kinds(redis_factory, redoubt_factory):
        run(source, "SET", "k", "v")
        reply = run(source, "MIGRATE", "127.0.0.1", str(servers.free_port()), "k", "0", "1000")
        assert reply[0] == "error" and reply[1].startswith("IOERR error or timeout"), (kind, reply)
        assert unwrap(run(source, "EXISTS", "k")) == 1


@pytest.mark.redoubt_timeout(300)  # a reshard of 1,000 slots, slower under ASan
def test_reshard_with_keys_under_load(tmp_path):
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    nodes = []
    try:
        for i in (1, 2, 3):
            address = f"127.0.3.{i}"
            directory = tmp_path / address
            directory.mkdir()
            s = servers.redoubt_server(
                args=["--cluster-enabled", "yes", "--cluster-port", str(servers.free_port(address)),
                      "--cluster-config-file", str(directory / "nodes.conf"), "--dir",
                      str(directory)], host=address, name=f"reshard-{address}")
            nodes.append(s.start())
        out = run_tool([REDIS_CLI, "--cluster", "create", *[f"{n.host}:{n.port}" for n in nodes],
                        "--cluster-yes"], timeout=120)
        assert "[OK] All 16384 slots covered." in out.stdout, out.stdout + out.stderr

        def state_ok():
            for n in nodes:
                with RespClient(n.host, n.port) as c:
                    if b"cluster_state:ok" not in unwrap(c.call("CLUSTER", "INFO")):
                        return False
            return True

        assert wait_until(state_ok, timeout=30)
        rc = RedisCluster(host=nodes[0].host, port=nodes[0].port)
        for i in range(3000):
            rc.set(f"key:{i}", i)
        failures = []
        done = threading.Event()
        counts = {"ops": 0}

        def load():
            client = RedisCluster(host=nodes[1].host, port=nodes[1].port)
            i = 0
            deadline = time.monotonic() + 280
            while not done.is_set() and time.monotonic() < deadline:
                key = f"key:{i % 3000}"
                try:
                    client.set(key, i % 3000)
                    if int(client.get(key)) != i % 3000:
                        failures.append(("value", key))
                except Exception as e:  # every failure counts, whatever its kind
                    failures.append(repr(e))
                i += 1
                counts["ops"] += 1
            client.close()

        loader = threading.Thread(target=load)
        loader.start()
        with RespClient(nodes[0].host, nodes[0].port) as c:
            source = unwrap(c.call("CLUSTER", "MYID")).decode()
        with RespClient(nodes[1].host, nodes[1].port) as c:
            dest = unwrap(c.call("CLUSTER", "MYID")).decode()
        reshard = run_tool([REDIS_CLI, "--cluster", "reshard", f"{nodes[0].host}:{nodes[0].port}",
                            "--cluster-from", source, "--cluster-to", dest, "--cluster-slots",
                            "1000", "--cluster-yes"], timeout=280)
        done.set()
        loader.join()
        assert reshard.returncode == 0, reshard.stdout[-2000:] + reshard.stderr
        assert counts["ops"] > 100
        assert failures == []
        check = run_tool([REDIS_CLI, "--cluster", "check", f"{nodes[0].host}:{nodes[0].port}"])
        assert "[OK] All nodes agree about slots configuration." in check.stdout, check.stdout
        assert "[OK] All 16384 slots covered." in check.stdout
        assert sorted(int(v) for v in rc.mget_nonatomic([f"key:{i}" for i in range(3000)])) == \
            list(range(3000))
        total = 0
        for n in nodes:
            with RespClient(n.host, n.port) as c:
                total += unwrap(c.call("DBSIZE"))
        assert total == 3000
        rc.close()
    finally:
        for n in nodes:
            n.stop()
