# redis-py's Lock (SET NX to acquire; extend and release are EVALSHA scripts) under contention, as
# applications use it for mutual exclusion: threads on several connections take the same lock
# around a read-modify-write of a counter that has no atomic command of its own (GET, then SET
# of the value plus one). With real mutual exclusion no increment is lost; the same run against
# redis-server is the reference. Bounded: a fixed number of acquisitions per thread, each
# acquire waiting at most 30 s.
import threading

import pytest
import redis

from support import servers

pytestmark = pytest.mark.skipif(not servers.redoubt_available(),
                                reason=servers.redoubt_missing_reason())

THREADS = 8
ROUNDS = 40


def contend(port):
    """Runs the threads; returns (final counter, errors)."""
    errors = []

    def worker():
        r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=30)
        try:
            for _ in range(ROUNDS):
                lock = r.lock("resource", timeout=10, blocking_timeout=30, sleep=0.001)
                if not lock.acquire():
                    errors.append("acquire timed out")
                    return
                try:
                    value = int(r.get("counter") or 0)
                    r.set("counter", value + 1)
                    lock.extend(5)
                finally:
                    lock.release()
        except redis.RedisError as e:  # a failed EVALSHA surfaces here
            errors.append(repr(e))
        finally:
            r.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return int(redis.Redis(host="127.0.0.1", port=port).get("counter")), errors


@pytest.mark.parametrize("kind", ["redis", "redoubt"])
def test_lock_excludes_and_loses_no_increment(kind):
    start = servers.redis_server if kind == "redis" else servers.redoubt_server
    with start() as s:
        count, errors = contend(s.port)
        assert errors == []
        assert count == THREADS * ROUNDS
        r = redis.Redis(host="127.0.0.1", port=s.port)
        assert r.exists("resource") == 0  # released every time
        # Acquire is SET NX; extend and release are scripts, run by their SHA1.
        stats = r.info("commandstats")
        assert stats["cmdstat_evalsha"]["calls"] >= THREADS * ROUNDS * 2
