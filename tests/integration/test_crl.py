# Certificate revocation lists (tls-crl-file, PEM, one or more CRLs) with tls-auth-clients:
# a revoked client certificate is refused at the handshake; CONFIG SET tls-crl-file <new> or
# SIGHUP (after the file is rewritten) reloads the list and closes the established connections
# whose certificate it now revokes, leaving the others alone. A CRL that does not parse, is
# missing, or is signed by another CA (another issuer, or the CA's name with another key) is
# refused with an error naming tls-crl-file, and the old list stays (at SIGHUP:
# tls_certificate_reload_failures). Every CA that issues client certificates needs its CRL in the
# file ("unable to get certificate CRL" otherwise). An expired CRL (nextUpdate past) is shown as
# tls_crl_expired:1; tls-crl-expired-policy reject refuses every handshake, allow lets valid
# certificates in while revoked serials stay revoked; a list that expires while loaded is
# noticed at the next handshake. Also: CONFIG SET of the unchanged path re-reads the file
# (as Redis does), handshakes in flight during a revoking reload are not served afterwards,
# reloads under handshake load never refuse a valid certificate, a resumed session does not
# bypass revocation, tls-ca-cert-dir works with CRLs. INFO ssl's CRL fields throughout.
import datetime
import os
import re
import signal
import threading
import time

import pytest

from support.resp_client import ConnectionClosed, RespClient, expect, unwrap
from support.tls_helpers import (issue, client_context, info_fields, info_ssl,
                                 mtls_client, tls_args, tls_refusal)
from support.tools import wait_for_values, wait_until

DATE_RE = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4} GMT$")


def crl_args(certs, crl, auth="yes", ca_file=None, extra=()):
    return tls_args(certs.get("server"), "required",
                    ["--tls-ca-cert-file", ca_file or certs.ca().cert,
                     "--tls-auth-clients", auth, "--tls-crl-file", crl, *extra])


def counters(client):
    f = info_ssl(client)
    return {k: int(f[k]) for k in (
        "tls_client_cert_revoked", "tls_client_cert_rejected", "tls_client_cert_crl_expired",
        "tls_revoked_connections_closed", "tls_certificate_reload_failures",
        "tls_crl_revoked_serials", "tls_crl_count", "tls_crl_expired")}


def counted(client, before, **want):
    """The counters' change since `before`, once it has reached `want` (or after a bounded
    wait): a refused handshake's alert reaches the client before the server counts it."""
    return wait_for_values(lambda: {k: v - before[k] for k, v in counters(client).items()}, want)


def fresh_crl(certs, tmp_path, name, ca="ca", **kw):
    return certs.crl(ca, out=tmp_path / name, **kw)


def test_revoked_certificate_is_refused_and_info_describes_the_crl(start, tls_certs, tmp_path):
    ca = tls_certs.ca().cert
    alice, mallory = issue(tls_certs, "alice"), issue(tls_certs, "mallory")
    tls_certs.revoke(mallory)
    crl = fresh_crl(tls_certs, tmp_path, "ca.crl")
    server = start(crl_args(tls_certs, crl), ready=client_context(ca, alice))
    with mtls_client(server, ca, alice) as c:
        before = counters(c)
        assert tls_refusal(server, ca, alice) is None
        reason = tls_refusal(server, ca, mallory)
        assert reason is not None and "revoked" in reason, reason
        assert counted(c, before, tls_client_cert_revoked=1)["tls_client_cert_revoked"] == 1
        f = info_ssl(c)
        assert f["tls_crl_file"] == crl
        assert f["tls_crl_count"] == "1"
        assert int(f["tls_crl_revoked_serials"]) >= 1   # the session CA's list, shared
        assert f["tls_crl_expired"] == "0" and f["tls_crl_expired_policy"] == "reject"
        assert DATE_RE.match(f["tls_crl_last_update"]), f["tls_crl_last_update"]
        assert DATE_RE.match(f["tls_crl_next_update"]), f["tls_crl_next_update"]
        left = int(f["tls_crl_next_update_in_seconds"])
        assert 29 * 86400 < left <= 30 * 86400, left
        next_update = datetime.datetime.strptime(f["tls_crl_next_update"],
                                                 "%b %d %H:%M:%S %Y GMT")
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        assert abs((next_update - now).total_seconds() - left) < 30, (f, now)
        assert unwrap(c.call("CONFIG", "GET", "tls-crl-file")) == [b"tls-crl-file", crl.encode()]


