# Mutual TLS: tls-auth-clients yes|optional|no with tls-ca-cert-file or tls-ca-cert-dir, driven
# by redis-cli (--cert/--key), redis-py (ssl_certfile/ssl_keyfile), openssl s_client and raw
# Python ssl clients. yes refuses a client without a certificate, with one of another CA or an
# expired one at the handshake; optional lets a client without a certificate in but still
# refuses a bad one; no never asks (s_client sees no CertificateRequest). yes/optional without
# a CA is refused at start and by CONFIG SET, keeping the old state. tls-auth-clients-user CN
# logs a verified client in as the ACL user named by its CN (ACL WHOAMI without AUTH, also
# with requirepass), counted in INFO ssl and in INFO auth's credential_<user>_certificate row;
# an unknown or disabled user leaves the connection on default (NOAUTH). An ACL user flagged
# cert-only cannot log in with its password (AUTH and HELLO AUTH get WRONGPASS), even with
# nopass. A resumed TLS session maps its CN again, and one made without a certificate cannot be
# resumed once tls-auth-clients is yes.
import datetime
import shutil
import subprocess

import pytest
import redis

from support.resp_client import ConnectionClosed, RespClient, expect, unwrap
from support.tls_helpers import (issue, client_context, info_fields, info_ssl,
                                 mtls_client, tls_args, tls_refusal)
from support.tools import REDIS_CLI, run_tool, wait_for_values, wait_until

PASSWORD = "mtls-admin-pw"
_DAY = datetime.timedelta(days=1)
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."


def mtls_args(certs, auth="yes", mode="required", extra=()):
    return tls_args(certs.get("server"), mode,
                    ["--tls-ca-cert-file", certs.ca().cert, "--tls-auth-clients", auth, *extra])


def cli(server, ca, cert=None, *args, timeout=20):
    cmd = [REDIS_CLI, "-h", "127.0.0.1", "-p", str(server.port), "--tls", "--cacert", ca]
    if cert is not None:
        cmd += ["--cert", cert.cert, "--key", cert.key]
    return run_tool(cmd + list(args), timeout=timeout)


def py_client(server, ca, cert=None, **kw):
    extra = {"ssl_certfile": cert.cert, "ssl_keyfile": cert.key} if cert is not None else {}
    return redis.Redis(host="127.0.0.1", port=server.port, ssl=True, ssl_ca_certs=ca,
                       socket_timeout=5, **extra, **kw)


def s_client(server, ca, cert=None, data=b"PING\r\nQUIT\r\n", extra=()):
    cmd = ["openssl", "s_client", "-connect", f"127.0.0.1:{server.port}", "-CAfile", ca,
           *extra]
    if cert is not None:
        cmd += ["-cert", cert.cert, "-key", cert.key]
    return subprocess.run(cmd, input=data, capture_output=True, timeout=20)


def ssl_stats(client):
    f = info_ssl(client)
    return {k: int(f[k]) for k in ("tls_client_cert_missing", "tls_client_cert_rejected",
                                   "tls_client_cert_revoked", "tls_certificate_authentications")}


def delta(after, before):
    return {k: after[k] - before[k] for k in after}


def counted(client, before, **want):
    """ssl_stats' change since `before`, once it has reached `want` (or after a bounded wait):
    the server sends a refused handshake's alert before it counts the refusal."""
    return wait_for_values(lambda: delta(ssl_stats(client), before), want)


# ----- tls-auth-clients yes | optional | no ---------------------------------------------------

