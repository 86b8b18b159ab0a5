# Raw sockets for tests that write bytes by hand (bad input, limits, refusals) and for
# RespClient: a connection opened as clients open them, and the two ways those tests read what
# came back: one reply line, or everything until the server closes.
import socket
import time


def raw_connection(port, host="127.0.0.1", timeout=10.0, source=None):
    """A TCP connection to host:port with TCP_NODELAY (so that each write leaves at once, as
    from a real client) and `timeout` on every operation; from the address `source` when given
    (a client playing another host)."""
    sock = socket.create_connection((host, port), timeout=timeout,
                                    source_address=(source, 0) if source else None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_line(sock):
    """The bytes up to and including the first CRLF, or all that arrived before the server
    closed (or reset) the connection."""
    data = b""
    while not data.endswith(b"\r\n"):
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def read_until_close(sock, timeout=10.0):
    """Everything sock receives until the server closes it or `timeout` seconds pass. Returns
    (bytes, closed); a reset counts as closed (it is how a close with our bytes unread
    arrives)."""
    deadline = time.monotonic() + timeout
    data = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False
