# Differential cases for INFO persistence's rdb_changes_since_last_save, Redis's server.dirty:
# the number of real changes to the data, which save points (`save 900 1`) will be checked
# against. After every command both servers' counters are read again, and the amounts they
# moved by must be equal (the replies are compared as usual). The cases cover each write
# command with hits, misses, no-ops (SETBIT of a bit already so, BITFIELD SET of the same value,
# PERSIST without a TTL, refused NX/XX/GT/LT), failed options and wrong types; a fixed-seed
# random sequence then mixes them (REDOUBT_DIRTY_RANDOM_SEED, REDOUBT_DIRTY_RANDOM_STEPS).
#
# The reference redis-server runs with `--save ''` (support/servers.py): with save points,
# FLUSHALL would save and reset its counter.
import os
import time

import pytest

from differential.cases import MAKE_LIST, check_scan, cmds
from differential.test_random import Gen
from support.resp_client import unwrap

FIELD = b"rdb_changes_since_last_save:"
RANDOM_STEPS = int(os.environ.get("REDOUBT_DIRTY_RANDOM_STEPS", "2500"))
RANDOM_SEEDS = [int(s) for s in os.environ.get("REDOUBT_DIRTY_RANDOM_SEED", "11,12").split(",")]


def changes(client):
    text = unwrap(client.call("INFO", "persistence"))
    for line in text.split(b"\r\n"):
        if line.startswith(FIELD):
            return int(line[len(FIELD):])
    raise AssertionError(f"INFO persistence has no rdb_changes_since_last_save: {text!r}")


class Changes:
    """Runs commands on a Dual and checks that each moved both servers' counters equally."""

    def __init__(self, d):
        self.d = d
        self.last = self.read()

    def read(self):
        return changes(self.d.ref), changes(self.d.got)

    def compare(self, args):
        """The counters' move since the last call, which must be the same on both servers;
        returns the reference's."""
        now = self.read()
        moved_ref, moved_got = now[0] - self.last[0], now[1] - self.last[1]
        self.last = now
        if moved_ref != moved_got:
            self.d.fail(args, ("changes", moved_ref), ("changes", moved_got),
                        "rdb_changes_since_last_save moved by a different amount")
        return moved_ref

    def check(self, *args, rule=None):
        self.d.check(*args, rule=rule)
        return self.compare(args)

    def run(self, *groups):
        """As cases.run: strings are split into commands, tuples sent as they are."""
        for g in groups:
            for c in (cmds(g) if isinstance(g, str) else [g]):
                self.check(*c)


@pytest.fixture
def c(d):
    return Changes(d)


def test_issue_no_op_bit_writes_are_not_changes(c):
    """The reported case: SETBIT of a bit that already has the value, and BITFIELD SET of the
    value the field holds, change nothing and count nothing."""
    assert c.check("SETBIT", "k", "0", "0") == 1  # creates the key
    assert c.check("SETBIT", "k", "0", "0") == 0
    assert c.check("SETBIT", "k", "0", "1") == 1
    assert c.check("SETBIT", "k", "0", "1") == 0
    assert c.check("BITFIELD", "f", "SET", "u8", "0", "5") == 1
    assert c.check("BITFIELD", "f", "SET", "u8", "0", "5") == 0


def test_set_family(c):
    c.run("""
        SET k v
        SET k v NX
        SET k w XX
        SET nokey v XX
        SET k v GET
        SET k v NX GET
        SET nokey v XX GET
        SET k v EX 100
        SET k v PX 100000 KEEPTTL
        SET k v KEEPTTL
        SET k v EX 0
        SET k v EX abc
        SET k v BAD
        SET k v NX XX
        SETNX k v
        SETNX n v
        SETEX k 100 v
        SETEX k 0 v
        SETEX k abc v
        PSETEX k 100000 v
        PSETEX k -1 v
        GETSET k v2
        GETSET nokey2 v
        GET k
        MGET k n nokey
        STRLEN k
        """, MAKE_LIST, ("SET", "lst", "v", "GET"), ("SET", "lst", "v", "NX"), ("GETSET", "lst", "v"),
        ("DEL", "lst"), MAKE_LIST, ("SET", "lst", "v"),
        ("SET", "past", "v", "EXAT", "1"), ("EXISTS", "past"))


