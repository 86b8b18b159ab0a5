# The append-only file against Debian's redis-server 7.0: a Redoubt appendonlydir (base, incr
# files, manifest) loads in redis-server and the reverse, every key compared with type-specific
# reads; the commands whose arguments would not replay the same (relative TTLs, SPOP, blocking
# pops, INCRBYFLOAT, transactions) come back as they were; BGREWRITEAOF under writes and
# CONFIG SET appendonly yes make a new base and lose nothing; a torn tail is cut off with
# aof-load-truncated yes and refused with no; and no acknowledged write is lost when the server
# is killed with SIGKILL at a random moment under load (appendfsync always and everysec).
import os
import random
import shutil
import threading
import time

import pytest
import redis

from support import servers
from support.tools import wait_for
from support.background_writes import BackgroundWrites
from support.datasets import fill, snapshot_of


pytestmark = pytest.mark.skipif(not servers.redoubt_available(),
                                reason=servers.redoubt_missing_reason())

AOF_DIR = "appendonlydir"
MANIFEST = "appendonly.aof.manifest"


def client(server, socket_timeout=30):
    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=socket_timeout)


def aof_args(directory, *extra):
    return ["--dir", str(directory), "--appendonly", "yes", "--save", "", *extra]


def manifest_lines(directory):
    return (directory / AOF_DIR / MANIFEST).read_text().splitlines()


def rewrite_done(r):
    info = r.info("persistence")
    return info["aof_rewrite_in_progress"] == 0 and info["aof_rewrite_scheduled"] == 0


def non_deterministic_writes(r):
    """Writes whose arguments Redis rewrites before logging them: a replay must not recompute."""
    r.set("ttl:ex", "v", ex=5000)
    r.setex("ttl:setex", 5000, "v")
    r.psetex("ttl:psetex", 5_000_000, "v")
    r.set("ttl:exp", "v")
    r.expire("ttl:exp", 4000)
    r.set("ttl:gone", "v")
    r.pexpire("ttl:gone", -1)  # a past time deletes the key
    r.set("getex", "v")
    r.getex("getex", ex=3000)
    r.set("float", "1.5")
    r.incrbyfloat("float", "0.1")
    r.hset("hfloat", "f", "10.5")
    r.hincrbyfloat("hfloat", "f", "0.25")
    r.sadd("spop", *range(50))
    r.spop("spop")
    r.spop("spop", 10)
    r.sadd("spop:all", "a", "b")
    r.spop("spop:all", 5)
    r.rpush("bl", "a", "b", "c")
    r.blpop(["bl:none", "bl"], timeout=1)
    r.brpoplpush("bl", "bl:dst", timeout=1)
    r.execute_command("BLMPOP", 1, 1, "bl", "RIGHT", "COUNT", 5)
    r.zadd("bz", {"a": 1, "b": 2, "c": 3})
    r.bzpopmin("bz", timeout=1)
    r.execute_command("BZMPOP", 1, 1, "bz", "MAX", "COUNT", 1)
    with r.pipeline(transaction=True) as p:
        p.set("tx:a", 1)
        p.incr("tx:a")
        p.lpush("tx:l", "x", "y")
        p.execute()
    r.execute_command("SELECT", 5)
    r.set("db5", "five")
    r.execute_command("SELECT", 0)


