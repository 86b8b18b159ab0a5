# Differential cases for the sorted-set commands: ZADD (NX XX GT LT CH INCR and their invalid
# combinations) ZINCRBY ZREM ZSCORE ZMSCORE ZCARD ZCOUNT ZLEXCOUNT ZRANGE (BYSCORE BYLEX REV LIMIT
# WITHSCORES) ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZRANK
# ZREVRANK ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZMPOP ZUNION ZINTER ZDIFF
# ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD ZRANDMEMBER ZSCAN; score parsing and printing
# (17 significant digits, inf, -0, range syntax "(" "[" "-" "+"), members with equal scores in
# lexicographic order, binary members, the encodings OBJECT ENCODING reports (listpack while at
# most zset-max-listpack-entries members of at most zset-max-listpack-value bytes, skiplist
# otherwise, never back), sorted sets meeting other types (-WRONGTYPE), keyspace commands (TTL,
# COPY, RENAME, MOVE, TYPE, SCAN TYPE zset) and fixed-seed random sequences over both encodings.
# Each test runs in RESP2 and RESP3 (scores are doubles in RESP3, WITHSCORES replies pairs).
#
# Sorted sets promise an order (score, then member bytes), so replies are compared exactly;
# only ZRANDMEMBER (chance) and ZSCAN of a skiplist (table order) are compared by shape / as sets.
# Lexicographic ranges are only asked of sets whose order is also lexicographic (Redis leaves
# the answer unspecified otherwise, and on a skiplist it depends on the random node levels).
import random

import pytest

from differential.cases import check_scan, run, same_shape, unordered
from support.compare import diff_replies

LONG = "L" * 65  # one byte over zset-max-listpack-value


def restore_zset_config(d):
    """Put the listpack thresholds back to Redis's defaults on both servers, even after a
    mismatch (the servers live for the whole module)."""
    for client in (d.ref, d.got):
        for name, value in (("zset-max-listpack-entries", "128"),
                            ("zset-max-listpack-value", "64")):
            try:
                client.call("CONFIG", "SET", name, value)
            except Exception:
                pass


def test_zadd_flags(dp):
    run(dp, """
        ZADD z 1 a 2 b 3 c
        ZADD z 1 a 2 b 3 c
        ZADD z CH 1 a 5 b 4 d
        ZADD z NX 10 a 10 e
        ZADD z NX CH 10 a 11 f
        ZADD z XX 10 a 10 nothere
        ZADD z XX CH 10 a 10 b 10 nothere
        ZADD z GT 0 a 20 b 1 g
        ZADD z GT CH 0 a 21 b 1 h
        ZADD z LT 100 c 0 d 7 i
        ZADD z LT CH 100 c -1 d 7 j
        ZADD z GT XX CH 30 a 1 b 5 nothere
        ZADD z LT XX CH 0 a 100 b
        ZADD z xx lt ch 1 a
        ZADD z Ch 2 a
        ZADD z nx 3 a
        ZRANGE z 0 -1 WITHSCORES
        ZCARD z
        EXISTS nothere
        ZADD z XX NX 1 a
        ZADD z CH XX NX 1 a
        ZADD z xx nx 1 a
        ZADD z GT LT 1 a
        ZADD z GT NX 1 a
        ZADD z LT NX 1 a
        ZADD z NX GT LT 1 a
        ZADD z nx gt 1 a
        ZADD z NX XX INCR 1 a 2 b
        ZADD z XX NX 1 a 2
        ZADD z GT LT x a
        ZADD z INCR 1 a 2 b
        ZADD z INCR 1 a 2
        ZADD z INCR 1 a 2 b x
        ZADD z 1 a 2
        ZADD z 1 a 2 b 3
        ZADD z XX 1
        ZADD z FOO 1 a
        ZADD z 1 a FOO 1
        ZADD z 1 a x b
        ZADD z nan a
        ZADD z x a
        ZADD z XX
        ZADD z NX
        ZADD z INCR
        ZADD z
        ZADD
        ZRANGE z 0 -1 WITHSCORES
        ZADD newkey XX 1 a
        EXISTS newkey
        ZADD newkey XX INCR 1 a
        EXISTS newkey
        ZADD newkey GT 5 a
        ZADD newkey LT 6 a
        ZRANGE newkey 0 -1 WITHSCORES
        """)


def test_zadd_incr_and_zincrby(dp):
    run(dp, """
        ZADD z INCR 1 a
        ZADD z INCR 1.5 a
        ZADD z INCR -0.5 newm
        ZADD z CH INCR 1 a
        ZADD z NX INCR 1 a
        ZADD z NX INCR 1 fresh
        ZADD z XX INCR 1 a
        ZADD z XX INCR 1 nothere
        ZADD z GT INCR 1 a
        ZADD z GT INCR -1 a
        ZADD z GT INCR 0 a
        ZADD z LT INCR -1 a
        ZADD z LT INCR 1 a
        ZADD z LT INCR 0 a
        ZADD z GT INCR 1 brandnew
        ZADD z LT INCR -1 brandnew2
        ZADD z GT XX INCR 1 a
        ZADD z LT XX INCR 1 a
        ZADD z INCR inf a
        ZADD z INCR -inf a
        ZADD z INCR +inf a
        ZADD z INCR inf a
        ZSCORE z a
        ZADD z INCR 5 a
        ZADD z -inf b
        ZADD z INCR inf b
        ZSCORE z b
        ZADD z INCR nan b
        ZADD z INCR x b
        ZRANGE z 0 -1 WITHSCORES
        ZINCRBY z2 1 a
        ZINCRBY z2 2.5 a
        ZINCRBY z2 -10 a
        ZINCRBY z2 0 a
        ZINCRBY z2 1 b
        ZINCRBY z2 inf b
        ZINCRBY z2 inf b
        ZINCRBY z2 -inf b
        ZSCORE z2 b
        ZINCRBY z2 -inf c
        ZINCRBY z2 -inf c
        ZINCRBY z2 +inf c
        ZINCRBY z2 nan a
        ZINCRBY z2 abc a
        ZINCRBY z2 1e400 a
        ZINCRBY z2 1e308 d
        ZINCRBY z2 1e308 d
        ZINCRBY z2 -1e308 d
        ZINCRBY z2 1
        ZINCRBY z2 1 a b
        ZINCRBY
        ZRANGE z2 0 -1 WITHSCORES
        ZINCRBY z2 0.1 f
        ZINCRBY z2 0.2 f
        ZINCRBY z2 0.1 g
        ZINCRBY z2 0.7 g
        ZRANGE z2 0 -1 WITHSCORES
        """)


def test_score_printing(dp):
    # Scores print like %.17g (inf and -inf spelled so), whatever the encoding.
    for key, pad in (("lp", ()), ("sl", ("0", LONG))):
        run(dp, ("ZADD", key, "1.1", "a", "0.1", "b", "1e308", "c", "5e-324", "e",
                 "1e-7", "g", "123456789012345678", "h", "0.30000000000000004", "i", "1e17", "j",
                 "1e16", "k", "3.0", "l", "-1.5e-10", "m", "2.5e+3", "n", "-1e308", "o",
                 "2.2250738585072014e-308", "p", "4503599627370496.5", "q",
                 "9007199254740993", "r", "0.000001", "s", "1e21", "t", "-123.456", "u", *pad),
            ("OBJECT", "ENCODING", key),
            ("ZRANGE", key, "0", "-1", "WITHSCORES"),
            ("ZREVRANGE", key, "0", "-1", "WITHSCORES"),
            ("ZSCORE", key, "a"), ("ZSCORE", key, "e"), ("ZSCORE", key, "h"),
            ("ZMSCORE", key, "a", "b", "c", "nothere", "e"),
            ("ZINCRBY", key, "0.2", "b"), ("ZINCRBY", key, "1e308", "c"),
            ("ZINCRBY", key, "-1e308", "o"), ("ZINCRBY", key, "5e-324", "e"),
            ("ZINCRBY", key, "0.1", "s"),
            ("ZRANGEBYSCORE", key, "-inf", "+inf", "WITHSCORES"),
            ("ZPOPMIN", key, "3"), ("ZPOPMAX", key, "3"), ("ZPOPMIN", key), ("ZPOPMAX", key))


def test_negative_zero(dp):
    # -0: a listpack keeps the score as text and reads "0" back; a skiplist keeps -0.0 and prints
    # "-0". A reply computed before storing prints -0 either way.
    run(dp, """
        ZADD lp -0 a
        ZSCORE lp a
        ZINCRBY lp -0 a
        ZINCRBY lp -0 b
        ZADD lp INCR -0 c
        ZADD lp -0.0 d
        ZRANGE lp 0 -1 WITHSCORES
        ZRANGEBYSCORE lp -0 0 WITHSCORES
        ZRANGEBYSCORE lp (-0 1
        ZCOUNT lp -0 -0
        ZADD y 0 a 1 b
        ZUNION 1 y WEIGHTS -1 WITHSCORES
        ZUNION 1 y WEIGHTS -0 WITHSCORES
        ZINTER 1 y WEIGHTS -1 WITHSCORES
        ZUNIONSTORE st 1 y WEIGHTS -1
        ZRANGE st 0 -1 WITHSCORES
        """, ("ZADD", "sl", "5", LONG), """
        ZADD sl -0 a
        ZSCORE sl a
        ZINCRBY sl -0 b
        ZSCORE sl b
        ZADD sl INCR -0 c
        ZMSCORE sl a b c
        ZRANGE sl 0 -1 WITHSCORES
        ZRANGEBYSCORE sl -0 0 WITHSCORES
        ZPOPMIN sl
        ZUNIONSTORE st2 2 sl y WEIGHTS 1 -1
        OBJECT ENCODING st2
        ZRANGE st2 0 -1 WITHSCORES
        """)


