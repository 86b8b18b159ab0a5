# Cluster mode on one node, with real clients: redis-py's RedisCluster (plaintext, and over TLS
# in tls-mode preferred and required) and redis-cli -c over all 16,384 slots; nodes.conf
# written at start, kept across a restart (name, slots, epochs), locked against a second
# node, refused when corrupt; keys loaded from a snapshot indexed by slot.
import subprocess

import pytest
from redis.cluster import RedisCluster

from support import servers
from support.resp_client import RespClient, unwrap
from support.tls_helpers import tls_args
from support.tools import REDIS_CLI, run_tool, wait_until


def cluster_args(tmp_path, *extra):
    return ["--cluster-enabled", "yes", "--cluster-config-file", str(tmp_path / "nodes.conf"),
            "--dir", str(tmp_path), *extra]


def cluster_info(port, **kw):
    with RespClient(port=port, **kw) as c:
        text = unwrap(c.call("CLUSTER", "INFO"))
    text = text.decode() if isinstance(text, bytes) else text
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def serve_every_slot(port):
    with RespClient(port=port) as c:
        assert unwrap(c.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383")) == "OK"
    # A primary turns ok two seconds after its first evaluation, as in Redis.
    assert wait_until(lambda: cluster_info(port).get("cluster_state") == "ok", timeout=15)


def test_redis_py_cluster_client_and_redis_cli(redoubt_factory, tmp_path):
    server = redoubt_factory(cluster_args(tmp_path))
    serve_every_slot(server.port)
    rc = RedisCluster(host="127.0.0.1", port=server.port)
    try:
        for i in range(500):
            rc.set(f"key:{i}", i)
        assert rc.get("key:77") == b"77"
        assert rc.mget_nonatomic([f"key:{i}" for i in range(10)]) == [str(i).encode()
                                                                      for i in range(10)]
        pipe = rc.pipeline()
        for i in range(20):
            pipe.incr(f"counter:{i}")
        assert pipe.execute() == [1] * 20
        assert rc.dbsize() == 520
        # Keys of one hash tag go together in a multi-key command.
        rc.mset({"{user:1}:name": "ada", "{user:1}:lang": "c"})
        assert rc.mget("{user:1}:name", "{user:1}:lang") == [b"ada", b"c"]
    finally:
        rc.close()
    out = run_tool([REDIS_CLI, "-c", "-p", str(server.port), "GET", "key:5"])
    assert out.stdout.strip() == "5"
    with RespClient(port=server.port) as c:
        slot = unwrap(c.call("CLUSTER", "KEYSLOT", "key:5"))
        assert unwrap(c.call("CLUSTER", "COUNTKEYSINSLOT", str(slot))) >= 1
        assert b"key:5" in unwrap(c.call("CLUSTER", "GETKEYSINSLOT", str(slot), "100"))
        assert unwrap(c.call("INFO", "cluster")).decode().splitlines()[1] == "cluster_enabled:1"


@pytest.mark.parametrize("mode", ["preferred", "required"])
def test_redis_py_cluster_client_over_tls(redoubt_factory, tls_certs, tmp_path, mode):
    ca = tls_certs.ca().cert
    kw = {"tls_ca": ca} if mode == "required" else {}
    server = redoubt_factory(cluster_args(tmp_path) + tls_args(tls_certs.get("server"), mode),
                             **kw)
    with RespClient(port=server.port, tls_ca=ca) as c:
        assert unwrap(c.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383")) == "OK"
    assert wait_until(lambda: cluster_info(server.port, tls_ca=ca).get("cluster_state") == "ok",
                      timeout=15)
    rc = RedisCluster(host="127.0.0.1", port=server.port, ssl=True, ssl_ca_certs=ca)
    try:
        for i in range(100):
            rc.set(f"tls:{i}", i)
        assert rc.get("tls:42") == b"42"
    finally:
        rc.close()


def test_nodes_conf_survives_a_restart_and_keys_are_indexed(redoubt_factory, tmp_path):
    server = redoubt_factory(cluster_args(tmp_path))
    serve_every_slot(server.port)
    with RespClient(port=server.port) as c:
        name = unwrap(c.call("CLUSTER", "MYID"))
        assert unwrap(c.call("CLUSTER", "BUMPEPOCH")).startswith("BUMPED")
        for i in range(50):
            c.call("SET", f"{{tag}}:{i}", "v")
        assert unwrap(c.call("SAVE")) == "OK"
    text = (tmp_path / "nodes.conf").read_text()
    assert text.startswith(name.decode()) and "myself,master" in text and "0-16383" in text
    assert text.rstrip().endswith("vars currentEpoch 1 lastVoteEpoch 0")
    server.restart()
    with RespClient(port=server.port) as c:
        assert unwrap(c.call("CLUSTER", "MYID")) == name
        slot = unwrap(c.call("CLUSTER", "KEYSLOT", "tag"))
        assert unwrap(c.call("CLUSTER", "COUNTKEYSINSLOT", str(slot))) == 50
        assert "cluster_current_epoch:1" in unwrap(c.call("CLUSTER", "INFO")).decode()


def test_a_second_node_cannot_use_the_same_nodes_conf(redoubt_factory, tmp_path):
    redoubt_factory(cluster_args(tmp_path))
    other = servers.redoubt_server(cluster_args(tmp_path), wait=False, name="second-node")
    try:
        other.start()
        assert other.proc.wait(timeout=20) != 0
        assert "is already used by a different Redis Cluster node" in other.log_text(4000)
    finally:
        other.stop()


def test_corrupt_nodes_conf_is_refused(tmp_path):
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    (tmp_path / "nodes.conf").write_text("not a node line\n")
    out = subprocess.run([servers.redoubt_binary(), "--port", str(servers.free_port())] +
                         cluster_args(tmp_path), capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "corrupted cluster config file" in out.stdout + out.stderr


def test_announced_address_shows_at_once(redoubt_factory, tmp_path):
    server = redoubt_factory(cluster_args(tmp_path))
    serve_every_slot(server.port)
    with RespClient(port=server.port) as c:
        assert unwrap(c.call("CONFIG", "SET", "cluster-announce-ip", "127.0.9.9")) == "OK"
        nodes = unwrap(c.call("CLUSTER", "NODES")).decode()
        assert f"127.0.9.9:{server.port}@" in nodes
        slots = unwrap(c.call("CLUSTER", "SLOTS"))
        assert slots[0][2][0] == b"127.0.9.9"
