# Differential cases for the HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST, on
# string values holding Redis's HLL bytes. GET of an HLL is compared byte for byte, so the
# registers, the sparse opcodes, when a sparse HLL turns dense (hll-sparse-max-bytes) and the
# cardinality cached in the header must all be Redis's. Strings that are not HLLs, and HLLs
# corrupted through SETRANGE, APPEND or SET of crafted bytes, must get Redis's WRONGTYPE and
# INVALIDOBJ texts; the changes each command counts (rdb_changes_since_last_save) must match; a
# fixed-seed random sequence of PFADD/PFCOUNT/PFMERGE compares exact counts and bytes.
import random

import pytest

from differential.cases import MAKE_LIST, run
from differential.test_dirty import Changes

# Sparse opcodes and the sparse header with a stale cache, for crafting HLLs by SET.
SPARSE_HEADER = b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80"
DENSE_HEADER = b"HYLL\x00\x00\x00\x00" + b"\x00" * 7 + b"\x80"


def xzero(run_length):
    return bytes([0x40 | ((run_length - 1) >> 8), (run_length - 1) & 0xFF])


def zero(run_length):
    return bytes([run_length - 1])


def val(value, run_length):
    return bytes([0x80 | ((value - 1) << 2) | (run_length - 1)])


@pytest.fixture
def sparse_max(dual):
    """Sets hll-sparse-max-bytes on both servers for one test, and restores Redis's 3000 after
    it (the servers outlive the test)."""
    d = dual(2)

    def set_limit(value):
        d.check("CONFIG", "SET", "hll-sparse-max-bytes", str(value))

    yield set_limit
    set_limit(3000)


def test_add_count_and_the_bytes(dp):
    run(dp, """
        PFADD h
        EXISTS h
        TYPE h
        OBJECT ENCODING h
        GET h
        PFCOUNT h
        GET h
        PFADD h
        PFADD h a b c
        PFADD h a b c
        GETRANGE h 15 15
        PFCOUNT h
        GETRANGE h 8 15
        PFADD h 1 2 3
        GETRANGE h 15 15
        GET h
        PFCOUNT h
        PFDEBUG DECODE h
        STRLEN h
        PFCOUNT nokey
        EXISTS nokey
        PFADD
        PFCOUNT
        PFMERGE
        PFDEBUG
        PFDEBUG GETREG
        PFDEBUG GETREG h x
        PFSELFTEST x
        """, ("PFADD", "h", b""), ("PFADD", "bin", b"\x00", b"\xff\r\n", b"a b"), ("GET", "bin"),
        ("PFCOUNT", "bin"))
    elements = [f"e{i}" for i in range(2000)]
    run(dp, ("PFADD", "many", *elements), ("PFCOUNT", "many"), ("PFDEBUG", "ENCODING", "many"),
        ("GET", "many"), ("PFADD", "many", *elements), ("PFCOUNT", "many"))


def test_a_small_hll_written_by_set_is_raw_once_touched(dp):
    run(dp, "PFADD src x y", "PFCOUNT src")
    raw = dp.check("GET", "src")[1]
    run(dp, ("SET", "copy", raw), ("OBJECT", "ENCODING", "copy"), ("PFCOUNT", "copy"),
        ("OBJECT", "ENCODING", "copy"), ("SET", "copy2", raw), ("PFADD", "copy2", "x"),
        ("OBJECT", "ENCODING", "copy2"), ("SET", "copy3", raw), ("PFCOUNT", "copy3", "src"),
        ("OBJECT", "ENCODING", "copy3"))


def test_wrong_types(dp):
    run(dp, MAKE_LIST, """
        SET str v
        SET num 12345
        SET short HYLL
        PFADD h a
        PFADD str a
        PFADD lst a
        PFADD num a
        PFADD short a
        PFCOUNT str
        PFCOUNT lst
        PFCOUNT nokey str
        PFCOUNT h lst
        PFCOUNT h str nokey
        PFMERGE d str
        PFMERGE d h lst
        PFMERGE str h
        PFMERGE lst h
        EXISTS d
        PFDEBUG ENCODING str
        PFDEBUG GETREG lst
        PFDEBUG DECODE nokey
        GET str
        """)


def test_merge(dp):
    run(dp, """
        PFADD a 1 2 3
        PFADD b 3 4 5
        PFADD c 5 6 7
        PFMERGE d a b c
        GET d
        PFCOUNT d
        PFDEBUG ENCODING d
        PFMERGE d
        GET d
        PFMERGE e
        GET e
        PFCOUNT e
        PFMERGE f nokey1 nokey2
        EXISTS f
        GET f
        PFMERGE a a
        GET a
        PFMERGE a b
        GET a
        PFCOUNT a
        PFMERGE b a b c nokey
        PFCOUNT b
        PFDEBUG TODENSE c
        PFMERGE g a c
        PFDEBUG ENCODING g
        GET g
        PFCOUNT g
        PFMERGE c a
        PFDEBUG ENCODING c
        PFCOUNT c
        SET t v
        EXPIRE a 100
        PFMERGE a c
        TTL a
        PFDEBUG ENCODING a
        """)


