# Differential cases for the string family: GET SET SETNX SETEX PSETEX MGET MSET MSETNX
# GETSET GETDEL GETEX APPEND STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SETRANGE
# LCS SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD. Each test runs in RESP2 and RESP3.
import time

from differential.cases import MAKE_LIST, run

BINARY = b"a\x00b\r\nc\x00\xff\r\n"


def test_get_set_basic(dp):
    run(dp, """
        GET nokey
        SET k v
        GET k
        SET k v2
        GET k
        GET
        GET a b
        SET k
        SET
        """, ("SET", "", ""), ("GET", ""), ("SET", "bin", BINARY), ("GET", "bin"),
        ("SET", "big", b"x" * 100000), ("STRLEN", "big"), ("GET", "big"))


def test_set_conditions_and_get(dp):
    run(dp, """
        SET k v NX
        SET k v2 NX
        GET k
        SET k v3 XX
        GET k
        SET missing v XX
        GET missing
        SET k v4 GET
        SET missing2 v GET
        SET k v5 NX GET
        SET k v6 XX GET
        SET newk v NX GET
        SET k v NX XX
        SET k v XX NX
        SET k v nx
        SET k v Get
        SET k v BADOPT
        SET k v EX
        SET k v GET GET
        SET k v NX NX
        """, MAKE_LIST, """
        SET lst v GET
        SET lst v NX GET
        SET lst v XX GET
        GET lst
        """)


def test_set_expiry_options(dp):
    future_s = int(time.time()) + 10000
    run(dp, """
        SET k v EX 100
        TTL k
        SET k v PX 100000
        PTTL k
        SET k v EX 0
        SET k v EX -1
        SET k v PX 0
        SET k v PX -5
        SET k v EX abc
        SET k v EX 1.5
        SET k v EX 9223372036854775807
        SET k v PX 9223372036854775807
        SET k v EX 9223372036854775
        SET k v EX 10 PX 100
        SET k v EX 10 EX 10
        SET k v EX 10 KEEPTTL
        SET k v KEEPTTL PX 100
        SET k v KEEPTTL
        TTL k
        SET k v EX 100
        SET k v2 KEEPTTL
        TTL k
        GET k
        SET k v3
        TTL k
        SET k v EX 100 NX
        SET k v PX 100000 XX GET
        TTL k
        """,
        ("SET", "k", "v", "EXAT", str(future_s)), ("TTL", "k"), ("EXPIRETIME", "k"),
        ("SET", "k", "v", "PXAT", str(future_s * 1000)), ("PEXPIRETIME", "k"),
        ("SET", "k", "v", "EXAT", "1"), ("GET", "k"), ("EXISTS", "k"),
        ("SET", "k", "v", "PXAT", "1"), ("GET", "k"),
        ("SET", "k", "v", "EXAT", "0"), ("SET", "k", "v", "PXAT", "-1"),
        ("SET", "k", "v", "EXAT", str(future_s), "PX", "10"),
        ("SET", "k", "v", "exat", str(future_s), "keepttl"),
        ("SET", "k", "v", "EX", "100", "GET", "NX"))


def test_setnx_setex_psetex(dp):
    run(dp, """
        SETNX k v
        SETNX k v2
        GET k
        SETNX k
        SETEX k 100 v
        TTL k
        SETEX k 0 v
        SETEX k -10 v
        SETEX k abc v
        SETEX k 100
        PSETEX k 100000 v
        PTTL k
        PSETEX k 0 v
        PSETEX k -1 v
        PSETEX k 1.5 v
        SETEX k 9223372036854775807 v
        PSETEX k 9223372036854775807 v
        """, MAKE_LIST, """
        SETNX lst v
        SETEX lst 100 v
        TYPE lst
        """)


def test_mget_mset_msetnx(dp):
    run(dp, """
        MSET a 1 b 2 c 3
        MGET a b c nokey
        MSET a
        MSET a 1 b
        MSET
        MGET
        MSETNX a 9 z 9
        MGET a z
        MSETNX x 1 y 2
        MGET x y
        MSETNX x
        MSETNX x 1 y
        MSET a 1 a 2
        GET a
        """, MAKE_LIST, """
        MGET a lst b
        MSET lst v
        GET lst
        """)


def test_getset_getdel(dp):
    run(dp, """
        GETSET k v
        GETSET k v2
        GET k
        GETSET k
        SET k v EX 100
        GETSET k v3
        TTL k
        GETDEL k
        GETDEL k
        EXISTS k
        GETDEL
        GETDEL a b
        """, MAKE_LIST, """
        GETSET lst v
        GETDEL lst
        """, ("SET", "bin", BINARY), ("GETDEL", "bin"))


