# protected-mode and the Unix socket, against redis-server (the reference) and Redoubt.
# "Non-local" clients are played by sockets bound to 127.0.0.2: Redis counts only 127.0.0.1,
# ::1 and Unix sockets as local (islocalClient), and so does Redoubt.
import os
import socket
import stat

import pytest

from support.resp_client import ConnectionClosed, RespClient, expect
from support.sockets import read_line
from support.tools import wait_until

DENIED_START = b"-DENIED Redis is running in protected mode because protected mode is enabled"
BIND = ["--bind", "127.0.0.1 127.0.0.2"]


@pytest.fixture(params=["redis", "redoubt"])
def factory(request, redis_factory, redoubt_factory):
    return redis_factory if request.param == "redis" else redoubt_factory


def from_127_0_0_2(port, payload=b"SET k v\r\n"):
    """Sends payload from source address 127.0.0.2; returns the first reply line (read until
    its CRLF, or until the server closes)."""
    with socket.socket() as s:
        s.settimeout(10)
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.2", port))
        s.sendall(payload)
        return read_line(s)


def test_non_local_client_is_denied_without_a_password(factory):
    s = factory(BIND)
    data = from_127_0_0_2(s.port)
    assert data.startswith(DENIED_START) and data.endswith(b"outside.\r\n"), data[:200]
    with RespClient(port=s.port) as local:
        expect(local, ("GET", "k"), None, "the denied SET ran nothing")
        rejected = [l for l in local.call("INFO", "stats")[1].decode().split("\r\n")
                    if l.startswith("rejected_connections:")]
        assert rejected == ["rejected_connections:1"], rejected


def test_denied_text_is_redis_text_byte_for_byte(redis_factory, redoubt_factory):
    ref = from_127_0_0_2(redis_factory(BIND).port)
    got = from_127_0_0_2(redoubt_factory(BIND).port)
    assert ref.startswith(DENIED_START)
    assert got == ref


def test_password_lifts_protected_mode(factory):
    s = factory(BIND + ["--requirepass", "pw"])
    assert from_127_0_0_2(s.port) == b"-NOAUTH Authentication required.\r\n"


def test_protected_mode_no_serves_everyone(factory):
    s = factory(BIND + ["--protected-mode", "no"])
    assert from_127_0_0_2(s.port) == b"+OK\r\n"


def test_config_set_protected_mode_no_takes_effect_for_new_clients(factory):
    s = factory(BIND)
    assert from_127_0_0_2(s.port).startswith(DENIED_START)
    with RespClient(port=s.port) as local:
        expect(local, ("CONFIG", "SET", "protected-mode", "no"), ("simple", "OK"))
    assert from_127_0_0_2(s.port) == b"+OK\r\n"


def test_unix_socket_is_local_and_uses_unixsocketperm(factory, tmp_path):
    # A short path: Redis cuts the address it shows at 46 bytes (NET_ADDR_STR_LEN), and
    # pytest's tmp_path (longer under xdist) would make the two differ for that reason alone.
    path = f"/tmp/rdt-{os.getpid()}-{id(tmp_path) % 100000}.sock"
    s = factory(BIND + ["--unixsocket", path, "--unixsocketperm", "700"])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    with socket.socket(socket.AF_UNIX) as u:
        u.settimeout(10)
        u.connect(path)
        u.sendall(b"CLIENT INFO\r\n")
        data = b""
        while not data.endswith(b"\r\n") or data.count(b"\r\n") < 2:
            data += u.recv(65536)
    info = data.split(b"\r\n")[1].decode()
    fields = dict(f.split("=", 1) for f in info.split(" ") if "=" in f)
    assert fields["addr"] == path + ":0" and fields["laddr"] == path + ":0", info
    assert fields["flags"] == "U", info
    with RespClient(port=s.port) as local:
        expect(local, ("CONFIG", "GET", "unixsocketperm"),
               ("array", [("bulk", b"unixsocketperm"), ("bulk", b"700")]))
    s.stop()
    assert not os.path.exists(path), "the socket file is removed at shutdown"


def test_unix_socket_is_never_filtered_by_network_allow(redoubt_factory, tmp_path):
    """Ours: the Unix socket is the documented way back in when network-allow excludes every
    TCP source (README)."""
    path = str(tmp_path / "server.sock")
    s = redoubt_factory(["--unixsocket", path, "--network-allow", "10.0.0.0/8"], wait=False)

    def unix_call(line):
        with socket.socket(socket.AF_UNIX) as u:
            u.settimeout(10)
            u.connect(path)
            u.sendall(line)
            return u.recv(100)

    def up():
        try:
            return unix_call(b"PING\r\n") == b"+PONG\r\n"
        except OSError:
            return False
    assert wait_until(up, 10), s.log_text()[-2000:]
    with pytest.raises((ConnectionClosed, OSError)):
        with RespClient(port=s.port, timeout=5) as tcp:
            tcp.call("PING")
    assert unix_call(b"CONFIG SET network-allow \"\"\r\n") == b"+OK\r\n"
    with RespClient(port=s.port) as tcp:
        expect(tcp, ("PING",), ("simple", "PONG"), "TCP works again after the change")
