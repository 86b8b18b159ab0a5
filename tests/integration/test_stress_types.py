# A concurrency stress test with redis-py clients on many threads against one redoubt-server with
# two I/O threads, mixing every data type, MULTI/EXEC, blocking pops and pub/sub, then checking
# what must hold whatever the interleaving:
#   - LMOVE between two lists and SMOVE between two sets conserve their elements;
#   - transfers done in MULTI/EXEC (and with WATCH) conserve the sum of the accounts;
#   - a queue filled by producers and drained by consumers with BLPOP delivers every job exactly
#     once;
#   - every message published reaches every subscriber once, in each publisher's order, and
#     PUBLISH counts the subscribers;
#   - hash, sorted-set and HyperLogLog updates add up (HINCRBY, ZINCRBY, PFADD).
# Each worker does a fixed number of operations; nothing waits for time to pass (consumers stop
# on a sentinel, subscribers on an end marker). The ASan/UBSan run repeats it against the
# sanitized server (scripts/run-tests.sh).
import random
import threading

import pytest
import redis

WORKER_OPS = 1000
TIME_LIMIT_S = 240


@pytest.fixture
def server(redoubt_factory):
    return redoubt_factory(["--io-threads", "2"])


def client(server):
    return redis.Redis(host=server.host, port=server.port, socket_timeout=60)


class Workers:
    """Threads that record their exceptions, joined with a bound."""

    def __init__(self):
        self.threads = []
        self.errors = []

    def start(self, name, fn, *args):
        def wrap():
            try:
                fn(*args)
            except BaseException as e:  # noqa: BLE001 - reported by join()
                self.errors.append(f"{name}: {e!r}")
        t = threading.Thread(target=wrap, name=name)
        t.start()
        self.threads.append(t)
        return t

    def join(self, threads=None):
        for t in threads or self.threads:
            t.join(TIME_LIMIT_S)
        stuck = [t.name for t in (threads or self.threads) if t.is_alive()]
        assert not stuck, f"workers did not finish within {TIME_LIMIT_S}s: {stuck}"
        assert not self.errors, "\n".join(self.errors)


def mover_lists(server, seed):
    rng = random.Random(seed)
    r = client(server)
    for _ in range(WORKER_OPS):
        src, dst = rng.sample(["list:a", "list:b"], 2)
        ends = [rng.choice(["LEFT", "RIGHT"]) for _ in range(2)]
        r.lmove(src, dst, *ends)


def mover_sets(server, seed):
    rng = random.Random(seed)
    r = client(server)
    for _ in range(WORKER_OPS):
        src, dst = rng.sample(["set:a", "set:b"], 2)
        r.smove(src, dst, f"m{rng.randrange(200)}")


def transfers(server, seed, accounts):
    rng = random.Random(seed)
    r = client(server)
    for i in range(WORKER_OPS):
        a, b = rng.sample(accounts, 2)
        amount = rng.randrange(1, 10)
        if i % 2:
            with r.pipeline(transaction=True) as p:  # MULTI ... EXEC
                p.decrby(a, amount).incrby(b, amount).execute()
        else:
            def move(p):  # WATCH, read, MULTI, write, EXEC; retried when a watched key changed
                balance = int(p.get(a))
                p.multi()
                p.set(a, balance - amount)
                p.incrby(b, amount)
            r.transaction(move, a)


def producer(server, index, jobs):
    r = client(server)
    for n in range(jobs):
        r.rpush("queue", f"job:{index}:{n}")


def consumer(server, got):
    r = client(server)
    while True:
        popped = r.blpop(["queue"], timeout=0)
        value = popped[1].decode()
        if value == "STOP":
            return
        got.append(value)


def mixed(server, seed):
    rng = random.Random(seed)
    r = client(server)
    for n in range(WORKER_OPS):
        op = n % 4
        if op == 0:
            r.hincrby("hash", f"f{rng.randrange(20)}", 1)
        elif op == 1:
            r.zincrby("zset", 1, f"z{rng.randrange(20)}")
        elif op == 2:
            r.pfadd("hll", f"seed{seed}:{n}")
        else:
            r.sadd(f"noise:{seed}", n)
            r.expire(f"noise:{seed}", 60)


