# Cluster nodes for the integration tests: Redoubt or redis-server nodes in cluster mode, each on
# a loopback address of its own as if it were its own host; redis-cli --cluster create over them;
# whether every node sees the same cluster; and a redis-py RedisCluster load that records every
# failed operation while a test changes the cluster under it.
import threading
import time
import types

import redis.cluster
from redis.cluster import RedisCluster

from support import servers
from support.resp_client import RespClient, unwrap
from support.tools import REDIS_CLI, run_tool, wait_until

NODE_TIMEOUT_MS = 2000

# Debian's redis-py 4.3.4 deep-copies its connection arguments when it rediscovers the cluster
# through a node it holds no connection to, and one of them (its own connect callback) cannot be
# copied: after a node dies, every command then fails until the client is made anew, whatever the
# server does. A shallow copy is what the code needs (it only adds two keys to the copy).
if getattr(redis.cluster, "copy", None) is not None and redis.__version__ == "4.3.4":
    redis.cluster.copy = types.SimpleNamespace(deepcopy=dict)


def _decoded(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


def text(reply):
    """A reply's value with its strings decoded, in nested arrays too."""
    return _decoded(unwrap(reply))


class Node:
    """One cluster node (Redoubt, or redis-server for kind="redis") on its own address."""

    def __init__(self, address, tmp_path, kind="redoubt", extra=(), tls_ca=None):
        self.address = address
        self.kind = kind
        self.client_source = None  # the address the test's own connections leave from
        # Set: the test's own connections speak TLS, verified by this CA (a node started in
        # tls-mode required is given it; a test moving a node to required sets it).
        self.tls_ca = tls_ca
        directory = tmp_path / f"{kind}-{address}"
        directory.mkdir()
        self.cport = servers.free_port(address)
        args = ["--cluster-enabled", "yes", "--cluster-port", str(self.cport),
                "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
                "--cluster-config-file", str(directory / "nodes.conf"), "--dir", str(directory),
                *extra]
        make = servers.redis_server if kind == "redis" else servers.redoubt_server
        self.server = make(args=args, host=address, name=f"{kind}-{address}", tls_ca=tls_ca)

    def start(self):
        self.server.start()
        return self

    @property
    def port(self):
        return self.server.port

    @property
    def endpoint(self):
        return f"{self.address}:{self.port}"

    def call(self, *args):
        with RespClient(self.address, self.port, source=self.client_source,
                        tls_ca=self.tls_ca) as c:
            return c.call(*args)

    def info(self, section="CLUSTER"):
        reply = self.call("CLUSTER", "INFO") if section == "CLUSTER" else self.call("INFO", section)
        return dict(line.split(":", 1) for line in text(reply).split("\r\n") if ":" in line)

    def nodes(self):
        """{name: (address, flags, slots)} from CLUSTER NODES."""
        out = {}
        for line in text(self.call("CLUSTER", "NODES")).splitlines():
            f = line.split(" ")
            out[f[0]] = (f[1].split("@")[0], set(f[2].split(",")) - {"myself"}, f[8:])
        return out

    def primary_of(self):
        """The name of the primary this node replicates, or None for a primary."""
        for line in text(self.call("CLUSTER", "NODES")).splitlines():
            f = line.split(" ")
            if "myself" in f[2]:
                return f[3] if f[3] != "-" else None
        return None

    def role(self):
        return text(self.call("ROLE"))[0]

    def name(self):
        return text(self.call("CLUSTER", "MYID"))


class Cluster:
    """Starts nodes (make(address, kind, extra)) and stops every one of them at the end."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.started = []

    def __call__(self, address, kind="redoubt", extra=(), tls_ca=None):
        node = Node(address, self.tmp_path, kind, extra, tls_ca).start()
        self.started.append(node)
        return node

    def stop(self):
        for node in self.started:
            node.server.stop()


def agree(nodes):
    """Every node sees every node with the same address, role and slots."""
    views = []
    for node in nodes:
        view = node.nodes()
        if len(view) != len(nodes):
            return False
        views.append({k: (a, f - {"myself"}, s) for k, (a, f, s) in view.items()})
    return all(v == views[0] for v in views)


def all_ok(nodes):
    return all(n.info()["cluster_state"] == "ok" for n in nodes)


def create(nodes, replicas=0, cli_args=()):
    """redis-cli --cluster create over the nodes (cli_args: its TLS options, say); returns its
    output once every node agrees."""
    out = run_tool([REDIS_CLI, *cli_args, "--cluster", "create", *[n.endpoint for n in nodes],
                    "--cluster-replicas", str(replicas), "--cluster-yes"], timeout=120)
    assert "[OK] All 16384 slots covered." in out.stdout, out.stdout + out.stderr
    assert wait_until(lambda: all_ok(nodes), timeout=30)
    assert wait_until(lambda: agree(nodes), timeout=30)
    return out.stdout + out.stderr


class ClusterLoad:
    """A RedisCluster client in a thread that sets and reads back keys until stopped (or its
    time runs out), recording every failed operation, whatever its kind."""

    def __init__(self, node, keys, seconds=120, client_options=None, prefix="key"):
        self.node = node
        self.prefix = prefix  # loads that run together need prefixes of their own
        self.keys = keys
        self.seconds = seconds
        self.options = client_options or {}
        self.failures = []
        self.ops = 0
        self.ops_at_last_failure = 0
        self.acknowledged = {}  # key -> the last value the cluster acknowledged
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self):
        client = RedisCluster(host=self.node.address, port=self.node.port, **self.options)
        deadline = time.monotonic() + self.seconds
        i = 0
        while not self._done.is_set() and time.monotonic() < deadline:
            key = f"{self.prefix}:{i % self.keys}"
            try:
                client.set(key, i)
                self.acknowledged[key] = i
                if int(client.get(key)) != i:
                    self.failures.append(("value", key))
            except Exception as e:  # every failure counts
                self.failures.append(repr(e))
                self.ops_at_last_failure = self.ops
            i += 1
            self.ops += 1
        client.close()

    def wait_for_ops(self, count, timeout=60):
        start = self.ops
        assert wait_until(lambda: self.ops - start >= count, timeout=timeout), self.ops

    def wait_for_successes(self, count, timeout=60):
        """Waits for `count` operations in a row without a failure."""
        assert wait_until(lambda: self.ops - self.ops_at_last_failure >= count,
                          timeout=timeout), self.failures[-3:]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()
