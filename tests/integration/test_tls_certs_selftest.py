# Checks the certificate factory itself (tests/support/tls_certs.py) before any TLS test relies
# on it: every kind of certificate it makes is judged by `openssl verify`, `openssl x509` and
# Python's ssl module, not by the factory's own bookkeeping. No server is started; the whole
# file runs in a few seconds.
import datetime
import ssl
import subprocess

import pytest

from support.tls_certs import CertFactory

NOW = datetime.datetime.now(datetime.timezone.utc)


def openssl(*args, input=None):
    return subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True,
                          input=input, timeout=30)


def verify(ca_cert, cert, *extra):
    """(passed, combined output) of `openssl verify -CAfile ca_cert [extra] cert`."""
    proc = openssl("verify", "-CAfile", ca_cert, *extra, cert)
    return proc.returncode == 0, proc.stdout + proc.stderr


def dates(cert):
    """(notBefore, notAfter) from `openssl x509 -noout -dates`, as aware datetimes."""
    proc = openssl("x509", "-in", cert, "-noout", "-dates")
    assert proc.returncode == 0, proc.stderr
    fields = dict(line.split("=", 1) for line in proc.stdout.splitlines())

    def parse(text):
        # e.g. "Nov 23 14:39:04 2026 GMT"; the day is space-padded.
        return datetime.datetime.strptime(" ".join(text.split()), "%b %d %H:%M:%S %Y %Z") \
            .replace(tzinfo=datetime.timezone.utc)
    return parse(fields["notBefore"]), parse(fields["notAfter"])


def x509_text(cert):
    proc = openssl("x509", "-in", cert, "-noout", "-text")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def public_key(args):
    proc = openssl(*args, "-pubout") if args[0] == "pkey" else openssl(*args, "-pubkey")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture
def fresh(tmp_path):
    """A private factory, for tests that change CA state (revocation) or need other CAs."""
    return CertFactory(tmp_path / "certs")


