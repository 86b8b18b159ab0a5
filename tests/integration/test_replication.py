# Replication with Redis's own protocol, against Debian's redis-server 7.0 in both directions: a
# redis-server replica follows a Redoubt primary and a Redoubt replica follows a redis-server
# primary (full sync, the command stream, a partial resync after the link drops), with the
# datasets compared key by key afterwards; and Redoubt's replication on its own: -READONLY,
# ROLE, INFO replication, WAIT, min-replicas-to-write, replica-serve-stale-data, expiry by the
# primary's DEL, a full sync under writes, and a promotion that the other nodes continue from
# with PSYNC (no second full sync).
import time

import pytest
import redis

from support import servers
from support.tools import wait_for
from support.background_writes import BackgroundWrites
from support.datasets import fill, snapshot_of

pytestmark = pytest.mark.skipif(not servers.redoubt_available(),
                                reason=servers.redoubt_missing_reason())

# redis-server waits repl-diskless-sync-delay (5 s) for more replicas before it streams a sync.
REDIS_PRIMARY = ["--repl-diskless-sync-delay", "0"]


def client(server, **kw):
    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=30, **kw)


def replica_args(primary, *extra):
    return ["--replicaof", "127.0.0.1", str(primary.port), *extra]


def wait_synced(primary, *replicas):
    """Until every replica's link is up and it applied everything the primary has now."""
    p = client(primary)

    def synced():
        offset = p.info("replication")["master_repl_offset"]
        for replica in replicas:
            info = client(replica).info("replication")
            if info.get("master_link_status") != "up" or info["slave_repl_offset"] < offset:
                return False
        return True

    wait_for(synced, "the replicas to catch up")


def writes(r, start, count=200):
    """Writes of several types after the first sync, each kind the stream must carry."""
    pipe = r.pipeline(transaction=False)
    for i in range(start, start + count):
        pipe.set(f"k{i}", i)
        pipe.hset(f"h{i % 7}", f"f{i}", i)
        pipe.rpush("list", i)
        pipe.zadd("zs", {f"m{i}": i / 3})
        pipe.sadd("set", i)
        pipe.incrbyfloat("float", 0.5)
    pipe.execute()
    r.expire("list", 7000)
    r.spop("set", 3)
    with r.pipeline(transaction=True) as tx:
        tx.incr("tx:a").rpush("tx:b", start).execute()


def stat(server, name):
    return client(server).info("stats")[name]


def start(kind, args=()):
    if kind == "redis":
        return servers.redis_server(args=[*REDIS_PRIMARY, *args])
    return servers.redoubt_server(args=list(args))


@pytest.mark.parametrize("primary_kind,replica_kind",
                         [("redoubt", "redis"), ("redis", "redoubt")])
def test_a_replica_of_the_other_server_follows_its_primary(primary_kind, replica_kind):
    with start(primary_kind) as primary:
        p = client(primary)
        fill(p)
        with start(replica_kind, replica_args(primary)) as replica:
            wait_synced(primary, replica)
            assert snapshot_of(client(replica)) == snapshot_of(p)
            writes(p, 0)
            wait_synced(primary, replica)
            assert snapshot_of(client(replica)) == snapshot_of(p)
            # The link drops (the replica's side of it, then the primary's); writes go on; the
            # replica continues from its offset each time.
            client(replica).client_kill_filter(_type="master") if replica_kind == "redis" \
                else p.client_kill_filter(_type="slave")
            writes(p, 1000)
            wait_synced(primary, replica)
            assert snapshot_of(client(replica)) == snapshot_of(p)
            assert stat(primary, "sync_full") == 1
            assert stat(primary, "sync_partial_ok") == 1


