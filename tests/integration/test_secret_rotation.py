# Secrets Manager's rotation run by the control plane on Redoubt users (RotateSecret with one of
# its rotators as RotationLambdaARN), through boto3, under applications that read the password
# through the client-side cache (clients/python): the four steps and their events, AWSCURRENT
# and AWSPREVIOUS moved, the new password on every node of the group. Single user: the previous
# password stays valid until no connection uses it or the grace period (5 s here) passes, and
# the event says which. Alternating users: app ↔ app_clone, no moment without a valid password.
# A schedule (rate(N seconds), ours) rotates again by itself. A group's auth token rotates the
# same way (ModifyReplicationGroup ROTATE, then SET). A rotation interrupted by a killed control
# plane resumes where it stopped. Nodes on 127.0.32.x.
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from support.control_plane import control_fixture
from support.repeated_checks import RepeatedCheck
from support.tools import wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))
from redoubt_secret_cache import SecretCache, redis_client  # noqa: E402

NODE_BLOCK = "127.0.32.0/24"
SINGLE = "arn:aws:lambda:us-east-1:000000000000:function:redoubt-rotate-user"
ALTERNATING = "arn:aws:lambda:us-east-1:000000000000:function:redoubt-rotate-alternating-users"

pytestmark = pytest.mark.redoubt_timeout(300)
# The event of a removal the grace period (5 s) decided while connections still held it.
GRACE_WITH_CONNECTIONS = re.compile(r"grace period \(5 s\) passed with [1-9]\d* connections")

control = control_fixture(NODE_BLOCK, "--rotation-grace", "5")


def create_group(control):
    """A two-node group (TLS, a user group of default, app and app_clone); the nodes'
    addresses."""
    client = control.boto3_client()
    users = {}
    for user_id, name, password in (("rot-default", "default", "default-password-0001"),
                                    ("app", "app", "app-password-00000001"),
                                    ("app-clone", "app_clone", "clone-password-000001")):
        users[name] = client.create_user(UserId=user_id, UserName=name, Engine="redis",
                                         Passwords=[password],
                                         AccessString="on ~* &* +@all")["ARN"]
    client.create_user_group(UserGroupId="apps", Engine="redis",
                             UserIds=["rot-default", "app", "app-clone"])
    client.create_replication_group(ReplicationGroupId="rot", ReplicationGroupDescription="x",
                                    NumCacheClusters=2, TransitEncryptionEnabled=True,
                                    UserGroupIds=["apps"])
    nodes = client.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
    return users, [n["CacheNodes"][0]["Endpoint"]["Address"] for n in nodes]


def group_with_app_secret(control):
    """create_group, and a secret "app" of user app: the users' ARNs, the nodes' addresses, an
    elasticache and a secretsmanager client, the secret's first version."""
    users, addresses = create_group(control)
    sm = control.boto3_client("secretsmanager")
    first = sm.create_secret(Name="app", SecretString=json.dumps(
        {"username": "app", "password": "app-password-00000001",
         "user_arn": users["app"]}))["VersionId"]
    return users, addresses, control.boto3_client(), sm, first


def auth_works(control, address, user, password):
    return ping_once(redis.Redis(host=address, port=6379, ssl=True,
                                 ssl_ca_certs=control.env["SSL_CERT_FILE"], username=user,
                                 password=password, socket_timeout=10))


def ping_once(client):
    """PING through a new client, whose connection is closed at once: one left open on an old
    password would hold its removal back (redis-py 4.3's close() keeps the pool's sockets)."""
    try:
        return client.ping()
    except redis.exceptions.RedisError:
        return False
    finally:
        client.connection_pool.disconnect()


def held_connection(control, address, **credentials):
    """A client authenticated now and kept through a rotation; it writes key "held"."""
    held = redis.Redis(host=address, port=6379, ssl=True,
                       ssl_ca_certs=control.env["SSL_CERT_FILE"], **credentials)
    held.set("held", "1")
    return held


def fresh_connections_check(control, cache, address):
    """A RepeatedCheck whose every round is a new connection through the cache (closed after
    it): GET held."""
    def one_round():
        client = redis_client(cache, host=address, ssl=True,
                              ssl_ca_certs=control.env["SSL_CERT_FILE"])
        try:
            return client.get("held")
        finally:
            client.connection_pool.disconnect()
    return RepeatedCheck(one_round, pause=0.05)


