# The client-side secret cache shipped in clients/python (redoubt_secret_cache), over redis-py
# and boto3 against the control plane's Secrets Manager: connections authenticate from the
# cached secret, fetch it at most once per TTL, and after a rotation (the password changed on
# the server and in the secret) a refused AUTH refreshes it once and goes on, with no restart
# and without touching connections already authenticated. Single-user and alternating-users
# (app / app_clone) rotations on a plain server; then a cluster-mode replication group with
# TLS and a user group, reached through redis.RedisCluster. And the package installs with pip
# from the repository into a virtualenv.
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from support import servers
from support.control_plane import AWS, control_fixture

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))
from redoubt_secret_cache import SecretCache, redis_client, redis_cluster_client  # noqa: E402

NODE_BLOCK = "127.0.31.0/24"
P1, P2, P3 = "first-password-00001", "second-password-0002", "third-password-00003"

pytestmark = [pytest.mark.redoubt_timeout(300),
              pytest.mark.skipif(not os.path.exists(AWS), reason="Debian's awscli is not installed")]

control = control_fixture(NODE_BLOCK)


def secret(username, password):
    import json
    return json.dumps({"username": username, "password": password})


def test_rotations_on_a_plain_server_refresh_the_cache_once(control):
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    sm = control.boto3_client("secretsmanager")
    sm.create_secret(Name="app", SecretString=secret("app", P1))
    with servers.redoubt_server(["--user", "app", "on", f">{P1}", "~*", "&*", "+@all",
                                 "--user", "app_clone", "on", f">{P3}", "~*", "&*", "+@all",
                                 "--user", "default", "off"]) as server:
        cache = SecretCache(sm, "app", ttl=3600)
        first = redis_client(cache, host=server.host, port=server.port, socket_timeout=10)
        first.set("k", "v")
        first_id = first.client_id()
        assert cache.fetches == 1
        admin = redis_client(SecretCache(sm, "app", ttl=3600), host=server.host, port=server.port)

        # Single user: the server takes the new password only, then the secret gets it.
        admin.execute_command("ACL", "SETUSER", "app", f">{P2}", f"<{P1}")
        sm.put_secret_value(SecretId="app", SecretString=secret("app", P2))
        assert first.get("k") == b"v" and first.client_id() == first_id  # the same connection
        fresh = redis_client(cache, host=server.host, port=server.port, socket_timeout=10)
        assert fresh.get("k") == b"v"  # refused with the cached P1, refreshed, P2
        assert cache.fetches == 2
        more = redis_client(cache, host=server.host, port=server.port)
        assert more.ping() and cache.fetches == 2  # the cache now holds P2

        # Alternating users: the secret moves to app_clone (whose password is current).
        sm.put_secret_value(SecretId="app", SecretString=secret("app_clone", P3))
        admin.execute_command("ACL", "SETUSER", "app", "off")  # the old user goes
        other = redis_client(cache, host=server.host, port=server.port)
        assert other.execute_command("ACL", "WHOAMI") == b"app_clone"
        assert cache.fetches == 3

        # A secret that is still wrong after its refresh: the error reaches the caller.
        sm.put_secret_value(SecretId="app", SecretString=secret("app_clone", "not-the-password"))
        broken = redis_client(SecretCache(sm, "app"), host=server.host, port=server.port)
        with pytest.raises(redis.exceptions.ResponseError, match="WRONGPASS"):
            broken.ping()


def test_redis_cluster_over_tls_with_a_user_group(control):
    client = control.boto3_client()
    for user_id, name, password in (("cluster-default", "default", P1), ("app-user", "app", P1)):
        client.create_user(UserId=user_id, UserName=name, Engine="redis", Passwords=[password],
                           AccessString="on ~* &* +@all")
    client.create_user_group(UserGroupId="apps", Engine="redis",
                             UserIds=["cluster-default", "app-user"])
    group = client.create_replication_group(
        ReplicationGroupId="sessions", ReplicationGroupDescription="x", NumNodeGroups=2,
        ReplicasPerNodeGroup=0, TransitEncryptionEnabled=True, UserGroupIds=["apps"])[
        "ReplicationGroup"]
    endpoint = client.describe_replication_groups(ReplicationGroupId="sessions")[
        "ReplicationGroups"][0]["ConfigurationEndpoint"]["Address"]
    assert group["ClusterEnabled"]
    sm = control.boto3_client("secretsmanager")
    sm.create_secret(Name="sessions/app", SecretString=secret("app", P1))
    cache = SecretCache(sm, "sessions/app", ttl=3600)
    ca = control.env["SSL_CERT_FILE"]
    rc = redis_cluster_client(cache, host=endpoint, ssl=True, ssl_ca_certs=ca, socket_timeout=10,
                              max_connections=1)
    for i in range(50):
        rc.set(f"s{i}", i)
    # The client's connection to each primary, and its id there (pools of one connection).
    kept = {node.name: node.redis_connection.client_id() for node in rc.get_primaries()}
    # Rotated through the API: the new password on every node, then the secret.
    client.modify_user(UserId="app-user", Passwords=[P2])
    sm.put_secret_value(SecretId="sessions/app", SecretString=secret("app", P2))
    fetches = cache.fetches
    again = redis_cluster_client(cache, host=endpoint, ssl=True, ssl_ca_certs=ca,
                                 socket_timeout=10)
    assert all(again.get(f"s{i}") == str(i).encode() for i in range(50))
    assert cache.fetches == fetches + 1
    assert all(rc.get(f"s{i}") == str(i).encode() for i in range(50))
    # Its connections were kept through the rotation, not quietly reopened.
    assert {node.name: node.redis_connection.client_id() for node in rc.get_primaries()} == kept
    rc.close()
    again.close()
    client.delete_replication_group(ReplicationGroupId="sessions")


def test_the_library_installs_from_the_repository(tmp_path):
    """pip install of clients/python into a virtualenv (with the system's redis-py and boto3,
    no index), as README says; the installed package is the one imported."""
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, capture_output=True, timeout=120)
    source = Path(__file__).resolve().parents[2] / "clients" / "python"
    build = tmp_path / "source"
    shutil.copytree(source, build)  # pip builds in place: not in the repository
    r = subprocess.run([str(venv / "bin" / "pip"), "install", "--no-index",
                        "--no-build-isolation", str(build)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([str(venv / "bin" / "python"), "-c",
                        "import redoubt_secret_cache as m; print(m.__file__); "
                        "print(callable(m.redis_client), callable(m.redis_cluster_client))"],
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    path, callables = r.stdout.split("\n")[:2]
    assert path.startswith(str(venv)) and callables == "True True", r.stdout
