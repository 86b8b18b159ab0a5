# The RESULTS.md sections of run_bench.py's client-side downtime phases (downtime_phases.py): the
# online TLS migration ("migration" block, results format 3) and the ACL password rotation
# ("rotation" block, format 5), the rotation's rows of the Targets table, and one console line
# each. Pure formatting: the scripts already judged every run (passed, failures); this file lays
# the results out and links the charts run_bench.py copied beside RESULTS.md. Files from before
# a block render a one-line note in its place. report.py calls it.
from pathlib import Path

from bench_util import markdown_section_start, markdown_table

# The rotation's target: "no client sees a failed operation while the password rotates".
ROTATION_TARGET_FAILED_OPS = 0
# The rotation's phases as acl_rotation_analysis.PHASE_TITLES names them; a copy, so that
# report.py stays a reader of results.json that imports none of the scripts.
ROTATION_PHASE_TITLES = {"prefill": "prefill", "old": "1 old only", "both": "2 old + new",
                         "move": "3 clients move", "removed": "4-5 old removed"}


# ----- shared by both sections ------------------------------------------------------------------

def _variant_sections(data, block, out_dir, body, chart_alt, heading=lambda r: r["title"]):
    """Markdown lines of one subsection per planned variant of a block: heading(run) and its
    verdict, its checks count, body(run) (the variant's own lines, ending with a blank line),
    its failures and its chart (chart_alt(variant) is the image's alt text)."""
    md = []
    runs = {r["variant"]: r for r in block.get("runs", [])}
    for variant in block.get("planned") or list(runs):
        r = runs.get(variant)
        if r is None:
            md += [f"### {variant}: not run", "",
                   "Not reached: see *Incomplete* at the top." if data.get("incomplete")
                   else "Not run.", ""]
            continue
        if r.get("error"):
            md += [f"### {heading(r)}: could not run", "", "```",
                   r["error"].strip()[-1500:], "```", ""]
            continue
        checks = r.get("checks", [])
        md += [f"### {heading(r)}: {'PASSED' if r['passed'] else 'FAILED'}", ""]
        md.append(f"{sum(c['ok'] for c in checks)}/{len(checks)} checks passed; "
                  f"{r.get('wall_s', 0):.0f} s.")
        md.append("")
        md += body(r)
        if r["failures"]:
            md += ["Failures:", ""] + [f"- {f}" for f in r["failures"]] + [""]
        if r.get("plot") and (Path(out_dir) / r["plot"]).exists():
            md += [f"![{chart_alt(variant)}]({r['plot']})", ""]
        elif r.get("plot"):
            md += [f"Chart: `{r['plot']}` (not in this directory).", ""]
        else:
            md += ["Chart: not drawn (gnuplot failed).", ""]
    return md


def _verdicts(block, title):
    """One console line: each variant's verdict, or '' when the block is absent or skipped."""
    if not block or block.get("skipped"):
        return ""
    parts = []
    for r in block.get("runs", []):
        if r.get("error"):
            parts.append(f"{r['variant']} could not run")
        elif r["passed"]:
            parts.append(f"{r['variant']} PASSED")
        else:
            parts.append(f"{r['variant']} FAILED ({len(r['failures'])} check(s))")
    ran = {r["variant"] for r in block.get("runs", [])}
    parts += [f"{v} not run" for v in block.get("planned", []) if v not in ran]
    return f"{title}: " + ", ".join(parts)


def _section(data, out_dir, key, title, predates, intro, variant_lines, chart_alt,
             heading=lambda r: r["title"]):
    """Markdown lines of the section of results.json's block `key`: intro(block, params of its
    first run that has them), then _variant_sections. A missing block (predates: what it
    predates) or a skipped phase gets a one-line note."""
    md, block = markdown_section_start(title, data.get(key), f"it predates the {predates}")
    if block is None:
        return md
    params = next((r["params"] for r in block.get("runs", []) if r.get("params")), {})
    return md + intro(block, params) + _variant_sections(data, block, out_dir, variant_lines,
                                                         chart_alt, heading)


# ----- online TLS migration ---------------------------------------------------------------------

def migration_section(data, out_dir):
    """Markdown lines of the "Online TLS migration" section."""
    return _section(data, out_dir, "migration", "Online TLS migration",
                    "migration scenario (run_bench.py before results format 3)",
                    _migration_intro, _migration_variant,
                    lambda variant: f"Online TLS migration, {variant}: ops/s per tester")


