# Differential cases for the set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
# SRANDMEMBER SMOVE SSCAN SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE, with the
# encodings OBJECT ENCODING reports (intset while every member is an integer and there are at most
# set-max-intset-entries, hashtable otherwise), sets meeting other types (-WRONGTYPE) and keyspace
# commands, and a fixed-seed random sequence. RESP2 and RESP3.
import random

from differential.cases import check_member_scan, run, same_shape, unordered


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


def _members(client, key):
    r = client.call("SMEMBERS", key)
    return sorted(x[1] for x in r[1])


def _popped(reply):
    if reply is None or reply[0] == "null":
        return []
    if reply[0] == "bulk":
        return [reply[1]]
    return [x[1] for x in reply[1]]


def test_spop(dp):
    """SPOP's picks are chance: each server must give back distinct members of the set, exactly
    the ones it no longer holds, in a reply of Redis's type and length; the encoding that
    remains is compared too (the few kept members make a new set)."""
    ints = [str(i) for i in range(40)]
    mixed = ints[:20] + [f"m{i}" for i in range(20)]
    for key, members in (("ints", ints), ("mixed", mixed), ("big", [str(i) for i in range(600)])):
        for count in (None, "1", "3", "30", "0", "38", "595"):
            dp.check("DEL", key)
            dp.check("SADD", key, *members)
            args = ("SPOP", key) if count is None else ("SPOP", key, count)
            for client, name in ((dp.ref, "redis"), (dp.got, "redoubt")):
                before = set(_members(client, key))
                popped = _popped(client.call(*args))
                after = set(_members(client, key))
                assert len(set(popped)) == len(popped), (name, args, popped)
                assert set(popped) | after == before and not set(popped) & after, (name, args)
            dp.check("SCARD", key)
            if key != "mixed" or count != "38":  # which members stay (ints or not) is chance
                dp.check("OBJECT", "ENCODING", key)
    run(dp, ("SADD", "s", "a", "b"), ("EXPIRE", "s", "100"))
    dp.check("SPOP", "s", "5", rule=unordered)
    run(dp, """
        EXISTS s
        SADD t 1 2 3 x
        EXPIRE t 100
        """)
    dp.check("SPOP", "t", "3", rule=same_shape)
    run(dp, """
        TTL t
        SPOP nokey
        SPOP nokey 3
        SPOP t 0
        SPOP t -1
        SPOP t x
        SPOP t 1 2
        SPOP
        SET str v
        SPOP str
        SPOP str 2
        """, ("SPOP", "x1", "-9223372036854775808"))


def test_srandmember(dp):
    members = [f"m{i}" for i in range(100)]
    run(dp, ("SADD", "small", "a", "b", "c"), ("SADD", "ints", "1", "2", "3", "4"),
        ("SADD", "big", *members))
    for key in ("small", "ints", "big"):
        dp.check("SRANDMEMBER", key, rule=same_shape)
        for count in ("1", "2", "-5", "-200", "50", "34"):
            dp.check("SRANDMEMBER", key, count, rule=same_shape)
        dp.check("SRANDMEMBER", key, "1000", rule=unordered)
        dp.check("SRANDMEMBER", key, "9223372036854775807", rule=unordered)
    for client in (dp.ref, dp.got):
        picks = [x[1] for x in client.call("SRANDMEMBER", "big", "60")[1]]
        assert len(set(picks)) == 60 and set(picks) <= {m.encode() for m in members}
    run(dp, """
        SRANDMEMBER nokey
        SRANDMEMBER nokey 5
        SRANDMEMBER nokey -5
        SRANDMEMBER small 0
        SRANDMEMBER small x
        SRANDMEMBER small 1 2
        SRANDMEMBER small -9223372036854775808
        SRANDMEMBER
        SET str v
        SRANDMEMBER str
        SRANDMEMBER str 3
        SRANDMEMBER nokey x
        """)


def test_smove(dp):
    run(dp, """
        SADD a 1 2 x
        SADD b 3
        SMOVE a b 1
        SMEMBERS a
        SMEMBERS b
        OBJECT ENCODING b
        SMOVE a b x
        OBJECT ENCODING b
        SMOVE a b nothere
        SMOVE a c 2
        EXISTS a
        SMEMBERS c
        SMOVE c c 2
        SMOVE c c 9
        SMOVE nokey c 2
        SET str v
        SMOVE nokey str 1
        SMOVE c str 2
        SMOVE str c 2
        SMEMBERS c
        SADD d 5
        EXPIRE d 100
        SADD e 5
        SMOVE d e 5
        EXISTS d
        SMEMBERS e
        SMOVE a b
        SMOVE a b c d
        """)


def one_page_unordered(args, a, b):
    """A scan reply with the same cursor and the same members in any order."""
    norm = lambda r: (r[1][0], sorted(map(repr, r[1][1][1]))) if r[0] == "array" else r
    return None if norm(a) == norm(b) else f"{a!r} vs {b!r}"


def test_sscan(dp):
    members = [f"m{i}" for i in range(300)]
    run(dp, ("SADD", "small", "a", "b", "ab"), ("SADD", "ints", "1", "22", "3"),
        ("SADD", "big", *members))
    for key in ("small", "ints", "big", "nokey"):
        for extra in ((), ("COUNT", "5"), ("MATCH", "a*"), ("MATCH", "m1*", "COUNT", "100")):
            check_member_scan(dp, "SSCAN", key, *extra)
    # A small set answers in one call with cursor 0 (an intset whatever the cursor and COUNT).
    dp.check("SSCAN", "small", "0", rule=one_page_unordered)
    run(dp, ("SSCAN", "ints", "9", "COUNT", "1"), ("SSCAN", "ints", "0", "MATCH", "2*"),
        ("SSCAN", "nokey", "0"))
    run(dp, """
        SSCAN big x
        SSCAN big 0 COUNT 0
        SSCAN big 0 MATCH
        SSCAN big 0 TYPE set
        SSCAN
        SET s v
        SSCAN s 0
        """)


