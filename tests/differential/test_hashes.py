# Differential cases for the hash family: HSET HSETNX HMSET HGET HMGET HDEL HEXISTS HLEN HSTRLEN
# HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT, the encodings OBJECT ENCODING reports and when they
# change (hash-max-listpack-entries / -value), hashes meeting other types (-WRONGTYPE) and
# keyspace commands, and a fixed-seed random sequence. Each test runs in RESP2 and RESP3.
import random

from differential.cases import check_member_scan, run, same_shape, unordered


def test_set_get_and_delete(dp):
    run(dp, """
        HSET h a 1 b 2 c 3
        HSET h a 10 d 4
        HSETNX h a x
        HSETNX h e 5
        HSETNX nokey f v
        HMSET h g 7 h 8
        HGET h a
        HGET h zz
        HGET nokey a
        HMGET h a zz e
        HMGET nokey a b
        HLEN h
        HLEN nokey
        HEXISTS h a
        HEXISTS h zz
        HEXISTS nokey a
        HSTRLEN h a
        HSTRLEN h zz
        HSTRLEN nokey a
        HKEYS h
        HVALS h
        HGETALL h
        HKEYS nokey
        HVALS nokey
        HGETALL nokey
        HDEL h a zz b
        HDEL h zz
        HDEL nokey a
        HGETALL h
        HDEL h c d e f g h
        EXISTS h
        HGETALL h
        TYPE nokey
        """, ("HSET", "bin", b"f\x00\r\n", b"\x00v\xff", b"", b""),
        ("HGET", "bin", b"f\x00\r\n"), ("HGET", "bin", b""), ("HGETALL", "bin"),
        ("HSTRLEN", "bin", b"f\x00\r\n"))


def test_argument_errors(dp):
    run(dp, """
        HSET h a
        HSET h a 1 b
        HSET h
        HMSET h a
        HMSET h a 1 b
        HSETNX h a
        HGET h
        HMGET h
        HDEL h
        HLEN
        HLEN h x
        HKEYS h x
        HINCRBY h a
        HINCRBY h a 1 2
        HINCRBYFLOAT h a
        EXISTS h
        """)


def test_hincrby(dp):
    run(dp, """
        HINCRBY h n 5
        HINCRBY h n -7
        HINCRBY h n 0
        HINCRBY h n x
        HINCRBY h n 1.5
        HINCRBY h n 9223372036854775808
        HSET h s abc big 9223372036854775807 small -9223372036854775808 sp " 1"
        HINCRBY h s 1
        HINCRBY h big 1
        HINCRBY h big 0
        HINCRBY h small -1
        HINCRBY h small 1
        HINCRBY h sp 1
        HGETALL h
        """, ("HSET", "h", "pad", "007"), ("HINCRBY", "h", "pad", "1"),
        ("HSET", "h", "spaced", " 5"), ("HINCRBY", "h", "spaced", "1"))


def test_hincrbyfloat(dp):
    run(dp, """
        HINCRBYFLOAT h f 1.5
        HINCRBYFLOAT h f -0.25
        HINCRBYFLOAT h f 3e3
        HINCRBYFLOAT h f 1e-20
        HINCRBYFLOAT h f abc
        HINCRBYFLOAT h f inf
        HINCRBYFLOAT h f -inf
        HINCRBYFLOAT h f nan
        HSET h s abc i 10 e 1e400
        HINCRBYFLOAT h s 1
        HINCRBYFLOAT h i 0.1
        HINCRBYFLOAT h e 1
        HINCRBYFLOAT h new 5.0e3
        HINCRBYFLOAT h new 0
        HGETALL h
        """)


