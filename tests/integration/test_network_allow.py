# network-allow: source networks checked at accept, before a byte is read. Clients play
# different sources by binding their socket to 127.0.0.1, 127.0.0.2 or ::1. A CONFIG SET that
# narrows the list closes the open connections it now excludes (after their pending replies);
# a rule that does not parse is refused with its name and changes nothing.
import socket

import pytest

from support.resp_client import RespClient, expect, unwrap
from support.tools import ipv6_loopback_available, wait_until


def client_from(source, port, host="127.0.0.1"):
    """A RespClient whose socket is bound to `source` before it connects."""
    family = socket.AF_INET6 if ":" in source else socket.AF_INET
    c = RespClient(host=host, port=port, connect=False)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.bind((source, 0))
    sock.connect((host, port))
    c.sock = sock
    return c


def refused(source, port, host="127.0.0.1"):
    """True when the server closes a connection from `source` without answering a PING."""
    c = client_from(source, port, host)
    try:
        try:
            c.send("PING")
        except (BrokenPipeError, ConnectionResetError):
            return True
        data, closed = c.read_raw_until_close(timeout=10)
        return closed and data == b""
    finally:
        c.close()


def stat(client, field):
    text = unwrap(client.call("INFO", "stats")).decode()
    return int(text.split(field + ":")[1].split("\r\n")[0])


def test_only_listed_sources_may_connect(redoubt_factory):
    server = redoubt_factory(["--network-allow", "127.0.0.1/32, 10.0.0.0/8"],
                             bind="127.0.0.1 -::1")
    with client_from("127.0.0.1", server.port) as ok:
        expect(ok, ("PING",), ("simple", "PONG"))
        assert refused("127.0.0.2", server.port)
        expected = 1
        if ipv6_loopback_available():
            assert refused("::1", server.port, host="::1")
            expected += 1
        # The refused socket is closed before the refusal is counted: poll (bounded).
        assert wait_until(lambda: stat(ok, "network_allow_refused_connections") == expected, 10), \
            stat(ok, "network_allow_refused_connections")
        assert unwrap(ok.call("CONFIG", "GET", "network-allow")) == [
            b"network-allow", b"127.0.0.1/32 10.0.0.0/8"]


def test_narrowing_closes_excluded_connections(redoubt_factory):
    # 127.0.0.2 plays a remote client, which protected mode would refuse (no password here).
    server = redoubt_factory(["--protected-mode", "no"], bind="127.0.0.1")
    admin = client_from("127.0.0.1", server.port)
    other = client_from("127.0.0.2", server.port)
    expect(other, ("SET", "k", "v"), ("simple", "OK"))

    # The admin (127.0.0.1) narrows the list to its own source: the other one is closed.
    expect(admin, ("CONFIG", "SET", "network-allow", "127.0.0.1/32"), ("simple", "OK"))
    assert other.is_closed(timeout=5)

    expect(admin, ("GET", "k"), ("bulk", b"v"))
    assert refused("127.0.0.2", server.port)
    assert stat(admin, "network_allow_closed_connections") == 1
    other.close()
    other = admin
    # Widening again lets the source back in.
    expect(other, ("CONFIG", "SET", "network-allow", ""), ("simple", "OK"))
    with client_from("127.0.0.1", server.port) as back:
        expect(back, ("PING",), ("simple", "PONG"))
    other.close()
    admin.close()


def test_change_that_excludes_its_own_connection_is_refused(redoubt_factory, tmp_path):
    """CONFIG SET network-allow 10.0.0.0/8 from 127.0.0.1 once locked every client out, loopback
    included, until a restart. Now refused, nothing changes; the unix socket (never filtered)
    may still make the change."""
    path = str(tmp_path / "server.sock")
    server = redoubt_factory(["--unixsocket", path])
    with RespClient(port=server.port) as c:
        reply = c.call("CONFIG", "SET", "network-allow", "10.0.0.0/8")
        assert reply[0] == "error" and reply[1].startswith(
            "ERR CONFIG SET failed (possibly related to argument 'network-allow') - it would "
            "exclude this connection (127.0.0.1:"), reply
        assert "unixsocket" in reply[1], reply
        assert unwrap(c.call("CONFIG", "GET", "network-allow"))[1] == b""
        expect(c, ("PING",), ("simple", "PONG"))
    import socket
    with socket.socket(socket.AF_UNIX) as u:
        u.settimeout(10)
        u.connect(path)
        u.sendall(b"CONFIG SET network-allow 10.0.0.0/8\r\n")
        assert u.recv(100) == b"+OK\r\n"
        u.sendall(b"CONFIG SET network-allow \"\"\r\n")
        assert u.recv(100) == b"+OK\r\n"


@pytest.mark.parametrize("rule,words", [
    ("10.0.0.0/33", "'10.0.0.0/33': the prefix length of an IPv4 network is 0 to 32"),
    ("127.0.0.1/32 fe80::/200", "'fe80::/200'"),
    ("not-an-address", "'not-an-address': not an IPv4 or IPv6 address"),
])
def test_bad_rule_is_refused_and_nothing_changes(redoubt_factory, rule, words):
    server = redoubt_factory(["--network-allow", "127.0.0.0/8"])
    with RespClient(port=server.port) as c:
        reply = c.call("CONFIG", "SET", "network-allow", rule)
        assert reply[0] == "error" and words in reply[1], reply
        assert reply[1].startswith(
            "ERR CONFIG SET failed (possibly related to argument 'network-allow')"), reply
        assert unwrap(c.call("CONFIG", "GET", "network-allow"))[1] == b"127.0.0.0/8"
        expect(c, ("PING",), ("simple", "PONG"))


def test_bad_rule_at_start_names_the_directive(tmp_path):
    from support import servers
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    s = servers.redoubt_server(args=["--network-allow", "10.0.0.0/33"], wait=False)
    s.start()
    code = s.wait_exit(10)
    text = s.log_text()
    s.__exit__(None, None, None)
    assert code != 0
    assert "network-allow" in text and "10.0.0.0/33" in text, text


def test_refused_sources_never_disturb_allowed_clients(redoubt_factory):
    server = redoubt_factory(["--network-allow", "127.0.0.1"])
    with client_from("127.0.0.1", server.port) as ok:
        # A burst of connections from an excluded source, each opened and dropped at once.
        for _ in range(200):
            s = socket.socket()
            s.bind(("127.0.0.3", 0))
            s.connect(("127.0.0.1", server.port))
            s.close()
        assert refused("127.0.0.3", server.port)
        expect(ok, ("PING",), ("simple", "PONG"))
        assert wait_until(lambda: stat(ok, "network_allow_refused_connections") == 201, 10)
