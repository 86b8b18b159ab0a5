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
    rules = json.loads((control.data / "aws-data" / "elasticache" / "2015-02-02" /
                        "endpoint-rule-set-1.json").read_text())
    assert rules["rules"][-1]["endpoint"]["url"] == env["AWS_ENDPOINT_URL"]


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
    # A 2 MB body is refused unread, in the same envelope.
    status, body = control.raw_post("Action=" + "x" * (2 << 20))
    assert status == 413 and "<Code>RequestEntityTooLarge</Code>" in body
    assert "<ErrorResponse" in body
    # The endpoint still answers properly afterwards.
    assert control.boto3_client().describe_cache_parameter_groups()["CacheParameterGroups"]


def test_unknown_action_and_missing_version(control):
    client = control.boto3_client()
    # botocore signs whatever it sends: an action the endpoint does not know yet is refused
    # with InvalidAction after the signature is found good.
    request_body = "Action=NoSuchAction&Version=2015-02-02"
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    url = f"http://127.0.0.1:{control.port}/"
    for body, code in ((request_body, "InvalidAction"),
                       ("Action=DescribeCacheParameterGroups", "MissingParameter")):
        req = AWSRequest(method="POST", url=url, data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        SigV4Auth(client._request_signer._credentials, "elasticache", "us-east-1").add_auth(req)
        status, text = control.raw_post(body, dict(req.headers.items()))
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
