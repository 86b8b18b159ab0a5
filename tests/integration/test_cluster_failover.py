# Replicas and failover in a cluster, each node on a loopback address of its own:
#   - redis-cli --cluster create --cluster-replicas 1 over six Redoubt nodes, then replicas that
#     follow their primaries, serve READONLY reads and list themselves as Redis's replies do;
#   - a primary killed under a redis-py RedisCluster load and replaced by its replica (what the
#     client sees is printed; it goes on working), no write lost that a replica had
#     acknowledged, and the old primary back as the new one's replica;
#   - CLUSTER FAILOVER under load with no failed operation, then FORCE and TAKEOVER;
#   - a redis-server 7.0 node that replicates a Redoubt primary and takes over from it, then a
#     Redoubt node that does the same to the redis-server node;
#   - a replica with cluster-replica-no-failover that waits for FORCE, and a replica that
#     migrates to the primary left without one.
#   - a primary that loses a slot it still holds keys of to a newer claim deletes them, and
#     its replica with it (the deletions travel as DELs).
import os
import signal
import time

import pytest
from redis.cluster import RedisCluster

from support.cluster_nodes import NODE_TIMEOUT_MS, ClusterLoad, agree, all_ok, create, text
from support.resp_client import RespClient, unwrap
from support.tools import REDIS_CLI, run_tool, wait_until

# Six nodes and a failover or two; several times slower under ASan on two loaded cores.
pytestmark = pytest.mark.redoubt_timeout(240)


def create_six(cluster, base):
    nodes = [cluster(f"{base}.{i}") for i in range(1, 7)]
    out = create(nodes, replicas=1)
    # redis-cli reads every node right after the replicas' first sync: none may refuse it.
    assert "[ERR]" not in out, out
    return nodes


def shards(nodes):
    """{primary node: [its replica nodes]}"""
    by_name = {n.name(): n for n in nodes}
    out = {n: [] for n in nodes if n.primary_of() is None}
    for n in nodes:
        primary = n.primary_of()
        if primary is not None:
            out[by_name[primary]].append(n)
    return out


def linked(replica):
    return replica.info("replication").get("master_link_status") == "up"


def key_of(node, name):
    """A key that hashes to one of the node's slots."""
    ranges = node.nodes()[name][2]
    first = int(ranges[0].split("-")[0])
    for i in range(100000):
        key = f"k{i}"
        if unwrap(node.call("CLUSTER", "KEYSLOT", key)) == first:
            return key
    raise AssertionError("no key found")


def test_replicas_follow_and_serve_readonly_reads(cluster):
    nodes = create_six(cluster, "127.0.5")
    check = run_tool([REDIS_CLI, "--cluster", "check", nodes[0].endpoint], timeout=60)
    assert "[OK] All nodes agree about slots configuration." in check.stdout, check.stdout
    assert "[ERR]" not in check.stdout and "[WARNING]" not in check.stdout, check.stdout
    layout = shards(nodes)
    assert len(layout) == 3 and all(len(r) == 1 for r in layout.values()), layout
    for primary, (replica,) in layout.items():
        role = text(replica.call("ROLE"))
        assert role[0] == "slave" and role[1:3] == [primary.address, primary.port], role
        assert wait_until(lambda r=replica: linked(r), timeout=30)
        listed = text(primary.call("CLUSTER", "REPLICAS", primary.name()))
        assert len(listed) == 1 and listed[0].startswith(replica.name()), listed
    rc = RedisCluster(host=nodes[0].address, port=nodes[0].port)
    try:
        for i in range(300):
            rc.set(f"key:{i}", i)
    finally:
        rc.close()
    for primary in layout:
        assert unwrap(primary.call("WAIT", "1", "10000")) == 1
    # A replica sends clients to its primary, unless they asked for READONLY reads; writes go
    # to the primary either way.
    primary, (replica,) = next(iter(layout.items()))
    key = key_of(primary, primary.name())
    primary.call("SET", key, "v")
    assert unwrap(primary.call("WAIT", "1", "10000")) == 1
    slot = unwrap(primary.call("CLUSTER", "KEYSLOT", key))
    with RespClient(replica.address, replica.port) as c:
        reply = c.call("GET", key)
        assert reply == ("error", f"MOVED {slot} {primary.endpoint}"), reply
        assert text(c.call("READONLY")) == "OK"
        assert unwrap(c.call("GET", key)) == b"v"
        assert c.call("SET", key, "w") == ("error", f"MOVED {slot} {primary.endpoint}")
    # CLUSTER SLOTS names the replica after its primary.
    for entry in text(replica.call("CLUSTER", "SLOTS")):
        if entry[0] <= slot <= entry[1]:
            assert entry[2][:2] == [primary.address, primary.port]
            assert entry[3][:2] == [replica.address, replica.port]
    # redis-py reads every key back from the replicas.
    rc = RedisCluster(host=nodes[0].address, port=nodes[0].port, read_from_replicas=True)
    try:
        assert [int(v) for v in rc.mget_nonatomic([f"key:{i}" for i in range(300)])] == \
            list(range(300))
    finally:
        rc.close()


