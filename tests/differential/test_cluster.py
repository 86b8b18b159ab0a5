# Differential cases for cluster mode on a node of its own (the cluster bus is not needed):
# the CLUSTER subcommands and their errors, slot routing (CLUSTERDOWN, CROSSSLOT, MOVED, ASK,
# TRYAGAIN, ASKING, READONLY), the commands a cluster refuses (SELECT, SWAPDB, MOVE, COPY DB,
# SORT BY/GET, REPLICAOF, FAILOVER), and the same commands with cluster mode off.
#
# Two cluster pairs: a fresh node, and a node started from a nodes.conf that also names a
# second primary (which never answers: its slots give MOVED and ASK without a bus). Node names
# differ between the servers, so the replies that carry them are compared with the names
# replaced by their role.
import binascii
import os
import random
import re
import shutil
import socket
import tempfile
import time

import pytest

from differential.cases import run
from differential.conftest import Dual, Pair
from differential.normalise import exact
from support import servers

NODE_TIMEOUT_MS = "3600000"  # no failure detection during the module, as for an idle peer
OTHER_NAME = "e" * 40  # the second primary in the prepared nodes.conf
OTHER_PORT = 7999      # never listened on: only named in redirections


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ClusterPair(Pair):
    """A redis-server and a redoubt-server in cluster mode, each with its own nodes.conf
    (`nodes_conf`: its text, with MYSELF_PORT for the node's own port, or None)."""

    def __init__(self, nodes_conf=None):
        self.dir = tempfile.mkdtemp(prefix="cluster-diff-")
        self.ref = self._server("redis", nodes_conf)
        self.got = self._server("redoubt", nodes_conf)

    def _server(self, kind, nodes_conf):
        port = _free_port()
        conf = os.path.join(self.dir, f"{kind}-nodes.conf")
        if nodes_conf is not None:
            with open(conf, "w") as f:
                f.write(nodes_conf.replace("MYSELF_PORT", str(port)))
        args = ["--cluster-enabled", "yes", "--cluster-config-file", conf,
                "--cluster-port", str(_free_port()), "--cluster-node-timeout", NODE_TIMEOUT_MS]
        make = servers.redis_server if kind == "redis" else servers.redoubt_server
        return make(args=args, port=port, name=f"{kind}-cluster")

    def stop(self):
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _cluster_pair(nodes_conf=None):
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    try:
        return ClusterPair(nodes_conf).start()
    except servers.ServerStartError as e:
        pytest.fail(str(e), pytrace=False)


