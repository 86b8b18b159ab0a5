# INFO auth's credential rows name a password by an opaque id (12 hex digits of an HMAC keyed
# with the server's secret over the user name and the password's SHA-256), never by something
# derived from the password alone, and show when it was added (`added=<unix ms>`). The secret
# and the added times live in <dir>/redoubt-credentials.json (mode 0600, no password, no hash,
# no user name), so ids and added times are the same after a restart and after CONFIG REWRITE
# and a restart from the rewritten file; another dir means another secret. A state file that
# cannot be written (a directory in its place; a read-only dir when not root) gives one warning
# in the server log and a server that works, whose ids change at restart.
import hashlib
import json
import os
import re
import stat
import time

import pytest

from support import servers
from support.resp_client import RespClient, expect
from support.tls_helpers import info_fields
from support.tools import wait_until

STATE_FILE = "redoubt-credentials.json"
ID_RE = re.compile(r"^[0-9a-f]{12}$")
PASSWORD = "Credential-Ids-Pw-1"
WARNING = "can't write credential state file"


def credentials(client, user):
    """{id: {field: value}} of user's password rows in INFO auth (nopass/certificate left out)."""
    out = {}
    prefix = f"credential_{user}_"
    for key, value in info_fields(client, "auth").items():
        name = key[len(prefix):]
        if key.startswith(prefix) and name not in ("nopass", "certificate"):
            out[name] = dict(item.partition("=")[::2] for item in value.split(","))
    return out


def only_id(client, user):
    rows = credentials(client, user)
    assert len(rows) == 1, rows
    return next(iter(rows))


def run_server(dir_path, extra=(), config_file=None):
    """A started redoubt-server whose dir is dir_path (so its state file lives there)."""
    server = servers.redoubt_server(args=["--dir", str(dir_path), *extra],
                                    config_file=config_file)
    return server.start()


@pytest.fixture
def redoubt_only(start):
    """Skips as `start` does (no binary; redis-server, which has no INFO auth); the tests start
    their servers themselves, with config files and restarts in one directory."""


def test_ids_are_opaque_per_user_and_rows_show_when_added(redoubt_only, tmp_path):
    server = run_server(tmp_path)
    try:
        with RespClient(port=server.port) as admin:
            before_ms = int(time.time() * 1000)
            expect(admin, ("ACL", "SETUSER", "alice", "on", ">" + PASSWORD), ("simple", "OK"))
            expect(admin, ("ACL", "SETUSER", "bob", "on", ">" + PASSWORD), ("simple", "OK"))
            after_ms = int(time.time() * 1000)
            alice, bob = credentials(admin, "alice"), credentials(admin, "bob")
            default_nopass = info_fields(admin, "auth")["credential_default_nopass"]
    finally:
        server.stop()

    (alice_id, alice_row), = alice.items()
    (bob_id, bob_row), = bob.items()
    assert ID_RE.match(alice_id) and ID_RE.match(bob_id), (alice_id, bob_id)
    assert alice_id != bob_id, "a shared password must not show as the same id"
    digest = hashlib.sha256(PASSWORD.encode()).hexdigest()
    assert alice_id[:8] not in digest and bob_id[:8] not in digest
    # The row keeps its fields, with added after state.
    assert list(alice_row) == ["state", "added", "connected_clients", "auth_successes",
                               "last_used_unix", "last_used_seconds_ago"], alice_row
    assert alice_row["state"] == "current"
    # The server's clock and ours are the same clock; 1 s of slack for rounding.
    assert before_ms - 1000 <= int(alice_row["added"]) <= int(bob_row["added"]) <= after_ms + 1000
    assert "added=" in default_nopass and "state=current" in default_nopass


def test_ids_and_added_times_survive_a_restart_and_config_rewrite(redoubt_only, tmp_path):
    conf = tmp_path / "redoubt.conf"
    conf.write_text("loglevel notice\n")
    server = run_server(tmp_path, config_file=str(conf))
    try:
        with RespClient(port=server.port) as admin:
            expect(admin, ("ACL", "SETUSER", "app", "on", ">" + PASSWORD, "~*", "+@all"),
                   ("simple", "OK"))
            first_id = only_id(admin, "app")
            first_added = credentials(admin, "app")[first_id]["added"]
            # Written by the server's cron (hz 10), not by the command: poll, bounded.
            assert wait_until(lambda: first_id in (tmp_path / STATE_FILE).read_text(), 5)
            expect(admin, ("CONFIG", "REWRITE"), ("simple", "OK"))
    finally:
        server.stop()
    assert "user app" in conf.read_text()   # the user now comes from the rewritten file

    state_path = tmp_path / STATE_FILE
    state = json.loads(state_path.read_text())
    assert stat.S_IMODE(os.stat(state_path).st_mode) == 0o600
    assert re.fullmatch(r"[0-9a-f]{64}", state["secret"]), state
    assert state["added"][first_id] == int(first_added), state
    raw = state_path.read_text()
    digest = hashlib.sha256(PASSWORD.encode()).hexdigest()
    assert PASSWORD not in raw and digest[:8] not in raw and "app" not in raw, raw

    again = run_server(tmp_path, config_file=str(conf))
    try:
        with RespClient(port=again.port) as admin:
            rows = credentials(admin, "app")
            # Still the operator's reference: the same id, added when it was added.
            assert list(rows) == [first_id], rows
            assert rows[first_id]["added"] == first_added, rows
            with RespClient(port=again.port) as app:
                expect(app, ("AUTH", "app", PASSWORD), ("simple", "OK"))
            assert credentials(admin, "app")[first_id]["auth_successes"] == "1"
    finally:
        again.stop()

    # Another directory is another server: another secret, so another id.
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other = run_server(other_dir, config_file=str(conf))
    try:
        with RespClient(port=other.port) as admin:
            assert only_id(admin, "app") != first_id
    finally:
        other.stop()


@pytest.mark.parametrize("how", ["directory_in_the_way", "read_only_dir"])
def test_an_unwritable_state_file_warns_once_and_ids_change_at_restart(redoubt_only, tmp_path,
                                                                        how):
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    if how == "directory_in_the_way":
        (state_dir / STATE_FILE).mkdir()   # neither readable as a file nor replaceable
    else:
        if os.geteuid() == 0:
            pytest.skip("root writes into a read-only directory anyway")
        state_dir.chmod(0o500)
    ids, logs = [], []
    try:
        for _ in range(2):
            server = run_server(state_dir, ["--user", f"app on >{PASSWORD}"])
            try:
                with RespClient(port=server.port) as admin:
                    ids.append(only_id(admin, "app"))
                    expect(admin, ("ACL", "SETUSER", "app", ">another-pw"), ("simple", "OK"))
                    with RespClient(port=server.port) as app:
                        expect(app, ("AUTH", "app", PASSWORD), ("simple", "OK"))
                    assert credentials(admin, "app")[ids[-1]]["auth_successes"] == "1"
                logs.append(server.log_text())
            finally:
                server.stop()
    finally:
        state_dir.chmod(0o700)

    for log in logs:
        assert log.count(WARNING) == 1, log
        assert "credential ids change at restart" in log, log
    assert ids[0] != ids[1], "a secret of each process: ids differ after a restart"
    assert sorted(os.listdir(state_dir)) == ([STATE_FILE] if how == "directory_in_the_way"
                                             else [])