def test_mset_msetnx_count_pairs(c):
    assert c.check("MSET", "a", "1", "b", "2", "a", "3") == 3
    c.run("""
        MSET a
        MSET a 1 b
        MSETNX a 1 c 3
        MSETNX c 3 d 4
        MSETNX e 1 e 2
        MSETNX x
        """)


def test_getdel_getex(c):
    future_ms = str(int(time.time() * 1000) + 10 ** 7)
    c.run("""
        SET k v
        GETDEL k
        GETDEL k
        SET k v
        GETEX k
        GETEX k EX 100
        GETEX k PX 100000
        GETEX k PERSIST
        GETEX k PERSIST
        GETEX nokey EX 100
        GETEX nokey PERSIST
        GETEX k EX 0
        GETEX k EX abc
        GETEX k EX 1 PX 1
        GETEX k BAD
        GETEX k EXAT 1
        EXISTS k
        """, MAKE_LIST, ("GETDEL", "lst"), ("GETEX", "lst", "EX", "100"),
        ("SET", "k", "v"), ("GETEX", "k", "PXAT", future_ms), ("GETEX", "k", "PXAT", "1"))


def test_append_counters_setrange(c):
    c.run(("APPEND", "e", ""), ("APPEND", "e", ""), ("APPEND", "e", "x"), """
        INCR n
        INCRBY n 5
        INCRBY n abc
        DECR n
        DECRBY n 2
        DECRBY n -9223372036854775808
        INCRBYFLOAT n 1.5
        INCRBYFLOAT n abc
        SET big 9223372036854775807
        INCR big
        SET s abc
        INCR s
        INCRBYFLOAT s 1
        SETRANGE s 1 XY
        SETRANGE s 10 z
        SETRANGE s -1 z
        SETRANGE s abc z
        SETRANGE new 2 ab
        """, ("SETRANGE", "s", "0", ""), ("SETRANGE", "missing", "5", ""),
        ("SETRANGE", "s", "536870912", "x"),
        MAKE_LIST, ("APPEND", "lst", "x"), ("INCR", "lst"), ("INCRBYFLOAT", "lst", "1"),
        ("SETRANGE", "lst", "0", "x"), ("SETRANGE", "lst", "0", ""))


def test_setbit(c):
    c.run("""
        SETBIT b 7 0
        SETBIT b 7 0
        SETBIT b 7 1
        SETBIT b 7 1
        SETBIT b 6 0
        SETBIT b 100 0
        SETBIT b 100 0
        SETBIT b 3 2
        SETBIT b -1 1
        SETBIT b x 1
        SET n 12
        SETBIT n 0 0
        SETBIT n 2 1
        GETBIT b 7
        BITCOUNT b
        BITPOS b 1
        """, MAKE_LIST, ("SETBIT", "lst", "0", "1"))


def test_bitfield(c):
    c.run("""
        BITFIELD f SET u8 0 5
        BITFIELD f SET u8 0 5
        BITFIELD f SET u8 0 6 SET u8 0 6
        BITFIELD f SET u8 0 6 SET u8 8 0
        BITFIELD f INCRBY u8 0 0
        BITFIELD f INCRBY u8 0 1
        BITFIELD f INCRBY i8 0 256
        BITFIELD f GET u8 0 GET i4 3
        BITFIELD f SET i8 0 -1 SET i8 0 -1 SET u4 4 15
        BITFIELD f OVERFLOW FAIL INCRBY u8 0 300
        BITFIELD f OVERFLOW FAIL SET u8 0 300
        BITFIELD f OVERFLOW SAT SET u8 0 300
        BITFIELD f OVERFLOW SAT SET u8 0 300
        BITFIELD f OVERFLOW WRAP SET u8 0 511
        BITFIELD f SET u8 #2 1
        BITFIELD g OVERFLOW FAIL SET u8 0 300
        EXISTS g
        BITFIELD g SET u8 0 0
        BITFIELD h OVERFLOW FAIL SET u8 0 0 SET u8 8 300
        BITFIELD h2 SET u8 0 0 SET u8 0 0
        BITFIELD h3 SET u8 0 0 GET u8 0
        BITFIELD f GET u8 0
        BITFIELD_RO f GET u8 0
        BITFIELD_RO f SET u8 0 1
        BITFIELD f BAD
        BITFIELD f SET u64 0 1
        BITFIELD f SET u8 0 abc
        BITFIELD f SET u8 -1 1
        BITFIELD missing GET u8 0
        EXISTS missing
        """, MAKE_LIST, ("BITFIELD", "lst", "SET", "u8", "0", "1"), ("BITFIELD", "lst", "GET", "u8", "0"))