def test_getex(dp):
    future = int(time.time()) + 5000
    run(dp, """
        GETEX nokey
        GETEX nokey EX 10
        SET k v
        GETEX k
        TTL k
        GETEX k EX 100
        TTL k
        GETEX k PX 200000
        PTTL k
        GETEX k PERSIST
        TTL k
        GETEX k EX 0
        GETEX k EX -1
        GETEX k PX 0
        GETEX k EX abc
        GETEX k EX 10 PX 10
        GETEX k EX 10 PERSIST
        GETEX k PERSIST PERSIST
        GETEX k KEEPTTL
        GETEX k BAD
        GETEX k EX
        GETEX
        GETEX k EX 9223372036854775807
        """, ("GETEX", "k", "EXAT", str(future)), ("EXPIRETIME", "k"),
        ("GETEX", "k", "PXAT", str(future * 1000)), ("PEXPIRETIME", "k"),
        ("GETEX", "k", "EXAT", "1"), ("EXISTS", "k"), MAKE_LIST, ("GETEX", "lst"),
        ("GETEX", "lst", "EX", "10"), ("GETEX", "lst", "EX", "abc"), ("GETEX", "lst", "PX", "0"),
        ("GETEX", "nokey", "PX", "0"))


def test_append_strlen(dp):
    run(dp, """
        APPEND k abc
        APPEND k def
        GET k
        STRLEN k
        STRLEN nokey
        SET n 10
        APPEND n 5
        GET n
        INCR n
        STRLEN n
        APPEND k
        STRLEN
        STRLEN a b
        """, ("APPEND", "k", ""), ("APPEND", "b", BINARY), ("APPEND", "b", BINARY),
        ("GET", "b"), ("STRLEN", "b"), MAKE_LIST, ("APPEND", "lst", "x"), ("STRLEN", "lst"),
        ("SET", "e", ""), ("STRLEN", "e"), ("APPEND", "e", ""), ("EXISTS", "e"))


def test_incr_decr_family(dp):
    run(dp, """
        INCR n
        INCR n
        DECR n
        DECR neg
        INCRBY n 10
        INCRBY n -20
        DECRBY n 5
        DECRBY n -5
        GET n
        INCRBY n abc
        INCRBY n 1.5
        INCRBY n 99999999999999999999
        DECRBY n abc
        SET s abc
        INCR s
        DECR s
        SET f 1.5
        INCR f
        SET big 9223372036854775807
        INCR big
        INCRBY big 1
        SET small -9223372036854775808
        DECR small
        DECRBY small 1
        DECRBY x -9223372036854775808
        INCRBY x -9223372036854775808
        GET x
        SET lead 007
        INCR lead
        SET plus +5
        INCR plus
        SET hex 0x10
        INCR hex
        INCR
        INCR a b
        INCRBY n
        SET ws 5
        INCR ws
        SET z -0
        INCR z
        """, ("SET", "empty", ""), ("INCR", "empty"), ("SET", "nul", b"1\x00"), ("INCR", "nul"),
        ("SET", "sp", " 1"), ("INCR", "sp"), ("SET", "t", "1 "), ("INCR", "t"),
        ("INCRBY", "n", ""), ("INCRBY", "n", " 1"), MAKE_LIST, ("INCR", "lst"),
        ("DECRBY", "lst", "1"), ("SET", "k", "v", "EX", "100"), ("SET", "c", "5", "EX", "100"),
        ("INCR", "c"), ("TTL", "c"))


def test_incrbyfloat(dp):
    run(dp, """
        INCRBYFLOAT f 1.5
        INCRBYFLOAT f 10
        INCRBYFLOAT f -0.25
        INCRBYFLOAT f 3.0e3
        INCRBYFLOAT f 1e-5
        GET f
        INCRBYFLOAT g 0.1
        INCRBYFLOAT g 0.2
        INCRBYFLOAT h 5.0
        GET h
        INCRBYFLOAT f abc
        INCRBYFLOAT f inf
        INCRBYFLOAT f -inf
        INCRBYFLOAT f nan
        INCRBYFLOAT f 1e400
        SET big 1e308
        INCRBYFLOAT big 1e308
        SET s abc
        INCRBYFLOAT s 1
        SET i 10
        INCRBYFLOAT i 0.5
        INCRBYFLOAT i -10.5
        GET i
        INCRBYFLOAT
        INCRBYFLOAT f
        INCRBYFLOAT j 1.23456789012345678
        INCRBYFLOAT j 100000000000000000000
        INCRBYFLOAT k2 -0.0
        GET k2
        INCRBYFLOAT m 0x10
        INCRBYFLOAT m .5
        INCRBYFLOAT m 5.
        """, ("INCRBYFLOAT", "f", ""), ("INCRBYFLOAT", "f", " 1"), MAKE_LIST,
        ("INCRBYFLOAT", "lst", "1.0"), ("INCRBYFLOAT", "lst", "abc"), ("INCRBYFLOAT", "nokey", "abc"),
        ("INCRBYFLOAT", "s", "abc"))


