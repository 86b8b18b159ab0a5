# Authentication with real clients against a server started with --requirepass and given an ACL
# user at runtime: redis-cli (-a, --user/--pass, -u URI, -3, no credentials → NOAUTH, wrong
# password), redis-py 4.3.4 (password, username/password, NOAUTH, WRONGPASS, NOPERM, reconnects
# re-authenticating, open connections surviving a password change), redis-benchmark (-a, --user,
# wrong password). And redoubt-downtime following a password rotation through --password-file:
# the secret is re-read at every reconnect, so after the server's password changes and the
# tester's connection is killed it logs in with the new one without a single refused AUTH, while
# a tester given the old password on the command line is locked out.
#
# Run against redis-server with REDOUBT_SERVER=/usr/bin/redis-server REDOUBT_SERVER_KIND=redis.
# The downtime tests need a redoubt-downtime with --password-file (REDOUBT_TOOLS_DIR, next to
# REDOUBT_SERVER, build/bin or build-tools/bin); skipped only when no redoubt-downtime exists.
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis

from support import servers
from support.resp_client import RespClient, expect
from support.tls_helpers import client_lines, command_calls, info_fields
from support.tools import REDIS_BENCHMARK, REDIS_CLI, run_tool, wait_until

PASSWORD = "s3cret-pw"
APP_USER, APP_PASSWORD = "app", "app-pw"
REPO_ROOT = Path(__file__).resolve().parents[2]


class AuthServer(servers.Server):
    """Readiness: any complete answer to PING (-NOAUTH included) means the server is up."""

    def ping(self, timeout=1.0):
        with RespClient(self.host, self.port, timeout=timeout) as c:
            r = c.call("PING")
        return r == ("simple", "PONG") or (r[0] == "error" and r[1].startswith("NOAUTH"))


@pytest.fixture
def auth_factory():
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    started = []

    def start(args=()):
        s = AuthServer(binary=servers.redoubt_binary(), kind=servers.redoubt_kind(), args=list(args),
                       name="redoubt-auth")
        started.append(s)
        return s.start()
    yield start
    for s in started:
        s.__exit__(None, None, None)


def admin(server, password=PASSWORD):
    c = RespClient(server.host, server.port)
    expect(c, ("AUTH", password), ("simple", "OK"))
    return c


@pytest.fixture
def secured(auth_factory):
    """A server started with --requirepass and an ACL user `app` limited to app:* keys."""
    s = auth_factory(["--requirepass", PASSWORD])
    with admin(s) as c:
        expect(c, ("ACL", "SETUSER", APP_USER, "on", ">" + APP_PASSWORD, "~app:*", "+@all",
                   "-flushall"), ("simple", "OK"))
    return s


def cli(server, *args):
    return run_tool([REDIS_CLI, "-h", server.host, "-p", str(server.port), *args], timeout=30)


# ----- redis-cli -------------------------------------------------------------------------------

def test_redis_cli_password(secured):
    auth = ["-a", PASSWORD, "--no-auth-warning"]
    assert cli(secured, *auth, "SET", "k", "v").stdout == "OK\n"
    assert cli(secured, *auth, "GET", "k").stdout == "v\n"
    assert cli(secured, *auth, "ACL", "WHOAMI").stdout == "default\n"
    r = cli(secured, "-a", PASSWORD, "PING")
    assert r.stdout == "PONG\n" and "Using a password" in r.stderr, (r.stdout, r.stderr)


def test_redis_cli_without_password_gets_noauth(secured):
    for cmd in (["GET", "k"], ["PING"], ["SET", "k", "v"], ["CLIENT", "LIST"]):
        r = cli(secured, *cmd)
        assert r.stdout.strip() == "NOAUTH Authentication required.", (cmd, r.stdout, r.stderr)
    assert cli(secured, "-a", PASSWORD, "--no-auth-warning", "EXISTS", "k").stdout == "0\n"


def test_redis_cli_wrong_password(secured):
    r = cli(secured, "-a", "wrong", "--no-auth-warning", "GET", "k")
    assert "AUTH failed: WRONGPASS invalid username-password pair or user is disabled." in r.stderr, r.stderr
    assert r.stdout.strip() == "NOAUTH Authentication required.", r.stdout


