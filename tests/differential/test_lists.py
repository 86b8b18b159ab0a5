# Differential cases for the list family: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX
# LSET, with TYPE/OBJECT ENCODING on lists and the other types meeting them (-WRONGTYPE). Each
# test runs in RESP2 and RESP3.
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
