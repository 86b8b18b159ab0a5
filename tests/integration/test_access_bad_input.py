# Bad input to access control: malformed ACL rules (refused naming the rule, the user left
# exactly as it was), AUTH/HELLO AUTH for unknown users (WRONGPASS, an ACL LOG entry, an audit
# auth failure), hostile user names (quotes, newlines, control bytes, invalid UTF-8, 100 KB)
# that must stay one well-formed audit line, a 1 MB password, client certificates that must
# not get in (another CA, an impostor CA with our CA's name, expired, not yet valid), a CRL of
# the wrong issuer, network-allow rules that do not parse, and a brute-force run of 4,200 wrong
# passwords (2,000 on one connection, 2,000 on reconnecting ones, 200 user names): each
# answered WRONGPASS, grouped in ACL LOG (never longer than acllog-max-len), counted in INFO
# auth and in the audit log (or its drop counter), no password ever written, while a bystander
# logged in as another user keeps being answered.
import datetime
import json
import threading
import time

import pytest
import redis

from support.audit_log import matching, read_records, wait_records
from support.resp_client import RespClient, encode_command, expect, unwrap
from support.sockets import raw_connection, read_line
from support.tls_helpers import (issue, client_context, info_fields, info_ssl,
                                 mtls_client, tls_args, tls_refusal)
from support.tools import REDIS_CLI, run_tool, wait_until

PASSWORD = "Bad-Input-Admin-Pw"
APP_PASSWORD = "Bad-Input-App-Pw"
UNAUTH_BULK = "ERR Protocol error: unauthenticated bulk length"
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
_DAY = datetime.timedelta(days=1)


@pytest.fixture
def secured(start, tmp_path):
    """requirepass, an audit log, user app; returns (server, admin RespClient, log path)."""
    log = str(tmp_path / "audit.log")
    server = start(["--requirepass", PASSWORD, "--audit-log-file", log])
    admin = RespClient(port=server.port)
    expect(admin, ("AUTH", PASSWORD), ("simple", "OK"))
    expect(admin, ("ACL", "SETUSER", "app", "on", ">" + APP_PASSWORD, "~app:*", "+get",
                   "+set"), ("simple", "OK"))
    yield server, admin, log
    admin.close()


def auth_failures(admin):
    return int(info_fields(admin, "auth")["auth_failures"])


def acl_log(admin, count=None):
    """ACL LOG as a list of dicts."""
    args = ("ACL", "LOG") + ((str(count),) if count is not None else ())
    return [dict(zip(e[::2], e[1::2])) for e in unwrap(admin.call(*args))]


# ----- ACL rules -------------------------------------------------------------------------------

@pytest.mark.parametrize("rule", [
    "+nosuchcommand", "+@nosuchcategory", "-@", "%X~key", "%~key", "#abc",
    "#" + "g" * 64, "<not-a-password-of-app", "allkeys extra", "nopass,", "(~x +get",
    "+get|",
])
def test_malformed_acl_rule_leaves_the_user_unchanged(secured, rule):
    server, admin, _ = secured
    before = unwrap(admin.call("ACL", "GETUSER", "app"))
    # A valid change and the bad rule in one command: all or nothing.
    reply = admin.call("ACL", "SETUSER", "app", ">new-app-pw", "~other:*", rule)
    assert reply[0] == "error" and f"'{rule}'" in reply[1], reply
    assert unwrap(admin.call("ACL", "GETUSER", "app")) == before
    with RespClient(port=server.port) as c:
        expect(c, ("AUTH", "app", "new-app-pw"), ("error", WRONGPASS))
        expect(c, ("AUTH", "app", APP_PASSWORD), ("simple", "OK"))
    expect(admin, ("ACL", "WHOAMI"), ("bulk", b"default"))


@pytest.mark.parametrize("name", ["has space", "nul\x00inside"])
def test_user_name_that_is_not_allowed(secured, name):
    _, admin, _ = secured
    users = unwrap(admin.call("ACL", "USERS"))
    reply = admin.call("ACL", "SETUSER", name, "on", ">pw")
    assert reply == ("error", "ERR Usernames can't contain spaces or null characters"), reply
    assert unwrap(admin.call("ACL", "USERS")) == users