def test_bitop(c):
    c.run("""
        SET a foo
        SET b bar
        BITOP AND dest a b
        BITOP AND dest a b
        BITOP OR dest none1 none2
        BITOP OR dest none1 none2
        BITOP NOT dest a
        BITOP NOT dest a b
        BITOP BAD dest a
        BITOP XOR a a
        """, MAKE_LIST, ("BITOP", "AND", "dest", "lst"), ("BITOP", "OR", "lst", "a"))


def test_del_unlink_count_keys_deleted(c):
    c.run("MSET a 1 b 2 c 3 d 4")
    assert c.check("DEL", "a", "b", "nokey", "a") == 2
    c.run("""
        DEL nokey
        UNLINK c d d nokey
        UNLINK c
        EXISTS a b c
        TOUCH a b
        """, MAKE_LIST, ("DEL", "lst"))


def test_expire_family(c):
    now = int(time.time())
    c.run("""
        SET k v
        EXPIRE k 100
        EXPIRE nokey 100
        EXPIRE k 100 NX
        EXPIRE k 200 XX
        EXPIRE k 50 GT
        EXPIRE k 500 GT
        EXPIRE k 1000 LT
        EXPIRE k 10 LT
        EXPIRE k 100 NX XX
        EXPIRE k 100 GT LT
        EXPIRE k 100 BAD
        EXPIRE k abc
        EXPIRE k 9223372036854775807
        PEXPIRE k 100000
        PEXPIRE k 1000 GT
        PERSIST k
        PERSIST k
        PERSIST nokey
        EXPIRE k 100 XX
        EXPIRE k 100 GT
        EXPIRE k -1 GT
        EXPIRE k -1 XX
        EXISTS k
        SET k v
        EXPIRE k -1 LT
        EXISTS k
        SET k v
        PEXPIRE k 0
        SET k v
        EXPIRE k -1 NX
        EXPIRE nokey -1
        """, ("SET", "a", "v"), ("EXPIREAT", "a", str(now + 1000)),
        ("EXPIREAT", "a", str(now + 2000), "GT"), ("PEXPIREAT", "a", str((now + 500) * 1000), "LT"),
        ("PEXPIREAT", "a", str((now + 500) * 1000), "NX"), ("EXPIREAT", "a", str(now - 10)),
        ("EXISTS", "a"), ("EXPIREAT", "a", "1"), MAKE_LIST, ("EXPIRE", "lst", "100"),
        ("PERSIST", "lst"))


def test_rename_copy_move(c):
    c.run("""
        SET k v
        RENAME k k2
        RENAME k k2
        RENAME k2 k2
        RENAMENX k2 k2
        SET other o
        RENAMENX k2 other
        RENAMENX k2 k3
        RENAME k3 other
        COPY other c1
        COPY other c1
        COPY other c1 REPLACE
        COPY other c1 DB 1
        COPY other c1 DB 1
        COPY other c1 DB 1 REPLACE
        COPY nokey c1
        COPY other other
        COPY other x DB 99
        COPY other x BAD
        MOVE c1 2
        MOVE c1 2
        MOVE other 1
        MOVE nokey 1
        MOVE other 0
        MOVE other 99
        MOVE other abc
        """)


def test_flush_and_swapdb(c):
    c.run("""
        MSET a 1 b 2 c 3
        SET e v EX 1000
        SELECT 1
        MSET a 1 b 2
        SELECT 2
        RPUSH l x y
        SELECT 0
        SWAPDB 0 1
        SWAPDB 1 1
        SWAPDB 0 99
        SWAPDB 0 abc
        DBSIZE
        """)
    assert c.check("FLUSHDB") == 2  # the former db 1, now db 0
    c.run("""
        FLUSHDB
        FLUSHDB ASYNC
        FLUSHDB BAD
        SELECT 1
        FLUSHDB SYNC
        SELECT 0
        MSET x 1 y 2
        FLUSHALL BAD
        """)
    assert c.check("FLUSHALL") == 3  # x and y in db 0, l in db 2
    c.run("FLUSHALL", "FLUSHALL ASYNC", "FLUSHALL SYNC")


