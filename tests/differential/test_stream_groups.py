# Differential cases for stream consumer groups: XGROUP (CREATE with $, MKSTREAM and ENTRIESREAD,
# SETID, DESTROY, CREATECONSUMER, DELCONSUMER, HELP) with every error, XREADGROUP (">", a
# consumer's history, NOACK, COUNT, several streams, BLOCK woken by XADD), XACK, XPENDING
# (summary, extended, IDLE, per consumer), XCLAIM (IDLE TIME RETRYCOUNT FORCE JUSTID LASTID, a
# deleted entry), XAUTOCLAIM (COUNT, JUSTID, deleted entries), XINFO GROUPS / CONSUMERS /
# STREAM, and DUMP of a stream with groups (same length; restored alike). Delivery times, idle times depend
# on each server's clock: where a reply carries one, the rule compares everything else.
from differential.cases import run
from differential.normalise import diff_replies
from differential.test_blocking import wait_blocked


def without_times(positions):
    """A rule for arrays of rows: compares each row without the items at `positions` (clock
    readings: idle times, delivery times)."""
    def strip(r):
        if r is None or r[0] != "array" or r[1] is None:
            return r
        rows = []
        for row in r[1]:
            if row and row[0] == "array" and row[1] is not None:
                rows.append(("array", [x for i, x in enumerate(row[1]) if i not in positions]))
            else:
                rows.append(row)
        return ("array", rows)

    def rule(args, a, b):
        return diff_replies(strip(a), strip(b))
    return rule


PENDING_ROWS = without_times({2})  # XPENDING extended: id, consumer, idle, deliveries


def consumers_rule(args, a, b):
    """XINFO CONSUMERS: name and pending of each consumer (idle is a clock reading)."""
    def strip(r):
        if r is None or r[0] not in ("array", "map") or r[1] is None:
            return r
        out = []
        for c in r[1]:
            items = c[1]
            if c[0] == "map":
                items = [x for kv in items for x in kv]
            out.append(items[:4])
        return out
    return diff_replies(strip(a), strip(b))


def make_group(d):
    run(d, """
        XADD s 1-1 a 1
        XADD s 1-2 b 2
        XADD s 1-3 c 3
        XADD s 1-4 d 4
        XGROUP CREATE s g 0
        """)


def test_xgroup(dp):
    run(dp, """
        XGROUP CREATE nokey g $
        XGROUP CREATE nokey g $ MKSTREAM
        XLEN nokey
        XGROUP CREATE nokey g $ MKSTREAM
        XGROUP CREATE nokey g2 0 ENTRIESREAD 5
        XGROUP CREATE nokey g3 0 ENTRIESREAD -2
        XGROUP CREATE nokey g3 0 ENTRIESREAD x
        XGROUP CREATE nokey g3 0 FOO
        XGROUP CREATE nokey g3 abc
        XGROUP CREATE nokey g3 0 MKSTREAM ENTRIESREAD 1 extra
        XINFO GROUPS nokey
        XGROUP SETID nokey g 5-5
        XGROUP SETID nokey g $ ENTRIESREAD 3
        XGROUP SETID nokey nogroup 0
        XGROUP SETID nokey g bad
        XGROUP SETID nokey g 0 ENTRIESREAD
        XGROUP CREATECONSUMER nokey g alice
        XGROUP CREATECONSUMER nokey g alice
        XGROUP CREATECONSUMER nokey nogroup alice
        XGROUP DELCONSUMER nokey g alice
        XGROUP DELCONSUMER nokey g bob
        XGROUP DESTROY nokey g
        XGROUP DESTROY nokey g
        XGROUP DESTROY missing g
        XGROUP FOO nokey g
        XGROUP HELP
        XGROUP HELP extra
        XGROUP
        XINFO GROUPS nokey
        SET str v
        XGROUP CREATE str g $
        XINFO STREAM nokey
        """)


def test_readgroup_ack_pending(dp):
    make_group(dp)
    run(dp, """
        XREADGROUP GROUP g alice COUNT 2 STREAMS s >
        XREADGROUP GROUP g bob STREAMS s >
        XREADGROUP GROUP g bob STREAMS s >
        XREADGROUP GROUP g alice STREAMS s 0
        XREADGROUP GROUP g alice COUNT 1 STREAMS s 1-1
        XPENDING s g
        XINFO GROUPS s
        XINFO STREAM s
        XACK s g 1-1 1-1 9-9
        XACK s g bad
        XACK s nogroup 1-2
        XACK nokey g 1-2
        XPENDING s g
        XDEL s 1-2
        XREADGROUP GROUP g alice STREAMS s 0
        XADD s 2-1 e 5
        XREADGROUP GROUP g carol NOACK STREAMS s >
        XPENDING s g
        XINFO GROUPS s
        XGROUP DELCONSUMER s g alice
        XPENDING s g
        XREADGROUP GROUP g alice STREAMS s $
        XREADGROUP GROUP nogroup alice STREAMS s >
        XREADGROUP GROUP g alice STREAMS nokey >
        XREADGROUP STREAMS s >
        XREADGROUP GROUP g STREAMS s >
        XREADGROUP GROUP g alice STREAMS s
        XREADGROUP GROUP g alice BLOCK 10 STREAMS s >
        XPENDING s nogroup
        XPENDING nokey g
        XPENDING s g - + x
        XPENDING s g IDLE 0 - +
        XPENDING s g - +
        """)
    for args in (("XPENDING", "s", "g", "-", "+", "10"),
                 ("XPENDING", "s", "g", "-", "+", "10", "bob"),
                 ("XPENDING", "s", "g", "(1-3", "+", "1"),
                 ("XPENDING", "s", "g", "IDLE", "0", "-", "+", "10"),
                 ("XPENDING", "s", "g", "IDLE", "100000000", "-", "+", "10"),
                 ("XPENDING", "s", "g", "-", "+", "10", "nobody")):
        dp.check(*args, rule=PENDING_ROWS)
    dp.check("XINFO", "CONSUMERS", "s", "g", rule=consumers_rule)
    run(dp, "XINFO CONSUMERS s nogroup")