# ----- unknown users, hostile names, huge passwords ---------------------------------------------

def test_unknown_user_is_refused_logged_and_audited(secured):
    server, admin, log = secured
    failures = auth_failures(admin)
    expect(admin, ("ACL", "LOG", "RESET"), ("simple", "OK"))
    with RespClient(port=server.port) as c:
        expect(c, ("AUTH", "nobody", "whatever-1"), ("error", WRONGPASS))
        assert c.call("HELLO", "3", "AUTH", "nobody", "whatever-2") == ("error", WRONGPASS)
        cid_port = c.sock.getsockname()[1]
        expect(c, ("GET", "k"), ("error", "NOAUTH Authentication required."))
    r = run_tool([REDIS_CLI, "-p", str(server.port), "--user", "nobody", "--pass", "whatever-3",
                  "--no-auth-warning", "PING"], timeout=20)
    assert "WRONGPASS" in r.stderr + r.stdout, (r.stdout, r.stderr)
    py = redis.Redis(port=server.port, username="nobody", password="whatever-4",
                     socket_timeout=5)
    with pytest.raises((redis.exceptions.AuthenticationError, redis.exceptions.ResponseError),
                       match="WRONGPASS"):
        py.ping()
    py.close()

    assert auth_failures(admin) - failures >= 4
    # One entry per command (AUTH: ours, redis-cli's, redis-py's; HELLO), as Redis groups them.
    entries = {e[b"object"]: e for e in acl_log(admin)}
    assert set(entries) == {b"AUTH", b"HELLO"}, entries
    for entry in entries.values():
        assert (entry[b"reason"], entry[b"context"], entry[b"username"]) == (
            b"auth", b"toplevel", b"nobody"), entry
    assert entries[b"AUTH"][b"count"] >= 3 and entries[b"HELLO"][b"count"] == 1, entries
    found = wait_records(log, 4, event="auth", user="nobody")
    assert len(found) >= 4 and all(r["result"] == "failure" for r in found), found
    assert {r["method"] for r in found} == {"auth", "hello"}, found
    assert any(r["source_port"] == cid_port for r in found), found
    data = open(log, "rb").read()
    assert b"whatever-" not in data


def test_hostile_user_names_stay_one_audit_line_each(secured):
    server, admin, log = secured
    names = [b'evil"\n{"event":"auth","result":"success","user":"default"}',
             b"back\\slash", b"ctl\x01\x1b[31m\x7f", b"\xff\xfe-not-utf8", b"tab\tcr\r",
             # The largest a client may send before it authenticates (Redis's 16 KiB bulk
             # limit); larger is a protocol error (tests/integration/test_abuse.py).
             b"n" * 16_000]
    with RespClient(port=server.port) as c:
        for n in names:
            expect(c, ("AUTH", n, "pw"), ("error", WRONGPASS))
        cid = unwrap(c.call("HELLO", "2", "AUTH", "default", PASSWORD))[7]
    found = wait_records(log, len(names), event="auth", client_id=cid, result="failure")
    assert len(found) == len(names), found
    for name, rec in zip(names[:3] + names[4:5], found[:3] + found[4:5]):
        assert rec["user"] == name.decode(), rec      # escaped in JSON, decoded back intact
    assert found[3]["user"].endswith("-not-utf8"), found[3]   # invalid bytes replaced
    assert 0 < len(found[5]["user"]) <= 4096, len(found[5]["user"])  # bounded, not 100 KB
    # Nobody forged a success: the injected text stayed inside a string.
    admin_id = admin.call("CLIENT", "ID")[1]
    # The writer thread may not have reached the HELLO's success record yet.
    wait_records(log, 1, event="auth", client_id=cid, result="success")
    successes = matching(read_records(log), event="auth", result="success")
    assert {r["client_id"] for r in successes} == {admin_id, cid}, successes
    for line in open(log, "rb").read().split(b"\n")[:-1]:
        assert len(line) < 16384, line[:200]
        json.loads(line)


