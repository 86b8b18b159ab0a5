# The audit log (audit-log-file): JSON lines written by a background thread, one object per
# line with "time" (ISO-8601 UTC, ms) and "event". connect (client id, source address and port,
# local port, transport tcp|tls, TLS version and cipher, client certificate subject and
# serial), auth (success|failure, user, method auth|hello|certificate — never a password;
# every control character of a user name escaped as \uXXXX, ill-formed UTF-8 as \ufffd),
# refused (network-allow, tls-required, handshake-failed, certificate, crl, maxclients, with a
# detail) and disconnect (reason, duration, bytes in/out, user) for clients of redis-cli,
# redis-py, raw sockets and Python ssl. SIGHUP reopens the file (logrotate's mv + HUP); CONFIG
# SET moves or disables it and refuses an unwritable path, keeping the old file; a start with
# an unwritable path fails; a file that cannot be written (/dev/full) drops and counts. A flood
# of 2000 connections, with the file moved and rotated meanwhile, is fully accounted for in
# INFO auth (records written + dropped) while a bystander keeps being served.
import datetime
import os
import signal
import socket
import threading
import time

import pytest
import redis

from support.audit_log import matching, read_records, record_time, wait_records
from support.resp_client import RespClient, expect, unwrap
from support.sockets import raw_connection, read_until_close
from support.tls_helpers import (issue, client_context, client_lines, info_fields, mtls_client,
                                 tls_args, tls_refusal)
from support.tools import REDIS_CLI, run_tool, wait_until

PASSWORD = "Audit-Admin-S3cret"
APP_PASSWORD = "Audit-App-S3cret"
WRONG_PASSWORD = "Audit-Wrong-Guess-77"
SECRETS = (PASSWORD, APP_PASSWORD, WRONG_PASSWORD)


def client_from(source, port, **kw):
    """A RespClient whose socket is bound to `source` (a loopback address) before connecting."""
    c = RespClient(port=port, connect=False, **kw)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    c.sock = sock
    return c


def audit_info(client):
    f = info_fields(client, "auth")
    return {k: int(f[k]) for k in ("audit_log_enabled", "audit_log_records_offered",
                                   "audit_log_records_written",
                                   "audit_log_records_dropped", "audit_log_write_errors",
                                   "audit_log_queue_depth")}


def connected_clients(client):
    return int(info_fields(client, "clients")["connected_clients"])


def drained(client):
    """Waits until the writer has nothing queued; returns audit_info. The writer takes the
    queue before writing it, so the file and the written count may still lag: compare them
    with written_matches(), which waits for them to agree."""
    wait_until(lambda: audit_info(client)["audit_log_queue_depth"] == 0, 15)
    return audit_info(client)


def written_matches(client, *paths):
    """Waits (bounded) until audit_log_records_written equals the records in `paths`, both of
    which only grow; returns (written, lines) for the assertion."""
    def both():
        return audit_info(client)["audit_log_records_written"], sum(len(read_records(p))
                                                                    for p in paths)
    wait_until(lambda: (lambda w, n: w == n)(*both()), 15)
    return both()


def assert_no_secret(path):
    data = open(path, "rb").read()
    for secret in SECRETS:
        assert secret.encode() not in data, f"{secret!r} written to {path}"


def by_client(records, client_id):
    return [r for r in records if r.get("client_id") == client_id]


