# The seeds' scenario through the control plane: a cluster-mode group (2 shards, 1 replica each)
# created without TLS, a plaintext redis-py RedisCluster reading from the configuration
# endpoint, ModifyReplicationGroup to TLS preferred, a TLS RedisCluster (ssl=True and no CA: it
# trusts the control plane's CA through SSL_CERT_FILE, as aws-env prints) joining, then
# required: no failed operation for the TLS client, none for the plaintext client before
# required, status modifying then available (at least the dwell), the events, and no failover
# or full resync along the way. Also the refusals of ModifyReplicationGroup, the way back to
# plaintext, an auth token ROTATE → SET under load, and node certificates renewed before they
# expire under a TLS client.
import json
import os
import re
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis

from support.control_plane import control_fixture, control_plane, wait_available
from support.repeated_checks import RepeatedCheck
from support.tools import wait_for

NODE_BLOCK = "127.0.18.0/24"
DWELL_MS = 2000
READER = Path(__file__).resolve().parents[1] / "support" / "cluster_reader.py"

# Each test runs many awscli/boto3 calls and starts real nodes: minutes, not seconds, on two
# loaded cores (the CI runs these beside the other suites).
pytestmark = pytest.mark.redoubt_timeout(300)


control = control_fixture(NODE_BLOCK, "--modify-dwell", str(DWELL_MS))


class Reader:
    """cluster_reader.py in a subprocess, stopped by a file."""

    def __init__(self, tmp_path, name, host, env, tls=False, single=False, prefix=None):
        self.stop_file = tmp_path / f"{name}.stop"
        self.report = tmp_path / f"{name}.json"
        cmd = [sys.executable, str(READER), "--host", host, "--stop-file", str(self.stop_file),
               "--report", str(self.report), "--prefix", prefix or f"{name}:"]
        if tls:
            cmd.append("--tls")
        if single:
            cmd.append("--single")
        if prefix:
            cmd.append("--no-write")  # keys written before, by the test
        self.proc = subprocess.Popen(cmd, env={**os.environ, **env},
                                     cwd=str(READER.parents[2]), stderr=subprocess.PIPE,
                                     text=True)

    def wait_ready(self):
        ready = Path(str(self.report) + ".ready")
        wait_for(lambda: ready.exists() or self.proc.poll() is not None, "the reader to start")
        assert self.proc.poll() is None, self.proc.stderr.read()

    def stop(self):
        self.stop_file.touch()
        self.proc.wait(timeout=120)
        assert self.proc.returncode == 0, self.proc.stderr.read()
        return json.loads(self.report.read_text())


def full_syncs(addresses, tls_env):
    total = 0
    for address in addresses:
        kwargs = {"ssl": True, "ssl_ca_certs": tls_env["SSL_CERT_FILE"]} if tls_env else {}
        total += redis.Redis(host=address, port=6379, **kwargs).info("stats")["sync_full"]
    return total


