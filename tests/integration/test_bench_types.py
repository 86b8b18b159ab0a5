# The data-types phases of the benchmark (bench/data_types.py, run_bench.py --only types /
# --no-types, report_types.py): their plan (ids, order, request counts, the LRANGE custom
# commands, which phases run), the load commands of the memory data sets, the report (its section
# and four Targets rows; a results.json without the phases gets a note and no row), and one short
# real run of `run_bench.py --only types` against both servers.
#
# The plan and report tests start no process. The real run needs the server under test
# (REDOUBT_SERVER), redis-benchmark and redis-cli; it uses a few hundred requests, one rep and a
# few thousand elements, with servers and client on CPU 0, so it says nothing about performance,
# only that the harness runs, every test gets an OK reply from both servers and the report
# renders.
import copy
import json
import subprocess
from dataclasses import asdict

import pytest

from support import servers
from support.bench_plans import bench_for, fake_run, run_bench_command
from support.tools import BENCH_DIR, import_bench_script

data_types = import_bench_script("data_types")
report = import_bench_script("report")
run_bench = import_bench_script("run_bench")

TESTS = ["ping_inline", "ping_mbulk", "set", "get", "incr", "lpush", "rpush", "lpop", "rpop",
         "sadd", "hset", "spop", "zadd", "zpopmin", "lrange_100", "lrange_600", "mset", "xadd",
         "evalsha", "xreadgroup"]
CPU_TITLE = "Data-type tests: server CPU per request vs Redis"
SMALL_TITLE = "Memory per element, small hashes"
BIG_TITLE = "Memory per element, big aggregates"


def type_keys():
    return [f"types_{test}_p{p}" for p in (1, 16) for test in TESTS]


# ----- the plan -----------------------------------------------------------------------------------

def test_tests_ids_order_commands_and_request_counts():
    full = data_types.build_type_scenarios(data_types.FULL_SIZES)

    assert [s.key for s in full] == type_keys()
    by_key = {s.key: s for s in full}
    assert by_key["types_set_p1"].bench_args() == [
        "-t", "set", "-n", "100000", "-c", "50", "-d", "3", "-P", "1", "--csv"]
    # The LRANGE tests: redis-benchmark's own command bytes, without its LPUSH.
    assert by_key["types_lrange_600_p16"].bench_args() == [
        "-n", "50000", "-c", "50", "-d", "3", "-P", "16", "--csv", "LRANGE", "mylist", "0", "599"]
    assert by_key["types_lrange_100_p1"].csv_name == "LRANGE mylist 0 99"
    assert {s.key for s in full if s.list_len} == {
        "types_lrange_100_p1", "types_lrange_600_p1", "types_lrange_100_p16",
        "types_lrange_600_p16"}
    assert by_key["types_mset_p16"].csv_name == "MSET (10 keys)"
    # XADD and EVALSHA are custom commands too, without a list to fill.
    assert by_key["types_xadd_p1"].bench_args()[-5:] == ["XADD", "mystream", "*", "myfield",
                                                         "myvalue"]
    assert by_key["types_evalsha_p16"].csv_name == (
        f"EVALSHA {data_types.EVALSHA_SHA1} 1 counter:evalsha")
    assert by_key["types_xreadgroup_p1"].bench_args()[-9:] == [
        "XREADGROUP", "GROUP", "bench-group", "bench-consumer", "COUNT", "10", "STREAMS",
        "groupstream", "0"]
    counts = {s.key: s.requests for s in full}
    assert counts["types_get_p1"] == 100_000 and counts["types_get_p16"] == 1_000_000
    assert [counts[f"types_lrange_{n}_p{p}"] for p in (1, 16) for n in (100, 600)] == [
        100_000, 50_000, 250_000, 50_000]
    # LPOP and RPOP pop what LPUSH and RPUSH pushed, never an empty list.
    for p in (1, 16):
        assert len({counts[f"types_{t}_p{p}"] for t in ("lpush", "rpush", "lpop", "rpop")}) == 1
    quick = data_types.build_type_scenarios(data_types.QUICK_SIZES)
    assert {s.requests for s in quick if s.pipeline == 1 and not s.list_len} == {5_000}


def test_only_types_runs_the_phases_alone(tmp_path):
    bench = bench_for(["--only", "types"], tmp_path)

    assert bench.scenarios == [] and bench.modes == []
    assert bench.types.planned and bench.args.skip_memory
    assert [p.skipped for p in (bench.acl, bench.migration, bench.rotation)] == [
        "--only types"] * 3
    assert [label for label, _, _ in bench.types.mode.servers] == ["redoubt", "redis"]
    assert (bench.types.mode.server_cpus, bench.types.mode.client_cpus) == ("1", "0")
    # 19 tests x 2 depths x 2 servers x 3 reps, ~2 s each; the memory loads ~1 min.
    assert bench.types.total_runs() == 240
    assert 6 * 60 < bench.estimate_s() < 14 * 60
    quick = bench_for(["--only", "types", "--quick", "--type-elements", "2000"], tmp_path)
    assert quick.types.elements == 2000 and quick.estimate_s() < 4 * 60