def test_score_and_range_parsing(dp):
    run(dp, """
        ZADD z INF u -Infinity v infinity w +5 x .5 y 5. q 0x10 h 1E2 e
        ZRANGE z 0 -1 WITHSCORES
        ZADD z 1e309 p
        ZADD z 2e308 p
        ZADD z -1e400 p
        ZADD z 1e p
        ZADD z 1.2.3 p
        ZADD z 0x p
        ZADD z NaN p
        ZADD z -nan p
        ZADD z infx p
        ZRANGEBYSCORE z -inf +inf
        ZRANGEBYSCORE z -INF Infinity
        ZRANGEBYSCORE z (-inf (+inf
        ZRANGEBYSCORE z (inf +inf
        ZRANGEBYSCORE z -inf (-inf
        ZRANGEBYSCORE z (5 (5
        ZRANGEBYSCORE z 5 5
        ZRANGEBYSCORE z (0.5 16
        ZRANGEBYSCORE z 0x10 20
        ZRANGEBYSCORE z 1e2 1e2
        ZRANGEBYSCORE z ((1 2
        ZRANGEBYSCORE z [1 2
        ZRANGEBYSCORE z (nan 1
        ZRANGEBYSCORE z nan 1
        ZRANGEBYSCORE z 1 nan
        ZRANGEBYSCORE z 1 (x
        ZRANGEBYSCORE z 1x 2
        ZRANGEBYSCORE z 5 1
        ZCOUNT z (5 5
        ZCOUNT z 1 x
        ZCOUNT z -inf inf
        ZRANGE z (0.5 (inf BYSCORE
        ZRANGE z [0.5 inf BYSCORE
        """, ("ZADD", "z", " 1", "p"), ("ZADD", "z", "1 ", "p"), ("ZADD", "z", "", "p"),
        ("ZINCRBY", "z", " 1", "p"), ("ZINCRBY", "z", "", "p"), ("ZCARD", "z"),
        # Range bounds go through strtod: leading blanks and an empty number are accepted.
        ("ZRANGEBYSCORE", "z", "", "1"), ("ZRANGEBYSCORE", "z", "(", "5"),
        ("ZRANGEBYSCORE", "z", " 1", "5"), ("ZRANGEBYSCORE", "z", "( 1", "5"),
        ("ZRANGEBYSCORE", "z", "1 ", "5"), ("ZCOUNT", "z", "", ""))


def test_members_binary_and_equal_scores(dp):
    run(dp, ("ZADD", "b", "1", b"\x00a\r\n", "1", b"", "1", b"\xff", "1", b"\x00", "1", b"A",
             "1", b"a", "1", b"aa", "1", b"\x7f", "0", b"zz", "2", b""),
        ("ZRANGE", "b", "0", "-1", "WITHSCORES"), ("ZREVRANGE", "b", "0", "-1"),
        ("ZSCORE", "b", b""), ("ZSCORE", "b", b"\x00a\r\n"), ("ZSCORE", "b", b"\x00a"),
        ("ZMSCORE", "b", b"", b"\xff", b"\x00"), ("ZRANK", "b", b""), ("ZRANK", "b", b"\xff"),
        ("ZREVRANK", "b", b"\x00"), ("ZRANGEBYSCORE", "b", "1", "1"),
        ("ZRANGEBYSCORE", "b", "(1", "+inf", "WITHSCORES"),
        ("ZREM", "b", b"", b"nothere"), ("ZRANGE", "b", "0", "-1"),
        ("ZINCRBY", "b", "1", b"\x00a\r\n"), ("ZRANGE", "b", "0", "-1", "WITHSCORES"))
    # Equal scores order members by their bytes (memcmp, shorter first), in both encodings.
    members = ["b", "a", "ab", "B", "", "a\x00", "\xc3\xa9", "aa", "Z", "0", "10", "9", "-1"]
    for key, extra in (("lp", ()), ("sl", ("0", LONG))):
        args = ["ZADD", key]
        for m in members:
            args += ["7", m]
        run(dp, (*args, *extra), ("OBJECT", "ENCODING", key),
            ("ZRANGE", key, "0", "-1"), ("ZREVRANGE", key, "0", "-1", "WITHSCORES"),
            ("ZRANK", key, "a"), ("ZREVRANK", key, "a"),
            ("ZRANGEBYLEX", key, "[a", "(b"), ("ZREVRANGEBYLEX", key, "(b", "[a"),
            ("ZLEXCOUNT", key, "[a", "(b"), ("ZRANGEBYSCORE", key, "7", "7", "LIMIT", "2", "3"),
            ("ZPOPMIN", key, "2"), ("ZPOPMAX", key, "2"), ("ZRANGE", key, "0", "-1"))


def test_zrem_zscore_zmscore_zcard(dp):
    run(dp, """
        ZADD z 1 a 2 b 3 c 4 d
        ZCARD z
        ZCARD nokey
        ZSCORE z a
        ZSCORE z nothere
        ZSCORE nokey a
        ZMSCORE z a nothere d
        ZMSCORE z a
        ZMSCORE nokey a b
        ZREM z a nothere
        ZREM z nothere
        ZREM z b b b
        ZREM nokey a
        ZCARD z
        ZRANGE z 0 -1 WITHSCORES
        ZREM z c d
        EXISTS z
        ZCARD z
        ZSCORE z c
        ZMSCORE z c
        TYPE z
        ZREM z
        ZREM
        ZSCORE z
        ZSCORE z a b
        ZMSCORE z
        ZCARD
        ZCARD z x
        """)


def test_zrange_by_rank(dp):
    run(dp, """
        ZADD z 1 a 2 b 3 c 4 d 5 e
        ZRANGE z 0 -1
        ZRANGE z 0 -1 WITHSCORES
        ZRANGE z 0 -1 withscores
        ZRANGE z 1 3
        ZRANGE z -2 -1 WITHSCORES
        ZRANGE z -100 100
        ZRANGE z 3 1
        ZRANGE z 5 10
        ZRANGE z -1 -2
        ZRANGE z 0 0
        ZRANGE z -9223372036854775808 9223372036854775807
        ZRANGE z 9223372036854775807 -9223372036854775808
        ZRANGE z 0 9223372036854775808
        ZRANGE z 0 -1 REV
        ZRANGE z 0 1 REV WITHSCORES
        ZRANGE z -2 -1 REV
        ZRANGE z 0 -1 REV REV
        ZRANGE z 0 -1 WITHSCORES WITHSCORES
        ZREVRANGE z 0 -1
        ZREVRANGE z 0 -1 WITHSCORES
        ZREVRANGE z 1 2 WITHSCORES
        ZREVRANGE z -100 100
        ZREVRANGE z 3 1
        ZREVRANGE z 0 -1 REV
        ZREVRANGE z 0 -1 BYSCORE
        ZREVRANGE z 0 -1 LIMIT 0 1
        ZREVRANGE z x 1
        ZREVRANGE z 0
        ZRANGE nokey 0 -1
        ZRANGE nokey 0 -1 WITHSCORES
        ZREVRANGE nokey 0 -1
        ZRANGE z x 1
        ZRANGE z 0 1.5
        ZRANGE z 0
        ZRANGE z
        ZRANGE nokey x 1
        """)