def test_online_tls_migration_of_a_cluster_mode_group(control, tmp_path):
    client = control.boto3_client()
    client.create_replication_group(ReplicationGroupId="seeds", ReplicationGroupDescription="x",
                                    NumNodeGroups=2, ReplicasPerNodeGroup=1)
    group = client.describe_replication_groups(ReplicationGroupId="seeds")["ReplicationGroups"][0]
    assert group["TransitEncryptionEnabled"] is False
    endpoint = group["ConfigurationEndpoint"]["Address"]
    addresses = [c["CacheNodes"][0]["Endpoint"]["Address"]
                 for c in client.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]]
    roles_before = {a: redis.Redis(host=a, port=6379).execute_command("ROLE")[0]
                    for a in addresses}
    syncs_before = full_syncs(addresses, None)

    plain = Reader(tmp_path, "plain", endpoint, {})
    plain.wait_ready()

    # none → preferred: the reply and Describe say modifying, for at least the dwell.
    t0 = time.monotonic()
    reply = client.modify_replication_group(ReplicationGroupId="seeds",
                                            TransitEncryptionEnabled=True,
                                            TransitEncryptionMode="preferred",
                                            ApplyImmediately=True)["ReplicationGroup"]
    assert reply["Status"] == "modifying"
    assert reply["PendingModifiedValues"] == {"TransitEncryptionEnabled": True,
                                              "TransitEncryptionMode": "preferred"}
    seen = wait_available(client, "seeds")
    assert time.monotonic() - t0 >= DWELL_MS / 1000
    assert seen[-1] == "available"
    group = client.describe_replication_groups(ReplicationGroupId="seeds")["ReplicationGroups"][0]
    assert (group["TransitEncryptionEnabled"], group["TransitEncryptionMode"]) == (True,
                                                                                  "preferred")
    assert group["PendingModifiedValues"] == {}

    tls = Reader(tmp_path, "tls", endpoint, {"SSL_CERT_FILE": control.env["SSL_CERT_FILE"]},
                 tls=True)
    tls.wait_ready()
    # A modification while one runs is refused.
    required_sent = time.time()
    client.modify_replication_group(ReplicationGroupId="seeds", TransitEncryptionEnabled=True,
                                    TransitEncryptionMode="required", ApplyImmediately=True)
    with pytest.raises(client.exceptions.InvalidReplicationGroupStateFault):
        client.modify_replication_group(ReplicationGroupId="seeds",
                                        TransitEncryptionMode="preferred",
                                        ApplyImmediately=True)
    wait_available(client, "seeds")
    tls_report = tls.stop()
    plain_report = plain.stop()

    assert tls_report["ops"] > 0 and tls_report["failures"] == [], tls_report["failures"][:5]
    early = [f for f in plain_report["failures"] if f[0] < required_sent]
    assert plain_report["ops"] > 0 and early == [], early[:5]
    print(f"plaintext reader: {plain_report['ops']} reads, "
          f"{len(plain_report['failures'])} failures, all after required was asked for; "
          f"TLS reader: {tls_report['ops']} reads, 0 failures")

    # Plaintext is refused now (on the endpoint Describe gives now, which resolves); TLS serves
    # there, verified by its name (the nodes' certificates carry the group's wildcard); no
    # failover, no full resync.
    tls_endpoint = client.describe_replication_groups(ReplicationGroupId="seeds")[
        "ReplicationGroups"][0]["ConfigurationEndpoint"]["Address"]
    socket.gethostbyname(tls_endpoint)
    with pytest.raises(redis.exceptions.ConnectionError) as refused:
        redis.Redis(host=tls_endpoint, port=6379, socket_timeout=5).ping()
    assert "Name or service not known" not in str(refused.value)
    tls_env = {"SSL_CERT_FILE": control.env["SSL_CERT_FILE"]}
    node = redis.Redis(host=tls_endpoint, port=6379, ssl=True, ssl_check_hostname=True,
                       ssl_ca_certs=tls_env["SSL_CERT_FILE"])
    # Describe now gives the TLS-era names; the plaintext-era names are gone from the hosts file
    # (where it is written), the nodes behind them the same.
    new_addresses = [c["CacheNodes"][0]["Endpoint"]["Address"] for c in
                     client.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]]
    if os.access("/etc/hosts", os.W_OK):  # else both are the nodes' addresses
        assert all(re.fullmatch(r"seeds-000\d-00\d\.seeds\.[a-z0-9]{6}\.cache\.redoubt\.internal",
                                a) for a in new_addresses), new_addresses
        assert not set(addresses) & set(new_addresses)
        for old in addresses:
            with pytest.raises(socket.gaierror):
                socket.gethostbyname(old)
    roles_after = {a: redis.Redis(host=a, port=6379, ssl=True,
                                  ssl_ca_certs=tls_env["SSL_CERT_FILE"]).execute_command("ROLE")[0]
                   for a in new_addresses}
    assert list(roles_after.values()) == list(roles_before.values())
    assert full_syncs(new_addresses, tls_env) == syncs_before
    assert node.info("ssl")["tcp_cluster_bus_links"] == 0

    messages = [e["Message"] for e in client.describe_events(
        SourceType="replication-group", SourceIdentifier="seeds")["Events"]]
    assert messages[:2] == ["In-transit encryption of replication group seeds is now required",
                            "In-transit encryption of replication group seeds is now preferred"]
    node_events = [e["Message"] for e in client.describe_events(SourceType="cache-cluster")[
        "Events"]]
    assert sum("Certificate issued" in m for m in node_events) == 4
    assert sum("Switching to TLS required" in m for m in node_events) == 4
    # The events name the plaintext clients each node cut off (the plaintext reader's), by
    # source address, so that an operator can find who was left behind.
    named = [m for m in node_events if re.search(
        r"with [1-9]\d* plaintext client connections still open \(\d+\.\d+\.\d+\.\d+:\d+", m)]
    assert named, [m for m in node_events if "Switching" in m]

    # A time window (StartTime/EndTime) keeps exactly the events inside it.
    everything = client.describe_events(Duration=60)["Events"]
    group_events = {e["Message"]: e["Date"] for e in everything
                    if e["SourceIdentifier"] == "seeds"}
    created = group_events["Replication group seeds created"]
    required = group_events["In-transit encryption of replication group seeds is now required"]

    def window(**kwargs):
        return [e["Message"] for e in client.describe_events(
            SourceType="replication-group", SourceIdentifier="seeds", **kwargs)["Events"]]
    before_required = window(StartTime=created - timedelta(seconds=1),
                             EndTime=required - timedelta(milliseconds=1))
    assert "Replication group seeds created" in before_required
    assert "In-transit encryption of replication group seeds is now preferred" in before_required
    assert "In-transit encryption of replication group seeds is now required" not in \
        before_required
    assert window(StartTime=required + timedelta(milliseconds=1)) == []
    assert window(StartTime=created - timedelta(hours=1),
                  EndTime=created - timedelta(milliseconds=1)) == []

    # A node restarted now keeps its transport: its config says required.
    pid_file = control.data / "nodes" / "seeds-0002-002" / "redoubt.pid"
    os.kill(int(pid_file.read_text()), 9)
    wait_for(lambda: any("restarted" in e["Message"] for e in client.describe_events(
        SourceType="cache-cluster", SourceIdentifier="seeds-0002-002")["Events"]),
        "the restart event")
    config = (control.data / "nodes" / "seeds-0002-002" / "redoubt.conf").read_text()
    assert "tls-mode required" in config and "tls-cluster yes" in config
    client.delete_replication_group(ReplicationGroupId="seeds")


