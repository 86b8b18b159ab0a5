# Differential cases for the keyspace commands: DEL UNLINK EXISTS TOUCH TYPE EXPIRE PEXPIRE
# EXPIREAT PEXPIREAT (NX XX GT LT) EXPIRETIME PEXPIRETIME TTL PTTL PERSIST KEYS SCAN RANDOMKEY
# RENAME RENAMENX COPY MOVE DBSIZE FLUSHDB FLUSHALL SELECT SWAPDB OBJECT.
import time

from differential.cases import MAKE_LIST, check_scan, run
from differential.normalise import exact


def test_del_unlink_exists_touch_type(dp):
    run(dp, """
        MSET a 1 b 2 c 3
        EXISTS a
        EXISTS a b nokey
        EXISTS a a a
        EXISTS
        TOUCH a b nokey
        TOUCH
        DEL a nokey
        DEL a
        DEL
        UNLINK b c c nokey
        UNLINK
        EXISTS a b c
        TYPE a
        SET s v
        TYPE s
        TYPE
        TYPE a b
        DBSIZE
        DBSIZE x
        """, MAKE_LIST, ("TYPE", "lst"), ("DEL", "lst", "s"), ("DBSIZE",))


def test_expire_family_basic(dp):
    now = int(time.time())
    run(dp, """
        SET k v
        TTL k
        PTTL k
        EXPIRETIME k
        PEXPIRETIME k
        TTL nokey
        PTTL nokey
        EXPIRETIME nokey
        PEXPIRETIME nokey
        EXPIRE k 100
        TTL k
        PEXPIRE k 200000
        PTTL k
        PERSIST k
        PERSIST k
        PERSIST nokey
        TTL k
        EXPIRE nokey 100
        PEXPIRE nokey 100
        EXPIRE k abc
        EXPIRE k 1.5
        EXPIRE k
        EXPIRE k 100 extra
        EXPIRE k 9223372036854775807
        EXPIRE k 9223372036854775
        EXPIRE k -9223372036854775808
        PEXPIRE k 9223372036854775807
        PEXPIRE k -9223372036854775808
        PERSIST
        TTL
        PTTL k extra
        EXPIRE k 0
        EXISTS k
        SET k v
        EXPIRE k -1
        EXISTS k
        SET k v
        PEXPIRE k -100
        GET k
        """,
        ("SET", "k", "v"), ("EXPIREAT", "k", str(now + 5000)), ("TTL", "k"), ("EXPIRETIME", "k"),
        ("PEXPIREAT", "k", str((now + 6000) * 1000)), ("PEXPIRETIME", "k"), ("EXPIRETIME", "k"),
        ("EXPIREAT", "k", "abc"), ("EXPIREAT", "k", "9223372036854775807"),
        ("PEXPIREAT", "k", "9223372036854775807"),
        ("EXPIREAT", "k", str(now - 10)), ("EXISTS", "k"),
        ("SET", "k", "v"), ("PEXPIREAT", "k", "1"), ("EXISTS", "k"),
        ("SET", "k", "v"), ("EXPIREAT", "k", "0"), ("EXISTS", "k"), ("EXPIREAT", "nokey", "1"))


def test_expire_conditions(dp):
    run(dp, """
        SET k v
        EXPIRE k 100 XX
        EXPIRE k 100 GT
        EXPIRE k 100 LT
        TTL k
        PERSIST k
        EXPIRE k 100 NX
        EXPIRE k 200 NX
        EXPIRE k 200 XX
        TTL k
        EXPIRE k 100 GT
        EXPIRE k 300 GT
        TTL k
        EXPIRE k 400 LT
        EXPIRE k 50 LT
        TTL k
        EXPIRE k 40 XX GT
        EXPIRE k 60 XX GT
        EXPIRE k 10 XX LT
        TTL k
        EXPIRE k 100 NX XX
        EXPIRE k 100 GT LT
        EXPIRE k 100 NX GT
        EXPIRE k 100 NX LT
        EXPIRE k 100 BAD
        EXPIRE k 100 nx
        EXPIRE k 100 NX NX
        PEXPIRE k 100000 GT
        PEXPIRE k 1000 LT
        PTTL k
        PEXPIRE k 100000 NX
        PEXPIRE k 100000 XX
        PEXPIRE k 1 GT LT
        EXPIRE nokey 100 NX
        EXPIRE nokey 100 XX
        SET k2 v
        EXPIRE k2 -1 GT
        EXISTS k2
        EXPIRE k2 -1 LT
        EXISTS k2
        SET k3 v
        EXPIRE k3 -1 NX
        EXISTS k3
        SET k4 v EX 100
        EXPIRE k4 -1 XX
        EXISTS k4
        """, ("SET", "a", "v"), ("EXPIREAT", "a", str(int(time.time()) + 1000), "NX"),
        ("EXPIREAT", "a", str(int(time.time()) + 2000), "GT"), ("TTL", "a"),
        ("PEXPIREAT", "a", str(int(time.time() * 1000) + 500000), "LT"), ("TTL", "a"),
        ("PEXPIREAT", "a", "1", "NX", "XX"), ("EXPIREAT", "a", "1", "GT", "LT"))