def test_yes_accepts_only_valid_certificates_of_the_ca(start, tls_certs):
    ca = tls_certs.ca().cert
    tls_certs.other_ca()
    good = issue(tls_certs, "app")
    foreign = issue(tls_certs, "app", ca="other-ca")
    expired = issue(tls_certs, "app", not_before=-30 * _DAY, not_after=-_DAY)
    server = start(mtls_args(tls_certs), ready=client_context(ca, good))
    bystander = mtls_client(server, ca, good)
    expect(bystander, ("SET", "alive", "1"), ("simple", "OK"))
    before = ssl_stats(bystander)

    # The right certificate, with every client.
    assert cli(server, ca, good, "PING").stdout == "PONG\n"
    py = py_client(server, ca, good)
    assert py.set("k", "v") and py.get("k") == b"v"
    py.close()
    out = s_client(server, ca, good, extra=["-quiet"])
    assert out.stdout == b"+PONG\r\n+OK\r\n", (out.stdout, out.stderr[-500:])

    # No certificate: refused, whichever client.
    assert tls_refusal(server, ca) is not None
    r = cli(server, ca, None, "PING")
    assert "PONG" not in r.stdout, (r.stdout, r.stderr)
    # Another CA's certificate, an expired one: refused too.
    assert tls_refusal(server, ca, foreign) is not None
    assert tls_refusal(server, ca, expired) is not None
    r = cli(server, ca, foreign, "PING")
    assert "PONG" not in r.stdout, (r.stdout, r.stderr)
    got = counted(bystander, before, tls_client_cert_missing=2, tls_client_cert_rejected=3)
    assert got == {"tls_client_cert_missing": 2, "tls_client_cert_rejected": 3,
                   "tls_client_cert_revoked": 0, "tls_certificate_authentications": 0}, got
    # redis-py 4.3.4 tries a refused connection twice before raising.
    with pytest.raises(redis.ConnectionError, match="certificate required"):
        py_client(server, ca).ping()
    with pytest.raises(redis.ConnectionError, match="unknown ca"):
        py_client(server, ca, foreign).ping()
    assert wait_until(lambda: delta(ssl_stats(bystander), before)["tls_client_cert_missing"] > 2,
                      10), delta(ssl_stats(bystander), before)
    assert info_ssl(bystander)["tls_auth_clients"] == "yes"
    expect(bystander, ("GET", "alive"), ("bulk", b"1"))
    bystander.close()



def test_optional_accepts_no_certificate_but_refuses_a_bad_one(start, tls_certs):
    ca = tls_certs.ca().cert
    tls_certs.other_ca()
    good = issue(tls_certs, "app")
    foreign = issue(tls_certs, "app", ca="other-ca")
    expired = issue(tls_certs, "app", not_before=-30 * _DAY, not_after=-_DAY)
    server = start(mtls_args(tls_certs, "optional"), ready=client_context(ca))
    with mtls_client(server, ca) as anonymous:
        before = ssl_stats(anonymous)
        assert cli(server, ca, None, "PING").stdout == "PONG\n"
        assert py_client(server, ca).ping()
        assert cli(server, ca, good, "PING").stdout == "PONG\n"
        assert py_client(server, ca, good).ping()
        assert tls_refusal(server, ca, foreign) is not None
        assert tls_refusal(server, ca, expired) is not None
        got = counted(anonymous, before, tls_client_cert_rejected=2)
        assert got["tls_client_cert_missing"] == 0, got
        assert got["tls_client_cert_rejected"] == 2, got
        assert info_ssl(anonymous)["tls_auth_clients"] == "optional"


def test_no_never_asks_for_a_certificate(start, tls_certs):
    ca = tls_certs.ca().cert
    tls_certs.other_ca()
    foreign = issue(tls_certs, "app", ca="other-ca")
    good = issue(tls_certs, "app")
    server = start(mtls_args(tls_certs, "no"), ready=client_context(ca))
    # The server sends no CertificateRequest, so even another CA's certificate never travels.
    out = s_client(server, ca, foreign, extra=["-msg", "-ign_eof"])
    assert b"CertificateRequest" not in out.stdout, out.stdout[-2000:]
    assert b"+PONG" in out.stdout, out.stdout[-2000:]
    assert cli(server, ca, None, "PING").stdout == "PONG\n"
    assert tls_refusal(server, ca, foreign) is None
    # Whereas with yes the request is there.
    strict = start(mtls_args(tls_certs, "yes"), ready=client_context(ca, good))
    out = s_client(strict, ca, good, extra=["-msg", "-ign_eof"])
    assert b"CertificateRequest" in out.stdout, out.stdout[-2000:]


@pytest.mark.parametrize("auth", ["yes", "optional"])
def test_auth_clients_without_ca_is_refused_at_start(start, tls_certs, auth):
    server = start(tls_args(tls_certs.get("server"), "required",
                            ["--tls-auth-clients", auth]), wait=False)
    code = server.wait_exit(10)
    text = server.log_text()
    assert code != 0, text
    assert (f"tls-auth-clients {auth} needs tls-ca-cert-file or tls-ca-cert-dir") in text, text


