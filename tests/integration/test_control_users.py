# ElastiCache's role-based access control through the control plane, as awscli and boto3 drive
# it: users (passwords or none, access strings) and user groups (a default user each), a
# replication group created with a user group whose nodes then have exactly those ACL users,
# changes of a user's passwords or a group's members reaching every node online (two passwords
# valid during a rotation, then one, under a load that never fails), and the migration of a
# group from an auth token to a user group and back. Nodes on 127.0.24.x.
import os

import pytest
import redis

from support.control_plane import AWS, control_fixture, wait_available
from support.repeated_checks import RepeatedCheck
from support.tools import wait_for

NODE_BLOCK = "127.0.24.0/24"
DEFAULT_PW = "default-password-0001"
READER_PW = "reader-password-00001"
READER_PW2 = "reader-password-00002"
WRITER_PW = "writer-password-00001"

pytestmark = [pytest.mark.redoubt_timeout(300),
              pytest.mark.skipif(not os.path.exists(AWS), reason="Debian's awscli is not installed")]


control = control_fixture(NODE_BLOCK)


def create_users(control):
    """The users of these tests through awscli: a default user with a password, a reader of
    app:* keys, a writer."""
    for user_id, name, password, access in [
            ("app-default", "default", DEFAULT_PW, "on ~* &* +@all"),
            ("reader", "reader", READER_PW, "on ~app:* -@all +get +@connection"),
            ("writer", "writer", WRITER_PW, "on ~app:* -@all +set +get +@connection")]:
        user = control.aws_json("elasticache", "create-user", "--user-id", user_id,
                                "--user-name", name, "--engine", "redis", "--passwords",
                                password, "--access-string", access)
        assert user["Status"] == "active" and user["Authentication"] == {
            "Type": "password", "PasswordCount": 1}


def test_users_and_user_groups_through_awscli(control):
    create_users(control)
    users = control.aws_json("elasticache", "describe-users")["Users"]
    assert sorted(u["UserId"] for u in users) == ["app-default", "default", "reader", "writer"]
    builtin = [u for u in users if u["UserId"] == "default"][0]
    assert builtin["Authentication"]["Type"] == "no-password"
    assert builtin["AccessString"] == "on ~* &* +@all"
    assert control.aws_error("elasticache", "create-user", "--user-id", "reader", "--user-name",
                             "r", "--engine", "redis", "--no-password-required",
                             "--access-string", "on") == "UserAlreadyExists"
    assert control.aws_error("elasticache", "create-user", "--user-id", "x", "--user-name", "x",
                             "--engine", "redis", "--passwords", "short",
                             "--access-string", "on") == "InvalidParameterValue"
    assert control.aws_error("elasticache", "modify-user", "--user-id", "default",
                             "--access-string", "off") == "InvalidParameterValue"
    # Rules are read as a node reads them: a command no node knows is refused here, not by
    # every node later.
    for access in ("on ~* +nosuchcmd", "on ~* +@nosuchcategory", "on ~* +config|nosuch"):
        assert control.aws_error("elasticache", "create-user", "--user-id", "x", "--user-name",
                                 "x", "--engine", "redis", "--no-password-required",
                                 "--access-string", access) == "InvalidParameterValue"
    assert control.aws_error("elasticache", "modify-user", "--user-id", "reader",
                             "--access-string", "on ~* +nosuchcmd") == "InvalidParameterValue"

    group = control.aws_json("elasticache", "create-user-group", "--user-group-id", "app",
                             "--engine", "redis", "--user-ids", "app-default", "reader")
    assert group["Status"] == "creating" and group["UserIds"] == ["app-default", "reader"]
    assert control.aws_error("elasticache", "create-user-group", "--user-group-id", "nodefault",
                             "--engine", "redis", "--user-ids", "reader") == \
        "DefaultUserRequired"
    assert control.aws_error("elasticache", "create-user-group", "--user-group-id", "twice",
                             "--engine", "redis", "--user-ids", "default",
                             "app-default") == "DuplicateUserName"
    described = control.aws_json("elasticache", "describe-user-groups", "--user-group-id",
                                  "app")["UserGroups"][0]
    assert described["Status"] == "active" and described["ReplicationGroups"] == []
    reader = control.aws_json("elasticache", "describe-users", "--user-id", "reader")["Users"][0]
    assert reader["UserGroupIds"] == ["app"]
    # Out of the group and back in, through ModifyUserGroup.
    control.aws_json("elasticache", "modify-user-group", "--user-group-id", "app",
                     "--user-ids-to-remove", "reader")
    assert control.aws_json("elasticache", "describe-user-groups", "--user-group-id", "app")[
        "UserGroups"][0]["UserIds"] == ["app-default"]
    assert control.aws_json("elasticache", "describe-users", "--user-id", "reader")["Users"][0][
        "UserGroupIds"] == []
    assert control.aws_error("elasticache", "modify-user-group", "--user-group-id", "app",
                             "--user-ids-to-add", "nobody") == "UserNotFound"
    control.aws_json("elasticache", "modify-user-group", "--user-group-id", "app",
                     "--user-ids-to-add", "reader")
    assert control.aws_json("elasticache", "describe-users", "--user-id", "reader")["Users"][0][
        "UserGroupIds"] == ["app"]
    assert control.aws_error("elasticache", "delete-user", "--user-id", "app-default") == \
        "DefaultUserAssociatedToUserGroup"

    # Kept in the state store: a restarted control plane has them.
    assert control.stop() == 0
    control.start(port=control.port)
    assert control.aws_json("elasticache", "describe-user-groups")["UserGroups"][0]["UserIds"] \
        == ["app-default", "reader"]
    control.aws_json("elasticache", "delete-user", "--user-id", "reader")
    assert control.aws_json("elasticache", "describe-user-groups")["UserGroups"][0]["UserIds"] \
        == ["app-default"]
    control.aws_json("elasticache", "delete-user-group", "--user-group-id", "app")
    assert control.aws_error("elasticache", "describe-user-groups", "--user-group-id",
                             "app") == "UserGroupNotFound"


