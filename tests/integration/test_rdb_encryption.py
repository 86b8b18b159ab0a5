# Snapshots encrypted at rest (rdb-encryption-key-file, rdb-encryption-old-key-files): what
# Redoubt writes is decrypted by a second implementation of the format (support/encrypted_rdb)
# into an RDB that redis-server loads, and what redis-server writes, encrypted by it, loads in
# Redoubt; keys rotate online (CONFIG SET) with older snapshots still readable through the old
# key files; a wrong key, a missing key, a changed byte or a cut file stops start-up with an
# error that says which, before any key is stored; a bad key file is refused by CONFIG SET
# with the old keys kept; a replica's full sync never lies on disk in plaintext.
import os
import shutil
import subprocess

import pytest
import redis

from support import encrypted_rdb, servers
from support.datasets import fill, snapshot_of
from support.tools import redoubt_tool_or_skip, wait_for

pytestmark = pytest.mark.skipif(not servers.redoubt_available(),
                                reason=servers.redoubt_missing_reason())

CANARY = b"canary-value-that-must-not-be-on-disk"


def client(server):
    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=30)


def make_key(tmp_path, name):
    key = os.urandom(32)
    path = tmp_path / name
    path.write_text(key.hex() + "\n")
    return path, key


def info(r):
    return r.info("persistence")


def save_filled(tmp_path, key_path):
    """dir/dump.rdb holding support.datasets.fill's keys, encrypted under key_path."""
    with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", "",
                                      "--rdb-encryption-key-file", str(key_path)]) as a:
        fill(client(a))
        assert client(a).save()


def start_expecting_failure(args):
    """Starts a server that must refuse to start; returns its log."""
    s = servers.redoubt_server(args=args, wait=False)
    s.start()
    code = s.wait_exit(20)
    out = s.log_text()
    s.__exit__(None, None, None)
    assert code != 0, out
    return out


def test_snapshot_is_encrypted_and_is_a_real_rdb_inside(tmp_path):
    kpath, key = make_key(tmp_path, "k1")
    ours = tmp_path / "ours"
    ours.mkdir()
    args = ["--dir", str(ours), "--save", "", "--rdb-encryption-key-file", str(kpath)]
    with servers.redoubt_server(args=args) as a:
        r = client(a)
        fill(r)
        r.set("canary", CANARY)
        expected = snapshot_of(r)
        assert r.save()
        i = info(r)
        assert i["rdb_encryption_key_id"] == encrypted_rdb.key_id(key)
        assert i["rdb_last_save_key_id"] == encrypted_rdb.key_id(key)
    data = (ours / "dump.rdb").read_bytes()
    assert data.startswith(encrypted_rdb.MAGIC)
    assert encrypted_rdb.header_key_id(data) == encrypted_rdb.key_id(key)
    assert CANARY not in data and b"hello" not in data
    plain = encrypted_rdb.decrypt(data, key)
    assert plain.startswith(b"REDIS0010")
    # What is inside is an RDB that redis-server loads as it is.
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "dump.rdb").write_bytes(plain)
    with servers.redis_server(args=["--dir", str(theirs), "--save", ""]) as b:
        assert snapshot_of(client(b)) == expected
    # And Redoubt reads its own file back.
    with servers.redoubt_server(args=args) as a:
        r = client(a)
        assert snapshot_of(r) == expected
        assert info(r)["rdb_last_load_key_id"] == encrypted_rdb.key_id(key)
        assert "decrypted with the current key" in a.log_text()


def test_a_redis_snapshot_encrypted_by_the_format_loads(tmp_path):
    kpath, key = make_key(tmp_path, "k1")
    with servers.redis_server(args=["--dir", str(tmp_path), "--save", ""]) as b:
        rb = client(b)
        fill(rb)
        expected = snapshot_of(rb)
        assert rb.save()
    plain = (tmp_path / "dump.rdb").read_bytes()
    # Small chunks, so that the file has many and the last one is full or partial by turns.
    for chunk in (4096, len(plain) // 3 + 1):
        (tmp_path / "dump.rdb").write_bytes(encrypted_rdb.encrypt(plain, key, chunk))
        with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", "",
                                          "--rdb-encryption-key-file", str(kpath)]) as a:
            assert snapshot_of(client(a)) == expected


