# Password rotation of an ACL user without downtime (bench/acl_rotation.py, 1 s phases): the user
# holds the old and the new password at once, redoubt-downtime clients move to the new one by
# re-authenticating in-band when their --password-file changes (or are replaced by clients
# started with it), and the old password is removed once INFO auth says no client holds it.
# Asserts: 0 failed operations and 0 data errors for every client, no connection closed or
# opened by the rotation, INFO auth's count for the old credential reaching 0 before removal and
# its row gone afterwards, the old password refused and the new one accepted.
#
# Also, without the bench: a client that does NOT move keeps working after the removal (removing
# a password never disconnects) and shows as a `state=removed` row with connected_clients=1 --
# the operator's warning sign; and redoubt-downtime's refused re-AUTH keeps the connection.
# Credential ids are opaque (nothing here hashes a password): a password's row is the one that
# appears with the ACL SETUSER adding it, and the old one has the earlier `added` time.
#
# Needs a redoubt-downtime with --reauth-check-ms, found by support/tools.py as the bench finds
# it (REDOUBT_TOOLS_DIR, next to REDOUBT_SERVER, build/bin, build-tools/bin); skipped only when
# no redoubt-downtime exists at all.
import json
import os
import signal
import subprocess

import pytest

from support import servers
from support.resp_client import RespClient, expect
from support.tls_helpers import command_calls
from support.tools import import_bench_script, redoubt_tool_or_skip, wait_until

PHASE_S = 1.0     # the bench's --quick
PREFILL_S = 0.5
TESTERS = 3
# Generous tester timeouts and a rate cap: under make test the 2-core machine also runs other
# suites; a scheduling stall there is not what this test is about, and a failure caused by the
# rotation is a closed connection or an error reply, which no timeout hides.
TESTER_ARGS = {"connect_timeout_ms": 5000, "op_timeout_ms": 5000, "rate": 2000}

acl_rotation = import_bench_script("acl_rotation")
analysis = import_bench_script("acl_rotation_analysis")


@pytest.fixture(scope="module")
def downtime_tool():
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    return redoubt_tool_or_skip("redoubt-downtime", acl_rotation.NEEDED_OPTION,
                                acl_rotation.EXTRA_TOOL_DIRS)


@pytest.fixture
def can_rotate(downtime_tool):
    if servers.redoubt_kind() != "redoubt":
        pytest.skip("the rotation reads INFO auth, which redis-server does not have")
    return downtime_tool


def explain(result):
    lines = [f"ACL rotation ({result['variant']}) failed:"] + [
        f"  - {f}" for f in result["failures"]]
    lines += ["", analysis.format_table(result["phases"])]
    if result.get("server_log_tail"):
        lines += ["", "server log (tail):", result["server_log_tail"]]
    return "\n".join(lines)


def failed_ops(totals):
    return totals["failed"] + totals["connection_errors"] + totals["timeout_errors"]


def event(result, what):
    return next(e for e in result["events"] if e["what"] == what)