def test_online_tls_migration_of_a_group_without_cluster_mode(control, tmp_path):
    """The seeds' scenario on a primary and a replica: plaintext clients on the primary and the
    reader endpoints from the start, TLS clients on both from preferred on (ssl=True, the CA
    through SSL_CERT_FILE, the TLS-era names): no failure for the TLS clients, none for the
    plaintext ones before required."""
    client = control.boto3_client()
    client.create_replication_group(ReplicationGroupId="single", ReplicationGroupDescription="x",
                                    NumCacheClusters=2, AutomaticFailoverEnabled=True)
    shard = client.describe_replication_groups()["ReplicationGroups"][0]["NodeGroups"][0]
    primary = redis.Redis(host=shard["PrimaryEndpoint"]["Address"], port=6379)
    for i in range(500):
        primary.set(f"k:{i}", i)
    assert primary.wait(1, 10000) == 1
    tls_env = {"SSL_CERT_FILE": control.env["SSL_CERT_FILE"]}

    def readers(shard, env, tls):
        return [Reader(tmp_path, f"{'tls' if tls else 'plain'}-{role}", shard[endpoint]["Address"],
                       env, tls=tls, single=True, prefix="k:")
                for role, endpoint in (("primary", "PrimaryEndpoint"),
                                       ("reader", "ReaderEndpoint"))]
    plain = readers(shard, {}, False)
    for reader in plain:
        reader.wait_ready()
    client.modify_replication_group(ReplicationGroupId="single", TransitEncryptionEnabled=True,
                                    TransitEncryptionMode="preferred", ApplyImmediately=True)
    wait_available(client, "single")
    shard = client.describe_replication_groups()["ReplicationGroups"][0]["NodeGroups"][0]
    assert shard["PrimaryEndpoint"]["Address"].startswith("master.single.") or \
        not os.access("/etc/hosts", os.W_OK)
    tls = readers(shard, tls_env, True)
    for reader in tls:
        reader.wait_ready()
    required_sent = time.time()
    client.modify_replication_group(ReplicationGroupId="single", TransitEncryptionEnabled=True,
                                    TransitEncryptionMode="required", ApplyImmediately=True)
    wait_available(client, "single")
    for reader in tls:
        report = reader.stop()
        assert report["ops"] > 0 and report["failures"] == [], report["failures"][:5]
        print(f"{reader.report.stem}: {report['ops']} reads, 0 failures")
    for reader in plain:
        report = reader.stop()
        early = [f for f in report["failures"] if f[0] < required_sent]
        assert report["ops"] > 0 and early == [], early[:5]
        print(f"{reader.report.stem}: {report['ops']} reads, 0 failures before required")
    client.delete_replication_group(ReplicationGroupId="single")