def test_a_killed_primary_is_replaced_by_its_replica(cluster):
    nodes = create_six(cluster, "127.0.6")
    layout = shards(nodes)
    victim, (heir,) = next(iter(layout.items()))
    victim_name, heir_name = victim.name(), heir.name()
    others = [n for n in nodes if n is not victim]
    # Writes the replica acknowledged (WAIT) before the crash survive it.
    key = key_of(victim, victim_name)
    with RespClient(victim.address, victim.port) as c:
        for i in range(100):
            c.call("SET", f"{{{key}}}:{i}", i)
        assert unwrap(c.call("WAIT", "1", "10000")) == 1
    entry = next(n for n in others if n.primary_of() is None)
    with ClusterLoad(entry, keys=2000) as load:
        load.wait_for_ops(200)
        killed_at = time.monotonic()
        os.kill(victim.server.pid, signal.SIGKILL)
        victim.server.proc.wait()
        assert wait_until(lambda: heir.role() == "master", timeout=60)
        took = time.monotonic() - killed_at
        assert wait_until(lambda: all_ok(others), timeout=60)
        assert wait_until(lambda: all(heir_name in {k for k, v in n.nodes().items()
                                                    if "master" in v[1] and v[2]}
                                      for n in others), timeout=60)
        # The client finds the new primary and works on. (When redis-py retries against the
        # dead node is its own affair: it may still try it now and then.)
        load.wait_for_successes(300)
    print(f"failover: replica took over {took:.2f} s after the kill "
          f"(node timeout {NODE_TIMEOUT_MS} ms); the client saw {len(load.failures)} failed "
          f"operations of {load.ops}")
    # Detection takes the node timeout, the election 0.5–1 s more; the bound only catches a
    # failover that did not happen.
    assert took < 30
    with RespClient(heir.address, heir.port) as c:
        assert [unwrap(c.call("GET", f"{{{key}}}:{i}")) for i in range(100)] == \
            [str(i).encode() for i in range(100)]
    # The old primary comes back as the new one's replica.
    victim.server.restart()
    assert wait_until(lambda: victim.primary_of() == heir_name, timeout=60)
    assert wait_until(lambda: linked(victim), timeout=60)
    assert wait_until(lambda: agree(nodes), timeout=60)


def test_manual_failover_under_load_fails_nothing(cluster):
    nodes = create_six(cluster, "127.0.7")
    layout = shards(nodes)
    primary, (replica,) = next(iter(layout.items()))
    assert primary.call("CLUSTER", "FAILOVER") == \
        ("error", "ERR You should send CLUSTER FAILOVER to a replica")
    assert replica.call("CLUSTER", "FAILOVER", "NOW") == ("error", "ERR syntax error")
    # A manual failover completes when the replica reaches exactly the offset its primary
    # paused at: the primary's periodic PING must not enter the stream meanwhile. Here the
    # replica holds a write back (CLIENT PAUSE WRITE) across a ping period of the primary. In
    # another shard: a primary votes about the same primary once in twice the node timeout.
    other, (other_replica,) = list(layout.items())[1]
    assert wait_until(lambda: linked(other_replica), timeout=60)
    key = key_of(other, other.name())
    assert text(other.call("SET", key, "before")) == "OK"
    assert unwrap(other.call("WAIT", "1", "30000")) == 1
    assert text(other.call("CONFIG", "SET", "repl-ping-replica-period", "1")) == "OK"
    assert text(other_replica.call("CLIENT", "PAUSE", "1500", "WRITE")) == "OK"
    assert text(other.call("SET", key, "held")) == "OK"
    assert text(other_replica.call("CLUSTER", "FAILOVER")) == "OK"
    assert wait_until(lambda: other_replica.role() == "master", timeout=60)
    # (It claims the slots just after its replication stopped following.)
    assert wait_until(lambda: unwrap(other_replica.call("GET", key)) == b"held", timeout=60)
    assert wait_until(lambda: other.primary_of() == other_replica.name(), timeout=60)
    assert wait_until(lambda: agree(nodes), timeout=60)
    with ClusterLoad(nodes[0], keys=1000) as load:
        load.wait_for_ops(300)
        assert text(replica.call("CLUSTER", "FAILOVER")) == "OK"
        assert wait_until(lambda: replica.role() == "master", timeout=60)
        assert wait_until(lambda: primary.primary_of() == replica.name(), timeout=60)
        assert wait_until(lambda: agree(nodes), timeout=60)
        load.wait_for_ops(300)
    assert load.failures == [], load.failures[:10]
    rc = RedisCluster(host=nodes[0].address, port=nodes[0].port)
    try:
        keys = sorted(load.acknowledged)
        assert [int(v) for v in rc.mget_nonatomic(keys)] == [load.acknowledged[k] for k in keys]
    finally:
        rc.close()
    # FORCE: an election without the primary's agreement; TAKEOVER: no election at all.
    assert text(primary.call("CLUSTER", "FAILOVER", "FORCE")) == "OK"
    assert wait_until(lambda: primary.role() == "master", timeout=60)
    assert wait_until(lambda: replica.primary_of() == primary.name(), timeout=60)
    epoch = int(primary.info()["cluster_my_epoch"])
    assert text(replica.call("CLUSTER", "FAILOVER", "TAKEOVER")) == "OK"
    assert replica.role() == "master"  # done before the reply
    assert int(replica.info()["cluster_my_epoch"]) > epoch
    assert wait_until(lambda: primary.primary_of() == replica.name(), timeout=60)
    assert wait_until(lambda: agree(nodes), timeout=60)