def test_config_set_switches_client_certificates_online(start, tls_certs):
    ca = tls_certs.ca().cert
    good = issue(tls_certs, "app")
    server = start(tls_args(tls_certs.get("server"), "required"), ready=client_context(ca))
    admin = mtls_client(server, ca)   # no certificate: fine while tls-auth-clients is no

    # yes without a CA: refused, nothing changes.
    reply = admin.call("CONFIG", "SET", "tls-auth-clients", "yes")
    assert reply[0] == "error" and "tls-auth-clients yes needs tls-ca-cert-file" in reply[1], reply
    assert reply[1].startswith("ERR CONFIG SET failed (possibly related to argument 'tls-"), reply
    assert unwrap(admin.call("CONFIG", "GET", "tls-auth-clients")) == [b"tls-auth-clients", b"no"]
    assert tls_refusal(server, ca) is None
    reply = admin.call("CONFIG", "SET", "tls-auth-clients", "sometimes")
    assert reply[0] == "error" and "tls-auth-clients" in reply[1], reply

    # Both in one CONFIG SET: new handshakes need a certificate, the open connection stays.
    expect(admin, ("CONFIG", "SET", "tls-ca-cert-file", ca, "tls-auth-clients", "yes"),
           ("simple", "OK"))
    assert tls_refusal(server, ca) is not None
    assert tls_refusal(server, ca, good) is None
    expect(admin, ("PING",), ("simple", "PONG"))
    assert info_ssl(admin)["tls_auth_clients"] == "yes"

    # The CA cannot be taken away while certificates are required.
    reply = admin.call("CONFIG", "SET", "tls-ca-cert-file", "")
    assert reply[0] == "error" and "tls-ca-cert-file" in reply[1], reply
    assert unwrap(admin.call("CONFIG", "GET", "tls-ca-cert-file"))[1] == ca.encode()
    assert tls_refusal(server, ca, good) is None

    expect(admin, ("CONFIG", "SET", "tls-auth-clients", "no"), ("simple", "OK"))
    assert tls_refusal(server, ca) is None
    admin.close()


def test_ca_cert_dir(start, tls_certs, tmp_path):
    ca = tls_certs.ca().cert
    tls_certs.other_ca()
    cadir = tmp_path / "cas"
    cadir.mkdir()
    shutil.copy(ca, cadir / "ca.pem")
    rehash = subprocess.run(["openssl", "rehash", str(cadir)], capture_output=True, timeout=20)
    assert rehash.returncode == 0, rehash.stderr
    good = issue(tls_certs, "app")
    foreign = issue(tls_certs, "app", ca="other-ca")
    server = start(tls_args(tls_certs.get("server"), "required",
                            ["--tls-ca-cert-dir", str(cadir), "--tls-auth-clients", "yes"]),
                   ready=client_context(ca, good))
    assert cli(server, ca, good, "PING").stdout == "PONG\n"
    assert tls_refusal(server, ca, foreign) is not None
    assert tls_refusal(server, ca) is not None


# ----- tls-auth-clients-user CN -----------------------------------------------------------------

@pytest.fixture
def cn_server(start, tls_certs):
    """yes + tls-auth-clients-user CN + requirepass; users alice (on, alice:* keys) and carol
    (off). Returns (server, ca, admin RespClient)."""
    ca = tls_certs.ca().cert
    ops = issue(tls_certs, "ops")
    server = start(mtls_args(tls_certs, extra=["--tls-auth-clients-user", "CN",
                                               "--requirepass", PASSWORD]),
                   ready=client_context(ca, ops))
    admin = mtls_client(server, ca, ops)
    expect(admin, ("AUTH", PASSWORD), ("simple", "OK"))
    expect(admin, ("ACL", "SETUSER", "alice", "on", ">alice-pw", "~alice:*", "+@all"),
           ("simple", "OK"))
    expect(admin, ("ACL", "SETUSER", "carol", "off", ">carol-pw", "~*", "+@all"),
           ("simple", "OK"))
    yield server, ca, admin
    admin.close()


def credential_row(admin, user):
    return info_fields(admin, "auth").get(f"credential_{user}_certificate", "")