def _state(client):
    reply = client.call("CLUSTER", "INFO")
    text = reply[1].decode() if reply and reply[0] in ("bulk", "verbatim") else ""
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def _wait_ok(d, timeout=15.0):
    """Both nodes report cluster_state:ok (a primary turns ok two seconds after its first
    evaluation, as Redis's writable delay)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _state(d.ref).get("cluster_state") == "ok" and _state(d.got).get("cluster_state") == "ok":
            return
        time.sleep(0.05)  # polling a condition, bounded by the deadline
    pytest.fail(f"cluster_state never became ok: {_state(d.ref)} / {_state(d.got)}")


@pytest.fixture(scope="module")
def fresh_pair():
    p = _cluster_pair()
    yield p
    p.stop()


@pytest.fixture
def c(fresh_pair):
    """A Dual on the fresh nodes, every slot unassigned and the database empty."""
    d = Dual(fresh_pair)
    d.both("FLUSHALL")
    d.both("CLUSTER", "RESET", "HARD")
    yield d
    d.close()


# ---- Names and text that differ between the two nodes ----

def _names(d):
    ref = d.ref.call("CLUSTER", "MYID")[1].decode()
    got = d.got.call("CLUSTER", "MYID")[1].decode()
    return ref, got


def _normalised_text(reply, names, port):
    """A text reply with this node's name and port replaced, and the ping/pong times
    (clocks) zeroed."""
    if reply is None or reply[0] not in ("bulk", "verbatim"):
        return reply
    text = reply[1].decode() if isinstance(reply[1], bytes) else reply[1]
    text = text.replace(names, "<myself>").replace(f":{port}@", ":<port>@")
    text = re.sub(r"@\d+", "@<cport>", text)
    # Fields 5 and 6 are ping/pong times (clocks); lines come in the order of Redis's dict.
    lines = []
    for line in text.split("\n"):
        f = line.split(" ")
        if len(f) > 6:
            f[4] = f[5] = "<time>"
        lines.append(" ".join(f))
    return ("lines", sorted(lines))


def check_text(d, *args):
    """CLUSTER NODES / REPLICAS: the same lines once names, ports and clocks are replaced."""
    ref_name, got_name = _names(d)
    r = d.ref.call(*args)
    g = d.got.call(*args)
    rn = _normalised_text(r, ref_name, d.pair.ref.port)
    gn = _normalised_text(g, got_name, d.pair.got.port)
    if rn != gn:
        d.fail(list(args), rn, gn, "differs once node names and ports are replaced")


def _replace_everywhere(value, old, new):
    if isinstance(value, (bytes, str)):
        as_text = value.decode() if isinstance(value, bytes) else value
        return as_text.replace(old, new)
    if isinstance(value, tuple):
        return tuple(_replace_everywhere(v, old, new) for v in value)
    if isinstance(value, list):
        return [_replace_everywhere(v, old, new) for v in value]
    if isinstance(value, int) and str(value) == old:
        return new
    return value


def check_named(d, *args):
    """A structured reply (SLOTS, SHARDS) compared with this node's name and port replaced.
    SHARDS lists the primaries in the order of Redis's node dict, which promises none."""
    ref_name, got_name = _names(d)
    r = _replace_everywhere(d.ref.call(*args), ref_name, "<myself>")
    g = _replace_everywhere(d.got.call(*args), got_name, "<myself>")
    r = _replace_everywhere(r, str(d.pair.ref.port), "<port>")
    g = _replace_everywhere(g, str(d.pair.got.port), "<port>")
    if args[-1].upper() == "SHARDS" and r[0] == "array" and g[0] == "array":
        r = ("array", sorted(r[1], key=repr))
        g = ("array", sorted(g[1], key=repr))
    if r != g:
        d.fail(list(args), r, g, "differs once node names and ports are replaced")


# ---- Cluster mode off ----

def test_cluster_commands_without_cluster_mode(d):
    run(d, "CLUSTER INFO", "CLUSTER KEYSLOT foo", "CLUSTER NODES", "CLUSTER MYID",
        "CLUSTER ADDSLOTS 1", "ASKING", "READONLY", "READWRITE", "CLUSTER", "CLUSTER NOSUCH",
        "CLUSTER INFO extra", "INFO cluster")


# ---- A fresh node ----

def test_fresh_node_info_and_nodes(c):
    run(c, "CLUSTER COUNT-FAILURE-REPORTS nosuchnode", "CLUSTER LINKS", "CLUSTER SLOTS",
        "CLUSTER KEYSLOT foo")
    check_named(c, "CLUSTER", "SHARDS")
    check_text(c, "CLUSTER", "NODES")


def test_keyslot_matches_for_random_keys(c):
    rng = random.Random(1507)
    alphabet = "ab{}xyz:-_01"
    for _ in range(300):
        key = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        c.check("CLUSTER", "KEYSLOT", key)
    run(c, ("CLUSTER", "KEYSLOT", ""), ("CLUSTER", "KEYSLOT", b"\xff\x00{\x01}"),
        "CLUSTER KEYSLOT {user1000}.following", "CLUSTER KEYSLOT foo{}{bar}",
        "CLUSTER KEYSLOT foo{{bar}}zap", "CLUSTER KEYSLOT foo{bar}{zap}")


def test_slot_argument_errors(c):
    run(c, "CLUSTER ADDSLOTS x", "CLUSTER ADDSLOTS -1", "CLUSTER ADDSLOTS 16384",
        "CLUSTER ADDSLOTS 5 5", "CLUSTER ADDSLOTS", "CLUSTER ADDSLOTSRANGE 1",
        "CLUSTER ADDSLOTSRANGE 1 2 3", "CLUSTER ADDSLOTSRANGE 9 3", "CLUSTER ADDSLOTSRANGE 0 x",
        "CLUSTER DELSLOTS 7", "CLUSTER DELSLOTSRANGE 1 2", "CLUSTER COUNTKEYSINSLOT x",
        "CLUSTER COUNTKEYSINSLOT -1", "CLUSTER COUNTKEYSINSLOT 16384",
        "CLUSTER GETKEYSINSLOT 1 x", "CLUSTER GETKEYSINSLOT 16384 1",
        "CLUSTER GETKEYSINSLOT 1 -1", "CLUSTER GETKEYSINSLOT 1")