def test_no_types_and_the_other_only_choices_skip_the_phases(tmp_path):
    assert bench_for(["--no-types"], tmp_path).types.skipped == "--no-types"
    assert bench_for(["--only", "large"], tmp_path).types.skipped == "--only large"
    assert bench_for(["--only", "acl"], tmp_path).types.skipped == "--only acl"
    full = bench_for([], tmp_path)
    assert full.types.planned and full.acl.planned
    with pytest.raises(SystemExit):
        run_bench.parse_args(["--only", "types", "--no-types"])
    with pytest.raises(SystemExit):
        run_bench.parse_args(["--only", "types", "--scenarios", "set_d64_p1"])


def test_data_set_commands_load_exactly_n_elements():
    n = 250
    sets = {ds.key: ds for ds in data_types.DATASETS}
    small = list(sets["small_hashes"].commands(n))
    assert len(small) == n == sets["small_hashes"].command_count(n)
    assert small[0][:2] == (b"HSET", b"h:0000000") and len(small[0]) == 10  # 4 fields
    assert len({c[1] for c in small}) == n and sets["small_hashes"].first_key(n) == "h:0000000"
    words_per_element = {"big_hash": 2, "big_set": 1, "big_zset": 2, "big_list": 1}
    for key, words in words_per_element.items():
        commands = list(sets[key].commands(n))
        assert len(commands) == sets[key].command_count(n) == 3  # 100 + 100 + 50
        assert {bytes(c[1]) for c in commands} == {sets[key].target.encode()}
        assert sum(len(c) - 2 for c in commands) == n * words
    members = [w for c in sets["big_set"].commands(n) for w in c[2:]]
    assert len(set(members)) == n and not any(m.isdigit() for m in members)  # not an intset
    # The stream: one XADD per entry, ids ascending.
    entries = list(sets["big_stream"].commands(n))
    assert len(entries) == sets["big_stream"].command_count(n) == n
    ids = [tuple(int(x) for x in c[2].split(b"-")) for c in entries]
    assert ids == sorted(set(ids)) and entries[0][:2] == [b"XADD", b"bigstream"]


# ----- the report, on synthetic data --------------------------------------------------------------

def base_results():
    """The committed bench/results.json (it may or may not have the phases), without them."""
    data = json.loads((BENCH_DIR / "results.json").read_text())
    data.pop("types", None)
    data["summary"] = report.summarize(data)
    return data


def fake_memory(dataset, server, per_element, n=1000):
    return {"dataset": dataset, "server": server, "elements": n, "commands": n,
            "counted": n, "count_source": "DBSIZE", "encoding": "listpack",
            "rss_before": 10_000_000, "rss_after": 10_000_000 + per_element * n,
            "used_memory_before": 0, "used_memory_after": per_element * n // 2, "load_s": 0.5,
            "pipe_output": f"errors: 0, replies: {n}", "ok": True}


def with_types(data, slow_key, list_ratio):
    """data plus the phases: Redoubt at half Redis's CPU per request except slow_key (twice
    Redis's), memory 0.5x Redis's except the big list (list_ratio)."""
    data = copy.deepcopy(data)
    sizes = dict(data_types.FULL_SIZES)
    scenarios = data_types.build_type_scenarios(sizes)
    runs = []
    for s in scenarios:
        for rep in (1, 2):
            factor = 2.0 if s.key == slow_key else 0.5
            runs += [fake_run("pinned", "redis", s.key, rep, 10.0 + rep),
                     fake_run("pinned", "redoubt", s.key, rep, factor * (10.0 + rep))]
    memory = []
    for ds in data_types.DATASETS:
        ratio = list_ratio if ds.key == "big_list" else 0.5
        memory += [fake_memory(ds.key, "redoubt", int(100 * ratio)),
                   fake_memory(ds.key, "redis", 100)]
    data["types"] = {
        "skipped": None, "planned": True, "reps": 2,
        "mode": {"name": "pinned", "description": "", "server_cpus": "1", "client_cpus": "0"},
        "sizes": sizes, "list_len": data_types.LIST_LEN, "batch": data_types.BATCH,
        "scenarios": [asdict(s) for s in scenarios],
        "datasets": [dict(asdict(ds), commands=1000) for ds in data_types.DATASETS],
        "servers": {}, "runs": runs, "memory": memory}
    data["summary"] = report.summarize(data)
    return data


def test_report_without_the_phases_has_a_note_and_no_rows(tmp_path):
    data = base_results()

    rows = report.evaluate_targets(data)
    report.write_report(data, tmp_path)

    assert not any(r[0] in (CPU_TITLE, SMALL_TITLE, BIG_TITLE) for r in rows)
    section = (tmp_path / "RESULTS.md").read_text().split("## Data types", 1)[1]
    assert section.split("\n## ", 1)[0].strip().startswith("Not in this results.json")