def rotated(sm, secret_id, before):
    """Waits until the secret's AWSCURRENT is a version other than `before` and the rotation
    is over (no step left); its current value."""
    def done():
        described = sm.describe_secret(SecretId=secret_id)
        current = [v for v, stages in described["VersionIdsToStages"].items()
                   if "AWSCURRENT" in stages]
        return current != [before] and "LastRotatedDate" in described and not any(
            "AWSPENDING" in stages for stages in described["VersionIdsToStages"].values())
    wait_for(done, f"the rotation of {secret_id}", timeout=120)
    return json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"])


def user_events(client, user_id):
    return [e["Message"] for e in client.describe_events(SourceType="user",
                                                         SourceIdentifier=user_id)["Events"]]


def wait_retired(client, user_id, count=1):
    """Waits for the count-th end of a single-user rotation of user_id: its retirePrevious
    event. (The next RotateSecret is refused until then.)"""
    wait_for(lambda: sum(m.startswith("Rotation of secret ") and "retirePrevious done" in m
                         for m in user_events(client, user_id)) >= count,
             f"retirePrevious #{count} of {user_id}")


def test_single_user_rotation_keeps_the_previous_password_until_unused_or_grace(control):
    users, addresses, client, sm, first = group_with_app_secret(control)
    old = "app-password-00000001"
    # Not ours to rotate: a Lambda of another name, or a value without user_arn.
    with pytest.raises(sm.exceptions.InvalidRequestException):
        sm.rotate_secret(SecretId="app", RotationLambdaARN=SINGLE.replace("redoubt", "other"))
    sm.create_secret(Name="plain", SecretString="just-a-string")
    with pytest.raises(sm.exceptions.InvalidRequestException):
        sm.rotate_secret(SecretId="plain", RotationLambdaARN=SINGLE)
    with pytest.raises(sm.exceptions.InvalidParameterException):
        sm.rotate_secret(SecretId="app", RotationLambdaARN=SINGLE,
                         RotationRules={"ScheduleExpression": "cron(0 12 * * ? *)"})

    # A connection authenticated with the old password, held through the rotation: the old
    # password stays until the grace period has passed.
    held = held_connection(control, addresses[0], username="app", password=old)
    cache = SecretCache(sm, "app", ttl=3600)
    cache.get()  # the old password, cached before the rotation starts
    fresh_connections = fresh_connections_check(control, cache, addresses[0])
    with fresh_connections:
        reply = sm.rotate_secret(SecretId="app", RotationLambdaARN=SINGLE,
                                 RotationRules={"AutomaticallyAfterDays": 30})
        value = rotated(sm, "app", first)
        wait_retired(client, "app")
        fresh_connections.wait_for_new_rounds(2)
    # The old password stays valid until the grace period has passed, and a refused one is
    # fetched again: no new connection through the cache failed, and the cache (kept for an
    # hour) fetched the secret a second time, once refused.
    assert fresh_connections.rounds > 0 and fresh_connections.failures == []
    assert cache.fetches == 2
    assert value["password"] != old and value["username"] == "app"
    assert sm.get_secret_value(SecretId="app", VersionStage="AWSPREVIOUS")["VersionId"] == first
    assert sm.get_secret_value(SecretId="app")["VersionId"] == reply["VersionId"]
    assert all(auth_works(control, a, "app", value["password"]) for a in addresses)
    assert not auth_works(control, addresses[1], "app", old)
    assert held.get("held") == b"1"  # an authenticated connection is never cut
    messages = user_events(client, "app")
    assert f"Rotation of secret app started (version {reply['VersionId']})" in messages
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        assert f"Rotation of secret app: {step} done" in messages
    assert f"Rotation of secret app finished: version {reply['VersionId']} is AWSCURRENT" in (
        messages)
    assert any(GRACE_WITH_CONNECTIONS.search(m) for m in messages), messages
    described = sm.describe_secret(SecretId="app")
    assert described["RotationEnabled"] and described["RotationLambdaARN"] == SINGLE
    assert described["RotationRules"] == {"AutomaticallyAfterDays": 30}
    assert described["NextRotationDate"] > described["LastRotatedDate"]

    # No connection on the old password now, and no use of it after the second it was last
    # used (INFO auth counts in whole seconds): the next rotation removes it at once.
    held.connection_pool.disconnect()
    last_use = int(time.time())
    wait_for(lambda: int(time.time()) > last_use, "the next second")
    current = sm.get_secret_value(SecretId="app")["VersionId"]
    sm.rotate_secret(SecretId="app")
    newest = rotated(sm, "app", current)
    wait_retired(client, "app", count=2)
    assert any("no connection still used it" in m for m in user_events(client, "app"))
    assert not auth_works(control, addresses[0], "app", value["password"])
    assert auth_works(control, addresses[0], "app", newest["password"])
    sm.cancel_rotate_secret(SecretId="app")
    assert sm.describe_secret(SecretId="app")["RotationEnabled"] is False