def test_one_megabyte_password(secured):
    server, admin, log = secured
    huge = "p" * (1 << 20)
    # Before AUTH, Redis's limits refuse a bulk over 16 KiB at its length and close.
    with RespClient(port=server.port) as c:
        c.send_raw(b"*3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$1048576\r\n")  # the body would follow
        assert c.read_reply() == ("error", UNAUTH_BULK)
        assert c.is_closed(timeout=3)
    py = redis.Redis(port=server.port, username="app", password=huge, socket_timeout=10)
    with pytest.raises(redis.exceptions.RedisError):
        py.ping()
    py.close()
    # Once authenticated the limits are gone: a huge password is just a wrong one.
    with RespClient(port=server.port) as c:
        expect(c, ("AUTH", "app", APP_PASSWORD), ("simple", "OK"))
        expect(c, ("AUTH", "app", huge), ("error", WRONGPASS))
        expect(c, ("AUTH", huge), ("error", WRONGPASS))
        assert c.call("HELLO", "3", "AUTH", "app", huge) == ("error", WRONGPASS)
        expect(c, ("SET", "app:k", "v"), ("simple", "OK"), "still app after failed AUTHs")
    # An ACL rule carrying it: accepted as a password like any other, and usable from a
    # connection that may send it.
    expect(admin, ("ACL", "SETUSER", "big", "on", ">" + huge, "+ping"), ("simple", "OK"))
    with RespClient(port=server.port) as c:
        expect(c, ("AUTH", "app", APP_PASSWORD), ("simple", "OK"))
        expect(c, ("AUTH", "big", huge), ("simple", "OK"))
        expect(c, ("PING",), ("simple", "PONG"))
    assert len(wait_records(log, 2, event="auth", user="app", result="failure")) >= 2
    assert wait_records(log, 1, event="auth", user="default", result="failure")
    assert b"p" * 1000 not in open(log, "rb").read()
    expect(admin, ("PING",), ("simple", "PONG"))
    assert server.alive()


# ----- certificates, CRLs, network-allow ----------------------------------------------------------

@pytest.mark.parametrize("problem", ["other_ca", "impostor_ca", "expired", "not_yet_valid"])
def test_bad_client_certificate_never_logs_in(start, tls_certs, tmp_path, problem):
    ca = tls_certs.ca().cert
    log = str(tmp_path / "audit.log")
    if problem == "other_ca":
        tls_certs.other_ca()
        bad = issue(tls_certs, "alice", ca="other-ca")
    elif problem == "impostor_ca":
        # A CA with our CA's exact name but its own key; its "alice" must not pass for ours.
        tls_certs.ca("ca-impostor", cn="ca")
        bad = issue(tls_certs, "alice", ca="ca-impostor")
    elif problem == "expired":
        bad = issue(tls_certs, "alice", not_before=-30 * _DAY, not_after=-_DAY)
    else:
        bad = issue(tls_certs, "alice", not_before=_DAY, not_after=30 * _DAY)
    ops = issue(tls_certs, "ops")
    server = start(tls_args(tls_certs.get("server"), "required",
                            ["--tls-ca-cert-file", ca, "--tls-auth-clients", "yes",
                             "--tls-auth-clients-user", "CN", "--requirepass", PASSWORD,
                             "--audit-log-file", log]), ready=client_context(ca, ops))
    bystander = mtls_client(server, ca, ops)
    expect(bystander, ("AUTH", PASSWORD), ("simple", "OK"))
    expect(bystander, ("ACL", "SETUSER", "alice", "on", "nopass", "~*", "+@all"),
           ("simple", "OK"))
    rejected = int(info_ssl(bystander)["tls_client_cert_rejected"])
    for _ in range(3):
        assert tls_refusal(server, ca, bad) is not None
    r = run_tool([REDIS_CLI, "-p", str(server.port), "--tls", "--cacert", ca, "--cert", bad.cert,
                  "--key", bad.key, "ACL", "WHOAMI"], timeout=20)
    assert "alice" not in r.stdout, (r.stdout, r.stderr)
    assert int(info_ssl(bystander)["tls_client_cert_rejected"]) == rejected + 4
    found = wait_records(log, 4, event="refused", reason="certificate")
    assert len(found) == 4 and all(f["detail"] for f in found), found
    assert not matching(read_records(log), event="auth", user="alice")
    expect(bystander, ("PING",), ("simple", "PONG"))
    bystander.close()