def test_restart_replays_every_type_and_rewritten_command(tmp_path):
    with servers.redoubt_server(args=aof_args(tmp_path)) as a:
        r = client(a)
        fill(r)
        non_deterministic_writes(r)
        expected = snapshot_of(r, dbs=(0, 3, 5))
        ttls = {k: r.pttl(k) for k in (b"ttl:ex", b"ttl:setex", b"ttl:psetex", b"ttl:exp",
                                       b"getex")}
    lines = manifest_lines(tmp_path)
    assert lines[0].startswith("file appendonly.aof.1.base.rdb seq 1 type b"), lines
    assert lines[1] == "file appendonly.aof.1.incr.aof seq 1 type i", lines
    with servers.redoubt_server(args=aof_args(tmp_path)) as b:
        r = client(b)
        assert snapshot_of(r, dbs=(0, 3, 5)) == expected
        # Absolute times were logged: the TTLs did not restart with the replay.
        for key, before in ttls.items():
            after = r.pttl(key)
            assert 0 < after <= before, (key, before, after)
        assert r.info("persistence")["aof_enabled"] == 1
        assert "DB loaded from append only file" in b.log_text()


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_redis_loads_redoubt_aof_and_redoubt_loads_redis_aof(tmp_path, preamble):
    # aof-use-rdb-preamble: the base is RDB (.base.rdb) or the commands that rebuild each key
    # (.base.aof); either server loads the other's, in both forms.
    ours = tmp_path / "ours"
    theirs = tmp_path / "theirs"
    back = tmp_path / "back"
    for d in (ours, theirs, back):
        d.mkdir()
    suffix = "rdb" if preamble == "yes" else "aof"
    with servers.redoubt_server(args=aof_args(ours, "--aof-use-rdb-preamble", preamble)) as a:
        r = client(a)
        fill(r)
        # A base with data, then more commands in the next incr file.
        assert r.bgrewriteaof()
        wait_for(lambda: rewrite_done(r), "the rewrite")
        non_deterministic_writes(r)
        expected = snapshot_of(r, dbs=(0, 3, 5))
    assert [line.split()[1] for line in manifest_lines(ours)] == [
        f"appendonly.aof.2.base.{suffix}", "appendonly.aof.2.incr.aof"]
    base = (ours / AOF_DIR / f"appendonly.aof.2.base.{suffix}").read_bytes()
    assert base.startswith(b"REDIS" if preamble == "yes" else b"*2\r\n$6\r\nSELECT\r\n")
    shutil.copytree(ours / AOF_DIR, theirs / AOF_DIR)
    with servers.redis_server(args=aof_args(theirs, "--aof-use-rdb-preamble", preamble)) as b:
        rb = client(b)
        assert snapshot_of(rb, dbs=(0, 3, 5)) == expected
        rb.set("written-by-redis", "yes")
        rb.rpush("l:small", "more")
        assert rb.bgrewriteaof()  # a base in redis-server's own form
        wait_for(lambda: rewrite_done(rb), "redis-server's rewrite")
        rb.set("after-redis-rewrite", "1")
        expected_back = snapshot_of(rb, dbs=(0, 3, 5))
    shutil.copytree(theirs / AOF_DIR, back / AOF_DIR)
    with servers.redoubt_server(args=aof_args(back)) as c:
        assert snapshot_of(client(c), dbs=(0, 3, 5)) == expected_back


def timestamps_in(data):
    return [int(line[4:]) for line in data.split(b"\r\n") if line.startswith(b"#TS:")]


def test_timestamp_annotations_as_redis_and_both_servers_load_them(tmp_path):
    """aof-timestamp-enabled: "#TS:<seconds>" at the start of a command-form base and before
    the first command of each new second; redis-server loads Redoubt's annotated files and
    Redoubt loads redis-server's."""
    ours, theirs, back = tmp_path / "ours", tmp_path / "theirs", tmp_path / "back"
    for d in (ours, theirs, back):
        d.mkdir()
    args = ["--aof-use-rdb-preamble", "no", "--aof-timestamp-enabled", "yes"]
    with servers.redoubt_server(args=aof_args(ours, *args)) as a:
        r = client(a)
        fill(r)
        start = int(time.time())
        assert r.bgrewriteaof()
        wait_for(lambda: rewrite_done(r), "the rewrite")
        # As Redis, a second already annotated is not annotated again in the new incr file.
        for name, value in (("first", "1"), ("second", "2")):
            now = int(time.time())
            wait_for(lambda: int(time.time()) > now, "the next second", 5)
            r.set(name, value)
        r.set("same-second", "3")
        expected = snapshot_of(r, dbs=(0, 3))
        r.config_set("aof-timestamp-enabled", "no")
        r.set("unannotated", "4")
        expected_all = snapshot_of(r, dbs=(0, 3))
        assert expected_all != expected
    base = (ours / AOF_DIR / "appendonly.aof.2.base.aof").read_bytes()
    assert base.startswith(b"#TS:") and len(timestamps_in(base)) == 1
    assert start <= timestamps_in(base)[0] <= time.time()
    incr = (ours / AOF_DIR / "appendonly.aof.2.incr.aof").read_bytes()
    stamps = timestamps_in(incr)
    assert len(stamps) >= 2 and stamps == sorted(set(stamps)), incr
    # Each annotation precedes the commands of its second; none follows the switch-off.
    assert incr.index(b"#TS:") < incr.index(b"first")
    assert incr.rindex(b"#TS:") < incr.index(b"second") < incr.index(b"same-second")
    assert incr.count(b"#TS:") == len(stamps)
    shutil.copytree(ours / AOF_DIR, theirs / AOF_DIR)
    with servers.redis_server(args=aof_args(theirs, *args)) as b:
        rb = client(b)
        assert snapshot_of(rb, dbs=(0, 3)) == expected_all
        rb.set("by-redis", "1")
        expected_back = snapshot_of(rb, dbs=(0, 3))
    assert timestamps_in((theirs / AOF_DIR / "appendonly.aof.2.incr.aof").read_bytes())
    shutil.copytree(theirs / AOF_DIR, back / AOF_DIR)
    with servers.redoubt_server(args=aof_args(back)) as c:
        assert snapshot_of(client(c), dbs=(0, 3)) == expected_back