def test_alternating_users_on_a_schedule_never_fail_a_client(control):
    users, addresses = create_group(control)
    sm = control.boto3_client("secretsmanager")
    first = sm.create_secret(Name="alt", SecretString=json.dumps(
        {"username": "app", "password": "app-password-00000001",
         "user_arn": users["app"]}))["VersionId"]
    cache = SecretCache(sm, "alt", ttl=3600)
    load = RepeatedCheck(lambda: redis_client(cache, host=addresses[1], ssl=True,
                                              ssl_ca_certs=control.env["SSL_CERT_FILE"]).ping(),
                         pause=0.05)
    with load:
        sm.rotate_secret(SecretId="alt", RotationLambdaARN=ALTERNATING,
                         RotationRules={"ScheduleExpression": "rate(3 seconds)"})
        value = rotated(sm, "alt", first)
        assert value["username"] == "app_clone" and value["user_arn"] == users["app_clone"]
        second = sm.get_secret_value(SecretId="alt")["VersionId"]
        # The schedule rotates again by itself, back to app with a new password.
        again = rotated(sm, "alt", second)
        assert again["username"] == "app"
        # A connection of app_clone held across a rotation: its rows in INFO auth must not
        # count as app's, nor the other way round (user names that share a prefix).
        clone = redis.Redis(host=addresses[0], port=6379, ssl=True,
                            ssl_ca_certs=control.env["SSL_CERT_FILE"], username="app_clone",
                            password=value["password"])
        assert clone.ping()
        sm.cancel_rotate_secret(SecretId="alt")
        load.wait_for_new_rounds(2)
    assert load.rounds > 0 and load.failures == []
    # Whatever a rotation the schedule had started when it was cancelled left, the current
    # version's credentials work on every node.
    final = json.loads(sm.get_secret_value(SecretId="alt")["SecretString"])
    assert all(auth_works(control, a, final["username"], final["password"]) for a in addresses)
    assert sm.describe_secret(SecretId="alt")["RotationEnabled"] is False
    # A token naming a version that is not a rotation's pending one is refused (a rotation
    # would otherwise bring back an old password).
    with pytest.raises(sm.exceptions.InvalidRequestException):
        sm.rotate_secret(SecretId="alt", ClientRequestToken=first)


