# Differential cases for the set commands so far: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD,
# with the encodings OBJECT ENCODING reports (intset while every member is an integer and there
# are at most set-max-intset-entries, hashtable otherwise, never back), sets meeting other types
# (-WRONGTYPE) and keyspace commands, and a fixed-seed random sequence. RESP2 and RESP3.
import random

from differential.cases import run


def test_add_remove_and_membership(dp):
    run(dp, """
        SADD s a b c
        SADD s a d
        SADD s a
        SCARD s
        SCARD nokey
        SMEMBERS s
        SMEMBERS nokey
        SISMEMBER s a
        SISMEMBER s zz
        SISMEMBER nokey a
        SMISMEMBER s a zz d
        SMISMEMBER nokey a b
        SREM s a zz
        SREM s zz
        SREM nokey a
        SMEMBERS s
        SREM s b c d
        EXISTS s
        SADD
        SADD s
        SREM s
        SCARD
        SISMEMBER s
        SMISMEMBER s
        """, ("SADD", "bin", b"\x00a\r\n", b"", b"\xff"), ("SISMEMBER", "bin", b""),
        ("SMEMBERS", "bin"), ("SMISMEMBER", "bin", b"\x00a\r\n", b"\x00a"))


def test_intset_and_hashtable_encodings(dp):
    run(dp, """
        SADD ints 3 1 2 -5 9223372036854775807 -9223372036854775808
        OBJECT ENCODING ints
        SMEMBERS ints
        SISMEMBER ints 01
        SISMEMBER ints +1
        SISMEMBER ints 1
        SMISMEMBER ints 1 1.0 -5 x
        SADD ints 01
        OBJECT ENCODING ints
        SISMEMBER ints 01
        SISMEMBER ints 1
        SADD strs x 1 2
        OBJECT ENCODING strs
        SREM strs x
        OBJECT ENCODING strs
        SADD big 9223372036854775808
        OBJECT ENCODING big
        SADD z 0 -0
        OBJECT ENCODING z
        SMEMBERS z
        SADD w 5
        SREM w 5
        EXISTS w
        """)
    members = [str(i) for i in range(512)]
    run(dp, ("SADD", "many", *members), ("OBJECT", "ENCODING", "many"), ("SCARD", "many"),
        ("SADD", "many", "512"), ("OBJECT", "ENCODING", "many"), ("SCARD", "many"),
        ("SREM", "many", "512", "0"), ("OBJECT", "ENCODING", "many"),
        ("SISMEMBER", "many", "100"), ("SMEMBERS", "many"))
    run(dp, """
        CONFIG SET set-max-intset-entries 2
        SADD t 1 2
        OBJECT ENCODING t
        SADD t 3
        OBJECT ENCODING t
        CONFIG GET set-max-intset-entries
        CONFIG SET set-max-intset-entries 512
        """)


def test_wrong_type_and_keyspace(dp):
    run(dp, """
        SET str v
        HSET h f v
        SADD str a
        SREM h a
        SMEMBERS str
        SISMEMBER h a
        SMISMEMBER str a
        SCARD h
        SADD s 1 x
        GET s
        HGET s f
        LPUSH s a
        TYPE s
        COPY s c
        SADD c y
        SMEMBERS s
        SMEMBERS c
        EXPIRE s 100
        SADD s z
        TTL s
        RENAME s m
        SMEMBERS m
        MOVE m 1
        SELECT 1
        SCARD m
        SELECT 0
        """)


def test_random_set_sequence(dp):
    r = random.Random(2121)
    keys = [f"s{i}" for i in range(6)]
    members = ["0", "1", "-1", "42", "007", "9223372036854775807", "x", "", "a b", "1.5",
               "-0", "12", "13", "99"]
    dp.check("CONFIG", "SET", "set-max-intset-entries", "6")
    for _ in range(1500):
        k = r.choice(keys)
        op = r.random()
        if op < 0.35:
            args = ["SADD", k] + r.sample(members, r.randint(1, 3))
        elif op < 0.55:
            args = ["SREM", k] + r.sample(members, r.randint(1, 2))
        elif op < 0.65:
            args = ["SISMEMBER", k, r.choice(members)]
        elif op < 0.72:
            args = ["SMISMEMBER", k] + r.sample(members, 3)
        elif op < 0.8:
            args = ["SCARD", k]
        elif op < 0.88:
            args = ["SMEMBERS", k]
        elif op < 0.95:
            args = ["OBJECT", "ENCODING", k]
        elif op < 0.97:
            args = ["SET", k, "v"]
        else:
            args = ["DEL", k]
        dp.check(*args)
    dp.check("CONFIG", "SET", "set-max-intset-entries", "512")