def test_config_set_new_crl_closes_revoked_connections(start, tls_certs, tmp_path):
    ca = tls_certs.ca().cert
    alice, dave = issue(tls_certs, "alice"), issue(tls_certs, "dave")
    first = fresh_crl(tls_certs, tmp_path, "first.crl")
    server = start(crl_args(tls_certs, first, extra=["--tls-auth-clients-user", "CN"]),
                   ready=client_context(ca, alice))
    admin = mtls_client(server, ca, alice)
    expect(admin, ("ACL", "SETUSER", "dave", "on", "nopass", "~*", "+@all"), ("simple", "OK"))
    doomed = [mtls_client(server, ca, dave) for _ in range(2)]
    for c in doomed:
        expect(c, ("ACL", "WHOAMI"), ("bulk", b"dave"))
    assert "connected_clients=2" in info_fields(admin, "auth")["credential_dave_certificate"]
    other = mtls_client(server, ca, issue(tls_certs, "carol"))
    before = counters(admin)

    tls_certs.revoke(dave)
    second = fresh_crl(tls_certs, tmp_path, "second.crl")
    expect(admin, ("CONFIG", "SET", "tls-crl-file", second), ("simple", "OK"))
    for c in doomed:
        assert c.is_closed(timeout=10)
        c.close()
    expect(other, ("PING",), ("simple", "PONG"))
    expect(admin, ("PING",), ("simple", "PONG"))
    reason = tls_refusal(server, ca, dave)
    assert reason is not None and "revoked" in reason, reason
    got = counted(admin, before, tls_revoked_connections_closed=2, tls_client_cert_revoked=1)
    assert got["tls_revoked_connections_closed"] == 2, got
    assert got["tls_client_cert_revoked"] == 1, got
    assert got["tls_crl_revoked_serials"] == 1, got
    assert info_ssl(admin)["tls_crl_file"] == second
    assert "connected_clients=0" in info_fields(admin, "auth")["credential_dave_certificate"]
    # Emptying tls-crl-file stops checking: dave gets in again.
    expect(admin, ("CONFIG", "SET", "tls-crl-file", ""), ("simple", "OK"))
    assert tls_refusal(server, ca, dave) is None
    assert info_ssl(admin)["tls_crl_count"] == "0"
    other.close()
    admin.close()


def test_sighup_rereads_the_crl_and_keeps_the_old_one_when_bad(start, tls_certs, tmp_path):
    ca = tls_certs.ca().cert
    alice, erin = issue(tls_certs, "alice"), issue(tls_certs, "erin")
    live = tmp_path / "live.crl"
    fresh_crl(tls_certs, tmp_path, "live.crl")
    server = start(crl_args(tls_certs, str(live)), ready=client_context(ca, alice))
    admin = mtls_client(server, ca, alice)
    victim = mtls_client(server, ca, erin)
    expect(victim, ("PING",), ("simple", "PONG"))
    before = counters(admin)

    tls_certs.revoke(erin)
    staged = fresh_crl(tls_certs, tmp_path, "staged.crl")
    os.replace(staged, live)
    os.kill(server.pid, signal.SIGHUP)
    assert victim.is_closed(timeout=10)
    victim.close()
    assert wait_until(lambda: counters(admin)["tls_revoked_connections_closed"]
                      == before["tls_revoked_connections_closed"] + 1, 10)
    assert tls_refusal(server, ca, erin) is not None
    revoked_serials = counters(admin)["tls_crl_revoked_serials"]
    assert revoked_serials == before["tls_crl_revoked_serials"] + 1

    # A rewrite caught half-way: not a CRL. Refused, the list in force stays.
    live.write_text("-----BEGIN X509 CRL-----\nMIIB\n")
    os.kill(server.pid, signal.SIGHUP)
    assert wait_until(lambda: counters(admin)["tls_certificate_reload_failures"]
                      == before["tls_certificate_reload_failures"] + 1, 10)
    assert counters(admin)["tls_crl_revoked_serials"] == revoked_serials
    assert tls_refusal(server, ca, erin) is not None
    assert tls_refusal(server, ca, alice) is None
    assert "tls-crl-file" in server.log_text()
    expect(admin, ("PING",), ("simple", "PONG"))
    admin.close()


