# Switching TLS online: tls-mode none → preferred → required on a running server, with the
# connections each step must keep or close; certificate rotation with CONFIG SET (one command,
# both files) and SIGHUP, refused with a named reason when the new files are bad; CONFIG GET
# and CONFIG REWRITE of the TLS directives.
import os
import shutil
import signal
import ssl

import pytest
import redis

from support.resp_client import ConnectionClosed, RespClient, expect, unwrap
from support.tls_helpers import info_int, info_ssl, tls_args, tls_client
from support.tools import wait_until


def peer_serial(port, ca):
    """The serial number (hex, upper case) of the certificate a new handshake presents."""
    context = ssl.create_default_context(cafile=ca)
    with RespClient(port=port, tls_context=context) as c:
        return c.sock.getpeercert()["serialNumber"].upper()


def test_none_preferred_required_keeps_the_right_connections(redoubt_factory, tls_certs):
    ca = tls_certs.ca().cert
    server = redoubt_factory(tls_args(tls_certs.get("server"), "none"))
    plain = RespClient(port=server.port)
    expect(plain, ("SET", "before", "1"), ("simple", "OK"))
    py_plain = redis.Redis(port=server.port, socket_timeout=5)
    assert py_plain.ping()

    # none → preferred: every existing plaintext connection keeps working; TLS now connects.
    expect(plain, ("CONFIG", "SET", "tls-mode", "preferred"), ("simple", "OK"))
    expect(plain, ("GET", "before"), ("bulk", b"1"))
    assert py_plain.get("before") == b"1"
    secure = tls_client(server, ca)
    expect(secure, ("SET", "secure", "1"), ("simple", "OK"))
    late_plain = RespClient(port=server.port)
    expect(late_plain, ("PING",), ("simple", "PONG"))
    f = info_ssl(secure)
    assert (f["tls_mode"], f["tls_mode_connected_tcp_clients"],
            f["tls_mode_connected_tls_clients"]) == ("preferred", "3", "1")

    # preferred → required, sent over plaintext: the reply still arrives, then every plaintext
    # connection is closed; the TLS one is untouched.
    plain.send("CONFIG", "SET", "tls-mode", "required")
    data, closed = plain.read_raw_until_close(timeout=10)
    assert data == b"+OK\r\n" and closed, data
    assert late_plain.is_closed(timeout=10)
    with pytest.raises(redis.ConnectionError):
        py_plain.get("before")
    expect(secure, ("GET", "before"), ("bulk", b"1"))
    f = info_ssl(secure)
    assert f["tls_mode_connected_tcp_clients"] == "0"
    assert int(f["tls_plaintext_closed"]) >= 2
    with RespClient(port=server.port) as refused:
        refused.send("PING")
        assert refused.read_raw_until_close(timeout=10) == (b"", True)
    secure.close()


def test_mode_switch_refused_without_certificate(redoubt):
    with RespClient(port=redoubt.port) as c:
        reply = c.call("CONFIG", "SET", "tls-mode", "preferred")
        assert reply[0] == "error" and "needs a certificate" in reply[1], reply
        assert unwrap(c.call("CONFIG", "GET", "tls-mode")) == [b"tls-mode", b"none"]
        reply = c.call("CONFIG", "SET", "tls-mode", "sometimes")
        assert reply[0] == "error" and "none, preferred, required" in reply[1], reply


def test_back_to_none_keeps_established_tls_clients(redoubt_factory, tls_certs):
    ca = tls_certs.ca().cert
    server = redoubt_factory(tls_args(tls_certs.get("server"), "preferred"))
    secure = tls_client(server, ca)
    with RespClient(port=server.port) as plain:
        expect(plain, ("CONFIG", "SET", "tls-mode", "none"), ("simple", "OK"))
    expect(secure, ("PING",), ("simple", "PONG"))
    secure.close()


def test_certificate_rotation_with_config_set(redoubt_factory, tls_certs):
    ca = tls_certs.ca().cert
    first = tls_certs.get("server")
    server = redoubt_factory(tls_args(first, "required"), tls_ca=ca)
    established = tls_client(server, ca)
    assert peer_serial(server.port, ca) == first.serial_hex
    assert info_ssl(established)["ssl_current_certificate_serial"] == first.serial_hex

    second = tls_certs.server_cert()
    expect(established, ("CONFIG", "SET", "tls-cert-file", second.cert, "tls-key-file", second.key),
           ("simple", "OK"))
    assert peer_serial(server.port, ca) == second.serial_hex
    expect(established, ("PING",), ("simple", "PONG"))  # existing session continues
    f = info_ssl(established)
    assert f["ssl_current_certificate_serial"] == second.serial_hex
    assert int(f["tls_certificate_expires_in_seconds"]) > 300 * 86400
    assert f["ssl_current_certificate_not_after_date"].endswith(" GMT")
    established.close()
    # Logged as a SIGHUP reload is, naming the new serial.
    assert f"TLS certificate reloaded by CONFIG SET (serial {second.serial_hex}" in \
        server.log_text(), server.log_text()[-2000:]


