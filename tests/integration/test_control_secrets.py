# Secrets Manager through the control plane, as awscli and boto3 drive it (the JSON 1.1
# protocol, X-Amz-Target secretsmanager.*): secrets and their versions, the staging labels
# moved as the service moves them, ClientRequestToken idempotency, scheduled deletion and
# restore, tags, ListSecrets' filters and pages, and the service's errors. Values are sealed at
# rest (AES-256-GCM under the data folder's secrets.key): neither the state store nor the log
# holds one, and a restarted control plane, or one whose key was rotated, reads them back.
import json
import os
import sqlite3
import subprocess
from datetime import datetime, timezone

import pytest

from support.control_plane import AWS, control_fixture

NODE_BLOCK = "127.0.30.0/24"  # no node is started here

pytestmark = pytest.mark.redoubt_timeout(300)

control = control_fixture(NODE_BLOCK)

PASSWORD = "s3cret-Value-that-must-not-leak-0001"


def sm(control, *args):
    return control.aws_json("secretsmanager", *args)


def sm_error(control, *args):
    return control.aws_error("secretsmanager", *args)


@pytest.mark.skipif(not os.path.exists(AWS), reason="Debian's awscli is not installed")
def test_secrets_through_awscli(control):
    value = json.dumps({"username": "app", "password": PASSWORD, "host": "orders", "port": 6379,
                        "ssl": True})
    created = sm(control, "create-secret", "--name", "prod/orders/app", "--description",
                 "the app user", "--secret-string", value, "--tags", "Key=team,Value=sre")
    arn, first = created["ARN"], created["VersionId"]
    assert arn.startswith("arn:aws:secretsmanager:us-east-1:") and ":secret:prod/orders/app-" in arn
    got = sm(control, "get-secret-value", "--secret-id", "prod/orders/app")
    assert json.loads(got["SecretString"])["password"] == PASSWORD
    assert got["VersionStages"] == ["AWSCURRENT"] and got["VersionId"] == first
    assert sm_error(control, "create-secret", "--name", "prod/orders/app", "--secret-string",
                    "x") == "ResourceExistsException"
    assert sm_error(control, "get-secret-value", "--secret-id", "nope") == \
        "ResourceNotFoundException"

    second = sm(control, "put-secret-value", "--secret-id", arn, "--secret-string",
                value.replace(PASSWORD, "next-password-0002"))
    assert second["VersionStages"] == ["AWSCURRENT"]
    described = sm(control, "describe-secret", "--secret-id", arn)
    assert described["VersionIdsToStages"] == {first: ["AWSPREVIOUS"],
                                               second["VersionId"]: ["AWSCURRENT"]}
    assert described["Description"] == "the app user"
    assert described["Tags"] == [{"Key": "team", "Value": "sre"}]
    sm(control, "tag-resource", "--secret-id", arn, "--tags", "Key=tier,Value=cache")
    sm(control, "untag-resource", "--secret-id", arn, "--tag-keys", "team")
    assert sm(control, "describe-secret", "--secret-id", arn)["Tags"] == [
        {"Key": "tier", "Value": "cache"}]
    assert sm_error(control, "tag-resource", "--secret-id", "nope", "--tags",
                    "Key=a,Value=b") == "ResourceNotFoundException"
    # UpdateSecret without a value changes the description only: no new version.
    updated = sm(control, "update-secret", "--secret-id", arn, "--description", "the app user!")
    assert updated["ARN"] == arn and "VersionId" not in updated
    assert sm(control, "describe-secret", "--secret-id", arn)["Description"] == "the app user!"
    assert sm_error(control, "update-secret", "--secret-id", arn, "--secret-string", "x",
                    "--secret-binary", "eA==") == "InvalidParameterException"
    assert "LastAccessedDate" in described and described["RotationEnabled"] is False
    previous = sm(control, "get-secret-value", "--secret-id", arn, "--version-stage",
                  "AWSPREVIOUS")
    assert previous["VersionId"] == first
    versions = sm(control, "list-secret-version-ids", "--secret-id", arn)["Versions"]
    assert [v["VersionId"] for v in versions] == [second["VersionId"], first]

    # UpdateSecretVersionStage: AWSCURRENT back to the first version, naming its holder.
    assert sm_error(control, "update-secret-version-stage", "--secret-id", arn,
                    "--version-stage", "AWSCURRENT", "--move-to-version-id",
                    first) == "InvalidParameterException"
    sm(control, "update-secret-version-stage", "--secret-id", arn, "--version-stage",
       "AWSCURRENT", "--move-to-version-id", first, "--remove-from-version-id",
       second["VersionId"])
    assert json.loads(sm(control, "get-secret-value", "--secret-id", arn)["SecretString"])[
        "password"] == PASSWORD

    # Deletion: scheduled (the secret refuses reads, ListSecrets hides it), restored, forced.
    assert sm_error(control, "delete-secret", "--secret-id", arn, "--recovery-window-in-days",
                    "7", "--force-delete-without-recovery") == "InvalidParameterException"
    deleted = sm(control, "delete-secret", "--secret-id", arn, "--recovery-window-in-days", "7")
    assert deleted["DeletionDate"]
    assert sm_error(control, "get-secret-value", "--secret-id", arn) == "InvalidRequestException"
    assert sm(control, "list-secrets")["SecretList"] == []
    assert len(sm(control, "list-secrets", "--include-planned-deletion")["SecretList"]) == 1
    sm(control, "restore-secret", "--secret-id", arn)
    assert sm(control, "get-secret-value", "--secret-id", arn)["VersionId"] == first
    sm(control, "delete-secret", "--secret-id", arn, "--force-delete-without-recovery")
    assert sm_error(control, "describe-secret", "--secret-id", arn) == \
        "ResourceNotFoundException"