ALGEBRA = """
    SADD a 1 2 3 4 x
    SADD b 2 3 y
    SADD c 3 4 2
    SADD i1 1 2 3
    SADD i2 2 3 4
    SET str v
    SINTER a b c
    SINTER a
    SINTER a a
    SINTER a nokey
    SINTER nokey a
    SINTER nokey str
    SINTER a str
    SINTER i1 i2
    SUNION a b c
    SUNION a nokey
    SUNION nokey nokey2
    SUNION nokey str
    SUNION i1 i2
    SDIFF a b c
    SDIFF a a
    SDIFF a nokey b
    SDIFF nokey a
    SDIFF a str
    SDIFF str nokey
    SDIFF i1 i2
    SINTERCARD 1 a
    SINTERCARD 2 a b
    SINTERCARD 3 a b c
    SINTERCARD 2 a b LIMIT 1
    SINTERCARD 2 a b limit 0
    SINTERCARD 2 a b LIMIT 5
    SINTERCARD 2 a nokey
    SINTERCARD 2 nokey str
    SINTERCARD 2 a str
    SINTERCARD 0 a
    SINTERCARD -1 a
    SINTERCARD x a
    SINTERCARD 3 a b
    SINTERCARD 1 a LIMIT -1
    SINTERCARD 1 a LIMIT x
    SINTERCARD 1 a LIMIT
    SINTERCARD 1 a FOO 1
    SINTERCARD 1
    SINTERSTORE d a b
    SMEMBERS d
    OBJECT ENCODING d
    SINTERSTORE d i1 i2
    OBJECT ENCODING d
    SINTERSTORE d a nokey
    EXISTS d
    SINTERSTORE str a b
    TYPE str
    SET str v
    SINTERSTORE d a str
    SUNIONSTORE d i1 i2
    OBJECT ENCODING d
    SMEMBERS d
    SUNIONSTORE d a b
    OBJECT ENCODING d
    SUNIONSTORE d nokey
    EXISTS d
    SDIFFSTORE d a b
    SMEMBERS d
    SDIFFSTORE d i1 i2
    OBJECT ENCODING d
    SDIFFSTORE d a a
    EXISTS d
    SET e v
    EXPIRE e 100
    SUNIONSTORE e a
    TTL e
    SUNIONSTORE a a b
    SMEMBERS a
    SINTERSTORE a a c
    SMEMBERS a
    SDIFFSTORE c c a
    SMEMBERS c
    SINTER
    SINTERSTORE d
    SUNIONSTORE
    SDIFFSTORE d
    """


def test_set_algebra(dp):
    run(dp, ALGEBRA)
    members = [str(i) for i in range(600)]
    run(dp, ("SADD", "big", *members), ("SADD", "few", "5", "7", "x"),
        ("SINTERSTORE", "r", "big", "few"), ("OBJECT", "ENCODING", "r"), ("SMEMBERS", "r"),
        ("SDIFFSTORE", "r", "big", "few"), ("SCARD", "r"), ("OBJECT", "ENCODING", "r"),
        ("SUNIONSTORE", "r", "few", "big"), ("SCARD", "r"), ("OBJECT", "ENCODING", "r"),
        ("SINTERCARD", "2", "big", "r", "LIMIT", "100"))
    run(dp, ("SADD", "b1", b"\x00", b"", b"\xff\r\n"), ("SADD", "b2", b"", b"\xff\r\n"),
        ("SINTER", "b1", "b2"), ("SDIFF", "b1", "b2"), ("SUNION", "b1", "b2"))


def test_random_set_algebra(dp):
    r = random.Random(5150)
    keys = [f"s{i}" for i in range(5)]
    members = ["0", "1", "2", "-3", "7", "x", "y", "", "007", "9223372036854775807", "z z"]
    dp.check("CONFIG", "SET", "set-max-intset-entries", "4")
    for _ in range(1200):
        op = r.random()
        ks = r.sample(keys, r.randint(1, 3))
        if op < 0.3:
            args = ["SADD", r.choice(keys)] + r.sample(members, r.randint(1, 4))
        elif op < 0.4:
            args = ["SREM", r.choice(keys)] + r.sample(members, r.randint(1, 3))
        elif op < 0.5:
            args = ["SMOVE", r.choice(keys), r.choice(keys), r.choice(members)]
        elif op < 0.58:
            args = [r.choice(["SINTER", "SUNION", "SDIFF"])] + ks
        elif op < 0.7:
            args = [r.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), r.choice(keys)] + ks
        elif op < 0.76:
            args = ["SINTERCARD", str(len(ks))] + ks + (["LIMIT", str(r.randint(0, 3))]
                                                        if r.random() < 0.5 else [])
        elif op < 0.84:
            args = ["SMEMBERS", r.choice(keys)]
        elif op < 0.92:
            args = ["OBJECT", "ENCODING", r.choice(keys)]
        elif op < 0.95:
            args = ["SPOP", r.choice(keys), "100"]
        elif op < 0.97:
            args = ["SET", r.choice(keys), "v"]
        else:
            args = ["DEL", r.choice(keys)]
        dp.check(*args, rule=unordered if args[0] == "SPOP" else None)
    dp.check("CONFIG", "SET", "set-max-intset-entries", "512")
