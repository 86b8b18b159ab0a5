# The control plane's endpoint (redoubt-control) as awscli and boto3 see it: Debian's
# /usr/bin/aws and boto3 reach it through `redoubt-control aws-env` alone (AWS_DATA_PATH,
# credentials file, region), SigV4 is checked on every request, and every refusal is an AWS
# error envelope that the clients turn into the right error code. Also the daemon's own
# behaviour: a second one on the same address fails to start, SIGTERM stops it cleanly.
import json
import os
import signal
import subprocess

import pytest

from support.control_plane import AWS, control_fixture


# This file creates no group: its node block is never used, but is its own (127.0.17.x).
control = control_fixture("127.0.17.0/24")


def test_aws_env_names_the_files_the_first_start_wrote(control):
    env = control.env
    assert env["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{control.port}"
    creds = control.data / "credentials"
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == str(creds)
    assert oct(creds.stat().st_mode & 0o777) == "0o600"
    text = creds.read_text()
    assert text.startswith("[default]\naws_access_key_id = AKIA")
    model = control.data / "aws-data" / "elasticache" / "2015-02-02"
    assert env["AWS_DATA_PATH"] == str(control.data / "aws-data")
    rules = json.loads((model / "endpoint-rule-set-1.json").read_text())
    assert rules["rules"][-1]["endpoint"]["url"] == env["AWS_ENDPOINT_URL"]
    # awscli's waiters, polling every second against this endpoint.
    waiter = json.loads((model / "waiters-2.json").read_text())["waiters"][
        "ReplicationGroupAvailable"]
    assert (waiter["delay"], waiter["maxAttempts"]) == (1, 600)
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["SSL_CERT_FILE"] == str(control.data / "ca" / "ca.crt")
    assert open(env["SSL_CERT_FILE"]).read().startswith("-----BEGIN CERTIFICATE-----")


def test_an_unmodified_boto3_script_reaches_it_through_the_environment(control):
    """A script that names no endpoint, credentials or model, as the seeds' scripts are: the
    variables aws-env prints are all it needs, for ElastiCache (with TransitEncryptionMode in
    its model) and EC2."""
    script = (
        "import boto3\n"
        "ec = boto3.client('elasticache')\n"
        "print(sorted(g['CacheParameterGroupName'] for g in "
        "ec.describe_cache_parameter_groups()['CacheParameterGroups']))\n"
        "print('TransitEncryptionMode' in ec.meta.service_model.operation_model("
        "'ModifyReplicationGroup').input_shape.members)\n"
        "print(boto3.client('ec2').describe_security_groups()['SecurityGroups'])\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(control.env)
    run = subprocess.run(["/usr/bin/python3", "-c", script], env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    # (The client's meta.endpoint_url still shows AWS's: the rule set picks the endpoint per
    # request.)
    assert run.stdout.splitlines() == [
        "['default.redis7', 'default.redis7.cluster.on']", "True", "[]"]


@pytest.mark.skipif(not os.path.exists(AWS), reason="Debian's awscli is not installed")
def test_awscli_reads_the_default_parameter_groups_and_gets_aws_errors(control):
    r = control.aws("elasticache", "describe-cache-parameter-groups", "--output", "json")
    assert r.returncode == 0, r.stderr
    groups = json.loads(r.stdout)["CacheParameterGroups"]
    assert [g["CacheParameterGroupName"] for g in groups] == [
        "default.redis7", "default.redis7.cluster.on"]
    assert groups[1]["ARN"] == ("arn:aws:elasticache:us-east-1:000000000000:parametergroup:"
                                "default.redis7.cluster.on")
    r = control.aws("elasticache", "describe-cache-parameter-groups",
            "--cache-parameter-group-name", "nope")
    assert r.returncode == 254
    assert "(CacheParameterGroupNotFound)" in r.stderr
    # A wrong secret for the right key, and a key the control plane never issued.
    key = control.data.joinpath("credentials").read_text().split("aws_access_key_id = ")[1]
    key = key.split()[0]
    for wrong, code in ((("AWS_ACCESS_KEY_ID", key), ("AWS_SECRET_ACCESS_KEY", "x" * 40)),
                         "SignatureDoesNotMatch"), (((
                             "AWS_ACCESS_KEY_ID", "AKIAUNKNOWNUNKNOWN00"),
                             ("AWS_SECRET_ACCESS_KEY", "x" * 40)), "InvalidClientTokenId"):
        control.env.update(dict(wrong))
        r = control.aws("elasticache", "describe-cache-parameter-groups")
        assert r.returncode == 254 and f"({code})" in r.stderr, r.stderr
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        del control.env[name]


def test_boto3_raises_the_modelled_exception(control):
    client = control.boto3_client()
    groups = client.describe_cache_parameter_groups()["CacheParameterGroups"]
    assert len(groups) == 2
    one = client.describe_cache_parameter_groups(CacheParameterGroupName="default.redis7")
    assert [g["CacheParameterGroupFamily"] for g in one["CacheParameterGroups"]] == ["redis7"]
    with pytest.raises(client.exceptions.CacheParameterGroupNotFoundFault) as e:
        client.describe_cache_parameter_groups(CacheParameterGroupName="nope")
    assert e.value.response["Error"]["Type"] == "Sender"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    bad = control.boto3_client(key="AKIAUNKNOWNUNKNOWN00", secret="x" * 40)
    with pytest.raises(Exception) as e:
        bad.describe_cache_parameter_groups()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_bad_requests_get_error_envelopes_and_change_nothing(control):
    status, body = control.raw_post("Action=DescribeCacheParameterGroups&Version=2015-02-02")
    assert status == 403 and "<Code>MissingAuthenticationToken</Code>" in body
    status, body = control.raw_post("x", {"Authorization": "AWS4-HMAC-SHA256 nonsense"})
    assert status == 400 and "<Code>IncompleteSignature</Code>" in body
    # Bodies of 2 and 10 MB are refused in the same envelope.
    for size in (2 << 20, 10 << 20):
        status, body = control.raw_post("Action=" + "x" * size)
        assert status == 413 and "<Code>RequestEntityTooLarge</Code>" in body
        assert "<ErrorResponse" in body
    # The endpoint still answers properly afterwards.
    assert control.boto3_client().describe_cache_parameter_groups()["CacheParameterGroups"]


def signed_headers(control, body, service="elasticache", secret=None, at=None):
    """SigV4 headers for body as botocore signs them, with the control plane's key (and
    another secret, or another time, when given)."""
    import datetime

    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    creds = control.boto3_client()._request_signer._credentials
    if secret:
        creds = Credentials(creds.access_key, secret)
    req = AWSRequest(method="POST", url=f"http://127.0.0.1:{control.port}/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    real = botocore.auth.datetime
    if at is not None:
        class Then(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return at
        botocore.auth.datetime = type("Clock", (), {"datetime": Then})
    try:
        botocore.auth.SigV4Auth(creds, service, "us-east-1").add_auth(req)
    finally:
        botocore.auth.datetime = real
    return dict(req.headers.items())


def test_refused_changes_change_nothing(control):
    """A change that is unsigned, signed with a wrong secret, 20 minutes off either way, or for
    another service is refused with AWS's code and leaves nothing behind."""
    import datetime
    create = ("Action=CreateUser&Version=2015-02-02&UserId=refused&UserName=refused"
              "&Engine=redis&AccessString=on+~*+%2B%40all&NoPasswordRequired=true")
    now = datetime.datetime.utcnow()
    for headers, status, code in (
            ({}, 403, "MissingAuthenticationToken"),
            (signed_headers(control, create, secret="x" * 40), 403, "SignatureDoesNotMatch"),
            (signed_headers(control, create, at=now - datetime.timedelta(minutes=20)), 403,
             "SignatureDoesNotMatch"),
            (signed_headers(control, create, at=now + datetime.timedelta(minutes=20)), 403,
             "SignatureDoesNotMatch"),
            # Signed for another service than the one that has the action.
            (signed_headers(control, create, service="ec2"), 400, "InvalidAction")):
        got, text = control.raw_post(create, headers)
        assert got == status and f"<Code>{code}</Code>" in text, (code, text)
    client = control.boto3_client()
    assert [u["UserId"] for u in client.describe_users()["Users"]] == ["default"]
    # The same request, signed now, is taken: the refusals were the signature's.
    got, text = control.raw_post(create, signed_headers(control, create))
    assert got == 200, text
    assert sorted(u["UserId"] for u in client.describe_users()["Users"]) == ["default", "refused"]


def test_unknown_action_and_missing_version(control):
    # Signed as botocore signs: an action the endpoint does not know yet is refused with
    # InvalidAction after the signature is found good.
    for body, code in (("Action=NoSuchAction&Version=2015-02-02", "InvalidAction"),
                       ("Action=DescribeCacheParameterGroups", "MissingParameter")):
        status, text = control.raw_post(body, signed_headers(control, body))
        assert status == 400 and f"<Code>{code}</Code>" in text, text


def test_a_second_daemon_on_the_same_address_fails_and_sigterm_stops_cleanly(control, tmp_path):
    r = subprocess.run([str(control.binary), "--data-dir", str(tmp_path / "second"),
                        "--listen", f"127.0.0.1:{control.port}"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 1 and "cannot listen" in r.stderr
    control.proc.send_signal(signal.SIGTERM)
    assert control.proc.wait(timeout=30) == 0


def test_secrets_manager_speaks_json_to_awscli_and_boto3(control):
    """Secrets Manager's JSON 1.1 protocol, routed by the signature's service and X-Amz-Target:
    GetRandomPassword through awscli and boto3, its refusals as the modelled exception."""
    r = control.aws("secretsmanager", "get-random-password", "--password-length", "40",
                    "--exclude-punctuation", "--output", "json")
    assert r.returncode == 0, r.stderr
    password = json.loads(r.stdout)["RandomPassword"]
    assert len(password) == 40 and password.isalnum()
    r = control.aws("secretsmanager", "get-random-password", "--password-length", "2")
    assert r.returncode == 254 and "(InvalidParameterException)" in r.stderr
    client = control.boto3_client("secretsmanager")
    spaced = client.get_random_password(PasswordLength=30, IncludeSpace=True,
                                        ExcludeCharacters="abc")["RandomPassword"]
    assert len(spaced) == 30 and " " in spaced and not set("abc") & set(spaced)
    with pytest.raises(client.exceptions.InvalidParameterException):
        client.get_random_password(ExcludeLowercase=True, ExcludeUppercase=True,
                                   ExcludeNumbers=True, ExcludePunctuation=True)
    # A wrong signature gets the JSON protocol's error body.
    bad = control.boto3_client("secretsmanager", key="AKIAWRONG", secret="nope")
    with pytest.raises(bad.exceptions.ClientError) as e:
        bad.get_random_password()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_names_over_the_limits_are_refused(control):
    """Each kind of name one character over its limit: the service's error, nothing made."""
    client = control.boto3_client()
    ec2 = control.boto3_client("ec2")
    long_id = "a" * 41  # ElastiCache's ids: 1 to 40 characters
    refusals = (
        (lambda: client.create_user(UserId=long_id, UserName="u", Engine="redis",
                                    AccessString="on ~* +@all", NoPasswordRequired=True),
         "InvalidParameterValue"),
        (lambda: client.create_user_group(UserGroupId=long_id, Engine="redis"),
         "InvalidParameterValue"),
        (lambda: client.create_replication_group(ReplicationGroupId=long_id,
                                                 ReplicationGroupDescription="x",
                                                 NumCacheClusters=1),
         "InvalidParameterValue"),
        (lambda: client.create_cache_subnet_group(CacheSubnetGroupName="s" * 256,
                                                  CacheSubnetGroupDescription="x",
                                                  SubnetIds=["subnet-7f001100"]),
         "InvalidParameterValue"),
        (lambda: ec2.create_security_group(GroupName="g" * 256, Description="x"),
         "InvalidParameterValue"),
    )
    for call, code in refusals:
        with pytest.raises(client.exceptions.ClientError) as e:
            call()
        assert e.value.response["Error"]["Code"] == code
    assert [u["UserId"] for u in client.describe_users()["Users"]] == ["default"]
    assert client.describe_user_groups()["UserGroups"] == []
    assert client.describe_replication_groups()["ReplicationGroups"] == []
    assert [g["CacheSubnetGroupName"] for g in
            client.describe_cache_subnet_groups()["CacheSubnetGroups"]] == ["default"]
    assert ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["g" * 256]}])[
        "SecurityGroups"] == []
    # At the limit, each is taken.
    client.create_user(UserId="a" * 40, UserName="u", Engine="redis",
                       AccessString="on ~* +@all", NoPasswordRequired=True)
    client.create_cache_subnet_group(CacheSubnetGroupName="s" * 255,
                                     CacheSubnetGroupDescription="x",
                                     SubnetIds=["subnet-7f001100"])
    ec2.create_security_group(GroupName="g" * 255, Description="x")
    # boto3's tag calls and DeleteUser on the user just made.
    arn = client.describe_users(UserId="a" * 40)["Users"][0]["ARN"]
    assert client.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "team", "Value": "x"}])[
        "TagList"] == [{"Key": "team", "Value": "x"}]
    assert client.list_tags_for_resource(ResourceName=arn)["TagList"] == \
        [{"Key": "team", "Value": "x"}]
    client.delete_user(UserId="a" * 40)
    with pytest.raises(client.exceptions.UserNotFoundFault):
        client.describe_users(UserId="a" * 40)


def test_describe_pages_with_marker(control):
    """MaxRecords (20 to 100) and Marker: the pages together are the one-page answer, in the
    same order; awscli follows the markers by itself."""
    client = control.boto3_client()
    for i in range(24):
        client.create_user(UserId=f"user-{i:02d}", UserName=f"user-{i:02d}", Engine="redis",
                           AccessString="on ~* +get", NoPasswordRequired=True)
    whole = client.describe_users(MaxRecords=100)
    assert "Marker" not in whole and len(whole["Users"]) == 25  # and the default user
    pages, marker = [], None
    while True:
        page = client.describe_users(MaxRecords=20, **({"Marker": marker} if marker else {}))
        pages.append(page["Users"])
        marker = page.get("Marker")
        if not marker:
            break
    assert [len(p) for p in pages] == [20, 5]
    assert pages[0] + pages[1] == whole["Users"]
    listed = control.aws_json("elasticache", "describe-users", "--page-size", "20")["Users"]
    assert [u["UserId"] for u in listed] == [u["UserId"] for u in whole["Users"]]
    for bad in (19, 101):
        with pytest.raises(client.exceptions.ClientError) as e:
            client.describe_users(MaxRecords=bad)
        assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