def test_rewrite_under_writes_loses_nothing_and_drops_history(tmp_path):
    with servers.redoubt_server(args=aof_args(tmp_path, "--rdb-key-save-delay", "200")) as a:
        r = client(a)
        r.mset({f"k{i}": i for i in range(2000)})

        def write(w, i):
            w.set(f"w{i}", i)
            w.incr("counter")

        with BackgroundWrites(lambda: client(a), write, 200_000) as writes:
            wait_for(lambda: len(writes.written) > 50, "writes before the rewrite")
            # rdb-key-save-delay slows the rewrite's walk (2,000 keys x 200 us), so the writer
            # most likely writes while it runs; the data must come back whatever the overlap.
            assert r.bgrewriteaof() is True
            wait_for(lambda: rewrite_done(r), "the rewrite")
            during = len(writes.written)
            wait_for(lambda: len(writes.written) > during + 50, "writes after the rewrite")
        info = r.info("persistence")
        assert info["aof_rewrites"] == 1 and info["aof_last_bgrewrite_status"] == "ok"
        expected = snapshot_of(r, dbs=(0,))
    names = [line.split()[1] for line in manifest_lines(tmp_path)]
    assert names == ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof"], names
    # The replaced base and incr file are gone; the new increment holds the writes after the
    # rewrite began.
    assert sorted(os.listdir(tmp_path / AOF_DIR)) == sorted(names + [MANIFEST])
    assert (tmp_path / AOF_DIR / "appendonly.aof.2.incr.aof").stat().st_size > 0
    with servers.redoubt_server(args=aof_args(tmp_path)) as b:
        assert snapshot_of(client(b), dbs=(0,)) == expected


def raw_reply(r, *args):
    """The reply as the server sent it (redis-py turns any BGSAVE status into True)."""
    conn = r.connection_pool.get_connection(args[0])
    try:
        conn.send_command(*args)
        return conn.read_response()
    finally:
        r.connection_pool.release(conn)


@pytest.mark.parametrize("kind", ["redis", "redoubt"])
def test_bgsave_during_a_rewrite_is_refused_or_scheduled_as_redis_does(tmp_path, kind):
    start = servers.redis_server if kind == "redis" else servers.redoubt_server
    # 1,000 keys x 8 ms of rdb-key-save-delay: the rewrite runs for about 8 s, in Redis's
    # child as in Redoubt's walk (each took the delay when it started), while the test asks
    # for a BGSAVE; the save itself then runs without the delay.
    with start(args=aof_args(tmp_path, "--rdb-key-save-delay", "8000")) as s:
        r = client(s)
        wait_for(lambda: rewrite_done(r), "the base made at start-up")
        r.mset({f"k{i}": i for i in range(1000)})
        assert r.bgrewriteaof() is True
        assert r.info("persistence")["aof_rewrite_in_progress"] == 1
        with pytest.raises(redis.ResponseError) as refused:
            raw_reply(r, "BGSAVE")
        assert str(refused.value) == ("Another child process is active (AOF?): can't BGSAVE "
                                      "right now. Use BGSAVE SCHEDULE in order to schedule a "
                                      "BGSAVE whenever possible.")
        assert raw_reply(r, "BGSAVE", "SCHEDULE") == b"Background saving scheduled"
        r.config_set("rdb-key-save-delay", 0)
        assert r.info("persistence")["rdb_saves"] == 0
        # Once the rewrite is over, the cron starts the scheduled save.
        wait_for(lambda: r.info("persistence")["rdb_saves"] == 1
                 and r.info("persistence")["rdb_bgsave_in_progress"] == 0,
                 "the scheduled BGSAVE", 120)
        info = r.info("persistence")
        assert info["aof_rewrite_in_progress"] == 0 and info["aof_rewrites"] >= 1, info
        assert info["rdb_last_bgsave_status"] == "ok", info
        assert (tmp_path / "dump.rdb").exists()


