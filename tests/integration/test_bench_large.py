# The large-value group of the benchmark (bench/scenarios.py LARGE_GROUP, run_bench.py --only
# large, report_large.py): its plan (ids, order, request counts, which phases run), its report
# (own table and Targets row, left out of the generic rows; a results.json without it renders
# no trace of it), and one short real run of `run_bench.py --only large` against both servers.
#
# The plan and report tests start no process. The real run needs the server under test
# (REDOUBT_SERVER) and redis-benchmark; it uses tiny --large-bytes / --n-large, one mode and
# one rep, so it says nothing about performance, only that the harness runs and renders.
import copy
import json
import subprocess
from dataclasses import asdict

import pytest

from support import servers
from support.bench_plans import bench_for, fake_run, run_bench_command
from support.tools import BENCH_DIR, import_bench_script

scenarios = import_bench_script("scenarios")
report = import_bench_script("report")
run_bench = import_bench_script("run_bench")

SIZES = (64, 1024, 16384, 262144, 1048576)
LARGE_TITLE = "Large values: server CPU per request vs Redis"


def large_keys():
    return [f"large_{test}_d{size}_c{clients}" for size in SIZES for clients in (10, 50)
            for test in ("set", "get")]


# ----- the plan -----------------------------------------------------------------------------------

def test_large_group_ids_order_and_request_counts():
    full = scenarios.build_scenarios(scenarios.FULL_SIZES, None)
    large = [s for s in full if s.group == scenarios.LARGE_GROUP]

    assert [s.key for s in large] == large_keys()  # GET right after SET of the same size
    assert {(s.pipeline, s.keepalive, s.csv_name) for s in large} == {
        (1, True, "SET"), (1, True, "GET")}
    counts = {s.data_size: s.requests for s in large}
    assert counts == {64: 100_000, 1024: 100_000, 16384: 100_000, 262144: 8192, 1048576: 2048}
    quick = {s.data_size: s.requests for s in
             scenarios.build_large_scenarios(scenarios.QUICK_SIZES)}
    assert quick == {64: 10_000, 1024: 10_000, 16384: 10_000, 262144: 819, 1048576: 204}
    assert [s.title for s in large[-2:]] == ["SET 1 MB c=50", "GET 1 MB c=50"]
    # The core scenarios keep their ids and order, the group comes after them, TLS after it.
    keys = [s.key for s in full]
    assert keys[:9] == ["set_d64_p1", "get_d64_p1", "set_d64_p16", "get_d64_p16",
                        "set_d1024_p1", "get_d1024_p1", "set_d1024_p16", "get_d1024_p16",
                        "conn_ping"]
    assert keys[9:29] == large_keys() and all(s.tls for s in full[29:])


def test_only_large_runs_the_group_alone_in_both_modes(tmp_path):
    bench = bench_for(["--only", "large"], tmp_path)

    assert [s.key for s in bench.scenarios] == large_keys()
    assert [m.name for m in bench.modes] == ["pinned", "unpinned"]
    for mode in bench.modes:
        (phase, servers_, scens), = bench.phases(mode)
        assert phase == "large" and len(scens) == 20
        assert [label for label, _, _ in servers_] == ["redoubt", "redis"]  # no io1 row
    assert bench.args.skip_memory and bench.args.reps == 3
    assert [p.skipped for p in (bench.acl, bench.migration, bench.rotation)] == [
        "--only large"] * 3
    # 20 scenarios x 2 servers x 2 modes x 3 reps, each run a few seconds at nominal rates.
    assert bench.total_runs() == 240
    assert 5 * 60 < bench.estimate_s() < 20 * 60


def test_full_run_has_the_group_after_the_plaintext_phase_without_the_io1_row(tmp_path):
    bench = bench_for(["--no-acl"], tmp_path)

    pinned = next(m for m in bench.modes if m.name == "pinned")
    phases = bench.phases(pinned)
    assert [p[0] for p in phases] == ["plain", "large", "tls"]
    assert "redoubt-io1" in [label for label, _, _ in phases[0][1]]
    assert [label for label, _, _ in phases[1][1]] == ["redoubt", "redis"]
    assert [s.key for s in phases[1][2]] == large_keys()
    # A tenth of the bytes for the warm-up, one request per client at least.
    by_key = {s.key: s for s in phases[1][2]}
    assert bench.warmup_n(by_key["large_set_d1048576_c50"]) == 204
    assert bench.warmup_n(by_key["large_set_d64_c10"]) == 10_000
    tls_only = bench_for(["--only", "tls"], tmp_path)
    assert [p[0] for p in tls_only.phases(tls_only.modes[0])] == ["plain", "tls"]
    assert not any(s.group for s in tls_only.scenarios)


def test_only_large_refuses_a_scenario_list():
    assert run_bench.parse_args(["--only", "large"]).only == "large"
    with pytest.raises(SystemExit):
        run_bench.parse_args(["--only", "large", "--scenarios", "large_set_d64_c10"])


# ----- the report, on synthetic runs --------------------------------------------------------------

def base_results():
    """The committed bench/results.json without any large-value scenario or run."""
    data = json.loads((BENCH_DIR / "results.json").read_text())
    large = {s["key"] for s in data["scenarios"] if s.get("group") == "large"}
    data["scenarios"] = [s for s in data["scenarios"] if s["key"] not in large]
    data["runs"] = [r for r in data["runs"] if r["scenario"] not in large]
    for info in data["modes"].values():
        info.pop("large_servers", None)
    data["summary"] = report.summarize(data)
    return data