def _migration_intro(mig, params):
    """The section's opening paragraph and notes."""
    md = []
    key = {"rsa": "RSA-2048", "ec": "ECDSA P-256"}.get(mig.get("key_type"), mig.get("key_type"))
    timeouts = (f"{params['connect_timeout_ms']} / {params['op_timeout_ms']} ms"
                if params else "the tool's defaults")
    md.append(
        "`bench/tls_migration.py` against Redoubt alone (no Redis; "
        + ("pinned" if mig.get("pinned") else "server and testers unpinned")
        + f"; {key} certificates from a test CA): a plaintext and a TLS `redoubt-downtime` "
        f"(connect / operation timeouts {timeouts}) keep reading and writing while `CONFIG "
        "SET tls-mode` moves the server from `none` to `preferred` to `required`, each phase "
        f"{mig['phase_seconds']:g} s after a tester's {mig['prefill_seconds']:g} s prefill "
        "(the TLS tester starts in `preferred`). Passed means: no failed operation for the "
        "plaintext tester before `required` and for the TLS tester at all, no data error, "
        f"plaintext shut out within {params.get('lockout_seconds', 1):g} s of `required`, and "
        "the INFO ssl and rotation checks.")
    md.append("")
    md.append("- A tester's per-second rows count in the phase in force at their end (seconds "
              "include its prefill): plaintext failures in `required` are the expected "
              "lockout, including the second in which `required` was set.")
    md.append("- failed ops = every failed operation (closed or reset connection, error "
              "reply, failed connect, timeout); connection errors and timeouts are part of "
              "it. Data errors (a wrong value read back) are counted apart.")
    md.append("")
    return md


def _migration_variant(r):
    """A variant's per-tester, per-phase table, its CONFIG SETs and certificate rotation."""
    rows = [(p["tester"], p["phase"], p["seconds"], f"{p['ok']:,}", f"{p['failed_ops']:,}",
             f"{p['connection_errors']:,}", f"{p['timeout_errors']:,}",
             f"{p['data_errors']:,}", f"{p['downtime_ms']:,.0f}") for p in r["phases"]]
    md = [markdown_table(("Tester", "Phase", "seconds", "ok ops", "failed ops",
                          "connection errors", "timeouts", "data errors", "downtime ms"),
                         rows, text_columns=2), ""]
    t0 = r.get("t0") or 0
    sets = []
    for e in r.get("events", []):
        # The rotation's arguments are file paths in a deleted directory: name the keys.
        what = ("`tls-cert-file` + `tls-key-file` (certificate rotation)"
                if e["what"] == "certificate rotation" else f"`{e['what']}`")
        sets.append(f"{what} at +{e['t_sent'] - t0:.2f} s (reply {e['reply']} after "
                    f"{(e['t_reply'] - e['t_sent']) * 1000:.1f} ms, sent over "
                    f"{'TLS' if e['over'] == 'tls' else e['over']})")
    md.append("CONFIG SETs, seconds after the server started: "
              + ("; ".join(sets) if sets else "none") + ".")
    rotation = (r.get("observed") or {}).get("rotation")
    if rotation:
        md.append("")
        md.append(f"Certificate rotation: serial {rotation['old_serial']} → "
                  f"{rotation['new_serial']}; INFO ssl after: {rotation['info_after']}; "
                  f"a new handshake presented {rotation['presented_after']}.")
    md.append("")
    return md


def migration_text(data):
    """One line for the console: each variant's verdict, or '' when there is none."""
    return _verdicts(data.get("migration"), "Online TLS migration")


# ----- ACL password rotation --------------------------------------------------------------------

def rotation_section(data, out_dir):
    """Markdown lines of the "ACL password rotation" section."""
    return _section(data, out_dir, "rotation", "ACL password rotation",
                    "rotation phase (run_bench.py before results format 5)",
                    _rotation_intro, _rotation_variant,
                    lambda variant: f"ACL password rotation, {variant}: ok ops/s, failed ops/s "
                                    "and clients per password",
                    heading=lambda r: f"{r['variant']} ({r['title']})")


def _rotation_intro(rot, params):
    """The section's opening paragraph and notes."""
    md = []
    settings = (f"connect / operation timeouts {params['connect_timeout_ms']} / "
                f"{params['op_timeout_ms']} ms, password file checked every "
                f"{params['reauth_check_ms']} ms" if params else "the tool's defaults")
    md.append(
        "`bench/acl_rotation.py` against Redoubt alone (no Redis; "
        + ("pinned" if rot.get("pinned") else "server and testers unpinned")
        + f"): {rot.get('testers', params.get('testers', '?'))} `redoubt-downtime` clients, "
        f"one connection each, authenticated as `app` with `--password-file` ({settings}), "
        "keep reading while the password of `app` is rotated: **1** the old password only; "
        "**2** `ACL SETUSER app >NEW`, both valid; **3** the clients move (*reauth*: the "
        "password file is rewritten and each client re-AUTHs in-band on its open connection; "
        "*restart*: new clients started with the new password replace the old ones, which "
        "stop through their stop files), and INFO auth is polled until the old credential has "
        "`connected_clients=0`; **4–5** `ACL SETUSER app <OLD`, one more phase, then a fresh "
        "`AUTH app OLD` must get WRONGPASS and `AUTH app NEW` OK. Each phase "
        f"{rot['phase_seconds']:g} s after a {rot['prefill_seconds']:g} s prefill; no CLIENT "
        "KILL. Target: 0 failed operations for every client (prefill included). Passed also "
        "needs 0 data errors and every INFO auth check; *reauth* also no connection opened or "
        "closed from step 2 to the end.")
    md.append("")
    md.append("- failed ops = failed + connection errors + timeouts, as the clients count them "
              "(a refused re-AUTH is one). Each client row counts in the phase in force at its "
              "end; ok ops spread each row over the seconds it covers, so ok/s is the rate of "
              "all clients together in the phase's wall-clock seconds.")
    md.append("- old / new pw clients, old pw row: INFO auth's `credential_app_<id>` at the "
              "phase's end (`no row`: the removed password is gone); connected clients: the "
              "range during the phase (the sampling admin connection included); connections "
              "opened: `total_connections_received` during the phase.")
    md.append("- Old password released: from the moment the clients were told to move (reauth: "
              "the file rewritten; restart: the old clients' stop files) to the first INFO "
              "auth sample showing the old credential with 0 clients, sampled every 50 ms.")
    md.append("")
    return md


