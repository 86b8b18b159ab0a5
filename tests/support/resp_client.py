# Minimal raw RESP2/RESP3 client for the test suites (deliberately not redis-py): it sends
# commands as multibulk arrays and decodes replies into values that keep the wire TYPE, so a
# comparison can tell "+OK" from "$2 OK" and "$-1" from "*-1" from RESP3 "_".
#
# Decoded forms:
#   +OK            -> ('simple', 'OK')          -ERR x      -> ('error', 'ERR x')
#   :5             -> ('int', 5)                $3 abc      -> ('bulk', b'abc')
#   $-1            -> None  (RESP2 null bulk)   *-1         -> ('array', None)
#   *2 ...         -> ('array', [...])
#   RESP3: _ -> ('null', None); %n -> ('map', [(k, v), ...]) (pairs, in wire order);
#   ~n -> ('set', [...]); ,1.5 -> ('double', '1.5') (raw text); #t -> ('bool', True);
#   =15 txt:... -> ('verbatim', ('txt', b'...')); (123 -> ('bignum', '123');
#   >n -> ('push', [...]); !n -> ('bloberror', 'ERR ...'); |n -> ('attr', pairs, reply).
import socket
import time

from support.sockets import raw_connection, read_until_close


class ConnectionClosed(Exception):
    """The server closed the connection while a reply was expected."""


class ProtocolError(Exception):
    """The server sent bytes that are not valid RESP."""


