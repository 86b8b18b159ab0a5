# Abuse and bad-input probes that once hurt the node, kept as tests: oversized requests before
# AUTH, replies nobody reads, trickled commands, pipelined large replies. Each test states whether
# it asserts Redis's behaviour (and then runs against redis-server too) or ours, where ours is
# documented as stricter (README, "Limits before AUTH").
import socket
import time

import pytest

from support import servers
from support.resp_client import RespClient, encode_command, expect
from support.sockets import raw_connection, read_until_close
from support.tools import rss_kb, wait_until

PASSWORD = "abuse-test-password"


@pytest.fixture(params=["redis", "redoubt"])
def protected(request, redis_factory, redoubt_factory):
    """A server with requirepass, once redis-server (the reference) and once Redoubt."""
    factory = redis_factory if request.param == "redis" else redoubt_factory
    return factory(["--requirepass", PASSWORD])


def test_unauthenticated_multibulk_over_ten_arguments_is_refused_and_closed(protected):
    """Redis: more than 10 arguments before AUTH is a protocol error, then close."""
    with raw_connection(protected.port) as s:
        s.sendall(b"*11\r\n")
        data, closed = read_until_close(s)
    assert data == b"-ERR Protocol error: unauthenticated multibulk length\r\n" and closed, data


def test_unauthenticated_bulk_over_16k_is_refused_before_its_body(protected):
    """Redis: a bulk over 16 KiB before AUTH is refused when its length arrives, so the
    announced 512 MB are never buffered."""
    with raw_connection(protected.port) as s:
        s.sendall(b"*1\r\n$536870912\r\n")
        data, closed = read_until_close(s)
    assert data == b"-ERR Protocol error: unauthenticated bulk length\r\n" and closed, data


def test_limits_end_with_authentication(protected):
    with RespClient(port=protected.port) as c:
        expect(c, ("AUTH", PASSWORD), ("simple", "OK"))
        big = "x" * 100_000
        expect(c, ("SET", "k", big), ("simple", "OK"), "a 100 KB value after AUTH")
        args = ["MSET"] + [f"k{i}" if j == 0 else "v" for i in range(20) for j in range(2)]
        expect(c, tuple(args), ("simple", "OK"), "40 arguments after AUTH")


def test_unauthenticated_flood_of_large_bulks_does_not_grow_memory(redoubt_factory):
    """The probe that grew RSS from 11 MB to 830 MB: two unauthenticated connections each
    announcing a 512 MB bulk and sending 400 MB. Now refused at the length: RSS stays flat."""
    s = redoubt_factory(["--requirepass", PASSWORD])
    before = rss_kb(s.pid)
    socks = [raw_connection(s.port) for _ in range(2)]
    try:
        for sock in socks:
            sock.sendall(b"*1\r\n$536870912\r\n")
        chunk = b"a" * (1 << 20)
        for sock in socks:
            sent = 0
            try:
                while sent < 400:  # at most 400 MB each; the server closes long before
                    sock.sendall(chunk)
                    sent += 1
            except OSError:
                pass
            assert sent < 400, "the server kept reading an unauthenticated 512 MB bulk"
    finally:
        for sock in socks:
            sock.close()
    assert rss_kb(s.pid) - before < 64 * 1024, f"RSS grew from {before} KB to {rss_kb(s.pid)} KB"
    with RespClient(port=s.port) as c:
        expect(c, ("AUTH", PASSWORD), ("simple", "OK"))


