# Differential cases for the list family: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LMPOP LLEN LRANGE
# LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH, with TYPE/OBJECT ENCODING on lists and the
# other types meeting them (-WRONGTYPE), and a fixed-seed random sequence. Each test runs in RESP2
# and RESP3.
import random

from differential.cases import run


def test_push_and_range(dp):
    run(dp, """
        RPUSH l b c
        LPUSH l a z
        RPUSHX l d
        LPUSHX l y
        RPUSHX nokey a
        LPUSHX nokey a
        EXISTS nokey
        LLEN l
        LLEN nokey
        LRANGE l 0 -1
        LRANGE l -2 100
        LRANGE l -100 1
        LRANGE l 3 2
        LRANGE l 10 20
        LRANGE l 0 -100
        LRANGE l x 1
        LRANGE l 0 y
        LRANGE nokey 0 -1
        LRANGE nokey x 1
        RPUSH l
        LRANGE l 0
        LLEN
        TYPE l
        OBJECT ENCODING l
        """, ("RPUSH", "bin", b"a\x00b\r\n", b""), ("LRANGE", "bin", "0", "-1"))


def test_pop_with_and_without_count(dp):
    run(dp, """
        RPUSH l a b c d e f
        LPOP l
        RPOP l
        LPOP l 2
        RPOP l 1
        LPOP l 0
        RPOP l 0
        LPOP l -1
        RPOP l x
        LPOP l 1 2
        RPOP l 10
        EXISTS l
        LPOP l
        LPOP l 0
        RPOP l 3
        LPOP l -1
        LPOP
        """)


def test_lindex_and_lset(dp):
    run(dp, """
        RPUSH l a b c
        LINDEX l 0
        LINDEX l -1
        LINDEX l 3
        LINDEX l -4
        LINDEX l x
        LINDEX nokey 0
        LINDEX nokey x
        LSET l 1 B
        LSET l -1 C
        LSET l 3 x
        LSET l -4 x
        LSET l x y
        LSET nokey 0 x
        LSET nokey x y
        LRANGE l 0 -1
        """)


def test_wrong_type_both_ways(dp):
    run(dp, """
        SET s v
        RPUSH s a
        LPUSH s a
        RPUSHX s a
        LPUSHX s a
        LPOP s
        RPOP s 0
        LLEN s
        LRANGE s 0 -1
        LINDEX s 0
        LINDEX s x
        LSET s 0 x
        LSET s x x
        RPUSH l a
        GET l
        GETSET l v
        GETDEL l
        GETEX l
        APPEND l x
        STRLEN l
        INCR l
        DECRBY l 2
        INCRBYFLOAT l 1
        GETRANGE l 0 1
        SETRANGE l 0 x
        MGET l s
        SETBIT l 0 1
        GETBIT l 0
        BITCOUNT l
        BITPOS l 1
        BITFIELD l GET u8 0
        BITFIELD_RO l GET u8 0
        BITOP OR dest l
        LCS l s
        SETNX l v
        MSETNX l v other v
        SET l v
        TYPE l
        GET l
        """)


def test_list_keys_move_and_copy(dp):
    run(dp, """
        RPUSH l a b
        COPY l c
        RPUSH c x
        LRANGE l 0 -1
        LRANGE c 0 -1
        EXPIRE l 100
        TTL l
        RENAME l m
        LRANGE m 0 -1
        TTL m
        MOVE m 1
        SELECT 1
        LRANGE m 0 -1
        TYPE m
        """)


def test_insert_remove_trim(dp):
    run(dp, """
        RPUSH l a b c b a b
        LINSERT l BEFORE b x
        LINSERT l after b y
        LINSERT l before zz q
        LINSERT nokey before a b
        LINSERT l middle a b
        LRANGE l 0 -1
        LREM l 2 b
        LREM l -1 a
        LREM l 0 zz
        LRANGE l 0 -1
        LREM l 0 b
        LREM nokey 1 a
        LREM l x a
        LTRIM l 1 -2
        LRANGE l 0 -1
        LTRIM l 0 100
        LTRIM l -100 -1
        LRANGE l 0 -1
        LTRIM l 5 2
        EXISTS l
        LTRIM nokey 0 1
        LTRIM l x 1
        RPUSH m a
        LREM m 0 a
        EXISTS m
        SET str v
        LINSERT str before a b
        LREM str 1 a
        LTRIM str 0 1
        LINSERT l
        LREM l 1
        LTRIM l 0
        """, ("RPUSH", "bin", b"\x00", b"", b"\x00"), ("LREM", "bin", "0", b"\x00"),
        ("LINSERT", "bin", "BEFORE", b"", b"\r\n"), ("LRANGE", "bin", "0", "-1"))