def test_connect_auth_disconnect_records(start, tls_certs, tmp_path):
    log = str(tmp_path / "audit.log")
    ca = tls_certs.ca().cert
    alice = issue(tls_certs, "alice")
    begin = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=2)
    server = start(tls_args(tls_certs.get("server"), "preferred",
                            ["--tls-ca-cert-file", ca, "--tls-auth-clients", "optional",
                             "--tls-auth-clients-user", "CN", "--requirepass", PASSWORD,
                             "--audit-log-file", log]))
    admin = RespClient(port=server.port)
    expect(admin, ("AUTH", PASSWORD), ("simple", "OK"))
    expect(admin, ("ACL", "SETUSER", "app", "on", ">" + APP_PASSWORD, "~*", "+@all"),
           ("simple", "OK"))
    expect(admin, ("ACL", "SETUSER", "alice", "on", "nopass", "~*", "+@all"), ("simple", "OK"))
    assert audit_info(admin)["audit_log_enabled"] == 1

    # Plaintext: a wrong password, HELLO AUTH as app, then QUIT.
    plain = RespClient(port=server.port)
    plain_id = plain.call("HELLO", "2", "AUTH", "default", PASSWORD)[1][7][1]
    plain_port = plain.sock.getsockname()[1]
    expect(plain, ("AUTH", "app", WRONG_PASSWORD),
           ("error", "WRONGPASS invalid username-password pair or user is disabled."))
    plain.call("HELLO", "2", "AUTH", "app", APP_PASSWORD)
    expect(plain, ("SET", "k", "v"), ("simple", "OK"))
    expect(plain, ("QUIT",), ("simple", "OK"))
    plain.close()

    # TLS with a client certificate: logged in as alice by its CN.
    secure = mtls_client(server, ca, alice)
    expect(secure, ("ACL", "WHOAMI"), ("bulk", b"alice"))
    secure_id = secure.call("CLIENT", "ID")[1]
    secure_port = secure.sock.getsockname()[1]
    secure.close()

    # Real clients with passwords on their command lines / in their settings.
    r = run_tool([REDIS_CLI, "-p", str(server.port), "-a", PASSWORD, "--no-auth-warning",
                  "PING"], timeout=20)
    assert r.stdout == "PONG\n", (r.stdout, r.stderr)
    py = redis.Redis(port=server.port, username="app", password=APP_PASSWORD, socket_timeout=5)
    assert py.ping()
    py.close()

    assert len(wait_records(log, 1, event="disconnect", client_id=secure_id)) == 1
    assert len(wait_records(log, 1, event="disconnect", client_id=plain_id)) == 1
    # Every record queued so far (redis-cli's and redis-py's logins too) is in the file before
    # it is read: the writer thread may still hold them on a loaded machine.
    drained(admin)
    written_matches(admin, log)
    records = read_records(log)
    now = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)
    for rec in records:
        assert begin <= record_time(rec) <= now, rec   # UTC, not local time

    mine = by_client(records, plain_id)
    assert [r["event"] for r in mine] == ["connect", "auth", "auth", "auth", "disconnect"], mine
    connect, ok, bad, hello, bye = mine
    assert connect == {"time": connect["time"], "event": "connect", "client_id": plain_id,
                       "source_address": "127.0.0.1", "source_port": plain_port,
                       "local_port": server.port, "transport": "tcp"}, connect
    assert (ok["result"], ok["user"], ok["method"]) == ("success", "default", "hello"), ok
    assert (bad["result"], bad["user"], bad["method"]) == ("failure", "app", "auth"), bad
    assert (hello["result"], hello["user"], hello["method"]) == ("success", "app", "hello")
    for a in (ok, bad, hello):
        assert (a["source_address"], a["source_port"]) == ("127.0.0.1", plain_port), a
        assert set(a) == {"time", "event", "result", "user", "method", "client_id",
                          "source_address", "source_port"}, a
    assert (bye["reason"], bye["user"]) == ("quit", "app"), bye
    assert bye["bytes_in"] > 50 and bye["bytes_out"] > 5 and bye["duration_ms"] >= 0, bye

    mine = by_client(records, secure_id)
    assert [r["event"] for r in mine] == ["connect", "auth", "disconnect"], mine
    connect, auth, bye = mine
    assert connect["transport"] == "tls" and connect["source_port"] == secure_port, connect
    assert connect["tls_version"] in ("TLSv1.2", "TLSv1.3") and connect["tls_cipher"], connect
    assert "CN=alice" in connect["client_cert_subject"], connect
    assert connect["client_cert_serial"] == alice.serial_hex, connect
    assert (auth["result"], auth["user"], auth["method"]) == ("success", "alice", "certificate")
    assert (bye["reason"], bye["user"]) == ("client closed", "alice"), bye

    methods = {(r["user"], r["method"], r["result"]) for r in matching(records, event="auth")}
    assert ("default", "auth", "success") in methods      # admin, redis-cli -a
    assert ("app", "auth", "success") in methods          # redis-py 4.3.4 logs in with AUTH
    assert_no_secret(log)
    info = drained(admin)
    written, lines = written_matches(admin, log)
    assert written == lines, (written, lines, info)
    assert (info["audit_log_records_dropped"], info["audit_log_write_errors"]) == (0, 0), info
    admin.close()