def test_a_replica_refuses_writes_and_reports_its_role():
    with servers.redoubt_server() as primary, \
            servers.redoubt_server(args=replica_args(primary)) as replica:
        p, r = client(primary), client(replica)
        # The write goes through the stream once the link is up (written before it, it would
        # arrive in the snapshot, and the offsets could still be 0).
        wait_for(lambda: r.info("replication")["master_link_status"] == "up", "the link up")
        p.set("a", "1")
        wait_synced(primary, replica)
        assert r.get("a") == b"1"
        with pytest.raises(redis.ResponseError, match="^You can't write against a read only "
                                                      "replica.$"):
            r.set("b", "2")
        role = r.execute_command("ROLE")
        assert role[:4] == [b"slave", b"127.0.0.1", primary.port, b"connected"]
        # The primary pings its replicas on its own, so offsets move between two reads.
        assert 0 < role[4] <= p.info("replication")["master_repl_offset"]
        assert p.execute_command("WAIT", 1, 10000) == 1  # its acknowledgement is in
        prole = p.execute_command("ROLE")
        assert prole[0] == b"master"
        assert [entry[:2] for entry in prole[2]] == [[b"127.0.0.1", str(replica.port).encode()]]
        assert int(prole[2][0][2]) >= role[4]
        info = r.info("replication")
        assert info["role"] == "slave" and info["master_port"] == primary.port
        assert info["master_replid"] == p.info("replication")["master_replid"]
        pinfo = p.info("replication")
        assert pinfo["connected_slaves"] == 1
        assert pinfo["slave0"]["state"] == "online"
        assert pinfo["repl_backlog_active"] == 1
        hello = r.execute_command("HELLO", 2)
        assert hello[hello.index(b"role") + 1] == b"replica"
        # replica-read-only no: local writes are accepted (and not propagated).
        r.config_set("replica-read-only", "no")
        wait_for(lambda: _set_ok(r), "replica-read-only no to take effect")
        assert p.get("local") is None
        # CONFIG REWRITE keeps the role; REPLICAOF NO ONE ends it.
        assert r.config_get("replicaof") == {"replicaof": f"127.0.0.1 {primary.port}"}
        assert r.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
        assert r.config_get("replicaof") == {"replicaof": ""}
        assert r.info("replication")["role"] == "master"
        r.set("b", "2")


def test_bind_source_addr_is_where_the_link_to_the_primary_comes_from():
    """bind-source-addr (127.0.20.7, an address of its own on loopback): the primary sees the
    replica's link come from there; changed with CONFIG SET, the next connection uses the new
    one; an address the host does not have is left to the kernel rather than failing. (The
    primary without protected mode: as in Redis, only 127.0.0.1 counts as local to it.)"""
    with servers.redoubt_server(args=["--protected-mode", "no"]) as primary, \
            servers.redoubt_server(args=replica_args(primary, "--bind-source-addr",
                                                     "127.0.20.7")) as replica:
        p, r = client(primary), client(replica)

        def replica_address():
            links = p.client_list(_type="replica")
            return links[0]["addr"].rsplit(":", 1)[0] if links else None
        wait_for(lambda: replica_address() == "127.0.20.7", "the link from 127.0.20.7")
        assert r.config_get("bind-source-addr") == {"bind-source-addr": "127.0.20.7"}
        for source, seen in (("127.0.20.8", "127.0.20.8"), ("192.0.2.1", "127.0.0.1")):
            r.config_set("bind-source-addr", source)
            p.client_kill_filter(_type="slave")  # the link reconnects
            wait_for(lambda: replica_address() == seen, f"the link from {seen}")
            wait_for(lambda: r.info("replication")["master_link_status"] == "up", "the link up")


def _set_ok(r):
    try:
        return r.set("local", "1")
    except redis.ResponseError:
        return False


def test_wait_counts_the_replicas_that_acknowledged():
    with servers.redoubt_server() as primary, \
            servers.redoubt_server(args=replica_args(primary)) as r1, \
            servers.redoubt_server(args=replica_args(primary)) as r2:
        p = client(primary)
        wait_synced(primary, r1, r2)
        p.set("x", "1")
        assert p.execute_command("WAIT", 2, 10000) == 2
        started = time.monotonic()
        assert p.execute_command("WAIT", 3, 300) == 2
        assert time.monotonic() - started >= 0.29
        with pytest.raises(redis.ResponseError, match="timeout is negative"):
            p.execute_command("WAIT", 1, -1)
        with pytest.raises(redis.ResponseError, match="WAIT cannot be used with replica"):
            client(r1).execute_command("WAIT", 1, 0)


def test_min_replicas_to_write_refuses_writes_without_enough_good_replicas():
    with servers.redoubt_server(args=["--min-replicas-to-write", "1"]) as primary:
        p = client(primary)
        # The cron sets the refusal within a tenth of a second of start-up.
        wait_for(lambda: not _set_ok(p), "writes to be refused")
        with pytest.raises(redis.ResponseError,
                           match="^NOREPLICAS Not enough good replicas to write.$"):
            p.set("x", "1")
        assert p.get("x") is None  # reads go on
        with servers.redoubt_server(args=replica_args(primary)):
            wait_for(lambda: _set_ok(p), "writes accepted with a replica")