def test_getrange_setrange(dp):
    run(dp, """
        SET k HelloWorld
        GETRANGE k 0 4
        GETRANGE k -5 -1
        GETRANGE k 5 2
        GETRANGE k 0 -1
        GETRANGE k 0 100
        GETRANGE k -100 3
        GETRANGE k -100 -50
        GETRANGE k 100 200
        GETRANGE k -1 -5
        GETRANGE nokey 0 10
        GETRANGE k a 1
        GETRANGE k 0
        GETRANGE k 9223372036854775807 9223372036854775807
        GETRANGE k -9223372036854775808 -1
        SETRANGE k 5 XYZ
        GET k
        SETRANGE k 20 end
        GET k
        SETRANGE new 3 abc
        GET new
        SETRANGE k -1 x
        SETRANGE k abc x
        SETRANGE k 0
        SETRANGE k 536870912 x
        SETRANGE k 9223372036854775807 x
        SETRANGE k 4294967296 x
        EXISTS k2
        SET n 12345
        SETRANGE n 1 9
        GET n
        INCR n
        SETRANGE w 100000 y
        STRLEN w
        GETRANGE w 99998 100000
        """, ("SETRANGE", "k2", "5", ""), ("EXISTS", "k2"), ("SETRANGE", "k", "0", ""),
        ("SETRANGE", "k", "2", BINARY), ("GET", "k"), ("SETRANGE", "k", "536870912", ""),
        MAKE_LIST, ("SETRANGE", "lst", "0", "x"), ("GETRANGE", "lst", "0", "1"))


def test_lcs(dp):
    run(dp, """
        MSET a ohmytext b mynewtext
        LCS a b
        LCS a b LEN
        LCS a b IDX
        LCS a b IDX MINMATCHLEN 4
        LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN
        LCS a b IDX WITHMATCHLEN
        LCS a b LEN IDX
        LCS a b MINMATCHLEN
        LCS a b MINMATCHLEN abc
        LCS a b MINMATCHLEN -1 IDX
        LCS a b BADOPT
        LCS a nokey
        LCS nokey1 nokey2
        LCS nokey1 nokey2 IDX
        LCS a
        LCS a a
        LCS a a IDX WITHMATCHLEN
        """, MAKE_LIST, ("LCS", "a", "lst"), ("SET", "x", BINARY), ("SET", "y", b"\x00\r\n\xff"),
        ("LCS", "x", "y"), ("LCS", "x", "y", "IDX", "WITHMATCHLEN"))


def test_setbit_getbit(dp):
    run(dp, """
        SETBIT k 7 1
        GET k
        SETBIT k 7 0
        SETBIT k 7 1
        GETBIT k 7
        GETBIT k 6
        GETBIT k 100000
        GETBIT nokey 0
        SETBIT k 0 2
        SETBIT k 0 -1
        SETBIT k 0 a
        SETBIT k -1 1
        SETBIT k abc 1
        SETBIT k 4294967296 1
        SETBIT k 9223372036854775807 1
        GETBIT k -1
        GETBIT k 4294967296
        GETBIT k abc
        SETBIT k 1
        GETBIT k
        SETBIT k2 100000 1
        STRLEN k2
        SET s a
        SETBIT s 6 1
        GET s
        SET n 5
        SETBIT n 0 1
        GET n
        """, MAKE_LIST, ("SETBIT", "lst", "0", "1"), ("GETBIT", "lst", "0"))


