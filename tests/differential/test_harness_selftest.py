# Self-tests of the differential harness (no redoubt needed): the RESP decoder keeps wire
# types apart, diff_replies and the normalisation rules reject broken replies, and a Dual
# connected to redis-server and to a proxy that corrupts one reply reports the mismatch with
# the command and both replies.
import socket
import threading

import pytest

from differential import normalise
from differential.conftest import Dual
from support import servers
from support.compare import diff_replies, sort_elements
from support.resp_client import RespClient


def decode(data):
    a, b = socket.socketpair()
    try:
        a.sendall(data)
        c = RespClient(connect=False)
        c.sock = b
        out = []
        a.shutdown(socket.SHUT_WR)
        while True:
            try:
                out.append(c.read_reply(timeout=1))
            except Exception:  # noqa: BLE001 - end of input
                return out
    finally:
        a.close()
        b.close()


def test_decoder_keeps_wire_types_apart():
    got = decode(b"+OK\r\n$2\r\nOK\r\n:5\r\n$-1\r\n*-1\r\n_\r\n*0\r\n-ERR x\r\n,1.5\r\n#t\r\n"
                 b"(123\r\n%1\r\n+a\r\n:1\r\n~1\r\n:2\r\n>2\r\n+m\r\n$1\r\nx\r\n=7\r\ntxt:abc\r\n"
                 b"!5\r\nERR y\r\n$4\r\na\r\nb\r\n")
    assert got == [("simple", "OK"), ("bulk", b"OK"), ("int", 5), None, ("array", None),
                   ("null", None), ("array", []), ("error", "ERR x"), ("double", "1.5"),
                   ("bool", True), ("bignum", "123"), ("map", [(("simple", "a"), ("int", 1))]),
                   ("set", [("int", 2)]), ("push", [("simple", "m"), ("bulk", b"x")]),
                   ("verbatim", ("txt", b"abc")), ("bloberror", "ERR y"), ("bulk", b"a\r\nb")]


@pytest.mark.parametrize("a,b", [
    (("simple", "OK"), ("bulk", b"OK")),
    (("error", "ERR syntax error"), ("error", "ERR Syntax error")),
    (("error", "ERR x"), ("error", "ERR x ")),
    (("int", 1), ("bulk", b"1")),
    (None, ("array", None)),
    (None, ("null", None)),
    (("array", None), ("array", [])),
    (("array", [("bulk", b"a"), ("bulk", b"b")]), ("array", [("bulk", b"b"), ("bulk", b"a")])),
    (("array", [("array", [("int", 1)])]), ("array", [("array", [("int", 2)])])),
    (("map", [(("bulk", b"k"), ("int", 1))]), ("map", [(("bulk", b"k"), ("int", 2))])),
    (("map", [(("bulk", b"k"), ("int", 1))]), ("array", [("bulk", b"k"), ("int", 1)])),
    (("double", "1.5"), ("double", "1.50")),
    (("bool", True), ("int", 1)),
    (("bulk", b"a\x00"), ("bulk", b"a")),
    (("verbatim", ("txt", b"x")), ("bulk", b"x")),
])
def test_diff_replies_detects_difference(a, b):
    assert diff_replies(a, b) is not None
    assert diff_replies(b, a) is not None
    assert diff_replies(a, a) is None


def test_unordered_comparison_only_ignores_order():
    a = ("array", [("bulk", b"a"), ("bulk", b"b")])
    assert diff_replies(sort_elements(a), sort_elements(("array", [("bulk", b"b"), ("bulk", b"a")]))) is None
    assert diff_replies(sort_elements(a), sort_elements(("array", [("bulk", b"a"), ("bulk", b"c")]))) is not None


def test_ttl_rule_tolerance():
    rule = normalise.rule_for([b"TTL", b"k"])
    assert rule([], ("int", 100), ("int", 99)) is None
    assert rule([], ("int", 100), ("int", 95)) is not None
    assert rule([], ("int", -1), ("int", 5)) is not None
    assert rule([], ("int", -2), ("int", -1)) is not None
    assert rule([], ("int", 5), ("bulk", b"5")) is not None
    assert rule([], ("error", "ERR a"), ("error", "ERR b")) is not None


