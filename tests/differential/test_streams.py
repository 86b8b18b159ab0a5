# Differential cases for streams without consumer groups: XADD (explicit, "<ms>-*" and
# generated ids, NOMKSTREAM, MAXLEN / MINID with "=" and "~" and LIMIT), XLEN, XRANGE and
# XREVRANGE (exclusive ends, COUNT), XDEL, XTRIM, XSETID, XREAD (COUNT, "$", BLOCK woken by
# another client), XINFO STREAM (FULL, COUNT) and HELP, DUMP byte for byte (the node layout and
# the listpacks are Redis's) and RESTORE of the other server's payload, every argument error,
# and a randomized sequence with a fixed seed under small node limits, so that nodes split,
# fill with tombstones and go.
import random

from differential.cases import run
from differential.test_blocking import wait_blocked


def test_add_range_and_len(dp):
    run(dp, """
        XADD s 1-1 a 1 b 2
        XADD s 1-2 a 3 b 4
        XADD s 1-* a 5
        XADD s 2-* c 6
        XADD s 2 d 7
        XADD s 3-0 a 1 b 2 c 3
        XLEN s
        XLEN nokey
        XRANGE s - +
        XRANGE s 1 1
        XRANGE s 1-2 2
        XRANGE s (1-1 (3-0
        XRANGE s - + COUNT 2
        XRANGE s - + COUNT 0
        XRANGE s - + COUNT -1
        XRANGE s + -
        XREVRANGE s + -
        XREVRANGE s + - COUNT 3
        XREVRANGE s (3 (1-2
        XREVRANGE s 2 2
        XRANGE nokey - +
        XREVRANGE nokey + -
        TYPE s
        OBJECT ENCODING s
        """)


def test_add_errors(dp):
    run(dp, """
        XADD s 5-5 a 1
        XADD s 5-5 a 1
        XADD s 5-4 a 1
        XADD s 4 a 1
        XADD s 5-* a 1
        XADD s 0-0 a 1
        XADD new 0-0 a 1
        EXISTS new
        XADD new 0-* a 1
        XADD s 6-1 a
        XADD s 6-1
        XADD s
        XADD s abc a 1
        XADD s 1-x a 1
        XADD s -1 a 1
        XADD s - a 1
        XADD s + a 1
        XADD s 18446744073709551616-0 a 1
        XADD s 01-00 a 1
        XADD s MAXLEN -1 * a 1
        XADD s MAXLEN x * a 1
        XADD s MAXLEN 1 MINID 0 * a 1
        XADD s LIMIT 10 * a 1
        XADD s MAXLEN 5 LIMIT 10 * a 1
        XADD s MAXLEN ~ 5 LIMIT -1 * a 1
        XADD s MINID abc * a 1
        XADD s NOMKSTREAM
        XADD nomk NOMKSTREAM * a 1
        EXISTS nomk
        XADD s 18446744073709551615-18446744073709551615 a 1
        XADD s * a 1
        XADD s 18446744073709551615-* a 1
        XLEN s
        SET str v
        XADD str * a 1
        XLEN str
        XRANGE str - +
        XRANGE s x +
        XRANGE s - + COUNT
        XRANGE s - + LIMIT 1
        XRANGE s (18446744073709551615-18446744073709551615 +
        XRANGE s - (0-0
        XRANGE s (- +
        """)


def test_generated_ids(dp):
    # Generated ids depend on each server's clock: their shape and order are compared.
    dp.check("XADD", "g", "*", "f", "v", rule=lambda args, a, b: None if a[0] == b[0] == "bulk" else "type")
    dp.check("XADD", "g", "*", "f", "v", rule=lambda args, a, b: None if a[0] == b[0] == "bulk" else "type")
    dp.check("XLEN", "g")
    run(dp, """
        XADD future 99999999999999-5 a 1
        XADD future * a 2
        XADD future * a 3
        XRANGE future - +
        """)


def test_delete_trim_and_setid(dp):
    run(dp, """
        CONFIG SET stream-node-max-entries 3
        XADD s 1-1 a 1
        XADD s 1-2 a 2
        XADD s 1-3 b 3
        XADD s 1-4 a 4
        XADD s 1-5 a 5 b 6
        XADD s 1-6 a 6
        XADD s 1-7 a 7
        XDEL s 1-2 1-2 9-9
        XDEL s 1-1
        XDEL s abc
        XDEL s 1-3 bad
        XRANGE s - +
        XINFO STREAM s
        DUMP s
        XTRIM s MAXLEN 4
        XINFO STREAM s
        DUMP s
        XTRIM s MAXLEN ~ 1
        XRANGE s - +
        XTRIM s MINID 1-6
        XRANGE s - +
        XTRIM s MINID ~ 1-7
        XTRIM s
        XTRIM s MAXLEN
        XTRIM s FOO 1
        XTRIM s MAXLEN 1 LIMIT 5
        XTRIM s MAXLEN ~ 1 LIMIT 5
        XTRIM nokey MAXLEN 0
        XTRIM s MAXLEN 0
        XLEN s
        EXISTS s
        XINFO STREAM s
        DUMP s
        XADD s 1-7 x y
        XADD s 1-8 x y
        XSETID s 1-5
        XSETID s 9-9
        XSETID s 9-9 ENTRIESADDED 1
        XSETID s 9-9 ENTRIESADDED 100 MAXDELETEDID 5-0
        XSETID s 9-9 MAXDELETEDID 10-0
        XSETID s 9-9 ENTRIESADDED -1
        XSETID s 9-9 FOO 1
        XSETID nokey 1-1
        XINFO STREAM s
        XADD s 9-9 x y
        XADD s 9-10 x y
        CONFIG SET stream-node-max-entries 100
        """)