def test_lists(c):
    assert c.check("RPUSH", "l", "a", "b", "c") == 3
    c.run("""
        LPUSH l x
        LPUSHX nol a b
        RPUSHX nol a
        RPUSHX l a b
        LPUSHX l z
        LPOP l
        RPOP l 2
        LPOP l 0
        RPOP l 0
        LPOP l -1
        LPOP l abc
        LPOP l 1 2
        LSET l 0 v
        LSET l 0 v
        LSET l 99 v
        LSET l x v
        LSET nol 0 v
        LRANGE l 0 -1
        LLEN l
        LINDEX l 0
        LPOP l 100
        LPOP l
        RPOP l 3
        SET s v
        LPUSH s a
        RPUSHX s a
        LPOP s
        LSET s 0 v
        """)


def test_function_flush(c):
    c.run("FUNCTION FLUSH", "FUNCTION FLUSH ASYNC", "FUNCTION FLUSH sync", "FUNCTION FLUSH bad",
          "FUNCTION FLUSH a b")


def test_reads_and_server_commands_change_nothing(c):
    c.run("""
        SET k v
        PING
        ECHO x
        GET k
        EXISTS k
        TYPE k
        TTL k
        KEYS *
        DBSIZE
        RANDOMKEY
        SELECT 0
        OBJECT ENCODING k
        LCS k k
        CLIENT SETNAME x
        CONFIG GET maxmemory
        INFO keyspace
        """)


def test_config_resetstat_keeps_the_counter(c):
    """Not a statistic: Redis's CONFIG RESETSTAT leaves server.dirty alone."""
    c.run("SET k v", "SET k w")
    assert c.last[0] > 0 and c.last[1] > 0

    assert c.check("CONFIG", "RESETSTAT") == 0


def test_counts_from_two_connections_add_up(dual, c):
    """Commands on other connections (on any I/O thread) count toward the same total."""
    others = [dual(2), dual(3)]
    for i in range(20):
        for o in others:
            o.check("RPUSH", f"l{i % 3}", "a", "b")
            o.check("SETBIT", "bits", str(i % 5), "1")

    assert c.compare(["<20 RPUSH and SETBIT on two other connections>"]) == 40 * 2 + 5


class ExtendedGen(Gen):
    """test_random's generator plus the write commands it does not issue (list pops with a
    count, the X pushes, LSET, FLUSHALL, FUNCTION FLUSH, BITFIELD on wider fields)."""

    def command(self):
        r, k = self.r, self.key()
        if r.random() >= 0.15:
            return super().command()
        return r.choice([
            lambda: ["RPUSH", k] + [self.val() for _ in range(r.randint(1, 3))],
            lambda: ["LPUSHX", k, self.val()],
            lambda: ["RPUSHX", k, self.val(), self.val()],
            lambda: [r.choice(["LPOP", "RPOP"]), k, r.choice(["0", "1", "2", "5", "-1"])],
            lambda: ["RPOP", k],
            lambda: ["LSET", k, self.idx(), self.val()],
            lambda: ["SETBIT", k, str(r.randint(0, 40)), r.choice(["0", "1"])],
            lambda: ["BITFIELD", k, "SET", "u8", str(r.randint(0, 3) * 8), r.choice(["0", "1", "255"])],
            lambda: ["SWAPDB", str(r.randint(0, 2)), str(r.randint(0, 2))],
            lambda: ["FLUSHALL"] if r.random() < 0.1 else ["DBSIZE"],
            lambda: ["FUNCTION", "FLUSH"],
        ])(), None


@pytest.mark.parametrize("seed", RANDOM_SEEDS)
def test_random_sequence(c, seed):
    g = ExtendedGen(seed, with_other_types=True)
    deadline = time.monotonic() + 300
    for step in range(RANDOM_STEPS):
        assert time.monotonic() < deadline, f"random sequence too slow: {step} steps in 300 s"
        args, rule = g.command()
        c.d.context = f"[seed={seed}, sequence step {step}] "
        if args[0] == "<SCAN>":
            check_scan(c.d, *args[1:])
            c.compare(["SCAN", "<cursor>", *args[1:]])
        else:
            c.check(*args, rule=rule)