@pytest.mark.slow
@pytest.mark.redoubt_timeout(60)
def test_rotation_with_in_band_reauth_fails_no_operation_and_closes_no_connection(can_rotate,
                                                                                 tmp_path):
    result = acl_rotation.run_rotation("reauth", phase_s=PHASE_S, prefill_s=PREFILL_S,
                                       testers=TESTERS, json_path=tmp_path / "rotation.json",
                                       log=lambda *_: None, **TESTER_ARGS)

    assert result["passed"], explain(result)
    assert json.loads((tmp_path / "rotation.json").read_text())["passed"]
    assert result["total_failed_operations"] == 0, explain(result)
    assert len(result["reports"]) == TESTERS
    for label, report in result["reports"].items():
        t = report["totals"]
        assert failed_ops(t) == 0 and t["data_errors"] == 0, (label, t, report["failures"][:3])
        assert t["reauths"] >= 1 and t["reauth_failures"] == 0, (label, t)
        assert t["reconnects"] == 0, (label, t)
        assert report["reauth_check_ms"] == acl_rotation.DEFAULT_REAUTH_CHECK_MS

    observed = result["observed"]
    moved_at = event(result, "write new password to the testers' file")["t_sent"]
    removed_at = event(result, "remove old password")["t_sent"]
    # Before the move every tester holds the old credential; INFO auth then shows it released
    # (the operator's signal) before the removal, and the row gone (or removed, 0) after it.
    assert observed["end_both"]["old_connected"] == TESTERS, observed["end_both"]
    assert observed["end_both"]["user_passwords"] == 2, observed["end_both"]
    assert moved_at < observed["old_released"]["t"] < removed_at, observed["old_released"]
    assert observed["old_released"]["new_connected"] == TESTERS, observed["old_released"]
    # Released at all is checked above (within the bench's bounded wait); how fast depends on
    # the machine's load, so only its sign is asserted here.
    assert result["seconds_until_old_released"] > 0, result["seconds_until_old_released"]
    for key in ("after_remove", "end_removed"):
        s = observed[key]
        assert s["old_state"] is None or (s["old_state"] == "removed"
                                          and s["old_connected"] == 0), (key, s)
        assert s["user_passwords"] == 1 and s["new_connected"] == TESTERS, (key, s)
    assert observed["auth_old_after"].startswith("-WRONGPASS"), observed["auth_old_after"]
    assert observed["auth_new_after"] == "OK", observed["auth_new_after"]

    # No connection closed or opened from phase 2 to the end of phase 5: the sampling admin
    # connection is persistent, so both numbers stay exactly where they were.
    window = [s for s in result["samples"]
              if event(result, "add new password")["t_sent"] <= s["t"] <= observed["window_end"]]
    assert len(window) >= 20, len(window)
    assert {s["connected_clients"] for s in window} == {TESTERS + 1}, window
    assert len({s["total_connections_received"] for s in window}) == 1, window
    rows = {r["phase"]: r for r in result["phases"]}
    for phase in ("both", "move", "removed"):
        assert rows[phase]["connections_opened"] == 0, rows[phase]
        assert rows[phase]["ok"] > 0 and rows[phase]["failed_ops"] == 0, rows[phase]


@pytest.mark.slow
@pytest.mark.redoubt_timeout(60)
def test_rotation_by_restarting_clients_fails_no_operation(can_rotate, tmp_path):
    result = acl_rotation.run_rotation("restart", phase_s=PHASE_S, prefill_s=PREFILL_S,
                                       testers=2, log=lambda *_: None, **TESTER_ARGS)

    assert result["passed"], explain(result)
    assert result["total_failed_operations"] == 0, explain(result)
    assert sorted(result["generations"]) == ["first", "second"]
    assert len(result["reports"]) == 4
    stopped_at = event(result, "stop the first testers (stop files)")["t_sent"]
    assert stopped_at < result["observed"]["old_released"]["t"] < event(
        result, "remove old password")["t_sent"]


# ----- a client that does not move -------------------------------------------------------------

def info_auth(client):
    reply = client.call("INFO", "auth")
    assert reply[0] == "bulk", reply
    return acl_rotation.parse_info(reply[1].decode())


def auth_refusals(client):
    return int(info_auth(client).get("acl_access_denied_auth", 0))


def credential(info, cid):
    return acl_rotation.password_credentials(info, "app").get(cid, {})


def added_id(admin, known=()):
    """The id INFO auth gives the password an ACL SETUSER just added (ids are opaque)."""
    return acl_rotation.new_credential_id(known,
                                          acl_rotation.password_credentials(info_auth(admin), "app"))