def test_zrange_by_score(dp):
    run(dp, """
        ZADD z -inf ninf 1 a 2 b 2 bb 3 c 4 d 5 e inf pinf
        ZRANGE z 2 4 BYSCORE
        ZRANGE z (2 4 BYSCORE WITHSCORES
        ZRANGE z 2 (4 BYSCORE
        ZRANGE z (2 (4 BYSCORE
        ZRANGE z -inf +inf BYSCORE WITHSCORES
        ZRANGE z (-inf (+inf BYSCORE
        ZRANGE z 4 2 BYSCORE
        ZRANGE z 4 2 BYSCORE REV
        ZRANGE z (4 2 BYSCORE REV WITHSCORES
        ZRANGE z +inf -inf BYSCORE REV
        ZRANGE z -inf +inf BYSCORE LIMIT 1 3
        ZRANGE z -inf +inf BYSCORE LIMIT 1 -1
        ZRANGE z -inf +inf BYSCORE LIMIT -1 3
        ZRANGE z -inf +inf BYSCORE LIMIT 0 0
        ZRANGE z -inf +inf BYSCORE LIMIT 100 2
        ZRANGE z -inf +inf BYSCORE LIMIT 2 -5 WITHSCORES
        ZRANGE z +inf -inf BYSCORE REV LIMIT 2 2 WITHSCORES
        ZRANGE z -inf +inf BYSCORE LIMIT 1 2 LIMIT 0 1
        ZRANGE z 1 2 BYSCORE limit 0 9223372036854775807
        ZRANGEBYSCORE z 2 4
        ZRANGEBYSCORE z (2 4 WITHSCORES
        ZRANGEBYSCORE z -inf +inf WITHSCORES LIMIT 1 2
        ZRANGEBYSCORE z -inf +inf LIMIT 1 2 WITHSCORES
        ZRANGEBYSCORE z 4 2
        ZRANGEBYSCORE z -inf inf LIMIT 0 -1
        ZRANGEBYSCORE z -inf inf LIMIT 6 100
        ZRANGEBYSCORE z (5 inf
        ZRANGEBYSCORE z inf inf WITHSCORES
        ZRANGEBYSCORE z -inf -inf WITHSCORES
        ZRANGEBYSCORE z 1 2 REV
        ZRANGEBYSCORE z 1 2 BYSCORE
        ZRANGEBYSCORE z 1 2 LIMIT 0
        ZRANGEBYSCORE z 1 2 LIMIT x 1
        ZRANGEBYSCORE z 1 2 LIMIT 0 x
        ZRANGEBYSCORE z 1 2 WITHSCORE
        ZRANGEBYSCORE z x 2
        ZRANGEBYSCORE z 1
        ZREVRANGEBYSCORE z 4 2
        ZREVRANGEBYSCORE z (4 2 WITHSCORES
        ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 1 2
        ZREVRANGEBYSCORE z 2 4
        ZREVRANGEBYSCORE z +inf (5
        ZREVRANGEBYSCORE z +inf -inf LIMIT 0 -1
        ZREVRANGEBYSCORE z 1 x
        ZREVRANGEBYSCORE z 1 2 REV
        ZRANGEBYSCORE nokey -inf +inf
        ZRANGEBYSCORE nokey x 1
        ZREVRANGEBYSCORE nokey +inf -inf WITHSCORES
        """)


def test_zrange_by_lex(dp):
    # Every member has score 0, so the order is the members' (the only case Redis defines).
    run(dp, """
        ZADD l 0 a 0 b 0 c 0 d 0 e 0 f 0 g 0 aa 0 ab 0 B
        ZRANGE l - + BYLEX
        ZRANGE l [b [d BYLEX
        ZRANGE l (b [d BYLEX
        ZRANGE l [b (d BYLEX
        ZRANGE l (a (b BYLEX
        ZRANGE l [aa [aa BYLEX
        ZRANGE l (aa (aa BYLEX
        ZRANGE l [d [b BYLEX
        ZRANGE l [d [b BYLEX REV
        ZRANGE l + - BYLEX REV
        ZRANGE l + [e BYLEX REV LIMIT 1 2
        ZRANGE l - + BYLEX LIMIT 2 3
        ZRANGE l - + BYLEX LIMIT 2 -1
        ZRANGE l - + BYLEX LIMIT -1 2
        ZRANGE l - + BYLEX LIMIT 0 0
        ZRANGE l - - BYLEX
        ZRANGE l + + BYLEX
        ZRANGE l + - BYLEX
        ZRANGE l - [B BYLEX
        ZRANGE l [z + BYLEX
        ZRANGEBYLEX l - +
        ZRANGEBYLEX l [b (e
        ZRANGEBYLEX l - + LIMIT 1 2
        ZRANGEBYLEX l - + LIMIT 1 -1
        ZRANGEBYLEX l (a +
        ZRANGEBYLEX l [a (ab
        ZREVRANGEBYLEX l + -
        ZREVRANGEBYLEX l (e [b
        ZREVRANGEBYLEX l + - LIMIT 1 2
        ZREVRANGEBYLEX l [b (e
        ZLEXCOUNT l - +
        ZLEXCOUNT l [b [d
        ZLEXCOUNT l (b (d
        ZLEXCOUNT l [d [b
        ZLEXCOUNT l + -
        ZLEXCOUNT nokey - +
        ZRANGEBYLEX nokey - +
        ZRANGE l a c BYLEX
        ZRANGE l [a c BYLEX
        ZRANGE l - x BYLEX
        ZRANGEBYLEX l a +
        ZRANGEBYLEX l -a +
        ZRANGEBYLEX l - +b
        ZRANGEBYLEX l [a [c WITHSCORES
        ZRANGEBYLEX l [a [c LIMIT 0
        ZRANGEBYLEX l [a [c REV
        ZRANGEBYLEX l [a [c BYLEX
        ZREVRANGEBYLEX l c a
        ZREVRANGEBYLEX l + - WITHSCORES
        ZLEXCOUNT l a c
        ZLEXCOUNT l [a
        ZLEXCOUNT nokey a c
        ZRANGEBYLEX nokey a c
        ZRANGEBYLEX l [a
        """, ("ZADD", "l", "0", b""), ("ZADD", "l", "0", b"\x00a\r\n"),
        ("ZRANGEBYLEX", "l", "[", "(a"), ("ZRANGEBYLEX", "l", "(", "+"),
        ("ZRANGEBYLEX", "l", "[", "["), ("ZLEXCOUNT", "l", "[", "["),
        ("ZRANGEBYLEX", "l", "", "+"), ("ZRANGEBYLEX", "l", "-", ""),
        ("ZRANGEBYLEX", "l", b"[\x00", b"(\x00b"), ("ZREVRANGEBYLEX", "l", "(b", "-"))


def test_zrange_option_errors(dp):
    run(dp, """
        ZADD z 1 a 2 b 3 c
        ZRANGE z 0 1 LIMIT 0 1
        ZRANGE z 0 1 REV LIMIT 0 1
        ZRANGE nokey 0 1 LIMIT 0 1
        ZRANGE z [a [c BYLEX WITHSCORES
        ZRANGE z - + BYLEX WITHSCORES LIMIT 0 1
        ZRANGE z 0 -1 BYSCORE BYLEX
        ZRANGE z - + BYLEX BYSCORE
        ZRANGE z 0 -1 LIMIT 0
        ZRANGE z 0 -1 BYSCORE LIMIT 0
        ZRANGE z 0 -1 BYSCORE LIMIT
        ZRANGE z 0 -1 BYSCORE LIMIT x 1
        ZRANGE z 0 -1 BYSCORE LIMIT 0 1.5
        ZRANGE z 0 -1 WITHSCORE
        ZRANGE z 0 -1 FOO
        ZRANGE z x 1 BYSCORE
        ZRANGE z 0 (x BYSCORE
        ZRANGE z [a x BYLEX
        ZRANGE z x 1
        ZRANGE z x 1 LIMIT 0 1
        ZRANGE z 0 1 BYSCORE LIMIT x 1
        ZRANGE z 1
        """)


def test_zrangestore(dp):
    run(dp, """
        ZADD z 1 a 2 b 3 c 4 d 5 e
        ZRANGESTORE dst z 0 -1
        ZRANGE dst 0 -1 WITHSCORES
        ZRANGESTORE dst z 1 2
        ZRANGE dst 0 -1 WITHSCORES
        ZRANGESTORE dst z 0 1 REV
        ZRANGE dst 0 -1 WITHSCORES
        ZRANGESTORE dst z (1 4 BYSCORE LIMIT 1 2
        ZRANGE dst 0 -1 WITHSCORES
        ZRANGESTORE dst z 4 (1 BYSCORE REV
        ZRANGE dst 0 -1 WITHSCORES
        ZRANGESTORE dst z 5 1
        EXISTS dst
        ZRANGESTORE dst z 0 -1
        ZRANGESTORE dst nokey 0 -1
        EXISTS dst
        ZRANGESTORE dst z 0 -1 WITHSCORES
        ZRANGESTORE dst z 0 1 LIMIT 0 1
        ZRANGESTORE dst z x 1 BYSCORE
        ZRANGESTORE dst z 0
        ZRANGESTORE dst z
        ZRANGESTORE z z 1 3
        ZRANGE z 0 -1 WITHSCORES
        ZADD l 0 a 0 b 0 c 0 d
        ZRANGESTORE dst l [b + BYLEX
        ZRANGE dst 0 -1 WITHSCORES
        ZRANGESTORE dst l + [b BYLEX REV LIMIT 0 1
        ZRANGE dst 0 -1
        ZRANGESTORE dst l [x + BYLEX
        EXISTS dst
        SET str v
        ZRANGESTORE str l 0 0
        TYPE str
        ZRANGE str 0 -1 WITHSCORES
        SET str v
        ZRANGESTORE dst str 0 -1
        RPUSH lst a
        ZRANGESTORE dst lst 0 -1
        SET e v
        EXPIRE e 100
        ZRANGESTORE e l 0 0
        TTL e
        """)


def test_zrank_zrevrank(dp):
    run(dp, """
        ZADD z 1 a 2 b 3 c 3 cc -inf n inf p
        ZRANK z a
        ZRANK z n
        ZRANK z p
        ZRANK z cc
        ZRANK z nothere
        ZRANK nokey a
        ZREVRANK z a
        ZREVRANK z p
        ZREVRANK z cc
        ZREVRANK z nothere
        ZREVRANK nokey a
        ZRANK z a WITHSCORE
        ZREVRANK z a WITHSCORE
        ZRANK z
        ZREVRANK z
        """)


