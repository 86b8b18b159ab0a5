# Differential harness: one reference redis-server and one server under test per test module;
# every test sends the same commands to both over parallel connections and compares replies
# with normalise.compare() (exact unless a per-command rule says otherwise).
#
# Fixtures:
#   pair   (module)   the two servers: pair.ref, pair.got
#   d      (function) a Dual connection in RESP2 after FLUSHALL on both
#   d3     (function) a Dual connection switched to RESP3 with HELLO 3
#   dual   (function) factory: dual(protocol=2) -> another Dual on the same pair
# A crash of the server under test fails the running test with the tail of its log, and the
# next test gets a restarted server, so one crash does not hide the rest of the report.
import collections
import socket
import time

import pytest

from support import servers
from support.resp_client import ConnectionClosed, RespClient, fmt
from differential.normalise import compare, exact

REF_NAME = "redis-server"
GOT_NAME = "redoubt"


class Pair:
    def __init__(self):
        self.ref = servers.redis_server(name="redis-server-ref")
        self.got = servers.redoubt_server(name="redoubt-under-test")

    def start(self):
        self.ref.start()
        try:
            self.got.start()
        except Exception:
            self.ref.stop()
            raise
        return self

    def stop(self):
        for s in (self.got, self.ref):
            s.stop()
            s.remove_log()


class DifferentialMismatch(AssertionError):
    pass


def _safe_call(client, args):
    try:
        return client.call(*args)
    except ConnectionClosed:
        return ("<connection closed by server>", None)
    except socket.timeout:
        return ("<no reply within timeout>", None)
    except OSError as e:
        return ("<socket error>", repr(e))


class Dual:
    """Two connections, one per server, driven in lockstep."""

    def __init__(self, pair, protocol=2, timeout=10.0):
        self.pair = pair
        self.ref = RespClient(pair.ref.host, pair.ref.port, timeout=timeout)
        self.got = RespClient(pair.got.host, pair.got.port, timeout=timeout)
        self.history = collections.deque(maxlen=10)
        self.step = 0
        self.context = ""
        if protocol == 3:
            self.check("HELLO", "3")

    def close(self):
        self.ref.close()
        self.got.close()

    def both(self, *args):
        """Send to both; return (ref_reply, got_reply) without comparing."""
        args = [a.encode() if isinstance(a, str) else (str(a).encode() if isinstance(a, int) else a) for a in args]
        self.step += 1
        r = _safe_call(self.ref, args)
        g = _safe_call(self.got, args)
        self.history.append((args, r, g))
        return r, g

    def check(self, *args, rule=None):
        """Send to both, compare under the command's rule; return the reference reply."""
        r, g = self.both(*args)
        msg = compare(args, r, g, rule)
        if msg:
            self.fail(args, r, g, msg)
        return r

    def check_pair(self, ref_args, got_args, rule=None):
        """Like check(), for commands whose arguments must differ per server (client ids,
        addresses). The reference's arguments are shown in a failure."""
        enc = lambda args: [a.encode() if isinstance(a, str) else (str(a).encode() if isinstance(a, int) else a) for a in args]
        ref_args, got_args = enc(ref_args), enc(got_args)
        self.step += 1
        r = _safe_call(self.ref, ref_args)
        g = _safe_call(self.got, got_args)
        self.history.append((ref_args, r, g))
        msg = compare(ref_args, r, g, rule)
        if msg:
            self.fail(ref_args, r, g, msg, extra=f"  (redoubt got: {render_command(got_args)})")
        return r

    def send_only(self, *args):
        """Send to both without reading a reply (CLIENT REPLY OFF/SKIP, MONITOR streams)."""
        self.ref.send(*args)
        self.got.send(*args)
        self.history.append(([a.encode() if isinstance(a, str) else a for a in args], "<no reply expected>", None))

    def read_both(self, rule=None, what="(asynchronous reply)"):
        r = _read_safe(self.ref)
        g = _read_safe(self.got)
        msg = (rule or exact)([what], r, g)
        if msg:
            self.fail([what], r, g, msg)
        return r, g

    def closed_both(self, timeout=3.0):
        """(ref_closed, got_closed) after waiting up to `timeout` for EOF."""
        return self.ref.is_closed(timeout), self.got.is_closed(timeout)

    def check_all(self, commands):
        for c in commands:
            self.check(*c)

    def fail(self, args, r, g, msg, extra=""):
        lines = [f"DIFFERENTIAL MISMATCH {self.context}at step {self.step}",
                 f"  command       : {render_command(args)}",
                 f"  {REF_NAME:<13} : {fmt(r, 2000)}",
                 f"  {GOT_NAME:<13} : {fmt(g, 2000)}",
                 f"  difference    : {msg}"]
        if extra:
            lines.append(extra)
        if len(self.history) > 1:
            lines.append("  preceding commands on this connection (redis reply):")
            for a, rr, _ in list(self.history)[:-1]:
                lines.append(f"    {render_command(a)}  ->  {fmt(rr, 150)}")
        if not self.pair.got.alive():
            lines.append(f"  SERVER UNDER TEST DIED (exit {self.pair.got.returncode()}); log tail:\n"
                         + self.pair.got.log_text(4000))
        pytest.fail("\n".join(lines), pytrace=False)


