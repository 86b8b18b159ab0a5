# RDB snapshots against Debian's redis-server 7.0: a dump.rdb written by Redoubt (SAVE, BGSAVE,
# SHUTDOWN with save points) loads in redis-server and the reverse, every key, type, TTL and
# value compared with type-specific reads (not by trusting DUMP); DUMP payloads RESTORE across
# the two servers both ways and are byte-identical for the packed encodings; RESTORE's options
# and errors as Redis's; a BGSAVE taken while clients write is one point in time; a corrupt
# file stops start-up with an error naming the offset.
import os
import random
import shutil
import subprocess
import threading
import time

import pytest
import redis

from support import servers
from support.datasets import fill, snapshot_of
from support.tools import redoubt_tool_or_skip


pytestmark = pytest.mark.skipif(not servers.redoubt_available(),
                                reason=servers.redoubt_missing_reason())


def client(server):
    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=30)


def test_redis_loads_redoubt_snapshot_and_redoubt_loads_redis_snapshot(tmp_path):
    ours = tmp_path / "ours"
    theirs = tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    with servers.redoubt_server(args=["--dir", str(ours), "--save", ""]) as a:
        ra = client(a)
        fill(ra)
        expected = snapshot_of(ra)
        assert ra.save()
        assert ra.lastsave().timestamp() > time.time() - 60
    assert len(expected) == 19
    shutil.copy(ours / "dump.rdb", theirs / "dump.rdb")
    with servers.redis_server(args=["--dir", str(theirs), "--save", ""]) as b:
        rb = client(b)
        assert snapshot_of(rb) == expected
        # And back: redis-server writes, Redoubt loads.
        rb.set("written-by-redis", "yes")
        expected_back = snapshot_of(rb)
        assert rb.save()
    back = tmp_path / "back"
    back.mkdir()
    shutil.copy(theirs / "dump.rdb", back / "dump.rdb")
    with servers.redoubt_server(args=["--dir", str(back), "--save", ""]) as c:
        assert snapshot_of(client(c)) == expected_back


def test_dump_payloads_cross_both_ways_and_match_bytes(tmp_path):
    with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", ""]) as a, \
            servers.redis_server(args=["--dir", str(tmp_path), "--save", ""]) as b:
        ra, rb = client(a), client(b)
        fill(ra)
        fill(rb)
        for key in ra.keys("*"):
            pa, pb = ra.dump(key), rb.dump(key)
            # Packed encodings are written exactly as Redis writes them.
            if ra.object("encoding", key) in (b"listpack", b"intset", b"int", b"embstr", b"raw"):
                assert pa == pb, key
            assert rb.restore(b"copy:" + key, 0, pa)
            assert ra.restore(b"copy:" + key, 0, pb)
        assert snapshot_of(ra, dbs=(0,)) == snapshot_of(rb, dbs=(0,))
        # Without rdbcompression, as Redis, a long string is not LZF-compressed.
        for r in (ra, rb):
            r.config_set("rdbcompression", "no")
        assert ra.dump("s:big") == rb.dump("s:big")
        assert len(ra.dump("s:big")) > 5000


def test_restore_options_and_errors_as_redis(tmp_path):
    def run(r):
        r.set("k", "v")
        payload = r.dump("k")
        results = []
        for args in (["k", 0, payload], ["k2", -1, payload], ["k2", 0, payload[:-1] + b"x"],
                     ["k2", 0, b"short"], ["k2", 0, payload, "FREQ", 300],
                     ["k2", 0, payload, "IDLETIME", -1], ["k2", 0, payload, "BOGUS"],
                     ["k2", 0, payload, "IDLETIME", 1, "FREQ", 1],
                     ["k", 0, payload, "REPLACE"], ["k3", 100000, payload, "ABSTTL"],
                     ["k4", 0, payload, "IDLETIME", 100]):
            try:
                results.append(r.execute_command("RESTORE", *args))
            except redis.ResponseError as e:
                results.append(str(e))
        results.append(r.exists("k3"))
        results.append(r.restore("k5", 5000, payload) and 0 < r.pttl("k5") <= 5000)
        results.append(r.get("k4"))
        return results

    with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", ""]) as a, \
            servers.redis_server(args=["--dir", str(tmp_path), "--save", ""]) as b:
        ours, theirs = run(client(a)), run(client(b))
    assert ours == theirs
    assert "BUSYKEY" in ours[0]