def test_auth_token_rotation_rotates_then_sets_the_groups_token(control):
    client = control.boto3_client()
    sm = control.boto3_client("secretsmanager")
    old = "token-before-rotation-0001"
    group = client.create_replication_group(
        ReplicationGroupId="tok", ReplicationGroupDescription="x", NumCacheClusters=2,
        TransitEncryptionEnabled=True, AuthToken=old)["ReplicationGroup"]
    nodes = client.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
    addresses = [n["CacheNodes"][0]["Endpoint"]["Address"] for n in nodes]
    first = sm.create_secret(Name="tok", SecretString=json.dumps(
        {"password": old, "replication_group_arn": group["ARN"], "port": 6379,
         "ssl": True}))["VersionId"]
    # An auth token has no second user to alternate with.
    with pytest.raises(sm.exceptions.InvalidRequestException, match="single-user"):
        sm.rotate_secret(SecretId="tok", RotationLambdaARN=ALTERNATING)

    def token_works(address, token):
        return ping_once(redis.Redis(host=address, port=6379, ssl=True, password=token,
                                     ssl_ca_certs=control.env["SSL_CERT_FILE"],
                                     socket_timeout=10))

    def group_events():
        return [e["Message"] for e in client.describe_events(
            SourceType="replication-group", SourceIdentifier="tok", Duration=60)["Events"]]

    held = held_connection(control, addresses[0], password=old)
    cache = SecretCache(sm, "tok", ttl=3600)
    cache.get()  # the old token, cached before the rotation starts
    fresh_connections = fresh_connections_check(control, cache, addresses[1])
    with fresh_connections:
        version = sm.rotate_secret(SecretId="tok", RotationLambdaARN=SINGLE,
                                   RotationRules={"AutomaticallyAfterDays": 7})["VersionId"]
        value = rotated(sm, "tok", first)
        # The held connection kept the old token in use: the grace period (5 s) decides, then
        # ModifyReplicationGroup SET leaves only the new one; the rotation ends at its next
        # look after the group is available again.
        wait_for(lambda: any("retirePrevious done" in m for m in group_events()),
                 "retirePrevious")
        fresh_connections.wait_for_new_rounds(2)
    assert fresh_connections.rounds > 0 and fresh_connections.failures == []
    assert cache.fetches == 2  # refused once the old token went, fetched again
    assert value["password"] != old and value["replication_group_arn"] == group["ARN"]
    assert value["port"] == 6379 and value["ssl"] is True  # the rest of the value is kept
    assert all(token_works(a, value["password"]) for a in addresses)
    assert not any(token_works(a, old) for a in addresses)
    assert held.get("held") == b"1"  # an authenticated connection is never cut
    described = client.describe_replication_groups(ReplicationGroupId="tok")[
        "ReplicationGroups"][0]
    assert described["Status"] == "available" and described["AuthTokenEnabled"]
    assert "AuthTokenStatus" not in described.get("PendingModifiedValues", {})
    # Recorded when the group went back to available, perhaps after the rotator's last look.
    wait_for(lambda: any("set: only the new token is valid" in m for m in group_events()),
             "the SET's event")
    messages = group_events()
    assert f"Rotation of secret tok started (version {version})" in messages, messages
    assert f"Rotation of secret tok finished: version {version} is AWSCURRENT" in messages
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret", "retirePrevious"):
        assert any(m.startswith(f"Rotation of secret tok: {step} done") for m in messages), (
            step, messages)
    assert any(GRACE_WITH_CONNECTIONS.search(m) for m in messages), messages
    assert any("rotated: the old and the new token are both valid" in m for m in messages)
    # The secret never reaches the events (nor the control plane's log).
    assert not any(value["password"] in m or old in m for m in messages)
    assert value["password"] not in control.log_text()
    held.connection_pool.disconnect()


control_long_grace = control_fixture(NODE_BLOCK, "--rotation-grace", "600")


def test_rotation_resumes_after_the_control_plane_is_killed(control_long_grace):
    control = control_long_grace
    users, addresses, client, sm, first = group_with_app_secret(control)

    def restart():
        control.proc.kill()  # no chance to finish a step or save anything more
        control.proc.wait(timeout=30)
        control.start(port=control.port)
        return control.boto3_client(), control.boto3_client("secretsmanager")

    # Killed right after RotateSecret, wherever the rotation had got to: it completes after the
    # restart, with one new version, whose password works on every node.
    sm.rotate_secret(SecretId="app", RotationLambdaARN=SINGLE)
    client, sm = restart()
    value = rotated(sm, "app", first)
    wait_retired(client, "app")
    assert len(sm.list_secret_version_ids(SecretId="app")["Versions"]) == 2
    assert all(auth_works(control, a, "app", value["password"]) for a in addresses)

    # Killed while retirePrevious waits for a connection still on the replaced password (the
    # grace period is 600 s here): after the restart the rotation waits on, the old password
    # still valid, and ends as soon as that connection closes.
    second = sm.get_secret_value(SecretId="app")["VersionId"]
    held = redis.Redis(host=addresses[0], port=6379, ssl=True,
                       ssl_ca_certs=control.env["SSL_CERT_FILE"], username="app",
                       password=value["password"])
    assert held.ping()
    sm.rotate_secret(SecretId="app")
    wait_for(lambda: sum(m.startswith("Rotation of secret app: finishSecret done")
                         for m in user_events(client, "app")) == 2, "the second's finishSecret")
    assert sm.get_secret_value(SecretId="app", VersionStage="AWSPREVIOUS")["VersionId"] == second
    client, sm = restart()
    third = sm.get_secret_value(SecretId="app")["VersionId"]
    wait_for(lambda: f"Rotation of secret app resumed at retirePrevious (version {third})" in
             user_events(client, "app"), "the event of the rotation's resumption")
    newest = json.loads(sm.get_secret_value(SecretId="app")["SecretString"])
    # Not removed yet: both passwords on the nodes (looked at as the control plane's own user:
    # an AUTH with the old one would be a use of it, which holds its removal back).
    for address in addresses:
        with control.service_client("rot", address, ssl=True,
                                    ssl_ca_certs=control.env["SSL_CERT_FILE"]) as admin:
            assert len(admin.acl_getuser("app")["passwords"]) == 2
    assert auth_works(control, addresses[1], "app", newest["password"])
    held.connection_pool.disconnect()
    wait_retired(client, "app", count=2)
    assert not auth_works(control, addresses[1], "app", value["password"])
    assert any("retirePrevious done (the previous password removed: no connection still used it)"
               in m for m in user_events(client, "app"))
    assert auth_works(control, addresses[0], "app", newest["password"])