def test_unauthenticated_client_that_never_reads_is_closed(protected):
    """Redis (CVE-2025-21605 fix): a never-authenticated client cannot make the server hold
    replies it does not read. 100 MB of inline `a b` would otherwise become ~1.5 GB of NOAUTH
    errors. The client must be closed while we are still sending."""
    s = raw_connection(protected.port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # read nothing, buffer little
    pid = protected.pid
    before = rss_kb(pid)
    line = b"a b\r\n" * 20000  # 100 KB
    sent = 0
    try:
        while sent < 1000:  # at most 100 MB
            s.sendall(line)
            sent += 1
    except OSError:
        pass
    finally:
        s.close()
    assert sent < 1000, "the server kept serving an unauthenticated client that never reads"
    assert rss_kb(pid) - before < 64 * 1024, f"RSS grew from {before} KB to {rss_kb(pid)} KB"


def test_authenticated_client_is_not_held_to_the_unauthenticated_cap(redoubt_factory):
    s = redoubt_factory(["--requirepass", PASSWORD])
    with RespClient(port=s.port) as c:
        expect(c, ("AUTH", PASSWORD), ("simple", "OK"))
        expect(c, ("SET", "big", "v" * 100_000), ("simple", "OK"))
        replies = c.pipeline([("GET", "big")] * 20)  # 2 MB of replies in one batch
        assert all(r == ("bulk", b"v" * 100_000) for r in replies)


def _peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.fixture(params=["redis", "redoubt"])
def any_server(request, redis_factory, redoubt_factory):
    return (redis_factory if request.param == "redis" else redoubt_factory)()


def test_output_limit_is_checked_after_each_pipelined_reply(any_server):
    """Redis: client-output-buffer-limit is checked as each reply is added. 300 pipelined GETs
    of a 4 MB value under a 16 MB hard limit once peaked at 2 GB before the batch ended; the
    client must be closed near the limit and the server's peak memory stay near it."""
    s = any_server
    with RespClient(port=s.port) as c:
        expect(c, ("SET", "big", "v" * (4 << 20)), ("simple", "OK"))
        expect(c, ("CONFIG", "SET", "client-output-buffer-limit", "normal 16mb 0 0"),
               ("simple", "OK"))
    base = _peak_rss_kb(s.pid)
    with raw_connection(s.port) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(encode_command("GET", "big") * 300)  # never read
        with RespClient(port=s.port) as probe:
            # Closed: only the probe is left.
            assert wait_until(lambda: "connected_clients:1\r\n" in
                              probe.call("INFO", "clients")[1].decode(), 20)
            expect(probe, ("PING",), ("simple", "PONG"))
    grown_mb = (_peak_rss_kb(s.pid) - base) / 1024
    assert grown_mb < 128, f"peak RSS grew {grown_mb:.0f} MB for a 16 MB output limit"


def _threads_not_blocking(pid, signals):
    """Names of the process's threads, but the main one, whose signal mask lets any of
    `signals` in. (The main thread takes them in sigtimedwait, which unblocks them while it
    waits, so its mask is not looked at.)"""
    import glob
    bad = []
    for status in glob.glob(f"/proc/{pid}/task/*/status"):
        if status == f"/proc/{pid}/task/{pid}/status":
            continue
        fields = dict(line.split(":", 1) for line in open(status) if ":" in line)
        blocked = int(fields["SigBlk"].strip(), 16)
        if any(not blocked & (1 << (sig - 1)) for sig in signals):
            bad.append(fields["Name"].strip())
    return bad


def test_every_thread_blocks_the_signals_the_main_thread_waits_for(redoubt_factory, tmp_path):
    """SIGHUP is the documented reload and log-rotation signal. With audit-log-file set at
    start-up its writer thread once started before signals were blocked, so a SIGHUP that
    arrived while the main thread was not waiting landed there, and its default action ended
    the process (3 of 6 trials of ten SIGHUPs). The masks are read from /proc: deterministic,
    whatever the timing."""
    import os
    import signal
    s = redoubt_factory(["--audit-log-file", str(tmp_path / "audit.log")])
    waited = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM)
    assert _threads_not_blocking(s.pid, waited) == []
    for _ in range(10):
        os.kill(s.pid, signal.SIGHUP)
    with RespClient(port=s.port) as c:
        expect(c, ("PING",), ("simple", "PONG"))
    assert s.alive(), s.log_text()[-2000:]