def test_zremrange(dp):
    run(dp, """
        ZADD z 1 a 2 b 3 c 4 d 5 e 6 f
        ZREMRANGEBYRANK z 0 0
        ZRANGE z 0 -1
        ZREMRANGEBYRANK z -1 -1
        ZRANGE z 0 -1
        ZREMRANGEBYRANK z 5 10
        ZREMRANGEBYRANK z 2 1
        ZREMRANGEBYRANK z -100 -10
        ZREMRANGEBYRANK z 1 -2
        ZRANGE z 0 -1
        ZREMRANGEBYRANK z -100 100
        EXISTS z
        ZREMRANGEBYRANK nokey 0 -1
        ZREMRANGEBYRANK z x 1
        ZREMRANGEBYRANK z 0 1.5
        ZREMRANGEBYRANK z 0
        ZADD s 1 a 2 b 3 c 4 d 5 e inf f -inf g
        ZREMRANGEBYSCORE s (1 3
        ZRANGE s 0 -1 WITHSCORES
        ZREMRANGEBYSCORE s 10 20
        ZREMRANGEBYSCORE s 5 1
        ZREMRANGEBYSCORE s (inf +inf
        ZREMRANGEBYSCORE s +inf +inf
        ZREMRANGEBYSCORE s -inf (-inf
        ZREMRANGEBYSCORE s -inf 1
        ZRANGE s 0 -1 WITHSCORES
        ZREMRANGEBYSCORE s -inf +inf
        EXISTS s
        ZREMRANGEBYSCORE nokey -inf +inf
        ZREMRANGEBYSCORE s x 1
        ZREMRANGEBYSCORE nokey x 1
        ZREMRANGEBYSCORE s 1
        ZADD l 0 a 0 b 0 c 0 d 0 e 0 f
        ZREMRANGEBYLEX l [b (d
        ZRANGE l 0 -1
        ZREMRANGEBYLEX l (x +
        ZREMRANGEBYLEX l [e [a
        ZREMRANGEBYLEX l - [a
        ZREMRANGEBYLEX l (e +
        ZRANGE l 0 -1
        ZREMRANGEBYLEX l - +
        EXISTS l
        ZREMRANGEBYLEX nokey - +
        ZREMRANGEBYLEX l a c
        ZREMRANGEBYLEX nokey a c
        ZREMRANGEBYLEX l [a
        """)


def test_zpopmin_zpopmax(dp):
    # RESP3: without a count one flat [member, score] pair; with a count, an array of pairs.
    run(dp, """
        ZADD z 1 a 2 b 3 c 4 d 5 e 6 f
        ZPOPMIN z
        ZPOPMAX z
        ZPOPMIN z 1
        ZPOPMAX z 1
        ZPOPMIN z 0
        ZPOPMAX z 0
        ZPOPMIN z 2
        EXISTS z
        ZADD z 1 a 2 b 3 c
        ZPOPMAX z 100
        EXISTS z
        ZADD z 1 a 2 b
        ZPOPMIN z 9223372036854775807
        ZPOPMIN nokey
        ZPOPMAX nokey
        ZPOPMIN nokey 5
        ZPOPMAX nokey 0
        ZADD z 1 a 2 b
        ZPOPMIN z -1
        ZPOPMAX z -1
        ZPOPMIN nokey -1
        ZPOPMIN z x
        ZPOPMAX z 1.5
        ZPOPMIN z 9223372036854775808
        ZPOPMIN z 1 2
        ZPOPMIN
        ZCARD z
        ZADD eq 5 c 5 a 5 b
        ZPOPMIN eq
        ZPOPMAX eq
        ZPOPMIN eq 5
        """)


def test_zmpop(dp):
    # RESP2 too replies [key, [[member, score], ...]] (pairs nested, not flat).
    run(dp, """
        ZADD z 1 a 2 b 3 c 4 d
        ZADD y 10 x
        ZMPOP 1 z MIN
        ZMPOP 1 z MAX
        ZMPOP 1 z MIN COUNT 1
        ZMPOP 1 z max count 10
        EXISTS z
        ZMPOP 1 z MIN
        ZMPOP 2 nokey z MIN
        ZMPOP 3 nokey z y MAX COUNT 2
        EXISTS y
        ZADD z 1 a 2 b
        ZADD y 10 x
        ZMPOP 2 z y MAX COUNT 9223372036854775807
        ZMPOP 2 z y MIN
        ZMPOP 0 z MIN
        ZMPOP -1 z MIN
        ZMPOP x z MIN
        ZMPOP 1 z
        ZMPOP 1 z FOO
        ZMPOP 1 z MIN COUNT 0
        ZMPOP 1 z MIN COUNT -1
        ZMPOP 1 z MIN COUNT x
        ZMPOP 1 z MIN COUNT
        ZMPOP 1 z MIN COUNT 1 COUNT 2
        ZMPOP 1 z MIN extra
        ZMPOP 2 z MIN
        ZMPOP 3 z MIN
        ZMPOP 1 z MIN MAX
        ZMPOP 1
        ZMPOP
        SET str v
        ZMPOP 1 str MIN
        ZMPOP 2 nokey str MIN
        ZMPOP 2 y str MIN
        ZCARD y
        """)


ALGEBRA = """
    ZADD a 1 x 2 y 3 z
    ZADD b 10 y 20 z 30 w
    ZADD c 0.5 z 1.5 w 2.5 y 3.5 v
    SADD s y w q
    SET str v
    RPUSH lst a
    ZUNION 2 a b
    ZUNION 2 a b WITHSCORES
    ZUNION 2 a b withscores
    ZUNION 3 a b c WITHSCORES
    ZUNION 1 a WITHSCORES
    ZUNION 2 a a WITHSCORES
    ZUNION 2 a b WEIGHTS 2 3 WITHSCORES
    ZUNION 2 a b WEIGHTS -1 0.5 WITHSCORES
    ZUNION 2 a b WEIGHTS 0 0 WITHSCORES
    ZUNION 2 a b AGGREGATE SUM WITHSCORES
    ZUNION 2 a b AGGREGATE MIN WITHSCORES
    ZUNION 2 a b AGGREGATE MAX WITHSCORES
    ZUNION 2 a b aggregate max weights 1 -1 WITHSCORES
    ZUNION 2 a b WEIGHTS 1 1 WEIGHTS 2 2 WITHSCORES
    ZUNION 2 a b AGGREGATE MIN AGGREGATE MAX WITHSCORES
    ZUNION 1 a WITHSCORES WITHSCORES
    ZUNION 3 a b s WITHSCORES
    ZUNION 2 s s WITHSCORES
    ZUNION 2 a s WEIGHTS 1 5 WITHSCORES
    ZUNION 2 a nokey WITHSCORES
    ZUNION 2 nokey nokey2
    ZINTER 2 a b
    ZINTER 2 a b WITHSCORES
    ZINTER 3 a b c WITHSCORES
    ZINTER 2 a b WEIGHTS 2 3 WITHSCORES
    ZINTER 2 a b AGGREGATE MIN WITHSCORES
    ZINTER 2 a b AGGREGATE MAX WITHSCORES
    ZINTER 2 a s WITHSCORES
    ZINTER 3 a b s WITHSCORES
    ZINTER 2 s a WEIGHTS 3 1 WITHSCORES
    ZINTER 1 a WITHSCORES
    ZINTER 2 a a WITHSCORES
    ZINTER 2 a nokey
    ZINTER 2 nokey a WITHSCORES
    ZDIFF 2 a b
    ZDIFF 2 a b WITHSCORES
    ZDIFF 2 b a WITHSCORES
    ZDIFF 3 b a c WITHSCORES
    ZDIFF 1 a WITHSCORES
    ZDIFF 2 a a
    ZDIFF 2 a s WITHSCORES
    ZDIFF 2 s a WITHSCORES
    ZDIFF 2 a nokey WITHSCORES
    ZDIFF 2 nokey a
    ZDIFF 2 a b WEIGHTS 1 2
    ZDIFF 2 a b AGGREGATE MIN
    ZUNION 2 a str
    ZUNION 2 a lst
    ZUNION 2 nokey str
    ZINTER 2 a str
    ZINTER 2 nokey lst
    ZINTER 2 str nokey
    ZDIFF 2 a str
    ZDIFF 2 str a
    ZDIFF 2 nokey str
    ZINTERCARD 2 a str
    ZUNION 0 a
    ZUNION -1 a
    ZUNION x a
    ZUNION 3 a b
    ZUNION 1 a WEIGHTS
    ZUNION 1 a WEIGHTS x
    ZUNION 1 a WEIGHTS nan
    ZUNION 1 a WEIGHTS 1 2
    ZUNION 2 a b WEIGHTS 1
    ZUNION 1 a AGGREGATE foo
    ZUNION 1 a AGGREGATE
    ZUNION 1 a FOO
    ZUNION 1 a WITHSCORE
    ZUNION 1
    ZUNION
    ZINTER 0 a
    ZINTER 1 a AGGREGATE avg
    ZINTER 1 a WEIGHTS y
    ZDIFF 0 a
    ZDIFF -5 a
    ZDIFF 3 a
    ZDIFF 1 a FOO
    ZDIFF 1
    ZUNION 9223372036854775807 a
    ZINTER 2147483648 a
    """