def test_crl_of_the_wrong_issuer_is_refused(start, tls_certs, tmp_path):
    ca = tls_certs.ca().cert
    ops = issue(tls_certs, "ops")
    good = tls_certs.crl(out=tmp_path / "good.crl")
    server = start(tls_args(tls_certs.get("server"), "required",
                            ["--tls-ca-cert-file", ca, "--tls-auth-clients", "yes",
                             "--tls-crl-file", good]), ready=client_context(ca, ops))
    tls_certs.other_ca()
    wrong = [tls_certs.crl("other-ca", out=tmp_path / "other.crl"),
             tls_certs.impostor_crl(out=tmp_path / "impostor.crl")]
    with mtls_client(server, ca, ops) as c:
        for path in wrong:
            reply = c.call("CONFIG", "SET", "tls-crl-file", path)
            assert reply[0] == "error" and "tls-crl-file" in reply[1] and path in reply[1], reply
            assert unwrap(c.call("CONFIG", "GET", "tls-crl-file"))[1] == good.encode()
            assert info_ssl(c)["tls_crl_file"] == good
        # Appended to the good one in one file: the whole file is refused.
        mixed = tmp_path / "mixed.crl"
        mixed.write_text(open(good).read() + open(wrong[1]).read())
        reply = c.call("CONFIG", "SET", "tls-crl-file", str(mixed))
        assert reply[0] == "error" and "tls-crl-file" in reply[1], reply
        assert info_ssl(c)["tls_crl_count"] == "1"
        assert tls_refusal(server, ca, ops) is None


@pytest.mark.parametrize("rule,words", [
    ("10.0.0.0/33", "'10.0.0.0/33'"),
    ("256.1.2.3/32", "'256.1.2.3/32'"),
    ("10.0.0.0/", "'10.0.0.0/'"),
    ("10.0.0.0/8/8", "'10.0.0.0/8/8'"),
    ("127.0.0.1/32 ::1/129", "'::1/129'"),
    ("127.0.0.1/32\n10.0.0.0/8", "'"),
])
def test_network_allow_rule_that_does_not_parse(start, tmp_path, rule, words):
    server = start(["--network-allow", "127.0.0.0/8"])
    with RespClient(port=server.port) as c:
        reply = c.call("CONFIG", "SET", "network-allow", rule)
        assert reply[0] == "error" and words in reply[1] and "network-allow" in reply[1], reply
        assert unwrap(c.call("CONFIG", "GET", "network-allow"))[1] == b"127.0.0.0/8"
        expect(c, ("PING",), ("simple", "PONG"))
    with RespClient(port=server.port) as again:
        expect(again, ("PING",), ("simple", "PONG"))


# ----- brute force --------------------------------------------------------------------------------

class Bystander(threading.Thread):
    """A client logged in as `user` doing GETs until stopped; records the slowest answer."""

    def __init__(self, port, user, password):
        super().__init__(daemon=True)
        self.client = RespClient(port=port)
        expect(self.client, ("AUTH", user, password), ("simple", "OK"))
        expect(self.client, ("SET", "app:alive", "1"), ("simple", "OK"))
        self.stop = threading.Event()
        self.answers, self.slowest, self.error = 0, 0.0, None

    def run(self):
        try:
            while not self.stop.is_set():
                t0 = time.monotonic()
                reply = self.client.call("GET", "app:alive")
                self.slowest = max(self.slowest, time.monotonic() - t0)
                if reply != ("bulk", b"1"):
                    raise AssertionError(f"bystander got {reply!r}")
                self.answers += 1
                time.sleep(0.002)
        except Exception as e:   # reported by the test
            self.error = e