def with_large(data, slow_key, modes=("pinned", "unpinned")):
    """data plus the group, Redoubt at half Redis's CPU per request except slow_key in
    pinned mode (twice Redis's)."""
    data = copy.deepcopy(data)
    data["scenarios"] += [asdict(s) for s in
                          scenarios.build_large_scenarios(scenarios.FULL_SIZES)]
    for mode in modes:
        for key in large_keys():
            for rep in (1, 2):
                factor = 2.0 if (mode == "pinned" and key == slow_key) else 0.5
                data["runs"] += [fake_run(mode, "redis", key, rep, 100.0 + rep),
                                 fake_run(mode, "redoubt", key, rep, factor * (100.0 + rep))]
    data["summary"] = report.summarize(data)
    return data


def test_report_without_the_group_shows_no_trace_of_it(tmp_path):
    data = base_results()

    rows = report.evaluate_targets(data)
    report.write_report(data, tmp_path)

    assert not any(r[0] == LARGE_TITLE for r in rows)
    text = (tmp_path / "RESULTS.md").read_text()
    assert "## Large values" not in text and LARGE_TITLE not in text


def test_report_gives_the_group_its_table_and_target_rows_and_keeps_it_out_of_the_others(
        tmp_path):
    base = base_results()
    data = with_large(base, "large_set_d1048576_c50")

    rows = report.evaluate_targets(data)
    report.write_report(data, tmp_path)

    large = {r[2]: r for r in rows if r[0] == LARGE_TITLE}
    assert large["pinned"][1] == "≤ 1.0× in every scenario"
    assert large["pinned"][4] == "missed" and large["pinned"][3].startswith(
        "19/20 scenarios; worst 2.00× (SET 1 MB c=50)")
    assert large["unpinned"][4] == "met" and large["unpinned"][3].startswith("20/20")
    # The generic rows judge the core scenarios only: the same as without the group.
    assert [r for r in rows if r[0] != LARGE_TITLE] == report.evaluate_targets(base)
    text = (tmp_path / "RESULTS.md").read_text()
    section = text.split("## Large values", 1)[1].split("\n## ", 1)[0]
    for mode in ("pinned", "unpinned"):
        table = section.split(f"### {mode}", 1)[1].split("###", 1)[0]
        body = [l for l in table.splitlines() if l.startswith("| ") and "---" not in l][1:]
        assert len(body) == 20
    assert "| SET | 1 MB | 50 | 203.00 (202.00–204.00) | 101.50 (101.00–102.00) | 2.00× " \
           "(1.98–2.02) ✗ | 5.0k (5.0k–5.0k) |" in section
    assert "| GET | 64 B | 10 | 50.75 (50.50–51.00) | 101.50 (101.00–102.00) | 0.50× ✓ |" \
        in section
    # The core tables do not list the group.
    core = text.split("## Throughput, CPU and latency: pinned", 1)[1].split("\n## ", 1)[0]
    assert "c=50" not in core


def test_report_of_the_group_alone_has_only_its_rows_and_no_chart(tmp_path):
    base = base_results()
    data = copy.deepcopy(base)
    # As run_bench.py --only large writes it: no core or TLS scenario, every other phase
    # skipped.
    data.update(scenarios=[], runs=[], memory=[], tls={"planned": False, "skipped": []})
    for phase in ("acl", "migration", "rotation"):
        data[phase] = {"skipped": "--only large", "planned": [], "runs": []}
    data = with_large(data, "none")

    rows = report.evaluate_targets(data)
    report.write_report(data, tmp_path)

    assert [r[0] for r in rows if r[2] in data["modes"]] == [LARGE_TITLE] * len(data["modes"])
    assert not (tmp_path / "results.png").exists()
    assert "## Large values" in (tmp_path / "RESULTS.md").read_text()


# ----- one short real run -------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.redoubt_timeout(240)
def test_only_large_runs_end_to_end_and_renders(tmp_path):
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    # 1 MiB of values per run, at most 100 requests (each run at least 50: one per client).
    cmd = run_bench_command(tmp_path, "--only", "large", "--reps", "1", "--modes", "unpinned",
                            "--large-bytes", str(1 << 20), "--n-large", "100",
                            "--time-limit", "3")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=220)

    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads((tmp_path / "results.json").read_text())
    assert [r["scenario"] for r in data["runs"] if r["server"] == "redis"] == large_keys()
    assert all(r["ok"] for r in data["runs"]), [r.get("error") for r in data["runs"]]
    # 64 B and 1 KB capped at 100; 16 KB: 1 MiB / 16 KiB; 256 KB and 1 MB: one per client.
    assert {r["scenario"].split("_")[2]: r["requests"] for r in data["runs"]} == {
        "d64": 100, "d1024": 100, "d16384": 64, "d262144": 50, "d1048576": 50}
    assert " -d 1048576 " in next(r["command"] for r in data["runs"]
                                  if r["scenario"] == "large_get_d1048576_c50")
    text = (tmp_path / "RESULTS.md").read_text()
    assert "## Large values" in text and "### unpinned" in text
    assert f"| {LARGE_TITLE} | ≤ 1.0× in every scenario | unpinned |" in text
    assert "Throughput (rps) vs Redis" not in text