ALGEBRA_STORE = """
    ZADD a 1 x 2 y 3 z
    ZADD b 10 y 20 z 30 w
    SADD s y w q
    SET str v
    RPUSH lst a
    ZUNIONSTORE d 2 a b
    ZRANGE d 0 -1 WITHSCORES
    ZUNIONSTORE d 2 a b WEIGHTS 2 -1 AGGREGATE MAX
    ZRANGE d 0 -1 WITHSCORES
    ZUNIONSTORE d 2 a s
    ZRANGE d 0 -1 WITHSCORES
    ZUNIONSTORE d 1 s
    ZRANGE d 0 -1 WITHSCORES
    TYPE d
    ZINTERSTORE d 2 a b
    ZRANGE d 0 -1 WITHSCORES
    ZINTERSTORE d 2 a b AGGREGATE MIN WEIGHTS 1 0.5
    ZRANGE d 0 -1 WITHSCORES
    ZINTERSTORE d 2 a s
    ZRANGE d 0 -1 WITHSCORES
    ZINTERSTORE d 2 a nokey
    EXISTS d
    ZDIFFSTORE d 2 b a
    ZRANGE d 0 -1 WITHSCORES
    ZDIFFSTORE d 2 a a
    EXISTS d
    ZDIFFSTORE d 2 s a
    ZRANGE d 0 -1 WITHSCORES
    ZUNIONSTORE d 2 nokey nokey2
    EXISTS d
    ZUNIONSTORE d 2 a b WITHSCORES
    ZINTERSTORE d 2 a b WITHSCORES
    ZDIFFSTORE d 2 a b WITHSCORES
    ZDIFFSTORE d 2 a b WEIGHTS 1 1
    ZUNIONSTORE d 0 a
    ZINTERSTORE d 0 a
    ZDIFFSTORE d 0 a
    ZUNIONSTORE d -1 a
    ZUNIONSTORE d x a
    ZUNIONSTORE d 3 a b
    ZDIFFSTORE d 3 a b
    ZUNIONSTORE d 1 a WEIGHTS 1 1
    ZUNIONSTORE d 1 a AGGREGATE
    ZUNIONSTORE d 1
    ZUNIONSTORE d
    ZDIFFSTORE d
    ZINTERSTORE d 2 a str
    ZUNIONSTORE d 2 lst a
    ZDIFFSTORE d 2 a lst
    ZDIFFSTORE d 2 str a
    ZDIFFSTORE d 2 nokey str
    ZRANGE d 0 -1
    ZUNIONSTORE str 2 a b
    TYPE str
    ZRANGE str 0 -1 WITHSCORES
    SADD s2 p
    ZDIFFSTORE s2 1 a
    TYPE s2
    ZUNIONSTORE a 2 a b
    ZRANGE a 0 -1 WITHSCORES
    ZINTERSTORE b 2 b a
    ZRANGE b 0 -1 WITHSCORES
    ZDIFFSTORE a 2 a b
    ZRANGE a 0 -1 WITHSCORES
    SET t v
    EXPIRE t 100
    ZUNIONSTORE t 1 b
    TTL t
    ZINTERSTORE t 2 b nokey
    EXISTS t
    """


def test_union_inter_diff(dp):
    run(dp, ALGEBRA)


def test_union_inter_diff_store(dp):
    run(dp, ALGEBRA_STORE)


def test_set_ops_with_infinities_and_rounding(dp):
    # inf + -inf is NaN, which Redis turns into 0 after every step (also weight 0 * inf).
    # Inputs are combined from the smallest to the largest (a stable sort by cardinality, input
    # order among equals), which decides the result when NaN or rounding is involved.
    run(dp, """
        ZADD one 1 x
        ZADD ninf -inf x
        ZADD pinf inf x
        ZUNION 2 one ninf WITHSCORES
        ZUNION 2 pinf ninf WITHSCORES
        ZINTER 2 pinf ninf WITHSCORES
        ZUNION 2 one ninf WEIGHTS inf 1 WITHSCORES
        ZUNION 2 one one WEIGHTS inf -inf WITHSCORES
        ZUNION 1 pinf WEIGHTS 0 WITHSCORES
        ZINTER 1 ninf WEIGHTS 0 WITHSCORES
        ZUNION 2 one one WEIGHTS 0 inf WITHSCORES
        ZUNION 2 pinf ninf AGGREGATE MIN WITHSCORES
        ZUNION 2 pinf ninf AGGREGATE MAX WITHSCORES
        ZUNION 2 pinf ninf WEIGHTS -1 -1 WITHSCORES
        ZUNIONSTORE d 2 pinf ninf
        ZSCORE d x
        ZINTERSTORE d 2 pinf pinf WEIGHTS 1 -1
        ZSCORE d x
        ZADD big 1 x 0 f1 0 f2
        ZADD mid -inf x 0 f1
        ZUNION 3 big pinf mid WITHSCORES
        ZUNION 3 big mid pinf WITHSCORES
        ZUNION 3 pinf mid big WITHSCORES
        ZINTER 3 big pinf mid WITHSCORES
        ZINTER 3 mid big pinf WITHSCORES
        ZADD p1 0.1 x
        ZADD p2 0.2 x
        ZADD p3 0.3 x 0 y
        ZUNION 3 p1 p2 p3 WITHSCORES
        ZUNION 3 p3 p2 p1 WITHSCORES
        ZUNION 3 p2 p3 p1 WITHSCORES
        ZINTER 3 p3 p1 p2 WITHSCORES
        ZINTER 3 p3 p2 p1 WITHSCORES
        ZADD q1 0.3 x
        ZUNION 3 q1 p2 p1 WITHSCORES
        ZUNION 3 p1 p2 q1 WITHSCORES
        ZINTER 3 q1 p2 p1 WITHSCORES
        ZUNION 2 one one WEIGHTS 1e308 1e308 WITHSCORES
        ZUNION 2 p1 p2 WEIGHTS 3 1 WITHSCORES
        """)


def test_zintercard(dp):
    run(dp, """
        ZADD a 1 x 2 y 3 z 4 u
        ZADD b 10 y 20 z 30 w 40 u
        SADD s y w q
        SET str v
        ZINTERCARD 1 a
        ZINTERCARD 2 a b
        ZINTERCARD 2 a b LIMIT 0
        ZINTERCARD 2 a b LIMIT 1
        ZINTERCARD 2 a b LIMIT 2
        ZINTERCARD 2 a b LIMIT 100
        ZINTERCARD 2 a b limit 1
        ZINTERCARD 2 a s
        ZINTERCARD 1 s
        ZINTERCARD 2 a a
        ZINTERCARD 2 a nokey
        ZINTERCARD 2 nokey str
        ZINTERCARD 2 a str
        ZINTERCARD 1 str
        ZINTERCARD 0 a
        ZINTERCARD -1 a
        ZINTERCARD x a
        ZINTERCARD 3 a b
        ZINTERCARD 1 a LIMIT -1
        ZINTERCARD 1 a LIMIT x
        ZINTERCARD 1 a LIMIT
        ZINTERCARD 1 a LIMIT 1 LIMIT 2
        ZINTERCARD 1 a WITHSCORES
        ZINTERCARD 1 a WEIGHTS 1
        ZINTERCARD 1 a AGGREGATE MIN
        ZINTERCARD 1 a FOO 1
        ZINTERCARD 1
        ZINTERCARD
        """)


def random_pick(args, a, b):
    """ZRANDMEMBER: same_shape, with a null reply (RESP2 $-1 for a missing key) compared exactly."""
    if a is None or b is None:
        return diff_replies(a, b)
    return same_shape(args, a, b)


def _rand_items(reply, withscores):
    """Members (and scores) of a ZRANDMEMBER reply as a list of (member, score-or-None)."""
    if reply is None or reply[0] == "null":
        return []
    if reply[0] == "bulk":
        return [(reply[1], None)]
    items = reply[1]
    if not withscores:
        return [(x[1], None) for x in items]
    if items and items[0][0] == "array":  # RESP3 pairs
        return [(p[1][0][1], p[1][1][1]) for p in items]
    return [(items[i][1], items[i + 1][1]) for i in range(0, len(items), 2)]


def _check_zrandmember(client, name, key, count, withscores):
    """The picks are members of the set, with their own scores, distinct for a positive count."""
    r = client.call("ZRANGE", key, "0", "-1", "WITHSCORES")
    whole = dict(_rand_items(r, True))
    args = ["ZRANDMEMBER", key, str(count)] + (["WITHSCORES"] if withscores else [])
    picks = _rand_items(client.call(*args), withscores)
    assert all(m in whole for m, _ in picks), (name, args, picks)
    if withscores:
        assert all(whole[m] == s for m, s in picks), (name, args, picks)
    if count > 0:
        assert len({m for m, _ in picks}) == len(picks) == min(count, len(whole)), (name, args)
    else:
        assert len(picks) == -count, (name, args)