def _rotation_variant(r):
    """A variant's failed operations, release time, per-phase table and steps."""
    released = r.get("seconds_until_old_released")
    signal = next((e["what"] for e in r.get("events", [])
                   if e["what"] in ("write new password to the testers' file",
                                    "stop the first testers (stop files)")), "the move")
    failed = r.get("total_failed_operations")
    md = [f"Failed operations: **{failed}** (target {ROTATION_TARGET_FAILED_OPS}). Old password "
          "at 0 clients: "
          + (f"**{released:.3f} s** after `{signal}`." if released is not None else
             "**never** (within the wait)."), ""]
    rows = []
    for p in r["phases"]:
        rate = p["ok"] / p["seconds"] if p["seconds"] else 0
        clients = ("—" if p.get("connected_clients_min") is None else
                   str(p["connected_clients_min"]) if p["connected_clients_min"] ==
                   p["connected_clients_max"] else
                   f"{p['connected_clients_min']}–{p['connected_clients_max']}")
        rows.append((ROTATION_PHASE_TITLES.get(p["phase"], p["phase"]), f"{p['seconds']:.1f}",
                     f"{p['ok']:,}", f"{rate:,.0f}", f"{p['failed_ops']:,}",
                     f"{p['connection_errors']:,}", f"{p['timeout_errors']:,}",
                     f"{p['data_errors']:,}", f"{p['reauths']:,}", f"{p['reauth_failures']:,}",
                     f"{p['reconnects']:,}", _cell(p.get("old_connected")),
                     _cell(p.get("new_connected")),
                     (p.get("old_state") or "no row") if "old_connected" in p else "—",
                     clients, _cell(p.get("connections_opened"))))
    md.append(markdown_table(
        ("Phase", "seconds", "ok ops", "ok/s", "failed ops", "connection errors", "timeouts",
         "data errors", "re-auths", "re-auth failures", "reconnects", "old pw clients",
         "new pw clients", "old pw row", "connected clients", "connections opened"), rows))
    md.append("")
    t0 = r.get("t0") or 0
    steps = [f"{e['what']} at +{e['t_sent'] - t0:.2f} s"
             + ("" if e.get("reply") is None else f" ({e['reply']})")
             for e in r.get("events", []) if e["what"] != "create user (old password)"]
    md.append("Steps, seconds after the server started: " + "; ".join(steps) + ".")
    md.append("")
    return md


def _cell(v):
    return "—" if v is None else str(v)


def rotation_targets(data):
    """Targets rows (target, threshold, mode, result, status): one per planned variant."""
    rot = data.get("rotation") or {}
    if not rot.get("planned"):
        return []
    title = f"ACL rotation: {ROTATION_TARGET_FAILED_OPS} failed operations"
    threshold = f"= {ROTATION_TARGET_FAILED_OPS} failed ops, every check passed"
    runs = {r["variant"]: r for r in rot.get("runs", [])}
    rows = []
    for variant in rot["planned"]:
        r = runs.get(variant)
        if r is None:
            rows.append((title, threshold, variant, "no data (not run)", "n/a"))
            continue
        if r.get("error"):
            rows.append((title, threshold, variant,
                         f"could not run: {r['error'].strip().splitlines()[0][:120]}", "n/a"))
            continue
        checks = r.get("checks", [])
        released = r.get("seconds_until_old_released")
        failed = r["total_failed_operations"]
        result = (f"{failed:,} failed operations; {sum(c['ok'] for c in checks)}/{len(checks)} "
                  "checks passed; old password at 0 clients "
                  + (f"{released:.2f} s after the move" if released is not None else "never"))
        met = failed == ROTATION_TARGET_FAILED_OPS and r["passed"]
        rows.append((title, threshold, variant, result, "met" if met else "missed"))
    return rows


def rotation_text(data):
    """One line for the console: each variant's verdict, or '' when there is none."""
    return _verdicts(data.get("rotation"), "ACL password rotation")