@pytest.mark.parametrize("problem", ["expired", "not_yet_valid", "mismatched", "missing",
                                     "key_only"])
def test_bad_certificate_is_refused_and_old_one_stays(redoubt_factory, tls_certs, problem):
    ca = tls_certs.ca().cert
    good = tls_certs.get("server")
    server = redoubt_factory(tls_args(good, "required"), tls_ca=ca)
    if problem == "expired":
        bad = tls_certs.expired_server_cert()
        cert, key, words = bad.cert, bad.key, "has expired"
    elif problem == "not_yet_valid":
        bad = tls_certs.not_yet_valid_server_cert()
        cert, key, words = bad.cert, bad.key, "is not yet valid"
    elif problem == "mismatched":
        bad = tls_certs.mismatched_key_pair()
        cert, key, words = bad.cert, bad.key, "does not match"
    elif problem == "missing":
        cert, key, words = "/nonexistent/server.crt", good.key, "No such file or directory"
    else:
        # Only the key changes (to one of another certificate): it no longer matches.
        cert, key, words = None, tls_certs.server_cert().key, "does not match"
    with tls_client(server, ca) as c:
        args = ["CONFIG", "SET"] + (["tls-cert-file", cert] if cert else []) + ["tls-key-file", key]
        reply = c.call(*args)
        assert reply[0] == "error" and words in reply[1], reply
        assert reply[1].startswith("ERR CONFIG SET failed (possibly related to argument 'tls-"), reply
        assert unwrap(c.call("CONFIG", "GET", "tls-cert-file"))[1] == good.cert.encode()
        assert info_ssl(c)["ssl_current_certificate_serial"] == good.serial_hex
        # A refused swap is a failed reload, counted and logged as a failed SIGHUP is.
        assert info_int(c, "tls_certificate_reload_failures") == 1
    assert peer_serial(server.port, ca) == good.serial_hex
    assert "TLS reload by CONFIG SET failed, keeping the current certificate" in \
        server.log_text()


def test_sighup_rereads_the_files(redoubt_factory, tls_certs, tmp_path):
    ca = tls_certs.ca().cert
    first = tls_certs.get("server")
    cert, key = str(tmp_path / "live.crt"), str(tmp_path / "live.key")
    shutil.copy(first.cert, cert)
    shutil.copy(first.key, key)
    server = redoubt_factory(["--tls-cert-file", cert, "--tls-key-file", key, "--tls-mode",
                              "preferred"])
    renewed = tls_certs.server_cert()
    shutil.copy(renewed.cert, cert)
    shutil.copy(renewed.key, key)
    os.kill(server.pid, signal.SIGHUP)
    assert wait_until(lambda: peer_serial(server.port, ca) == renewed.serial_hex, 10)

    # A renewal caught half-written (certificate without its key): refused, old one kept.
    shutil.copy(tls_certs.server_cert().cert, cert)
    os.kill(server.pid, signal.SIGHUP)
    with RespClient(port=server.port) as c:
        assert wait_until(lambda: info_int(c, "tls_certificate_reload_failures") == 1, 10)
    assert peer_serial(server.port, ca) == renewed.serial_hex
    assert "TLS reload by SIGHUP failed" in server.log_text()


def test_config_get_and_rewrite(redoubt_factory, tls_certs, tmp_path):
    conf = tmp_path / "redoubt.conf"
    conf.write_text("# test config\n")
    server = redoubt_factory(tls_args(tls_certs.get("server"), "none"), config_file=str(conf))
    with RespClient(port=server.port) as c:
        expect(c, ("CONFIG", "SET", "tls-mode", "preferred"), ("simple", "OK"))
        got = unwrap(c.call("CONFIG", "GET", "tls-*"))
        pairs = dict(zip(got[::2], got[1::2]))
        assert pairs[b"tls-mode"] == b"preferred"
        assert pairs[b"tls-cert-file"] == tls_certs.get("server").cert.encode()
        assert pairs[b"tls-handshake-timeout"] == b"5000"
        expect(c, ("CONFIG", "REWRITE"), ("simple", "OK"))
    text = conf.read_text()
    assert "tls-mode preferred" in text  # enums unquoted, as Redis writes them
    assert f'tls-cert-file "{tls_certs.get("server").cert}"' in text