def test_serve_stale_data_no_answers_masterdown_while_the_link_is_down():
    port = servers.free_port()
    # PING gets MASTERDOWN too (as from redis-server): readiness is INFO's answer.
    with servers.redoubt_server(args=["--replicaof", "127.0.0.1", str(port),
                                      "--replica-serve-stale-data", "no"], wait=False) as replica:
        r = client(replica)
        wait_for(lambda: _answers_info(r), "the server to start")
        assert r.info("replication")["master_link_status"] == "down"
        for command in (("GET", "x"), ("PING",)):
            with pytest.raises(redis.ResponseError, match="^MASTERDOWN Link with MASTER is down "
                                                          "and replica-serve-stale-data is set "
                                                          "to 'no'.$"):
                r.execute_command(*command)
        r.config_set("replica-serve-stale-data", "yes")
        wait_for(lambda: _get_ok(r), "stale reads to be served")


def _answers_info(r):
    try:
        return "role" in r.info("replication")
    except redis.ConnectionError:
        return False


def _get_ok(r):
    try:
        r.get("x")
        return True
    except redis.ResponseError:
        return False


def test_expired_keys_leave_the_replica_with_the_primarys_del():
    with servers.redoubt_server() as primary, \
            servers.redoubt_server(args=replica_args(primary)) as replica:
        p, r = client(primary), client(replica)
        p.set("short", "v", px=300)
        p.set("long", "v", ex=1000)
        wait_synced(primary, replica)
        assert r.exists("short") == 1
        assert 0 < r.pttl("long") <= 1000_000
        wait_for(lambda: r.exists("short") == 0, "the primary's DEL")
        assert p.exists("short") == 0
        assert r.exists("long") == 1


def test_a_replica_hides_expired_keys_until_the_primarys_del_as_redis_does():
    # A redis-server primary that never expires keys by itself (active expiry off, and no
    # client reads its keys), followed by a redis-server and a Redoubt replica: once the
    # keys' time has passed, both replicas answer as if they were gone but keep them (DBSIZE),
    # until the primary's lazy expiry sends DEL.
    with start("redis", ["--enable-debug-command", "yes"]) as primary:
        p = client(primary)
        p.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        with start("redis", replica_args(primary)) as ref, \
                start("redoubt", replica_args(primary)) as ours:
            wait_synced(primary, ref, ours)
            p.set("kept", "v")
            p.set("gone", "v", px=300)
            p.hset("h", "f", "v")
            p.pexpire("h", 300)
            wait_synced(primary, ref, ours)
            replicas = {"redis": client(ref), "redoubt": client(ours)}
            # (Whether the keys are still visible here depends on how long the sync took; the
            # DBSIZE below shows that they arrived.)
            wait_for(lambda: replicas["redis"].exists("gone", "h") == 0, "the keys' time to pass")

            def view(r):
                return {"get": r.get("gone"), "exists": r.exists("gone", "h"),
                        "pttl": r.pttl("gone"), "type": r.type("h"), "hget": r.hget("h", "f"),
                        "keys": sorted(r.keys("*")), "scan": sorted(r.scan_iter()),
                        "dbsize": r.dbsize()}

            expected = {"get": None, "exists": 0, "pttl": -2, "type": b"none", "hget": None,
                        "keys": [b"kept"], "scan": [b"kept"], "dbsize": 3}
            assert view(replicas["redis"]) == expected
            assert view(replicas["redoubt"]) == expected
            # A read on the primary expires the keys there: its DELs reach both replicas.
            assert p.get("gone") is None and p.hget("h", "f") is None
            wait_synced(primary, ref, ours)
            for name, r in replicas.items():
                assert r.dbsize() == 1, name


@pytest.mark.parametrize("kind", ["redis", "redoubt"])
def test_replicas_are_clients_that_client_list_shows_and_client_kill_closes(kind):
    with start(kind) as primary, start(kind, replica_args(primary)) as replica:
        p = client(primary)
        p.set("before", 1)
        wait_synced(primary, replica)
        listed = p.client_list(_type="replica")
        assert len(listed) == 1, listed
        line = listed[0]
        assert line["flags"] == "S" and line["cmd"] == "replconf" and line["db"] == "0", line
        # The same client without a type filter, and by its id (compared by the fields that
        # do not move: idle, age and the buffers may change between two calls).
        def stable(clients):
            return [(c["id"], c["addr"], c["laddr"], c["flags"], c["cmd"]) for c in clients]

        assert stable(c for c in p.client_list() if c["flags"] == "S") == stable(listed)
        assert stable(p.client_list(client_id=[line["id"]])) == stable(listed)
        assert p.client_list(_type="normal") and \
            all(c["flags"] != "S" for c in p.client_list(_type="normal"))
        # CLIENT KILL TYPE replica closes the link; the replica comes back with PSYNC.
        assert p.client_kill_filter(_type="slave") == 1
        wait_for(lambda: stat(primary, "sync_partial_ok") == 1, "the replica's PSYNC")
        p.set("after", 2)
        wait_synced(primary, replica)
        assert client(replica).get("after") == b"2"
        assert stat(primary, "sync_full") == 1
        relisted = p.client_list(_type="replica")
        assert len(relisted) == 1 and relisted[0]["id"] != line["id"], relisted
        # By address, in the old form.
        assert p.client_kill(relisted[0]["addr"]) is True
        wait_for(lambda: stat(primary, "sync_partial_ok") == 2, "the second PSYNC")


