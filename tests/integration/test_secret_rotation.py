# Secrets Manager's rotation run by the control plane on Redoubt users (RotateSecret with one of
# its rotators as RotationLambdaARN), through boto3, under applications that read the password
# through the client-side cache (clients/python): the four steps and their events, AWSCURRENT
# and AWSPREVIOUS moved, the new password on every node of the group. Single user: the previous
# password stays valid until no connection uses it or the grace period (5 s here) passes, and
# the event says which. Alternating users: app ↔ app_clone, no moment without a valid password.
# A schedule (rate(N seconds), ours) rotates again by itself. Nodes on 127.0.32.x.
import json
import sys
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


def auth_works(control, address, user, password):
    try:
        return redis.Redis(host=address, port=6379, ssl=True,
                           ssl_ca_certs=control.env["SSL_CERT_FILE"], username=user,
                           password=password, socket_timeout=10).ping()
    except redis.exceptions.RedisError:
        return False


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


def test_single_user_rotation_keeps_the_previous_password_until_unused_or_grace(control):
    users, addresses = create_group(control)
    client = control.boto3_client()
    sm = control.boto3_client("secretsmanager")
    old = "app-password-00000001"
    first = sm.create_secret(Name="app", SecretString=json.dumps(
        {"username": "app", "password": old, "user_arn": users["app"]}))["VersionId"]
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
    held = redis.Redis(host=addresses[0], port=6379, ssl=True,
                       ssl_ca_certs=control.env["SSL_CERT_FILE"], username="app", password=old)
    held.set("held", "1")
    cache = SecretCache(sm, "app", ttl=3600)
    fresh_connections = RepeatedCheck(
        lambda: redis_client(cache, host=addresses[0], ssl=True,
                             ssl_ca_certs=control.env["SSL_CERT_FILE"]).get("held"), pause=0.05)
    with fresh_connections:
        reply = sm.rotate_secret(SecretId="app", RotationLambdaARN=SINGLE,
                                 RotationRules={"AutomaticallyAfterDays": 30})
        value = rotated(sm, "app", first)
        fresh_connections.wait_for_new_rounds(2)
    # The old password stays valid until AWSCURRENT has moved, and a refused one is fetched
    # again: no new connection through the cache failed.
    assert fresh_connections.rounds > 0 and fresh_connections.failures == []
    assert value["password"] != old and value["username"] == "app"
    assert sm.get_secret_value(SecretId="app", VersionStage="AWSPREVIOUS")["VersionId"] == first
    assert sm.get_secret_value(SecretId="app")["VersionId"] == reply["VersionId"]
    assert all(auth_works(control, a, "app", value["password"]) for a in addresses)
    wait_for(lambda: not auth_works(control, addresses[1], "app", old),
             "the previous password to be removed after the grace period", timeout=60)
    assert held.get("held") == b"1"  # an authenticated connection is never cut
    messages = user_events(client, "app")
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        assert f"Rotation of secret app: {step} done" in messages
    assert any("grace period (5 s) passed with 1 connections" in m for m in messages), messages
    described = sm.describe_secret(SecretId="app")
    assert described["RotationEnabled"] and described["RotationLambdaARN"] == SINGLE
    assert described["RotationRules"] == {"AutomaticallyAfterDays": 30}
    assert described["NextRotationDate"] > described["LastRotatedDate"]

    # No connection on the old password now: the next rotation removes it at once.
    held.close()
    current = sm.get_secret_value(SecretId="app")["VersionId"]
    sm.rotate_secret(SecretId="app")
    newest = rotated(sm, "app", current)
    wait_for(lambda: any("no connection still used it" in m for m in user_events(client, "app")),
             "the previous password's removal")
    wait_for(lambda: not auth_works(control, addresses[0], "app", value["password"]),
             "the previous password to go")
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