def test_certificate_cn_logs_in_as_the_acl_user(cn_server, tls_certs):
    server, ca, admin = cn_server
    alice = issue(tls_certs, "alice")
    before = ssl_stats(admin)

    r = cli(server, ca, alice, "ACL", "WHOAMI")
    assert r.stdout == "alice\n", (r.stdout, r.stderr)
    assert cli(server, ca, alice, "SET", "alice:1", "x").stdout == "OK\n"
    r = cli(server, ca, alice, "GET", "other")
    assert r.stdout.startswith("NOPERM"), r.stdout   # alice's rules, not default's

    py = py_client(server, ca, alice)
    assert py.acl_whoami() == "alice" and py.get("alice:1") == b"x"
    c1, c2 = mtls_client(server, ca, alice), mtls_client(server, ca, alice)
    expect(c1, ("ACL", "WHOAMI"), ("bulk", b"alice"))
    expect(c2, ("ACL", "WHOAMI"), ("bulk", b"alice"))
    # py's pooled connection and c1, c2 are open.
    assert "connected_clients=3" in credential_row(admin, "alice"), info_fields(admin, "auth")
    c2.close()
    assert wait_until(lambda: "connected_clients=2" in credential_row(admin, "alice"), 3), \
        credential_row(admin, "alice")
    # AUTH on such a connection switches user as usual.
    expect(c1, ("AUTH", PASSWORD), ("simple", "OK"))
    expect(c1, ("ACL", "WHOAMI"), ("bulk", b"default"))
    got = delta(ssl_stats(admin), before)
    assert got["tls_certificate_authentications"] == 6, got  # 3 redis-cli, py, c1, c2
    assert info_ssl(admin)["tls_auth_clients_user"] == "CN"
    py.close()
    c1.close()


def test_unknown_or_disabled_user_stays_default(cn_server, tls_certs):
    server, ca, admin = cn_server
    before = ssl_stats(admin)
    for cn in ("bob", "carol"):   # bob: no such user; carol: off
        cert = issue(tls_certs, cn)
        with mtls_client(server, ca, cert) as c:
            reply = c.call("GET", "k")
            assert reply == ("error", "NOAUTH Authentication required."), (cn, reply)
            expect(c, ("AUTH", PASSWORD), ("simple", "OK"))
            expect(c, ("ACL", "WHOAMI"), ("bulk", b"default"))
        r = cli(server, ca, cert, "ACL", "WHOAMI")
        assert r.stdout.startswith("NOAUTH"), (cn, r.stdout)
    assert delta(ssl_stats(admin), before)["tls_certificate_authentications"] == 0
    # Switching carol on lets her certificate in.
    expect(admin, ("ACL", "SETUSER", "carol", "on"), ("simple", "OK"))
    assert cli(server, ca, issue(tls_certs, "carol"), "ACL", "WHOAMI").stdout == "carol\n"


def test_cn_mapping_is_off_by_default(start, tls_certs):
    ca = tls_certs.ca().cert
    alice = issue(tls_certs, "alice")
    server = start(mtls_args(tls_certs, extra=["--requirepass", PASSWORD]),
                   ready=client_context(ca, alice))
    with mtls_client(server, ca, alice) as admin:
        expect(admin, ("AUTH", PASSWORD), ("simple", "OK"))
        expect(admin, ("ACL", "SETUSER", "alice", "on", "nopass", "~*", "+@all"),
               ("simple", "OK"))
        assert info_ssl(admin)["tls_auth_clients_user"] == "off"
        assert unwrap(admin.call("CONFIG", "GET", "tls-auth-clients-user")) == [
            b"tls-auth-clients-user", b"off"]
        assert cli(server, ca, alice, "ACL", "WHOAMI").stdout.startswith("NOAUTH")
        # Switched on at runtime: the next handshake maps the CN.
        expect(admin, ("CONFIG", "SET", "tls-auth-clients-user", "CN"), ("simple", "OK"))
        assert cli(server, ca, alice, "ACL", "WHOAMI").stdout == "alice\n"
        reply = admin.call("CONFIG", "SET", "tls-auth-clients-user", "SAN")
        assert reply[0] == "error" and "tls-auth-clients-user" in reply[1], reply
        expect(admin, ("CONFIG", "SET", "tls-auth-clients-user", "off"), ("simple", "OK"))
        assert cli(server, ca, alice, "ACL", "WHOAMI").stdout.startswith("NOAUTH")


