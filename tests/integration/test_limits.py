# Resource limits and background work: idle `timeout`, `maxclients`, `maxmemory` with
# noeviction (OOM error) and allkeys-lru (eviction), and active expiry of keys nobody touches.
import time

from support.resp_client import RespClient, expect
from support.tools import cpu_seconds, wait_until

OOM = "OOM command not allowed when used memory > 'maxmemory'."


def info_field(client, section, field):
    text = client.call("INFO", section)[1].decode()
    for line in text.split("\r\n"):
        if line.startswith(field + ":"):
            return line.split(":", 1)[1]
    raise AssertionError(f"INFO {section} lacks {field}:\n{text}")


def test_idle_timeout_closes_idle_clients(redoubt_factory):
    s = redoubt_factory(["--timeout", "1"])
    with RespClient(port=s.port) as idle, RespClient(port=s.port) as busy:
        expect(idle, ("PING",), ("simple", "PONG"))
        # Bounded polling, generous for a loaded machine: it returns as soon as the close comes.
        deadline = time.monotonic() + 15
        closed = False
        while time.monotonic() < deadline and not closed:
            expect(busy, ("PING",), ("simple", "PONG"), "an active client must not time out")
            _, closed = idle.read_raw_available(idle=0.25, limit=0.3)
        assert closed, "idle client not closed within 15 s with timeout 1"
    assert s.alive()


def test_maxclients_rejects_extra_clients(redoubt_factory):
    s = redoubt_factory(["--maxclients", "3"])
    # The launcher's readiness probe may still count as a client for a moment after it
    # disconnects (the server sees the close asynchronously), so take the slots with retries.
    clients = []
    deadline = time.monotonic() + 10
    while len(clients) < 3 and time.monotonic() < deadline:
        c = RespClient(port=s.port)
        try:
            if c.call("PING") == ("simple", "PONG"):
                clients.append(c)
                continue
        except Exception:  # noqa: BLE001 - rejected while the probe's slot is still taken
            pass
        c.close()
        time.sleep(0.05)
    try:
        assert len(clients) == 3, "three clients must fit under maxclients 3"
        with RespClient(port=s.port) as extra:
            data, closed = extra.read_raw_until_close(10.0)
        assert data == b"-ERR max number of clients reached\r\n" and closed, data
        clients[0].close()
        assert wait_until(lambda: _ping_ok(s.port), 10), "a freed slot must accept a new client"
    finally:
        for c in clients:
            c.close()


def _ping_ok(port):
    try:
        with RespClient(port=port, timeout=2) as c:
            return c.call("PING") == ("simple", "PONG")
    except Exception:  # noqa: BLE001 - refused while the slot is still taken
        return False


def test_maxmemory_noeviction_gives_oom(redoubt_factory):
    s = redoubt_factory(["--maxmemory", "4mb", "--maxmemory-policy", "noeviction"])
    value = "x" * 4096
    with RespClient(port=s.port) as c:
        last = None
        for i in range(4000):  # at most 16 MB
            last = c.call("SET", f"k{i}", value)
            if last != ("simple", "OK"):
                break
        assert last == ("error", OOM), f"after {i} SETs: {last}"
        expect(c, ("GET", "k0",), ("bulk", value.encode()), "reads still work")
        expect(c, ("DEL", "k0"), ("int", 1), "DEL still works under OOM")
        assert c.call("INCR", "newcounter") in (("error", OOM), ("int", 1))


def test_maxmemory_allkeys_lru_evicts(redoubt_factory):
    s = redoubt_factory(["--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru"])
    value = "y" * 4096
    n = 4000
    with RespClient(port=s.port) as c:
        for start in range(0, n, 200):
            replies = c.pipeline([("SET", f"k{i}", value) for i in range(start, start + 200)])
            bad = [r for r in replies if r != ("simple", "OK")]
            assert not bad, f"SET under allkeys-lru must evict, not fail: {bad[0]}"
        size = c.call("DBSIZE")
        assert size[0] == "int" and 0 < size[1] < n, f"DBSIZE {size} after writing {n} x 4 KB with maxmemory 4mb"
        assert int(info_field(c, "stats", "evicted_keys")) > 0
        # The LRU clock counts whole seconds, so keys written in the same second tie and any of
        # them may go. Once the clock has moved on, a key touched now is strictly more recent
        # than every key written before; the writes that follow evict among the older ones
        # (a sample of 5 would have to be all fresh keys, about 1 in 10^8, to pick it).
        survivor = next(f"k{i}" for i in range(n - 1, -1, -1) if c.call("EXISTS", f"k{i}") == ("int", 1))
        clock = info_field(c, "server", "lru_clock")
        assert wait_until(lambda: info_field(c, "server", "lru_clock") != clock, timeout=10.0), \
            "the LRU clock did not move in 10 s"
        expect(c, ("GET", survivor), ("bulk", value.encode()))
        evicted_before = int(info_field(c, "stats", "evicted_keys"))
        replies = c.pipeline([("SET", f"fresh{i}", value) for i in range(20)])
        assert all(r == ("simple", "OK") for r in replies), replies
        assert int(info_field(c, "stats", "evicted_keys")) > evicted_before, "the fresh writes evicted nothing"
        expect(c, ("GET", survivor), ("bulk", value.encode()), "the most recently used key survives")