def node_client(control, address, user=None, password=None):
    return redis.Redis(host=address, port=6379, ssl=True,
                       ssl_ca_certs=control.env["SSL_CERT_FILE"], username=user,
                       password=password, socket_timeout=10)


def refused(make):
    try:
        make().ping()
        return False
    except (redis.exceptions.ResponseError, redis.exceptions.AuthenticationError):
        return True


def test_a_user_group_controls_every_node_and_follows_changes_online(control):
    create_users(control)
    control.aws_json("elasticache", "create-user-group", "--user-group-id", "app", "--engine",
                     "redis", "--user-ids", "app-default", "reader")
    client = control.boto3_client()
    created = client.create_replication_group(
        ReplicationGroupId="rbac", ReplicationGroupDescription="x", NumCacheClusters=2,
        TransitEncryptionEnabled=True, TransitEncryptionMode="preferred",
        UserGroupIds=["app"])["ReplicationGroup"]
    assert created["UserGroupIds"] == ["app"]
    shard = client.describe_replication_groups()["ReplicationGroups"][0]["NodeGroups"][0]
    primary = shard["PrimaryEndpoint"]["Address"]
    replica = shard["ReaderEndpoint"]["Address"]
    assert control.aws_json("elasticache", "describe-user-groups")["UserGroups"][0][
        "ReplicationGroups"] == ["rbac"]

    # The default user needs its password; the reader reads app:* and nothing more; the replica
    # is linked (as the control plane's own user, whatever the default user is).
    assert refused(lambda: node_client(control, primary))
    admin = node_client(control, primary, password=DEFAULT_PW)
    admin.set("app:1", "v")
    reader = node_client(control, primary, "reader", READER_PW)
    assert reader.get("app:1") == b"v"
    with pytest.raises(redis.exceptions.NoPermissionError):
        reader.set("app:1", "x")
    with pytest.raises(redis.exceptions.NoPermissionError):
        reader.get("other")
    replica_admin = node_client(control, replica, password=DEFAULT_PW)
    wait_for(lambda: replica_admin.get("app:1") == b"v", "the replica to have the write")
    assert sorted(admin.acl_users()) == ["default", "reader", "redoubt-service"]
    # +@all in a user group still leaves out what ElastiCache restricts: the service's user and
    # the node's configuration are beyond any customer user.
    for command in (("CONFIG", "GET", "masterauth"), ("ACL", "SETUSER", "redoubt-service", "off"),
                    ("ACL", "DELUSER", "redoubt-service")):
        with pytest.raises(redis.exceptions.NoPermissionError):
            admin.execute_command(*command)

    # The reader's password rotates: both valid on every node, then the new one only, while a
    # client that keeps its connection and clients that reconnect with a valid password never
    # fail.
    current = [READER_PW]

    def read_and_connect():
        password = current[0]
        assert reader.get("app:1") == b"v"
        fresh = node_client(control, replica, "reader", password)
        assert fresh.get("app:1") == b"v"
        fresh.connection_pool.disconnect()
    with RepeatedCheck(read_and_connect) as load:
        both = client.modify_user(UserId="reader", Passwords=[READER_PW, READER_PW2])
        assert both["Authentication"]["PasswordCount"] == 2
        for address in (primary, replica):
            assert node_client(control, address, "reader", READER_PW2).ping()
            assert node_client(control, address, "reader", READER_PW).ping()
        # The clients move to the new password, as an application's rollout does, before the
        # old one is removed: no round that began with the old one is still running then.
        current[0] = READER_PW2
        load.wait_for_new_rounds()
        client.modify_user(UserId="reader", Passwords=[READER_PW2])
        load.wait_for_new_rounds()
    assert load.rounds > 0 and load.failures == []
    for address in (primary, replica):
        assert refused(lambda: node_client(control, address, "reader", READER_PW))
        assert node_client(control, address, "reader", READER_PW2).ping()

    # The group's members change: the writer appears on every node, the reader goes.
    client.modify_user_group(UserGroupId="app", UserIdsToAdd=["writer"],
                             UserIdsToRemove=["reader"])
    for address in (primary, replica):
        writer = node_client(control, address, "writer", WRITER_PW)
        if address == primary:
            writer.set("app:2", "w")
        assert refused(lambda: node_client(control, address, "reader", READER_PW2))
    assert sorted(admin.acl_users()) == ["default", "redoubt-service", "writer"]
    # A user group in use is not deleted.
    with pytest.raises(client.exceptions.InvalidUserGroupStateFault):
        client.delete_user_group(UserGroupId="app")
    messages = [e["Message"] for e in client.describe_events(
        SourceType="replication-group", SourceIdentifier="rbac")["Events"]]
    assert sum("Users of user group app applied" in m for m in messages) == 3
    assert not any(pw in m for m in messages for pw in (READER_PW, READER_PW2, WRITER_PW))


