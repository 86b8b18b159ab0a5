# Function libraries where they must survive and travel, each case with redis-server on the
# other side where one fits: in the RDB (Redoubt loads the libraries of redis-server's
# dump.rdb and redis-server loads Redoubt's), in the AOF (replayed FUNCTION LOAD, and a
# rewritten base in RDB and in command form), to a replica by full sync and by the stream (both
# ways between the two servers, a full sync replacing the replica's own libraries), and a busy
# function: -BUSY naming FUNCTION KILL, FUNCTION STATS showing it, SCRIPT KILL refused,
# FUNCTION KILL stopping it.
import pytest
import redis

from support import servers
from support.tools import wait_for

from integration.test_scripting import RawClient, busy_reply

pytestmark = pytest.mark.skipif(not servers.redoubt_available(),
                                reason=servers.redoubt_missing_reason())

LIB_A = ("#!lua name=liba\n"
         "redis.register_function('incr_by', function(keys, args) "
         "return redis.call('incrby', keys[1], args[1]) end)\n"
         "redis.register_function{function_name='peek', callback=function(keys, args) "
         "return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}")
LIB_B = "#!lua name=libb\nredis.register_function('hello', function() return 'hi' end)"


def start(kind, args=()):
    if kind == "redis":
        return servers.redis_server(args=["--repl-diskless-sync-delay", "0", *args])
    return servers.redoubt_server(args=list(args))


def client(server):
    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=30)


def libraries(r):
    """FUNCTION LIST WITHCODE as {name: (code, {function: (description, flags)})}."""
    out = {}
    for lib in r.execute_command("FUNCTION", "LIST", "WITHCODE"):
        fields = dict(zip(lib[0::2], lib[1::2]))
        functions = {}
        for f in fields[b"functions"]:
            ff = dict(zip(f[0::2], f[1::2]))
            functions[ff[b"name"]] = (ff[b"description"], sorted(ff[b"flags"]))
        out[fields[b"library_name"]] = (fields[b"library_code"], functions)
    return out


def check_libraries(r):
    libs = libraries(r)
    assert set(libs) == {b"liba", b"libb"}
    assert libs[b"liba"][0] == LIB_A.encode()
    assert libs[b"liba"][1] == {b"incr_by": (None, []), b"peek": (b"reads", [b"no-writes"])}
    before = int(r.get("n") or 0)
    assert r.execute_command("FCALL", "incr_by", 1, "n", 5) == before + 5
    assert r.execute_command("FCALL_RO", "peek", 1, "n") == r.get("n")
    assert r.execute_command("FCALL", "hello", 0) == b"hi"


def load_both(r):
    r.execute_command("FUNCTION", "LOAD", LIB_A)
    r.execute_command("FUNCTION", "LOAD", LIB_B)


def test_rdb_carries_libraries_between_the_servers(tmp_path):
    ours, theirs, back = tmp_path / "ours", tmp_path / "theirs", tmp_path / "back"
    for d in (ours, theirs, back):
        d.mkdir()
    with servers.redoubt_server(args=["--dir", str(ours), "--save", ""]) as a:
        r = client(a)
        load_both(r)
        r.set("n", 1)
        r.save()
    # redis-server loads Redoubt's file, functions included.
    (theirs / "dump.rdb").write_bytes((ours / "dump.rdb").read_bytes())
    with servers.redis_server(args=["--dir", str(theirs), "--save", ""]) as b:
        rb = client(b)
        check_libraries(rb)
        rb.save()
    # And Redoubt loads redis-server's.
    (back / "dump.rdb").write_bytes((theirs / "dump.rdb").read_bytes())
    with servers.redoubt_server(args=["--dir", str(back), "--save", ""]) as c:
        check_libraries(client(c))


def test_a_library_that_does_not_load_stops_start_up(tmp_path):
    with servers.redis_server(args=["--dir", str(tmp_path), "--save", "",
                                    "--rdbcompression", "no"]) as b:
        rb = client(b)
        rb.execute_command("FUNCTION", "LOAD", LIB_B)
        rb.save()
    data = (tmp_path / "dump.rdb").read_bytes()
    # The library's function renamed to an invalid name, its CRC64 cleared (0: not checked).
    broken = data.replace(b"'hello'", b"'he-lo'")[:-8] + b"\0" * 8
    (tmp_path / "dump.rdb").write_bytes(broken)
    s = servers.redoubt_server(args=["--dir", str(tmp_path), "--save", ""], wait=False)
    s.start()
    code = s.wait_exit(20)
    out = s.log_text()
    s.__exit__(None, None, None)
    assert code != 0
    assert "Failed loading library" in out and "Library names can only contain" in out, out


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_replays_and_rewrites_libraries(tmp_path, preamble):
    args = ["--dir", str(tmp_path), "--save", "", "--appendonly", "yes",
            "--aof-use-rdb-preamble", preamble]
    with servers.redoubt_server(args=args) as a:
        r = client(a)
        load_both(r)
        r.set("n", 1)
        r.execute_command("FUNCTION", "DELETE", "libb")
    with servers.redoubt_server(args=args) as a:
        r = client(a)
        assert set(libraries(r)) == {b"liba"}  # the FUNCTION DELETE replayed too
        r.execute_command("FUNCTION", "LOAD", LIB_B)
        r.bgrewriteaof()
        wait_for(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0,
                 "the rewrite to end", 60)
    with servers.redoubt_server(args=args) as a:
        check_libraries(client(a))
    # redis-server reads the rewritten folder as its own.
    with servers.redis_server(args=args) as b:
        check_libraries(client(b))