def test_zrandmember(dp):
    args = ["ZADD", "big"]
    for i in range(100):
        args += [str(i / 4), f"m{i}"]
    run(dp, ("ZADD", "small", "1", "a", "2.5", "b", "-inf", "c"), args)
    # zset-max-listpack-entries is 128: "big" is a listpack; "huge" a skiplist.
    args = ["ZADD", "huge"]
    for i in range(300):
        args += [str(i), f"h{i}"]
    run(dp, args, ("OBJECT", "ENCODING", "huge"))
    for key in ("small", "big", "huge"):
        dp.check("ZRANDMEMBER", key, rule=same_shape)
        for count in ("1", "2", "-5", "-200", "50", "3", "-1"):
            dp.check("ZRANDMEMBER", key, count, rule=same_shape)
            dp.check("ZRANDMEMBER", key, count, "WITHSCORES", rule=same_shape)
        dp.check("ZRANDMEMBER", key, "1000", rule=unordered)
        dp.check("ZRANDMEMBER", key, "1000", "withscores", rule=unordered)
        for client, name in ((dp.ref, "redis"), (dp.got, "redoubt")):
            for count in (1, 2, 3, 40, 99, 290, -3, -150):
                for withscores in (False, True):
                    _check_zrandmember(client, name, key, count, withscores)
    run(dp, """
        ZRANDMEMBER nokey
        ZRANDMEMBER nokey 5
        ZRANDMEMBER nokey -5
        ZRANDMEMBER nokey 5 WITHSCORES
        ZRANDMEMBER small 0
        ZRANDMEMBER small 0 WITHSCORES
        ZRANDMEMBER small x
        ZRANDMEMBER small 1.5
        ZRANDMEMBER small 1 WITHSCORE
        ZRANDMEMBER small 1 WITHSCORES x
        ZRANDMEMBER small WITHSCORES
        ZRANDMEMBER small -9223372036854775808
        ZRANDMEMBER small -9223372036854775808 WITHSCORES
        ZRANDMEMBER small -4611686018427387904 WITHSCORES
        ZRANDMEMBER small 9223372036854775807 WITHSCORES
        ZRANDMEMBER small 4611686018427387904 WITHSCORES
        ZRANDMEMBER nokey x
        ZRANDMEMBER nokey -9223372036854775808
        ZRANDMEMBER
        SET str v
        ZRANDMEMBER str
        ZRANDMEMBER str 1
        ZRANDMEMBER str -1 WITHSCORES
        """)
    dp.check("ZRANDMEMBER", "small", "9223372036854775807", rule=unordered)
    dp.check("ZADD", "one", "7", "only")
    for count in (None, "1", "5", "-3", "-3 WITHSCORES", "2 WITHSCORES"):
        args = ("ZRANDMEMBER", "one") + (tuple(count.split()) if count else ())
        dp.check(*args)  # one member: no chance involved


def zscan_all(client, key, *extra, limit=10000):
    """Iterate ZSCAN from cursor 0 to 0; {member: score text} or (None, error)."""
    cursor, seen = b"0", {}
    for _ in range(limit):
        r = client.call("ZSCAN", key, cursor, *extra)
        if r is None or r[0] != "array" or len(r[1]) != 2 or r[1][1][0] != "array":
            return None, r
        if any(x is None or x[0] != "bulk" for x in r[1][1][1]) or len(r[1][1][1]) % 2:
            return None, ("ZSCAN elements not bulk member/score pairs", r)
        cursor, items = r[1][0][1], [x[1] for x in r[1][1][1]]
        seen.update(zip(items[0::2], items[1::2]))
        if cursor == b"0":
            return seen, None
    return None, ("ZSCAN did not return cursor 0", limit)


def check_zscan(d, key, *extra):
    a, ea = zscan_all(d.ref, key, *extra)
    b, eb = zscan_all(d.got, key, *extra)
    if (ea is not None or eb is not None) and ea == eb:
        return  # the same error (-WRONGTYPE) from both
    if ea is not None or eb is not None or a != b:
        d.fail(["ZSCAN", key, "<cursor>", *extra], ea or sorted(a.items()),
               eb or sorted((b or {}).items()), "ZSCAN results differ")


def test_zscan(dp):
    args = ["ZADD", "big"]
    for i in range(300):
        args += [str(i / 2), f"m{i}"]
    run(dp, ("ZADD", "small", "1", "a", "2.5", "b", "-inf", "ab", "1.1", "c"), args,
        ("ZADD", "bin", "1", b"\x00a\r\n", "2", b""), ("OBJECT", "ENCODING", "big"))
    for key in ("small", "big", "bin", "nokey"):
        for extra in ((), ("COUNT", "5"), ("MATCH", "a*"), ("MATCH", "m1*", "COUNT", "100"),
                      ("COUNT", "1000")):
            check_zscan(dp, key, *extra)
    # A listpack answers in one call with cursor 0, in its order, whatever the cursor and COUNT
    # (scores as bulk strings in RESP3 too).
    run(dp, ("ZSCAN", "small", "0"), ("ZSCAN", "small", "77", "COUNT", "1"),
        ("ZSCAN", "small", "0", "MATCH", "a*"), ("ZSCAN", "small", "0", "MATCH", "*b"),
        ("ZSCAN", "bin", "0"), ("ZSCAN", "nokey", "0"), ("ZSCAN", "nokey", "123"))
    run(dp, """
        ZSCAN big x
        ZSCAN big -1 COUNT 0
        ZSCAN big 0 COUNT x
        ZSCAN big 0 COUNT 0
        ZSCAN big 0 COUNT -1
        ZSCAN big 0 MATCH
        ZSCAN big 0 TYPE zset
        ZSCAN big 0 foo bar
        ZSCAN small 0 COUNT 0
        ZSCAN
        ZSCAN big
        SET s v
        ZSCAN s 0
        RPUSH l a
        ZSCAN l 0
        ZSCAN s x
        """)


def test_encodings_and_thresholds(dp):
    run(dp, """
        ZADD z 1 a
        OBJECT ENCODING z
        OBJECT ENCODING nokey
        """, ("ZADD", "v64", "1", "x" * 64), ("OBJECT", "ENCODING", "v64"),
        ("ZADD", "v65", "1", "x" * 65), ("OBJECT", "ENCODING", "v65"),
        ("ZADD", "v64", "2", "y" * 65), ("OBJECT", "ENCODING", "v64"),
        ("ZREM", "v64", "y" * 65), ("OBJECT", "ENCODING", "v64"),  # never converts back
        ("ZRANGE", "v64", "0", "-1", "WITHSCORES"),
        ("ZINCRBY", "vi", "1", "x" * 65), ("OBJECT", "ENCODING", "vi"),
        ("ZADD", "va", "INCR", "1", "x" * 65), ("OBJECT", "ENCODING", "va"),
        ("ZADD", "mix", "1", "a", "2", "x" * 65), ("OBJECT", "ENCODING", "mix"),
        ("ZADD", "nx", "NX", "1", "x" * 65), ("OBJECT", "ENCODING", "nx"))
    args128 = ["ZADD", "k128"]
    for i in range(128):
        args128 += [str(i), f"m{i}"]
    run(dp, args128, ("OBJECT", "ENCODING", "k128"), ("ZCARD", "k128"),
        ("ZADD", "k128", "0.5", "m0"), ("OBJECT", "ENCODING", "k128"),
        ("ZADD", "k128", "XX", "1000", "m128"), ("OBJECT", "ENCODING", "k128"),
        ("ZADD", "k128", "1000", "m128"), ("OBJECT", "ENCODING", "k128"),
        ("ZREM", "k128", "m128", "m127", "m126"), ("OBJECT", "ENCODING", "k128"),
        ("ZRANGE", "k128", "0", "4", "WITHSCORES"), ("ZRANGE", "k128", "-3", "-1", "WITHSCORES"),
        (*args128, "1000", "m128"), ("ZCARD", "k128"))
    args129 = ["ZADD", "k129"] + args128[2:] + ["1000", "m128"]
    run(dp, args129, ("OBJECT", "ENCODING", "k129"),
        ("ZRANGESTORE", "r", "k129", "0", "127"), ("OBJECT", "ENCODING", "r"),
        ("ZRANGESTORE", "r", "k129", "0", "-1"), ("OBJECT", "ENCODING", "r"),
        ("ZRANGESTORE", "r", "v64", "0", "0"), ("OBJECT", "ENCODING", "r"),
        ("ZRANGESTORE", "r", "v64", "0", "-1"), ("OBJECT", "ENCODING", "r"),
        ("ZUNIONSTORE", "r", "1", "k129"), ("OBJECT", "ENCODING", "r"),
        ("ZREM", "k129", "m0"), ("OBJECT", "ENCODING", "k129"),
        ("ZUNIONSTORE", "r", "1", "k129"), ("OBJECT", "ENCODING", "r"),
        ("ZINTERSTORE", "r", "2", "k129", "k128"), ("OBJECT", "ENCODING", "r"),
        ("ZDIFFSTORE", "r", "1", "k129"), ("OBJECT", "ENCODING", "r"),
        ("ZUNIONSTORE", "r", "1", "v65"), ("OBJECT", "ENCODING", "r"),
        ("ZPOPMIN", "k129", "120"), ("OBJECT", "ENCODING", "k129"),
        ("COPY", "k129", "k129c"), ("OBJECT", "ENCODING", "k129c"),
        ("RENAME", "k129c", "k129r"), ("OBJECT", "ENCODING", "k129r"),
        ("ZRANGE", "k129r", "0", "-1", "WITHSCORES"))
    members = ["SADD", "set200"] + [str(i) for i in range(200)]
    run(dp, members, ("ZUNIONSTORE", "r", "1", "set200"), ("OBJECT", "ENCODING", "r"),
        ("ZCARD", "r"), ("ZRANGE", "r", "0", "5"),
        ("SADD", "set2", "a", "b"), ("ZUNIONSTORE", "r", "1", "set2"), ("OBJECT", "ENCODING", "r"))