def test_config_set_of_the_same_path_rereads_the_file(start, tls_certs, tmp_path):
    # The operator's way after replacing the file in place, as for Redis's file directives
    # (VOLATILE_CONFIG: CONFIG SET of an unchanged path still re-reads the file).
    ca = tls_certs.ca().cert
    alice, judy = issue(tls_certs, "alice"), issue(tls_certs, "judy")
    live = tmp_path / "live.crl"
    fresh_crl(tls_certs, tmp_path, "live.crl")
    server = start(crl_args(tls_certs, str(live)), ready=client_context(ca, alice))
    with mtls_client(server, ca, alice) as admin:
        before = counters(admin)
        tls_certs.revoke(judy)
        os.replace(fresh_crl(tls_certs, tmp_path, "staged.crl"), live)
        expect(admin, ("CONFIG", "SET", "tls-crl-file", str(live)), ("simple", "OK"))
        after = counters(admin)
        assert after["tls_crl_revoked_serials"] == before["tls_crl_revoked_serials"] + 1, \
            ("CONFIG SET tls-crl-file <same path> answered OK but did not re-read the file",
             before, after)
        assert tls_refusal(server, ca, judy) is not None


@pytest.mark.parametrize("problem", ["garbage", "empty", "missing", "certificate",
                                     "other_issuer", "impostor_signature"])
def test_bad_crl_is_refused_by_config_set(start, tls_certs, tmp_path, problem):
    ca = tls_certs.ca().cert
    alice, frank = issue(tls_certs, "alice"), issue(tls_certs, "frank")
    tls_certs.revoke(frank)
    good = fresh_crl(tls_certs, tmp_path, "good.crl")
    server = start(crl_args(tls_certs, good), ready=client_context(ca, alice))
    if problem == "garbage":
        bad = tmp_path / "garbage.crl"
        bad.write_bytes(b"this is not a CRL\n\x00\xff")
    elif problem == "empty":
        bad = tmp_path / "empty.crl"
        bad.write_text("")
    elif problem == "missing":
        bad = tmp_path / "nonexistent.crl"
    elif problem == "certificate":
        bad = tmp_path / "ca-cert-not-crl.pem"   # the CA certificate given by mistake
        bad.write_text(open(ca).read())
    elif problem == "other_issuer":
        tls_certs.other_ca()
        bad = fresh_crl(tls_certs, tmp_path, "other.crl", ca="other-ca")
    else:
        # Names "ca" as its issuer, but is signed with another key: the signature decides.
        bad = tls_certs.impostor_crl(out=tmp_path / "impostor.crl")
    with mtls_client(server, ca, alice) as c:
        before = counters(c)
        reply = c.call("CONFIG", "SET", "tls-crl-file", str(bad))
        assert reply[0] == "error", reply
        assert "tls-crl-file" in reply[1] and str(bad) in reply[1], reply
        assert unwrap(c.call("CONFIG", "GET", "tls-crl-file"))[1] == good.encode()
        f = info_ssl(c)
        assert f["tls_crl_file"] == good
        assert counters(c)["tls_crl_revoked_serials"] == before["tls_crl_revoked_serials"]
        assert tls_refusal(server, ca, frank) is not None
        assert tls_refusal(server, ca, alice) is None