def test_modification_refusals_and_the_way_back_to_plaintext(control):
    client = control.boto3_client()
    client.create_replication_group(ReplicationGroupId="back", ReplicationGroupDescription="x",
                                    NumCacheClusters=2)
    errors = client.exceptions
    for kwargs, error in (
            ({"TransitEncryptionEnabled": True, "TransitEncryptionMode": "required"},
             "InvalidParameterCombination"),  # none → required directly
            ({"TransitEncryptionEnabled": False}, "InvalidParameterCombination"),  # already off
            ({"TransitEncryptionEnabled": False, "TransitEncryptionMode": "preferred"},
             "InvalidParameterCombination"),
            ({"TransitEncryptionMode": "sometimes"}, "InvalidParameterValue"),
            ({"CacheNodeType": "cache.r6g.large"}, "InvalidParameterCombination"),
            ({}, "InvalidParameterCombination")):
        with pytest.raises(client.exceptions.ClientError) as e:
            client.modify_replication_group(ReplicationGroupId="back", ApplyImmediately=True,
                                            **kwargs)
        assert e.value.response["Error"]["Code"] == error, kwargs
    with pytest.raises(errors.ReplicationGroupNotFoundFault):
        client.modify_replication_group(ReplicationGroupId="nope", ApplyImmediately=True,
                                        TransitEncryptionEnabled=True)
    assert client.describe_replication_groups()["ReplicationGroups"][0]["Status"] == "available"

    # A description change applies at once; TLS on (preferred) and off again, replication kept.
    reply = client.modify_replication_group(ReplicationGroupId="back", ApplyImmediately=True,
                                            ReplicationGroupDescription="renamed")
    assert reply["ReplicationGroup"]["Description"] == "renamed"
    client.modify_replication_group(ReplicationGroupId="back", ApplyImmediately=True,
                                    TransitEncryptionEnabled=True)
    wait_available(client, "back")
    shard = client.describe_replication_groups()["ReplicationGroups"][0]["NodeGroups"][0]
    primary = redis.Redis(host=shard["PrimaryEndpoint"]["Address"], port=6379)
    assert [c.get("tls") for c in primary.client_list(_type="replica")] == ["yes"]
    with pytest.raises(errors.ClientError) as e:
        client.modify_replication_group(ReplicationGroupId="back", ApplyImmediately=True,
                                        TransitEncryptionEnabled=False,
                                        TransitEncryptionMode="required")
    assert e.value.response["Error"]["Code"] == "InvalidParameterCombination"
    client.modify_replication_group(ReplicationGroupId="back", ApplyImmediately=True,
                                    TransitEncryptionEnabled=False)
    wait_available(client, "back")
    group = client.describe_replication_groups()["ReplicationGroups"][0]
    assert group["TransitEncryptionEnabled"] is False and "TransitEncryptionMode" not in group
    shard = group["NodeGroups"][0]  # the plaintext-era names again
    primary = redis.Redis(host=shard["PrimaryEndpoint"]["Address"], port=6379)
    assert [c.get("tls") for c in primary.client_list(_type="replica")] == ["no"]
    assert primary.info("ssl")["tls_mode"] == "none"
    primary.set("k", "v")
    primary.wait(1, 5000)
    reader = redis.Redis(host=shard["ReaderEndpoint"]["Address"], port=6379)
    assert reader.get("k") == b"v"
    client.delete_replication_group(ReplicationGroupId="back")


