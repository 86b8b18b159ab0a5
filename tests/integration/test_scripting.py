# Scripts against running servers, each case on redis-server and on Redoubt: a script that runs
# past busy-reply-threshold makes other clients' commands answer -BUSY (on the script's own I/O
# thread too, which serves them from the script's hook), SCRIPT KILL stops it with Redis's
# error, a script that already wrote cannot be killed, MULTI/EXEC around a busy script; and a
# script's effects reach a replica (of the other server) and the AOF as its writes, never as
# the script.
import socket

import pytest
import redis

from support import servers
from support.tools import wait_for

pytestmark = pytest.mark.skipif(not servers.redoubt_available(),
                                reason=servers.redoubt_missing_reason())

KINDS = ["redis", "redoubt"]


def start(kind, args=()):
    if kind == "redis":
        return servers.redis_server(args=["--repl-diskless-sync-delay", "0", *args])
    # One I/O thread: every client shares the script's thread, the case Redis's own is in.
    return servers.redoubt_server(args=["--io-threads", "1", *args])


def client(server, **kw):
    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=30, **kw)


class RawClient:
    """A client that sends a command without waiting for its reply (the script's caller)."""

    def __init__(self, server):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)

    def send(self, *args):
        out = [f"*{len(args)}\r\n".encode()]
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))

    def read_line(self):
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data[:-2].decode()

    def close(self):
        self.sock.close()


def busy_reply(r):
    """The -BUSY error a command gets while a script runs (None while it is not busy yet)."""
    try:
        r.ping()
        return None
    except redis.ResponseError as e:
        return str(e)


@pytest.mark.parametrize("kind", KINDS)
def test_busy_script_is_answered_busy_and_killed(kind):
    with start(kind, ["--busy-reply-threshold", "10"]) as s:
        r = client(s)
        caller = RawClient(s)
        try:
            caller.send("EVAL", "local i = 0 while true do i = i + 1 end", "0")
            wait_for(lambda: busy_reply(r) is not None, "the script to be reported busy", 30)
            assert busy_reply(r) == ("BUSY Redis is busy running a script. You can only call "
                                     "SCRIPT KILL or SHUTDOWN NOSAVE.")
            # A transaction that meets the busy script: MULTI passes, the command is refused,
            # EXEC aborts and ends the transaction.
            other = client(s)
            pipe_conn = other.connection_pool.get_connection("MULTI")
            pipe_conn.send_command("MULTI")
            assert pipe_conn.read_response() == b"OK"
            pipe_conn.send_command("INCR", "xx")
            with pytest.raises(redis.ResponseError, match="^BUSY"):
                pipe_conn.read_response()
            assert r.execute_command("SCRIPT", "KILL") == b"OK"
            reply = caller.read_line()
            assert reply.startswith("-ERR Script killed by user with SCRIPT KILL... script: ")
            assert reply.endswith(", on @user_script:1.")
            pipe_conn.send_command("EXEC")
            with pytest.raises(redis.exceptions.ExecAbortError,
                               match="^Transaction discarded because of previous errors"):
                pipe_conn.read_response()
            pipe_conn.send_command("PING", "asdf")
            assert pipe_conn.read_response() == b"asdf"
            other.connection_pool.release(pipe_conn)
            assert r.get("xx") is None
            with pytest.raises(redis.ResponseError) as none_left:
                r.execute_command("SCRIPT", "KILL")
            assert str(none_left.value) == "NOTBUSY No scripts in execution right now."
        finally:
            caller.close()


@pytest.mark.parametrize("kind", KINDS)
def test_a_script_that_wrote_cannot_be_killed(kind):
    with start(kind, ["--busy-reply-threshold", "10"]) as s:
        r = client(s)
        caller = RawClient(s)
        try:
            # Bounded: about a second of work after its write.
            caller.send("EVAL", "redis.call('set', KEYS[1], 'v') local i = 0 "
                        "while i < 40000000 do i = i + 1 end return i", "1", "written")
            wait_for(lambda: busy_reply(r) is not None, "the script to be reported busy", 30)
            with pytest.raises(redis.ResponseError) as refused:
                r.execute_command("SCRIPT", "KILL")
            assert str(refused.value).startswith(
                "UNKILLABLE Sorry the script already executed write commands against the "
                "dataset.")
            assert caller.read_line() == ":40000000"
            assert r.get("written") == b"v"
            assert busy_reply(r) is None
        finally:
            caller.close()


@pytest.mark.parametrize("primary_kind,replica_kind", [("redoubt", "redis"), ("redis", "redoubt")])
def test_script_effects_replicate_as_writes(primary_kind, replica_kind):
    with start(primary_kind) as p:
        with start(replica_kind, ["--replicaof", "127.0.0.1", str(p.port)]) as rep:
            r = client(p)
            wait_for(lambda: client(rep).info("replication").get("master_link_status") == "up",
                     "the replica's link")
            script = ("redis.call('rpush', KEYS[1], unpack(ARGV)) "
                      "redis.call('lpop', KEYS[1]) redis.call('incr', KEYS[2]) "
                      "redis.set_repl(redis.REPL_NONE) redis.call('set', KEYS[3], 'local') "
                      "redis.set_repl(redis.REPL_ALL) "
                      "return redis.call('lrange', KEYS[1], 0, -1)")
            assert r.eval(script, 3, "q", "n", "only-here", "a", "b", "c") == [b"b", b"c"]
            sha = r.script_load("return redis.call('hset', KEYS[1], 'f', ARGV[1])")
            assert r.evalsha(sha, 1, "h", "v") == 1
            offset = r.info("replication")["master_repl_offset"]
            wait_for(lambda: client(rep).info("replication")["slave_repl_offset"] >= offset,
                     "the replica to catch up")
            replica = client(rep)
            assert replica.lrange("q", 0, -1) == [b"b", b"c"]
            assert replica.get("n") == b"1"
            assert replica.hget("h", "f") == b"v"
            assert replica.exists("only-here") == 0
            assert r.get("only-here") == b"local"
            # The replica never saw the scripts themselves: its cache is empty.
            assert replica.script_exists(sha) == [False]


@pytest.mark.parametrize("kind", KINDS)
def test_shutdown_while_a_script_is_busy(kind):
    with start(kind, ["--busy-reply-threshold", "10", "--appendonly", "yes"]) as s:
        r = client(s)
        caller = RawClient(s)
        try:
            # Unkillable (it wrote) and long: bounded by its count, far beyond the test.
            caller.send("EVAL", "redis.call('set', KEYS[1], 'v') local i = 0 "
                        "while i < 4000000000 do i = i + 1 end return i", "1", "written")
            wait_for(lambda: busy_reply(r) is not None, "the script to be reported busy", 30)
            with pytest.raises(redis.ResponseError) as refused:
                r.execute_command("SHUTDOWN")
            assert str(refused.value).startswith("BUSY Redis is busy running a script.")
            try:
                r.execute_command("SHUTDOWN", "NOSAVE")
            except redis.ConnectionError:
                pass  # the server closes the connection as it exits
            wait_for(lambda: not s.alive(), "the server to exit", 30)
        finally:
            caller.close()