@pytest.mark.parametrize("problem", ["garbage", "other_issuer"])
def test_bad_crl_at_start_names_the_directive(start, tls_certs, tmp_path, problem):
    if problem == "garbage":
        bad = tmp_path / "garbage.crl"
        bad.write_text("not a CRL\n")
    else:
        tls_certs.other_ca()
        bad = fresh_crl(tls_certs, tmp_path, "other.crl", ca="other-ca")
    server = start(crl_args(tls_certs, str(bad)), wait=False)
    code = server.wait_exit(10)
    text = server.log_text()
    assert code != 0, text
    assert "tls-crl-file" in text and str(bad) in text, text


def test_crl_without_ca_is_refused_at_start(start, tls_certs, tmp_path):
    crl = fresh_crl(tls_certs, tmp_path, "ca.crl")
    server = start(tls_args(tls_certs.get("server"), "required", ["--tls-crl-file", crl]),
                   wait=False)
    code = server.wait_exit(10)
    text = server.log_text()
    assert code != 0 and "tls-crl-file needs tls-ca-cert-file or tls-ca-cert-dir" in text, text


def test_every_issuing_ca_needs_its_crl(start, tls_certs, tmp_path):
    ca = tls_certs.ca().cert
    other = tls_certs.other_ca()
    both_cas = tmp_path / "cas.pem"
    both_cas.write_text(open(ca).read() + open(other.cert).read())
    alice = issue(tls_certs, "alice")
    outsider = issue(tls_certs, "gina", ca="other-ca")
    only_ca = fresh_crl(tls_certs, tmp_path, "ca.crl")
    server = start(crl_args(tls_certs, only_ca, ca_file=str(both_cas)),
                   ready=client_context(ca, alice))
    with mtls_client(server, ca, alice) as c:
        before = counters(c)
        # Trusted CA, but no CRL of it in the file: refused ("unable to get certificate CRL").
        assert tls_refusal(server, ca, outsider) is not None
        assert counted(c, before, tls_client_cert_rejected=1)["tls_client_cert_rejected"] == 1
        # One file with both CRLs.
        bundle = tmp_path / "both.crl"
        bundle.write_text(open(only_ca).read()
                          + open(fresh_crl(tls_certs, tmp_path, "other.crl", ca="other-ca")).read())
        expect(c, ("CONFIG", "SET", "tls-crl-file", str(bundle)), ("simple", "OK"))
        assert info_ssl(c)["tls_crl_count"] == "2"
        assert tls_refusal(server, ca, outsider) is None
        assert tls_refusal(server, ca, alice) is None
        # Revoked in the other CA's list: refused again after the reload.
        tls_certs.revoke(outsider)
        bundle2 = tmp_path / "both2.crl"
        other2 = fresh_crl(tls_certs, tmp_path, "other2.crl", ca="other-ca")
        bundle2.write_text(open(only_ca).read() + open(other2).read())
        expect(c, ("CONFIG", "SET", "tls-crl-file", str(bundle2)), ("simple", "OK"))
        reason = tls_refusal(server, ca, outsider)
        assert reason is not None and "revoked" in reason, reason


def test_crl_with_ca_cert_dir(start, tls_certs, tmp_path):
    import subprocess
    ca = tls_certs.ca().cert
    cadir = tmp_path / "cas"
    cadir.mkdir()
    (cadir / "ca.pem").write_text(open(ca).read())
    assert subprocess.run(["openssl", "rehash", str(cadir)], timeout=20).returncode == 0
    ops, pete = issue(tls_certs, "ops"), issue(tls_certs, "pete")
    tls_certs.revoke(pete)
    crl = fresh_crl(tls_certs, tmp_path, "ca.crl")
    server = start(tls_args(tls_certs.get("server"), "required",
                            ["--tls-ca-cert-dir", str(cadir), "--tls-auth-clients", "yes",
                             "--tls-crl-file", crl]), ready=client_context(ca, ops))
    assert tls_refusal(server, ca, ops) is None
    reason = tls_refusal(server, ca, pete)
    assert reason is not None and "revoked" in reason, reason