def _read_safe(client):
    try:
        return client.read_reply()
    except ConnectionClosed:
        return ("<connection closed by server>", None)
    except socket.timeout:
        return ("<no reply within timeout>", None)


def render_command(args):
    out = []
    for a in args:
        s = a.decode("utf-8", "backslashreplace") if isinstance(a, bytes) else str(a)
        if not s or any(c in s for c in ' "\\\r\n\0') or not s.isprintable():
            s = repr(a if isinstance(a, bytes) else s)
        out.append(s)
    s = " ".join(out)
    return s if len(s) < 400 else s[:400] + f"... ({len(s)} chars)"


@pytest.fixture(scope="module")
def pair():
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    try:
        p = Pair().start()
    except servers.ServerStartError as e:
        pytest.fail(str(e), pytrace=False)
    yield p
    p.stop()


def _client_count(c):
    reply = c.call("CLIENT", "LIST")
    return reply[1].count(b"\n") if reply[0] == "bulk" else -1


def _flushall(server):
    """FLUSHALL and FUNCTION FLUSH (FLUSHALL keeps the function libraries), then leave the
    server with no connection of ours: connections an earlier test closed are unregistered by
    the server on its own time, so wait until this one is the only client, and end it with
    QUIT, which both servers answer only after unregistering it. A test that lists clients
    (CLIENT LIST, INFO clients) then sees only its own."""
    with RespClient(server.host, server.port) as c:
        c.call("SELECT", "0")
        c.call("FUNCTION", "FLUSH")
        reply = c.call("FLUSHALL")
        deadline = time.monotonic() + 10.0
        while _client_count(c) > 1 and time.monotonic() < deadline:
            time.sleep(0.005)  # polling a condition, bounded by the deadline
        c.send("QUIT")
        c.is_closed(timeout=10.0)
        return reply


def _emptied(server):
    """FLUSHALL; True when the server answered +OK."""
    try:
        return _flushall(server) == ("simple", "OK")
    except (OSError, ConnectionClosed):
        return False


@pytest.fixture
def fresh(pair):
    """Both servers alive and empty before the test; a crash during it fails the test.
    If the server under test cannot FLUSHALL (not implemented yet), it is restarted instead,
    so that every test still starts from an empty keyspace (test_flushdb_flushall reports
    the missing command)."""
    if not pair.got.alive():
        pair.got.restart()
    if not pair.ref.alive():
        pair.ref.restart()
    assert _emptied(pair.ref), "reference redis-server did not accept FLUSHALL"
    if not _emptied(pair.got):
        pair.got.restart()
    yield pair
    if not pair.got.alive():
        pytest.fail(f"server under test died during this test (exit {pair.got.returncode()}); "
                    f"log tail:\n{pair.got.log_text(4000)}", pytrace=False)


@pytest.fixture
def dual(fresh):
    opened = []

    def make(protocol=2, timeout=10.0):
        x = Dual(fresh, protocol=protocol, timeout=timeout)
        opened.append(x)
        return x

    yield make
    for x in opened:
        x.close()


@pytest.fixture
def d(dual):
    return dual(2)


@pytest.fixture
def d3(dual):
    return dual(3)


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def dp(request, dual):
    """A Dual connection in RESP2 and, as a second run, RESP3."""
    return dual(request.param)