def test_claims(dp):
    make_group(dp)
    run(dp, """
        XREADGROUP GROUP g alice STREAMS s >
        XCLAIM s g bob 0 1-1 1-2 JUSTID
        XCLAIM s g bob 0 1-3
        XCLAIM s g bob 100000000 1-4
        XCLAIM s g bob 0 1-4 RETRYCOUNT 7 JUSTID
        XCLAIM s g bob 0 9-9 FORCE
        XCLAIM s g bob 0 1-4 FORCE LASTID 5-5 JUSTID
        XINFO GROUPS s
        XCLAIM s g bob 0 1-1 IDLE x
        XCLAIM s g bob 0 1-1 TIME x
        XCLAIM s g bob 0 1-1 RETRYCOUNT x
        XCLAIM s g bob 0 1-1 LASTID bad
        XCLAIM s g bob 0 1-1 FOO
        XCLAIM s g bob x 1-1
        XCLAIM s nogroup bob 0 1-1
        XCLAIM nokey g bob 0 1-1
        XDEL s 1-2
        XCLAIM s g carol 0 1-2 1-3 JUSTID
        XPENDING s g
        XAUTOCLAIM s g dave 0 0 COUNT 2
        XAUTOCLAIM s g dave 0 0 JUSTID
        XAUTOCLAIM s g erin 100000000 0
        XAUTOCLAIM s g erin 0 (1-3 COUNT 1 JUSTID
        XAUTOCLAIM s g erin 0 0 COUNT 0
        XAUTOCLAIM s g erin 0 0 COUNT x
        XAUTOCLAIM s g erin 0 0 FOO
        XAUTOCLAIM s g erin x 0
        XAUTOCLAIM s g erin 0 bad
        XAUTOCLAIM s nogroup erin 0 0
        XPENDING s g
        XINFO GROUPS s
        """)
    dp.check("XINFO", "CONSUMERS", "s", "g", rule=consumers_rule)
    run(dp, "XGROUP DESTROY s g", "XINFO GROUPS s", "DUMP s")


def test_lag_and_entries_read(dp):
    run(dp, """
        XADD s 1-1 a 1
        XADD s 1-2 a 2
        XADD s 1-3 a 3
        XGROUP CREATE s g1 0
        XGROUP CREATE s g2 $
        XGROUP CREATE s g3 1-1
        XINFO GROUPS s
        XREADGROUP GROUP g1 c COUNT 1 STREAMS s >
        XINFO GROUPS s
        XDEL s 1-2
        XINFO GROUPS s
        XREADGROUP GROUP g1 c STREAMS s >
        XADD s 1-4 a 4
        XINFO GROUPS s
        XTRIM s MAXLEN 1
        XINFO GROUPS s
        XGROUP SETID s g2 0 ENTRIESREAD 0
        XINFO GROUPS s
        XINFO STREAM s
        """)


def test_dump_restore_with_groups(d):
    make_group(d)
    run(d, "XREADGROUP GROUP g alice COUNT 2 STREAMS s >", "XGROUP CREATECONSUMER s g idle",
        "XGROUP CREATE s g2 $ ENTRIESREAD 4")
    ref_dump = d.ref.call("DUMP", "s")[1]
    got_dump = d.got.call("DUMP", "s")[1]
    # The delivery and seen times differ: the payloads have the same length and restore on
    # both servers to the same groups.
    assert len(ref_dump) == len(got_dump)
    run(d, ("RESTORE", "copy", "0", ref_dump), "XINFO GROUPS copy", "XPENDING copy g",
        "XRANGE copy - +")
    d.check("XINFO", "CONSUMERS", "copy", "g", rule=consumers_rule)


def test_readgroup_block_woken_by_add(dual):
    adder = dual(2)
    a = dual(2)
    b = dual(3)
    adder.check("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    a.send_only("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(adder, 1)
    b.send_only("XREADGROUP", "GROUP", "g", "bob", "BLOCK", "0", "COUNT", "1", "STREAMS", "s",
                ">")
    wait_blocked(adder, 2)
    adder.check("XADD", "s", "1-1", "x", "1")
    a.read_both()
    adder.check("XADD", "s", "1-2", "x", "2")
    b.read_both()
    wait_blocked(adder, 0)
    adder.check("XPENDING", "s", "g")