def test_a_client_that_does_not_move_keeps_working_and_shows_as_removed(redoubt):
    if servers.redoubt_kind() != "redoubt":
        pytest.skip("INFO auth is Redoubt's")
    old, new = "old-pw-never-moves", "new-pw-4e1c"
    with RespClient(redoubt.host, redoubt.port) as admin, \
            RespClient(redoubt.host, redoubt.port) as stuck:
        expect(admin, ("ACL", "SETUSER", "app", "on", ">" + old, "~*", "+@all"),
               ("simple", "OK"))
        old_id = added_id(admin)
        expect(stuck, ("AUTH", "app", old), ("simple", "OK"))
        expect(stuck, ("SET", "k", "v"), ("simple", "OK"))
        assert credential(info_auth(admin), old_id)["connected_clients"] == "1"

        expect(admin, ("ACL", "SETUSER", "app", ">" + new), ("simple", "OK"))
        new_id = added_id(admin, (old_id,))
        both = info_auth(admin)
        # Which row is the old one needs no hashing: it was added first.
        assert int(credential(both, old_id)["added"]) <= int(credential(both, new_id)["added"])
        expect(admin, ("ACL", "SETUSER", "app", "<" + old), ("simple", "OK"))

        # Removal never disconnects: the connection still authenticated with the old password
        # keeps working as app...
        expect(stuck, ("GET", "k"), ("bulk", b"v"))
        expect(stuck, ("ACL", "WHOAMI"), ("bulk", b"app"))
        # ...and INFO auth shows it: the warning sign for the operator.
        info = info_auth(admin)
        row = credential(info, old_id)
        assert row.get("state") == "removed" and row.get("connected_clients") == "1", info
        assert row.get("added") == credential(both, old_id)["added"], info
        assert credential(info, new_id).get("state") == "current", info
        assert credential(info, new_id).get("connected_clients") == "0", info
        user = acl_rotation.fields(info.get("user_app"))
        assert user.get("passwords") == "1" and user.get("connected_clients") == "1", info
        # A new login with the old password is refused.
        with RespClient(redoubt.host, redoubt.port) as fresh:
            reply = fresh.call("AUTH", "app", old)
            assert reply[0] == "error" and reply[1].startswith("WRONGPASS"), reply

        # Once the client moves, the removed row goes (or drops to 0).
        expect(stuck, ("AUTH", "app", new), ("simple", "OK"))
        info = info_auth(admin)
        row = credential(info, old_id)
        assert not row or (row.get("state") == "removed"
                           and row.get("connected_clients") == "0"), info
        assert credential(info, new_id).get("connected_clients") == "1", info
        expect(stuck, ("GET", "k"), ("bulk", b"v"))


# ----- redoubt-downtime: a refused re-AUTH keeps the connection --------------------------------