def test_bitcount_bitpos(dp):
    run(dp, """
        SET k foobar
        BITCOUNT k
        BITCOUNT k 0 0
        BITCOUNT k 1 1
        BITCOUNT k 1 -2
        BITCOUNT k -100 100
        BITCOUNT k 5 1
        BITCOUNT k 0 0 BIT
        BITCOUNT k 1 13 BIT
        BITCOUNT k 0 -1 BYTE
        BITCOUNT k 0 -1 bad
        BITCOUNT k 0
        BITCOUNT k a b
        BITCOUNT nokey
        BITCOUNT nokey 0 -1 BIT
        BITCOUNT k 0 -1 BIT extra
        SETBIT bp 10 1
        BITPOS bp 1
        BITPOS bp 0
        BITPOS bp 1 1
        BITPOS bp 1 2
        BITPOS bp 1 0 -1 BIT
        BITPOS bp 1 5 12 BIT
        BITPOS bp 0 0 0 BYTE
        BITPOS bp 2
        BITPOS bp a
        BITPOS bp 1 a
        BITPOS bp 1 0 -1 BAD
        BITPOS nokey 0
        BITPOS nokey 1
        BITPOS nokey 0 5
        SET ff ffff
        BITPOS ff 0
        BITPOS ff 0 0 -1
        BITPOS ff 0 0
        BITPOS ff 1 -1
        BITPOS bp
        """, ("SET", "ones", b"\xff\xff\xff"), ("BITPOS", "ones", "0"),
        ("BITPOS", "ones", "0", "0"), ("BITPOS", "ones", "0", "0", "-1"),
        ("BITPOS", "ones", "0", "0", "-1", "BIT"), ("SET", "zeros", b"\x00\x00"),
        ("BITPOS", "zeros", "1"), ("BITPOS", "zeros", "0"), ("BITCOUNT", "zeros"),
        MAKE_LIST, ("BITCOUNT", "lst"), ("BITPOS", "lst", "1"))


def test_bitop(dp):
    run(dp, """
        SET a abc
        SET b xyz1
        BITOP AND dest a b
        GET dest
        BITOP OR dest a b
        GET dest
        BITOP XOR dest a b nokey
        GET dest
        BITOP NOT dest a
        GET dest
        BITOP NOT dest a b
        BITOP BAD dest a
        BITOP AND dest
        BITOP AND
        BITOP and dest2 nokey1 nokey2
        EXISTS dest2
        SET dest2 x
        BITOP AND dest2 nokey1
        EXISTS dest2
        BITOP OR dest a
        GET dest
        BITOP NOT dest nokey
        EXISTS dest
        """, ("SET", "bin", BINARY), ("BITOP", "XOR", "d", "bin", "a"), ("GET", "d"),
        MAKE_LIST, ("BITOP", "AND", "d", "a", "lst"), ("BITOP", "AND", "lst", "a", "b"),
        ("TYPE", "lst"))


def test_bitfield(dp):
    run(dp, """
        BITFIELD k SET i8 0 100
        BITFIELD k GET i8 0
        BITFIELD k GET u4 0 GET u4 4 GET i4 4
        BITFIELD k INCRBY i8 0 100
        BITFIELD k OVERFLOW SAT INCRBY i8 0 100
        BITFIELD k OVERFLOW FAIL INCRBY i8 0 100
        BITFIELD k OVERFLOW WRAP INCRBY u8 8 300
        BITFIELD k GET u8 8
        BITFIELD k SET u8 #1 255 GET u8 #1
        BITFIELD k SET i64 0 -1 GET i64 0
        BITFIELD k INCRBY i64 0 -9223372036854775807
        BITFIELD k OVERFLOW SAT INCRBY i64 0 -9223372036854775807
        BITFIELD k GET u63 0
        BITFIELD k GET u64 0
        BITFIELD k GET i65 0
        BITFIELD k GET x8 0
        BITFIELD k GET u0 0
        BITFIELD k GET u8 -1
        BITFIELD k GET u8 abc
        BITFIELD k GET u8 #abc
        BITFIELD k GET u8 4294967296
        BITFIELD k SET u8 0 abc
        BITFIELD k INCRBY u8 0 abc
        BITFIELD k OVERFLOW BAD GET u8 0
        BITFIELD k BADOP u8 0
        BITFIELD k GET u8
        BITFIELD k SET u8 0
        BITFIELD k
        BITFIELD
        BITFIELD nokey GET u8 0
        EXISTS nokey
        BITFIELD nokey2 INCRBY u2 100 1 OVERFLOW SAT INCRBY u2 102 5 OVERFLOW FAIL INCRBY u2 104 7
        GET nokey2
        BITFIELD k SET u8 0 256
        BITFIELD k SET i8 0 -129
        BITFIELD k OVERFLOW WRAP SET i8 0 200 GET i8 0
        BITFIELD_RO k GET u8 0
        BITFIELD_RO k SET u8 0 1
        """, MAKE_LIST, ("BITFIELD", "lst", "GET", "u8", "0"))


def test_string_commands_on_binary_keys(dp):
    key = b"k\x00\r\n\xff"
    run(dp, ("SET", key, BINARY), ("GET", key), ("EXISTS", key), ("APPEND", key, b"\x00"),
        ("STRLEN", key), ("GETRANGE", key, "0", "3"), ("TYPE", key), ("DEL", key),
        ("GET", key), ("SET", b"", b"empty-key"), ("GET", b""), ("MSET", b"\x00", b"\x00", b"\r\n", b"\r\n"),
        ("MGET", b"\x00", b"\r\n"))