def test_redis_cli_user_and_pass(secured):
    auth = ["--user", APP_USER, "--pass", APP_PASSWORD, "--no-auth-warning"]
    assert cli(secured, *auth, "SET", "app:1", "x").stdout == "OK\n"
    assert cli(secured, *auth, "GET", "app:1").stdout == "x\n"
    assert cli(secured, *auth, "ACL", "WHOAMI").stdout == "app\n"
    r = cli(secured, *auth, "GET", "other")
    assert r.stdout.strip() == ("NOPERM this user has no permissions to access one of the keys "
                                "used as arguments"), r.stdout
    r = cli(secured, *auth, "FLUSHALL")
    assert r.stdout.strip() == ("NOPERM this user has no permissions to run the 'flushall' "
                                "command"), r.stdout
    r = cli(secured, "--user", APP_USER, "--pass", "wrong", "--no-auth-warning", "GET", "app:1")
    assert "AUTH failed: WRONGPASS" in r.stderr and "NOAUTH" in r.stdout, (r.stdout, r.stderr)


def test_redis_cli_uri_and_resp3(secured):
    uri = f"redis://{APP_USER}:{APP_PASSWORD}@{secured.host}:{secured.port}"
    r = run_tool([REDIS_CLI, "-u", uri, "--no-auth-warning", "ACL", "WHOAMI"], timeout=30)
    assert r.stdout == "app\n", (r.stdout, r.stderr)
    r = cli(secured, "-3", "--user", APP_USER, "--pass", APP_PASSWORD, "--no-auth-warning",
            "HELLO", "3")
    fields = dict(line.partition(" ")[::2] for line in r.stdout.splitlines() if line)
    assert fields.get("proto") == "3", (r.stdout, r.stderr)
    r = cli(secured, "-3", "HELLO", "3", "AUTH", APP_USER, APP_PASSWORD)
    assert "proto 3" in r.stdout, (r.stdout, r.stderr)


# ----- redis-py --------------------------------------------------------------------------------

def test_redis_py_password_and_user(secured):
    r = redis.Redis(host=secured.host, port=secured.port, password=PASSWORD, socket_timeout=5)
    app = redis.Redis(host=secured.host, port=secured.port, username=APP_USER,
                      password=APP_PASSWORD, socket_timeout=5)
    try:
        assert r.set("k", "v") and r.get("k") == b"v"
        assert r.acl_whoami() == "default"
        assert app.set("app:1", "x") and app.get("app:1") == b"x"
        assert app.acl_whoami() == APP_USER
        pipe = app.pipeline(transaction=False)
        for i in range(100):
            pipe.set(f"app:p{i}", i)
        assert all(pipe.execute())
        with pytest.raises(redis.exceptions.NoPermissionError,
                           match="no permissions to access one of the keys"):
            app.get("k")
        with pytest.raises(redis.exceptions.NoPermissionError, match="'flushall' command"):
            app.flushall()
        assert r.dbsize() == 102
    finally:
        r.close()
        app.close()


def test_redis_py_no_or_wrong_credentials(secured):
    # redis-py 4.3.4 (Debian 12) maps -NOAUTH to AuthenticationError; the -WRONGPASS answer to
    # its AUTH at connect time comes through as a ResponseError carrying Redis's text.
    anonymous = redis.Redis(host=secured.host, port=secured.port, socket_timeout=5)
    with pytest.raises(redis.exceptions.AuthenticationError, match="Authentication required"):
        anonymous.get("k")
    for kw in ({"password": "wrong"}, {"username": APP_USER, "password": "wrong"},
               {"username": "nouser", "password": PASSWORD}):
        client = redis.Redis(host=secured.host, port=secured.port, socket_timeout=5, **kw)
        with pytest.raises((redis.exceptions.AuthenticationError, redis.exceptions.ResponseError)) as e:
            client.get("k")
        assert "WRONGPASS invalid username-password pair or user is disabled" in str(e.value), (kw, e.value)
        client.close()
    anonymous.close()


def test_redis_py_reconnect_reauthenticates(secured):
    app = redis.Redis(host=secured.host, port=secured.port, username=APP_USER,
                      password=APP_PASSWORD, socket_timeout=5, retry_on_timeout=True)
    try:
        app.set("app:k", "1")
        with admin(secured) as c:
            killed = c.call("CLIENT", "KILL", "USER", APP_USER)
        assert killed == ("int", 1), killed
        # The pool's connection is dead; redis-py reconnects (and re-sends AUTH) on the next call.
        try:
            value = app.get("app:k")
        except redis.exceptions.ConnectionError:
            value = app.get("app:k")
        assert value == b"1"
        assert app.acl_whoami() == APP_USER
    finally:
        app.close()


