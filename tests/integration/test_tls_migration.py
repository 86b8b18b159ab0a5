# Online TLS migration of a running node (bench/tls_migration.py, short phases): a plaintext
# and a TLS redoubt-downtime client keep working while tls-mode goes none -> preferred ->
# required, with and without a certificate rotation on the way. Asserts what the scenario
# checks: no failed operation for any client that can follow, no data errors, plaintext shut
# out within about a second of `required`.
#
# Needs build/bin/redoubt-downtime (or REDOUBT_TOOLS_DIR, or next to REDOUBT_SERVER); skipped
# with the searched paths in the reason only when it is missing, which `make test` never lets
# happen. The analysis itself is also tested on synthetic reports, without any process.
import pytest

from support import servers
from support.tools import import_bench_script, redoubt_tool_or_skip

PHASE_S = 4.0     # per phase; long enough for several per-second rows on each side
PREFILL_S = 1.5
# Generous tester timeouts: under make test the machine also runs ASan builds; a stall there is
# not what this test is about (bench/tls_migration.py explains).
TIMEOUTS = {"connect_timeout_ms": 5000, "op_timeout_ms": 5000}

tls_migration = import_bench_script("tls_migration")


@pytest.fixture
def can_migrate():
    if servers.redoubt_kind() != "redoubt":
        pytest.skip("tls-mode migration needs redoubt-server; redis-server has no tls-mode")
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    redoubt_tool_or_skip("redoubt-downtime")


def explain(result):
    lines = ["online TLS migration failed:"] + [f"  - {f}" for f in result["failures"]]
    lines += ["", tls_migration.format_table(result["phases"])]
    if result.get("server_log_tail"):
        lines += ["", "server log (tail):", result["server_log_tail"]]
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.redoubt_timeout(150)
def test_no_client_that_can_follow_fails_from_none_to_preferred_to_required(can_migrate,
                                                                           tmp_path):
    result = tls_migration.run_migration(phase_s=PHASE_S, prefill_s=PREFILL_S,
                                         json_path=tmp_path / "migration.json", **TIMEOUTS)

    assert result["passed"], explain(result)
    assert (tmp_path / "migration.json").exists()
    assert [p["phase"] for p in result["phases"] if p["tester"] == "plain"] == [
        "none", "preferred", "required"]


@pytest.mark.slow
@pytest.mark.redoubt_timeout(150)
def test_certificate_rotation_during_preferred_keeps_every_client_working(can_migrate,
                                                                         tmp_path):
    result = tls_migration.run_migration(phase_s=PHASE_S, prefill_s=PREFILL_S,
                                         rotate_cert=True, plot_path=tmp_path / "plot.png",
                                         **TIMEOUTS)

    assert result["passed"], explain(result)
    rotation = result["observed"]["rotation"]
    assert rotation["info_after"] != rotation["info_before"]
    assert any(c["name"].startswith("rotation:") for c in result["checks"])
    if result.get("plot"):  # gnuplot is optional for the test, not for the bench
        assert (tmp_path / "plot.png").stat().st_size > 0


# ----- the analysis alone, on synthetic reports (no processes) ----------------------------------

T0 = 1_800_000_000.0
EVENTS = [{"what": "tls-mode preferred", "t_sent": T0 + 5.3, "t_reply": T0 + 5.31},
          {"what": "tls-mode required", "t_sent": T0 + 10.4, "t_reply": T0 + 10.41}]


def row(second, ok=100, **errors):
    r = {"t": T0 + second, "phase": "prefill" if second < 2 else "run", "ok": ok, "failed": 0,
         "connection_errors": 0, "timeout_errors": 0, "data_errors": 0, "downtime_ms": 0}
    r.update(errors)
    return r


def reports(plain_rows, tls_rows):
    def rep(rows):
        return {"per_second": rows,
                "totals": {"data_errors": sum(r["data_errors"] for r in rows)}}
    return {"plain": rep(plain_rows), "tls": rep(tls_rows)}


def good_plain():
    # Seconds 0-9 end before the switch to required (at 10.4); second 10 straddles it and
    # belongs to "required", where plaintext may fail; from second 12 on nothing succeeds.
    return ([row(s) for s in range(10)] + [row(10, ok=40, connection_errors=5),
                                           row(11, ok=2, connection_errors=50)]
            + [row(s, ok=0, connection_errors=60) for s in range(12, 15)])


def good_tls():
    return [row(s) for s in range(6, 15)]


def failed_names(plain_rows, tls_rows):
    checks, _ = tls_migration.analyse(EVENTS, reports(plain_rows, tls_rows))
    return [c["name"] for c in checks if not c["ok"]]


def test_analysis_passes_a_clean_migration_and_splits_rows_by_the_phase_at_their_end():
    checks, rows = tls_migration.analyse(EVENTS, reports(good_plain(), good_tls()))

    assert [c for c in checks if not c["ok"]] == []
    plain = {r["phase"]: r for r in rows if r["tester"] == "plain"}
    assert (plain["none"]["seconds"], plain["preferred"]["seconds"],
            plain["required"]["seconds"]) == (5, 5, 5)
    assert plain["required"]["failed_ops"] == 5 + 50 + 3 * 60


def test_analysis_flags_a_plaintext_failure_before_required():
    plain = good_plain()
    plain[7] = row(7, timeout_errors=1)

    assert failed_names(plain, good_tls()) == [
        "plaintext tester: 0 failed operations in phase preferred"]


def test_analysis_flags_plaintext_success_after_the_lockout():
    plain = good_plain()
    plain[13] = row(13, ok=3, connection_errors=10)

    assert failed_names(plain, good_tls()) == [
        "plaintext tester: no successful operation later than 1 s after tls-mode required"]


def test_analysis_flags_any_tls_failure_and_data_errors():
    tls = good_tls()
    tls[-1] = row(14, connection_errors=1)
    plain = good_plain()
    plain[3] = row(3, data_errors=1)

    assert failed_names(plain, tls) == ["TLS tester: 0 failed operations throughout",
                                        "plain tester: 0 data errors"]


def test_analysis_flags_plaintext_that_is_never_shut_out():
    plain = [row(s) for s in range(15)]

    assert failed_names(plain, good_tls()) == [
        "plaintext tester: fails once tls-mode is required",
        "plaintext tester: no successful operation later than 1 s after tls-mode required"]