def test_a_full_sync_under_writes_loses_nothing():
    # rdb-key-save-delay stretches the snapshot so that writes land while it is sent.
    with servers.redoubt_server(args=["--rdb-key-save-delay", "200"]) as primary:
        p = client(primary)
        p.mset({f"pre{i}": i for i in range(2000)})

        def write(w, i):
            w.set(f"pre{i % 2000}", f"new{i}")
            w.rpush("during", i)

        with BackgroundWrites(lambda: client(primary), write, 20000) as writes, \
                servers.redoubt_server(args=replica_args(primary)) as replica:
            wait_for(lambda: client(replica).info("replication")["master_link_status"]
                       == "up", "the full sync")
            writes.stop()
            wait_synced(primary, replica)
            assert snapshot_of(client(replica), dbs=(0,)) == snapshot_of(p, dbs=(0,))
            assert client(replica).llen("during") == len(writes.written) > 0


def test_a_promoted_replica_is_followed_with_psync_and_no_new_full_sync():
    with servers.redoubt_server() as a, \
            servers.redoubt_server(args=replica_args(a)) as b, \
            servers.redoubt_server(args=replica_args(a)) as c:
        fill(client(a))
        writes(client(a), 0)
        wait_synced(a, b, c)
        # b is promoted; c and then a (the old primary) follow it.
        assert client(b).execute_command("REPLICAOF", "NO", "ONE") == b"OK"
        assert client(c).execute_command("REPLICAOF", "127.0.0.1", b.port) == b"OK"
        assert client(a).execute_command("REPLICAOF", "127.0.0.1", b.port) == b"OK"
        writes(client(b), 5000)
        wait_synced(b, a, c)
        expected = snapshot_of(client(b))
        assert snapshot_of(client(a)) == expected
        assert snapshot_of(client(c)) == expected
        assert stat(b, "sync_full") == 0
        assert stat(b, "sync_partial_ok") == 2
        info = client(b).info("replication")
        assert info["master_replid2"] == client(a).info("replication")["master_replid2"]
        assert info["second_repl_offset"] > 0


def role(server):
    return client(server).execute_command("ROLE")[0]


@pytest.mark.parametrize("target_kind", ["redoubt", "redis"])
def test_failover_hands_over_to_a_replica_with_no_acknowledged_write_lost(target_kind):
    with servers.redoubt_server() as a, start(target_kind, replica_args(a)) as b, \
            servers.redoubt_server(args=replica_args(a)) as c:
        p = client(a)
        fill(p)
        wait_synced(a, b, c)

        def write(w, i):
            w.set(f"acked:{i}", i)

        # Writes go on until the handover: those acknowledged must all be on the new primary
        # (the rest are held by the pause, then refused with -READONLY by the new replica).
        with BackgroundWrites(lambda: client(a), write, 1_000_000,
                              ends_on=redis.ReadOnlyError) as writes:
            wait_for(lambda: len(writes.written) > 200, "writes before the failover")
            with pytest.raises(redis.ResponseError, match="not a replica"):
                p.execute_command("FAILOVER", "TO", "127.0.0.1", 1)
            assert p.execute_command("FAILOVER", "TO", "127.0.0.1", b.port,
                                     "TIMEOUT", 10000) == b"OK"
            wait_for(lambda: role(b) == b"master" and role(a) == b"slave", "the handover")
            # The held write is refused once `a` is a replica.
            wait_for(lambda: writes.ended_by is not None, "the held write's refusal")
        acked = len(writes.written)
        assert acked > 200
        nb = client(b)
        assert all(nb.get(f"acked:{i}") == str(i).encode() for i in range(acked))
        assert p.info("replication")["master_failover_state"] == "no-failover"
        nb.set("after", "1")
        wait_synced(b, a)
        wait_for(lambda: client(c).get("after") == b"1", "the other replica to follow")
        expected = snapshot_of(nb)
        assert snapshot_of(p) == expected
        assert snapshot_of(client(c)) == expected
        assert stat(b, "sync_full") == 0  # the old primary continued with PSYNC
        with pytest.raises(redis.ResponseError, match="No failover in progress"):
            nb.execute_command("FAILOVER", "ABORT")
        assert p.config_resetstat() and stat(a, "sync_partial_ok") == 0