def test_active_expiry_removes_untouched_keys(redoubt):
    with RespClient(port=redoubt.port) as c:
        replies = c.pipeline([("SET", f"tmp{i}", "v", "PX", "100") for i in range(200)]
                             + [("SET", f"keep{i}", "v") for i in range(10)])
        bad = [r for r in replies if r != ("simple", "OK")]
        assert not bad, f"SET ... PX 100 failed: {bad[0]!r}"
        expect(c, ("DBSIZE",), ("int", 210))
        # DBSIZE does not touch keys, so only active expiry can bring it down.
        ok = wait_until(lambda: c.call("DBSIZE") == ("int", 10), timeout=10.0, interval=0.05)
        assert ok, f"DBSIZE still {c.call('DBSIZE')} 10 s after 200 keys expired"
        assert int(info_field(c, "stats", "expired_keys")) >= 200


def test_expired_key_is_gone_on_access(redoubt):
    with RespClient(port=redoubt.port) as c:
        expect(c, ("SET", "k", "v", "PX", "50"), ("simple", "OK"))
        assert wait_until(lambda: c.call("GET", "k") is None, timeout=10.0), \
            f"GET of a key with PX 50 still {c.call('GET', 'k')!r} after 10 s"
        expect(c, ("EXISTS", "k",), ("int", 0))
        expect(c, ("TTL", "k",), ("int", -2))


def test_output_buffer_hard_limit_closes_a_client_that_does_not_read(redoubt_factory):
    s = redoubt_factory(["--client-output-buffer-limit", "normal 1mb 0 0"])
    value = "z" * 100_000
    with RespClient(port=s.port) as setup:
        expect(setup, ("SET", "big", value), ("simple", "OK"))
    # 400 GETs owe ~40 MB of replies: far more than the socket buffers plus the 1 MB limit.
    greedy = RespClient(port=s.port)
    greedy.send_raw(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * 400)
    with RespClient(port=s.port) as observer:
        assert wait_until(
            lambda: int(info_field(observer, "stats",
                                   "client_output_buffer_limit_disconnections")) >= 1, 15), \
            "the client over the hard limit must be disconnected"
        expect(observer, ("GET", "big"), ("bulk", value.encode()), "other clients are unaffected")
    data, closed = greedy.read_raw_until_close(10.0)
    assert closed and len(data) < 400 * len(value), "the greedy client was cut off"
    greedy.close()


def test_an_idle_server_at_hz_1_sleeps_between_cron_ticks(redoubt_factory):
    """hz 1 is one cron tick a second: an idle server uses next to no CPU. (A period of exactly
    one second was once an invalid timeout for the cron's wait, which then returned at once
    and ran the cron in a busy loop: a whole core.)"""
    s = redoubt_factory(["--hz", "1"])
    with RespClient(port=s.port) as c:
        expect(c, ("CONFIG", "GET", "hz"), ("array", [("bulk", b"hz"), ("bulk", b"1")]))
    # A measuring window, not a wait for something: the CPU an idle second costs.
    before, t0 = cpu_seconds(s.pid), time.monotonic()
    time.sleep(1)
    used, elapsed = cpu_seconds(s.pid) - before, time.monotonic() - t0
    # A busy loop takes the whole second of a core (a share of it on a loaded machine); an
    # idle server's tick costs microseconds.
    assert used < 0.25, f"{used:.2f} s of CPU in {elapsed:.2f} s while idle at hz 1"
