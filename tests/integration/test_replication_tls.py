# Replication over TLS (tls-replication yes), against Debian's redis-server 7.0 in both
# directions, and the online TLS migration of a primary with replicas: tls-mode none ->
# preferred, each replica's link moved to TLS by CONFIG SET tls-replication yes (a partial
# resync, no new full sync), then required, which cuts no TLS link and closes a plaintext one;
# redis-py clients write throughout and none of their operations fails.

import pytest
import redis

from support import servers
from support.tools import wait_for
from support.background_writes import BackgroundWrites
from support.datasets import fill, snapshot_of
from support.tls_helpers import tls_args

pytestmark = pytest.mark.skipif(not servers.redoubt_available(),
                                reason=servers.redoubt_missing_reason())


def client(server, **kw):
    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=30, **kw)


def link_up(replica):
    return client(replica).info("replication").get("master_link_status") == "up"


def wait_synced(primary_client, *replicas):
    def synced():
        offset = primary_client.info("replication")["master_repl_offset"]
        return all(link_up(r) and client(r).info("replication")["slave_repl_offset"] >= offset
                   for r in replicas)

    wait_for(synced, "the replicas to catch up")


def tls_replica_args(certs, primary_port):
    server = certs.get("server")
    return ["--tls-replication", "yes", "--tls-cert-file", server.cert, "--tls-key-file",
            server.key, "--tls-ca-cert-file", certs.ca().cert,
            "--replicaof", "127.0.0.1", str(primary_port)]


def stat(c, name):
    return c.info("stats")[name]


def test_redis_replica_follows_a_redoubt_primary_over_tls(tls_certs):
    server = tls_certs.get("server")
    with servers.redoubt_server(args=tls_args(server, "required"),
                                tls_ca=tls_certs.ca().cert) as primary:
        p = client(primary, ssl=True, ssl_ca_certs=tls_certs.ca().cert)
        fill(p)
        with servers.redis_server(args=tls_replica_args(tls_certs, primary.port)) as replica:
            wait_synced(p, replica)
            assert snapshot_of(client(replica)) == snapshot_of(p)
            client(replica).client_kill_filter(_type="master")
            p.set("after-drop", "1")
            wait_synced(p, replica)
            assert snapshot_of(client(replica)) == snapshot_of(p)
            assert stat(p, "sync_full") == 1 and stat(p, "sync_partial_ok") == 1
        assert "over TLS" in primary.log_text()


def test_redoubt_replica_follows_a_redis_primary_over_tls(tls_certs):
    server = tls_certs.get("server")
    tls_port = servers.free_port()
    with servers.redis_server(args=["--tls-port", str(tls_port), "--tls-cert-file", server.cert,
                                    "--tls-key-file", server.key, "--tls-ca-cert-file",
                                    tls_certs.ca().cert, "--tls-auth-clients", "no",
                                    "--repl-diskless-sync-delay", "0"]) as primary:
        p = client(primary)
        fill(p)
        with servers.redoubt_server(args=tls_replica_args(tls_certs, tls_port)) as replica:
            wait_synced(p, replica)
            assert snapshot_of(client(replica)) == snapshot_of(p)
            p.client_kill_filter(_type="slave")
            p.set("after-drop", "1")
            wait_synced(p, replica)
            assert snapshot_of(client(replica)) == snapshot_of(p)
            assert stat(p, "sync_full") == 1 and stat(p, "sync_partial_ok") == 1
            # The link is TLS: redis-server's replica entry is on its TLS port's connection.
            assert any(c.get("laddr", "").endswith(f":{tls_port}")
                       for c in p.client_list(_type="replica"))


def test_tls_replication_without_a_ca_is_refused(tls_certs):
    with servers.redoubt_server() as node:
        with pytest.raises(redis.ResponseError, match="tls-ca-cert-file"):
            client(node).config_set("tls-replication", "yes")
        assert client(node).config_get("tls-replication") == {"tls-replication": "no"}


@pytest.mark.redoubt_timeout(120)
def test_online_tls_migration_of_a_primary_with_replicas(tls_certs):
    server, ca = tls_certs.get("server"), tls_certs.ca().cert
    with servers.redoubt_server() as primary, \
            servers.redoubt_server(args=["--replicaof", "127.0.0.1", str(primary.port)]) as r1, \
            servers.redoubt_server(args=["--replicaof", "127.0.0.1", str(primary.port)]) as r2, \
            servers.redoubt_server(args=["--replicaof", "127.0.0.1", str(primary.port)]) as r3:
        p = client(primary)
        fill(p)
        wait_synced(p, r1, r2, r3)
        assert stat(p, "sync_full") == 3

        def write(c, i):
            c.set(f"load:{i % 500}", i)
            c.incr("load:count")

        # Plaintext writes through none and preferred.
        with BackgroundWrites(lambda: client(primary), write, 100_000) as plain:
            wait_for(lambda: len(plain.written) > 100, "writes in none")
            p.config_set("tls-cert-file", server.cert, "tls-key-file", server.key)
            p.config_set("tls-mode", "preferred")
            # Two replicas move their link to TLS; the third stays plaintext.
            for r in (r1, r2):
                client(r).config_set("tls-ca-cert-file", ca)
                client(r).config_set("tls-replication", "yes")
            wait_for(lambda: stat(p, "sync_partial_ok") == 2 and link_up(r1) and link_up(r2),
                       "the replicas to continue over TLS")
            seen = len(plain.written)
            wait_for(lambda: len(plain.written) > seen + 100, "writes in preferred")
        # Before required, the application moves to TLS, as it would.
        tls_client = client(primary, ssl=True, ssl_ca_certs=ca)
        with BackgroundWrites(lambda: client(primary, ssl=True, ssl_ca_certs=ca), write,
                              100_000) as tls_writes:
            wait_for(lambda: len(tls_writes.written) > 100, "TLS writes")
            p.config_set("tls-mode", "required")
            seen = len(tls_writes.written)
            wait_for(lambda: len(tls_writes.written) > seen + 300, "writes in required")
        # No write failed (BackgroundWrites stops at the first exception, which the block
        # re-raises); the TLS links stayed up, the plaintext one was cut and stays down.
        wait_synced(tls_client, r1, r2)
        assert stat(tls_client, "sync_full") == 3
        assert stat(tls_client, "sync_partial_ok") == 2
        expected = snapshot_of(tls_client)
        assert snapshot_of(client(r1)) == expected
        assert snapshot_of(client(r2)) == expected
        wait_for(lambda: not link_up(r3), "the plaintext replica to be cut")
        assert tls_client.get("load:count") == str(len(plain.written) +
                                                   len(tls_writes.written)).encode()
