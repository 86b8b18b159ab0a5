# EC2 security groups through the control plane, as awscli and boto3 drive them: the EC2
# dialect of the Query protocol (replies, errors, paging, DryRun), and what the rules do: a
# replication group that names security groups admits, on every node, only the sources their
# rules let reach port 6379 (plus the control plane, from the node range's network address, and
# its own nodes; not 127.0.0.1, this host's own loopback source), and a rule authorized or
# revoked changes every node at once, closing the clients a revocation excludes. Clients play
# other hosts from addresses of 127.0.23.x; the nodes are on 127.0.22.x. Also the VPC's
# subnets (EC2 DescribeSubnets) and cache subnet groups, which place a group's nodes on the
# subnets they name (a control plane of its own on 127.0.28.0/23: two subnets).
import os
import signal
import socket

import pytest

from support.control_plane import AWS, control_fixture, control_plane, wait_available
from support.resp_client import RespClient, unwrap
from support.sockets import raw_connection, read_until_close
from support.tools import wait_for

NODE_BLOCK = "127.0.22.0/24"
CLIENT_A = "127.0.23.1"
CLIENT_B = "127.0.23.2"

pytestmark = [pytest.mark.redoubt_timeout(300),
              pytest.mark.skipif(not os.path.exists(AWS), reason="Debian's awscli is not installed")]


control = control_fixture(NODE_BLOCK)


def ec2(control, *args):
    return control.aws_json("ec2", *args)


def ec2_error(control, *args):
    return control.aws_error("ec2", *args)


def pong_from(source, address):
    """Whether a client at `source` gets PONG from the node at address (a refused source is
    closed at accept, before a byte is read)."""
    try:
        sock = raw_connection(6379, host=address, source=source, timeout=10)
    except ConnectionError:
        return False
    with sock:
        try:
            sock.sendall(b"PING\r\n")
        except (BrokenPipeError, ConnectionResetError):
            return False
        data, _ = read_until_close(sock, timeout=2)
        return data.startswith(b"+PONG")


def connected_replicas(address, source):
    """INFO replication's connected_slaves of the node at address, asked from `source`."""
    with RespClient(address, 6379, source=source) as c:
        info = unwrap(c.call("INFO", "replication")).decode()
    return int(dict(line.split(":", 1) for line in info.splitlines() if ":" in line)[
        "connected_slaves"])