def test_auth_token_rotate_then_set_under_load(control):
    """ROTATE adds the new token beside the old one on every node, SET leaves the new one only:
    a client that keeps its connection (authenticated with the old token) never fails, new
    connections work with either token during the rotation and with the new one only after."""
    client = control.boto3_client()
    old, new = "old-token-0123456789", "new-token-9876543210"
    created = client.create_replication_group(
        ReplicationGroupId="tokens", ReplicationGroupDescription="x", NumCacheClusters=2,
        TransitEncryptionEnabled=True, TransitEncryptionMode="preferred",
        AuthToken=old)["ReplicationGroup"]
    assert created["AuthTokenEnabled"] is True
    shard = client.describe_replication_groups()["ReplicationGroups"][0]["NodeGroups"][0]
    primary = shard["PrimaryEndpoint"]["Address"]
    ca = control.env["SSL_CERT_FILE"]

    def connect(password):
        return redis.Redis(host=primary, port=6379, ssl=True, ssl_ca_certs=ca, password=password,
                           socket_timeout=10)
    with pytest.raises((redis.exceptions.ResponseError, redis.exceptions.AuthenticationError)):
        connect("wrong-token-00000000").ping()
    kept = connect(old)
    kept.set("k", "v")
    def read():
        assert kept.get("k") == b"v"
    with RepeatedCheck(read) as load:
        for strategy in ("ROTATE", "SET"):
            reply = client.modify_replication_group(ReplicationGroupId="tokens", AuthToken=new,
                                                    AuthTokenUpdateStrategy=strategy,
                                                    ApplyImmediately=True)["ReplicationGroup"]
            assert reply["Status"] == "modifying"
            assert reply["PendingModifiedValues"]["AuthTokenStatus"] == \
                ("ROTATING" if strategy == "ROTATE" else "SETTING")
            wait_available(client, "tokens")
            if strategy == "ROTATE":
                assert connect(old).ping() and connect(new).ping()
                with pytest.raises(client.exceptions.ClientError) as e:  # a second rotation
                    client.modify_replication_group(ReplicationGroupId="tokens",
                                                    AuthToken="third-token-000000000",
                                                    AuthTokenUpdateStrategy="ROTATE",
                                                    ApplyImmediately=True)
                assert e.value.response["Error"]["Code"] == "InvalidParameterCombination"
    assert load.rounds > 0 and load.failures == []
    assert connect(new).ping()
    with pytest.raises((redis.exceptions.ResponseError, redis.exceptions.AuthenticationError)):
        connect(old).ping()
    # The replica follows with the new token (masterauth), and its link stays up.
    reader = redis.Redis(host=shard["ReaderEndpoint"]["Address"], port=6379, ssl=True,
                         ssl_ca_certs=ca, password=new)
    assert reader.info("replication")["master_link_status"] == "up"
    group = client.describe_replication_groups()["ReplicationGroups"][0]
    assert group["AuthTokenEnabled"] is True and "AuthTokenLastModifiedDate" in group
    messages = [e["Message"] for e in client.describe_events(
        SourceType="replication-group", SourceIdentifier="tokens")["Events"]]
    assert messages[:2] == ["Auth token of replication group tokens set: only the new token is "
                            "valid",
                            "Auth token of replication group tokens rotated: the old and the "
                            "new token are both valid"]
    assert not any(old in m or new in m for m in messages)  # tokens never in events
    # Bad tokens are refused before anything changes.
    for token in ("short", "has space in it 0123", "has/slash/0123456789", "x" * 129):
        with pytest.raises(client.exceptions.ClientError) as e:
            client.modify_replication_group(ReplicationGroupId="tokens", AuthToken=token,
                                            AuthTokenUpdateStrategy="SET", ApplyImmediately=True)
        assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
        assert token not in str(e.value)
    # DELETE: no token at all (a token in the same call is refused); the connection kept from
    # before goes on, new connections need no password, the replica's link stays up.
    with pytest.raises(client.exceptions.ClientError) as e:
        client.modify_replication_group(ReplicationGroupId="tokens", AuthToken=new,
                                        AuthTokenUpdateStrategy="DELETE", ApplyImmediately=True)
    assert e.value.response["Error"]["Code"] == "InvalidParameterCombination"
    reply = client.modify_replication_group(ReplicationGroupId="tokens",
                                            AuthTokenUpdateStrategy="DELETE",
                                            ApplyImmediately=True)["ReplicationGroup"]
    assert reply["Status"] == "modifying"
    wait_available(client, "tokens")
    assert client.describe_replication_groups()["ReplicationGroups"][0]["AuthTokenEnabled"] \
        is False
    assert kept.get("k") == b"v"
    anyone = redis.Redis(host=primary, port=6379, ssl=True, ssl_ca_certs=ca, socket_timeout=10)
    assert anyone.get("k") == b"v"
    reader = redis.Redis(host=shard["ReaderEndpoint"]["Address"], port=6379, ssl=True,
                         ssl_ca_certs=ca)
    assert reader.info("replication")["master_link_status"] == "up"
    assert [e["Message"] for e in client.describe_events(
        SourceType="replication-group", SourceIdentifier="tokens")["Events"]][0] == \
        "Auth token of replication group tokens deleted"
    client.delete_replication_group(ReplicationGroupId="tokens")