def handshake(server_ctx, client_ctx, server_hostname):
    """A complete TLS handshake between two contexts over memory BIOs (no sockets).

    Returns the client's view of the peer certificate; raises ssl.SSLError on failure."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client = client_ctx.wrap_bio(c_in, c_out, server_hostname=server_hostname)
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    done = {"client": False, "server": False}
    for _ in range(20):  # a TLS 1.3 handshake needs 2-3 round trips; 20 bounds a bug
        for name, side in (("client", client), ("server", server)):
            if not done[name]:
                try:
                    side.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if all(done.values()):
            return client.getpeercert()
    raise AssertionError("handshake did not finish in 20 rounds")


def client_context(ca_cert):
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_cert)
    ctx.check_hostname = True
    return ctx


def server_context(issued):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(issued.cert, issued.key, password=issued.password)
    return ctx


def test_default_server_cert_verifies_as_a_tls_server_cert(tls_certs):
    ca, server = tls_certs.ca(), tls_certs.get("server")

    ok, out = verify(ca.cert, server.cert, "-purpose", "sslserver")

    assert ok, out


def test_server_cert_names_the_loopback_addresses_and_localhost(tls_certs):
    text = x509_text(tls_certs.get("server").cert)

    assert "IP Address:127.0.0.1" in text
    assert "IP Address:0:0:0:0:0:0:0:1" in text
    assert "DNS:localhost" in text
    assert "TLS Web Server Authentication" in text
    assert "CA:FALSE" in text


def test_ca_is_a_ca(tls_certs):
    text = x509_text(tls_certs.ca().cert)

    assert "CA:TRUE" in text
    assert "Certificate Sign" in text and "CRL Sign" in text


def test_default_validity_starts_just_before_now_and_lasts_the_days_asked(fresh):
    issued = fresh.server_cert("s", days=10)

    not_before, not_after = dates(issued.cert)

    assert NOW - datetime.timedelta(minutes=5) <= not_before <= datetime.datetime.now(
        datetime.timezone.utc)
    assert not_after - not_before == datetime.timedelta(days=10)
    assert (not_before, not_after) == (issued.not_before, issued.not_after)


def test_expired_cert_has_past_dates_and_fails_verification_as_expired(fresh):
    issued = fresh.expired_server_cert("old")

    not_before, not_after = dates(issued.cert)
    ok, out = verify(fresh.ca().cert, issued.cert)

    assert not_before < not_after < NOW
    assert not ok
    assert "certificate has expired" in out


def test_not_yet_valid_cert_has_future_dates_and_fails_verification(fresh):
    issued = fresh.not_yet_valid_server_cert("early")

    not_before, _ = dates(issued.cert)
    ok, out = verify(fresh.ca().cert, issued.cert)

    assert not_before > NOW + datetime.timedelta(days=29)
    assert not ok
    assert "certificate is not yet valid" in out


def test_explicit_dates_are_used_exactly(fresh):
    start = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    end = datetime.datetime(2031, 6, 7, 8, 9, 10, tzinfo=datetime.timezone.utc)

    issued = fresh.server_cert("dated", not_before=start, not_after=end)

    assert dates(issued.cert) == (start, end)


def test_cert_of_an_unrelated_ca_is_trusted_only_by_that_ca(fresh):
    other = fresh.other_ca()
    foreign = fresh.server_cert("foreign", ca=other.name)

    ok_default, out = verify(fresh.ca().cert, foreign.cert)
    ok_other, out_other = verify(other.cert, foreign.cert)

    assert not ok_default
    assert "unable to get local issuer certificate" in out
    assert ok_other, out_other


def test_mismatched_pair_has_a_valid_cert_and_a_key_that_is_not_its_own(fresh):
    pair = fresh.mismatched_key_pair("wrong")

    ok, out = verify(fresh.ca().cert, pair.cert)

    assert ok, out
    assert public_key(["x509", "-in", pair.cert, "-noout"]) != public_key(
        ["pkey", "-in", pair.key])
    with pytest.raises(ssl.SSLError):
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(pair.cert, pair.key)


def test_matching_pair_has_the_same_public_key(tls_certs):
    server = tls_certs.get("server")

    assert public_key(["x509", "-in", server.cert, "-noout"]) == public_key(
        ["pkey", "-in", server.key])


def test_password_protected_key_opens_only_with_its_password(fresh):
    issued = fresh.server_cert("locked", password="s3cret pass")

    with_pass = openssl("pkey", "-in", issued.key, "-passin", "pass:s3cret pass", "-noout")
    without = openssl("pkey", "-in", issued.key, "-passin", "pass:", "-noout")
    wrong = openssl("pkey", "-in", issued.key, "-passin", "pass:nope", "-noout")

    assert "ENCRYPTED PRIVATE KEY" in open(issued.key).read()
    assert with_pass.returncode == 0, with_pass.stderr
    assert without.returncode != 0
    assert wrong.returncode != 0
    assert issued.password == "s3cret pass"


def test_client_cert_carries_the_cn_and_client_auth(fresh):
    alice = fresh.client_cert("alice")

    subject = openssl("x509", "-in", alice.cert, "-noout", "-subject",
                      "-nameopt", "RFC2253").stdout
    ok, out = verify(fresh.ca().cert, alice.cert, "-purpose", "sslclient")
    as_server, _ = verify(fresh.ca().cert, alice.cert, "-purpose", "sslserver")

    assert "CN=alice" in subject
    assert ok, out
    assert not as_server


def test_revoked_cert_is_refused_with_the_crl_and_others_are_not(fresh):
    alice, bob = fresh.client_cert("alice"), fresh.client_cert("bob")
    fresh.revoke(alice)

    crl = fresh.crl()
    listed = openssl("crl", "-in", crl, "-noout", "-text").stdout
    ok_alice, out_alice = verify(fresh.ca().cert, alice.cert, "-crl_check", "-CRLfile", crl)
    ok_bob, out_bob = verify(fresh.ca().cert, bob.cert, "-crl_check", "-CRLfile", crl)

    assert f"Serial Number: {alice.serial_hex}" in listed
    assert bob.serial_hex not in listed
    assert not ok_alice
    assert "certificate revoked" in out_alice
    assert ok_bob, out_bob


def test_revoking_by_path_and_a_second_crl_accumulate(fresh):
    first, second = fresh.server_cert("a"), fresh.server_cert("b")
    fresh.revoke(first)
    crl1 = openssl("crl", "-in", fresh.crl(), "-noout", "-text").stdout

    fresh.revoke(second.cert)  # a bare path: the factory finds the CA by serial
    crl2 = openssl("crl", "-in", fresh.crl(), "-noout", "-text").stdout

    assert second.serial_hex not in crl1
    assert first.serial_hex in crl2 and second.serial_hex in crl2


def test_serial_numbers_are_unique_across_cas_and_match_the_certificates(fresh):
    made = [fresh.server_cert(), fresh.server_cert(), fresh.client_cert("c"),
            fresh.expired_server_cert(), fresh.server_cert(ca=fresh.other_ca().name)]

    serials = [int(openssl("x509", "-in", m.cert, "-noout", "-serial").stdout.strip()
                   .split("=")[1], 16) for m in made]
    serials += [int(openssl("x509", "-in", ca.cert, "-noout", "-serial").stdout.strip()
                    .split("=")[1], 16) for ca in (fresh.ca(), fresh.other_ca())]

    assert serials[:len(made)] == [m.serial for m in made]
    assert len(set(serials)) == len(serials)


def test_ec_ca_signs_ec_and_rsa_certs(fresh):
    ca = fresh.ca("ec-ca", key_type="ec")
    ec = fresh.server_cert("ec-leaf", ca="ec-ca", key_type="ec")
    rsa = fresh.server_cert("rsa-leaf", ca="ec-ca")

    ca_text, ec_text = x509_text(ca.cert), x509_text(ec.cert)

    assert "ecdsa-with-SHA256" in ca_text and "prime256v1" in ca_text
    assert "id-ecPublicKey" in ec_text and "prime256v1" in ec_text
    assert "rsaEncryption" in x509_text(rsa.cert)
    for leaf in (ec, rsa):
        ok, out = verify(ca.cert, leaf.cert)
        assert ok, out


def test_python_ssl_accepts_the_server_cert_for_every_loopback_name(tls_certs):
    server_ctx = server_context(tls_certs.get("server"))

    for host in ("127.0.0.1", "::1", "localhost"):
        peer = handshake(server_ctx, client_context(tls_certs.ca().cert), host)
        assert ("DNS", "localhost") in peer["subjectAltName"]
        assert peer["serialNumber"] == tls_certs.get("server").serial_hex


def test_python_ssl_loads_the_encrypted_key_and_refuses_unrelated_ca(fresh):
    locked = fresh.server_cert("locked", key_type="ec", password="pw")
    other = fresh.other_ca()

    handshake(server_context(locked), client_context(fresh.ca().cert), "localhost")
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(server_context(locked), client_context(other.cert), "localhost")


def test_a_name_is_issued_only_once(fresh):
    fresh.server_cert("once")

    with pytest.raises(ValueError):
        fresh.server_cert("once")
    assert fresh.ca() is fresh.ca()


def test_bundle_concatenates_ca_certs(fresh):
    path = fresh.bundle("both-cas", fresh.ca().cert, fresh.other_ca().cert)
    leaf = fresh.server_cert("x", ca="other-ca")

    ok, out = verify(path, leaf.cert)

    assert open(path).read().count("BEGIN CERTIFICATE") == 2
    assert ok, out