def test_refused_connections(start, tls_certs, tmp_path):
    log = str(tmp_path / "audit.log")
    ca = tls_certs.ca().cert
    ops, kim = issue(tls_certs, "ops"), issue(tls_certs, "kim")
    tls_certs.revoke(kim)
    crl = tls_certs.crl(out=tmp_path / "ca.crl")
    server = start(tls_args(tls_certs.get("server"), "required",
                            ["--tls-ca-cert-file", ca, "--tls-auth-clients", "yes",
                             "--tls-crl-file", crl, "--network-allow", "127.0.0.1/32",
                             "--tls-handshake-timeout", "2000", "--audit-log-file", log]),
                   ready=client_context(ca, ops))
    admin = mtls_client(server, ca, ops)

    def refusals(reason, count=1):
        found = wait_records(log, count, event="refused", reason=reason)
        assert len(found) == count, (reason, read_records(log)[-10:])
        for r in found:
            assert r["local_port"] == server.port and r["detail"], r
        return found

    # network-allow: a source outside the list, closed before a byte is read.
    outsider = client_from("127.0.0.2", server.port)
    outsider_port = outsider.sock.getsockname()[1]
    assert outsider.is_closed(timeout=10)
    outsider.close()
    (r,) = refusals("network-allow")
    assert (r["source_address"], r["source_port"]) == ("127.0.0.2", outsider_port), r

    # tls-required: plaintext on a TLS-only port.
    with RespClient(port=server.port) as plain:
        plain.send("PING")
        assert plain.read_raw_until_close(timeout=10) == (b"", True)
    refusals("tls-required")

    # handshake-failed: a record that is not a ClientHello.
    with raw_connection(server.port, timeout=5) as s:
        s.sendall(b"\x16\x03\x01\x00\x10" + b"not a client hello at all")
        read_until_close(s, 3)
    refusals("handshake-failed")

    # certificate: none presented while tls-auth-clients is yes; crl: a revoked one.
    assert tls_refusal(server, ca) is not None
    (r,) = refusals("certificate")
    assert "certificate" in r["detail"], r
    assert tls_refusal(server, ca, kim) is not None
    (r,) = refusals("crl")
    assert "revoked" in r["detail"], r

    # maxclients: admin and a bystander fill it.
    bystander = mtls_client(server, ca, ops)
    expect(admin, ("CONFIG", "SET", "maxclients", "2"), ("simple", "OK"))
    assert tls_refusal(server, ca, ops) is not None
    (r,) = refusals("maxclients")
    expect(bystander, ("PING",), ("simple", "PONG"))
    expect(admin, ("CONFIG", "SET", "maxclients", "100"), ("simple", "OK"))

    # None of them became a client: no connect record from a refused source port.
    refused_ports = {r["source_port"] for r in matching(read_records(log), event="refused")}
    connected_ports = {r["source_port"] for r in matching(read_records(log), event="connect")}
    assert not refused_ports & connected_ports
    bystander.close()
    admin.close()