def test_thresholds_follow_config(dp):
    try:
        _thresholds_follow_config(dp)
    finally:
        restore_zset_config(dp)


def _thresholds_follow_config(dp):
    run(dp, """
        CONFIG GET zset-max-listpack-entries
        CONFIG GET zset-max-listpack-value
        CONFIG SET zset-max-listpack-entries 2
        CONFIG SET zset-max-listpack-value 3
        CONFIG GET zset-max-ziplist-entries
        CONFIG GET zset-max-ziplist-value
        ZADD a 1 x 2 y
        OBJECT ENCODING a
        ZADD a 3 z
        OBJECT ENCODING a
        ZREM a z y
        OBJECT ENCODING a
        ZADD b 1 abc
        OBJECT ENCODING b
        ZADD b 1 abcd
        OBJECT ENCODING b
        ZADD c 1 abcd
        OBJECT ENCODING c
        ZADD d 1 a 2 b 3 c
        OBJECT ENCODING d
        ZUNIONSTORE u 1 d
        OBJECT ENCODING u
        ZRANGESTORE u d 0 1
        OBJECT ENCODING u
        ZINTERSTORE u 1 c
        OBJECT ENCODING u
        ZDIFFSTORE u 1 a
        OBJECT ENCODING u
        CONFIG SET zset-max-listpack-entries 0
        ZADD e 1 a
        OBJECT ENCODING e
        ZINCRBY f 1 a
        OBJECT ENCODING f
        ZRANGE e 0 -1 WITHSCORES
        CONFIG SET zset-max-listpack-entries 128
        CONFIG SET zset-max-listpack-value 0
        ZADD g 1 a
        OBJECT ENCODING g
        CONFIG SET zset-max-listpack-value 64
        ZUNIONSTORE u 1 e
        OBJECT ENCODING u
        COPY e e2
        OBJECT ENCODING e2
        ZADD h 1 a
        OBJECT ENCODING h
        CONFIG SET zset-max-listpack-entries -1
        CONFIG SET zset-max-listpack-entries x
        CONFIG GET zset-max-listpack-entries
        CONFIG GET zset-max-listpack-value
        """, ("CONFIG", "SET", "zset-max-listpack-value", "0"), ("ZADD", "empty", "1", ""),
        ("OBJECT", "ENCODING", "empty"), ("CONFIG", "SET", "zset-max-listpack-value", "64"))


def test_wrong_type_both_ways(dp):
    run(dp, """
        SET str v
        RPUSH lst a
        ZADD str 1 a
        ZADD lst XX 1 a
        ZADD lst INCR 1 a
        ZINCRBY str 1 a
        ZREM lst a
        ZSCORE str a
        ZMSCORE lst a
        ZCARD str
        ZCOUNT lst -inf +inf
        ZLEXCOUNT str - +
        ZRANGE str 0 -1
        ZRANGE lst 0 -1 BYSCORE
        ZRANGE str - + BYLEX
        ZRANGESTORE dst str 0 -1
        ZREVRANGE lst 0 -1
        ZRANGEBYSCORE str -inf +inf
        ZREVRANGEBYSCORE lst +inf -inf
        ZRANGEBYLEX str - +
        ZREVRANGEBYLEX lst + -
        ZRANK str a
        ZREVRANK lst a
        ZREMRANGEBYRANK str 0 -1
        ZREMRANGEBYSCORE lst -inf +inf
        ZREMRANGEBYLEX str - +
        ZPOPMIN str
        ZPOPMAX lst 2
        ZMPOP 1 str MIN
        ZRANDMEMBER lst
        ZRANDMEMBER str 2 WITHSCORES
        ZSCAN lst 0
        ZUNION 1 str
        ZINTER 1 lst
        ZDIFF 1 str
        ZINTERCARD 1 lst
        ZUNIONSTORE dst 1 str
        ZINTERSTORE dst 1 lst
        ZDIFFSTORE dst 1 str
        EXISTS dst
        ZADD str x a
        ZADD str XX NX 1 a
        ZADD str 1 a 2
        ZINCRBY str x a
        ZCOUNT str x 1
        ZRANGEBYSCORE lst x 1
        ZRANGEBYLEX lst a c
        ZLEXCOUNT str a c
        ZRANGE str 0 1 LIMIT 0 1
        ZPOPMIN str -1
        ZREMRANGEBYRANK str x 1
        ZREMRANGEBYSCORE lst x 1
        ZRANDMEMBER str x
        ZSCAN str x
        ZADD z 1 a 2 b
        GET z
        APPEND z x
        INCR z
        LPUSH z x
        LRANGE z 0 -1
        SADD z x
        SMEMBERS z
        HSET z f v
        HGET z f
        STRLEN z
        SETRANGE z 0 x
        GETRANGE z 0 1
        TYPE z
        SET z v
        TYPE z
        GET z
        """)


def test_zset_keys_move_copy_expire_and_scan(dp):
    run(dp, """
        ZADD z 1 a 2 b
        TYPE z
        TYPE nokey
        COPY z c
        ZADD c 3 x
        ZRANGE z 0 -1 WITHSCORES
        ZRANGE c 0 -1 WITHSCORES
        COPY z c
        COPY z c REPLACE
        ZRANGE c 0 -1 WITHSCORES
        EXPIRE z 100
        TTL z
        ZADD z 3 c
        TTL z
        ZINCRBY z 1 a
        TTL z
        ZADD z INCR 1 a
        TTL z
        ZREM z c
        TTL z
        ZPOPMIN z
        TTL z
        ZREMRANGEBYSCORE z 100 200
        TTL z
        ZRANGESTORE z z 0 -1
        TTL z
        EXPIRE z 100
        ZUNIONSTORE z 1 z
        TTL z
        EXPIRE z 100
        RENAME z m
        ZRANGE m 0 -1 WITHSCORES
        TTL m
        EXPIRE m 100
        ZPOPMAX m 10
        EXISTS m
        TTL m
        ZADD m 1 a
        TTL m
        EXPIRE m 100
        ZREMRANGEBYRANK m 0 -1
        EXISTS m
        ZADD m 1 a
        TTL m
        MOVE m 1
        EXISTS m
        SELECT 1
        ZRANGE m 0 -1 WITHSCORES
        TYPE m
        ZADD m 2 b
        COPY m m0 DB 0
        SELECT 0
        ZRANGE m0 0 -1 WITHSCORES
        DEL c
        EXISTS c
        RENAME nokey x
        ZADD r1 1 a
        ZADD r2 5 q
        RENAME r1 r2
        ZRANGE r2 0 -1 WITHSCORES
        EXISTS r1
        """, ("ZADD", "big", "1", LONG, "2", "b"), ("COPY", "big", "big2"),
        ("ZADD", "big2", "9", LONG), ("ZSCORE", "big", LONG), ("ZSCORE", "big2", LONG),
        ("OBJECT", "ENCODING", "big2"), ("RENAME", "big2", "big3"),
        ("ZRANGE", "big3", "0", "-1", "WITHSCORES"), ("OBJECT", "ENCODING", "big3"))
    # SCAN TYPE zset finds sorted sets of both encodings and nothing else.
    run(dp, ("SET", "str", "v"), ("RPUSH", "lst", "a"), ("SADD", "set", "a"),
        ("HSET", "h", "f", "v"), ("ZADD", "z1", "1", "a"), ("ZADD", "z2", "1", LONG))
    for i in range(30):
        dp.check("ZADD", f"zz{i}", str(i), "m")
    check_scan(dp, "TYPE", "zset")
    check_scan(dp, "TYPE", "ZSET")
    check_scan(dp, "MATCH", "z*", "TYPE", "zset", "COUNT", "3")
    check_scan(dp, "TYPE", "string")
    run(dp, ("ZPOPMIN", "z1"), ("EXISTS", "z1"))
    check_scan(dp, "TYPE", "zset")


def test_arity_errors(dp):
    run(dp, """
        ZADD z
        ZADD z 1
        ZINCRBY z 1
        ZREM z
        ZSCORE z
        ZMSCORE z
        ZCARD
        ZCOUNT z 1
        ZLEXCOUNT z -
        ZRANGE z 0
        ZRANGESTORE d z 0
        ZREVRANGE z 0
        ZRANGEBYSCORE z 0
        ZREVRANGEBYSCORE z 0
        ZRANGEBYLEX z -
        ZREVRANGEBYLEX z +
        ZRANK z
        ZREVRANK z
        ZREMRANGEBYRANK z 0
        ZREMRANGEBYSCORE z 0
        ZREMRANGEBYLEX z -
        ZPOPMIN
        ZPOPMAX
        ZMPOP 1
        ZUNION 1
        ZINTER 1
        ZDIFF 1
        ZUNIONSTORE d 1
        ZINTERSTORE d 1
        ZDIFFSTORE d 1
        ZINTERCARD 1
        ZRANDMEMBER
        ZSCAN z
        EXISTS z d
        """)


# ----- fixed-seed random sequences ----------------------------------------------------------

SCORES = ["0", "1", "-1", "2", "2.5", "-0.5", "0.1", "3", "10", "1e3", "-7.25", "inf", "-inf",
          "+inf", "100"]
MEMBERS = ["a", "b", "c", "d", "e", "f", "aa", "ab", "B", "", "x y", "m1", "m2", "m10", "7"]
RANGE_SCORES = ["-inf", "+inf", "inf", "0", "1", "2", "2.5", "-1", "(0", "(1", "(2.5", "(-1",
                "(inf", "(-inf", "3", "(3", "10", "x"]