def test_secrets_through_boto3_sealed_at_rest(control):
    client = control.boto3_client("secretsmanager")
    client.create_secret(Name="binary", SecretBinary=b"\x00\x01raw-bytes\xff")
    assert client.get_secret_value(SecretId="binary")["SecretBinary"] == b"\x00\x01raw-bytes\xff"
    arn = client.create_secret(Name="token", SecretString=PASSWORD,
                               Tags=[{"Key": "env", "Value": "prod"}])["ARN"]
    # The same PutSecretValue again changes nothing; the same token with another value is
    # refused.
    token = "11111111-2222-4333-8444-555555555555"
    put = client.put_secret_value(SecretId=arn, SecretString="rotated-value-0003",
                                  ClientRequestToken=token)
    again = client.put_secret_value(SecretId=arn, SecretString="rotated-value-0003",
                                    ClientRequestToken=token)
    assert again["VersionId"] == put["VersionId"] == token
    with pytest.raises(client.exceptions.ResourceExistsException):
        client.put_secret_value(SecretId=arn, SecretString="else", ClientRequestToken=token)
    assert len(client.list_secret_version_ids(SecretId=arn)["Versions"]) == 2
    # A version of our own label only: AWSCURRENT stays.
    client.put_secret_value(SecretId=arn, SecretString="pending-0004",
                            VersionStages=["AWSPENDING"])
    assert client.get_secret_value(SecretId=arn)["SecretString"] == "rotated-value-0003"
    assert client.get_secret_value(SecretId=arn, VersionStage="AWSPENDING")[
        "SecretString"] == "pending-0004"
    updated = client.update_secret(SecretId=arn, Description="now described",
                                   SecretString="updated-0005")
    assert client.get_secret_value(SecretId=arn)["VersionId"] == updated["VersionId"]
    # AWSPENDING moved by hand, then removed; a stage is on one version at a time.
    client.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING",
                                       MoveToVersionId=updated["VersionId"],
                                       RemoveFromVersionId=client.get_secret_value(
                                           SecretId=arn, VersionStage="AWSPENDING")["VersionId"])
    stages = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
    assert sorted(stages[updated["VersionId"]]) == ["AWSCURRENT", "AWSPENDING"]
    client.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING",
                                       RemoveFromVersionId=updated["VersionId"])
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_secret_value(SecretId=arn, VersionStage="AWSPENDING")
    with pytest.raises(client.exceptions.InvalidParameterException):
        client.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT",
                                           MoveToVersionId="no-such-version-0000000000000000")

    # Tags, and ListSecrets' filters, order and pages.
    client.tag_resource(SecretId=arn, Tags=[{"Key": "owner", "Value": "sre"}])
    client.untag_resource(SecretId=arn, TagKeys=["env"])
    assert client.describe_secret(SecretId=arn)["Tags"] == [{"Key": "owner", "Value": "sre"}]
    for i in range(5):
        client.create_secret(Name=f"bulk/{i}", SecretString="x")
    names = [s["Name"] for s in client.list_secrets(
        Filters=[{"Key": "name", "Values": ["bulk/"]}])["SecretList"]]
    assert names == [f"bulk/{i}" for i in range(5)]
    assert [s["Name"] for s in client.list_secrets(
        Filters=[{"Key": "tag-key", "Values": ["owner"]}])["SecretList"]] == ["token"]
    paginator = client.get_paginator("list_secrets")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 2}))
    assert len(pages) == 4 and sum(len(p["SecretList"]) for p in pages) == 7
    assert client.list_secrets(SortOrder="desc")["SecretList"][0]["Name"] == "bulk/4"
    with pytest.raises(client.exceptions.InvalidParameterException):
        client.list_secrets(Filters=[{"Key": "nonsense", "Values": ["x"]}])

    # Nothing in the clear at rest or in the log; a restart, and a rotated key, read it back.
    at_rest = b"".join(p.read_bytes() for p in control.data.glob("state.db*"))  # and its WAL
    assert b"now described" in at_rest  # what is not secret is there: the files are the live ones
    assert PASSWORD.encode() not in at_rest and b"rotated-value-0003" not in at_rest
    assert PASSWORD not in control.log_text()
    assert (control.data / "secrets.key").stat().st_mode & 0o777 == 0o600
    assert control.stop() == 0
    out = subprocess.run([str(control.binary), "new-secret-key", "--data-dir", str(control.data)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "key k2 added" in out.stdout, out
    control.start(port=control.port)
    client = control.boto3_client("secretsmanager")
    assert client.get_secret_value(SecretId="token", VersionStage="AWSPREVIOUS")[
        "SecretString"] == "rotated-value-0003"
    assert client.get_secret_value(SecretId="binary")["SecretBinary"] == b"\x00\x01raw-bytes\xff"
    with sqlite3.connect(f"file:{control.data / 'state.db'}?mode=ro", uri=True) as db:
        records = [r for (r,) in db.execute("SELECT record FROM resources WHERE kind = 'secret'")]
    assert len(records) == 7 and all('"k1:' not in r and '"k2:' in r for r in records)

    # Deletion through boto3: scheduled, refused reads, restored; forced; a second delete of a
    # scheduled one is refused.
    deleted = client.delete_secret(SecretId="binary", RecoveryWindowInDays=7)
    assert deleted["DeletionDate"] > datetime.now(timezone.utc)
    with pytest.raises(client.exceptions.InvalidRequestException):
        client.get_secret_value(SecretId="binary")
    with pytest.raises(client.exceptions.InvalidRequestException):
        client.delete_secret(SecretId="binary", RecoveryWindowInDays=7)
    client.restore_secret(SecretId="binary")
    assert client.get_secret_value(SecretId="binary")["SecretBinary"] == b"\x00\x01raw-bytes\xff"
    with pytest.raises(client.exceptions.InvalidParameterException):
        client.delete_secret(SecretId="binary", RecoveryWindowInDays=3)  # 7 to 30
    client.delete_secret(SecretId="binary", ForceDeleteWithoutRecovery=True)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_secret(SecretId="binary")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.restore_secret(SecretId="binary")