def test_stress_mixed_types_transactions_blocking_and_pubsub(server):
    setup = client(server)
    setup.rpush("list:a", *[f"e{i}" for i in range(100)])
    setup.sadd("set:a", *[f"m{i}" for i in range(200)])
    accounts = [f"acct:{i}" for i in range(5)]
    for a in accounts:
        setup.set(a, 1000)

    # Subscribers first, known subscribed before any message is published.
    publishers, per_publisher, subscribers = 3, WORKER_OPS, 2
    subs = []
    for _ in range(subscribers):
        p = client(server).pubsub()
        p.subscribe("events")
        p.psubscribe("ev*")
        seen = 0
        while seen < 2:
            m = p.get_message(timeout=30)
            assert m is not None, "no subscription confirmation"
            seen += m["type"] in ("subscribe", "psubscribe")
        subs.append(p)
    received = [{"message": [], "pmessage": []} for _ in range(subscribers)]

    def listen(i):
        ended = {"message": 0, "pmessage": 0}
        while min(ended.values()) < publishers:
            m = subs[i].get_message(timeout=60)
            assert m is not None, f"subscriber {i}: no message within 60 s"
            if m["type"] not in received[i]:
                continue
            data = m["data"].decode()
            if data.startswith("END"):
                ended[m["type"]] += 1
            else:
                received[i][m["type"]].append(data)

    counts = []

    def publish(index):
        r = client(server)
        for n in range(per_publisher):
            counts.append(r.publish("events", f"{index}:{n}"))
        r.publish("events", f"END:{index}")

    jobs_per_producer, producers, consumers = WORKER_OPS, 3, 3
    popped = [[] for _ in range(consumers)]

    w = Workers()
    listeners = [w.start(f"listener{i}", listen, i) for i in range(subscribers)]
    consumer_threads = [w.start(f"consumer{i}", consumer, server, popped[i])
                        for i in range(consumers)]
    busy = []
    for i in range(2):
        busy.append(w.start(f"lmove{i}", mover_lists, server, 100 + i))
        busy.append(w.start(f"smove{i}", mover_sets, server, 200 + i))
        busy.append(w.start(f"transfer{i}", transfers, server, 300 + i, accounts))
        busy.append(w.start(f"mixed{i}", mixed, server, 400 + i))
    busy += [w.start(f"producer{i}", producer, server, i, jobs_per_producer)
             for i in range(producers)]
    busy += [w.start(f"publisher{i}", publish, i) for i in range(publishers)]
    w.join(busy)
    setup.rpush("queue", *["STOP"] * consumers)  # every job is queued before the sentinels
    w.join(consumer_threads + listeners)

    # Lists and sets: moved, never lost or doubled.
    items = setup.lrange("list:a", 0, -1) + setup.lrange("list:b", 0, -1)
    assert sorted(items) == sorted(f"e{i}".encode() for i in range(100))
    members = setup.smembers("set:a") | setup.smembers("set:b")
    assert setup.scard("set:a") + setup.scard("set:b") == 200
    assert members == {f"m{i}".encode() for i in range(200)}
    # Transfers: the sum is conserved.
    assert sum(int(setup.get(a)) for a in accounts) == 1000 * len(accounts)
    # Queue: every job once.
    consumed = [job for part in popped for job in part]
    produced = [f"job:{i}:{n}" for i in range(producers) for n in range(jobs_per_producer)]
    assert len(consumed) == len(produced)
    assert sorted(consumed) == sorted(produced)
    assert setup.llen("queue") == 0
    # Pub/sub: PUBLISH counted both subscriptions of both subscribers; each subscriber got
    # every message once per subscription, in each publisher's order.
    assert set(counts) == {2 * subscribers}, set(counts)
    for i in range(subscribers):
        for kind in ("message", "pmessage"):
            by_publisher = {}
            for data in received[i][kind]:
                index, n = data.split(":")
                by_publisher.setdefault(index, []).append(int(n))
            for index in range(publishers):
                assert by_publisher.get(str(index)) == list(range(per_publisher)), \
                    f"subscriber {i} {kind}s from publisher {index} out of order or missing"
    # The other types add up.
    assert sum(int(v) for v in setup.hvals("hash")) == 2 * WORKER_OPS // 4
    assert sum(score for _, score in setup.zrange("zset", 0, -1, withscores=True)) == \
        2 * WORKER_OPS // 4
    assert abs(setup.pfcount("hll") - 2 * WORKER_OPS // 4) <= 2 * WORKER_OPS // 4 * 0.05
    for p in subs:
        p.close()
    assert setup.ping()