def test_a_plaintext_snapshot_still_loads_and_the_next_save_encrypts_it(tmp_path):
    kpath, key = make_key(tmp_path, "k1")
    with servers.redis_server(args=["--dir", str(tmp_path), "--save", ""]) as b:
        fill(client(b))
        expected = snapshot_of(client(b))
        assert client(b).save()
    with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", "",
                                      "--rdb-encryption-key-file", str(kpath)]) as a:
        r = client(a)
        assert snapshot_of(r) == expected
        assert info(r)["rdb_last_load_key_id"] == ""
        assert "not encrypted: the next save encrypts it" in a.log_text()
        r.bgsave()
        wait_for(lambda: info(r)["rdb_last_save_key_id"] == encrypted_rdb.key_id(key),
                 "the BGSAVE to finish encrypted", 20)
    assert encrypted_rdb.decrypt((tmp_path / "dump.rdb").read_bytes(), key).startswith(b"REDIS")


def test_keys_rotate_online_and_old_snapshots_stay_readable(tmp_path):
    k1, key1 = make_key(tmp_path, "k1")
    k2, key2 = make_key(tmp_path, "k2")
    id1, id2 = encrypted_rdb.key_id(key1), encrypted_rdb.key_id(key2)
    with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", "",
                                      "--rdb-encryption-key-file", str(k1)]) as a:
        r = client(a)
        fill(r)
        expected = snapshot_of(r)
        assert r.save()
        shutil.copy(tmp_path / "dump.rdb", tmp_path / "under-k1.rdb")
        # The rotation: the new key writes, the old one stays readable.
        assert r.config_set("rdb-encryption-key-file", str(k2))
        assert r.config_set("rdb-encryption-old-key-files", str(k1))
        assert r.config_get("rdb-encryption-old-key-files") == {
            "rdb-encryption-old-key-files": str(k1)}
        i = info(r)
        assert (i["rdb_encryption_key_id"], i["rdb_last_save_key_id"]) == (id2, id1)
        r.bgsave()
        wait_for(lambda: info(r)["rdb_last_save_key_id"] == id2, "the BGSAVE under k2", 20)
    assert encrypted_rdb.header_key_id((tmp_path / "dump.rdb").read_bytes()) == id2
    # The file written after the rotation needs only the new key...
    with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", "",
                                      "--rdb-encryption-key-file", str(k2)]) as a:
        assert snapshot_of(client(a)) == expected
    # ...and one written before it loads through the old key files.
    with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", "",
                                      "--dbfilename", "under-k1.rdb",
                                      "--rdb-encryption-key-file", str(k2),
                                      "--rdb-encryption-old-key-files", str(k1)]) as a:
        r = client(a)
        assert snapshot_of(r) == expected
        assert info(r)["rdb_last_load_key_id"] == id1
        assert "decrypted with the old key " + id1 in a.log_text()