def test_redis_server_and_redoubt_fail_over_to_each_other(cluster):
    nodes = [cluster(f"127.0.8.{i}") for i in (1, 2, 3)]
    create(nodes)
    redis = cluster("127.0.8.4", kind="redis", extra=["--cluster-announce-ip", "127.0.8.4"])
    assert text(redis.call("CLUSTER", "MEET", nodes[0].address, str(nodes[0].port),
                           str(nodes[0].cport))) == "OK"
    everyone = nodes + [redis]
    assert wait_until(lambda: agree(everyone), timeout=60), [n.nodes() for n in everyone]
    primary = nodes[0]
    primary_name, redis_name = primary.name(), redis.name()
    # redis-server replicates the Redoubt primary (PSYNC, full sync) ...
    key = key_of(primary, primary_name)
    for i in range(50):
        primary.call("SET", f"{{{key}}}:{i}", i)
    assert text(redis.call("CLUSTER", "REPLICATE", primary_name)) == "OK"
    assert wait_until(lambda: linked(redis), timeout=60)
    assert unwrap(primary.call("WAIT", "1", "10000")) == 1
    assert wait_until(lambda: agree(everyone), timeout=60)
    # ... and takes over: Redoubt pauses for it, Redoubt primaries vote for it, and the Redoubt
    # node follows it.
    assert text(redis.call("CLUSTER", "FAILOVER")) == "OK"
    assert wait_until(lambda: redis.role() == "master", timeout=60)
    assert wait_until(lambda: primary.primary_of() == redis_name, timeout=60)
    assert wait_until(lambda: linked(primary), timeout=60)
    assert wait_until(lambda: agree(everyone), timeout=60)
    assert [unwrap(redis.call("GET", f"{{{key}}}:{i}")) for i in range(50)] == \
        [str(i).encode() for i in range(50)]
    # The other way round: the Redoubt replica of redis-server takes its slots back.
    redis.call("SET", f"{{{key}}}:50", "50")
    assert unwrap(redis.call("WAIT", "1", "10000")) == 1
    assert text(primary.call("CLUSTER", "FAILOVER")) == "OK"
    assert wait_until(lambda: primary.role() == "master", timeout=60)
    assert wait_until(lambda: redis.primary_of() == primary_name, timeout=60)
    assert wait_until(lambda: agree(everyone), timeout=60)
    assert unwrap(primary.call("GET", f"{{{key}}}:50")) == b"50"