def test_security_groups_through_awscli_and_boto3(control):
    created = ec2(control, "create-security-group", "--group-name", "cache-clients",
                  "--description", "who may reach the caches", "--tag-specifications",
                  "ResourceType=security-group,Tags=[{Key=team,Value=sre}]")
    sg = created["GroupId"]
    assert sg.startswith("sg-") and len(sg) == 20
    assert created["Tags"] == [{"Key": "team", "Value": "sre"}]
    assert ec2_error(control, "create-security-group", "--group-name", "cache-clients",
                     "--description", "again") == "InvalidGroup.Duplicate"

    added = ec2(control, "authorize-security-group-ingress", "--group-id", sg, "--protocol", "tcp",
                "--port", "6379", "--cidr", "10.1.2.3/8")["SecurityGroupRules"]
    assert [(r["IpProtocol"], r["FromPort"], r["CidrIpv4"]) for r in added] == \
        [("tcp", 6379, "10.0.0.0/8")]  # the block made canonical
    ec2(control, "authorize-security-group-ingress", "--group-name", "cache-clients",
        "--ip-permissions", "IpProtocol=tcp,FromPort=6000,ToPort=7000,"
        "IpRanges=[{CidrIp=192.168.0.0/16,Description=office}],"
        "Ipv6Ranges=[{CidrIpv6=2001:db8::/32}]")
    assert ec2_error(control, "authorize-security-group-ingress", "--group-id", sg,
                     "--protocol", "tcp", "--port", "6379", "--cidr", "10.0.0.0/8") == \
        "InvalidPermission.Duplicate"
    assert ec2_error(control, "authorize-security-group-ingress", "--group-id", sg,
                     "--protocol", "tcp", "--port", "6379", "--cidr", "10.0.0/8") == \
        "InvalidParameterValue"
    assert ec2_error(control, "authorize-security-group-ingress", "--group-id", sg,
                     "--protocol", "tcp", "--port", "6379", "--source-group", "sg-0abc") == \
        "InvalidParameterValue"  # only CIDR sources
    assert ec2_error(control, "authorize-security-group-ingress", "--group-id", "sg-0",
                     "--protocol", "tcp", "--port", "6379", "--cidr", "10.0.0.0/8") == \
        "InvalidGroup.NotFound"

    described = ec2(control, "describe-security-groups", "--group-ids", sg)["SecurityGroups"][0]
    assert described["GroupName"] == "cache-clients"
    assert described["VpcId"].startswith("vpc-")
    perms = {(p["IpProtocol"], p["FromPort"], p["ToPort"]): p for p in described["IpPermissions"]}
    assert perms[("tcp", 6379, 6379)]["IpRanges"] == [{"CidrIp": "10.0.0.0/8"}]
    assert perms[("tcp", 6000, 7000)]["IpRanges"] == [{"CidrIp": "192.168.0.0/16",
                                                        "Description": "office"}]
    assert perms[("tcp", 6000, 7000)]["Ipv6Ranges"] == [{"CidrIpv6": "2001:db8::/32"}]
    assert described["IpPermissionsEgress"][0]["IpProtocol"] == "-1"
    by_filter = ec2(control, "describe-security-groups", "--filters",
                    "Name=ip-permission.cidr,Values=192.168.*", "Name=tag:team,Values=sre")
    assert [g["GroupId"] for g in by_filter["SecurityGroups"]] == [sg]
    assert ec2(control, "describe-security-groups", "--filters",
               "Name=group-name,Values=nothing*")["SecurityGroups"] == []
    assert ec2_error(control, "describe-security-groups", "--group-ids", "sg-0") == \
        "InvalidGroup.NotFound"
    assert ec2_error(control, "describe-security-groups", "--group-ids", "bogus") == \
        "InvalidGroupId.Malformed"

    # boto3 (Debian's, with aws-env's model folder): the same API, pages followed by its
    # paginator, and DryRun's refusal raised as the modelled error.
    client = control.boto3_client("ec2")
    for i in range(6):
        client.create_security_group(GroupName=f"extra-{i}", Description="x")
    pages = list(client.get_paginator("describe_security_groups").paginate(
        PaginationConfig={"PageSize": 5}))
    assert len(pages) == 2
    assert sorted(g["GroupName"] for p in pages for g in p["SecurityGroups"]) == \
        ["cache-clients"] + [f"extra-{i}" for i in range(6)]
    with pytest.raises(client.exceptions.ClientError) as dry:
        client.delete_security_group(GroupName="extra-0", DryRun=True)
    assert dry.value.response["Error"]["Code"] == "DryRunOperation"
    assert client.describe_security_groups(GroupNames=["extra-0"])["SecurityGroups"]
    client.revoke_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379,
         "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    assert ec2_error(control, "revoke-security-group-ingress", "--group-id", sg,
                     "--protocol", "tcp", "--port", "6379", "--cidr", "10.0.0.0/8") == \
        "InvalidPermission.NotFound"
    for i in range(6):
        client.delete_security_group(GroupName=f"extra-{i}")
    assert ec2_error(control, "delete-security-group", "--group-name", "extra-0") == \
        "InvalidGroup.NotFound"

    # The groups are in the state store: a restarted control plane has them.
    assert control.stop() == 0
    control.start(port=control.port)
    again = ec2(control, "describe-security-groups")["SecurityGroups"]
    assert [g["GroupId"] for g in again] == [sg]
    assert [(p["FromPort"], p["ToPort"]) for p in again[0]["IpPermissions"]] == [(6000, 7000)]


