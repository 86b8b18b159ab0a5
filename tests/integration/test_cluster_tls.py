# The cluster bus over TLS (tls-cluster) and the online TLS migration of a whole cluster, each
# node on a loopback address of its own (127.0.13.x):
#   - three primaries with a replica each go none -> preferred -> required under two redis-py
#     RedisCluster loads, one plaintext and one TLS: every node's bus and replication links move
#     to TLS while both clients keep working, then required refuses what plaintext is left;
#     no operation fails (the plaintext client until required), no replica resyncs in full and
#     no failover happens;
#   - mutual TLS on the bus: nodes that present client certificates form a cluster, and a node
#     whose certificate the others do not trust cannot join;
#   - bad input on the bus port: garbage TLS records, a truncated ClientHello, a silent peer.
import pytest

from support.cluster_nodes import ClusterLoad, agree, all_ok, create, text
from support.sockets import raw_connection
from support.tls_helpers import TRUNCATED_CLIENT_HELLO
from support.tools import wait_until

pytestmark = pytest.mark.redoubt_timeout(240)


def fields(node, section):
    reply = text(node.call("INFO", section))
    return dict(line.split(":", 1) for line in reply.split("\r\n") if ":" in line)


def bus_links(node):
    """(TLS links, plaintext links) of the node's cluster bus, from INFO ssl."""
    f = fields(node, "ssl")
    return int(f["tls_cluster_bus_links"]), int(f["tcp_cluster_bus_links"])


def roles(nodes):
    return {n.address: n.role() for n in nodes}


def node_certificate(tls_certs):
    """A server certificate valid for every node's address, as a real cluster's would be."""
    return tls_certs.server_cert(san=tuple(f"IP:127.0.13.{i}" for i in range(1, 21)))


def config_set(nodes, *pairs):
    for node in nodes:
        assert text(node.call("CONFIG", "SET", *pairs)) == "OK"


def test_online_tls_migration_of_a_cluster(cluster, tls_certs):
    ca = tls_certs.ca().cert
    cert = node_certificate(tls_certs)
    tls = ["--tls-cert-file", cert.cert, "--tls-key-file", cert.key, "--tls-ca-cert-file", ca,
           "--tls-mode", "none"]
    nodes = [cluster(f"127.0.13.{i}", extra=tls) for i in range(1, 7)]
    create(nodes, replicas=1)
    replicas = [n for n in nodes if n.role() == "slave"]
    primaries = [n for n in nodes if n.role() == "master"]
    assert len(replicas) == 3 and len(primaries) == 3
    assert wait_until(lambda: all(fields(n, "replication")["master_link_status"] == "up"
                                  for n in replicas), timeout=30)
    before_roles = roles(nodes)
    full_syncs = {n.address: int(fields(n, "stats")["sync_full"]) for n in primaries}
    epoch = nodes[0].info()["cluster_current_epoch"]
    # Five links per direction to the five other nodes: ten, all plaintext.
    assert wait_until(lambda: all(bus_links(n) == (0, 10) for n in nodes), timeout=30)

    tls_client = {"ssl": True, "ssl_ca_certs": ca}
    with ClusterLoad(nodes[0], keys=500, prefix="plain") as plain:
        plain.wait_for_ops(200)
        # 1. preferred: every node takes TLS next to plaintext, on its one port and its bus.
        config_set(nodes, "tls-mode", "preferred")
        with ClusterLoad(nodes[1], keys=500, client_options=tls_client,
                             prefix="tls") as secure:
            secure.wait_for_ops(200)
            # 2. The server's own links: replicas first, as the replicas' links are theirs.
            for node in replicas + primaries:
                config_set([node], "tls-replication", "yes", "tls-cluster", "yes")
            assert wait_until(lambda: all(bus_links(n) == (10, 0) for n in nodes), timeout=30), \
                [bus_links(n) for n in nodes]
            def replicas_over_tls():
                for primary in primaries:
                    lines = text(primary.call("CLIENT", "LIST", "TYPE", "replica")).splitlines()
                    if len(lines) != 1 or "tls=yes" not in lines[0]:
                        return False
                return all(fields(n, "replication")["master_link_status"] == "up"
                           for n in replicas)
            assert wait_until(replicas_over_tls, timeout=30)
            plain.wait_for_ops(200)
            secure.wait_for_ops(200)
            # The plaintext client leaves before required, as its operator was told to.
            plain_ops, plain_failures = plain.ops, list(plain.failures)
            plain.__exit__(None, None, None)

            # 3. required: plaintext is refused everywhere, on the port and on the bus.
            for node in nodes:
                node.tls_ca = ca
            config_set(nodes, "tls-mode", "required")
            secure.wait_for_ops(300)
            assert all_ok(nodes) and agree(nodes)
            assert all(bus_links(n) == (10, 0) for n in nodes)
    assert plain_failures == [], plain_failures[:5]
    assert secure.failures == [], secure.failures[:5]
    print(f"plaintext client: {plain_ops} operations, 0 failed; TLS client: {secure.ops} "
          "operations, 0 failed")
    # Nothing moved: the same roles, no election, no full resynchronization.
    assert roles(nodes) == before_roles
    assert nodes[0].info()["cluster_current_epoch"] == epoch
    assert {n.address: int(fields(n, "stats")["sync_full"]) for n in primaries} == full_syncs
    # A plaintext peer can no longer reach the bus: it is closed unanswered.
    with raw_connection(nodes[0].cport, nodes[0].address, 5.0) as s:
        s.sendall(b"RCmb" + b"\x00" * 100)
        try:
            assert s.recv(1) == b""
        except ConnectionResetError:
            pass


