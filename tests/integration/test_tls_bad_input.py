# Bad input on a TLS port: garbage instead of a ClientHello, a truncated ClientHello, a client
# that connects and says nothing, a real client that stalls mid-handshake, plaintext in
# required, TLS in none, a few hundred half-open handshakes at once, and more of them than
# maxclients allows. Each is closed (or, in preferred, a silent client is served as
# plaintext), counted in INFO ssl, and never disturbs a bystander TLS client that keeps
# working throughout.
import select
import socket
import ssl
import time

import pytest

from support.resp_client import RespClient, expect, unwrap
from support.sockets import raw_connection, read_until_close
from support.tls_helpers import TRUNCATED_CLIENT_HELLO, info_int, info_ssl, tls_args, tls_client
from support.tools import wait_until

# Short enough to keep the tests quick, long enough that a loaded machine running the ASan
# build does not time a handshake out while a test is still looking at it.
TIMEOUT_MS = 1000


@pytest.fixture
def node(redoubt_factory, tls_certs):
    """A required-mode server with a short handshake timeout and a TLS bystander."""
    ca = tls_certs.ca().cert
    server = redoubt_factory(tls_args(tls_certs.get("server"), "required",
                                      ["--tls-handshake-timeout", str(TIMEOUT_MS)]), tls_ca=ca)
    bystander = tls_client(server, ca)
    expect(bystander, ("SET", "alive", "1"), ("simple", "OK"))
    yield server, bystander
    expect(bystander, ("GET", "alive"), ("bulk", b"1"))
    assert server.alive()
    bystander.close()


def read_or_reset(sock):
    """What the server sent before closing: a reset (our unread bytes) counts as nothing."""
    try:
        return sock.recv(100)
    except ConnectionResetError:
        return b""


def closed_within(sock, seconds):
    """True when the server closes sock within `seconds` (whatever it sent first is dropped)."""
    return read_until_close(sock, seconds)[1]


def test_plaintext_garbage_is_refused_unanswered(node):
    server, bystander = node
    s = raw_connection(server.port, timeout=3)
    s.sendall(b"\x00\xffGARBAGE\r\n*1\r\n$4\r\nPING\r\n")
    assert read_or_reset(s) == b""
    s.close()
    assert info_int(bystander, "tls_plaintext_refused") == 1


def test_garbage_after_handshake_byte_fails_the_handshake(node):
    server, bystander = node
    s = raw_connection(server.port, timeout=5)
    s.sendall(b"\x16\x03\x01\x00\x10" + b"not a client hello at all")
    assert closed_within(s, 10)
    s.close()
    assert wait_until(lambda: info_int(bystander, "tls_handshakes_failed") == 1, 10)


def test_truncated_client_hello_times_out(node):
    server, bystander = node
    start = time.monotonic()   # before connecting: the server's clock starts at its accept
    s = raw_connection(server.port, timeout=5)
    s.sendall(TRUNCATED_CLIENT_HELLO)
    # Closed by tls-handshake-timeout (1 s here), not by the 5 s default: the widest bound that
    # still tells them apart, so a loaded machine cannot fail it; and not before the timeout.
    assert closed_within(s, 4.5)
    assert time.monotonic() - start >= TIMEOUT_MS / 1000 * 0.95
    s.close()
    assert info_int(bystander, "tls_handshakes_timed_out") == 1


def test_silent_client_times_out_in_required(node):
    server, bystander = node
    s = raw_connection(server.port, timeout=5)
    assert closed_within(s, 10)
    s.close()
    assert info_int(bystander, "tls_handshakes_timed_out") == 1


def test_real_client_stalling_mid_handshake_times_out(node, tls_certs):
    server, bystander = node
    # A genuine ClientHello from Python's ssl, sent by hand; the server's reply is never
    # answered.
    context = ssl.create_default_context(cafile=tls_certs.ca().cert)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    s = raw_connection(server.port, timeout=5)
    s.sendall(outgoing.read())
    s.settimeout(10)
    assert s.recv(65536)[:1] == b"\x16"  # ServerHello came back: the handshake is under way
    # (Its tls_handshakes_in_progress gauge is checked in the maxclients test below, where the
    # timeout is long enough to look at it; here the 1 s timeout may already have passed.)
    assert closed_within(s, 10)
    s.close()
    assert info_int(bystander, "tls_handshakes_timed_out") == 1
    assert wait_until(lambda: info_int(bystander, "tls_handshakes_in_progress") == 0, 10)