def test_optional_with_crl(start, tls_certs, tmp_path):
    ca = tls_certs.ca().cert
    hank = issue(tls_certs, "hank")
    tls_certs.revoke(hank)
    crl = fresh_crl(tls_certs, tmp_path, "ca.crl")
    server = start(crl_args(tls_certs, crl, auth="optional"), ready=client_context(ca))
    assert tls_refusal(server, ca) is None            # no certificate: nothing to revoke
    assert tls_refusal(server, ca, hank) is not None  # a revoked one is still refused


def test_expired_crl_reject_then_allow(start, tls_certs, tmp_path):
    ca = tls_certs.ca().cert
    alice, ivan = issue(tls_certs, "alice"), issue(tls_certs, "ivan")
    tls_certs.revoke(ivan)
    good = fresh_crl(tls_certs, tmp_path, "good.crl")
    expired = tls_certs.expired_crl(out=tmp_path / "expired.crl")
    server = start(crl_args(tls_certs, good), ready=client_context(ca, alice))
    admin = mtls_client(server, ca, alice)   # established before the CRL expires: stays
    expect(admin, ("CONFIG", "SET", "tls-crl-file", expired), ("simple", "OK"))
    f = info_ssl(admin)
    assert f["tls_crl_expired"] == "1", f
    assert int(f["tls_crl_next_update_in_seconds"]) < -23 * 3600, f
    assert DATE_RE.match(f["tls_crl_next_update"]), f
    assert f["tls_crl_expired_policy"] == "reject"

    # reject: nobody gets in while the list is stale.
    before = counters(admin)
    assert tls_refusal(server, ca, alice) is not None
    assert tls_refusal(server, ca, ivan) is not None
    got = counted(admin, before, tls_client_cert_crl_expired=2)
    assert got["tls_client_cert_crl_expired"] == 2, got
    expect(admin, ("PING",), ("simple", "PONG"))

    # allow: valid certificates pass, revoked serials stay revoked.
    expect(admin, ("CONFIG", "SET", "tls-crl-expired-policy", "allow"), ("simple", "OK"))
    assert info_ssl(admin)["tls_crl_expired_policy"] == "allow"
    assert tls_refusal(server, ca, alice) is None
    reason = tls_refusal(server, ca, ivan)
    assert reason is not None and "revoked" in reason, reason
    reply = admin.call("CONFIG", "SET", "tls-crl-expired-policy", "sometimes")
    assert reply[0] == "error" and "tls-crl-expired-policy" in reply[1], reply

    # Back to reject, then a current list: handshakes pass again.
    expect(admin, ("CONFIG", "SET", "tls-crl-expired-policy", "reject"), ("simple", "OK"))
    assert tls_refusal(server, ca, alice) is not None
    expect(admin, ("CONFIG", "SET", "tls-crl-file", good), ("simple", "OK"))
    assert info_ssl(admin)["tls_crl_expired"] == "0"
    assert tls_refusal(server, ca, alice) is None
    admin.close()


def test_expired_crl_at_start_with_allow(start, tls_certs, tmp_path):
    ca = tls_certs.ca().cert
    alice = issue(tls_certs, "alice")
    expired = tls_certs.expired_crl(out=tmp_path / "expired.crl")
    server = start(crl_args(tls_certs, expired, extra=["--tls-crl-expired-policy", "allow"]),
                   ready=client_context(ca, alice))
    with mtls_client(server, ca, alice) as c:
        f = info_ssl(c)
        assert (f["tls_crl_expired"], f["tls_crl_expired_policy"]) == ("1", "allow"), f