@pytest.mark.parametrize("primary_kind,replica_kind", [("redoubt", "redis"), ("redis", "redoubt")])
def test_libraries_replicate_by_full_sync_and_stream(primary_kind, replica_kind):
    with start(primary_kind) as p, start(replica_kind) as rep:
        r, replica = client(p), client(rep)
        r.execute_command("FUNCTION", "LOAD", LIB_A)
        r.set("n", 1)
        # The replica's own library goes: a full sync brings the primary's libraries instead.
        replica.execute_command("FUNCTION", "LOAD",
                                "#!lua name=mine\nredis.register_function('mine', function() "
                                "return 1 end)")
        replica.replicaof("127.0.0.1", p.port)
        wait_for(lambda: replica.info("replication").get("master_link_status") == "up",
                 "the replica's link")
        wait_for(lambda: set(libraries(replica)) == {b"liba"}, "the full sync's libraries")
        r.execute_command("FUNCTION", "LOAD", LIB_B)
        offset = r.info("replication")["master_repl_offset"]
        wait_for(lambda: replica.info("replication")["slave_repl_offset"] >= offset,
                 "the replica to catch up")
        assert set(libraries(replica)) == {b"liba", b"libb"}
        assert replica.execute_command("FCALL_RO", "peek", 1, "n") == b"1"
        # A function's writes reach the replica as writes.
        assert r.execute_command("FCALL", "incr_by", 1, "n", 4) == 5
        offset = r.info("replication")["master_repl_offset"]
        wait_for(lambda: replica.info("replication")["slave_repl_offset"] >= offset,
                 "the replica to catch up")
        assert replica.get("n") == b"5"
        # A function that may write is a write command on a read-only replica, refused before
        # it runs (READONLY: redis-py names the code by the exception's class).
        with pytest.raises(redis.exceptions.ReadOnlyError,
                           match="^You can't write against a read only replica."):
            replica.execute_command("FCALL", "incr_by", 1, "n", 1)
        r.execute_command("FUNCTION", "FLUSH")
        offset = r.info("replication")["master_repl_offset"]
        wait_for(lambda: replica.info("replication")["slave_repl_offset"] >= offset,
                 "the replica to catch up")
        assert libraries(replica) == {}


@pytest.mark.parametrize("kind", ["redis", "redoubt"])
def test_busy_function_is_shown_and_killed(kind):
    extra = [] if kind == "redis" else ["--io-threads", "1"]
    with start(kind, ["--busy-reply-threshold", "10", *extra]) as s:
        r = client(s)
        r.execute_command("FUNCTION", "LOAD",
                          "#!lua name=spin\nredis.register_function('spin', function(keys, args) "
                          "local i = 0 while true do i = i + 1 end end)")
        caller = RawClient(s)
        try:
            caller.send("FCALL", "spin", "0")
            wait_for(lambda: busy_reply(r) is not None, "the function to be reported busy", 30)
            assert busy_reply(r) == ("BUSY Redis is busy running a script. You can only call "
                                     "FUNCTION KILL or SHUTDOWN NOSAVE.")
            stats = r.execute_command("FUNCTION", "STATS")
            running = dict(zip(stats[1][0::2], stats[1][1::2]))
            assert running[b"name"] == b"spin"
            assert running[b"command"] == [b"FCALL", b"spin", b"0"]
            assert running[b"duration_ms"] >= 0
            with pytest.raises(redis.ResponseError) as refused:
                r.execute_command("SCRIPT", "KILL")
            assert str(refused.value) == ("BUSY Redis is busy running a script. You can only "
                                          "call FUNCTION KILL or SHUTDOWN NOSAVE.")
            assert r.execute_command("FUNCTION", "KILL") == b"OK"
            reply = caller.read_line()
            assert reply.startswith("-ERR Script killed by user with")
            assert reply.endswith("script: spin, on @user_function:2.")
            assert busy_reply(r) is None
            assert r.execute_command("FUNCTION", "STATS")[1] is None
        finally:
            caller.close()