@pytest.mark.redoubt_timeout(120)
def test_brute_force_of_wrong_passwords(start, tmp_path):
    log = str(tmp_path / "audit.log")
    server = start(["--requirepass", PASSWORD, "--audit-log-file", log, "--acllog-max-len", "32"])
    admin = RespClient(port=server.port)
    expect(admin, ("AUTH", PASSWORD), ("simple", "OK"))
    expect(admin, ("ACL", "SETUSER", "app", "on", ">" + APP_PASSWORD, "~app:*", "+@all"),
           ("simple", "OK"))
    expect(admin, ("ACL", "SETUSER", "victim", "on", ">victim-real-pw", "~*", "+@all"),
           ("simple", "OK"))
    failures = auth_failures(admin)
    bystander = Bystander(server.port, "app", APP_PASSWORD)
    bystander.start()
    deadline = time.monotonic() + 90
    try:
        # 200 distinct user names: ACL LOG must stay within acllog-max-len.
        with RespClient(port=server.port) as c:
            replies = c.pipeline([("AUTH", f"user{i}", f"guess-{i}") for i in range(200)])
        assert set(replies) == {("error", WRONGPASS)}
        assert len(acl_log(admin)) <= 32

        # 2000 attempts on one connection, in pipelined batches.
        one = RespClient(port=server.port)
        for batch in range(10):
            assert time.monotonic() < deadline, "brute force on one connection took too long"
            replies = one.pipeline([("AUTH", "victim", f"guess-{batch}-{i}")
                                    for i in range(200)])
            assert set(replies) == {("error", WRONGPASS)}, set(replies)
        expect(one, ("PING",), ("error", "NOAUTH Authentication required."))
        one.close()

        # 2000 attempts, each on a new connection.
        for i in range(2000):
            assert time.monotonic() < deadline, f"reconnecting brute force stalled at {i}"
            with raw_connection(server.port, timeout=5) as s:
                s.sendall(encode_command("AUTH", "victim", f"again-{i}"))
                data = read_line(s)
                assert data == b"-" + WRONGPASS.encode() + b"\r\n", (i, data)
        # Served during the attack: at least one answer before it stops (bounded wait). How
        # fast is not asserted: a loaded machine stretches any latency bound.
        assert wait_until(lambda: bystander.answers > 0 or bystander.error, 10)
    finally:
        bystander.stop.set()
        bystander.join(10)
    assert bystander.error is None, bystander.error
    assert bystander.answers > 0, (bystander.answers, bystander.slowest)
    expect(bystander.client, ("GET", "app:alive"), ("bulk", b"1"))

    assert auth_failures(admin) - failures == 4200
    log_entries = acl_log(admin)
    assert len(log_entries) <= 32
    newest = log_entries[0]
    assert (newest[b"username"], newest[b"reason"]) == (b"victim", b"auth"), newest
    assert newest[b"count"] == 4000, newest

    # Audit: every failure written, or counted as dropped.
    assert wait_until(lambda: info_fields(admin, "auth")["audit_log_queue_depth"] == "0", 10)
    info = info_fields(admin, "auth")
    written = len(wait_records(log, 4000, timeout=10, event="auth", user="victim",
                               result="failure"))
    dropped = int(info["audit_log_records_dropped"])
    assert written + dropped >= 4000 and written <= 4000, (written, info)
    # The writer takes its queue before writing it: wait (bounded) for count and file to agree.
    assert wait_until(lambda: int(info_fields(admin, "auth")["audit_log_records_written"])
                      == len(read_records(log)), 15), (info, len(read_records(log)))
    data = open(log, "rb").read()
    assert b"guess-" not in data and b"again-" not in data and PASSWORD.encode() not in data
    # The real password still works afterwards: no lock-out was promised, none happens.
    with RespClient(port=server.port) as c:
        expect(c, ("AUTH", "victim", "victim-real-pw"), ("simple", "OK"))
    bystander.client.close()
    admin.close()