def test_safe_required_waits_for_the_plaintext_clients(control):
    """A group tagged redoubt:safe-required=true[:SECONDS] stays in preferred while a plaintext
    client is connected, with an event naming it, and moves to required once it leaves."""
    client = control.boto3_client()
    client.create_replication_group(
        ReplicationGroupId="careful", ReplicationGroupDescription="x", NumCacheClusters=1,
        TransitEncryptionEnabled=True, TransitEncryptionMode="preferred",
        Tags=[{"Key": "redoubt:safe-required", "Value": "true:600"}])
    address = client.describe_replication_groups()["ReplicationGroups"][0]["NodeGroups"][0][
        "PrimaryEndpoint"]["Address"]
    forgotten = redis.Redis(host=address, port=6379, single_connection_client=True)
    forgotten.ping()
    client.modify_replication_group(ReplicationGroupId="careful", TransitEncryptionMode="required",
                                    ApplyImmediately=True)

    def waiting_event():
        return [e["Message"] for e in client.describe_events(
            SourceType="replication-group", SourceIdentifier="careful")["Events"]
            if e["Message"].startswith("Waiting in preferred")]
    wait_for(waiting_event, "the event naming the plaintext client")
    assert "1 plaintext clients still connected: careful-001 " in waiting_event()[0]
    # It waits: still modifying, and the forgotten client still works.
    assert client.describe_replication_groups()["ReplicationGroups"][0]["Status"] == "modifying"
    assert forgotten.ping()
    forgotten.close()
    forgotten.connection_pool.disconnect()  # close() only hands the connection back
    wait_available(client, "careful")
    group = client.describe_replication_groups()["ReplicationGroups"][0]
    assert group["TransitEncryptionMode"] == "required"
    messages = [e["Message"] for e in client.describe_events(
        SourceType="replication-group", SourceIdentifier="careful")["Events"]]
    assert "No plaintext client left: moving to TLS required" in messages
    client.delete_replication_group(ReplicationGroupId="careful")

    # true:SECONDS: after that long the group moves on, with an event, and required cuts off
    # the client that stayed.
    client.create_replication_group(
        ReplicationGroupId="hasty", ReplicationGroupDescription="x", NumCacheClusters=1,
        TransitEncryptionEnabled=True, TransitEncryptionMode="preferred",
        Tags=[{"Key": "redoubt:safe-required", "Value": "true:2"}])
    address = client.describe_replication_groups(ReplicationGroupId="hasty")[
        "ReplicationGroups"][0]["NodeGroups"][0]["PrimaryEndpoint"]["Address"]
    stayed = redis.Redis(host=address, port=6379, single_connection_client=True,
                         socket_timeout=10)
    stayed.ping()
    client.modify_replication_group(ReplicationGroupId="hasty", TransitEncryptionMode="required",
                                    ApplyImmediately=True)
    wait_available(client, "hasty")
    messages = [e["Message"] for e in client.describe_events(
        SourceType="replication-group", SourceIdentifier="hasty")["Events"]]
    assert "redoubt:safe-required timed out after 2 s with 1 plaintext clients still " \
        "connected: moving to TLS required" in messages
    with pytest.raises(redis.exceptions.ConnectionError):
        stayed.ping()
    client.delete_replication_group(ReplicationGroupId="hasty")


