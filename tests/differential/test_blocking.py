# Differential cases for the blocking commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN
# BZPOPMAX BZMPOP): immediate answers when data is there, argument errors, timeouts (null
# arrays), wake-ups by another client's push, first-come first-served among several waiters,
# keys of the wrong type, and CLIENT UNBLOCK. Waiters and pushers are separate connections to
# each server; a waiter is known to wait when INFO's blocked_clients says so on both servers,
# so no step depends on timing.
import re
import time

from differential.cases import run


def wait_blocked(d, n, limit_s=10.0):
    """Until both servers report n blocked clients (bounded)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        counts = []
        for client in (d.ref, d.got):
            info = client.call("INFO", "clients")[1]
            info = info.decode() if isinstance(info, bytes) else str(info)
            counts.append(int(re.search(r"blocked_clients:(\d+)", info).group(1)))
        if counts == [n, n]:
            return
        time.sleep(0.01)
    raise AssertionError(f"blocked_clients never reached {n} on both servers")


def test_immediate_answers_and_errors(dp):
    run(dp, """
        RPUSH l a b c
        ZADD z 1 a 2 b 3 c
        BLPOP nokey l 0
        BRPOP l 0
        BLMOVE l dst LEFT RIGHT 0
        BRPOPLPUSH dst l 0
        LRANGE l 0 -1
        BLMPOP 0 2 nokey l RIGHT COUNT 2
        BZPOPMIN z 0
        BZPOPMAX nokey z 0
        BZMPOP 0 1 z MIN COUNT 5
        EXISTS z
        BLPOP l -1
        BLPOP l x
        BLPOP l 9223372036854775807
        BLMPOP -1 1 l LEFT
        BLMPOP 0 0 l LEFT
        BLMPOP 0 1 l MIDDLE
        BZMPOP 0 1 z
        BLMOVE l dst UP LEFT 0
        SET str v
        BLPOP str 0
        BLPOP nokey str 0
        BZPOPMIN str 0
        BLMOVE str dst LEFT LEFT 0
        RPUSH src x
        BLMOVE src str LEFT LEFT 0
        LRANGE src 0 -1
        BLPOP
        BLPOP l
        """)


def test_timeouts_answer_null(dp):
    run(dp, """
        BLPOP nokey 0.01
        BRPOP nokey 0.01
        BLMOVE nokey dst LEFT LEFT 0.01
        BRPOPLPUSH nokey dst 0.01
        BLMPOP 0.01 1 nokey LEFT
        BZPOPMIN nokey 0.01
        BZMPOP 0.01 1 nokey MAX
        PING after
        """)


def test_push_wakes_waiters_in_arrival_order(dual):
    pusher = dual(2)
    waiters = [dual(2) for _ in range(3)]
    for i, w in enumerate(waiters):
        w.send_only("BLPOP", "q", "0")
        wait_blocked(pusher, i + 1)
    pusher.check("RPUSH", "q", "a", "b", "c")
    for w in waiters:
        w.read_both()
    wait_blocked(pusher, 0)
    pusher.check("EXISTS", "q")


def test_zset_and_move_waiters(dual):
    pusher = dual(3)
    a = dual(2)
    b = dual(3)
    a.send_only("BZPOPMIN", "z1", "z2", "0")
    wait_blocked(pusher, 1)
    b.send_only("BLMOVE", "src", "dst", "RIGHT", "LEFT", "0")
    wait_blocked(pusher, 2)
    pusher.check("ZADD", "z2", "5", "m", "1", "n")
    a.read_both()
    pusher.check("RPUSH", "src", "x", "y")
    b.read_both()
    wait_blocked(pusher, 0)
    pusher.check("ZRANGE", "z2", "0", "-1", "WITHSCORES")
    pusher.check("LRANGE", "src", "0", "-1")
    pusher.check("LRANGE", "dst", "0", "-1")


def test_wrong_type_does_not_wake_and_unblock(dual):
    pusher = dual(2)
    w = dual(2)
    w.send_only("BLPOP", "k", "0")
    wait_blocked(pusher, 1)
    pusher.check("SET", "k", "string")
    pusher.check("DEL", "k")
    pusher.check("RPUSH", "k", "v")
    w.read_both()
    wait_blocked(pusher, 0)
    ids = w.both("CLIENT", "ID")
    w.send_only("BRPOP", "never", "0")
    wait_blocked(pusher, 1)
    pusher.check_pair(("CLIENT", "UNBLOCK", ids[0][1]), ("CLIENT", "UNBLOCK", ids[1][1]))
    w.read_both()
    w.send_only("BZPOPMAX", "never", "0")
    wait_blocked(pusher, 1)
    pusher.check_pair(("CLIENT", "UNBLOCK", ids[0][1], "ERROR"),
                      ("CLIENT", "UNBLOCK", ids[1][1], "ERROR"))
    w.read_both()
    wait_blocked(pusher, 0)
    pusher.check_pair(("CLIENT", "UNBLOCK", ids[0][1]), ("CLIENT", "UNBLOCK", ids[1][1]))
    run(pusher, """
        CLIENT UNBLOCK 999999
        CLIENT UNBLOCK x
        CLIENT UNBLOCK 1 MAYBE
        """)
    w.check("PING")