def test_wrong_or_missing_key_and_damaged_files_stop_start_up(tmp_path):
    k1, key1 = make_key(tmp_path, "k1")
    k2, key2 = make_key(tmp_path, "k2")
    save_filled(tmp_path, k1)
    good = (tmp_path / "dump.rdb").read_bytes()
    base = ["--dir", str(tmp_path), "--save", ""]
    id1, id2 = encrypted_rdb.key_id(key1), encrypted_rdb.key_id(key2)

    out = start_expecting_failure(base + ["--rdb-encryption-key-file", str(k2)])
    assert f"encrypted with key id {id1}, which none of the configured keys has " \
           f"(current {id2})" in out, out
    out = start_expecting_failure(base)
    assert f"encrypted (key id {id1}) and no rdb-encryption-key-file is set" in out, out

    damaged = {
        "salt": (len(encrypted_rdb.MAGIC) + 2 + 16 + 3, "fails authentication"),
        "middle": (len(good) // 2, "fails authentication"),
        "tag": (len(good) - 1, "fails authentication"),
    }
    for name, (at, words) in damaged.items():
        bad = bytearray(good)
        bad[at] ^= 0x20
        (tmp_path / f"{name}.rdb").write_bytes(bytes(bad))
        out = start_expecting_failure(base + ["--dbfilename", f"{name}.rdb",
                                              "--rdb-encryption-key-file", str(k1)])
        assert words in out and "at offset" in out, (name, out)
    (tmp_path / "cut.rdb").write_bytes(good[:len(good) - 100])
    out = start_expecting_failure(base + ["--dbfilename", "cut.rdb",
                                          "--rdb-encryption-key-file", str(k1)])
    assert "Truncated encrypted RDB" in out, out
    # A key file that holds no key stops start-up too.
    (tmp_path / "short.key").write_text("abcd\n")
    out = start_expecting_failure(base + ["--rdb-encryption-key-file", str(tmp_path / "short.key")])
    assert "holds no 256-bit key" in out, out


def test_config_set_refuses_a_bad_key_file_and_keeps_the_old_key(tmp_path):
    k1, key1 = make_key(tmp_path, "k1")
    (tmp_path / "bad.key").write_text("not a key")
    with servers.redoubt_server(args=["--dir", str(tmp_path), "--save", "",
                                      "--rdb-encryption-key-file", str(k1)]) as a:
        r = client(a)
        r.set("k", "v")
        for directive, value, words in (
                ("rdb-encryption-key-file", str(tmp_path / "missing.key"), "no such file"),
                ("rdb-encryption-key-file", str(tmp_path / "bad.key"), "holds no 256-bit key"),
                ("rdb-encryption-old-key-files", f"{k1} {tmp_path / 'bad.key'}",
                 "holds no 256-bit key")):
            with pytest.raises(redis.ResponseError) as e:
                r.config_set(directive, value)
            assert directive in str(e.value) and words in str(e.value), str(e.value)
        assert r.config_get("rdb-encryption-key-file")["rdb-encryption-key-file"] == str(k1)
        assert r.config_get("rdb-encryption-old-key-files")["rdb-encryption-old-key-files"] == ""
        assert r.save()
        assert info(r)["rdb_last_save_key_id"] == encrypted_rdb.key_id(key1)
        # Unset: snapshots go back to plaintext.
        assert r.config_set("rdb-encryption-key-file", "")
        assert info(r)["rdb_encryption_key_id"] == ""
        assert r.save()
    assert (tmp_path / "dump.rdb").read_bytes().startswith(b"REDIS0010")


def test_check_tool_reads_encrypted_files_with_key_files(tmp_path):
    tool = str(redoubt_tool_or_skip("redoubt-check-rdb"))
    k1, key1 = make_key(tmp_path, "k1")
    k2, _ = make_key(tmp_path, "k2")
    save_filled(tmp_path, k1)
    dump = str(tmp_path / "dump.rdb")
    ok = subprocess.run([tool, "--key-file", str(k2), "--key-file", str(k1), dump],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout
    assert f"under key id {encrypted_rdb.key_id(key1)}" in ok.stdout
    assert "19 keys read" in ok.stdout and "RDB looks OK" in ok.stdout, ok.stdout
    nokey = subprocess.run([tool, dump], capture_output=True, text=True)
    assert nokey.returncode == 1 and "is encrypted" in nokey.stdout, nokey.stdout
    data = bytearray((tmp_path / "dump.rdb").read_bytes())
    data[len(data) // 2] ^= 1
    (tmp_path / "bad.rdb").write_bytes(bytes(data))
    bad = subprocess.run([tool, "--key-file", str(k1), str(tmp_path / "bad.rdb")],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "fails authentication at offset" in bad.stdout, bad.stdout
    assert "0 keys read before the error" in bad.stdout, bad.stdout


def test_replica_receives_its_full_sync_into_an_encrypted_file(tmp_path):
    """A replica with a key encrypts the snapshot as it arrives: the temporary file in its dir
    starts with the container's magic while the sync runs (slowed by rdb-key-save-delay on the
    primary so that the file is seen growing), and the replica ends with the primary's data."""
    kpath, _ = make_key(tmp_path, "k1")
    pdir, rdir = tmp_path / "primary", tmp_path / "replica"
    pdir.mkdir()
    rdir.mkdir()
    with servers.redoubt_server(args=["--dir", str(pdir), "--save", "",
                                      "--rdb-key-save-delay", "4000"]) as p:
        rp = client(p)
        pipe = rp.pipeline(transaction=False)
        for i in range(500):
            pipe.set(f"big:{i}", os.urandom(8000))
        pipe.set("canary", CANARY)
        pipe.execute()
        with servers.redoubt_server(args=["--dir", str(rdir), "--save", "",
                                          "--rdb-encryption-key-file", str(kpath)]) as rep:
            rr = client(rep)
            rr.replicaof("127.0.0.1", p.port)
            seen = []

            def temp_file_seen():
                for name in os.listdir(rdir):
                    if name.startswith("temp-") and name.endswith(".rdb"):
                        try:
                            head = (rdir / name).read_bytes()[:64 * 1024]
                        except FileNotFoundError:
                            continue
                        if len(head) >= len(encrypted_rdb.MAGIC):
                            seen.append(head)
                            return True
                return False

            wait_for(temp_file_seen, "the replica's temporary sync file to fill", 60)
            assert seen[0].startswith(encrypted_rdb.MAGIC)
            assert CANARY not in seen[0]
            rp.config_set("rdb-key-save-delay", "0")
            wait_for(lambda: rr.info("replication")["master_link_status"] == "up",
                     "the replica's link up", 60)
            assert rr.dbsize() == 501 and rr.get("canary") == CANARY