def test_password_change_keeps_open_connections(secured):
    r = redis.Redis(host=secured.host, port=secured.port, password=PASSWORD, socket_timeout=5)
    try:
        assert r.ping()
        assert r.config_set("requirepass", "rotated")
        assert r.ping() and r.set("still", "here")   # the open connection stays authenticated
        fresh = redis.Redis(host=secured.host, port=secured.port, password=PASSWORD, socket_timeout=5)
        with pytest.raises((redis.exceptions.AuthenticationError, redis.exceptions.ResponseError),
                           match="WRONGPASS"):
            fresh.ping()
        fresh.close()
        rotated = redis.Redis(host=secured.host, port=secured.port, password="rotated", socket_timeout=5)
        assert rotated.get("still") == b"here"
        rotated.close()
    finally:
        r.close()


# ----- redis-benchmark -------------------------------------------------------------------------

def _bench(server, *auth):
    return run_tool([REDIS_BENCHMARK, "-h", server.host, "-p", str(server.port), *auth,
                     "-t", "set,get", "-n", "3000", "-c", "10", "-P", "4", "-r", "1000", "-q",
                     "--csv"], timeout=60)


def _rows(out):
    return [line for line in out.stdout.splitlines() if line.startswith(('"SET"', '"GET"'))]


def test_redis_benchmark_password(secured):
    out = _bench(secured, "-a", PASSWORD)
    assert out.returncode == 0 and len(_rows(out)) == 2, out.stdout + out.stderr
    assert "error" not in (out.stdout + out.stderr).lower(), out.stdout + out.stderr
    with admin(secured) as c:
        assert c.call("DBSIZE")[1] > 0


def test_redis_benchmark_user(secured):
    with admin(secured) as c:
        expect(c, ("ACL", "SETUSER", "bench", "on", ">bench-pw", "~key:*", "+@all"), ("simple", "OK"))
    out = _bench(secured, "--user", "bench", "-a", "bench-pw")
    assert out.returncode == 0 and len(_rows(out)) == 2, out.stdout + out.stderr
    assert "error" not in (out.stdout + out.stderr).lower(), out.stdout + out.stderr


def test_redis_benchmark_wrong_password(secured):
    out = _bench(secured, "-a", "wrong")
    assert out.returncode != 0, out.stdout + out.stderr
    assert "WRONGPASS invalid username-password pair or user is disabled." in out.stdout + out.stderr
    assert _rows(out) == []


# ----- redoubt-downtime with --password-file ---------------------------------------------------

def downtime_candidates():
    dirs = []
    if os.environ.get("REDOUBT_TOOLS_DIR"):
        dirs.append(Path(os.environ["REDOUBT_TOOLS_DIR"]))
    dirs += [Path(servers.redoubt_binary()).absolute().parent, REPO_ROOT / "build" / "bin",
             REPO_ROOT / "build-tools" / "bin"]
    return [d / "redoubt-downtime" for d in dirs]


@pytest.fixture(scope="module")
def downtime_tool():
    found = [p for p in downtime_candidates() if p.is_file() and os.access(p, os.X_OK)]
    if not found:
        pytest.skip("redoubt-downtime not built; looked at: "
                    + ", ".join(str(p) for p in downtime_candidates()))
    for p in found:
        if "--password-file" in run_tool([str(p), "--help"], timeout=10).stdout:
            return p
    pytest.fail(f"no redoubt-downtime with --password-file among {[str(p) for p in found]}: "
                "rebuild it (ninja redoubt-downtime)", pytrace=False)


