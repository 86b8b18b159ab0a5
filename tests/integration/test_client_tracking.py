# Client-side caching across threads, with redis-py: a tracking connection redirects its
# invalidations to a RESP2 subscriber of __redis__:invalidate (redis-py 4's way of receiving
# them), reads a few hundred keys, and writers on several connections (spread over Redoubt's
# I/O threads) change every key. Each key read must be invalidated exactly once (the table
# forgets a key when it invalidates it), and a second round of changes must send nothing.
# The same run against redis-server is the reference.
#
# No step waits on time: messages are read until every expected key arrived (a 30 s deadline
# only bounds a failure), and "nothing more" is proven per writer by a sentinel key changed after
# its second round: one writer's messages reach the subscriber in order, so a stray message from
# that writer would arrive before its sentinel.
import threading
import time

import pytest
import redis

from support import servers

pytestmark = pytest.mark.skipif(not servers.redoubt_available(),
                                reason=servers.redoubt_missing_reason())

WRITERS = 4
KEYS = 400
CHANNEL = b"__redis__:invalidate"


def client_id_by_name(r, name):
    for c in r.client_list():
        if c.get("name") == name:
            return int(c["id"])
    raise AssertionError(f"no client named {name}")


def read_invalidated(sub, want, deadline_s=30.0):
    """Keys from invalidation messages until every key of `want` arrived; returns them all
    (a list, so that a key sent twice shows twice)."""
    seen = []
    deadline = time.monotonic() + deadline_s
    while not want.issubset(seen) and time.monotonic() < deadline:
        m = sub.get_message(timeout=1.0)
        if m is None or m["type"] != "message":
            continue
        assert m["channel"] == CHANNEL
        seen.extend(m["data"] if isinstance(m["data"], list) else [m["data"]])
    return seen


def run_scenario(port):
    sub_conn = redis.Redis(host="127.0.0.1", port=port, client_name="inval-sub")
    sub = sub_conn.pubsub()
    sub.subscribe(CHANNEL)
    assert sub.get_message(timeout=10)["type"] == "subscribe"
    tracker = redis.Redis(host="127.0.0.1", port=port, single_connection_client=True)
    redirect = client_id_by_name(tracker, "inval-sub")
    assert tracker.execute_command("CLIENT", "TRACKING", "ON", "REDIRECT", redirect) == b"OK"
    keys = [f"k:{i}" for i in range(KEYS)]
    tracker.mset({k: "v0" for k in keys})
    # MSET by the tracker itself changed nothing it had read yet: no message so far.
    for k in keys:
        assert tracker.get(k) == b"v0"

    errors = []

    def write_round(w, value):
        r = redis.Redis(host="127.0.0.1", port=port)
        try:
            for k in keys[w::WRITERS]:
                r.set(k, value)
        except redis.RedisError as e:
            errors.append(repr(e))
        finally:
            r.close()

    def round_of(value):
        threads = [threading.Thread(target=write_round, args=(w, value)) for w in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

    round_of("v1")
    first = read_invalidated(sub, {k.encode() for k in keys})
    assert errors == []
    assert sorted(first) == sorted(k.encode() for k in keys), "each key invalidated once"

    # The keys were forgotten: changing them again sends nothing. Each writer then changes a
    # sentinel the tracker read, on the same connection, after its second round.
    sentinels = [f"sentinel:{w}" for w in range(WRITERS)]
    for s in sentinels:
        tracker.get(s)

    def second_round(w):
        r = redis.Redis(host="127.0.0.1", port=port)
        try:
            for k in keys[w::WRITERS]:
                r.set(k, "v2")
            r.set(sentinels[w], "x")
        except redis.RedisError as e:
            errors.append(repr(e))
        finally:
            r.close()

    threads = [threading.Thread(target=second_round, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    second = read_invalidated(sub, {s.encode() for s in sentinels})
    assert errors == []
    assert sorted(second) == sorted(s.encode() for s in sentinels), "only the sentinels"
    info = tracker.info("stats")
    sub.close()
    sub_conn.close()
    tracker.close()
    return info


@pytest.mark.parametrize("kind", ["redis", "redoubt"])
def test_invalidations_across_threads_reach_a_redirect_subscriber(kind):
    start = servers.redis_server if kind == "redis" else servers.redoubt_server
    with start() as s:
        info = run_scenario(s.port)
        # Every key read was invalidated and forgotten; the sentinels too.
        assert info["tracking_total_keys"] == 0