def test_count_of_several_keys(dp):
    run(dp, ("PFADD", "x", *[f"x{i}" for i in range(300)]),
        ("PFADD", "y", *[f"y{i}" for i in range(3000)]),
        ("PFADD", "z", *[f"x{i}" for i in range(100)]), ("PFDEBUG", "ENCODING", "x"),
        ("PFDEBUG", "ENCODING", "y"), ("PFCOUNT", "x", "y"), ("PFCOUNT", "x", "z"),
        ("PFCOUNT", "x", "y", "z", "nokey"), ("PFCOUNT", "nokey", "nokey2"), ("PFCOUNT", "x", "x"),
        ("GET", "x"), ("GET", "z"))


def test_promotion_at_hll_sparse_max_bytes(dp, sparse_max):
    """Elements added one by one: the sparse bytes after each, and the PFADD that turns it dense
    (a sparse HLL grows past the limit, or takes a value above 32)."""
    for limit in (3000, 200, 40, 0):
        sparse_max(limit)
        dp.check("DEL", "h")
        for i in range(400 if limit == 3000 else 60):
            dp.check("PFADD", "h", f"el{limit}-{i}")
            dp.check("STRLEN", "h")
            if i % 20 == 0:
                dp.check("GET", "h")
                dp.check("PFCOUNT", "h")
        run(dp, "PFDEBUG ENCODING h", "GET h", "PFCOUNT h")
    sparse_max(3000)
    run(dp, ("PFADD", "big", *[f"b{i}" for i in range(800)]), ("PFDEBUG", "ENCODING", "big"),
        ("STRLEN", "big"))
    sparse_max(100000)
    run(dp, ("PFADD", "big2", *[f"b{i}" for i in range(800)]), ("PFDEBUG", "ENCODING", "big2"),
        ("STRLEN", "big2"), ("GET", "big2"), ("PFMERGE", "m", "big2"), ("PFDEBUG", "ENCODING", "m"),
        "CONFIG GET hll-sparse-max-bytes")


def test_merge_into_sparse_respects_hll_sparse_max_bytes(dp, sparse_max):
    run(dp, ("PFADD", "src", *[f"s{i}" for i in range(150)]))
    sparse_max(100)
    run(dp, "PFMERGE d src", "PFDEBUG ENCODING d", "GET d", "PFCOUNT d")
    sparse_max(3000)
    run(dp, "PFMERGE e src", "PFDEBUG ENCODING e", "GET e", "PFCOUNT e")


def test_pfdebug(dp):
    run(dp, """
        PFADD h a b c
        PFDEBUG ENCODING h
        PFDEBUG encoding h
        PFDEBUG DECODE h
        PFDEBUG GETREG h
        PFDEBUG ENCODING h
        PFDEBUG DECODE h
        GET h
        PFDEBUG TODENSE h
        PFADD h2 x
        PFDEBUG todense h2
        PFDEBUG TODENSE h2
        GET h2
        PFDEBUG FOO h
        PFDEBUG FOO nokey
        PFDEBUG GETREG nokey
        PFADD empty
        PFDEBUG DECODE empty
        """)


def test_corrupted_hlls(dp):
    """Redis's own corruption cases, and crafted sparse values: opcodes one register short, past
    the end, after a complete cover, an XZERO cut short; a stale or forged cache."""
    run(dp, """
        PFADD h a b c
        APPEND h hello
        PFCOUNT h
        PFADD h zzz
        GET h
        PFMERGE d h
        PFCOUNT h nokey
        PFDEBUG GETREG h
        PFDEBUG DECODE h
        DEL h
        PFADD h a b c
        SETRANGE h 0 0123
        PFCOUNT h
        DEL h
        PFADD h a b c
        SETRANGE h 4 x
        PFCOUNT h
        DEL h
        PFADD h a b c
        PFCOUNT h
        SETRANGE h 8 z
        PFCOUNT h
        PFADD h a
        PFCOUNT h
        """, ("SETRANGE", "h", "4", b"\x00"), ("PFCOUNT", "h"), ("PFADD", "dense", "x"),
        ("PFDEBUG", "TODENSE", "dense"), ("APPEND", "dense", "!"), ("PFADD", "dense", "y"),
        ("PFCOUNT", "dense"))
    bodies = [
        xzero(16383) + val(3, 1),
        xzero(16382) + val(3, 1),
        xzero(16383) + val(3, 1) + val(2, 1),
        xzero(16383) + val(3, 1) + zero(1),
        xzero(16382) + val(3, 1) + val(2, 2),
        xzero(16383) + val(3, 1) + b"\x40",
        val(3, 1) + xzero(16384) + xzero(16384),
        zero(64) + xzero(100),
        b"",
    ]
    for i, body in enumerate(bodies):
        key = f"crafted{i}"
        run(dp, ("SET", key, SPARSE_HEADER + body), ("PFCOUNT", key), ("PFCOUNT", key, "nokey"),
            ("PFADD", key, "a", "hello", "x"), ("GET", key), ("PFMERGE", "m", key),
            ("PFDEBUG", "DECODE", key), ("PFDEBUG", "TODENSE", key), ("PFADD", key, "a"),
            ("GET", key))
    run(dp, ("SET", "d", DENSE_HEADER + b"\xff" * 12288), ("PFCOUNT", "d"), ("PFADD", "d", "a"),
        ("PFDEBUG", "GETREG", "d"), ("SET", "d2", DENSE_HEADER + b"\x00" * 12287),
        ("PFCOUNT", "d2"))