def test_disconnect_reasons(start, tls_certs, tmp_path):
    log = str(tmp_path / "audit.log")
    ca = tls_certs.ca().cert
    lee = issue(tls_certs, "lee")
    crl1 = tls_certs.crl(out=tmp_path / "1.crl")
    server = start(tls_args(tls_certs.get("server"), "preferred",
                            ["--tls-ca-cert-file", ca, "--tls-auth-clients", "optional",
                             "--tls-crl-file", crl1, "--audit-log-file", log,
                             # 127.0.0.2 plays a remote client below; no password is set
                             "--protected-mode", "no"]))
    admin = mtls_client(server, ca)      # TLS, so that tls-mode required keeps it
    expect(admin, ("ACL", "SETUSER", "app", "on", ">" + APP_PASSWORD, "~*", "+@all"),
           ("simple", "OK"))

    def client_id(c):
        return c.call("CLIENT", "ID")[1]

    def reason_of(cid):
        found = wait_records(log, 1, event="disconnect", client_id=cid)
        assert len(found) == 1, (cid, read_records(log)[-10:])
        return found[0]

    closed = RespClient(port=server.port)
    cid_closed = client_id(closed)
    closed.close()
    quitter = RespClient(port=server.port)
    cid_quit = client_id(quitter)
    quitter.call("QUIT")
    quitter.close()
    victim = RespClient(port=server.port)
    cid_killed = client_id(victim)
    expect(admin, ("CLIENT", "KILL", "ID", str(cid_killed)), ("int", 1))
    app = RespClient(port=server.port)
    expect(app, ("AUTH", "app", APP_PASSWORD), ("simple", "OK"))
    cid_app = client_id(app)
    expect(admin, ("ACL", "DELUSER", "app"), ("int", 1))
    assert app.is_closed(timeout=10)
    far = client_from("127.0.0.2", server.port)
    cid_far = client_id(far)
    expect(admin, ("CONFIG", "SET", "network-allow", "127.0.0.1/32"), ("simple", "OK"))
    assert far.is_closed(timeout=10)
    expect(admin, ("CONFIG", "SET", "network-allow", ""), ("simple", "OK"))
    revoked = mtls_client(server, ca, lee)
    cid_revoked = client_id(revoked)
    tls_certs.revoke(lee)
    expect(admin, ("CONFIG", "SET", "tls-crl-file", tls_certs.crl(out=tmp_path / "2.crl")),
           ("simple", "OK"))
    assert revoked.is_closed(timeout=10)
    plain = RespClient(port=server.port)
    cid_plain = client_id(plain)
    expect(admin, ("CONFIG", "SET", "tls-mode", "required"), ("simple", "OK"))
    assert plain.is_closed(timeout=10)
    # Idle timeout: admin keeps talking while the idle client waits for its 1 s.
    idle = mtls_client(server, ca)
    cid_idle = client_id(idle)
    expect(admin, ("CONFIG", "SET", "timeout", "1"), ("simple", "OK"))
    deadline = time.monotonic() + 15   # bounded polling; returns as soon as the record is there
    while time.monotonic() < deadline and not matching(read_records(log), event="disconnect",
                                                       client_id=cid_idle):
        expect(admin, ("PING",), ("simple", "PONG"))
        time.sleep(0.2)
    expect(admin, ("CONFIG", "SET", "timeout", "0"), ("simple", "OK"))

    expected = {cid_closed: "client closed", cid_quit: "quit", cid_killed: "killed",
                cid_app: "user revoked", cid_far: "network-allow",
                cid_revoked: "certificate revoked", cid_plain: "tls-mode required",
                cid_idle: "idle timeout"}
    got = {cid: reason_of(cid)["reason"] for cid in expected}
    assert got == expected
    assert reason_of(cid_app)["user"] == "app"
    for cid in expected:
        rec = reason_of(cid)
        assert isinstance(rec["duration_ms"], int) and rec["duration_ms"] >= 0, rec
        assert rec["bytes_in"] > 0 and rec["bytes_out"] > 0, rec
    assert reason_of(cid_idle)["duration_ms"] >= 900
    admin.close()
    idle.close()


def test_control_bytes_in_a_user_name_are_escaped(start, tmp_path):
    # Every C0 control byte, DEL, C1 controls (U+0085, U+009B as UTF-8), U+2028, a quote, a
    # backslash and ill-formed UTF-8 (a lone 0xE9, a lone continuation byte), sent to AUTH.
    log = tmp_path / "audit.log"
    server = start(["--audit-log-file", str(log)])
    user = (bytes(range(0x20)) + b"\x7f" + "\u0085\u009b\u2028".encode() + b'"\\'
            + b"\xe9\x80" + b"end")
    with RespClient(port=server.port) as client:
        reply = client.call("AUTH", user, WRONG_PASSWORD)
        assert reply[0] == "error" and reply[1].startswith("WRONGPASS"), reply

    found = wait_records(str(log), 1, event="auth", result="failure")
    assert len(found) == 1, read_records(str(log))
    line = next(raw for raw in log.read_bytes().split(b"\n") if b'"event":"auth"' in raw)
    # The line is printable ASCII only: nothing a terminal or a line-based reader acts on.
    assert all(0x20 <= b < 0x7f for b in line), line
    escapes = "".join(f"\\u{c:04x}" for c in range(0x20)) + "\\u007f\\u0085\\u009b\\u2028"
    assert ('"user":"' + escapes + '\\"\\\\\\ufffd\\ufffdend"').encode() in line, line
    # Decoded, the name is what was sent, with U+FFFD for each byte that was not UTF-8.
    assert found[0]["user"] == user[:-5].decode() + "\ufffd\ufffdend", found[0]
    assert_no_secret(str(log))


def test_sighup_reopens_the_file(start, tmp_path):
    log = tmp_path / "audit.log"
    rotated = tmp_path / "audit.log.1"
    server = start(["--audit-log-file", str(log)])
    admin = RespClient(port=server.port)
    first = RespClient(port=server.port)
    first_id = first.call("CLIENT", "ID")[1]
    first.close()
    assert wait_records(str(log), 1, event="disconnect", client_id=first_id)

    os.rename(log, rotated)
    os.kill(server.pid, signal.SIGHUP)
    assert wait_until(log.exists, 5), "audit.log not re-created after SIGHUP"
    second = RespClient(port=server.port)
    second_id = second.call("CLIENT", "ID")[1]
    second.close()
    assert wait_records(str(log), 1, event="disconnect", client_id=second_id)
    assert not by_client(read_records(rotated), second_id)
    assert by_client(read_records(rotated), first_id)
    assert not by_client(read_records(log), first_id)
    info = drained(admin)
    written, lines = written_matches(admin, log, rotated)
    assert written == lines, (written, lines, info)
    assert info["audit_log_write_errors"] == 0
    admin.close()