def test_crl_that_expires_while_loaded(start, tls_certs, tmp_path):
    ca = tls_certs.ca().cert
    alice = issue(tls_certs, "alice")
    soon = fresh_crl(tls_certs, tmp_path, "soon.crl", next_update=datetime.timedelta(seconds=3))
    server = start(crl_args(tls_certs, soon), ready=client_context(ca, alice))
    admin = mtls_client(server, ca, alice)
    f = info_ssl(admin)
    if int(f["tls_crl_next_update_in_seconds"]) > 0:   # not yet, unless the start was slow
        assert f["tls_crl_expired"] == "0", f
        # On a loaded machine the list may expire between that INFO and the handshake; a
        # refusal is right only if it had expired by the time the handshake was refused.
        reason = tls_refusal(server, ca, alice)
        if reason is not None:
            left = int(info_ssl(admin)["tls_crl_next_update_in_seconds"])
            assert left <= 0, f"refused while the CRL was current ({left}s left): {reason}"
    # Checked against the clock at each handshake, not only when the file is loaded.
    assert wait_until(lambda: info_ssl(admin)["tls_crl_expired"] == "1", 15)
    before = counters(admin)
    assert tls_refusal(server, ca, alice) is not None
    got = counted(admin, before, tls_client_cert_crl_expired=1)
    assert got["tls_client_cert_crl_expired"] == 1, got
    expect(admin, ("PING",), ("simple", "PONG"))
    admin.close()


@pytest.mark.redoubt_timeout(60)
def test_no_revoked_connection_survives_a_reload_during_handshakes(start, tls_certs, tmp_path):
    # Clients with a certificate keep connecting while the CRL that revokes it is loaded. Once
    # CONFIG SET has answered OK, none of them may go on being served: a handshake verified
    # against the old list while the reload ran must be closed (or re-checked) too, not only
    # the connections that were fully established when the reload swept them.
    ca = tls_certs.ca().cert
    ops, mike = issue(tls_certs, "ops"), issue(tls_certs, "mike")
    before_crl = fresh_crl(tls_certs, tmp_path, "before.crl")
    tls_certs.revoke(mike)
    after_crl = fresh_crl(tls_certs, tmp_path, "after.crl")
    server = start(crl_args(tls_certs, before_crl), ready=client_context(ca, ops))
    admin = mtls_client(server, ca, ops)
    context = client_context(ca, mike)
    escaped, established = [], 0
    for round_no in range(8):
        expect(admin, ("CONFIG", "SET", "tls-crl-file", before_crl), ("simple", "OK"))
        held, lock, go = [], threading.Lock(), threading.Event()

        def connect_some():
            go.wait()
            for _ in range(6):
                try:
                    c = RespClient(port=server.port, tls_context=context, timeout=3)
                    if c.call("PING") == ("simple", "PONG"):
                        with lock:
                            held.append(c)
                    else:
                        c.close()
                except (OSError, ConnectionClosed):
                    pass

        workers = [threading.Thread(target=connect_some) for _ in range(8)]
        for w in workers:
            w.start()
        go.set()
        # Reload once the first of them is in, while the others are still connecting.
        assert wait_until(lambda: len(held) > 0, 10), "no connection before the reload"
        expect(admin, ("CONFIG", "SET", "tls-crl-file", after_crl), ("simple", "OK"))
        reloaded = time.monotonic()
        for w in workers:
            w.join(20)
        established += len(held)
        # The reload's sweep runs on each connection's own thread, after the OK: wait for each
        # connection to be closed (bounded) instead of guessing how long the sweep takes.
        for c in held:
            if not c.is_closed(timeout=10):
                escaped.append((round_no, f"still open {time.monotonic() - reloaded:.2f}s "
                                          "after the revoking CONFIG SET"))
            c.close()
        assert tls_refusal(server, ca, mike) is not None
    assert established > 0, "no handshake overlapped a reload; the test proved nothing"
    assert escaped == [], (f"{len(escaped)} of {established} connections with a revoked "
                           f"certificate kept being served after the reload: {escaped[:5]}; "
                           f"INFO ssl: {counters(admin)}")
    admin.close()