def test_add_with_trimming(dp):
    run(dp, """
        CONFIG SET stream-node-max-entries 4
        XADD s MAXLEN 3 1-1 a 1
        XADD s MAXLEN 3 1-2 a 2
        XADD s MAXLEN 3 1-3 a 3
        XADD s MAXLEN 3 1-4 a 4
        XADD s MAXLEN = 3 1-5 a 5
        XRANGE s - +
        XADD s MAXLEN ~ 2 1-6 a 6
        XADD s MAXLEN ~ 2 1-7 a 7
        XADD s MAXLEN ~ 2 1-8 a 8
        XADD s MAXLEN ~ 2 1-9 a 9
        XADD s MAXLEN ~ 2 LIMIT 1 1-10 a 10
        XRANGE s - +
        XADD s MINID 1-9 1-11 a 11
        XADD s MINID ~ 1-11 LIMIT 100 1-12 a 12
        XRANGE s - +
        XINFO STREAM s FULL
        DUMP s
        CONFIG SET stream-node-max-entries 100
        """)


def test_node_bytes_limit(dp):
    run(dp, ("CONFIG", "SET", "stream-node-max-bytes", "100"))
    for i in range(1, 12):
        dp.check("XADD", "b", f"1-{i}", "field", "x" * (i * 7), "n", str(i * 1000))
    run(dp, "XINFO STREAM b", "DUMP b", ("CONFIG", "SET", "stream-node-max-bytes", "0"))
    for i in range(12, 20):
        dp.check("XADD", "b", f"1-{i}", "field", "y" * 300)
    run(dp, "XINFO STREAM b", "DUMP b", ("CONFIG", "SET", "stream-node-max-bytes", "4096"))


def test_xread(dp):
    run(dp, """
        XADD s1 1-1 a 1
        XADD s1 1-2 a 2
        XADD s2 2-1 b 1
        XREAD STREAMS s1 0
        XREAD COUNT 1 STREAMS s1 s2 0 0
        XREAD STREAMS s1 s2 1-1 2-1
        XREAD STREAMS s1 s2 $ $
        XREAD STREAMS nokey 0
        XREAD COUNT -5 STREAMS s1 1-1
        XREAD BLOCK 10 STREAMS nokey $
        XREAD STREAMS s1
        XREAD STREAMS s1 s2 0
        XREAD STREAMS
        XREAD COUNT x STREAMS s1 0
        XREAD BLOCK x STREAMS s1 0
        XREAD BLOCK -1 STREAMS s1 0
        XREAD GROUP g c STREAMS s1 0
        XREAD NOACK STREAMS s1 0
        XREAD FOO STREAMS s1 0
        XREAD STREAMS s1 >
        XREAD STREAMS s1 abc
        SET str v
        XREAD STREAMS s1 str 0 0
        MULTI
        XREAD BLOCK 0 STREAMS nokey $
        EXEC
        """)


def test_xinfo(dp):
    run(dp, """
        XINFO STREAM nokey
        XINFO HELP
        XINFO HELP extra
        XINFO
        XINFO FOO s
        XADD s 1-1 a 1
        XADD s 2-1 b 2 c 3
        XINFO STREAM s
        XINFO STREAM s FULL
        XINFO STREAM s FULL COUNT 1
        XINFO STREAM s FULL COUNT 0
        XINFO STREAM s FULL COUNT x
        XINFO STREAM s PARTIAL
        XINFO STREAM s FULL LIMIT 1
        XINFO GROUPS s
        XINFO CONSUMERS s g
        XINFO GROUPS nokey
        SET str v
        XINFO STREAM str
        XADD e MAXLEN 0 1-1 a 1
        XINFO STREAM e
        XINFO STREAM e FULL
        """)