def test_keys_patterns(dp):
    run(dp, """
        KEYS *
        MSET hello 1 hallo 2 hxllo 3 hllo 4 heeello 5 a*b 6 a?b 7 abc 8 x 9
        KEYS *
        KEYS h?llo
        KEYS h*llo
        KEYS h[ae]llo
        KEYS h[^e]llo
        KEYS h[a-b]llo
        KEYS a\\*b
        KEYS a\\?b
        KEYS nomatch*
        KEYS [
        KEYS [a
        KEYS a[
        KEYS \\
        KEYS *\\
        KEYS
        KEYS a b
        """, ("KEYS", ""), ("SET", b"bin\x00key", "1"), ("KEYS", b"bin\x00*"), ("KEYS", "bin?key"),
        ("KEYS", "[a-"), ("KEYS", "[z-a]*"), ("KEYS", "h[!e]llo"), ("KEYS", "***"))


def test_scan_full_iteration(dp):
    for i in range(300):
        dp.ref.send("SET", f"key:{i}", "v")
        dp.got.send("SET", f"key:{i}", "v")
    for _ in range(300):
        dp.ref.read_reply()
        dp.got.read_reply()
    run(dp, MAKE_LIST, ("SET", "other", "1"), ("DBSIZE",))
    check_scan(dp)
    check_scan(dp, "COUNT", "7")
    check_scan(dp, "MATCH", "key:1*")
    check_scan(dp, "MATCH", "key:1*", "COUNT", "1000")
    check_scan(dp, "MATCH", "nomatch*")
    check_scan(dp, "TYPE", "string")
    check_scan(dp, "TYPE", "list")
    check_scan(dp, "TYPE", "nosuchtype")
    check_scan(dp, "MATCH", "*", "TYPE", "string", "COUNT", "50")
    check_scan(dp, "match", "o*", "type", "STRING")


def test_scan_errors(dp):
    run(dp, """
        SCAN abc
        SCAN -1
        SCAN 0 COUNT
        SCAN 0 COUNT 0
        SCAN 0 COUNT -1
        SCAN 0 COUNT abc
        SCAN 0 MATCH
        SCAN 0 TYPE
        SCAN 0 BAD x
        SCAN
        SCAN 18446744073709551616
        """)


def test_scan_empty_db(dp):
    run(dp, "SCAN 0", "SCAN 0 MATCH * COUNT 10 TYPE string")


def test_randomkey(dp):
    run(dp, "RANDOMKEY", "RANDOMKEY x", "SET only v")
    dp.check("RANDOMKEY", rule=exact)  # with one key the answer is determined
    run(dp, "MSET a 1 b 2 c 3", "RANDOMKEY")


def test_rename_renamenx(dp):
    run(dp, """
        SET a 1
        RENAME a b
        GET a
        GET b
        RENAME nokey x
        RENAMENX nokey x
        SET c 3
        RENAMENX b c
        RENAMENX b d
        GET d
        RENAME d d
        RENAMENX d d
        GET d
        SET e v EX 1000
        RENAME e f
        TTL f
        SET g 1
        RENAME f g
        TTL g
        GET g
        RENAME a
        RENAMENX a
        RENAME a b c
        """, MAKE_LIST, ("RENAME", "lst", "lst2"), ("TYPE", "lst2"), ("RENAME", "g", "lst2"),
        ("TYPE", "lst2"), ("GET", "lst2"))


def test_copy(dp):
    run(dp, """
        SET a 1
        COPY a b
        GET b
        COPY a b
        SET a 2
        COPY a b REPLACE
        GET b
        COPY a a
        COPY nokey b
        COPY a c DB 1
        COPY a c DB 1
        COPY a c DB 1 REPLACE
        COPY a c DB abc
        COPY a c DB 99
        COPY a c DB -1
        COPY a c DB
        COPY a c BAD
        COPY a c REPLACE REPLACE
        COPY a a DB 1
        COPY a
        SELECT 1
        GET c
        SELECT 0
        SET t v EX 1000
        COPY t t2
        TTL t2
        """, MAKE_LIST, ("COPY", "lst", "lst2"), ("TYPE", "lst2"), ("COPY", "a", "lst", "REPLACE"),
        ("TYPE", "lst"))