def test_rules_reach_every_node_online(control):
    client = control.boto3_client()
    ec2_client = control.boto3_client("ec2")
    sg = ec2_client.create_security_group(GroupName="app", Description="app servers")["GroupId"]
    ec2_client.authorize_security_group_ingress(
        GroupId=sg, IpProtocol="tcp", FromPort=6379, ToPort=6379, CidrIp=f"{CLIENT_A}/32")
    client.create_replication_group(ReplicationGroupId="guarded", ReplicationGroupDescription="x",
                                    NumCacheClusters=2, SecurityGroupIds=[sg])
    nodes = client.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
    assert all(c["SecurityGroups"] == [{"SecurityGroupId": sg, "Status": "active"}]
               for c in nodes)
    addresses = [c["CacheNodes"][0]["Endpoint"]["Address"] for c in nodes]
    addresses = [socket.gethostbyname(a) for a in addresses]
    # The control plane reaches its nodes, and the replica its primary, whatever the rules say.
    assert connected_replicas(addresses[0], CLIENT_A) == 1
    for address in addresses:
        assert pong_from(CLIENT_A, address)
        assert not pong_from(CLIENT_B, address)
        assert not pong_from("127.0.0.1", address)  # this host's own source is not special
    # An admitted customer cannot widen its own access: the node's configuration and the
    # service's user are out of its reach.
    with RespClient(addresses[0], 6379, source=CLIENT_A) as c:
        for command in (("CONFIG", "SET", "network-allow", ""), ("CONFIG", "GET", "masterauth"),
                        ("ACL", "DELUSER", "redoubt-service"),
                        ("ACL", "SETUSER", "redoubt-service", "off")):
            reply = c.call(*command)
            assert reply[0] == "error" and reply[1].startswith("NOPERM"), (command, reply)

    # A rule added: every node admits the new source at once.
    ec2_client.authorize_security_group_ingress(
        GroupId=sg, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 6300, "ToPort": 6400,
                                    "IpRanges": [{"CidrIp": f"{CLIENT_B}/32"}]}])
    assert all(pong_from(CLIENT_B, a) for a in addresses)

    # A rule revoked: a client it admitted is closed, and refused when it comes back.
    held = raw_connection(6379, host=addresses[0], source=CLIENT_A)
    held.sendall(b"PING\r\n")
    assert held.recv(100) == b"+PONG\r\n"
    ec2_client.revoke_security_group_ingress(
        GroupId=sg, IpProtocol="tcp", FromPort=6379, ToPort=6379, CidrIp=f"{CLIENT_A}/32")
    _, closed = read_until_close(held, timeout=10)
    assert closed
    held.close()
    assert not any(pong_from(CLIENT_A, a) for a in addresses)
    assert connected_replicas(addresses[0], CLIENT_B) == 1  # the replica stayed linked

    # A security group in use is not deleted.
    with pytest.raises(ec2_client.exceptions.ClientError) as in_use:
        ec2_client.delete_security_group(GroupId=sg)
    assert in_use.value.response["Error"]["Code"] == "DependencyViolation"

    # A node restarted by the supervisor starts with the rules in its config.
    replica_id = nodes[1]["CacheClusterId"]
    pid_file = control.data / "nodes" / replica_id / "redoubt.pid"
    old_pid = int(pid_file.read_text())
    os.kill(old_pid, signal.SIGKILL)

    def restarted():
        try:
            return int(pid_file.read_text()) != old_pid and pong_from(CLIENT_B, addresses[1])
        except (OSError, ValueError):
            return False
    wait_for(restarted, "the replica to be restarted")
    assert not pong_from(CLIENT_A, addresses[1])

    # Another security group for the replication group: ModifyReplicationGroup applies it to
    # every node, and the first one may then go.
    open_sg = ec2_client.create_security_group(GroupName="anyone", Description="x")["GroupId"]
    ec2_client.authorize_security_group_ingress(GroupId=open_sg, IpProtocol="-1",
                                                CidrIp="0.0.0.0/0")
    modified = client.modify_replication_group(ReplicationGroupId="guarded",
                                               SecurityGroupIds=[open_sg], ApplyImmediately=True)
    assert modified["ReplicationGroup"]["Status"] == "modifying"
    assert wait_available(client, "guarded")[-1] == "available"
    assert all(pong_from(CLIENT_A, a) and pong_from(CLIENT_B, a) for a in addresses)
    ec2_client.delete_security_group(GroupId=sg)
    with pytest.raises(client.exceptions.ClientError) as unknown:
        client.modify_replication_group(ReplicationGroupId="guarded",
                                        SecurityGroupIds=["sg-00000000000000000"],
                                        ApplyImmediately=True)
    assert unknown.value.response["Error"]["Code"] == "InvalidParameterValue"
    messages = [e["Message"] for e in client.describe_events(
        SourceType="replication-group", SourceIdentifier="guarded")["Events"]]
    assert f"Security groups of replication group guarded are now {open_sg}" in messages
    assert sum(f"Rules of security group {sg} applied" in m for m in messages) == 2
    with pytest.raises(client.exceptions.ClientError) as missing:
        client.create_replication_group(ReplicationGroupId="other", ReplicationGroupDescription="x",
                                        NumCacheClusters=1, SecurityGroupIds=[sg])
    assert missing.value.response["Error"]["Code"] == "InvalidParameterValue"

    # A node an older control plane configured admits 127.0.0.1, where that one's calls came
    # from, and not the node range's network address: a restarted control plane sends it its
    # list again, from 127.0.0.1 when it must.
    legacy = " ".join(["127.0.0.1/32"] + [f"{a}/32" for a in addresses])
    # (Sent from 127.0.0.1, which the open group admits: a node refuses a list that would
    # exclude the connection that sends it.)
    assert control.service_client("guarded", addresses[1]).config_set("network-allow", legacy)
    assert not pong_from(CLIENT_B, addresses[1])
    assert control.stop() == 0
    control.start(port=control.port)
    allow = control.service_client("guarded", addresses[1]).config_get("network-allow")
    assert allow["network-allow"].split() == \
        ["127.0.22.0/32"] + [f"{a}/32" for a in addresses] + ["0.0.0.0/0"]
    assert pong_from(CLIENT_B, addresses[1])


