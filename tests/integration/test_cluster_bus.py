# Clusters of several nodes over the cluster bus (Redis 7.0's protocol), each node on a loopback
# address of its own as if it were its own host: redis-cli --cluster create and check on three
# Redoubt primaries, then redis-cli -c, redis-benchmark --cluster and redis-py's RedisCluster
# across them, and CLUSTER LINKS; a redis-server 7.0 node joining the Redoubt cluster by CLUSTER MEET and taking a
# slot; a primary stopped, flagged failing by the others within the node timeout, and back.
import time

import pytest
from redis.cluster import RedisCluster

from support.cluster_nodes import NODE_TIMEOUT_MS, agree, create
from support.cluster_nodes import text as _text
from support.resp_client import RespClient, unwrap
from support.tools import REDIS_BENCHMARK, REDIS_CLI, run_tool, wait_until

# Clusters form in seconds, but under ASan on two loaded cores a test takes several times that.
pytestmark = pytest.mark.redoubt_timeout(180)


def create_three(cluster, base="127.0.2"):
    nodes = [cluster(f"{base}.{i}") for i in (1, 2, 3)]
    create(nodes)
    return nodes


def test_redis_cli_creates_a_cluster_that_clients_use(cluster):
    nodes = create_three(cluster)
    check = run_tool([REDIS_CLI, "--cluster", "check", f"{nodes[0].address}:{nodes[0].port}"],
                     timeout=60)
    assert "[OK] All nodes agree about slots configuration." in check.stdout, check.stdout
    assert "[OK] All 16384 slots covered." in check.stdout
    # Three distinct epochs: redis-cli assigns them; the nodes settle collisions themselves.
    epochs = {n.info()["cluster_my_epoch"] for n in nodes}
    assert len(epochs) == 3, epochs
    # redis-cli -c follows MOVED.
    first = nodes[0]
    assert run_tool([REDIS_CLI, "-c", "-h", first.address, "-p", str(first.port), "SET", "foo",
                     "bar"]).stdout.strip() == "OK"
    assert run_tool([REDIS_CLI, "-c", "-h", first.address, "-p", str(first.port), "GET",
                     "foo"]).stdout.strip() == "bar"
    rc = RedisCluster(host=first.address, port=first.port)
    try:
        for i in range(600):
            rc.set(f"key:{i}", i)
        assert [int(v) for v in rc.mget_nonatomic([f"key:{i}" for i in range(600)])] == \
            list(range(600))
    finally:
        rc.close()
    # CLUSTER LINKS: a link to and a link from every other node, with Redis's six fields.
    def links_ok(node):
        links = [dict(zip(e[0::2], e[1::2])) for e in _text(node.call("CLUSTER", "LINKS"))]
        others = [n.name() for n in nodes if n is not node]
        fields = {"direction", "node", "create-time", "events", "send-buffer-allocated",
                  "send-buffer-used"}
        return all(set(link) == fields for link in links) and \
            sorted((link["direction"], link["node"]) for link in links) == \
            sorted((d, o) for o in others for d in ("from", "to"))

    assert wait_until(lambda: all(links_ok(n) for n in nodes), timeout=30), \
        [_text(n.call("CLUSTER", "LINKS")) for n in nodes]
    # Every primary holds a share of the keys.
    counts = [_text(n.call("DBSIZE")) for n in nodes]
    assert all(c > 100 for c in counts), counts
    # PUBLISH on one node reaches subscribers on the others, over the bus.
    with RespClient(nodes[2].address, nodes[2].port) as sub:
        sub.call("SUBSCRIBE", "news")
        assert unwrap(first.call("PUBLISH", "news", "hello")) == 0  # no subscriber on first
        assert unwrap(sub.read_reply()) == [b"message", b"news", b"hello"]
    bench = run_tool([REDIS_BENCHMARK, "-h", first.address, "-p", str(first.port), "--cluster",
                      "-t", "set,get", "-n", "20000", "-q"], timeout=120)
    assert "SET:" in bench.stdout and "GET:" in bench.stdout, bench.stdout + bench.stderr
    assert "error" not in (bench.stdout + bench.stderr).lower()


def test_a_redis_server_node_joins_and_takes_a_slot(cluster):
    nodes = create_three(cluster, "127.0.2")
    # redis-server leaves from 127.0.0.1 unless told otherwise; announcing its address lets
    # the others connect back to the address it listens on.
    redis = cluster("127.0.2.4", kind="redis", extra=["--cluster-announce-ip", "127.0.2.4"])
    assert _text(redis.call("CLUSTER", "MEET", nodes[0].address, str(nodes[0].port),
                            str(nodes[0].cport))) == "OK"
    everyone = nodes + [redis]
    assert wait_until(lambda: agree(everyone), timeout=30), [n.nodes() for n in everyone]
    # Slot 100 (empty) moves from its owner to the redis-server node.
    owner = next(n for n in nodes if any(s.startswith("0-") for s in n.nodes()[n.name()][2]))
    redis_name, owner_name = redis.name(), owner.name()
    assert _text(redis.call("CLUSTER", "SETSLOT", "100", "IMPORTING", owner_name)) == "OK"
    assert _text(owner.call("CLUSTER", "SETSLOT", "100", "MIGRATING", redis_name)) == "OK"
    assert _text(redis.call("CLUSTER", "SETSLOT", "100", "NODE", redis_name)) == "OK"
    assert _text(owner.call("CLUSTER", "SETSLOT", "100", "NODE", redis_name)) == "OK"
    assert wait_until(lambda: agree(everyone), timeout=30)
    assert redis.nodes()[redis_name][2] == ["100"]
    # A primary that just got its first slot may wait before it serves (Redis's rejoin delay).
    assert wait_until(lambda: all(n.info()["cluster_state"] == "ok" for n in everyone),
                      timeout=30)
    # A key of slot 100 now lives on the redis-server node; Redoubt nodes send clients there.
    key = "{t10648}x"  # CLUSTER KEYSLOT t10648 is 100
    assert unwrap(redis.call("CLUSTER", "KEYSLOT", key)) == 100
    reply = nodes[1].call("SET", key, "v")
    assert reply[0] == "error" and reply[1] == f"MOVED 100 127.0.2.4:{redis.port}", reply
    out = run_tool([REDIS_CLI, "-c", "-h", nodes[1].address, "-p", str(nodes[1].port), "SET",
                    key, "v"])
    assert out.stdout.strip() == "OK"
    assert _text(redis.call("GET", key)) == "v"


def test_a_stopped_primary_is_flagged_failing_and_returns(cluster):
    nodes = create_three(cluster, "127.0.2")
    victim = nodes[2]
    victim_name = victim.name()
    victim.server.stop()
    started = time.monotonic()
    assert wait_until(lambda: all("fail" in n.nodes()[victim_name][1] for n in nodes[:2]),
                      timeout=30), [n.nodes()[victim_name] for n in nodes[:2]]
    # Flagged within the node timeout plus the gossip that carries the failure reports.
    assert time.monotonic() - started < NODE_TIMEOUT_MS / 1000 * 5
    assert all(n.info()["cluster_state"] == "fail" for n in nodes[:2])
    victim.server.restart()  # same nodes.conf: same name, same slots
    assert wait_until(lambda: all(n.info()["cluster_state"] == "ok" for n in nodes), timeout=30)
    assert wait_until(lambda: agree(nodes), timeout=30)