def test_config_set_moves_disables_and_refuses_bad_paths(start, tmp_path):
    # audit-log-file is a protected directive: CONFIG SET needs enable-protected-configs.
    server = start(["--enable-protected-configs", "local"])
    admin = RespClient(port=server.port)
    assert audit_info(admin)["audit_log_enabled"] == 0
    assert unwrap(admin.call("CONFIG", "GET", "audit-log-file")) == [b"audit-log-file", b""]

    first = str(tmp_path / "first.log")
    expect(admin, ("CONFIG", "SET", "audit-log-file", first), ("simple", "OK"))
    assert audit_info(admin)["audit_log_enabled"] == 1
    for bad in (str(tmp_path), str(tmp_path / "no" / "such" / "dir.log")):
        reply = admin.call("CONFIG", "SET", "audit-log-file", bad)
        assert reply[0] == "error" and "audit-log-file" in reply[1] and bad in reply[1], reply
        assert unwrap(admin.call("CONFIG", "GET", "audit-log-file"))[1] == first.encode()
    c = RespClient(port=server.port)
    cid = c.call("CLIENT", "ID")[1]
    c.close()
    assert wait_records(first, 1, event="disconnect", client_id=cid)

    second = str(tmp_path / "second.log")
    expect(admin, ("CONFIG", "SET", "audit-log-file", second), ("simple", "OK"))
    c = RespClient(port=server.port)
    cid = c.call("CLIENT", "ID")[1]
    c.close()
    assert wait_records(second, 1, event="disconnect", client_id=cid)
    assert not by_client(read_records(first), cid)

    expect(admin, ("CONFIG", "SET", "audit-log-file", ""), ("simple", "OK"))
    assert audit_info(admin)["audit_log_enabled"] == 0
    # Disabling lets the writer finish what was queued; wait for that, then take the sizes.
    written, lines = written_matches(admin, first, second)
    assert written == lines, (written, lines)
    sizes = (os.path.getsize(first), os.path.getsize(second))
    c = RespClient(port=server.port)
    quiet_id = c.call("CLIENT", "ID")[1]
    expect(c, ("PING",), ("simple", "PONG"))
    c.close()
    assert wait_until(lambda: str(quiet_id) not in
                      [l.get("id") for l in client_lines(admin)], 15)   # its close is handled
    # Instead of waiting "long enough" for a record that must not come: switch the log on again
    # into a third file and wait for a later client's record there. The writer keeps the order
    # of the queue, so a record of the quiet client, had one been queued, would be on disk by
    # then.
    third = str(tmp_path / "third.log")
    expect(admin, ("CONFIG", "SET", "audit-log-file", third), ("simple", "OK"))
    later = RespClient(port=server.port)
    later_id = later.call("CLIENT", "ID")[1]
    later.close()
    assert wait_records(third, 1, timeout=15, event="disconnect", client_id=later_id)
    assert (os.path.getsize(first), os.path.getsize(second)) == sizes
    assert not by_client(read_records(third), quiet_id)
    admin.close()


@pytest.mark.parametrize("where", ["directory", "missing_parent"])
def test_unwritable_path_at_start(start, tmp_path, where):
    bad = str(tmp_path) if where == "directory" else str(tmp_path / "none" / "audit.log")
    server = start(["--audit-log-file", bad], wait=False)
    code = server.wait_exit(10)
    text = server.log_text()
    assert code != 0 and "audit-log-file" in text and bad in text, text