def test_move_select_swapdb(dp):
    run(dp, """
        SET k v
        MOVE k 1
        MOVE k 1
        EXISTS k
        SELECT 1
        GET k
        SET k2 v2
        MOVE k2 0
        SELECT 0
        GET k2
        SET k v0
        MOVE k 1
        MOVE k 0
        MOVE k 99
        MOVE k -1
        MOVE k abc
        MOVE nokey 1
        MOVE k
        SELECT 15
        SELECT 16
        SELECT -1
        SELECT abc
        SELECT
        SELECT 0 1
        SELECT 0
        DBSIZE
        SWAPDB 0 1
        DBSIZE
        GET k
        SWAPDB 0 1
        SWAPDB 0 0
        SWAPDB 0 16
        SWAPDB -1 0
        SWAPDB a 0
        SWAPDB 0 b
        SWAPDB 0
        SELECT 1
        DBSIZE
        SELECT 0
        """)


def test_swapdb_seen_by_other_connections(dual):
    a, b = dual(), dual()
    run(a, "SET k in-db0", "SELECT 1", "SET k in-db1")
    run(b, "GET k", "SWAPDB 0 1", "GET k")
    run(a, "GET k")


def test_flushdb_flushall(dp):
    run(dp, """
        SET a 1
        SELECT 1
        SET b 2
        FLUSHDB
        DBSIZE
        SELECT 0
        DBSIZE
        SELECT 1
        SET b 2
        FLUSHDB ASYNC
        FLUSHDB SYNC
        FLUSHDB sync
        FLUSHDB BAD
        FLUSHDB ASYNC SYNC
        SET b 2
        FLUSHALL
        DBSIZE
        SELECT 0
        DBSIZE
        SET a 1
        FLUSHALL ASYNC
        DBSIZE
        SET a 1
        FLUSHALL SYNC
        FLUSHALL BAD
        FLUSHALL SYNC ASYNC
        DBSIZE
        """)


def test_object_subcommands(dp):
    run(dp, """
        SET k v
        OBJECT ENCODING nokey
        OBJECT IDLETIME nokey
        OBJECT REFCOUNT nokey
        OBJECT FREQ nokey
        OBJECT FREQ k
        OBJECT IDLETIME k
        OBJECT REFCOUNT k
        OBJECT BAD k
        OBJECT ENCODING
        OBJECT ENCODING a b
        OBJECT
        """)


def test_object_freq_with_lfu_policy(dual):
    d = dual()
    try:
        run(d, "SET k v", "CONFIG SET maxmemory-policy allkeys-lfu", "OBJECT FREQ k",
            "GET k", "OBJECT FREQ k", "OBJECT IDLETIME k", "OBJECT FREQ nokey",
            "CONFIG SET maxmemory-policy allkeys-lru", "SET k v2", "OBJECT IDLETIME k",
            "OBJECT FREQ k")
    finally:
        run(d, "CONFIG SET maxmemory-policy noeviction")


def test_object_encoding_of_strings(dp):
    """Redis reports int for integers that fit in a long, embstr up to 44 bytes, raw beyond
    that and after in-place modification (APPEND, SETRANGE, SETBIT)."""
    run(dp, ("SET", "i", "12345"), ("OBJECT", "ENCODING", "i"),
        ("SET", "neg", "-1"), ("OBJECT", "ENCODING", "neg"),
        ("SET", "max", "9223372036854775807"), ("OBJECT", "ENCODING", "max"),
        ("SET", "over", "9223372036854775808"), ("OBJECT", "ENCODING", "over"),
        ("SET", "lead", "01"), ("OBJECT", "ENCODING", "lead"),
        ("SET", "e44", "x" * 44), ("OBJECT", "ENCODING", "e44"),
        ("SET", "r45", "x" * 45), ("OBJECT", "ENCODING", "r45"),
        ("SET", "f", "1.5"), ("OBJECT", "ENCODING", "f"),
        ("SET", "s", "abc"), ("APPEND", "s", "d"), ("OBJECT", "ENCODING", "s"),
        ("INCR", "cnt"), ("OBJECT", "ENCODING", "cnt"),
        ("INCRBYFLOAT", "fl", "1.5"), ("OBJECT", "ENCODING", "fl"),
        ("SETRANGE", "sr", "0", "ab"), ("OBJECT", "ENCODING", "sr"),
        ("SETBIT", "sb", "1", "1"), ("OBJECT", "ENCODING", "sb"),
        ("SET", "empty", ""), ("OBJECT", "ENCODING", "empty"))