def test_config_set_appendonly_yes_makes_a_base_from_the_live_dataset(tmp_path):
    with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", ""]) as a:
        r = client(a)
        fill(r)
        assert r.info("persistence")["aof_enabled"] == 0
        assert r.config_set("appendonly", "yes")
        wait_for(lambda: r.info("persistence").get("aof_rewrites", 0) == 1, "the first rewrite")
        r.set("after", "switching on")
        expected = snapshot_of(r)
        assert r.info("persistence")["aof_current_size"] > 0
    with servers.redoubt_server(args=aof_args(tmp_path)) as b:
        assert snapshot_of(client(b)) == expected


def test_bgrewriteaof_with_appendonly_no_writes_a_base_and_leaves_the_aof_off(tmp_path):
    with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", ""]) as a:
        r = client(a)
        fill(r)
        expected = snapshot_of(r)
        assert r.bgrewriteaof() is True
        wait_for(lambda: r.info("persistence")["aof_rewrites"] == 1, "the rewrite")
        r.set("after", "not logged")
        info = r.info("persistence")
        assert info["aof_enabled"] == 0 and "aof_current_size" not in info, info
    # A base and its manifest, no increment: the AOF stayed off (as Redis 7.0 does it).
    assert manifest_lines(tmp_path) == ["file appendonly.aof.1.base.rdb seq 1 type b"]
    assert sorted(os.listdir(tmp_path / AOF_DIR)) == ["appendonly.aof.1.base.rdb", MANIFEST]
    with servers.redoubt_server(args=aof_args(tmp_path)) as b:
        assert snapshot_of(client(b)) == expected