def served_certificate(address, ca):
    """The serial number and notAfter of the certificate the node at address presents."""
    return served_certificate_and_key(address, ca)[:2]


def served_certificate_and_key(address, ca):
    """The serial number, notAfter and public key algorithm (openssl's name) of the
    certificate the node at address presents."""
    import ssl
    context = ssl.create_default_context(cafile=ca)
    context.check_hostname = False
    with socket.create_connection((address, 6379), timeout=10) as raw:
        with context.wrap_socket(raw) as tls:
            cert = tls.getpeercert()
            der = tls.getpeercert(binary_form=True)
    text = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-text"], input=der,
                          capture_output=True, check=True).stdout.decode()
    algorithm = text.split("Public Key Algorithm:", 1)[1].split()[0]
    return cert["serialNumber"], cert["notAfter"], algorithm


def test_node_certificates_are_renewed_before_they_expire(tmp_path):
    """Certificates of 45 s here (a year by default), with RSA keys (--node-cert-key rsa;
    P-256 by default): each is renewed two thirds through its life by the node's hot reload,
    without a restart; a TLS client that keeps its connection and clients that connect anew,
    verifying with the CA, never fail."""
    plane = control_plane(tmp_path, NODE_BLOCK, "--node-cert-seconds", "45", "--node-cert-key",
                          "rsa")
    try:
        client = plane.boto3_client()
        client.create_replication_group(
            ReplicationGroupId="renewing", ReplicationGroupDescription="x", NumCacheClusters=2,
            TransitEncryptionEnabled=True, TransitEncryptionMode="required")
        nodes = client.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
        addresses = [socket.gethostbyname(c["CacheNodes"][0]["Endpoint"]["Address"])
                     for c in nodes]
        ca = plane.env["SSL_CERT_FILE"]
        first = [served_certificate(a, ca) for a in addresses]
        assert served_certificate_and_key(addresses[0], ca)[2] == "rsaEncryption"
        pids = sorted(plane.node_pids())
        kept = redis.Redis(host=addresses[0], port=6379, ssl=True, ssl_ca_certs=ca,
                           ssl_check_hostname=False, socket_timeout=10)
        kept.set("k", "v")
        def read_and_connect():
            assert kept.get("k") == b"v"
            fresh = redis.Redis(host=addresses[1], port=6379, ssl=True, ssl_ca_certs=ca,
                                ssl_check_hostname=False, socket_timeout=10)
            assert fresh.ping()
            fresh.connection_pool.disconnect()
        with RepeatedCheck(read_and_connect, pause=0.05) as load:
            # Renewed once two thirds (30 s) have passed, 15 s before they expire; the
            # supervisor looks every 2 s.
            wait_for(lambda: all(served_certificate(a, ca)[0] != f[0]
                                 for a, f in zip(addresses, first)),
                     "every node to present a renewed certificate", timeout=90)
        assert load.rounds > 0 and load.failures == []
        assert sorted(plane.node_pids()) == pids  # reloaded, not restarted
        for address in addresses:
            node = plane.service_client("renewing", address, ssl=True, ssl_ca_certs=ca,
                                        ssl_check_hostname=False)
            assert node.config_get("tls-cert-file")["tls-cert-file"].endswith("node-1.crt")
        events = [e["Message"] for e in client.describe_events(SourceType="cache-cluster")[
            "Events"]]
        assert sum(m.startswith("Certificate renewed, valid until") for m in events) >= 2
    finally:
        plane.stop_all()