def test_rotation_through_awscli(control):
    users, addresses = create_group(control)

    def sm(*args):
        return control.aws_json("secretsmanager", *args)

    def sm_error(*args):
        return control.aws_error("secretsmanager", *args)

    value = json.dumps({"username": "app", "password": "app-password-00000001",
                        "user_arn": users["app"]})
    first = sm("create-secret", "--name", "cli", "--secret-string", value)["VersionId"]
    assert sm_error("rotate-secret", "--secret-id", "nope", "--rotation-lambda-arn",
                    SINGLE) == "ResourceNotFoundException"
    assert sm_error("rotate-secret", "--secret-id", "cli") == "InvalidRequestException"  # no ARN
    assert sm_error("rotate-secret", "--secret-id", "cli", "--rotation-lambda-arn", SINGLE,
                    "--rotation-rules", '{"ScheduleExpression": "rate(0 days)"}') == \
        "InvalidParameterException"
    assert sm_error("rotate-secret", "--secret-id", "cli", "--rotation-lambda-arn", SINGLE,
                    "--rotation-rules", "AutomaticallyAfterDays=1001") == \
        "InvalidParameterException"
    # Not immediately: the schedule only, the secret unchanged.
    sm("rotate-secret", "--secret-id", "cli", "--rotation-lambda-arn", SINGLE,
       "--rotation-rules", '{"ScheduleExpression": "rate(2 hours)"}', "--no-rotate-immediately")
    described = sm("describe-secret", "--secret-id", "cli")
    assert described["RotationEnabled"] and "LastRotatedDate" not in described
    assert described["RotationRules"] == {"ScheduleExpression": "rate(2 hours)"}
    assert list(described["VersionIdsToStages"]) == [first]
    reply = sm("rotate-secret", "--secret-id", "cli")  # now, with the rules it has
    value = rotated(control.boto3_client("secretsmanager"), "cli", first)
    assert reply["VersionId"] == sm("get-secret-value", "--secret-id", "cli")["VersionId"]
    assert all(auth_works(control, a, "app", value["password"]) for a in addresses)
    wait_retired(control.boto3_client(), "app")
    cancelled = sm("cancel-rotate-secret", "--secret-id", "cli")
    assert cancelled["Name"] == "cli" and "VersionId" not in cancelled
    described = sm("describe-secret", "--secret-id", "cli")
    assert described["RotationEnabled"] is False and "NextRotationDate" not in described
    assert sm_error("cancel-rotate-secret", "--secret-id", "nope") == "ResourceNotFoundException"


def test_example_application_goes_on_through_rotations(control):
    """clients/python/examples/orders_app.py, as the README runs it, through three scheduled
    single-user rotations (each removing the password the application holds after the 5 s
    grace period): no failed operation, the secret fetched again after each."""
    users, addresses, client, sm, first = group_with_app_secret(control)
    app = Path(__file__).resolve().parents[2] / "clients" / "python" / "examples" / "orders_app.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(control.env)
    proc = subprocess.Popen(
        [sys.executable, str(app), "--secret-id", "app", "--host", addresses[0], "--tls",
         "--seconds", "120", "--rate", "100", "--max-connection-age", "0.2", "--quiet"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        reader = redis.Redis(host=addresses[0], port=6379, ssl=True, username="app",
                             password="app-password-00000001",
                             ssl_ca_certs=control.env["SSL_CERT_FILE"])
        wait_for(lambda: proc.poll() is not None or reader.exists("orders:{0}:count"),
                 "the application's first order")
        reader.connection_pool.disconnect()
        assert proc.poll() is None, proc.communicate()
        sm.rotate_secret(SecretId="app", RotationLambdaARN=SINGLE,
                         RotationRules={"ScheduleExpression": "rate(2 seconds)"})
        wait_retired(client, "app", count=3)
        sm.cancel_rotate_secret(SecretId="app")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    totals = json.loads(out.strip().splitlines()[-1])
    assert totals["failed"] == 0 and totals["orders"] > 0, (totals, err)
    # The first, and one after each removal but maybe the last (stopped right after it).
    assert totals["secret_fetches"] >= 3, totals
    assert any("grace period (5 s) passed" in m for m in user_events(client, "app"))