class DowntimeTester:
    """One redoubt-downtime process reading keys until its stop file appears."""

    def __init__(self, tool, server, workdir, auth_args, label):
        self.stop_file = workdir / f"stop-{label}"
        self.report_path = workdir / f"report-{label}.json"
        self.proc = subprocess.Popen(
            [str(tool), "--host", server.host, "--port", str(server.port), *auth_args,
             "--prefill-seconds", "0.5", "--key-prefix", f"app:{label}:", "--until-file",
             str(self.stop_file), "--max-seconds", "60", "--connect-timeout-ms", "5000",
             "--op-timeout-ms", "5000", "--quiet", "--report", str(self.report_path),
             "--label", label],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)

    def stop(self):
        self.stop_file.touch()
        try:
            out, err = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            out, err = self.proc.communicate()
        assert self.proc.returncode == 0, f"redoubt-downtime exit {self.proc.returncode}:\n{out}\n{err}"
        report = json.loads(self.report_path.read_text())
        report["_output"] = out + err
        return report

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def wait_for_run_phase(server, password, user=None):
    """Until the tester's connection has issued a GET (phase 2)."""
    def reading():
        with RespClient(server.host, server.port) as c:
            c.call("AUTH", *([user] if user else []), password)
            return any(l.get("cmd") == "get" for l in client_lines(c))
    assert wait_until(reading, 15, interval=0.1), "redoubt-downtime never reached its read phase"


def auth_refusals(client):
    return int(info_fields(client, "auth")["acl_access_denied_auth"])


def wait_for_reads_in_a_later_row(c, moment):
    """Until the tester has read in a per-second row of its report that starts after `moment`
    (rows are whole seconds from the tester's start, so one starts within 1 s of any moment):
    bounded waits for the clock, then for one more GET, instead of sleeping and hoping."""
    assert wait_until(lambda: time.time() > moment + 1.05, 5, interval=0.02)
    calls = command_calls(c, "GET")
    assert wait_until(lambda: command_calls(c, "GET") > calls, 15), "the tester stopped reading"