def test_migration_from_an_auth_token_to_a_user_group_and_back(control):
    create_users(control)
    control.aws_json("elasticache", "create-user-group", "--user-group-id", "app", "--engine",
                     "redis", "--user-ids", "app-default", "writer")
    client = control.boto3_client()
    token = "first-token-0123456789"
    client.create_replication_group(
        ReplicationGroupId="moving", ReplicationGroupDescription="x", NumCacheClusters=2,
        TransitEncryptionEnabled=True, TransitEncryptionMode="preferred", AuthToken=token)
    with pytest.raises(client.exceptions.ClientError) as both:
        client.create_replication_group(
            ReplicationGroupId="both", ReplicationGroupDescription="x", NumCacheClusters=1,
            TransitEncryptionEnabled=True, AuthToken=token, UserGroupIds=["app"])
    assert both.value.response["Error"]["Code"] == "InvalidParameterCombination"
    with pytest.raises(client.exceptions.ClientError) as plaintext:
        client.create_replication_group(
            ReplicationGroupId="plain", ReplicationGroupDescription="x", NumCacheClusters=1,
            UserGroupIds=["app"])
    assert plaintext.value.response["Error"]["Code"] == "InvalidParameterCombination"

    primary = client.describe_replication_groups()["ReplicationGroups"][0]["NodeGroups"][0][
        "PrimaryEndpoint"]["Address"]
    kept = node_client(control, primary, password=token)
    kept.set("app:k", "v")
    reply = client.modify_replication_group(ReplicationGroupId="moving",
                                            UserGroupIdsToAdd=["app"],
                                            ApplyImmediately=True)["ReplicationGroup"]
    assert reply["Status"] == "modifying"
    assert reply["PendingModifiedValues"]["UserGroups"]["UserGroupIdsToAdd"] == ["app"]
    wait_available(client, "moving")
    group = client.describe_replication_groups()["ReplicationGroups"][0]
    assert group["UserGroupIds"] == ["app"] and group["AuthTokenEnabled"] is False
    assert kept.get("app:k") == b"v"  # a connection authenticated before keeps working
    assert refused(lambda: node_client(control, primary, password=token))
    assert node_client(control, primary, "writer", WRITER_PW).get("app:k") == b"v"

    # A token alone is refused while the user group is there.
    with pytest.raises(client.exceptions.ClientError) as token_alone:
        client.modify_replication_group(ReplicationGroupId="moving", AuthToken=token,
                                        AuthTokenUpdateStrategy="SET", ApplyImmediately=True)
    assert token_alone.value.response["Error"]["Code"] == "InvalidParameterCombination"
    assert "uses a user group" in str(token_alone.value)
    # Back: the user group removed with a new token (SET) in the same call.
    new_token = "second-token-012345678"
    client.modify_replication_group(ReplicationGroupId="moving", UserGroupIdsToRemove=["app"],
                                    AuthToken=new_token, AuthTokenUpdateStrategy="SET",
                                    ApplyImmediately=True)
    wait_available(client, "moving")
    group = client.describe_replication_groups()["ReplicationGroups"][0]
    assert group["UserGroupIds"] == [] and group["AuthTokenEnabled"] is True
    assert node_client(control, primary, password=new_token).get("app:k") == b"v"
    assert refused(lambda: node_client(control, primary, "writer", WRITER_PW))
    assert refused(lambda: node_client(control, primary, password=DEFAULT_PW))
    replica = client.describe_replication_groups()["ReplicationGroups"][0]["NodeGroups"][0][
        "ReaderEndpoint"]["Address"]
    assert node_client(control, replica, password=new_token).info("replication")[
        "master_link_status"] == "up"
