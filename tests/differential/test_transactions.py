# Differential cases for MULTI EXEC DISCARD WATCH UNWATCH: queued replies, EXECABORT after a
# refused command, errors inside EXEC that do not stop it, nesting and misuse errors, WATCH
# invalidated by another client's write, by a delete, an expire, FLUSHDB and SWAPDB, by a TTL
# running out and by eviction, and not by a write to another key; commands refused while
# queuing over maxmemory; blocking commands inside MULTI answer at once. RESP2 and RESP3.
import time

from differential.cases import run


def test_queue_and_exec(dp):
    run(dp, """
        MULTI
        SET a 1
        INCR a
        LPUSH l x y
        GET a
        LRANGE l 0 -1
        EXEC
        MULTI
        EXEC
        MULTI
        DISCARD
        GET a
        EXEC
        DISCARD
        MULTI
        MULTI
        EXEC
        """)


def test_errors_while_queuing_abort_exec(dp):
    run(dp, """
        SET a 1
        MULTI
        INCR a
        NOSUCHCOMMAND x
        INCR a
        EXEC
        GET a
        MULTI
        GET
        EXEC
        MULTI
        SET a x
        INCR a
        SET b 2
        EXEC
        GET b
        """)


def test_watch(dp):
    other = dp.__class__(dp.pair)
    try:
        run(dp, """
            SET k 1
            WATCH k
            MULTI
            INCR k
            EXEC
            WATCH k
            """)
        other.check("SET", "k", "2")
        run(dp, """
            MULTI
            INCR k
            EXEC
            GET k
            WATCH k
            """)
        other.check("SET", "unrelated", "1")
        run(dp, """
            MULTI
            INCR k
            EXEC
            WATCH k
            UNWATCH
            """)
        other.check("SET", "k", "10")
        run(dp, """
            MULTI
            INCR k
            EXEC
            WATCH k
            """)
        other.check("DEL", "k")
        run(dp, """
            MULTI
            SET k 1
            EXEC
            WATCH k
            """)
        other.check("EXPIRE", "k", "100")
        run(dp, """
            MULTI
            GET k
            EXEC
            WATCH k
            """)
        other.check("FLUSHDB")
        run(dp, """
            MULTI
            PING
            EXEC
            WATCH nokey
            """)
        other.check("FLUSHDB")
        run(dp, """
            MULTI
            PING
            EXEC
            SET k v
            WATCH k
            """)
        other.check("SWAPDB", "0", "1")
        run(dp, """
            MULTI
            PING
            EXEC
            SWAPDB 0 1
            MULTI
            WATCH k
            EXEC
            """)
    finally:
        other.close()


def test_blocking_commands_inside_multi_answer_at_once(dp):
    run(dp, """
        MULTI
        BLPOP nolist 0
        BRPOP nolist 0
        BLMOVE nolist dst LEFT LEFT 0
        BRPOPLPUSH nolist dst 0
        BLMPOP 0 1 nolist LEFT
        BZPOPMIN nozset 0
        BZPOPMAX nozset 0
        BZMPOP 0 1 nozset MIN
        RPUSH l a
        BLPOP l 0
        EXEC
        """)


def test_watch_invalidated_by_expiry(dp):
    run(dp, """
        SET k v PX 1000
        SET stays v
        WATCH k stays
        """)
    # Wall-clock time must pass for a TTL to run out. The TTL is long enough that both servers
    # see k alive at WATCH even on a loaded machine, and the wait ends only after it ran out
    # for both, however late the loop notices.
    start = time.monotonic()
    while time.monotonic() - start < 1.1:
        time.sleep(0.02)
    run(dp, """
        MULTI
        GET stays
        EXEC
        SET k2 v PX 100000
        WATCH k2
        MULTI
        GET k2
        EXEC
        """)


def test_watch_invalidated_by_eviction(dual):
    d = dual(2)
    admin = dual(2)
    try:
        # Over maxmemory, a command queued in MULTI is refused whatever it is (EXEC then
        # aborts): queuing takes memory too.
        run(admin, """
            SET k v
            CONFIG SET maxmemory-policy noeviction
            CONFIG SET maxmemory 1
            """)
        run(d, """
            MULTI
            GET k
            EXEC
            """)
        # The eviction of a watched key voids the transaction.
        run(admin, "CONFIG SET maxmemory 0")
        run(d, "WATCH k")
        run(admin, """
            CONFIG SET maxmemory-policy allkeys-random
            CONFIG SET maxmemory 1
            CONFIG SET maxmemory 0
            """)
        run(d, """
            MULTI
            GET k
            EXEC
            """)
    finally:
        run(admin, """
            CONFIG SET maxmemory 0
            CONFIG SET maxmemory-policy noeviction
            DBSIZE
            """)


def test_watch_not_voided_by_an_smove_that_adds_nothing(dual):
    d = dual(2)
    other = dual(2)
    run(d, """
        SADD src a b
        SADD dst a
        WATCH dst
        MULTI
        SADD dst c
        """)
    run(other, "SMOVE src dst a")  # dst already holds a: unchanged
    run(d, """
        EXEC
        SCARD dst
        WATCH dst
        MULTI
        SADD dst d
        """)
    run(other, "SMOVE src dst b")  # adds b: the watch is voided
    run(d, """
        EXEC
        SMEMBERS dst
        """)


def test_exec_refused_ends_the_transaction(d):
    # A refused EXEC (its arity, or a user without +exec) answers EXECABORT naming why and
    # discards the transaction, as Redis's rejectCommand: the next command runs at once.
    run(d, """
        MULTI
        SET a 1
        EXEC extra
        PING
        GET a
        ACL SETUSER no-exec-user on nopass ~* +@all -exec
        AUTH no-exec-user x
        MULTI
        SET a 2
        EXEC
        PING
        EXEC
        GET a
        AUTH default x
        """)
    d.both("ACL", "DELUSER", "no-exec-user")