def test_bgsave_under_writes_is_one_point_in_time(tmp_path):
    """Writers bump counters in a fixed order while BGSAVE runs: a point-in-time snapshot
    holds counters that never decrease along that order, and each key exactly once. The save is
    slowed (rdb-key-save-delay, 50 µs a key: about a second) so that it surely overlaps the
    writes: keys are changed before the walk reaches them (rdb_last_cow_size > 0)."""
    with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", "",
                                      "--rdb-key-save-delay", "50"]) as a:
        r = client(a)
        n = 20000
        pipe = r.pipeline(transaction=False)
        for i in range(n):
            pipe.set(f"c:{i}", 0)
        pipe.execute()
        stop = threading.Event()

        def writer():
            w = client(a)
            rounds = 0
            while not stop.is_set() and rounds < 50:
                p = w.pipeline(transaction=False)
                for i in range(n):
                    p.incr(f"c:{i}")
                p.execute()
                rounds += 1

        t = threading.Thread(target=writer)
        t.start()
        time.sleep(0.2)
        assert r.bgsave()
        deadline = time.time() + 60
        while r.info("persistence")["rdb_bgsave_in_progress"] and time.time() < deadline:
            time.sleep(0.05)
        stop.set()
        t.join(120)
        persistence = r.info("persistence")
        assert persistence["rdb_last_bgsave_status"] == "ok"
        assert persistence["rdb_last_cow_size"] > 0, persistence
        final = [int(v) for v in r.mget([f"c:{i}" for i in range(n)])]
    check = tmp_path / "check"
    check.mkdir()
    shutil.copy(tmp_path / "dump.rdb", check / "dump.rdb")
    with servers.redis_server(args=["--dir", str(check), "--save", ""]) as b:
        rb = client(b)
        values = [int(v) for v in rb.mget([f"c:{i}" for i in range(n)])]
    assert len(values) == n
    # Writers go c:0 .. c:n-1 each round: at one instant, values are k+1 then k.
    assert all(values[i] >= values[i + 1] for i in range(n - 1))
    assert values[0] - values[-1] <= 1
    assert values[-1] < final[-1], "the writes went on past the snapshot's point in time"


def test_shutdown_saves_with_save_points_and_restart_loads(tmp_path):
    with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", "3600 1"]) as a:
        r = client(a)
        fill(r)
        expected = snapshot_of(r)
        assert r.info("persistence")["rdb_changes_since_last_save"] > 0
        try:
            r.shutdown()
        except redis.ConnectionError:
            pass
        a.wait_exit(30)
    assert (tmp_path / "dump.rdb").exists()
    with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", ""]) as b:
        assert snapshot_of(client(b)) == expected
        info = client(b).info("persistence")
        assert info["rdb_last_load_keys_loaded"] == len(expected), info
        assert info["rdb_last_load_keys_expired"] == 0, info


def test_corrupt_snapshot_stops_start_up_naming_the_offset(tmp_path):
    with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", ""]) as a:
        fill(client(a))
        client(a).save()
    data = bytearray((tmp_path / "dump.rdb").read_bytes())
    (tmp_path / "dump.rdb").write_bytes(bytes(data[: len(data) // 2]))
    s = servers.redoubt_server(args=["--dir", str(tmp_path), "--save", ""], wait=False)
    s.start()
    code = s.wait_exit(20)
    out = s.log_text()
    s.__exit__(None, None, None)
    assert code != 0
    assert "Fatal error loading the DB" in out and "at offset" in out, out


def test_check_tool_reads_redis_files_and_names_the_offset_of_damage(tmp_path):
    tool = str(redoubt_tool_or_skip("redoubt-check-rdb"))
    with servers.redis_server(args=["--dir", str(tmp_path), "--save", ""]) as b:
        fill(client(b))
        client(b).save()
    good = subprocess.run([tool, str(tmp_path / "dump.rdb")], capture_output=True, text=True)
    assert good.returncode == 0, good.stdout
    assert "19 keys read" in good.stdout and "RDB looks OK" in good.stdout, good.stdout
    data = (tmp_path / "dump.rdb").read_bytes()
    (tmp_path / "bad.rdb").write_bytes(data[:300])
    bad = subprocess.run([tool, str(tmp_path / "bad.rdb")], capture_output=True, text=True)
    assert bad.returncode == 1 and "RDB ERROR DETECTED" in bad.stdout, bad.stdout
    assert "at offset" in bad.stdout, bad.stdout
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x40
    (tmp_path / "flipped.rdb").write_bytes(bytes(flipped))
    crc = subprocess.run([tool, str(tmp_path / "flipped.rdb")], capture_output=True, text=True)
    assert crc.returncode == 1, crc.stdout


def test_failed_background_save_refuses_writes_as_redis_does(tmp_path):
    """stop-writes-on-bgsave-error: after a BGSAVE that fails (its directory is gone), writes and
    PING get MISCONF while save points are configured, reads still work; CONFIG SET of the
    directive or of `save` lifts it, and so does a good save. The same sequence on both
    servers, replies compared."""
    def run(server_factory, name):
        d = tmp_path / name
        d.mkdir()
        with server_factory(args=["--dir", str(d), "--save", "3600 1",
                                  "--enable-protected-configs", "yes"]) as s:
            r = client(s)
            r.set("k", "v")
            shutil.rmtree(d)
            assert r.bgsave()
            deadline = time.time() + 30
            while r.info("persistence")["rdb_bgsave_in_progress"] and time.time() < deadline:
                time.sleep(0.02)
            out = [r.info("persistence")["rdb_last_bgsave_status"]]
            for args in (["SET", "k", "w"], ["PING"], ["GET", "k"],
                         ["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"], ["SET", "k", "x"],
                         ["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"], ["INCR", "n"],
                         ["CONFIG", "SET", "save", ""], ["SET", "k", "y"],
                         ["CONFIG", "SET", "save", "3600 1"], ["SET", "k", "z"]):
                try:
                    out.append(r.execute_command(*args))
                except redis.ResponseError as e:
                    out.append(str(e)[:40])
            again = tmp_path / (name + "-again")
            again.mkdir()
            r.config_set("dir", str(again))
            assert r.save()
            out.append(r.set("k", "after"))
            return out

    ours = run(servers.redoubt_server, "ours")
    theirs = run(servers.redis_server, "theirs")
    assert ours == theirs
    assert ours[0] == "err" and ours[1].startswith("MISCONF"), ours
