# Replication groups through the control plane, as awscli and boto3 drive them: creating one
# starts real redoubt-server nodes on addresses of their own (127.0.16.x here) and forms the
# cluster or the replication before the call returns; redis-py reaches them at the endpoints
# Describe gives; the supervisor restarts a node that dies, a restarted control plane adopts the
# nodes that kept serving, deleting stops them. Bad requests get ElastiCache's errors and
# change nothing.
import json
import os
import re
import signal
import socket
import sqlite3
import time

import pytest
import redis
from redis.cluster import RedisCluster

from support.control_plane import AWS, control_fixture, control_plane, wait_available
from support.tools import wait_for

NODE_BLOCK = "127.0.16.0/24"

# Each test runs many awscli/boto3 calls and starts real nodes: minutes, not seconds, on two
# loaded cores (the CI runs these beside the other suites).
pytestmark = pytest.mark.redoubt_timeout(300)


control = control_fixture(NODE_BLOCK)


def aws_json(control, *args):
    return control.aws_json("elasticache", *args)


def aws_error(control, *args):
    return control.aws_error("elasticache", *args)


def group_ids(control):
    return [g["ReplicationGroupId"]
            for g in aws_json(control, "describe-replication-groups")["ReplicationGroups"]]


def alive(pid):
    """Whether the process runs: a zombie is dead (a node whose control plane restarted is
    re-parented to init, which may reap it late)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.skipif(not os.path.exists(AWS), reason="Debian's awscli is not installed")
def test_awscli_creates_a_cluster_mode_group_that_redis_py_uses_then_deletes_it(control):
    t0 = time.monotonic()
    created = aws_json(control, "create-replication-group", "--replication-group-id", "Orders",
                       "--replication-group-description", "orders cache",
                       "--num-node-groups", "2", "--replicas-per-node-group", "1",
                       "--cache-node-type", "cache.r6g.large",
                       "--tags", "Key=team,Value=payments")["ReplicationGroup"]
    # Its reply says creating; the nodes were started and the cluster formed before it.
    assert created["Status"] == "creating"
    assert created["ReplicationGroupId"] == "orders"  # ids are lowercased
    assert created["MemberClusters"] == ["orders-0001-001", "orders-0001-002",
                                         "orders-0002-001", "orders-0002-002"]
    assert [g["Slots"] for g in created["NodeGroups"]] == ["0-8191", "8192-16383"]
    assert created["ClusterEnabled"] is True and created["AutomaticFailover"] == "enabled"
    assert created["ARN"] == "arn:aws:elasticache:us-east-1:000000000000:replicationgroup:orders"

    group = aws_json(control, "describe-replication-groups", "--replication-group-id",
                     "orders")["ReplicationGroups"][0]
    assert group["Status"] == "available"
    endpoint = group["ConfigurationEndpoint"]
    # A name in ElastiCache's format that every client resolves (the hosts file's block), or
    # the address itself where the hosts file cannot be written.
    assert endpoint["Port"] == 6379
    assert socket.gethostbyname(endpoint["Address"]).startswith("127.0.16.")
    if os.access("/etc/hosts", os.W_OK):
        assert re.fullmatch(r"orders\.[a-z0-9]{6}\.clustercfg\.cache\.redoubt\.internal",
                            endpoint["Address"]), endpoint
        assert len(control.hosts_block()) == 4 + 2  # each node, and the name of both primaries

    rc = RedisCluster(host=endpoint["Address"], port=endpoint["Port"], socket_timeout=10)
    for i in range(200):
        rc.set(f"key:{i}", i)
    assert rc.get("key:123") == b"123"
    elapsed = time.monotonic() - t0
    # Both primaries took keys: the slots are really split.
    primaries = [n for n in rc.get_nodes() if n.server_type == "primary"]
    assert len(primaries) == 2
    assert all(rc.dbsize(target_nodes=n) > 0 for n in primaries)
    rc.close()
    print(f"create to first write through RedisCluster: {elapsed:.2f} s")

    clusters = aws_json(control, "describe-cache-clusters", "--show-cache-node-info")
    nodes = {c["CacheClusterId"]: c for c in clusters["CacheClusters"]}
    assert sorted(nodes) == created["MemberClusters"]
    addresses = {c["CacheNodes"][0]["Endpoint"]["Address"] for c in nodes.values()}
    assert len(addresses) == 4  # one address each
    one = nodes["orders-0002-002"]
    assert one["CacheParameterGroup"]["CacheParameterGroupName"] == "default.redis7.cluster.on"
    assert one["ReplicationGroupId"] == "orders" and one["CacheNodeType"] == "cache.r6g.large"
    node = redis.Redis(host=one["CacheNodes"][0]["Endpoint"]["Address"], port=6379)
    # The node type's memory, and the replica role in its shard.
    assert node.info("memory")["maxmemory"] == 14037181030
    assert node.info("replication")["role"] == "slave"
    # What ElastiCache restricts is refused to customers, whatever their rules say; the
    # control plane's own user has it.
    for command in (("CONFIG", "GET", "maxmemory"), ("CONFIG", "SET", "maxmemory", "1"),
                    ("ACL", "DELUSER", "redoubt-service"), ("SHUTDOWN",),
                    ("CLUSTER", "FORGET", "0" * 40), ("REPLICAOF", "NO", "ONE")):
        with pytest.raises(redis.exceptions.NoPermissionError):
            node.execute_command(*command)
    service = control.service_client("orders", one["CacheNodes"][0]["Endpoint"]["Address"])
    assert service.config_get("maxmemory")["maxmemory"] == "14037181030"

    events = aws_json(control, "describe-events", "--source-type", "replication-group",
                      "--source-identifier", "orders")["Events"]
    assert [e["Message"] for e in events] == ["Replication group orders created"]

    # Tags by ARN: the group's, which its member clusters show too.
    arn = created["ARN"]
    assert aws_json(control, "list-tags-for-resource", "--resource-name", arn)["TagList"] == \
        [{"Key": "team", "Value": "payments"}]
    assert aws_json(control, "add-tags-to-resource", "--resource-name", arn, "--tags",
                    "Key=team,Value=orders", "Key=tier,Value=gold")["TagList"] == \
        [{"Key": "team", "Value": "orders"}, {"Key": "tier", "Value": "gold"}]
    aws_json(control, "remove-tags-from-resource", "--resource-name", arn, "--tag-keys", "team")
    cluster_arn = arn.replace("replicationgroup:orders", "cluster:orders-0001-002")
    assert aws_json(control, "list-tags-for-resource", "--resource-name", cluster_arn)[
        "TagList"] == [{"Key": "tier", "Value": "gold"}]
    assert aws_error(control, "list-tags-for-resource", "--resource-name",
                     arn.replace("orders", "nope")) == "ReplicationGroupNotFoundFault"
    assert aws_error(control, "list-tags-for-resource", "--resource-name",
                     "arn:aws:s3:::bucket") == "InvalidARN"

    pids = control.node_pids()
    assert len(pids) == 4 and all(alive(p) for p in pids)
    deleted = aws_json(control, "delete-replication-group", "--replication-group-id", "orders")
    assert deleted["ReplicationGroup"]["Status"] == "deleting"
    assert aws_error(control, "describe-replication-groups", "--replication-group-id",
                     "orders") == "ReplicationGroupNotFoundFault"
    assert not any(alive(p) for p in pids)
    assert not list((control.data / "nodes").iterdir())
    assert control.hosts_block() == []  # its names are gone with it


def test_boto3_creates_a_group_without_cluster_mode(control):
    client = control.boto3_client()
    reply = client.create_replication_group(
        ReplicationGroupId="sessions", ReplicationGroupDescription="sessions",
        NumCacheClusters=3, AutomaticFailoverEnabled=True, MultiAZEnabled=True)
    assert reply["ReplicationGroup"]["Status"] == "creating"
    group = client.describe_replication_groups(ReplicationGroupId="sessions")[
        "ReplicationGroups"][0]
    assert group["Status"] == "available" and group["ClusterEnabled"] is False
    assert group["MultiAZ"] == "enabled" and "ConfigurationEndpoint" not in group
    shard = group["NodeGroups"][0]
    roles = {m["CacheClusterId"]: m["CurrentRole"] for m in shard["NodeGroupMembers"]}
    assert roles == {"sessions-001": "primary", "sessions-002": "replica",
                     "sessions-003": "replica"}
    primary = redis.Redis(host=shard["PrimaryEndpoint"]["Address"], port=6379)
    reader = redis.Redis(host=shard["ReaderEndpoint"]["Address"], port=6379)
    assert shard["PrimaryEndpoint"]["Address"] != shard["ReaderEndpoint"]["Address"]
    assert primary.info("replication")["connected_slaves"] == 2
    primary.set("user:1", "ada")
    primary.wait(2, 5000)
    assert reader.get("user:1") == b"ada"
    # Creating it again is refused, and the group is unchanged.
    with pytest.raises(client.exceptions.ReplicationGroupAlreadyExistsFault):
        client.create_replication_group(ReplicationGroupId="sessions",
                                        ReplicationGroupDescription="again",
                                        NumCacheClusters=1)
    assert client.describe_replication_groups()["ReplicationGroups"][0]["Description"] == \
        "sessions"
    assert client.delete_replication_group(ReplicationGroupId="sessions")[
        "ReplicationGroup"]["Status"] == "deleting"
    with pytest.raises(client.exceptions.ReplicationGroupNotFoundFault):
        client.delete_replication_group(ReplicationGroupId="sessions")


@pytest.mark.skipif(not os.path.exists(AWS), reason="Debian's awscli is not installed")
def test_bad_creations_get_elasticache_errors_and_change_nothing(control):
    base = ["create-replication-group", "--replication-group-description", "x"]
    cases = [
        (["--replication-group-id", "1starts-with-digit"], "InvalidParameterValue"),
        (["--replication-group-id", "two--hyphens"], "InvalidParameterValue"),
        (["--replication-group-id", "x" * 41], "InvalidParameterValue"),
        (["--replication-group-id", "ok", "--cache-node-type", "cache.huge.none"],
         "InvalidParameterValue"),
        (["--replication-group-id", "ok", "--num-cache-clusters", "1",
          "--automatic-failover-enabled"], "InvalidParameterCombination"),
        (["--replication-group-id", "ok", "--num-cache-clusters", "7"], "InvalidParameterValue"),
        (["--replication-group-id", "ok", "--num-node-groups", "2",
          "--cache-parameter-group-name", "default.redis7"], "InvalidParameterCombination"),
        (["--replication-group-id", "ok", "--cache-parameter-group-name", "mine"],
         "CacheParameterGroupNotFound"),
        (["--replication-group-id", "ok", "--num-node-groups", "2",
          "--no-automatic-failover-enabled"], "InvalidParameterCombination"),
        (["--replication-group-id", "ok", "--node-group-configuration",
          "Slots=0-100,ReplicaCount=0", "Slots=100-16383,ReplicaCount=0"],
         "InvalidParameterValue"),  # slot 100 twice
        (["--replication-group-id", "ok", "--node-group-configuration",
          "Slots=0-100,ReplicaCount=0"], "InvalidParameterValue"),  # slots left uncovered
        (["--replication-group-id", "ok", "--replicas-per-node-group", "6"],
         "InvalidParameterValue"),
        (["--replication-group-id", "ok", "--auth-token", "a" * 20], "InvalidParameterValue"),
        (["--replication-group-id", "ok", "--engine", "memcached"], "InvalidParameterValue"),
    ]
    for args, code in cases:
        assert aws_error(control, *base, *args) == code, args
    assert aws_error(control, "delete-replication-group", "--replication-group-id",
                     "nope") == "ReplicationGroupNotFoundFault"
    assert aws_error(control, "describe-cache-clusters", "--cache-cluster-id",
                     "nope-001") == "CacheClusterNotFound"
    assert aws_error(control, "describe-events", "--source-type", "galaxy") == \
        "InvalidParameterValue"
    assert group_ids(control) == []
    assert not (control.data / "nodes").exists() or not list((control.data / "nodes").iterdir())


@pytest.mark.skipif(not os.path.exists(AWS), reason="Debian's awscli is not installed")
def test_explicit_node_group_configuration(control):
    created = aws_json(control, "create-replication-group", "--replication-group-id", "uneven",
                       "--replication-group-description", "x", "--node-group-configuration",
                       "NodeGroupId=0007,Slots=0-999,ReplicaCount=0",
                       "NodeGroupId=0009,Slots=1000-16383,ReplicaCount=1")["ReplicationGroup"]
    assert [(g["NodeGroupId"], g["Slots"], len(g["NodeGroupMembers"]))
            for g in created["NodeGroups"]] == [("0007", "0-999", 1), ("0009", "1000-16383", 2)]
    address = aws_json(control, "describe-replication-groups")["ReplicationGroups"][0][
        "ConfigurationEndpoint"]["Address"]
    slots = redis.Redis(host=address, port=6379).execute_command("CLUSTER", "SLOTS")
    assert sorted((s[0], s[1], len(s) - 2) for s in slots) == [(0, 999, 1), (1000, 16383, 2)]
    aws_json(control, "delete-replication-group", "--replication-group-id", "uneven")


def test_a_dead_node_is_restarted_and_a_restarted_control_plane_adopts_the_nodes(control):
    client = control.boto3_client()
    client.create_replication_group(ReplicationGroupId="resilient",
                                    ReplicationGroupDescription="x", NumNodeGroups=1,
                                    ReplicasPerNodeGroup=1)
    group = client.describe_replication_groups()["ReplicationGroups"][0]
    replica_id = group["NodeGroups"][0]["NodeGroupMembers"][1]["CacheClusterId"]
    pid_file = control.data / "nodes" / replica_id / "redoubt.pid"
    old_pid = int(pid_file.read_text())
    os.kill(old_pid, signal.SIGKILL)

    def restarted_event():
        events = client.describe_events(SourceType="cache-cluster",
                                        SourceIdentifier=replica_id)["Events"]
        return any("restarted" in e["Message"] for e in events)
    wait_for(restarted_event, "the supervisor's restart event")
    node = client.describe_cache_clusters(CacheClusterId=replica_id, ShowCacheNodeInfo=True)[
        "CacheClusters"][0]["CacheNodes"][0]["Endpoint"]
    # It rejoined the cluster from its nodes.conf, as the replica it was (refusing connections
    # until its process listens again).
    def rejoined():
        try:
            return redis.Redis(host=node["Address"], port=6379).cluster("info")[
                "cluster_state"] == "ok"
        except redis.exceptions.ConnectionError:
            return False
    wait_for(rejoined, "the restarted node to rejoin")
    assert int(pid_file.read_text()) != old_pid

    # The control plane stops; its nodes keep serving and are adopted by the next one.
    pids = sorted(control.node_pids())
    assert control.stop() == 0
    assert all(alive(p) for p in pids)
    control.start(port=control.port)
    group = control.boto3_client().describe_replication_groups()["ReplicationGroups"][0]
    assert group["Status"] == "available"
    assert sorted(control.node_pids()) == pids
    events = control.boto3_client().describe_events(SourceType="cache-cluster")["Events"]
    assert not any("not running when the control plane started" in e["Message"] for e in events)
    control.boto3_client().delete_replication_group(ReplicationGroupId="resilient")
    assert not any(alive(p) for p in pids)


def primary_of(client, group_id):
    shard = client.describe_replication_groups(ReplicationGroupId=group_id)[
        "ReplicationGroups"][0]["NodeGroups"][0]
    return [m["CacheClusterId"] for m in shard["NodeGroupMembers"]
            if m.get("CurrentRole") == "primary"], shard


def test_test_failover_hands_each_kind_of_group_to_a_replica(control):
    client = control.boto3_client()
    client.create_replication_group(ReplicationGroupId="flip", ReplicationGroupDescription="x",
                                    NumCacheClusters=3, AutomaticFailoverEnabled=True)
    primaries, shard = primary_of(client, "flip")
    assert primaries == ["flip-001"]
    writer = redis.Redis(host=shard["PrimaryEndpoint"]["Address"], port=6379)
    writer.set("before", "failover")
    for bad, code in ((dict(ReplicationGroupId="flip", NodeGroupId="0009"),
                       "NodeGroupNotFoundFault"),
                      (dict(ReplicationGroupId="nope", NodeGroupId="0001"),
                       "ReplicationGroupNotFoundFault")):
        with pytest.raises(client.exceptions.ClientError) as e:
            client.test_failover(**bad)
        assert e.value.response["Error"]["Code"] == code
    reply = client.test_failover(ReplicationGroupId="flip", NodeGroupId="0001")
    assert reply["ReplicationGroup"]["Status"] == "modifying"
    with pytest.raises(client.exceptions.InvalidReplicationGroupStateFault):
        client.test_failover(ReplicationGroupId="flip", NodeGroupId="0001")
    wait_available(client, "flip")
    primaries, shard = primary_of(client, "flip")
    assert primaries == ["flip-002"]
    # The primary endpoint follows the primary; the data and the third node came along.
    new_primary = redis.Redis(host=shard["PrimaryEndpoint"]["Address"], port=6379)
    assert new_primary.info("replication")["role"] == "master"
    assert new_primary.get("before") == b"failover"
    assert new_primary.info("replication")["connected_slaves"] == 2
    messages = [e["Message"] for e in client.describe_events(Duration=60)["Events"]]
    assert "Failover from primary node flip-001 to replica node flip-002 completed" in messages
    assert "Test Failover API called for node group 0001" in messages
    client.delete_replication_group(ReplicationGroupId="flip")

    # Cluster mode: the second shard's replica takes its slots; clients follow MOVED.
    client.create_replication_group(ReplicationGroupId="cflip", ReplicationGroupDescription="x",
                                    NumNodeGroups=2, ReplicasPerNodeGroup=1)
    endpoint = client.describe_replication_groups(ReplicationGroupId="cflip")[
        "ReplicationGroups"][0]["ConfigurationEndpoint"]["Address"]
    rc = RedisCluster(host=endpoint, port=6379, socket_timeout=10)
    for i in range(100):
        rc.set(f"k{i}", i)
    client.test_failover(ReplicationGroupId="cflip", NodeGroupId="0002")
    wait_available(client, "cflip")
    failed = [e["Message"] for e in client.describe_events(
        SourceType="replication-group", SourceIdentifier="cflip")["Events"]
        if e["Message"].startswith("Failed")]
    assert failed == []
    node = client.describe_cache_clusters(CacheClusterId="cflip-0002-002",
                                          ShowCacheNodeInfo=True)["CacheClusters"][0]
    promoted = redis.Redis(host=node["CacheNodes"][0]["Endpoint"]["Address"], port=6379)
    assert promoted.execute_command("ROLE")[0] == b"master"
    assert promoted.cluster("info")["cluster_state"] == "ok"
    assert all(rc.get(f"k{i}") == str(i).encode() for i in range(100))
    rc.close()
    # A failover the cluster makes without the API (here CLUSTER FAILOVER sent to the node) is
    # noticed by the supervisor: an event, and the records follow.
    old = client.describe_cache_clusters(CacheClusterId="cflip-0002-001",
                                         ShowCacheNodeInfo=True)["CacheClusters"][0]
    control.service_client("cflip", old["CacheNodes"][0]["Endpoint"]["Address"]).execute_command(
        "CLUSTER", "FAILOVER")
    wait_for(lambda: any("is now the primary" in e["Message"] for e in client.describe_events(
        SourceType="cache-cluster", SourceIdentifier="cflip-0002-001")["Events"]),
        "the supervisor to notice the failover")
    client.delete_replication_group(ReplicationGroupId="cflip")

    # A group without automatic failover cannot test one.
    client.create_replication_group(ReplicationGroupId="manual", ReplicationGroupDescription="x",
                                    NumCacheClusters=2)
    with pytest.raises(client.exceptions.ClientError) as e:
        client.test_failover(ReplicationGroupId="manual", NodeGroupId="0001")
    assert e.value.response["Error"]["Code"] == "InvalidParameterCombination"
    client.delete_replication_group(ReplicationGroupId="manual")


def test_a_dead_primary_is_replaced_by_its_most_advanced_replica(control):
    """Without cluster mode, a primary whose process dies would come back empty (nodes keep no
    data on disk) and its replicas would copy the empty set: with automatic failover, the
    supervisor promotes a replica first, the primary endpoint follows it, and the old primary
    comes back as its replica with the data."""
    client = control.boto3_client()
    client.create_replication_group(ReplicationGroupId="survivor", ReplicationGroupDescription="x",
                                    NumCacheClusters=3, AutomaticFailoverEnabled=True)
    primaries, shard = primary_of(client, "survivor")
    assert primaries == ["survivor-001"]
    writer = redis.Redis(host=shard["PrimaryEndpoint"]["Address"], port=6379)
    for i in range(500):
        writer.set(f"k{i}", i)
    assert writer.wait(2, 10000) == 2  # both replicas have every write
    old_pid = int((control.data / "nodes" / "survivor-001" / "redoubt.pid").read_text())
    os.kill(old_pid, signal.SIGKILL)

    def failed_over():
        messages = [e["Message"] for e in client.describe_events(
            SourceType="cache-cluster", Duration=60)["Events"]]
        return any(m.startswith("Failover from primary node survivor-001") for m in messages)
    wait_for(failed_over, "the automatic failover")
    wait_available(client, "survivor")
    primaries, shard = primary_of(client, "survivor")
    assert primaries != ["survivor-001"] and len(primaries) == 1
    promoted = redis.Redis(host=shard["PrimaryEndpoint"]["Address"], port=6379)
    assert promoted.info("replication")["role"] == "master"
    assert all(promoted.get(f"k{i}") == str(i).encode() for i in range(500))
    promoted.set("after", "failover")
    # The old primary is back, as a replica of the new one, with everything.
    old = client.describe_cache_clusters(CacheClusterId="survivor-001", ShowCacheNodeInfo=True)[
        "CacheClusters"][0]["CacheNodes"][0]["Endpoint"]["Address"]
    old_node = redis.Redis(host=old, port=6379)

    def rejoined():
        try:
            info = old_node.info("replication")
            return info["role"] == "slave" and info["master_link_status"] == "up" and \
                old_node.get("after") == b"failover"
        except redis.exceptions.ConnectionError:
            return False
    wait_for(rejoined, "the old primary to come back as a replica")
    assert old_node.dbsize() == 501
    assert promoted.info("replication")["connected_slaves"] == 2
    messages = [e["Message"] for e in client.describe_events(
        SourceType="cache-cluster", SourceIdentifier="survivor-001")["Events"]]
    assert "Primary node survivor-001 exited: promoting its most advanced replica" in messages


def test_a_primary_that_dies_mid_modification_or_unsupervised_keeps_the_data(tmp_path):
    """The same promotion when the primary dies while the group is being modified (it waits for
    the modification to end; a modification stays 10 s here, so the supervisor sees the death
    within it) and while the control plane is down (its restart promotes a replica instead of
    restarting the primary empty)."""
    plane = control_plane(tmp_path, NODE_BLOCK, "--modify-dwell", "10000")
    try:
        client = plane.boto3_client()
        client.create_replication_group(ReplicationGroupId="steady",
                                        ReplicationGroupDescription="x", NumCacheClusters=2,
                                        AutomaticFailoverEnabled=True)

        def write_then_kill_primary(prefix, before_kill=lambda: None):
            primaries, shard = primary_of(client, "steady")
            writer = redis.Redis(host=shard["PrimaryEndpoint"]["Address"], port=6379)
            for i in range(200):
                writer.set(f"{prefix}{i}", i)
            assert writer.wait(1, 10000) == 1  # the replica has every write
            writer.close()
            before_kill()
            pid = int((plane.data / "nodes" / primaries[0] / "redoubt.pid").read_text())
            os.kill(pid, signal.SIGKILL)
            return primaries[0]

        def failed_over_from(old):
            def done():
                return any(e["Message"].startswith(f"Failover from primary node {old} ")
                           for e in client.describe_events(SourceType="cache-cluster",
                                                           Duration=60)["Events"])
            wait_for(done, f"the failover from {old}")
            wait_available(client, "steady")
            primaries, shard = primary_of(client, "steady")
            assert primaries != [old] and len(primaries) == 1
            return redis.Redis(host=shard["PrimaryEndpoint"]["Address"], port=6379)

        ec2 = plane.boto3_client("ec2")
        sg = ec2.create_security_group(GroupName="open", Description="x")["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=sg, IpProtocol="-1", CidrIp="0.0.0.0/0")
        client.modify_replication_group(ReplicationGroupId="steady", SecurityGroupIds=[sg],
                                        ApplyImmediately=True)
        first = write_then_kill_primary("a")
        promoted = failed_over_from(first)
        assert all(promoted.get(f"a{i}") == str(i).encode() for i in range(200))
        messages = [e["Message"] for e in client.describe_events(
            SourceType="cache-cluster", SourceIdentifier=first)["Events"]]
        assert f"Primary node {first} exited: its most advanced replica will be promoted once " \
            "the modification in progress ends" in messages

        # The old primary is back as a replica; then the control plane stops, the new primary
        # dies, and the control plane starts again.
        second = write_then_kill_primary("b", before_kill=lambda: plane.stop())
        plane.start(port=plane.port)
        promoted = failed_over_from(second)
        assert second != first
        assert all(promoted.get(f"{p}{i}") == str(i).encode() for p in "ab" for i in range(200))
    finally:
        plane.stop_all()


def test_retain_primary_cluster_keeps_the_primary_as_a_cache_cluster(control):
    client = control.boto3_client()
    client.create_replication_group(ReplicationGroupId="keeper", ReplicationGroupDescription="x",
                                    NumCacheClusters=2)
    client.create_replication_group(ReplicationGroupId="sharded", ReplicationGroupDescription="x",
                                    NumNodeGroups=1, ReplicasPerNodeGroup=0)
    primary = client.describe_cache_clusters(CacheClusterId="keeper-001", ShowCacheNodeInfo=True)[
        "CacheClusters"][0]["CacheNodes"][0]["Endpoint"]["Address"]
    redis.Redis(host=primary, port=6379).set("kept", "yes")
    with pytest.raises(client.exceptions.ClientError) as sharded:
        client.delete_replication_group(ReplicationGroupId="sharded", RetainPrimaryCluster=True)
    assert sharded.value.response["Error"]["Code"] == "InvalidParameterCombination"
    with pytest.raises(client.exceptions.InvalidCacheClusterStateFault):
        client.delete_cache_cluster(CacheClusterId="keeper-002")  # a member of a group
    pids = {p.parent.name: int(p.read_text()) for p in (control.data / "nodes").glob(
        "keeper-*/redoubt.pid")}

    # Through awscli (boto3 does the same below for a group left half-deleted).
    reply = aws_json(control, "delete-replication-group", "--replication-group-id", "keeper",
                     "--retain-primary-cluster")
    assert reply["ReplicationGroup"]["Status"] == "deleting"
    assert [g["ReplicationGroupId"] for g in client.describe_replication_groups()[
        "ReplicationGroups"]] == ["sharded"]
    assert not alive(pids["keeper-002"]) and alive(pids["keeper-001"])
    kept = client.describe_cache_clusters(CacheClusterId="keeper-001", ShowCacheNodeInfo=True)[
        "CacheClusters"][0]
    assert "ReplicationGroupId" not in kept and kept["CacheClusterStatus"] == "available"
    assert redis.Redis(host=primary, port=6379).get("kept") == b"yes"  # the same process
    with pytest.raises(client.exceptions.CacheClusterNotFoundFault):
        client.describe_cache_clusters(CacheClusterId="keeper-002")
    # A new group of the old id would name a member keeper-001 too: refused while it lives.
    with pytest.raises(client.exceptions.CacheClusterAlreadyExistsFault):
        client.create_replication_group(ReplicationGroupId="keeper",
                                        ReplicationGroupDescription="x", NumCacheClusters=1)

    # A restarted control plane still has it; DeleteCacheCluster removes it.
    assert control.stop() == 0
    control.start(port=control.port)
    client = control.boto3_client()
    deleted = client.delete_cache_cluster(CacheClusterId="keeper-001")["CacheCluster"]
    assert deleted["CacheClusterStatus"] == "deleting"
    assert not alive(pids["keeper-001"])
    with pytest.raises(client.exceptions.CacheClusterNotFoundFault):
        client.delete_cache_cluster(CacheClusterId="keeper-001")
    messages = [e["Message"] for e in client.describe_events(SourceType="cache-cluster",
                                                             SourceIdentifier="keeper-001")[
        "Events"]]
    assert messages[:2] == ["Cache cluster deleted",
                            "Cache cluster retained from replication group keeper as a cache "
                            "cluster"]

    # A control plane that stops in the middle of such a deletion (its record says `deleting`,
    # retaining the primary: the state a crash between the deletion's two writes would leave)
    # finishes it when it starts: the primary keeps serving, as a cache cluster.
    client.create_replication_group(ReplicationGroupId="halfway", ReplicationGroupDescription="x",
                                    NumCacheClusters=2)
    primary = client.describe_cache_clusters(CacheClusterId="halfway-001", ShowCacheNodeInfo=True)[
        "CacheClusters"][0]["CacheNodes"][0]["Endpoint"]["Address"]
    redis.Redis(host=primary, port=6379).set("kept", "again")
    pids = {p.parent.name: int(p.read_text()) for p in (control.data / "nodes").glob(
        "halfway-*/redoubt.pid")}
    assert control.stop() == 0
    with sqlite3.connect(control.data / "state.db") as db:
        record = json.loads(db.execute("SELECT record FROM replication_groups WHERE id = ?",
                                       ("halfway",)).fetchone()[0])
        record.update(status="deleting", retained_cluster_id="halfway-001")
        db.execute("UPDATE replication_groups SET record = ? WHERE id = ?",
                   (json.dumps(record), "halfway"))
    control.start(port=control.port)
    client = control.boto3_client()
    assert "halfway" not in [g["ReplicationGroupId"] for g in client.describe_replication_groups()[
        "ReplicationGroups"]]
    kept = client.describe_cache_clusters(CacheClusterId="halfway-001")["CacheClusters"][0]
    assert "ReplicationGroupId" not in kept and kept["CacheClusterStatus"] == "available"
    assert alive(pids["halfway-001"]) and not alive(pids["halfway-002"])
    assert redis.Redis(host=primary, port=6379).get("kept") == b"again"
    client.delete_cache_cluster(CacheClusterId="halfway-001")


def test_a_modification_interrupted_by_a_control_plane_kill_resumes(tmp_path):
    """ModifyReplicationGroup answered `modifying`, then the control plane is killed (SIGKILL,
    at whatever step it was): the next start resumes it, with an event, on the nodes that kept
    serving, and the group reaches `available` in the mode asked for."""
    plane = control_plane(tmp_path, NODE_BLOCK, "--modify-dwell", "60000")
    try:
        client = plane.boto3_client()
        client.create_replication_group(ReplicationGroupId="interrupted",
                                        ReplicationGroupDescription="x", NumCacheClusters=2)
        pids = sorted(plane.node_pids())
        reply = client.modify_replication_group(ReplicationGroupId="interrupted",
                                                TransitEncryptionEnabled=True,
                                                TransitEncryptionMode="preferred",
                                                ApplyImmediately=True)
        assert reply["ReplicationGroup"]["Status"] == "modifying"
        plane.proc.kill()
        plane.proc.wait(timeout=30)
        assert all(alive(p) for p in pids)

        plane.extra_args = [a if a != "60000" else "1000" for a in plane.extra_args]
        plane.start(port=plane.port)
        client = plane.boto3_client()
        group = client.describe_replication_groups(ReplicationGroupId="interrupted")[
            "ReplicationGroups"][0]
        assert group["Status"] == "modifying"
        wait_available(client, "interrupted")
        group = client.describe_replication_groups(ReplicationGroupId="interrupted")[
            "ReplicationGroups"][0]
        assert (group["TransitEncryptionEnabled"], group["TransitEncryptionMode"]) == \
            (True, "preferred")
        assert group["PendingModifiedValues"] == {}
        messages = [e["Message"] for e in client.describe_events(
            SourceType="replication-group", SourceIdentifier="interrupted")["Events"]]
        assert "Resuming the modification that a restart of the control plane interrupted" \
            in messages
        assert messages[0] == "In-transit encryption of replication group interrupted is now " \
            "preferred"
        # The same nodes, each on TLS with plaintext beside it.
        assert sorted(plane.node_pids()) == pids
        for member in group["NodeGroups"][0]["NodeGroupMembers"]:
            address = member["ReadEndpoint"]["Address"]
            node = plane.service_client("interrupted", address, ssl=True,
                                        ssl_ca_certs=plane.env["SSL_CERT_FILE"])
            assert node.config_get("tls-mode")["tls-mode"] == "preferred"
            assert redis.Redis(host=address, port=6379).ping()
    finally:
        plane.stop_all()


def test_endpoints_are_addresses_without_a_hosts_file_and_names_in_one_given(tmp_path):
    """--hosts-file none (as where /etc/hosts is not writable): Describe gives the nodes'
    addresses, which redis-py uses as they are. --hosts-file FILE: the names go into FILE's
    block of this control plane, beside what the file held, and leave it with the group."""
    plane = control_plane(tmp_path / "bare", NODE_BLOCK, "--hosts-file", "none")
    try:
        client = plane.boto3_client()
        client.create_replication_group(ReplicationGroupId="bare",
                                        ReplicationGroupDescription="x", NumCacheClusters=2)
        shard = client.describe_replication_groups()["ReplicationGroups"][0]["NodeGroups"][0]
        for endpoint in (shard["PrimaryEndpoint"], shard["ReaderEndpoint"]):
            assert re.fullmatch(r"127\.0\.16\.\d+", endpoint["Address"]), endpoint
        redis.Redis(host=shard["PrimaryEndpoint"]["Address"], port=6379).set("k", "v")
        assert plane.hosts_block() == []
    finally:
        plane.stop_all()

    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n")
    plane = control_plane(tmp_path / "named", NODE_BLOCK, "--hosts-file", str(hosts))
    try:
        client = plane.boto3_client()
        client.create_replication_group(ReplicationGroupId="named",
                                        ReplicationGroupDescription="x", NumCacheClusters=2)
        shard = client.describe_replication_groups()["ReplicationGroups"][0]["NodeGroups"][0]
        block = {name: line[0] for line in plane.hosts_block(str(hosts)) for name in line[1:]}
        primary = shard["PrimaryEndpoint"]["Address"]
        assert primary.endswith(".cache.redoubt.internal") and "named" in primary, primary
        assert re.fullmatch(r"127\.0\.16\.\d+", block[primary])
        assert shard["ReaderEndpoint"]["Address"] in block
        assert hosts.read_text().startswith("127.0.0.1 localhost\n")
        client.delete_replication_group(ReplicationGroupId="named")
        wait_for(lambda: plane.hosts_block(str(hosts)) == [], "the names to leave the file")
        assert hosts.read_text().startswith("127.0.0.1 localhost\n")
    finally:
        plane.stop_all()