def test_no_failover_replicas_wait_and_replicas_migrate(cluster):
    # Three primaries; the first gets two replicas, the third one replica that may not fail
    # over (cluster-replica-no-failover yes).
    primaries = [cluster(f"127.0.12.{i}") for i in (1, 2, 3)]
    create(primaries)
    spare, extra = cluster("127.0.12.4"), cluster("127.0.12.5")
    guard = cluster("127.0.12.6", extra=["--cluster-replica-no-failover", "yes"])
    everyone = primaries + [spare, extra, guard]
    for n in (spare, extra, guard):
        assert text(n.call("CLUSTER", "MEET", primaries[0].address, str(primaries[0].port),
                           str(primaries[0].cport))) == "OK"
    assert wait_until(lambda: agree(everyone), timeout=60)
    names = [p.name() for p in primaries]
    for node, primary in ((spare, names[0]), (extra, names[0]), (guard, names[2])):
        assert text(node.call("CLUSTER", "REPLICATE", primary)) == "OK"
    assert wait_until(lambda: agree(everyone), timeout=60)
    # The second primary has no replica but never had one: nobody migrates to it.
    # The third primary dies: its replica may not take over, so its slots stay down.
    os.kill(primaries[2].server.pid, signal.SIGKILL)
    primaries[2].server.proc.wait()
    alive = [n for n in everyone if n is not primaries[2]]
    assert wait_until(lambda: all("fail" in n.nodes()[names[2]][1] for n in alive), timeout=60)
    assert all(n.info()["cluster_state"] == "fail" for n in alive)
    assert guard.role() == "slave"
    # A manual FORCE failover is still allowed: the operator decides.
    assert text(guard.call("CLUSTER", "FAILOVER", "FORCE")) == "OK"
    assert wait_until(lambda: guard.role() == "master", timeout=60)
    assert wait_until(lambda: all_ok(alive), timeout=60)
    # The new primary had a replica before the failover (its old primary's): it is orphaned
    # now, and the first primary has two working replicas, so one of them moves to it.
    assert wait_until(lambda: sum(1 for n in (spare, extra)
                                  if n.primary_of() == guard.name()) == 1, timeout=60)

    def same_view():  # every live node sees the same six nodes (the dead one failed)
        views = [{k: (a, f - {"myself"}, sl) for k, (a, f, sl) in n.nodes().items()}
                 for n in alive]
        return len(views[0]) == 6 and all(v == views[0] for v in views)

    assert wait_until(same_view, timeout=60)


def test_keys_of_a_slot_lost_to_a_newer_claim_are_deleted(cluster):
    primaries = [cluster(f"127.0.15.{i}") for i in (1, 2, 3)]
    create(primaries)
    replica = cluster("127.0.15.4")
    everyone = primaries + [replica]
    assert text(replica.call("CLUSTER", "MEET", primaries[0].address, str(primaries[0].port),
                             str(primaries[0].cport))) == "OK"
    assert wait_until(lambda: agree(everyone), timeout=60)

    def keyslot(key):
        return int(text(primaries[0].call("CLUSTER", "KEYSLOT", key)))

    def owns(node, slot):
        return any(int(r.split("-")[0]) <= slot <= int(r.split("-")[-1])
                   for r in node.nodes()[node.name()][2])

    def count(node, slot):
        return int(text(node.call("CLUSTER", "COUNTKEYSINSLOT", str(slot))))

    slot = keyslot("{lost}")
    owner = next(p for p in primaries if owns(p, slot))
    claimant = next(p for p in primaries if p is not owner)
    # A key of another of the owner's slots, which must stay.
    kept = next(f"{{kept{i}}}" for i in range(1000)
                if keyslot(f"{{kept{i}}}") != slot and owns(owner, keyslot(f"{{kept{i}}}")))
    assert text(replica.call("CLUSTER", "REPLICATE", owner.name())) == "OK"
    assert wait_until(lambda: agree(everyone), timeout=60)
    with RespClient(owner.address, owner.port) as c:
        for i in range(50):
            assert unwrap(c.call("SET", f"{{lost}}:{i}", i)) == "OK"
        assert unwrap(c.call("SET", kept, "stays")) == "OK"
        assert unwrap(c.call("WAIT", "1", "5000")) == 1
    assert count(replica, slot) == 50
    # Another primary takes the slot by fiat, with the cluster's greatest epoch: its claim
    # wins over the owner's, which still holds keys of the slot.
    assert text(claimant.call("CLUSTER", "SETSLOT", str(slot), "NODE",
                              claimant.name())) == "OK"
    assert text(claimant.call("CLUSTER", "BUMPEPOCH")).split(" ")[0] in ("BUMPED", "STILL")
    assert wait_until(lambda: count(owner, slot) == 0, timeout=60)
    assert wait_until(lambda: count(replica, slot) == 0, timeout=60)
    assert "deleted 50 keys" in owner.server.log_text()
    # The owner keeps its other slots and their keys, and so does its replica.
    assert count(owner, keyslot(kept)) == 1 and count(replica, keyslot(kept)) == 1
    assert owner.role() == "master" and replica.primary_of() == owner.name()
    assert wait_until(lambda: agree(everyone), timeout=60)