def test_mutual_tls_on_the_bus(cluster, tls_certs):
    """The bus follows tls-auth-clients: a node presenting a certificate the cluster does not
    trust cannot join (its MEET never completes a handshake)."""
    ca = tls_certs.ca().cert
    cert = node_certificate(tls_certs)

    def node_args(client):
        return ["--tls-cert-file", cert.cert, "--tls-key-file", cert.key,
                "--tls-ca-cert-file", ca, "--tls-mode", "required",
                "--tls-auth-clients", "optional", "--tls-cluster", "yes",
                "--tls-replication", "yes",
                "--tls-client-cert-file", client.cert, "--tls-client-key-file", client.key]

    trusted = tls_certs.client_cert("node")
    nodes = [cluster(f"127.0.13.{10 + i}", extra=node_args(trusted), tls_ca=ca)
             for i in range(1, 4)]
    create(nodes, cli_args=("--tls", "--cacert", ca))
    assert wait_until(lambda: all(bus_links(n) == (4, 0) for n in nodes), timeout=30)

    tls_certs.other_ca()
    untrusted = tls_certs.client_cert("stranger", ca="other-ca")
    stranger = cluster("127.0.13.20", extra=node_args(untrusted), tls_ca=ca)
    assert text(stranger.call("CLUSTER", "MEET", nodes[0].address, str(nodes[0].port),
                              str(nodes[0].cport))) == "OK"
    assert len(stranger.nodes()) == 2  # the peer it met, in handshake
    # The stranger keeps its MEET in handshake until the handshake timeout, then drops it.
    assert wait_until(lambda: len(stranger.nodes()) == 1, timeout=30)
    log = nodes[0].server.log_text()
    assert "TLS handshake from 127.0.13.20 failed" in log, log[-2000:]
    assert all(len(n.nodes()) == 3 for n in nodes)
    assert all(bus_links(n) == (4, 0) for n in nodes)
    assert all_ok(nodes) and agree(nodes)


def test_bad_input_on_the_bus_port(cluster, tls_certs):
    """Garbage after a TLS record header, a truncated ClientHello and a silent peer: each link
    is closed (the silent one after tls-handshake-timeout), and the node keeps serving."""
    ca = tls_certs.ca().cert
    cert = node_certificate(tls_certs)
    node = cluster("127.0.13.30", extra=["--tls-cert-file", cert.cert, "--tls-key-file",
                                         cert.key, "--tls-ca-cert-file", ca, "--tls-mode",
                                         "preferred", "--tls-handshake-timeout", "1000"])
    assert text(node.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383")) == "OK"

    def wait_closed(sock):
        """Reads until the node closes the link (a TLS alert may come first); a link left open
        fails the test with the socket's 10 s timeout."""
        try:
            while sock.recv(4096):
                pass
        except ConnectionResetError:
            pass

    for payload in (b"\x16\x03\x01\x00\x05hello", TRUNCATED_CLIENT_HELLO, b""):
        with raw_connection(node.cport, node.address, 10.0) as s:
            if payload:
                s.sendall(payload)
            wait_closed(s)
    assert "not set up within 1000 ms: closing it" in node.server.log_text()
    assert "Cluster bus: TLS handshake from" in node.server.log_text()
    assert text(node.call("SET", "k", "v")) == "OK"
    assert node.info()["cluster_state"] == "ok"