def test_hundreds_of_half_open_handshakes(node):
    server, bystander = node
    socks = [raw_connection(server.port, timeout=5) for _ in range(300)]
    for s in socks:
        s.sendall(TRUNCATED_CLIENT_HELLO)
    # The bystander is served while they hang.
    for i in range(50):
        expect(bystander, ("INCR", "during"), ("int", i + 1))
    assert wait_until(lambda: info_int(bystander, "tls_handshakes_timed_out") == 300, 10)
    f = info_ssl(bystander)
    assert f["tls_handshakes_in_progress"] == "0"
    assert f["tls_mode_connected_tls_clients"] == "1"
    for s in socks:
        assert closed_within(s, 5)
        s.close()


def test_silent_client_in_preferred_becomes_plaintext(redoubt_factory, tls_certs):
    server = redoubt_factory(tls_args(tls_certs.get("server"), "preferred",
                                      ["--tls-handshake-timeout", str(TIMEOUT_MS)]))
    with RespClient(port=server.port) as c, tls_client(server, tls_certs.ca().cert) as observer:
        # A pooled connection, idle before its first command: wait (bounded) until the handshake
        # timeout has admitted it as plaintext, as the TLS observer sees it, then speak. (The
        # launcher's readiness probe is closed server-side before the test starts.)
        assert wait_until(lambda: info_int(observer, "tls_mode_connected_tcp_clients") == 1, 10)
        expect(c, ("PING",), ("simple", "PONG"))
        f = info_ssl(c)
        assert f["tls_handshakes_timed_out"] == "0"
        assert f["tls_mode_connected_tcp_clients"] == "1"


def test_tls_client_against_none_mode(redoubt_factory, tls_certs):
    server = redoubt_factory(tls_args(tls_certs.get("server"), "none"))
    with pytest.raises((ssl.SSLError, ConnectionError, socket.timeout)):
        RespClient(port=server.port, tls_ca=tls_certs.ca().cert, timeout=3)
    with RespClient(port=server.port) as c:
        expect(c, ("PING",), ("simple", "PONG"))


def test_half_open_handshakes_count_against_maxclients(redoubt_factory, tls_certs):
    ca = tls_certs.ca().cert
    # A handshake timeout long enough that none expires while the test counts, even under ASan
    # on a loaded machine: the counting below must happen within it.
    server = redoubt_factory(tls_args(tls_certs.get("server"), "required",
                                      ["--tls-handshake-timeout", "10000", "--maxclients", "20"]),
                             tls_ca=ca)
    bystander = tls_client(server, ca)
    # The launcher's readiness PING connection must be gone before counting.
    assert wait_until(lambda: b"connected_clients:1\r\n" in unwrap(
        bystander.call("INFO", "clients")), 10)
    socks = [raw_connection(server.port, timeout=5) for _ in range(30)]
    for s in socks:
        s.sendall(TRUNCATED_CLIENT_HELLO)
    # 19 fit beside the bystander; the rest are turned away at accept.
    assert wait_until(lambda: info_int(bystander, "tls_handshakes_in_progress") == 19, 5)
    assert wait_until(lambda: b"rejected_connections:11\r\n" in unwrap(
        bystander.call("INFO", "stats")), 5), unwrap(bystander.call("INFO", "stats"))
    # The turned-away ones were closed without Redis's plaintext "-ERR max number of clients"
    # (a TLS client could not read it); the others are still waiting, with nothing sent.
    assert wait_until(lambda: len(select.select(socks, [], [], 0)[0]) == 11, 5)
    readable, _, _ = select.select(socks, [], [], 0)
    assert len(readable) == 11
    assert all(read_or_reset(s) == b"" for s in readable)
    # Once they time out, there is room again.
    assert wait_until(lambda: info_int(bystander, "tls_handshakes_timed_out") == 19, 30)
    with tls_client(server, ca) as late:
        expect(late, ("PING",), ("simple", "PONG"))
    for s in socks:
        s.close()
    bystander.close()
