# Large values (32 KiB and more), which Redoubt reads into a block of their own (SET keeps it
# as the value) and writes from the value's block (GET queues the block, no copy): contents,
# ordering among pipelined replies, values changed while a reply still holds the old bytes,
# partial arguments, CLIENT REPLY OFF, MONITOR and SLOWLOG, TLS. The cases that Redis answers
# the same way run against redis-server too.
import hashlib
import re
import socket
import threading

import pytest

from support.resp_client import RespClient, encode_command, expect
from support.tls_helpers import tls_args
from support.tools import wait_until

SIZES = (32 * 1024 - 1, 32 * 1024, 100_000, 1 << 20, 3 * (1 << 20) + 7)


@pytest.fixture(params=["redis", "redoubt"])
def server(request, redis_factory, redoubt_factory):
    return (redis_factory if request.param == "redis" else redoubt_factory)()


def value_of(size, seed):
    block = hashlib.sha256(f"{seed}:{size}".encode()).digest()
    return (block * (size // len(block) + 1))[:size]


def test_values_round_trip_at_every_size(server):
    with RespClient(port=server.port) as c:
        for i, size in enumerate(SIZES):
            v = value_of(size, i)
            expect(c, ("SET", f"k{i}", v), ("simple", "OK"))
            expect(c, ("GET", f"k{i}"), ("bulk", v), f"size {size}")
            expect(c, ("STRLEN", f"k{i}"), ("int", size))
        replies = c.call("MGET", *[f"k{i}" for i in range(len(SIZES))])
        assert replies == ("array", [("bulk", value_of(s, i)) for i, s in enumerate(SIZES)])


def test_pipelined_large_and_small_replies_keep_their_order(server):
    big = value_of(1 << 20, "big")
    with RespClient(port=server.port) as c:
        expect(c, ("SET", "big", big), ("simple", "OK"))
        commands = []
        for i in range(20):
            commands += [("GET", "big"), ("PING",), ("INCR", "n"), ("GET", "nokey")]
        replies = c.pipeline(commands)
    for i in range(20):
        assert replies[4 * i] == ("bulk", big)
        assert replies[4 * i + 1] == ("simple", "PONG")
        assert replies[4 * i + 2] == ("int", i + 1)
        assert replies[4 * i + 3] is None


def test_large_argument_arriving_in_pieces_then_pipelined_commands(server):
    v = value_of(500_000, "pieces")
    payload = encode_command("SET", "k", v) + encode_command("GET", "k") + b"PING\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as s:
        for start in range(0, len(payload), 7919):  # odd-sized pieces
            s.sendall(payload[start:start + 7919])
        want = b"+OK\r\n" + b"$%d\r\n" % len(v) + v + b"\r\n+PONG\r\n"
        got = b""
        while len(got) < len(want):
            chunk = s.recv(1 << 20)
            assert chunk, got[:100]
            got += chunk
    assert got == want


def test_value_changed_while_a_reply_is_still_being_written(redoubt_factory):
    """A GET's reply holds the value's block until it is written; an APPEND, SETRANGE or SET
    meanwhile must change a copy, never the bytes the reply still sends."""
    s = redoubt_factory()
    old = value_of(8 << 20, "old")
    with RespClient(port=s.port) as writer:
        expect(writer, ("SET", "k", old), ("simple", "OK"))
        reader = socket.create_connection(("127.0.0.1", s.port), timeout=20)
        # 24 MB of replies, not read yet: more than the socket buffers hold, so they wait.
        reader.sendall(encode_command("GET", "k") * 3)
        # The reader may be on another I/O thread: change the value only once its first GET
        # has run (its reply waits in the output buffer), not when its bytes were merely sent.
        assert wait_until(lambda: re.search(rb"omem=[1-9][0-9]* .*cmd=get ",
                                            writer.call("CLIENT", "LIST")[1]), timeout=20)
        expect(writer, ("SETRANGE", "k", "0", "XXXX"), ("int", len(old)))
        expect(writer, ("APPEND", "k", "tail"), ("int", len(old) + 4))
        want = (b"$%d\r\n" % len(old) + old + b"\r\n")
        got = b""
        while len(got) < 3 * len(want):
            chunk = reader.recv(1 << 20)
            assert chunk
            got += chunk
        reader.close()
        # The first reply was queued before the change, so it is the old value exactly; later
        # ones may be either, but never a mix.
        assert got[:len(want)] == want
        for i in (1, 2):
            part = got[i * len(want):(i + 1) * len(want)]
            new = b"$%d\r\n" % (len(old) + 4) + b"XXXX" + old[4:] + b"tail\r\n"
            assert part == want or got[i * len(want):].startswith(new[:len(want)])
        expect(writer, ("GET", "k"), ("bulk", b"XXXX" + old[4:] + b"tail"))


def test_concurrent_readers_and_writers_of_one_large_key(redoubt_factory):
    s = redoubt_factory()
    versions = [value_of(300_000, f"v{i}") for i in range(4)]
    errors = []

    def reader():
        with RespClient(port=s.port) as c:
            for _ in range(100):
                r = c.call("GET", "k")
                if r is not None and r[1] not in versions:
                    errors.append(r[1][:40])

    def writer():
        with RespClient(port=s.port) as c:
            for i in range(100):
                c.call("SET", "k", versions[i % 4])

    threads = [threading.Thread(target=reader) for _ in range(3)] + [threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]


def test_reply_off_slowlog_and_monitor_with_large_values(server):
    v = value_of(200_000, "log")
    with RespClient(port=server.port) as c, RespClient(port=server.port) as mon:
        mon.send("MONITOR")
        assert mon.read_reply() == ("simple", "OK")
        expect(c, ("CONFIG", "SET", "slowlog-log-slower-than", "0"), ("simple", "OK"))
        expect(c, ("SLOWLOG", "RESET"), ("simple", "OK"))
        c.send("CLIENT", "REPLY", "OFF")
        c.send("SET", "k", v)
        c.send("GET", "k")
        c.send("CLIENT", "REPLY", "ON")
        assert c.read_reply() == ("simple", "OK")
        expect(c, ("GET", "k"), ("bulk", v))
        entries = c.call("SLOWLOG", "GET", "10")[1]
        set_args = [e[1][3][1] for e in entries if e[1][3][1][0][1].lower() == b"set"][0]
        # SLOWLOG keeps 128 bytes of an argument and says how many more there were.
        assert set_args[2][1] == v[:128] + b"... (%d more bytes)" % (len(v) - 128)
        expect(c, ("CONFIG", "SET", "slowlog-log-slower-than", "10000"), ("simple", "OK"))
        # MONITOR shows the SET with its whole value, quoted.
        seen = []
        while not any(l.startswith(b'"SET" "k"') for l in seen):
            line = mon.read_reply()[1]
            seen.append(line.split(b"] ", 1)[1] if isinstance(line, bytes) else
                        line.encode().split(b"] ", 1)[1])
        assert len(seen[-1]) > len(v), seen[-1][:60]


def test_large_values_over_tls(redoubt_factory, tls_certs):
    ca = tls_certs.ca().cert
    s = redoubt_factory(tls_args(tls_certs.get("server"), "required"), tls_ca=ca)
    v = value_of(1 << 20, "tls")
    with RespClient(port=s.port, tls_ca=ca) as c:
        expect(c, ("SET", "k", v), ("simple", "OK"))
        replies = c.pipeline([("GET", "k"), ("PING",), ("GET", "k")])
        assert replies == [("bulk", v), ("simple", "PONG"), ("bulk", v)]