@pytest.mark.parametrize("load_truncated", ["yes", "no"])
def test_torn_tail_is_cut_off_or_refused(tmp_path, load_truncated):
    with servers.redoubt_server(args=aof_args(tmp_path)) as a:
        r = client(a)
        r.set("kept", "1")
        r.rpush("list", "a", "b")
    incr = tmp_path / AOF_DIR / "appendonly.aof.1.incr.aof"
    whole = incr.stat().st_size
    with open(incr, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$10\r\nonly")  # a write cut by a crash
    args = aof_args(tmp_path, "--aof-load-truncated", load_truncated)
    if load_truncated == "no":
        server = servers.redoubt_server(args=args)
        with pytest.raises(servers.ServerStartError) as refused:
            server.start()
        assert "Unexpected end of file reading the append only file" in str(refused.value)
        server.__exit__(None, None, None)
        return
    with servers.redoubt_server(args=args) as b:
        r = client(b)
        assert r.get("kept") == b"1" and r.lrange("list", 0, -1) == [b"a", b"b"]
        assert r.exists("torn") == 0
        assert f"Truncating the AOF appendonly.aof.1.incr.aof at offset {whole}" in b.log_text()
    assert incr.stat().st_size == whole


def test_bad_bytes_in_the_aof_refuse_start_up_naming_the_file(tmp_path):
    with servers.redoubt_server(args=aof_args(tmp_path)) as a:
        client(a).set("k", "v")
    incr = tmp_path / AOF_DIR / "appendonly.aof.1.incr.aof"
    with open(incr, "ab") as f:
        f.write(b"garbage that is no command\r\n")
    server = servers.redoubt_server(args=aof_args(tmp_path))
    with pytest.raises(servers.ServerStartError) as refused:
        server.start()
    assert "Bad file format reading the append only file appendonly.aof.1.incr.aof" in str(
        refused.value)
    server.__exit__(None, None, None)


def run_writers_until_killed(server, seconds, seed):
    """Writers on 4 connections until SIGKILL at a random moment; returns what was
    acknowledged: {connection: last acknowledged INCR value} and the SET keys acknowledged."""
    rng = random.Random(seed)
    acked_counters = {}
    acked_keys = [[] for _ in range(4)]
    stop = threading.Event()

    def writer(n):
        w = client(server, socket_timeout=10)
        i = 0
        try:
            while not stop.is_set() and i < 1_000_000:
                acked_counters[n] = w.incr(f"counter:{n}")
                w.set(f"key:{n}:{i}", i)
                acked_keys[n].append(i)
                i += 1
        except (redis.ConnectionError, redis.TimeoutError):
            pass  # the kill

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    wait_for(lambda: len(acked_counters) == 4, "the writers to start")
    time.sleep(rng.uniform(0.05, seconds))  # the random moment of the crash
    os.kill(server.pid, 9)
    stop.set()
    for t in threads:
        t.join()
    return acked_counters, acked_keys


# With always the write is on disk before its reply; with everysec it is in the file (the
# kernel's page cache, which survives the process), synced within a second: either way a
# process killed at any moment has lost no write it acknowledged, as with Redis.
@pytest.mark.parametrize("fsync", ["always", "everysec"])
def test_no_acknowledged_write_is_lost_on_sigkill(tmp_path, fsync):
    rounds = 5
    for seed in range(rounds):
        directory = tmp_path / f"round{seed}"
        directory.mkdir()
        server = servers.redoubt_server(args=aof_args(directory, "--appendfsync", fsync))
        server.start()
        try:
            counters, keys = run_writers_until_killed(server, 0.6, seed)
            server.wait_exit(30)
        finally:
            server.__exit__(None, None, None)
        with servers.redoubt_server(args=aof_args(directory)) as again:
            r = client(again)
            for n, value in counters.items():
                # The last INCR acknowledged is there (one more may have been written without
                # its reply arriving).
                assert int(r.get(f"counter:{n}")) >= value, (seed, n)
            for n, acked in enumerate(keys):
                if acked:
                    missing = [i for i in acked if r.get(f"key:{n}:{i}") is None]
                    assert not missing, (seed, n, missing[:5])


def test_an_old_single_file_aof_is_upgraded_into_the_directory(tmp_path):
    # What Redis 6 wrote with aof-use-rdb-preamble no: commands only, in dir/appendonly.aof.
    old = (b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
           b"*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$5\r\nvalue\r\n"
           b"*4\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\na\r\n$1\r\nb\r\n")
    (tmp_path / "appendonly.aof").write_bytes(old)
    with servers.redoubt_server(args=aof_args(tmp_path)) as a:
        r = client(a)
        assert r.get("old") == b"value" and r.lrange("l", 0, -1) == [b"a", b"b"]
        r.set("new", "1")
        assert "Successfully migrated an old-style AOF file" in a.log_text()
    assert not (tmp_path / "appendonly.aof").exists()
    assert manifest_lines(tmp_path) == ["file appendonly.aof seq 1 type b",
                                        "file appendonly.aof.1.incr.aof seq 1 type i"]
    with servers.redoubt_server(args=aof_args(tmp_path)) as b:
        r = client(b)
        assert r.get("old") == b"value" and r.get("new") == b"1"


def test_a_failed_aof_write_refuses_writes_with_misconf_until_it_is_solved(tmp_path):
    # The server runs with a file-size limit (RLIMIT_FSIZE): once the AOF reaches it, writes to
    # the file fail with EFBIG, as they would on a full disk.
    wrapper = tmp_path / "redoubt-server-fsize"
    wrapper.write_text("#!/bin/sh\nulimit -f 64\n"  # 64 blocks of 1 KiB
                       f"exec '{servers.redoubt_binary()}' \"$@\"\n")
    wrapper.chmod(0o755)
    directory = tmp_path / "data"
    directory.mkdir()
    with servers.redoubt_server(args=aof_args(directory), binary=str(wrapper)) as a:
        r = client(a)
        acked = 0
        refused = None
        for i in range(10_000):
            try:
                r.set(f"k{i}", "x" * 100)
                acked += 1
            except redis.ResponseError as e:
                refused = str(e)
                break
        assert refused is not None, "the AOF never reached the file-size limit"
        assert refused == "MISCONF Errors writing to the AOF file: File too large", refused
        assert acked > 100
        assert r.get("k0") == b"x" * 100  # reads go on
        info = r.info("persistence")
        assert info["aof_last_write_status"] == "err", info
        with pytest.raises(redis.ResponseError, match="MISCONF"):
            r.ping()
        # Without the AOF there is nothing to refuse for.
        assert r.config_set("appendonly", "no")
        assert r.set("after", "1")