def test_lpos(dp):
    run(dp, """
        RPUSH l a b c a b c a
        LPOS l a
        LPOS l c
        LPOS l zz
        LPOS l a RANK 2
        LPOS l a RANK -1
        LPOS l a RANK -3
        LPOS l a RANK 4
        LPOS l a COUNT 0
        LPOS l a COUNT 2
        LPOS l a COUNT 2 RANK -1
        LPOS l a COUNT 0 MAXLEN 4
        LPOS l c MAXLEN 2
        LPOS l a RANK 2 COUNT 5 MAXLEN 5
        LPOS nokey a
        LPOS nokey a COUNT 1
        LPOS l a RANK 0
        LPOS l a RANK x
        LPOS l a RANK -9223372036854775808
        LPOS l a COUNT -1
        LPOS l a COUNT x
        LPOS l a MAXLEN -1
        LPOS l a MAXLEN
        LPOS l a FOO 1
        SET str v
        LPOS str a
        LPOS str a COUNT 1
        LPOS nokey a RANK 0
        LPOS
        """)


def test_lmove_and_rpoplpush(dp):
    run(dp, """
        RPUSH src a b c
        LMOVE src dst LEFT RIGHT
        LMOVE src dst RIGHT LEFT
        LRANGE src 0 -1
        LRANGE dst 0 -1
        RPOPLPUSH src dst
        EXISTS src
        LRANGE dst 0 -1
        LMOVE dst dst LEFT RIGHT
        LRANGE dst 0 -1
        RPOPLPUSH dst dst
        LRANGE dst 0 -1
        LMOVE nokey dst LEFT LEFT
        RPOPLPUSH nokey dst
        SET str v
        LMOVE dst str LEFT LEFT
        LRANGE dst 0 -1
        LMOVE str dst LEFT LEFT
        RPOPLPUSH dst str
        LMOVE dst dst2 UP LEFT
        LMOVE dst dst2 LEFT
        RPUSH one x
        EXPIRE dst 100
        LMOVE one dst LEFT LEFT
        TTL dst
        EXISTS one
        """)


def test_lmpop(dp):
    run(dp, """
        RPUSH a 1 2 3
        RPUSH b 4 5
        LMPOP 2 nokey a LEFT
        LMPOP 2 nokey a RIGHT COUNT 5
        EXISTS a
        LMPOP 2 a b left count 1
        LMPOP 3 nokey a nokey2 LEFT
        LMPOP 1 b RIGHT COUNT 1
        LMPOP 0 b LEFT
        LMPOP -1 b LEFT
        LMPOP x b LEFT
        LMPOP 3 b LEFT
        LMPOP 1 b MIDDLE
        LMPOP 1 b LEFT COUNT 0
        LMPOP 1 b LEFT COUNT -1
        LMPOP 1 b LEFT COUNT 1 COUNT 1
        LMPOP 1 b LEFT FOO
        LMPOP 1 b
        SET str v
        LMPOP 2 str b LEFT
        LMPOP 2 b str LEFT
        LMPOP 2 nokey str LEFT
        """)


def test_random_list_sequence(dp):
    r = random.Random(4242)
    keys = ["l0", "l1", "l2", "s"]
    elements = ["a", "b", "c", "", "1", "a b"]
    dp.check("SET", "s", "string")
    for _ in range(2000):
        k = r.choice(keys[:3])
        op = r.random()
        if op < 0.25:
            args = [r.choice(["LPUSH", "RPUSH"]), k] + r.choices(elements, k=r.randint(1, 3))
        elif op < 0.35:
            args = ["LINSERT", k, r.choice(["BEFORE", "AFTER"]), r.choice(elements),
                    r.choice(elements)]
        elif op < 0.45:
            args = ["LREM", k, str(r.randint(-2, 2)), r.choice(elements)]
        elif op < 0.5:
            args = ["LTRIM", k, str(r.randint(-5, 3)), str(r.randint(-3, 6))]
        elif op < 0.58:
            args = ["LPOS", k, r.choice(elements)] + r.choice(
                [[], ["RANK", str(r.choice([-2, -1, 1, 2]))], ["COUNT", str(r.randint(0, 3))],
                 ["MAXLEN", str(r.randint(0, 4))]])
        elif op < 0.66:
            args = ["LMOVE", k, r.choice(keys), r.choice(["LEFT", "RIGHT"]),
                    r.choice(["LEFT", "RIGHT"])]
        elif op < 0.7:
            args = ["RPOPLPUSH", k, r.choice(keys)]
        elif op < 0.76:
            ks = r.sample(keys, r.randint(1, 3))
            args = ["LMPOP", str(len(ks))] + ks + [r.choice(["LEFT", "RIGHT"])] + (
                ["COUNT", str(r.randint(1, 3))] if r.random() < 0.5 else [])
        elif op < 0.84:
            args = [r.choice(["LPOP", "RPOP"]), k] + ([str(r.randint(0, 3))] if r.random() < 0.5 else [])
        elif op < 0.97:
            args = ["LRANGE", k, "0", "-1"]
        else:
            args = ["DEL", k]
        dp.check(*args)