def test_random_corruptions_are_detected_as_redis_does(d, sparse_max):
    """Redis's fuzz: HLLs of random sizes, sparse and dense, with a few random bytes overwritten,
    then used; every reply and the bytes after each command must be Redis's."""
    r = random.Random(3232)
    for _ in range(150):
        sparse_max(r.choice([3000, 3000, 300, 10000]))
        d.check("DEL", "h")
        d.check("PFADD", "h", *[str(r.random()) for _ in range(r.randint(0, 600))])
        length = d.check("STRLEN", "h")[1]
        for _ in range(r.randint(1, 5)):
            pos = r.randrange(16, length) if r.random() < 0.9 else r.randrange(length)
            d.check("SETRANGE", "h", str(pos), bytes([r.randrange(256)]))
        if r.random() < 0.2:
            d.check("APPEND", "h", bytes([r.randrange(256) for _ in range(r.randint(1, 3))]))
        for _ in range(3):
            op = r.random()
            if op < 0.4:
                d.check("PFADD", "h", *[str(r.random()) for _ in range(r.randint(1, 20))])
            elif op < 0.6:
                d.check("PFMERGE", "m", "h")
                d.check("GET", "m")
            elif op < 0.8:
                d.check("PFCOUNT", "h", "m")
            else:
                d.check("PFDEBUG", r.choice(["GETREG", "DECODE", "ENCODING", "TODENSE"]), "h")
            d.check("PFCOUNT", "h")
            d.check("GET", "h")


def test_changes_counted(d):
    """PFADD counts the creation and each raised register, PFCOUNT one change when it stores
    its estimate, PFMERGE one, PFDEBUG one for a conversion; errors and no-ops none."""
    c = Changes(d)
    c.run("""
        PFADD h
        PFADD h
        PFADD h a b c
        PFADD h a b c
        PFCOUNT h
        PFCOUNT h
        PFCOUNT h nokey
        PFADD h d
        PFCOUNT h
        PFMERGE m h
        PFMERGE m
        PFMERGE n nokey
        PFDEBUG ENCODING h
        PFDEBUG DECODE h
        PFDEBUG GETREG h
        PFDEBUG GETREG h
        PFADD h2 x
        PFDEBUG TODENSE h2
        PFDEBUG TODENSE h2
        PFADD h2 x y z
        PFADD h2 x y z
        PFCOUNT h2
        SET s v
        PFADD s a
        PFMERGE s h
        APPEND h2 x
        PFADD h2 q
        PFADD fresh a b c d e f g
        """)


def test_keyspace_commands_carry_hlls(dp):
    run(dp, """
        PFADD h a b c
        COPY h c
        PFADD c d
        PFCOUNT h
        PFCOUNT c
        RENAME c r
        GET r
        EXPIRE r 100
        PFADD r e f g
        TTL r
        PFDEBUG TODENSE r
        TTL r
        PFCOUNT r
        MOVE r 1
        SELECT 1
        PFCOUNT r
        GET r
        SELECT 0
        """)


def test_selftest(d):
    d.check("PFSELFTEST")


def test_random_sequence(d, sparse_max):
    """Thousands of PFADD, PFCOUNT and PFMERGE over a few keys, some growing dense; every count
    exact, and the bytes compared now and then."""
    r = random.Random(1907)
    keys = [f"hll{i}" for i in range(5)]
    pool = [f"m{i}" for i in range(20000)] + ["", "0", "-1", "a b", "\x00"]
    for step in range(3000):
        op = r.random()
        if op < 0.45:
            d.check("PFADD", r.choice(keys),
                    *r.sample(pool, r.choice([0, 1, 1, 2, 5, 10, 50])))
        elif op < 0.7:
            d.check("PFCOUNT", *r.sample(keys, r.randint(1, 3)))
        elif op < 0.8:
            d.check("PFMERGE", r.choice(keys), *r.sample(keys, r.randint(0, 3)))
        elif op < 0.9:
            d.check("GET", r.choice(keys))
        elif op < 0.95:
            d.check("PFDEBUG", "ENCODING", r.choice(keys))
        elif op < 0.97:
            sparse_max(r.choice([100, 500, 3000, 3000, 8000]))
        elif op < 0.985:
            d.check("PFDEBUG", "TODENSE", r.choice(keys))
        else:
            d.check("DEL", r.choice(keys))
    for key in keys:
        d.check("PFCOUNT", key)
        d.check("GET", key)