def test_reloads_under_handshake_load_never_refuse_a_valid_certificate(start, tls_certs,
                                                                       tmp_path):
    ca = tls_certs.ca().cert
    ops, nina, oscar = (issue(tls_certs, n) for n in ("ops", "nina", "oscar"))
    plain_crl = fresh_crl(tls_certs, tmp_path, "plain.crl")
    tls_certs.revoke(oscar)
    revoking_crl = fresh_crl(tls_certs, tmp_path, "revoking.crl")
    live = tmp_path / "live.crl"
    live.write_text(open(plain_crl).read())
    server = start(crl_args(tls_certs, str(live)), ready=client_context(ca, ops))
    admin = mtls_client(server, ca, ops)
    stop = threading.Event()
    results = {"nina_refused": [], "nina_ok": 0}

    def nina_loop():
        while not stop.is_set():
            reason = tls_refusal(server, ca, nina, timeout=3)
            if reason is None:
                results["nina_ok"] += 1
            else:
                results["nina_refused"].append(reason)

    workers = [threading.Thread(target=nina_loop) for _ in range(3)]
    for w in workers:
        w.start()
    # At least 2 s and 20 reloads, and until handshakes have overlapped them; a loaded machine
    # takes longer, not fewer rounds (bounded by the hard deadline).
    n, min_until, hard_deadline = 0, time.monotonic() + 2, time.monotonic() + 30
    try:
        while (time.monotonic() < min_until or n < 20 or results["nina_ok"] < 3) and \
                time.monotonic() < hard_deadline:
            n += 1
            expect(admin, ("CONFIG", "SET", "tls-crl-file",
                           revoking_crl if n % 2 else plain_crl), ("simple", "OK"))
            if n % 5 == 0:
                os.kill(server.pid, signal.SIGHUP)   # re-reads live (the plain list) meanwhile
                expect(admin, ("CONFIG", "SET", "tls-crl-file", str(live)), ("simple", "OK"))
            time.sleep(0.005)
    finally:
        stop.set()
        for w in workers:
            w.join(10)
    assert results["nina_refused"] == [], results["nina_refused"][:3]
    assert results["nina_ok"] >= 3 and n >= 20, (results["nina_ok"], n)
    assert server.alive()
    expect(admin, ("CONFIG", "SET", "tls-crl-file", revoking_crl), ("simple", "OK"))
    assert tls_refusal(server, ca, oscar) is not None
    assert tls_refusal(server, ca, nina) is None
    admin.close()


def test_session_resumption_does_not_bypass_revocation(start, tls_certs, tmp_path):
    # A resumed TLS session carries the certificate of its first handshake without verifying
    # it again; a revocation loaded since must still refuse it.
    ca = tls_certs.ca().cert
    ops, quinn = issue(tls_certs, "ops"), issue(tls_certs, "quinn")
    first = fresh_crl(tls_certs, tmp_path, "first.crl")
    server = start(crl_args(tls_certs, first), ready=client_context(ca, ops))
    context = client_context(ca, quinn)
    with RespClient(port=server.port, tls_context=context) as c:
        expect(c, ("PING",), ("simple", "PONG"))   # the ticket arrives with the first reply
        session = c.sock.session
    with RespClient(port=server.port, tls_context=context, tls_session=session) as c:
        assert c.sock.session_reused
        expect(c, ("PING",), ("simple", "PONG"))
        session = c.sock.session
    tls_certs.revoke(quinn)
    with mtls_client(server, ca, ops) as admin:
        expect(admin, ("CONFIG", "SET", "tls-crl-file",
                       fresh_crl(tls_certs, tmp_path, "second.crl")), ("simple", "OK"))
        try:
            with RespClient(port=server.port, tls_context=context, tls_session=session,
                            timeout=5) as c:
                reply = c.call("PING")
        except (OSError, ConnectionClosed) as e:
            reply = e
        assert reply != ("simple", "PONG"), "a resumed session of a revoked certificate was served"
