# CONFIG SET port, bind and tls-port on a running server, as Redis 7 rebinds: the new address
# serves at once, the old one stops, connections already open stay, and a port or address that
# cannot be had is refused with Redis's text while the old listeners go on serving. The
# Redis-compatible cases also run against redis-server.
import socket

import pytest

from support import servers
from support.resp_client import ConnectionClosed, RespClient, expect
from support.tls_helpers import tls_args
from support.tools import wait_until


@pytest.fixture(params=["redis", "redoubt"])
def server(request, redis_factory, redoubt_factory):
    return (redis_factory if request.param == "redis" else redoubt_factory)()


def answers(port, host="127.0.0.1", **kw):
    try:
        with RespClient(host=host, port=port, timeout=2, **kw) as c:
            return c.call("PING") == ("simple", "PONG")
    except (OSError, ConnectionClosed):
        return False


def test_config_set_port_moves_the_listener(server):
    old_port, new_port = server.port, servers.free_port()
    with RespClient(port=old_port) as kept:
        expect(kept, ("CONFIG", "SET", "port", str(new_port)), ("simple", "OK"))
        assert wait_until(lambda: answers(new_port), 5), "the new port must serve"
        assert wait_until(lambda: not answers(old_port), 5), "the old port must stop"
        expect(kept, ("PING",), ("simple", "PONG"), "a connection made before stays")
        expect(kept, ("CONFIG", "GET", "port"),
               ("array", [("bulk", b"port"), ("bulk", str(new_port).encode())]))


def test_port_in_use_is_refused_and_the_old_port_serves(server):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        busy = taken.getsockname()[1]
        with RespClient(port=server.port) as c:
            reply = c.call("CONFIG", "SET", "port", str(busy))
            assert reply == ("error", "ERR CONFIG SET failed (possibly related to argument "
                                      "'port') - Unable to listen on this port. Check server logs."), reply
            expect(c, ("CONFIG", "GET", "port"),
                   ("array", [("bulk", b"port"), ("bulk", str(server.port).encode())]))
    assert answers(server.port)


def test_bad_bind_address_is_refused_and_the_old_address_serves(server):
    with RespClient(port=server.port) as c:
        reply = c.call("CONFIG", "SET", "bind", "999.999.999.999")
        assert reply[0] == "error" and reply[1].endswith("Failed to bind to specified addresses."), reply
    assert answers(server.port)


def test_bind_gains_and_loses_an_address(server):
    with RespClient(port=server.port) as c:
        expect(c, ("CONFIG", "SET", "bind", "127.0.0.1 127.0.0.2"), ("simple", "OK"))
        assert wait_until(lambda: answers(server.port, host="127.0.0.2"), 5)
        expect(c, ("CONFIG", "SET", "bind", "127.0.0.1"), ("simple", "OK"))
        assert wait_until(lambda: not answers(server.port, host="127.0.0.2"), 5)
        expect(c, ("PING",), ("simple", "PONG"), "the kept address keeps its connections")
    assert answers(server.port)


def test_setting_every_directive_to_its_own_value_succeeds(redoubt_factory):
    """Redis's "CONFIG sanity" sets every CONFIG GET * value back to itself: every directive
    that is not immutable must accept its own value (port, bind and tls-port rebind to the same
    addresses; audit-log-file, though protected, may be set to the value it has)."""
    s = redoubt_factory()
    with RespClient(port=s.port) as c:
        pairs = c.call("CONFIG", "GET", "*")[1]
        failures = []
        for name, value in zip(pairs[0::2], pairs[1::2]):
            reply = c.call("CONFIG", "SET", name[1], value[1])
            # Immutable ones, and Redis's own protected dir and dbfilename, are refused by Redis
            # too (its test skips them).
            refused_as_redis = b"immutable" in str(reply).encode() or name[1] in (b"dir", b"dbfilename")
            if reply != ("simple", "OK") and not refused_as_redis:
                failures.append((name[1], value[1], reply))
        assert failures == [], failures
        expect(c, ("PING",), ("simple", "PONG"))
        reply = c.call("CONFIG", "SET", "audit-log-file", "/tmp/elsewhere.log")
        assert reply[0] == "error" and "protected" in reply[1], reply


def test_switch_between_tcp_and_tls_ports(redoubt_factory, tls_certs):
    """Redis's "TLS: switch between tcp and tls ports": tls-port 0 then port P (the number the
    TLS listener had), and back."""
    ca = tls_certs.ca().cert
    tls_port = servers.free_port()
    s = redoubt_factory(tls_args(tls_certs.get("server"), "none",
                                 ["--tls-port", str(tls_port)]))
    assert wait_until(lambda: answers(tls_port, tls_ca=ca), 5)
    with RespClient(port=s.port) as c:
        expect(c, ("CONFIG", "SET", "tls-port", "0"), ("simple", "OK"))
        expect(c, ("CONFIG", "SET", "port", str(tls_port)), ("simple", "OK"))
    assert wait_until(lambda: answers(tls_port), 5), "plaintext on the former TLS port"
    with RespClient(port=tls_port) as c:
        expect(c, ("CONFIG", "SET", "port", "0"), ("simple", "OK"))
        expect(c, ("CONFIG", "SET", "tls-port", str(tls_port)), ("simple", "OK"))
    assert wait_until(lambda: answers(tls_port, tls_ca=ca), 5), "TLS again"
    assert not answers(tls_port)


def test_a_refusal_later_in_the_command_moves_the_port_back(redoubt_factory, tmp_path):
    # All or nothing across components: the listener moves first, then the audit log file
    # cannot be opened, so the whole CONFIG SET is refused and the old port serves again.
    s = redoubt_factory(["--enable-protected-configs", "yes"])
    old_port, new_port = s.port, servers.free_port()
    with RespClient(port=old_port) as kept:
        reply = kept.call("CONFIG", "SET", "port", str(new_port),
                          "audit-log-file", str(tmp_path / "missing-dir" / "audit.log"))
        assert reply[0] == "error" and "audit-log-file" in reply[1], reply
        expect(kept, ("CONFIG", "GET", "port"),
               ("array", [("bulk", b"port"), ("bulk", str(old_port).encode())]))
        expect(kept, ("PING",), ("simple", "PONG"))
    assert wait_until(lambda: answers(old_port), 5), "the old port must serve again"
    assert wait_until(lambda: not answers(new_port), 5), "the new port must be given up"