def test_rules_are_exact_for_errors_and_types():
    for name in normalise.RULES:
        args = [x.encode() for x in name.split()]
        rule = normalise.rule_for(args)
        assert rule(args, ("error", "ERR a"), ("error", "ERR b")) is not None, name
        assert rule(args, ("error", "ERR a"), ("int", 1)) is not None, name
        assert rule(args, ("int", 1), ("bulk", b"1")) is not None, name


def test_default_rule_is_exact():
    assert normalise.rule_for([b"GET", b"k"]) is normalise.exact
    assert normalise.rule_for([b"CLIENT", b"SETNAME", b"x"]) is normalise.exact


INFO_OK = ("bulk", b"# Server\r\nredis_version:7.0.15\r\n\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n")


def test_info_rule():
    rule = normalise.info_rule
    assert rule([], INFO_OK, INFO_OK) is not None  # lacks required server fields
    server = "\r\n".join(f"{f}:1" for f in normalise.INFO_FIELDS_REQUIRED["server"])
    good = ("bulk", f"# Server\r\n{server}\r\n\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=5\r\n".encode())
    other_ttl = ("bulk", good[1].replace(b"avg_ttl=5", b"avg_ttl=9"))
    assert rule([], good, other_ttl) is None
    assert rule([], good, ("bulk", good[1].replace(b"keys=1", b"keys=2"))) is not None
    assert rule([], good, ("bulk", good[1].replace(b"# Keyspace", b"# Keys"))) is not None


def test_client_lines_rule():
    line = ("id=4 addr=127.0.0.1:1 laddr=127.0.0.1:2 fd=7 name=x age=0 idle=0 flags=N db=0 sub=0 "
            "psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=0 argv-mem=10 multi-mem=0 rbs=1 rbp=1 obl=0 "
            "oll=0 omem=0 tot-mem=1 events=r cmd=client|list user=default redir=-1 resp=2\n")
    ok = ("bulk", line.encode())
    assert normalise.client_lines([], ok, ("bulk", line.replace("id=4", "id=99").encode())) is None
    assert normalise.client_lines([], ok, ("bulk", line.replace("name=x", "name=y").encode())) is not None
    assert normalise.client_lines([], ok, ("bulk", line.replace(" events=r", "").encode())) is not None
    assert normalise.client_lines([], ok, ("bulk", line.replace("cmd=client|list", "cmd=client").encode())) is not None


class CorruptingProxy:
    """TCP proxy to a real server that rewrites one byte pattern in replies."""

    def __init__(self, target_port, old, new):
        self.target_port, self.old, self.new = target_port, old, new
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.host, self.port = "127.0.0.1", self.listener.getsockname()[1]
        self.stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.listener.accept()
            except OSError:
                return
            u = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump, args=(c, u, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(u, c, True), daemon=True).start()

    def _pump(self, src, dst, corrupt):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data.replace(self.old, self.new) if corrupt else data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def alive(self):
        return True

    def returncode(self):
        return None

    def log_text(self, limit=0):
        return ""

    def close(self):
        self.stopping = True
        self.listener.close()


@pytest.fixture(scope="module")
def ref_server():
    with servers.redis_server() as s:
        yield s


@pytest.mark.parametrize("old,new,command", [
    (b"-ERR syntax error", b"-ERR Syntax error", ["SET", "k", "v", "NX", "XX"]),
    (b"+OK\r\n", b"$2\r\nOK\r\n", ["SET", "k", "v"]),
    (b"$-1\r\n", b"*-1\r\n", ["GET", "nokey"]),
    (b":0\r\n", b":7\r\n", ["STRLEN", "nokey"]),
])
def test_corrupted_reply_is_reported(ref_server, old, new, command):
    proxy = CorruptingProxy(ref_server.port, old, new)
    pair = type("P", (), {"ref": ref_server, "got": proxy})()
    d = Dual(pair)
    try:
        d.ref.call("FLUSHALL")  # both sides reach the same server: commands must be idempotent
        with pytest.raises(pytest.fail.Exception) as e:
            d.check(*command)
        text = str(e.value)
        assert "DIFFERENTIAL MISMATCH" in text and command[0] in text
        assert "redis-server" in text and "redoubt" in text and "difference" in text
    finally:
        d.close()
        proxy.close()