def test_cert_only_user_cannot_use_its_password(cn_server, tls_certs):
    server, ca, admin = cn_server
    expect(admin, ("ACL", "SETUSER", "alice", "cert-only"), ("simple", "OK"))
    flags = unwrap(admin.call("ACL", "GETUSER", "alice"))[1]
    assert b"cert-only" in flags, flags
    with RespClient(port=server.port, tls_context=client_context(ca, issue(tls_certs, "ops"))) as c:
        expect(c, ("AUTH", "alice", "alice-pw"), ("error", WRONGPASS))
        reply = c.call("HELLO", "3", "AUTH", "alice", "alice-pw")
        assert reply == ("error", WRONGPASS), reply
        expect(c, ("ACL", "WHOAMI"), ("error", "NOAUTH Authentication required."))
    r = cli(server, ca, issue(tls_certs, "ops"), "--user", "alice", "--pass", "alice-pw",
            "--no-auth-warning", "ACL", "WHOAMI")
    assert "WRONGPASS" in r.stderr + r.stdout, (r.stdout, r.stderr)
    py = py_client(server, ca, issue(tls_certs, "ops"), username="alice",
                   password="alice-pw")
    with pytest.raises((redis.exceptions.AuthenticationError, redis.exceptions.ResponseError),
                       match="WRONGPASS"):
        py.ping()
    py.close()
    # Her certificate still logs her in.
    assert cli(server, ca, issue(tls_certs, "alice"), "ACL", "WHOAMI").stdout == "alice\n"
    assert "cert_only=1" in info_fields(admin, "auth")["user_alice"]
    # cert-only wins over nopass too.
    expect(admin, ("ACL", "SETUSER", "alice", "nopass"), ("simple", "OK"))
    with mtls_client(server, ca, issue(tls_certs, "ops")) as c:
        expect(c, ("AUTH", "alice", "anything"), ("error", WRONGPASS))
    expect(admin, ("ACL", "SETUSER", "alice", "resetpass", ">alice-pw"), ("simple", "OK"))
    # Lifting the flag gives the password back.
    expect(admin, ("ACL", "SETUSER", "alice", "no-cert-only"), ("simple", "OK"))
    with mtls_client(server, ca, issue(tls_certs, "ops")) as c:
        expect(c, ("AUTH", "alice", "alice-pw"), ("simple", "OK"))
        expect(c, ("ACL", "WHOAMI"), ("bulk", b"alice"))


def test_session_resumption_keeps_the_rules(cn_server, tls_certs):
    server, ca, admin = cn_server
    alice_ctx = client_context(ca, issue(tls_certs, "alice"))
    with RespClient(port=server.port, tls_context=alice_ctx) as c:
        expect(c, ("ACL", "WHOAMI"), ("bulk", b"alice"))
        session = c.sock.session
    with RespClient(port=server.port, tls_context=alice_ctx, tls_session=session) as c:
        assert c.sock.session_reused
        expect(c, ("ACL", "WHOAMI"), ("bulk", b"alice"))   # the CN maps on resumption too
    # A session made without a certificate (optional) cannot be resumed once yes applies.
    expect(admin, ("CONFIG", "SET", "tls-auth-clients", "optional"), ("simple", "OK"))
    bare_ctx = client_context(ca)
    with RespClient(port=server.port, tls_context=bare_ctx) as c:
        expect(c, ("PING",), ("error", "NOAUTH Authentication required."))
        session = c.sock.session
    expect(admin, ("CONFIG", "SET", "tls-auth-clients", "yes"), ("simple", "OK"))
    try:
        with RespClient(port=server.port, tls_context=bare_ctx, tls_session=session,
                        timeout=5) as c:
            reply = c.call("PING")
    except (OSError, ConnectionClosed) as e:
        reply = e
    assert not isinstance(reply, tuple), f"resumed a certificate-less session under yes: {reply}"


def test_client_certificate_rules_without_a_ca_are_refused_even_with_tls_off(redoubt):
    """Set while TLS is still off, these would refuse every client once TLS is turned on, so
    they are refused where they are typed, and nothing changes."""
    with RespClient(port=redoubt.port) as c:
        for name, value, why in (("tls-auth-clients", "yes", "needs tls-ca-cert-file"),
                                 ("tls-auth-clients", "optional", "needs tls-ca-cert-file"),
                                 ("tls-crl-file", "/etc/hostname", "tls-crl-file needs")):
            reply = c.call("CONFIG", "SET", name, value)
            assert reply[0] == "error" and why in reply[1], (name, reply)
        got = c.call("CONFIG", "GET", "tls-auth-clients")
        assert got[1][1][1] == b"no", got
        assert c.call("PING") == ("simple", "PONG")
