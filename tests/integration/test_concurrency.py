# Many clients on different threads against one redoubt-server (started with --io-threads 2):
# they share one keyspace, INCR is atomic, and an MSET is never seen half applied by MGET.
import threading
import time

import pytest

from support.resp_client import RespClient, expect


@pytest.fixture
def threaded(redoubt_factory):
    return redoubt_factory(["--io-threads", "2"])


def run_threads(target, n):
    errors = []

    def wrap(i):
        try:
            target(i)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(f"thread {i}: {e!r}")

    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads), "threads did not finish within 30s"
    assert not errors, "\n".join(errors)


def test_clients_on_threads_share_keyspace(threaded):
    n_threads, n_incr = 6, 300

    def work(i):
        with RespClient(port=threaded.port) as c:
            expect(c, ("SET", f"own:{i}", f"from-{i}",), ("simple", "OK"))
            for _ in range(n_incr):
                r = c.call("INCR", "shared")
                assert r[0] == "int", f"INCR shared -> {r!r}"

    run_threads(work, n_threads)
    with RespClient(port=threaded.port) as c:
        expect(c, ("GET", "shared",), ("bulk", str(n_threads * n_incr).encode()))
        for i in range(n_threads):
            expect(c, ("GET", f"own:{i}",), ("bulk", f"from-{i}".encode()))
        expect(c, ("DBSIZE",), ("int", n_threads + 1))


def test_write_on_one_connection_is_visible_on_another_immediately(threaded):
    with RespClient(port=threaded.port) as a, RespClient(port=threaded.port) as b:
        for i in range(300):
            expect(a, ("SET", "k", str(i),), ("simple", "OK"))
            expect(b, ("GET", "k",), ("bulk", str(i).encode()))


def test_pipelined_clients_in_parallel(threaded):
    def work(i):
        with RespClient(port=threaded.port) as c:
            replies = c.pipeline([("SET", f"p{i}:{j}", j) for j in range(500)])
            bad = [r for r in replies if r != ("simple", "OK")]
            assert not bad, f"pipelined SET -> {bad[0]!r}"

    run_threads(work, 4)
    with RespClient(port=threaded.port) as c:
        expect(c, ("DBSIZE",), ("int", 2000))


def test_mset_is_atomic_for_concurrent_mget(threaded):
    keys = [f"atom:{i}" for i in range(8)]
    # At least 2 s and 500 reads per reader while the writer writes; bounded in time. A loaded
    # machine makes the test longer, never emptier.
    min_until, hard_stop = time.monotonic() + 2.0, time.monotonic() + 20.0
    min_reads, readers = 500, 2
    seen = {"reads": [0] * readers, "torn": [], "writes": 0}
    readers_done = threading.Event()
    finished = [0]
    lock = threading.Lock()

    def writer(_):
        with RespClient(port=threaded.port) as c:
            gen = 0
            while not readers_done.is_set() and time.monotonic() < hard_stop:
                gen += 1
                args = [x for k in keys for x in (k, str(gen))]
                expect(c, ("MSET", *args,), ("simple", "OK"))
                seen["writes"] = gen

    def reader(i):
        try:
            with RespClient(port=threaded.port) as c:
                while (time.monotonic() < min_until or seen["reads"][i] < min_reads
                       or seen["writes"] < 2) and time.monotonic() < hard_stop:
                    r = c.call("MGET", *keys)
                    assert r[0] == "array", f"MGET -> {r!r}"
                    vals = {x[1] if x else None for x in r[1]}
                    seen["reads"][i] += 1
                    if len(vals) != 1:
                        seen["torn"].append(r)
        finally:
            with lock:
                finished[0] += 1
                if finished[0] == readers:
                    readers_done.set()

    def both(i):
        if i == 0:
            writer(i)
        else:
            reader(i - 1)

    run_threads(both, 1 + readers)
    assert all(n >= min_reads for n in seen["reads"]) and seen["writes"] >= 2, seen["reads"]
    assert not seen["torn"], f"MGET saw a half-applied MSET {len(seen['torn'])} times, e.g. {seen['torn'][0]}"


def test_client_ids_follow_connection_order_across_threads(redoubt):
    """Redis promises that a greater CLIENT ID connected later; with several I/O threads
    accepting at once the id must still follow the order of the connections."""
    clients = [RespClient(port=redoubt.port) for _ in range(60)]
    try:
        ids = [c.call("CLIENT", "ID")[1] for c in clients]
        assert ids == sorted(ids) and len(set(ids)) == len(ids), ids
    finally:
        for c in clients:
            c.close()