def test_dump_restore_both_ways(d):
    run(d, """
        XADD s 1-1 a 1 b 2
        XADD s 1-2 a 3 b 4
        XADD s 1-3 z 9
        XDEL s 1-2
        XADD e MAXLEN 0 5-5 a 1
        """)
    for key in ("s", "e"):
        ref_dump = d.ref.call("DUMP", key)[1]
        got_dump = d.got.call("DUMP", key)[1]
        assert ref_dump == got_dump
        run(d, ("RESTORE", key + "copy", "0", ref_dump), ("XRANGE", key + "copy", "-", "+"),
            ("XINFO", "STREAM", key + "copy"), ("DUMP", key + "copy"))
    run(d, "COPY s c2", "XRANGE c2 - +", "RENAME c2 c3", "XINFO STREAM c3",
        "XINFO STREAM s FULL", "XINFO STREAM e")


def test_xread_block_woken_by_add(dual):
    adder = dual(2)
    a = dual(2)
    b = dual(3)
    adder.check("XADD", "s", "1-1", "old", "1")
    a.send_only("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(adder, 1)
    b.send_only("XREAD", "BLOCK", "0", "COUNT", "5", "STREAMS", "other", "s", "$", "1-1")
    wait_blocked(adder, 2)
    adder.check("XADD", "s", "2-1", "new", "2")
    a.read_both()
    b.read_both()
    wait_blocked(adder, 0)
    # A reader waiting for a later id than the one added keeps waiting; the others are served.
    a.send_only("XREAD", "BLOCK", "0", "STREAMS", "s", "9-0")
    wait_blocked(adder, 1)
    b.send_only("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(adder, 2)
    adder.check("XADD", "s", "3-1", "x", "3")
    b.read_both()
    wait_blocked(adder, 1)
    adder.check("XADD", "s", "9-1", "x", "4")
    a.read_both()
    wait_blocked(adder, 0)
    # A timeout answers a null array.
    a.check("XREAD", "BLOCK", "10", "STREAMS", "s", "$")
    # A stream created by XADD wakes a reader of a missing key.
    b.send_only("XREAD", "BLOCK", "0", "STREAMS", "fresh", "0")
    wait_blocked(adder, 1)
    adder.check("XADD", "fresh", "1-1", "a", "b")
    b.read_both()


def test_random_sequences(dual):
    for seed, protocol in ((1, 2), (2, 3), (3, 2)):
        d = dual(protocol)
        d.check("FLUSHALL")
        rng = random.Random(seed)
        d.check("CONFIG", "SET", "stream-node-max-entries", "5")
        d.check("CONFIG", "SET", "stream-node-max-bytes", "200")
        keys = ["x1", "x2", "x3"]
        next_ms = {k: 1 for k in keys}
        fields = ["f", "g", "h"]
        for _ in range(600):
            k = rng.choice(keys)
            op = rng.random()
            if op < 0.45:
                next_ms[k] += rng.choice([0, 0, 1, 7, 300])
                n = rng.choice([1, 1, 2, 3])
                fv = []
                for i in range(n):
                    fv += [rng.choice(fields) if rng.random() < 0.8 else f"x{i}",
                           rng.choice(["1", "-7", "v" * rng.randint(0, 40), "12345678901"])]
                trim = []
                if rng.random() < 0.15:
                    trim = ["MAXLEN", rng.choice(["=", "~", ""]), str(rng.randint(0, 12))]
                    trim = [t for t in trim if t]
                d.check("XADD", k, *trim, f"{next_ms[k]}-*", *fv)
            elif op < 0.6:
                ids = [f"{rng.randint(1, next_ms[k])}-{rng.randint(0, 3)}" for _ in range(rng.randint(1, 3))]
                d.check("XDEL", k, *ids)
            elif op < 0.68:
                if rng.random() < 0.5:
                    d.check("XTRIM", k, "MAXLEN", rng.choice(["=", "~"]), str(rng.randint(0, 15)))
                else:
                    d.check("XTRIM", k, "MINID", rng.choice(["=", "~"]), f"{rng.randint(1, next_ms[k] + 1)}-0")
            elif op < 0.8:
                a = f"{rng.randint(1, next_ms[k])}"
                b = rng.choice(["+", f"{rng.randint(1, next_ms[k] + 5)}"])
                if rng.random() < 0.5:
                    d.check("XRANGE", k, a, b, "COUNT", str(rng.randint(1, 6)))
                else:
                    d.check("XREVRANGE", k, b, a)
            elif op < 0.86:
                d.check("XREAD", "COUNT", str(rng.randint(1, 4)), "STREAMS", k, f"{rng.randint(1, next_ms[k])}-0")
            elif op < 0.93:
                d.check("XINFO", "STREAM", k)
            else:
                d.check("DUMP", k)
        for k in keys:
            d.check("XINFO", "STREAM", k, "FULL", "COUNT", "0")
            d.check("DUMP", k)
        d.check("CONFIG", "SET", "stream-node-max-entries", "100")
        d.check("CONFIG", "SET", "stream-node-max-bytes", "4096")