def test_addslots_delslots_and_nodes(c):
    run(c, "CLUSTER ADDSLOTS 1 2 3 10", "CLUSTER ADDSLOTS 3", "CLUSTER ADDSLOTS 20 20",
        "CLUSTER ADDSLOTSRANGE 100 200 300 300", "CLUSTER ADDSLOTSRANGE 150 160",
        "CLUSTER DELSLOTS 2", "CLUSTER DELSLOTS 2", "CLUSTER DELSLOTSRANGE 120 130")
    check_text(c, "CLUSTER", "NODES")
    check_named(c, "CLUSTER", "SLOTS")
    check_named(c, "CLUSTER", "SHARDS")
    run(c, "CLUSTER FLUSHSLOTS", "CLUSTER DELSLOTS 1")
    check_text(c, "CLUSTER", "NODES")


def test_unserved_slots_and_cross_slot(c):
    run(c, "SET foo bar", "GET foo", "MSET {a}1 x {b}2 y", "DEL a b", "PING", "DBSIZE",
        "KEYS *", "EVAL", ("EVAL", "return 1", "0"), ("EVAL", "return 1", "1", "k"))
    c.check("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
    _wait_ok(c)
    run(c, "SET foo bar", "GET foo", "MSET {a}1 x {a}2 y", "MGET {a}1 {a}2", "MSET a 1 b 2",
        "MGET a b", "DEL a b", "DEL {a}1 {a}1", "SUNIONSTORE {s}d {s}a {s}b",
        "SUNIONSTORE d a b", ("EVAL", "return redis.call('get', KEYS[1])", "2", "a", "b"),
        ("EVAL", "return redis.call('get', KEYS[1])", "2", "{x}a", "{x}b"),
        "RENAME foo foo2", "RENAME foo {foo}2", "SPUBLISH a m", "SSUBSCRIBE a b",
        "CLUSTER COUNTKEYSINSLOT 12182", "CLUSTER GETKEYSINSLOT 12182 5")


def test_transactions_route_every_queued_command(c):
    c.check("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
    _wait_ok(c)
    run(c, "MULTI", "SET a 1", "SET b 2", "EXEC", "GET a", "MULTI", "SET {t}a 1",
        "MSET a 1 b 2", "EXEC", "MULTI", "SET {t}a 1", "GET {t}b", "EXEC", "EXEC")


def test_commands_a_cluster_refuses(c):
    c.check("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
    _wait_ok(c)
    run(c, "SELECT 0", "SELECT 1", "SELECT x", "SELECT 99", "SWAPDB 0 1", "SET k v",
        "MOVE k 1", "COPY k k2", "COPY k k2 DB 1", "COPY k k3 DB 99", "RPUSH l 3 1 2",
        "SORT l", "SORT l BY nosort", "SORT l BY w_*", "SORT l GET #", "REPLICAOF no one",
        "SLAVEOF 127.0.0.1 1", "FAILOVER", "INFO cluster")


def test_epochs(c):
    run(c, "CLUSTER BUMPEPOCH", "CLUSTER BUMPEPOCH", "CLUSTER SET-CONFIG-EPOCH 5",
        "CLUSTER SET-CONFIG-EPOCH x")
    c.both("CLUSTER", "RESET", "HARD")
    run(c, "CLUSTER SET-CONFIG-EPOCH -1", "CLUSTER SET-CONFIG-EPOCH 7",
        "CLUSTER SET-CONFIG-EPOCH 8", "CLUSTER BUMPEPOCH", "CLUSTER BUMPEPOCH")


def test_setslot_and_forget_errors(c):
    unknown = "a" * 40
    run(c, "CLUSTER ADDSLOTS 5", f"CLUSTER SETSLOT 5 MIGRATING {unknown}",
        f"CLUSTER SETSLOT 6 MIGRATING {unknown}", f"CLUSTER SETSLOT 5 IMPORTING {unknown}",
        f"CLUSTER SETSLOT 6 IMPORTING {unknown}", f"CLUSTER SETSLOT 6 NODE {unknown}",
        "CLUSTER SETSLOT 6 STABLE", "CLUSTER SETSLOT 6 STABLE x", "CLUSTER SETSLOT 6 BOGUS",
        "CLUSTER SETSLOT x STABLE", "CLUSTER SETSLOT 6", f"CLUSTER FORGET {unknown}",
        "CLUSTER REPLICAS nosuch", "CLUSTER SLAVES nosuch", "CLUSTER RESET bogus",
        "CLUSTER RESET soft x")
    ref_name, got_name = _names(c)
    c.check_pair(["CLUSTER", "FORGET", ref_name], ["CLUSTER", "FORGET", got_name])
    c.check_pair(["CLUSTER", "REPLICAS", ref_name], ["CLUSTER", "REPLICAS", got_name])
    c.check_pair(["CLUSTER", "SETSLOT", "9", "NODE", ref_name],
                 ["CLUSTER", "SETSLOT", "9", "NODE", got_name])
    check_text(c, "CLUSTER", "NODES")


def test_replicate_and_failover_errors(c):
    run(c, "CLUSTER REPLICATE nosuch", f"CLUSTER REPLICATE {'b' * 40}", "CLUSTER FAILOVER",
        "CLUSTER FAILOVER FORCE", "CLUSTER FAILOVER TAKEOVER", "CLUSTER FAILOVER bogus",
        "CLUSTER FAILOVER force extra", "CLUSTER REPLICATE")
    ref_name, got_name = _names(c)
    c.check_pair(["CLUSTER", "REPLICATE", ref_name], ["CLUSTER", "REPLICATE", got_name])
    c.check_pair(["CLUSTER", "COUNT-FAILURE-REPORTS", ref_name],
                 ["CLUSTER", "COUNT-FAILURE-REPORTS", got_name])


def test_reset_and_flushslots_need_an_empty_database(c):
    run(c, "CLUSTER ADDSLOTSRANGE 0 16383")
    _wait_ok(c)
    run(c, "SET k v", "CLUSTER FLUSHSLOTS", "CLUSTER RESET", "DEL k", "CLUSTER FLUSHSLOTS",
        "CLUSTER RESET SOFT")
    check_text(c, "CLUSTER", "NODES")


def test_help(c):
    run(c, "CLUSTER HELP", "CLUSTER help extra")


# ---- A node that knows a second primary (from its nodes.conf) ----

TWO_NODES = (
    f"{'d' * 40} 127.0.0.1:MYSELF_PORT@1 myself,master - 0 0 1 connected 0-8191\n"
    f"{OTHER_NAME} 127.0.0.1:{OTHER_PORT}@{OTHER_PORT + 10000} master - 0 0 2 connected "
    "8192-16383\n"
    "vars currentEpoch 2 lastVoteEpoch 0\n")


@pytest.fixture(scope="module")
def two_pair():
    p = _cluster_pair(TWO_NODES)
    yield p
    p.stop()


@pytest.fixture
def t(two_pair):
    d = Dual(two_pair)
    d.both("FLUSHALL")
    _wait_ok(d)
    yield d
    d.both("CLUSTER", "SETSLOT", "100", "STABLE")
    d.both("CLUSTER", "SETSLOT", "9000", "STABLE")
    d.close()


def test_moved_for_the_other_primarys_slots(t):
    # foo: slot 12182 (the other node's), bar: 5061 (ours).
    run(t, "SET foo 1", "GET foo", "SET bar 1", "GET bar", "MGET bar foo", "READONLY",
        "GET foo", "READWRITE", "SPUBLISH foo m", "EXEC", "MULTI", "SET foo 1", "SET bar 2",
        "EXEC", "GET bar", "CLUSTER COUNTKEYSINSLOT 5061", "INFO errorstats")
    check_named(t, "CLUSTER", "SLOTS")
    check_named(t, "CLUSTER", "SHARDS")
    check_text(t, "CLUSTER", "NODES")
    check_text(t, "CLUSTER", "REPLICAS", OTHER_NAME)
    # A primary with slots may not become a replica.
    run(t, f"CLUSTER REPLICATE {OTHER_NAME}", "CLUSTER FAILOVER",
        f"CLUSTER COUNT-FAILURE-REPORTS {OTHER_NAME}")


def test_scripts_touch_only_this_nodes_keys_in_one_slot(t):
    # bar: slot 5061 (ours); foo: 12182 (the other node's); {tag}x: slot 100 (ours).
    tag = _key_in_slot(t, 100)
    cross = f"redis.call('SET','bar','1'); return redis.call('SET','{{{tag}}}x','2')"
    run(t, ("EVAL", "return redis.call('SET','bar','1')", "0"),
        ("EVAL", "return redis.call('GET','foo')", "0"),
        ("EVAL", "#!lua\nreturn redis.call('GET','foo')", "0"),
        ("EVAL", cross, "0"), ("EVAL", "#!lua\n" + cross, "0"),
        ("EVAL", f"return redis.call('GET','{{{tag}}}x')", "1", "bar"),
        ("EVAL", f"#!lua\nreturn redis.call('GET','{{{tag}}}x')", "1", "bar"),
        ("EVAL", "return redis.call('GET',KEYS[1])", "1", "bar"),
        ("EVAL", "#!lua flags=allow-cross-slot-keys\n" + cross, "0"),
        ("EVAL", "#!lua flags=allow-cross-slot-keys\nreturn redis.call('GET','foo')", "0"),
        "GET bar", f"GET {{{tag}}}x", "DEL bar", f"DEL {{{tag}}}x", "INFO errorstats")


def test_migrating_slot_asks_for_missing_keys(t):
    # Slot 100 is ours; "{a1}x" style keys of slot 100 are found by their tag.
    tag = _key_in_slot(t, 100)
    run(t, f"SET {{{tag}}}here 1", f"CLUSTER SETSLOT 100 MIGRATING {OTHER_NAME}",
        f"GET {{{tag}}}here", f"GET {{{tag}}}gone", f"MGET {{{tag}}}here {{{tag}}}gone",
        f"MGET {{{tag}}}gone {{{tag}}}gone2", f"SET {{{tag}}}new 1", f"EXISTS {{{tag}}}here",
        "CLUSTER SETSLOT 100 STABLE", f"GET {{{tag}}}gone", f"DEL {{{tag}}}here")
    check_text(t, "CLUSTER", "NODES")


def test_importing_slot_needs_asking(t):
    tag = _key_in_slot(t, 9000)  # the other node's slot
    run(t, f"CLUSTER SETSLOT 9000 IMPORTING {OTHER_NAME}", f"GET {{{tag}}}k", "ASKING",
        f"GET {{{tag}}}k", f"GET {{{tag}}}k", "ASKING", f"SET {{{tag}}}k 1", "ASKING",
        f"MSET {{{tag}}}a 1 {{{tag}}}b 2", "ASKING", f"MGET {{{tag}}}k {{{tag}}}k",
        "ASKING", f"MGET {{{tag}}}k {{{tag}}}none", "ASKING", "MULTI", f"GET {{{tag}}}k",
        "EXEC", "MULTI", "ASKING", f"GET {{{tag}}}k", "EXEC", "RESTORE-ASKING x 0 bad",
        f"CLUSTER COUNTKEYSINSLOT 9000")
    check_text(t, "CLUSTER", "NODES")
    run(t, f"CLUSTER SETSLOT 5 MIGRATING {OTHER_NAME}", "CLUSTER SETSLOT 5 STABLE",
        f"CLUSTER SETSLOT 9000 MIGRATING {OTHER_NAME}")


def test_cluster_info_with_two_primaries(t):
    info_ref, info_got = _state(t.ref), _state(t.got)
    keep = ["cluster_state", "cluster_slots_assigned", "cluster_slots_ok", "cluster_known_nodes",
            "cluster_size", "cluster_current_epoch", "cluster_my_epoch"]
    a = {k: info_ref.get(k) for k in keep}
    b = {k: info_got.get(k) for k in keep}
    if a != b:
        t.fail(["CLUSTER", "INFO"], a, b, "cluster figures differ")


def _key_in_slot(d, slot):
    """A hash tag whose slot is `slot`: CRC-16/XMODEM is binascii's crc_hqx from 0."""
    for i in range(1_000_000):
        tag = f"t{i}"
        if binascii.crc_hqx(tag.encode(), 0) % 16384 == slot:
            return tag
    pytest.fail(f"no tag found for slot {slot}")