def write_secret(path, secret):
    """As a secret store does: write a new file and rename it over the old one."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(secret + "\n")
    tmp.replace(path)


def explain(report):
    return json.dumps({k: report[k] for k in ("totals", "failures", "auth", "stop_reason")}, indent=1) \
        + "\n" + report.get("_output", "")


def _ops_after(report, t):
    return sum(row["ok"] for row in report["per_second"] if row["phase"] == "run" and row["t"] >= t)


def test_downtime_rereads_password_file_for_default_user(auth_factory, downtime_tool, tmp_path):
    server = auth_factory(["--requirepass", "old-pw"])
    secret = tmp_path / "secret"
    write_secret(secret, "old-pw")
    tester = DowntimeTester(downtime_tool, server, tmp_path, ["--password-file", str(secret)], "default")
    try:
        wait_for_run_phase(server, "old-pw")
        with admin(server, "old-pw") as c:
            write_secret(secret, "new-pw")
            expect(c, ("CONFIG", "SET", "requirepass", "new-pw"), ("simple", "OK"))
            killed = c.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
            assert killed[0] == "int" and killed[1] >= 1, killed
            rotated_at = time.time()
            # the tester is back, authenticated with the new password (the killed connections
            # are gone from CLIENT LIST, so a GET there is the new one's)
            assert wait_until(lambda: any(l.get("cmd") == "get" for l in client_lines(c)), 15), \
                client_lines(c)
            wait_for_reads_in_a_later_row(c, rotated_at)
        report = tester.stop()
    finally:
        tester.kill()
    t = report["totals"]
    assert report["auth"] == "password-file", explain(report)
    assert t["connection_errors"] == 0, "an AUTH was refused after the rotation:\n" + explain(report)
    assert t["data_errors"] == 0 and t["timeout_errors"] == 0, explain(report)
    assert t["reconnects"] >= 1 and 1 <= t["failed"] <= 2, explain(report)
    assert _ops_after(report, rotated_at) > 0, explain(report)
    assert "new-pw" not in report["_output"] and "old-pw" not in json.dumps(report["failures"])


def test_downtime_rereads_password_file_for_acl_user(auth_factory, downtime_tool, tmp_path):
    """Zero-downtime rotation of an ACL user's password: add the new one, hand it to the
    clients, drop the old one."""
    server = auth_factory(["--requirepass", PASSWORD])
    with admin(server) as c:
        expect(c, ("ACL", "SETUSER", "svc", "on", ">one", "~app:*", "+@all"), ("simple", "OK"))
    secret = tmp_path / "secret"
    write_secret(secret, "one")
    tester = DowntimeTester(downtime_tool, server, tmp_path,
                    ["--user", "svc", "--password-file", str(secret)], "svc")
    try:
        wait_for_run_phase(server, PASSWORD)
        with admin(server) as c:
            expect(c, ("ACL", "SETUSER", "svc", ">two"), ("simple", "OK"))
            write_secret(secret, "two")
            expect(c, ("ACL", "SETUSER", "svc", "<one"), ("simple", "OK"))
            # Removing a password does not close connections; make the tester reconnect.
            killed = c.call("CLIENT", "KILL", "USER", "svc")
            assert killed == ("int", 1), killed
            rotated_at = time.time()
            assert wait_until(lambda: any(l.get("user") == "svc" and l.get("cmd") == "get"
                                          for l in client_lines(c)), 15), client_lines(c)
            wait_for_reads_in_a_later_row(c, rotated_at)
        report = tester.stop()
    finally:
        tester.kill()
    t = report["totals"]
    assert t["connection_errors"] == 0, "an AUTH was refused after the rotation:\n" + explain(report)
    assert t["data_errors"] == 0 and t["reconnects"] >= 1 and t["failed"] <= 2, explain(report)
    assert _ops_after(report, rotated_at) > 0, explain(report)


def test_downtime_with_fixed_password_is_locked_out_by_rotation(auth_factory, downtime_tool,
                                                               tmp_path):
    """The control: the same rotation with --password (read once) refuses every reconnect."""
    server = auth_factory(["--requirepass", "old-pw"])
    tester = DowntimeTester(downtime_tool, server, tmp_path, ["--password", "old-pw"], "fixed")
    try:
        wait_for_run_phase(server, "old-pw")
        with admin(server, "old-pw") as c:
            refused = auth_refusals(c)
            expect(c, ("CONFIG", "SET", "requirepass", "new-pw"), ("simple", "OK"))
            c.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
            # Until the server has refused more than 10 of its reconnections (bounded).
            assert wait_until(lambda: auth_refusals(c) > refused + 10, 30), auth_refusals(c)
        report = tester.stop()
    finally:
        tester.kill()
    t = report["totals"]
    assert report["auth"] == "password", explain(report)
    assert t["connection_errors"] > 10, explain(report)
    assert any("WRONGPASS" in f["message"] for f in report["failures"]), explain(report)


def test_downtime_password_file_errors(downtime_tool, tmp_path):
    missing = run_tool([str(downtime_tool), "--password-file", str(tmp_path / "nope")], timeout=10)
    assert missing.returncode == 2 and "password file" in missing.stderr, missing.stderr
    empty = tmp_path / "empty"
    empty.write_text("\n")
    r = run_tool([str(downtime_tool), "--password-file", str(empty)], timeout=10)
    assert r.returncode == 2 and "is empty" in r.stderr, r.stderr
    r = run_tool([str(downtime_tool), "--password", "x", "--password-file", str(empty)], timeout=10)
    assert r.returncode == 2 and "excludes" in r.stderr, r.stderr
    r = run_tool([str(downtime_tool), "--user", "u"], timeout=10)
    assert r.returncode == 2 and "--user requires --password or --password-file" in r.stderr, r.stderr


def test_config_rewrite_keeps_users_across_a_restart(redoubt_factory, tmp_path):
    """Without an aclfile, CONFIG REWRITE writes the live users as `user` lines (as Redis does),
    replacing the old ones, so ACL SETUSER changes survive a restart."""
    conf = tmp_path / "redoubt.conf"
    conf.write_text("# users\nuser alice on >alicepw ~* +@all\n")
    server = redoubt_factory([], config_file=str(conf))
    with RespClient(port=server.port) as c:
        expect(c, ("ACL", "SETUSER", "bob", "on", ">bobpw", "~b*", "+get"), ("simple", "OK"))
        expect(c, ("ACL", "SETUSER", "alice", "<alicepw", ">alice2"), ("simple", "OK"))
        expect(c, ("CONFIG", "REWRITE"), ("simple", "OK"))
    lines = [l for l in conf.read_text().splitlines() if l.startswith("user ")]
    assert [l.split()[1] for l in lines] == ["alice", "bob", "default"], lines
    assert "alicepw" not in conf.read_text() and "bobpw" not in conf.read_text()
    server.stop()
    again = redoubt_factory([], config_file=str(conf))
    r = redis.Redis(port=again.port, username="bob", password="bobpw")
    assert r.get("b1") is None  # authenticated as bob, who may GET b*
    assert redis.Redis(port=again.port, username="alice", password="alice2").ping()
    with pytest.raises(redis.exceptions.ResponseError, match="WRONGPASS"):
        redis.Redis(port=again.port, username="alice", password="alicepw").ping()