LEX_BOUNDS = ["-", "+", "[a", "(a", "[b", "(b", "[aa", "(ab", "[c", "(d", "[", "(", "[m", "a"]
INDEXES = ["0", "1", "2", "-1", "-2", "-5", "3", "10", "-100", "100"]


def _score_key(bound):
    text = bound.lstrip("(")
    try:
        return float(text)
    except ValueError:
        return 0.0


def _lex_key(bound):
    return (0, "") if bound == "-" else (2, "") if bound == "+" else (1, bound[1:])


def _ordered(r, pool, key, rev=False):
    """Two bounds from the pool, most of the time in the order the command expects."""
    lo, hi = r.choice(pool), r.choice(pool)
    if r.random() < 0.75 and key(lo) > key(hi):
        lo, hi = hi, lo
    return [hi, lo] if rev else [lo, hi]


def _score_range(r, rev=False):
    return _ordered(r, RANGE_SCORES, _score_key, rev)


def _lex_range(r, rev=False):
    return _ordered(r, LEX_BOUNDS, _lex_key, rev)


def _zadd_flags(r):
    pick = r.random()
    if pick < 0.55:
        return []
    flags = []
    for f in ("NX", "XX", "GT", "LT", "CH"):
        if r.random() < 0.18:
            flags.append(f)
    return r.sample(flags, len(flags))


def _random_command(r, zkeys, lkeys):
    k = r.choice(zkeys)
    op = r.random()
    score, member = r.choice(SCORES), r.choice(MEMBERS)
    if op < 0.16:
        args = ["ZADD", k] + _zadd_flags(r)
        if r.random() < 0.12:
            args += ["INCR", score, member]
        else:
            for _ in range(r.randint(1, 4)):
                args += [r.choice(SCORES), r.choice(MEMBERS)]
        if r.random() < 0.02:
            args[-1] = LONG  # a member too long for a listpack
        return args
    if op < 0.22:
        return ["ZINCRBY", k, r.choice(SCORES + ["-inf", "nan"]), member]
    if op < 0.28:
        return ["ZREM", k] + r.sample(MEMBERS, r.randint(1, 3))
    if op < 0.31:
        return ["ZSCORE", k, member]
    if op < 0.33:
        return ["ZMSCORE", k] + r.sample(MEMBERS, 3)
    if op < 0.35:
        return ["ZCARD", k]
    if op < 0.38:
        return ["ZCOUNT", k] + _score_range(r)
    if op < 0.44:
        rev = r.random() < 0.3
        if r.random() < 0.4:
            args = ["ZRANGE", k, r.choice(INDEXES), r.choice(INDEXES)]
        else:
            args = ["ZRANGE", k] + _score_range(r, rev) + ["BYSCORE"]
            if r.random() < 0.3:
                args += ["LIMIT", r.choice(["0", "1", "2", "-1"]), r.choice(["1", "2", "-1", "0"])]
        if rev:
            args.insert(len(args) - (3 if "LIMIT" in args else 0), "REV")
        if r.random() < 0.5:
            args.append("WITHSCORES")
        return args
    if op < 0.47:
        return [r.choice(["ZREVRANGE", "ZRANGE"]), k, r.choice(INDEXES), r.choice(INDEXES)] + (
            ["WITHSCORES"] if r.random() < 0.5 else [])
    if op < 0.51:
        name = r.choice(["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"])
        args = [name, k] + _score_range(r, name == "ZREVRANGEBYSCORE")
        if r.random() < 0.5:
            args.append("WITHSCORES")
        if r.random() < 0.3:
            args += ["LIMIT", r.choice(["0", "1", "3"]), r.choice(["1", "2", "-1"])]
        return args
    if op < 0.54:
        return [r.choice(["ZRANK", "ZREVRANK"]), k, member]
    if op < 0.57:
        return [r.choice(["ZPOPMIN", "ZPOPMAX"]), k] + (
            [r.choice(["0", "1", "2", "5", "-1"])] if r.random() < 0.6 else [])
    if op < 0.59:
        ks = r.sample(zkeys, r.randint(1, 3))
        return ["ZMPOP", str(len(ks))] + ks + [r.choice(["MIN", "MAX"])] + (
            ["COUNT", r.choice(["1", "2", "10"])] if r.random() < 0.5 else [])
    if op < 0.62:
        if r.random() < 0.5:
            return ["ZREMRANGEBYRANK", k, r.choice(INDEXES), r.choice(INDEXES)]
        return ["ZREMRANGEBYSCORE", k] + _score_range(r)
    if op < 0.72:
        ks = r.sample(zkeys + ["set"], r.randint(1, 3))
        name = r.choice(["ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
        args = [name] + ([r.choice(zkeys)] if name.endswith("STORE") else []) + [str(len(ks))] + ks
        if name[1:4] != "DIF":
            if r.random() < 0.4:
                args += ["WEIGHTS"] + [r.choice(["1", "2", "-1", "0", "0.5", "inf", "-inf"])
                                       for _ in ks]
            if r.random() < 0.4:
                args += ["AGGREGATE", r.choice(["SUM", "MIN", "MAX"])]
        if not name.endswith("STORE") and r.random() < 0.6:
            args.append("WITHSCORES")
        return args
    if op < 0.74:
        ks = r.sample(zkeys + ["set"], r.randint(1, 3))
        return ["ZINTERCARD", str(len(ks))] + ks + (
            ["LIMIT", r.choice(["0", "1", "2"])] if r.random() < 0.5 else [])
    if op < 0.76:
        rev = r.random() < 0.3
        args = ["ZRANGESTORE", r.choice(zkeys), k]
        if r.random() < 0.5:
            args += [r.choice(INDEXES), r.choice(INDEXES)]
        else:
            args += _score_range(r, rev) + ["BYSCORE"]
        return args + (["REV"] if rev else [])
    if op < 0.78:
        return ["ZRANDMEMBER", k] + ([r.choice(["1", "3", "-4", "20", "0"])] if r.random() < 0.7
                                     else []) + (["WITHSCORES"] if r.random() < 0.4 else [])
    if op < 0.88:
        # Lexicographic commands only on keys whose members all have score 0.
        lk = r.choice(lkeys)
        lop = r.random()
        if lop < 0.3:
            return ["ZADD", lk] + [x for m in r.sample(MEMBERS, r.randint(1, 4)) for x in ("0", m)]
        if lop < 0.38:
            return ["ZREM", lk] + r.sample(MEMBERS, 2)
        if lop < 0.55:
            name = r.choice(["ZRANGEBYLEX", "ZREVRANGEBYLEX"])
            args = [name, lk] + _lex_range(r, name == "ZREVRANGEBYLEX")
            return args + (["LIMIT", r.choice(["0", "1"]), r.choice(["1", "2", "-1"])]
                           if r.random() < 0.3 else [])
        if lop < 0.7:
            rev = r.random() < 0.4
            args = ["ZRANGE", lk] + _lex_range(r, rev) + ["BYLEX"]
            return args + (["REV"] if rev else []) + (
                ["LIMIT", r.choice(["0", "1"]), r.choice(["2", "-1"])] if r.random() < 0.3 else [])
        if lop < 0.8:
            return ["ZLEXCOUNT", lk] + _lex_range(r)
        if lop < 0.86:
            return ["ZREMRANGEBYLEX", lk] + _lex_range(r)
        if lop < 0.92:
            return ["ZRANGESTORE", r.choice(lkeys), lk] + _lex_range(r) + ["BYLEX"]
        return ["ZRANGE", lk, "0", "-1", "WITHSCORES"]
    if op < 0.92:
        return ["OBJECT", "ENCODING", r.choice(zkeys + lkeys)]
    if op < 0.94:
        return [r.choice(["EXISTS", "TYPE"]), k]
    if op < 0.95:
        return ["SADD", "set"] + r.sample(MEMBERS, 2)
    if op < 0.955:
        return ["SET", k, "v"]
    if op < 0.97:
        return ["DEL", k]
    return ["ZRANGE", k, "0", "-1", "WITHSCORES"]


@pytest.mark.parametrize("entries", ["128", "4"], ids=["entries128", "entries4"])
def test_random_zset_sequence(dp, entries):
    # 2400 fixed-seed commands over 4 general keys (plus a plain set as an input) and 2 keys
    # whose members all score 0 (for the lexicographic commands). With 4 entries at most in a
    # listpack the keys keep converting; a 65-byte member now and then converts them too.
    r = random.Random(4242 + int(entries))
    zkeys = [f"z{i}" for i in range(4)]
    lkeys = ["l0", "l1"]
    dp.check("CONFIG", "SET", "zset-max-listpack-entries", entries)
    try:
        for step in range(2400):
            args = _random_command(r, zkeys, lkeys)
            if args[0] == "ZRANDMEMBER":
                dp.check(*args, rule=random_pick)
            else:
                dp.check(*args)
            if step % 100 == 99:
                for k in zkeys + lkeys:
                    dp.check("ZRANGE", k, "0", "-1", "WITHSCORES")
                    check_zscan(dp, k)
        dp.check("CONFIG", "SET", "zset-max-listpack-entries", "128")
    finally:
        restore_zset_config(dp)