@pytest.mark.redoubt_timeout(120)
def test_connection_flood_is_accounted_for(start, tmp_path):
    log = str(tmp_path / "audit.log")
    server = start(["--audit-log-file", log, "--enable-protected-configs", "local"])
    admin = RespClient(port=server.port)
    bystander = RespClient(port=server.port)
    expect(bystander, ("PING",), ("simple", "PONG"))   # accepted, so its record is counted
    before = audit_info(admin)  # the launcher's probe was closed server-side before the start
    total, threads_n = 2000, 4
    per_thread = total // threads_n
    done, errors = [0] * threads_n, []
    # The file is moved (CONFIG SET) after a quarter of the flood and rotated (mv + SIGHUP)
    # after half of it, while the other flooders keep connecting. Each flooder waits at its
    # own half and three quarters until the step before has been taken, so the flood cannot
    # end before both happened however the machine schedules the threads (a fixed time window
    # cannot promise that on a loaded machine).
    moved, rotated_event = threading.Event(), threading.Event()
    stop_at = time.monotonic() + 90   # bound for a flooder waiting on a step that never comes

    def gate(event):
        while not event.wait(0.1):
            if time.monotonic() > stop_at or errors:
                raise TimeoutError("the test's main thread did not take its step")

    def flood(i):
        try:
            for n in range(per_thread):
                if n == per_thread // 2:
                    gate(moved)
                elif n == 3 * per_thread // 4:
                    gate(rotated_event)
                s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
                s.close()
                done[i] += 1
        except OSError as e:
            errors.append(e)

    workers = [threading.Thread(target=flood, args=(i,)) for i in range(threads_n)]
    for w in workers:
        w.start()
    answered = 0
    second, rotated = str(tmp_path / "second.log"), str(tmp_path / "second.log.1")
    stage = 0
    try:
        while any(w.is_alive() for w in workers) and time.monotonic() < stop_at:
            # The bystander is served throughout (its client times out after 10 s).
            expect(bystander, ("INCR", "bystander"), ("int", answered + 1))
            answered += 1
            if stage == 0 and sum(done) >= total // 4:   # moved by CONFIG SET mid-flood...
                expect(admin, ("CONFIG", "SET", "audit-log-file", second), ("simple", "OK"))
                stage = 1
                moved.set()
            elif stage == 1 and sum(done) >= total // 2 and os.path.exists(second):
                os.rename(second, rotated)                # ...and rotated by mv + SIGHUP
                os.kill(server.pid, signal.SIGHUP)
                stage = 2
                rotated_event.set()
            time.sleep(0.002)
    finally:
        moved.set()
        rotated_event.set()
        for w in workers:
            w.join(30)
    assert not errors, errors[:3]
    assert sum(done) == total, done
    assert answered > 0, answered
    assert stage == 2, "the flood ended before the file was moved and rotated"

    # Each connection is a connect and a disconnect record, offered to the log once every
    # flood connection is closed, and then written or counted as dropped.
    assert wait_until(lambda: connected_clients(admin) == 2, 30)
    want = before["audit_log_records_offered"] + 2 * total
    assert audit_info(admin)["audit_log_records_offered"] == want, audit_info(admin)
    assert wait_until(lambda: (lambda i: i["audit_log_records_written"]
                               + i["audit_log_records_dropped"] == want)(audit_info(admin)), 30)
    info = drained(admin)
    assert info["audit_log_records_written"] + info["audit_log_records_dropped"] == want, info
    assert info["audit_log_write_errors"] == 0, info
    counts = [len(read_records(p)) for p in (log, rotated, second)]
    assert all(counts), counts   # each file got its share
    written, lines = written_matches(admin, log, rotated, second)
    assert lines == written, (lines, written, info)
    expect(bystander, ("GET", "bystander"), ("bulk", str(answered).encode()))
    admin.close()
    bystander.close()


def test_write_errors_drop_records_and_never_block_clients(start, tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full (every write fails with ENOSPC)")
    # Opens fine; every write fails. CONFIG SET of the protected directive below needs
    # enable-protected-configs.
    server = start(["--audit-log-file", "/dev/full", "--enable-protected-configs", "local"])
    admin = RespClient(port=server.port)
    for _ in range(50):
        with RespClient(port=server.port) as c:
            expect(c, ("PING",), ("simple", "PONG"))
    assert wait_until(lambda: audit_info(admin)["audit_log_records_dropped"] >= 100, 15), \
        audit_info(admin)
    info = drained(admin)
    assert info["audit_log_records_written"] == 0, info
    assert info["audit_log_write_errors"] > 0, info
    assert "/dev/full" in server.log_text()
    # Pointed at a writable file, it recovers.
    good = str(tmp_path / "audit.log")
    expect(admin, ("CONFIG", "SET", "audit-log-file", good), ("simple", "OK"))
    c = RespClient(port=server.port)
    cid = c.call("CLIENT", "ID")[1]
    c.close()
    assert wait_records(good, 1, event="disconnect", client_id=cid)
    admin.close()