def test_subnet_groups_place_the_nodes(tmp_path):
    plane = control_plane(tmp_path, "127.0.28.0/23")
    try:
        subnets = plane.aws_json("ec2", "describe-subnets")["Subnets"]
        assert [(s["SubnetId"], s["CidrBlock"], s["AvailableIpAddressCount"]) for s in subnets] \
            == [("subnet-7f001c00", "127.0.28.0/24", 254), ("subnet-7f001d00", "127.0.29.0/24", 254)]
        assert plane.aws_json("ec2", "describe-subnets", "--filters",
                              "Name=cidr-block,Values=127.0.29.*")["Subnets"][0]["SubnetId"] == \
            "subnet-7f001d00"
        created = plane.aws_json("elasticache", "create-cache-subnet-group",
                                 "--cache-subnet-group-name", "Upper", "--subnet-ids",
                                 "subnet-7f001d00", "--cache-subnet-group-description",
                                 "the upper /24")["CacheSubnetGroup"]
        assert created["CacheSubnetGroupName"] == "upper"  # kept in lowercase
        assert [s["SubnetIdentifier"] for s in created["Subnets"]] == ["subnet-7f001d00"]
        assert plane.aws_error("elasticache", "create-cache-subnet-group",
                               "--cache-subnet-group-name", "bad", "--subnet-ids",
                               "subnet-0badc0de", "--cache-subnet-group-description",
                               "x") == "InvalidSubnet"
        names = [g["CacheSubnetGroupName"] for g in plane.aws_json(
            "elasticache", "describe-cache-subnet-groups")["CacheSubnetGroups"]]
        assert names == ["default", "upper"]
        modified = plane.aws_json("elasticache", "modify-cache-subnet-group",
                                  "--cache-subnet-group-name", "upper",
                                  "--cache-subnet-group-description", "still the upper /24",
                                  "--subnet-ids", "subnet-7f001d00")["CacheSubnetGroup"]
        assert modified["CacheSubnetGroupDescription"] == "still the upper /24"
        assert plane.aws_error("elasticache", "modify-cache-subnet-group",
                               "--cache-subnet-group-name", "nope", "--subnet-ids",
                               "subnet-7f001d00") == "CacheSubnetGroupNotFoundFault"

        client = plane.boto3_client()
        client.create_replication_group(ReplicationGroupId="placed", ReplicationGroupDescription="x",
                                        NumCacheClusters=2, CacheSubnetGroupName="upper")
        client.create_replication_group(ReplicationGroupId="anywhere",
                                        ReplicationGroupDescription="x", NumCacheClusters=1)
        clusters = client.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
        where = {c["CacheClusterId"]: (c["CacheSubnetGroupName"],
                                       socket.gethostbyname(c["CacheNodes"][0]["Endpoint"]["Address"]))
                 for c in clusters}
        assert where == {"placed-001": ("upper", "127.0.29.1"), "placed-002": ("upper", "127.0.29.2"),
                         "anywhere-001": ("default", "127.0.28.1")}
        with pytest.raises(client.exceptions.CacheSubnetGroupInUse):
            client.delete_cache_subnet_group(CacheSubnetGroupName="upper")
        with pytest.raises(client.exceptions.CacheSubnetGroupNotFoundFault):
            client.create_replication_group(ReplicationGroupId="lost",
                                            ReplicationGroupDescription="x", NumCacheClusters=1,
                                            CacheSubnetGroupName="nowhere")
        client.delete_replication_group(ReplicationGroupId="placed")
        assert plane.aws("elasticache", "delete-cache-subnet-group", "--cache-subnet-group-name",
                         "upper").returncode == 0
        assert plane.aws_error("elasticache", "delete-cache-subnet-group",
                               "--cache-subnet-group-name", "upper") == "CacheSubnetGroupNotFoundFault"
        # Kept across a restart (the one left: default).
        assert plane.stop() == 0
        plane.start(port=plane.port)
        assert [g["CacheSubnetGroupName"] for g in plane.aws_json(
            "elasticache", "describe-cache-subnet-groups")["CacheSubnetGroups"]] == ["default"]
    finally:
        plane.stop_all()