def encode_command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, (int, float)):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RespClient:
    """tls_ca: speak TLS, verifying the server with this CA file; tls_session: an
    ssl.SSLSession to resume (after a TLS connection, .sock.session holds the new one);
    source: the local address to connect from."""

    def __init__(self, host="127.0.0.1", port=6379, timeout=10.0, connect=True, tls_ca=None,
                 tls_session=None, tls_context=None, source=None):
        self.host, self.port, self.timeout, self.source = host, port, timeout, source
        self.tls_ca, self.tls_session, self.tls_context = tls_ca, tls_session, tls_context
        self.sock = None
        self.buf = b""
        if connect:
            self.connect()

    def connect(self):
        self.sock = raw_connection(self.port, self.host, self.timeout, self.source)
        if self.tls_ca or self.tls_context:
            import ssl
            context = self.tls_context or ssl.create_default_context(cafile=self.tls_ca)
            try:
                self.sock = context.wrap_socket(self.sock, server_hostname=self.host,
                                                session=self.tls_session)
            except BaseException:
                self.sock.close()
                raise
        self.buf = b""
        return self

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ----- sending ---------------------------------------------------------------------------
    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, *args):
        self.sock.sendall(encode_command(*args))

    def call(self, *args):
        """Send one command and return its decoded reply."""
        self.send(*args)
        return self.read_reply()

    def pipeline(self, commands):
        """Send all commands in one write; return the replies in order."""
        self.sock.sendall(b"".join(encode_command(*c) for c in commands))
        return [self.read_reply() for _ in commands]

    # ----- receiving -------------------------------------------------------------------------
    def _fill(self):
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            raise ConnectionClosed(f"connection closed by server; unparsed bytes: {self.buf[:200]!r}")
        self.buf += chunk

    def _readline(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _readexact(self, n):
        if len(self.buf) < n + 2:
            parts, have = [self.buf], len(self.buf)
            while have < n + 2:
                try:
                    chunk = self.sock.recv(max(65536, min(n + 2 - have, 1 << 22)))
                except ConnectionResetError:
                    chunk = b""
                if not chunk:
                    raise ConnectionClosed("connection closed by server inside a bulk reply")
                parts.append(chunk)
                have += len(chunk)
            self.buf = b"".join(parts)
        data, tail, self.buf = self.buf[:n], self.buf[n:n + 2], self.buf[n + 2:]
        if tail != b"\r\n":
            raise ProtocolError(f"bulk payload not followed by CRLF: {tail!r}")
        return data

    def read_reply(self, timeout=None):
        if timeout is not None:
            old = self.sock.gettimeout()
            self.sock.settimeout(timeout)
            try:
                return self._read_value()
            finally:
                self.sock.settimeout(old)
        return self._read_value()

    def _read_value(self):
        line = self._readline()
        if not line:
            raise ProtocolError("empty reply line")
        t, rest = line[:1], line[1:]
        if t == b"+":
            return ("simple", rest.decode("utf-8", "surrogateescape"))
        if t == b"-":
            return ("error", rest.decode("utf-8", "surrogateescape"))
        if t == b":":
            return ("int", int(rest))
        if t == b"$":
            n = int(rest)
            return None if n < 0 else ("bulk", self._readexact(n))
        if t == b"*":
            n = int(rest)
            return ("array", None) if n < 0 else ("array", [self._read_value() for _ in range(n)])
        if t == b"_":
            return ("null", None)
        if t == b",":
            return ("double", rest.decode())
        if t == b"#":
            if rest not in (b"t", b"f"):
                raise ProtocolError(f"bad boolean {line!r}")
            return ("bool", rest == b"t")
        if t == b"(":
            return ("bignum", rest.decode())
        if t == b"%":
            n = int(rest)
            return ("map", [(self._read_value(), self._read_value()) for _ in range(n)])
        if t == b"~":
            return ("set", [self._read_value() for _ in range(int(rest))])
        if t == b">":
            return ("push", [self._read_value() for _ in range(int(rest))])
        if t == b"=":
            data = self._readexact(int(rest))
            if data[3:4] != b":":
                raise ProtocolError(f"bad verbatim string {data[:10]!r}")
            return ("verbatim", (data[:3].decode(), data[4:]))
        if t == b"!":
            return ("bloberror", self._readexact(int(rest)).decode("utf-8", "surrogateescape"))
        if t == b"|":
            n = int(rest)
            pairs = [(self._read_value(), self._read_value()) for _ in range(n)]
            return ("attr", pairs, self._read_value())
        raise ProtocolError(f"unknown reply type byte in line {line[:100]!r}")

    def read_raw_until_close(self, timeout=5.0):
        """Read everything until the server closes the connection. Returns (bytes, closed)."""
        data, closed = read_until_close(self.sock, timeout)
        data, self.buf = self.buf + data, b""
        if not closed:
            self.sock.settimeout(self.timeout)
        return data, closed

    def read_raw_available(self, idle=0.2, limit=5.0):
        """Read what arrives until `idle` seconds pass without data (or EOF). Returns
        (bytes, closed)."""
        data, self.buf = self.buf, b""
        deadline = time.monotonic() + limit
        closed = False
        while time.monotonic() < deadline:
            self.sock.settimeout(idle)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
        self.sock.settimeout(self.timeout)
        return data, closed

    def is_closed(self, timeout=2.0):
        """True if the server closes the connection within `timeout` (pending bytes are
        discarded)."""
        _, closed = self.read_raw_until_close(timeout)
        return closed


def fmt(reply, limit=300):
    """Readable one-line rendering of a decoded reply for failure messages."""
    s = repr(reply)
    return s if len(s) <= limit else s[:limit] + f"... ({len(s)} chars)"


def unwrap(reply):
    """Turn a decoded reply into plain Python values (bytes, int, list, dict...), for tests
    that do not care about wire types. Errors become RespError instances."""
    if reply is None:
        return None
    kind = reply[0]
    val = reply[1]
    if kind in ("array", "set", "push"):
        return None if val is None else [unwrap(v) for v in val]
    if kind == "map":
        return {_hashable(unwrap(k)): unwrap(v) for k, v in val}
    if kind == "error" or kind == "bloberror":
        return RespError(val)
    if kind == "null":
        return None
    if kind == "verbatim":
        return val[1]
    if kind == "attr":
        return unwrap(reply[2])
    return val


def _hashable(v):
    return tuple(v) if isinstance(v, list) else v


class RespError(str):
    """An error reply after unwrap()."""


def expect(client, args, wanted, what=""):
    """client.call(*args) must return `wanted`; the failure shows the command and the full reply
    (pytest's own assertion rewriting would truncate it)."""
    reply = client.call(*args)
    if reply != wanted:
        shown = " ".join(a.decode("utf-8", "backslashreplace") if isinstance(a, bytes) else str(a) for a in args)
        raise AssertionError(f"{what + ': ' if what else ''}{shown[:200]} -> {fmt(reply, 1000)}; "
                             f"expected {fmt(wanted, 500)}")
    return reply


def config_get(client, name):
    """The value of one CONFIG GET parameter as bytes; fails readably on any other reply."""
    reply = client.call("CONFIG", "GET", name)
    if reply and reply[0] == "map" and len(reply[1]) == 1 and reply[1][0][1][0] == "bulk":
        return reply[1][0][1][1]
    if reply and reply[0] == "array" and reply[1] and len(reply[1]) == 2 and reply[1][1][0] == "bulk":
        return reply[1][1][1]
    raise AssertionError(f"CONFIG GET {name} -> {fmt(reply, 1000)}")