def test_encodings_and_their_thresholds(dp):
    big = "x" * 65
    run(dp, """
        HSET h a 1
        OBJECT ENCODING h
        HSET h b 2
        HDEL h a
        OBJECT ENCODING h
        """, ("HSET", "h", "long", "x" * 64), ("OBJECT", "ENCODING", "h"),
        ("HSET", "h", "longer", big), ("OBJECT", "ENCODING", "h"),
        ("HDEL", "h", "longer"), ("OBJECT", "ENCODING", "h"),  # never converts back
        ("HSET", "k", big, "v"), ("OBJECT", "ENCODING", "k"),
        ("HGET", "h", "long"), ("HLEN", "h"), ("HGETALL", "h"))
    # 512 fields stay packed, the 513th converts.
    fields = []
    for i in range(512):
        fields += [f"f{i}", str(i)]
    run(dp, ("HSET", "many", *fields), ("OBJECT", "ENCODING", "many"), ("HLEN", "many"),
        ("HSET", "many", "f0", "again"), ("OBJECT", "ENCODING", "many"),
        ("HSET", "many", "f512", "x"), ("OBJECT", "ENCODING", "many"), ("HLEN", "many"),
        ("HGET", "many", "f100"), ("HGET", "many", "f512"), ("HMGET", "many", "f0", "f511", "nope"),
        ("HDEL", "many", "f1", "f2", "nope"), ("HLEN", "many"), ("HGETALL", "many"))


def test_thresholds_follow_config(dp):
    run(dp, """
        CONFIG SET hash-max-listpack-entries 2
        CONFIG SET hash-max-listpack-value 3
        CONFIG GET hash-max-listpack-entries
        CONFIG GET hash-max-ziplist-value
        HSET a f1 v1 f2 v2
        OBJECT ENCODING a
        HSET a f3 v3
        OBJECT ENCODING a
        HSET b f abcd
        OBJECT ENCODING b
        HSET c abcd v
        OBJECT ENCODING c
        HSET d abc abc
        OBJECT ENCODING d
        CONFIG SET hash-max-listpack-entries 512
        CONFIG SET hash-max-listpack-value 64
        """)


def test_wrong_type_both_ways(dp):
    run(dp, """
        SET s v
        RPUSH l a
        HSET s f v
        HSETNX s f v
        HMSET s f v
        HGET s f
        HMGET s f
        HDEL s f
        HLEN l
        HEXISTS l f
        HSTRLEN l f
        HKEYS l
        HVALS l
        HGETALL s
        HINCRBY s f 1
        HINCRBYFLOAT l f 1
        HSET h f v
        GET h
        APPEND h x
        INCR h
        LPUSH h x
        LRANGE h 0 -1
        SETBIT h 0 1
        STRLEN h
        TYPE h
        SET h v
        TYPE h
        GET h
        """)


def test_hash_keys_move_copy_expire_and_scan(dp):
    run(dp, """
        HSET h a 1 b 2
        COPY h c
        HSET c x 9
        HGETALL h
        HGETALL c
        EXPIRE h 100
        TTL h
        HSET h z 26
        TTL h
        RENAME h m
        HGETALL m
        TTL m
        MOVE m 1
        SELECT 1
        HGETALL m
        TYPE m
        SELECT 0
        DEL c
        EXISTS c
        """, ("HSET", "big", "long", "y" * 100), ("COPY", "big", "big2"),
        ("HSET", "big2", "long", "changed"), ("HGET", "big", "long"), ("HGET", "big2", "long"),
        ("OBJECT", "ENCODING", "big2"), ("RENAME", "big2", "big3"), ("HGETALL", "big3"))


