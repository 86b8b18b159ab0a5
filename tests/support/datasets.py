# Datasets for the persistence tests: keys of every type and encoding written through a
# redis-py client, and a server's whole content read back with type-specific commands (never by
# trusting DUMP), so that two servers, or one before and after a restart, compare as values.
import random


def fill(r, seed=1):
    """Keys of every type and encoding, some with TTLs."""
    rng = random.Random(seed)
    r.set("s:text", "hello")
    r.set("s:int", 12345)
    r.set("s:neg", -70000)
    r.set("s:big", "x" * 5000)
    r.set("s:binary", bytes(range(256)))
    r.set("s:ttl", "soon", ex=3000)
    r.rpush("l:small", "a", "b", "1", "2", "300", "-5")
    r.rpush("l:big", *[f"elem{i}" * rng.randint(1, 20) for i in range(3000)])
    r.sadd("set:int", 1, 2, 3, -100, 70000, 2**40)
    r.sadd("set:str", "a", "b", "c")
    r.sadd("set:big", *[f"m{i}" for i in range(1000)])
    r.hset("h:small", mapping={"f1": "v1", "f2": "2", "f3": "x" * 30})
    r.hset("h:big", mapping={f"f{i}": f"v{i}" * rng.randint(1, 5) for i in range(800)})
    r.zadd("z:small", {"a": 1, "b": 2.5, "c": -3, "d": float("inf"), "e": 1e20})
    r.zadd("z:big", {f"m{i}": rng.uniform(-1e6, 1e6) for i in range(500)})
    r.pexpire("h:big", 5_000_000)
    r.execute_command("PFADD", "hll", *[f"e{i}" for i in range(100)])
    # A stream over several nodes, with a tombstone and entries whose fields differ from their
    # node's first; and an empty stream, which keeps its last id.
    for i in range(1, 300):
        fields = {"f": i, "g": "v" * (i % 7)} if i % 5 else {"other": "x" * i}
        r.xadd("x:stream", fields, id=f"{1000 + i // 3}-{i % 3}")
    r.xdel("x:stream", "1001-0", "1050-2")
    r.execute_command("XADD", "x:empty", "MAXLEN", "0", "5-5", "a", "1")
    # Consumer groups: entries pending with two consumers, one acknowledged, an idle consumer,
    # a group with an unknown read counter.
    r.xgroup_create("x:stream", "workers", id="0")
    r.xreadgroup("workers", "alice", {"x:stream": ">"}, count=5)
    r.xreadgroup("workers", "bob", {"x:stream": ">"}, count=3)
    r.xack("x:stream", "workers", "1000-1")
    r.xgroup_createconsumer("x:stream", "workers", "carol")
    r.execute_command("XGROUP", "CREATE", "x:stream", "late", "1050-0", "ENTRIESREAD", "-1")
    r.select(3)
    r.set("db3:key", "in db 3")
    r.select(0)


def snapshot_of(r, dbs=(0, 3)):
    """Every key's type, value (read with type-specific commands) and whether it has a TTL."""
    out = {}
    for db in dbs:
        r.select(db)
        for key in r.keys("*"):
            t = r.type(key).decode()
            if t == "string":
                v = r.get(key)
            elif t == "list":
                v = r.lrange(key, 0, -1)
            elif t == "set":
                v = sorted(r.smembers(key))
            elif t == "hash":
                v = sorted(r.hgetall(key).items())
            elif t == "zset":
                v = r.zrange(key, 0, -1, withscores=True)
            elif t == "stream":
                info = r.execute_command("XINFO", "STREAM", key)
                info = dict(zip(info[::2], info[1::2]))
                groups = [(g[b"name"], g[b"consumers"], g[b"pending"], g[b"last-delivered-id"],
                           g[b"entries-read"], g[b"lag"])
                          for g in (dict(zip(x[::2], x[1::2]))
                                    for x in r.execute_command("XINFO", "GROUPS", key))]
                pending = [r.execute_command("XPENDING", key, g[0]) for g in groups]
                v = (r.xrange(key), [info[f] for f in (b"length", b"last-generated-id",
                                                         b"max-deleted-entry-id", b"entries-added",
                                                         b"recorded-first-entry-id")],
                     groups, pending)
            else:
                v = None
            ttl = r.pttl(key)
            out[(db, key)] = (t, v, ttl > 0)
    r.select(0)
    return out