def test_downtime_refused_reauth_is_counted_and_keeps_the_connection(redoubt, downtime_tool,
                                                                    tmp_path):
    if servers.redoubt_kind() != "redoubt":
        pytest.skip("the count comes from INFO auth")
    with RespClient(redoubt.host, redoubt.port) as admin:
        expect(admin, ("ACL", "SETUSER", "app", "on", ">pw-one-1f3a", "~*", "+@all"),
               ("simple", "OK"))
        one = added_id(admin)
        secret = tmp_path / "secret"
        acl_rotation.write_secret(secret, "pw-one-1f3a")
        stop, report_path = tmp_path / "stop", tmp_path / "report.json"
        proc = subprocess.Popen(
            [str(downtime_tool), "--host", redoubt.host, "--port", str(redoubt.port), "--user",
             "app", "--password-file", str(secret), "--prefill-seconds", "0.3", "--until-file",
             str(stop), "--max-seconds", "60", "--connect-timeout-ms", "5000",
             "--op-timeout-ms", "5000", "--rate", "1000", "--quiet", "--report",
             str(report_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            assert wait_until(lambda: credential(info_auth(admin), one).get(
                "connected_clients") == "1", 10), info_auth(admin)
            # Wrong order: the file changes before the server knows the password. The re-AUTH
            # is refused, counted, and the connection keeps reading as before.
            refused = auth_refusals(admin)
            acl_rotation.write_secret(secret, "pw-two-9c2e")
            # Until the server has refused the tester's re-AUTH (bounded), not a guessed delay.
            assert wait_until(lambda: auth_refusals(admin) > refused, 10), "no re-AUTH came"
            expect(admin, ("ACL", "SETUSER", "app", ">pw-two-9c2e"), ("simple", "OK"))
            two = added_id(admin, (one,))
            # Offered again within a second: now accepted, on the same connection.
            assert wait_until(lambda: credential(info_auth(admin), two).get(
                "connected_clients") == "1", 5), info_auth(admin)
            assert credential(info_auth(admin), one).get("connected_clients") == "0"
            # One more read on that connection: the tester has taken the AUTH's reply in.
            reads = command_calls(admin, "GET")
            assert wait_until(lambda: command_calls(admin, "GET") > reads, 10)
            stop.touch()
            out, err = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        assert proc.returncode == 0, out + err
    report = json.loads(report_path.read_text())
    t = report["totals"]
    assert t["reauth_failures"] >= 1 and t["reauths"] == 1, t
    assert t["failed"] == t["reauth_failures"], t   # each refused re-AUTH is one failed op
    assert t["reconnects"] == 0 and t["connection_errors"] == 0 and t["timeout_errors"] == 0, t
    assert t["data_errors"] == 0 and t["downtime_ms"] == 0, t
    refusals = [f for f in report["failures"] if f["message"].startswith("re-AUTH: -WRONGPASS")]
    assert len(refusals) == t["reauth_failures"], report["failures"]
    assert sum(r["reauths"] for r in report["per_second"]) == 1
    assert "pw-two" not in json.dumps(report) and "pw-one" not in out + err + json.dumps(report)
    assert "reauths" in out and "reauth_fail" in out, out


# ----- the analysis alone, on synthetic data (no processes) ------------------------------------

T0 = 1_800_000_000.0


def _row(second, **counts):
    r = {"t": T0 + second, "phase": "run", "duration_s": 1.0, "ok": 100, "failed": 0,
         "connection_errors": 0, "timeout_errors": 0, "data_errors": 0, "reconnects": 0,
         "reauths": 0, "reauth_failures": 0, "downtime_ms": 0}
    r.update(counts)
    return r


def _synthetic(reauth_failure=False):
    events = [{"what": "add new password", "t_sent": T0 + 2.2},
              {"what": "write new password to the testers' file", "t_sent": T0 + 4.2},
              {"what": "remove old password", "t_sent": T0 + 6.2}]
    rows = [_row(s) for s in range(9)]
    rows[4] = _row(4, reauths=1)
    if reauth_failure:
        rows[4] = _row(4, reauths=1, reauth_failures=1, failed=1)
    reports = {"t1": {"per_second": rows, "totals": {
        k: sum(r[k] for r in rows) for k in analysis.COUNTED}, "failures": []}}

    def sample(t, old, new, passwords):
        return {"t": T0 + t, "old_connected": old, "old_state": "current" if old else None,
                "new_connected": new, "new_state": "current" if passwords == 2 or new else None,
                "user_connected": 1, "user_passwords": passwords, "connected_clients": 2,
                "total_connections_received": 7}
    samples = [sample(t / 2, 1, 0, 1 if t < 5 else 2) for t in range(9)]
    samples += [sample(t / 2, 0, 1, 2) for t in range(9, 12)]
    samples += [sample(t / 2, 0, 1, 1) for t in range(13, 18)]
    observed = {"end_both": sample(4.1, 1, 0, 2), "old_released": sample(4.6, 0, 1, 2),
                "end_move": sample(6.1, 0, 1, 2), "after_remove": sample(6.3, 0, 1, 1),
                "end_removed": sample(8.9, 0, 1, 1), "window_end": T0 + 9,
                "auth_old_after": "-WRONGPASS invalid", "auth_new_after": "OK"}
    return events, samples, observed, reports


def test_analysis_passes_a_clean_rotation_and_splits_rows_by_phase():
    checks, _, phases, total = analysis.analyse("reauth", 1, *_synthetic(),
                                                    generations={"first": ["t1"]})
    assert [c for c in checks if not c["ok"]] == []
    assert total == 0
    by_phase = {r["phase"]: r for r in phases}
    assert [r["phase"] for r in phases] == ["old", "both", "move", "removed"]
    assert by_phase["move"]["reauths"] == 1 and by_phase["move"]["connections_opened"] == 0


def test_analysis_flags_a_refused_reauth():
    checks, _, _, total = analysis.analyse("reauth", 1, *_synthetic(reauth_failure=True),
                                               generations={"first": ["t1"]})
    assert total == 1
    assert [c["name"] for c in checks if not c["ok"]] == [
        "t1: 0 failed operations", "t1: re-authenticated in-band (reauths >= 1, none failed)"]