def test_random_hash_sequence(dp):
    # A fixed-seed mix over 8 keys and 12 fields: values grow past 64 bytes now and then and
    # counts pass a lowered entries threshold, so both encodings and the conversion are met.
    r = random.Random(1313)
    keys = [f"h{i}" for i in range(8)]
    fields = [f"f{i}" for i in range(12)] + ["", "ÿ"]
    values = ["0", "1", "-5", "1.5", "abc", "", "9223372036854775807", "x" * 70, " 3"]
    dp.check("CONFIG", "SET", "hash-max-listpack-entries", "8")
    for _ in range(1500):
        k, f = r.choice(keys), r.choice(fields)
        op = r.random()
        if op < 0.25:
            args = ["HSET", k, f, r.choice(values)] + (
                [r.choice(fields), r.choice(values)] if r.random() < 0.3 else [])
        elif op < 0.35:
            args = ["HDEL", k, f, r.choice(fields)]
        elif op < 0.45:
            args = ["HGET", k, f]
        elif op < 0.5:
            args = ["HMGET", k, f, r.choice(fields)]
        elif op < 0.58:
            args = ["HINCRBY", k, f, r.choice(["1", "-3", "x", "9223372036854775807"])]
        elif op < 0.64:
            args = ["HINCRBYFLOAT", k, f, r.choice(["0.5", "-1e3", "abc"])]
        elif op < 0.7:
            args = ["HSETNX", k, f, r.choice(values)]
        elif op < 0.76:
            args = ["HLEN", k]
        elif op < 0.8:
            args = ["HEXISTS", k, f]
        elif op < 0.84:
            args = ["HSTRLEN", k, f]
        elif op < 0.9:
            args = [r.choice(["HGETALL", "HKEYS", "HVALS"]), k]
        elif op < 0.95:
            args = ["OBJECT", "ENCODING", k]
        elif op < 0.97:
            args = ["SET", k, "s"]
        else:
            args = ["DEL", k]
        dp.check(*args)
    dp.check("CONFIG", "SET", "hash-max-listpack-entries", "512")


def test_hscan(dp):
    fields = []
    for i in range(300):
        fields += [f"f{i}", f"v{i}"]
    run(dp, ("HSET", "small", "a", "1", "b", "2", "ab", "3"), ("HSET", "big", *fields))
    for key in ("small", "big", "nokey"):
        for extra in ((), ("COUNT", "5"), ("MATCH", "a*"), ("MATCH", "f1*", "COUNT", "100")):
            check_member_scan(dp, "HSCAN", key, *extra)
    # A packed hash answers in one call with cursor 0, whatever the cursor and COUNT.
    run(dp, ("HSCAN", "small", "0"), ("HSCAN", "small", "77", "COUNT", "1"),
        ("HSCAN", "small", "0", "MATCH", "b"), ("HSCAN", "nokey", "0"))
    run(dp, """
        HSCAN big x
        HSCAN big -1 COUNT 0
        HSCAN big 0 COUNT x
        HSCAN big 0 COUNT 0
        HSCAN big 0 MATCH
        HSCAN big 0 TYPE hash
        HSCAN big 0 foo bar
        HSCAN
        SET s v
        HSCAN s 0
        """)


def test_hrandfield(dp):
    fields = []
    for i in range(100):
        fields += [f"f{i}", f"v{i}"]
    run(dp, ("HSET", "small", "a", "1", "b", "2", "c", "3"), ("HSET", "big", *fields))
    for key in ("small", "big"):
        dp.check("HRANDFIELD", key, rule=same_shape)
        for count in ("1", "2", "-5", "-200", "50"):
            dp.check("HRANDFIELD", key, count, rule=same_shape)
            dp.check("HRANDFIELD", key, count, "WITHVALUES", rule=same_shape)
        dp.check("HRANDFIELD", key, "1000", rule=unordered)
        dp.check("HRANDFIELD", key, "1000", "withvalues", rule=unordered)
    run(dp, """
        HRANDFIELD nokey
        HRANDFIELD nokey 5
        HRANDFIELD nokey -5 WITHVALUES
        HRANDFIELD small 0
        HRANDFIELD small 0 WITHVALUES
        HRANDFIELD small x
        HRANDFIELD small 1 WITHVALUE
        HRANDFIELD small 1 WITHVALUES x
        HRANDFIELD small -9223372036854775808
        HRANDFIELD small 9223372036854775807 WITHVALUES
        HRANDFIELD small -4611686018427387904 WITHVALUES
        HRANDFIELD
        SET s v
        HRANDFIELD s
        HRANDFIELD s 1
        HRANDFIELD nokey x
        """)