def test_report_gives_the_phases_their_tables_and_four_target_rows(tmp_path):
    base = base_results()
    data = with_types(base, "types_spop_p16", 2.4)

    rows = report.evaluate_targets(data)
    report.write_report(data, tmp_path)

    mine = [r for r in rows if r[0] in (CPU_TITLE, SMALL_TITLE, BIG_TITLE)]
    assert [(r[0], r[2], r[4]) for r in mine] == [
        (CPU_TITLE, "pinned P=1", "met"), (CPU_TITLE, "pinned P=16", "missed"),
        (SMALL_TITLE, "memory", "met"), (BIG_TITLE, "memory", "missed")]
    assert mine[1][1] == "≤ 1.0× in every test"
    assert mine[1][3].startswith("19/20 tests; worst 2.00× (SPOP P=16)")
    assert mine[2][3] == "0.50× (50.0 vs 100.0 B/hash, RSS growth)"
    assert mine[3][3].startswith("4/5 aggregates; worst 2.40× (one big list)")
    # The other rows are those of the file without the phases.
    assert [r for r in rows if r not in mine] == report.evaluate_targets(base)
    section = (tmp_path / "RESULTS.md").read_text().split("## Data types", 1)[1].split(
        "\n## ", 1)[0]
    for pipeline in (1, 16):
        table = section.split(f"### P={pipeline}", 1)[1].split("###", 1)[0]
        body = [l for l in table.splitlines() if l.startswith("| ") and "---" not in l][1:]
        assert len(body) == 20
    assert ("| SPOP | 1,000,000 | 23.00 (22.00–24.00) | 11.50 (11.00–12.00) | 2.00× (1.83–2.18) "
            "✗ |") in section
    assert "| LRANGE_600 | 50,000 | 5.75 (5.50–6.00) | 11.50 (11.00–12.00) | 0.50× " in section
    memory = section.split("### Memory per element", 1)[1]
    # Redoubt's used_memory starts at 0: a value, not a missing one.
    assert ("| one big list | B/element | 1,000 / 1,000 | listpack / listpack | 240.0 | 100.0 | "
            "2.40× ✗ (≤1.0) | 120.0 | 50.0 | 2.40× |") in memory
    assert "| small hashes (4 fields) | B/hash |" in memory and "0.50× ✓ (≤0.8)" in memory


def test_report_lists_failed_runs_and_loads(tmp_path):
    data = with_types(base_results(), "none", 0.5)
    data["types"]["runs"][0].update(ok=False, error="redis-benchmark exit 1; stderr: Error "
                                    "from server: ERR unknown command")
    data["types"]["memory"][0] = {"dataset": "small_hashes", "server": "redoubt",
                                  "elements": 1000, "ok": False, "error": "RespError: boom"}
    data["summary"] = report.summarize(data)

    report.write_report(data, tmp_path)

    text = (tmp_path / "RESULTS.md").read_text()
    assert "- redis PING (inline) P=1 rep 1: redis-benchmark exit 1" in text
    assert "- small_hashes on redoubt: RespError: boom" in text
    row = next(r for r in report.evaluate_targets(data) if r[0] == SMALL_TITLE)
    assert row[3:] == ("no data", "n/a")


# ----- one short real run -------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.redoubt_timeout(300)
def test_only_types_runs_end_to_end_and_renders(tmp_path):
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    cmd = run_bench_command(tmp_path, "--only", "types", "--reps", "1", "--n-types-p1", "200",
                            "--n-types-p16", "400", "--type-elements", "3000",
                            "--server-cpu", "0", "--client-cpu", "0", "--time-limit", "4")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=280)

    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    types = json.loads((tmp_path / "results.json").read_text())["types"]
    assert [r["scenario"] for r in types["runs"] if r["server"] == "redis"] == type_keys()
    assert all(r["ok"] for r in types["runs"]), [r.get("error") for r in types["runs"]
                                                 if not r["ok"]]
    lrange = next(r for r in types["runs"] if r["scenario"] == "types_lrange_600_p16")
    assert lrange["command"].endswith(" --csv LRANGE mylist 0 599")
    assert [(e["dataset"], e["server"]) for e in types["memory"]] == [
        (ds.key, server) for ds in data_types.DATASETS for server in ("redoubt", "redis")]
    assert all(e["ok"] and e["counted"] == 3000 for e in types["memory"]), types["memory"]
    text = (tmp_path / "RESULTS.md").read_text()
    assert "## Data types" in text and "### P=16" in text and "### Memory per element" in text
    assert f"| {CPU_TITLE} | ≤ 1.0× in every test | pinned P=1 |" in text
    assert f"| {BIG_TITLE} | ≤ 1.0× in every aggregate | memory |" in text
