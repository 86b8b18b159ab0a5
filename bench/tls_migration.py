#!/usr/bin/python3
# Online TLS migration of one node, measured from the clients' side: a plaintext client and a
# TLS client (two redoubt-downtime processes) keep reading and writing while the operator moves
# the server from tls-mode none to preferred to required with CONFIG SET, and optionally
# rotates the certificate on the way. The claim under test: nobody who can follow (the TLS
# client, and the plaintext client until `required`) sees a single failed operation, and
# plaintext is really shut out once `required` is set.
#
#   bench/tls_migration.py                       # 10 s per phase, table + bench/tls_migration.json
#   bench/tls_migration.py --rotate-cert --phase-seconds 4 --plot /tmp/migration.png
#   tests/integration/test_tls_migration.py      # the same via run_migration(), short phases
#
# Steps: start redoubt-server with --tls-mode none and certificates loaded (from
# tests/support/tls_certs.py); start the plaintext tester and let it prefill; phase "none";
# CONFIG SET tls-mode preferred; start the TLS tester, let it prefill; phase "preferred" (with
# --rotate-cert: halfway through, a new certificate from the same CA is loaded with CONFIG SET
# tls-cert-file/tls-key-file and must be the one new handshakes see); INFO ssl must show both a
# plaintext and a TLS client; CONFIG SET tls-mode required; phase "required"; stop both testers
# through their --until-file and read their JSON reports.
#
# Read first:
#   - Per-second rows of the testers are split into phases by the unix time each CONFIG SET
#     was sent. A row belongs to the phase in force at its end, so the second in which the
#     mode changed counts for the new phase: plaintext failures in the row that straddles the
#     switch to `required` are expected and land in "required".
#   - "Failed operations" = failed + connection_errors + timeout_errors, as the tester counts.
#   - The testers' connect and operation timeouts: standalone (make bench) the tool's defaults,
#     100/250 ms, as the managed service's guide measures; the test in make test passes 1 s,
#     because there a scheduling stall of the loaded 2-core machine (ASan builds, parallel
#     steps) is not a migration failure, and a failure caused by the migration is a closed
#     connection or an error reply, which no timeout hides.
#   - Every process is started here, tracked and stopped by PID (testers: stop file, then
#     SIGTERM, then SIGKILL); the working directory (certificates, reports, logs) is removed.
#     That frame, the testers, the per-phase split, the table and the chart are
#     bench/downtime_testers.py's, shared with bench/acl_rotation.py.
#
# Environment (as tests/support/servers.py): REDOUBT_SERVER, REDOUBT_SERVER_KIND (must be
# "redoubt": redis-server has no tls-mode); REDOUBT_TOOLS_DIR for redoubt-downtime (default:
# next to the server binary, else <repo>/build/bin).
import argparse
import socket
import ssl
import sys
import time
from pathlib import Path

# No __pycache__ from these imports; the flag is restored because pytest imports this file as a
# module.
_WRITE_BYTECODE = sys.dont_write_bytecode
sys.dont_write_bytecode = True
import downtime_testers as dt  # noqa: E402  (puts tests/ on sys.path)
from bench_util import RespError, command, parse_info  # noqa: E402
from support.tls_certs import CertFactory  # noqa: E402
sys.dont_write_bytecode = _WRITE_BYTECODE

PHASES = ("none", "preferred", "required")
DEFAULT_JSON = Path(__file__).resolve().parent / "tls_migration.json"
LOCKOUT_S = 1.0              # plaintext must have no successful op this long after `required`
COUNTED = ("ok", "failed", "connection_errors", "timeout_errors", "data_errors", "downtime_ms")


class MigrationError(dt.ScenarioError):
    """The scenario could not be run (tool missing, server or tester died, ...)."""


def info_ssl(port, tls=None):
    return parse_info(command(port, "INFO", "ssl", tls=tls, timeout=5.0))


def peer_serial(port, context):
    """Serial (int) of the certificate a fresh TLS handshake with the server presents."""
    with socket.create_connection(("127.0.0.1", port), timeout=5.0) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
            return int(sock.getpeercert()["serialNumber"], 16)


def _int_serial(text):
    try:
        return int(str(text).replace(":", ""), 16)
    except ValueError:
        return None


# ----- the scenario -----------------------------------------------------------------------------

class Migration(dt.DowntimeScenario):
    """The steps of the migration. events: every CONFIG SET (and the certificate rotation);
    observed: INFO ssl snapshots and rotation facts."""

    error = MigrationError
    work_prefix = "redoubt-tls-migration-"

    def __init__(self, phase_s, prefill_s, rotate_cert, server_binary, tools_dir, key_type, log,
                 timeouts_ms):
        super().__init__(server_binary, tools_dir, log, timeouts_ms)
        self.phase_s = phase_s
        self.prefill_s = prefill_s
        self.rotate_cert = rotate_cert
        self.key_type = key_type

    # --- control

    def config_set(self, what, *pairs, tls=None):
        """CONFIG SET with the send and reply times recorded; the reply must be OK."""
        t_sent = time.time()
        try:
            reply = command(self.server.port, "CONFIG", "SET", *pairs, tls=tls)
        except (OSError, RespError, ConnectionError) as e:
            reply = f"{type(e).__name__}: {e}"
        event = {"what": what, "args": list(pairs), "t_sent": t_sent, "t_reply": time.time(),
                 "reply": reply, "over": "tls" if tls else "plaintext"}
        self.events.append(event)
        self.check(f"CONFIG SET {' '.join(pairs)} replies OK", reply == "OK", repr(reply))
        self.log(f"  {time.strftime('%H:%M:%S')} CONFIG SET {' '.join(pairs)} -> {reply}")
        return event

    def wait(self, seconds):
        """Sleeps `seconds`, failing early if the server or a tester dies."""
        deadline = time.monotonic() + seconds
        while True:
            self.check_alive()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(0.2, left))

    def start_tester(self, label, ca_cert=None):
        tester = self.add_tester(label, self.prefill_s, f"migration:{label}:",
                                 extra_args=["--tls", "--cacert", str(ca_cert)] if ca_cert
                                 else [])
        self.log(f"  {time.strftime('%H:%M:%S')} started {dt.TOOL} {label} "
                 f"(pid {tester.proc.pid}); prefill {self.prefill_s:g}s")
        self.wait(self.prefill_s + dt.PREFILL_SLACK_S)
        return tester

    # --- the run

    def run(self):
        self.prepare("the migration needs tls-mode, which redis-server does not have")
        certs = CertFactory(self.work / "certs")
        ca = certs.ca(key_type=self.key_type)
        first = certs.server_cert("server", key_type=self.key_type)
        context = ssl.create_default_context(cafile=ca.cert)
        self.start_server(["--tls-mode", "none", "--tls-cert-file", first.cert,
                           "--tls-key-file", first.key, "--tls-ca-cert-file", ca.cert],
                          " with --tls-mode none and certificates")
        self.log(f"redoubt-server pid {self.server.pid} port {self.server.port}, tls-mode none; "
                 f"phases of {self.phase_s:g}s")

        self.stage = "phase none"
        self.start_tester("plain")
        self.wait(self.phase_s)

        self.stage = "phase preferred"
        self.config_set("tls-mode preferred", "tls-mode", "preferred")
        self.start_tester("tls", ca.cert)
        if self.rotate_cert:
            self.wait(self.phase_s / 2)
            self.rotate(certs, first, context)
            self.wait(self.phase_s / 2)
        else:
            self.wait(self.phase_s)
        # Fetched over TLS, so this connection counts as a TLS client: the one plaintext
        # client must be the plaintext tester, and the TLS count includes us.
        info = info_ssl(self.server.port, context)
        self.observed["info_ssl_preferred"] = info
        tcp = int(info.get("tls_mode_connected_tcp_clients", -1))
        tls = int(info.get("tls_mode_connected_tls_clients", -1))
        self.check("INFO ssl in preferred: the plaintext tester is connected "
                   "(tls_mode_connected_tcp_clients >= 1)", tcp >= 1, f"{tcp}")
        self.check("INFO ssl in preferred: the TLS tester and this INFO are connected "
                   "(tls_mode_connected_tls_clients >= 2)", tls >= 2, f"{tls}")
        self.check("INFO ssl in preferred: tls_mode is preferred",
                   info.get("tls_mode") == "preferred", info.get("tls_mode", "missing"))

        # Sent over TLS: in `required` a plaintext control connection would itself be cut.
        self.stage = "phase required"
        self.config_set("tls-mode required", "tls-mode", "required", tls=context)
        self.wait(self.phase_s)
        self.observed["info_ssl_required"] = info_ssl(self.server.port, context)

        self.stage = "stopping the testers"
        return self.stop_testers()

    def rotate(self, certs, old, context):
        before = info_ssl(self.server.port, context).get("ssl_current_certificate_serial")
        new = certs.server_cert("server-rotated", key_type=self.key_type)
        event = self.config_set("certificate rotation", "tls-cert-file", new.cert,
                                "tls-key-file", new.key, tls=context)
        after = info_ssl(self.server.port, context).get("ssl_current_certificate_serial")
        presented = peer_serial(self.server.port, context)
        self.observed["rotation"] = {"old_serial": old.serial_hex, "new_serial": new.serial_hex,
                                     "info_before": before, "info_after": after,
                                     "presented_after": f"{presented:X}",
                                     "t": event["t_sent"]}
        self.check("rotation: INFO ssl ssl_current_certificate_serial changed",
                   before is not None and after is not None and before != after,
                   f"{before} -> {after}")
        self.check("rotation: INFO ssl shows the new certificate's serial",
                   _int_serial(after) == new.serial, f"{after} (new {new.serial_hex})")
        self.check("rotation: a new handshake presents the new certificate",
                   presented == new.serial, f"{presented:X} (new {new.serial_hex})")


# ----- analysis ---------------------------------------------------------------------------------

def split_phases(report, switches):
    """{phase: totals} of a tester's per-second rows, each row in the phase in force at its end
    (a row counts as one second); switches = {"preferred": t, "required": t}."""
    return dt.split_phases(report.get("per_second", []),
                           lambda row: dt.phase_at(row["t"] + 1.0, "none", switches), COUNTED)


def analyse(events, reports):
    """The pass/fail checks on the testers' reports, and the per-phase table.

    events: the CONFIG SETs as Migration.config_set records them (only "what", "t_sent" and
    "t_reply" are read); reports: {"plain": report, "tls": report} from redoubt-downtime.
    Returns (checks, rows)."""
    checks = []

    def check(name, ok, detail=""):
        checks.append({"name": name, "ok": bool(ok), "detail": detail})

    by_what = {e["what"]: e for e in events}
    switches = {"preferred": by_what["tls-mode preferred"]["t_sent"],
                "required": by_what["tls-mode required"]["t_sent"]}
    required_done = by_what["tls-mode required"]["t_reply"]
    plain, tls = reports["plain"], reports["tls"]
    plain_phases, tls_phases = split_phases(plain, switches), split_phases(tls, switches)

    for phase in ("none", "preferred"):
        p = plain_phases.get(phase, {})
        check(f"plaintext tester: 0 failed operations in phase {phase}",
              p.get("failed_ops", 0) == 0, _describe(p))
        check(f"plaintext tester: operations succeed in phase {phase}", p.get("ok", 0) > 0,
              _describe(p))
    tls_failed = sum(dt.failures_of(r) for r in tls.get("per_second", []))
    check("TLS tester: 0 failed operations throughout", tls_failed == 0,
          f"{tls_failed} failed; totals {tls.get('totals')}")
    for phase in ("preferred", "required"):
        p = tls_phases.get(phase, {})
        check(f"TLS tester: operations succeed in phase {phase}", p.get("ok", 0) > 0,
              _describe(p))
    for label, rep in reports.items():
        errors = rep.get("totals", {}).get("data_errors", 0) + sum(
            r.get("data_errors", 0) for r in rep.get("per_second", []))
        check(f"{label} tester: 0 data errors", errors == 0, f"{errors}")
    req = plain_phases.get("required", {})
    check("plaintext tester: fails once tls-mode is required", req.get("failed_ops", 0) > 0,
          _describe(req))
    late = [r for r in plain.get("per_second", [])
            if r["t"] >= required_done + LOCKOUT_S and r.get("ok", 0) > 0]
    check(f"plaintext tester: no successful operation later than {LOCKOUT_S:g} s after "
          "tls-mode required", not late,
          "" if not late else f"{len(late)} second(s) with successes, first at "
                              f"+{late[0]['t'] - required_done:.1f}s: {late[0]}")

    rows = []
    for label, phases in (("plain", plain_phases), ("tls", tls_phases)):
        for phase in PHASES:
            if phase in phases:
                rows.append({"tester": label, "phase": phase, **phases[phase]})
    return checks, rows


def _describe(p):
    if not p:
        return "no per-second rows in this phase"
    return (f"ok {p['ok']}, failed {p['failed']}, connection errors {p['connection_errors']}, "
            f"timeouts {p['timeout_errors']}, data errors {p['data_errors']}, "
            f"{p['seconds']} s")


def format_table(rows):
    header = ("tester", "phase", "seconds", "ok ops", "failed ops", "conn err", "timeouts",
              "data err", "downtime ms")
    return dt.text_table(header, [
        (r["tester"], r["phase"], str(r["seconds"]), f"{r['ok']:,}", str(r["failed_ops"]),
         str(r["connection_errors"]), str(r["timeout_errors"]), str(r["data_errors"]),
         f"{r['downtime_ms']:,.0f}") for r in rows], left_columns=2)


# ----- plot -------------------------------------------------------------------------------------

def plot(result, png_path):
    """ok ops/s and failed ops/s per tester over time, CONFIG SETs marked. False on failure."""
    t0 = result["t0"]
    blocks = []
    for label in ("plain", "tls"):
        # Rates, not counts: a row may cover less than a second (the end of the prefill, the
        # last row). Each row sits at its middle.
        block = []
        for r in result["reports"].get(label, {}).get("per_second", []):
            span = r.get("duration_s") or 1.0
            block.append(f"{r['t'] + span / 2 - t0:.3f} {r.get('ok', 0) / span:.1f} "
                         f"{dt.failures_of(r) / span:.1f}")
        blocks.append(block)
    marks = dt.step_marks([(e["t_sent"], {"certificate rotation": "new cert"}.get(
        e["what"], e["what"].replace("tls-mode ", ""))) for e in result["events"]], t0)
    line = "with linespoints pt 7 ps 0.5"
    bar = "axes x1y2 with impulses lw 4"
    return dt.draw_chart(
        png_path, "Online TLS migration: " + ("passed" if result["passed"] else "FAILED"),
        "successful ops/s", "failed ops/s", blocks,
        [f"index 0 using 1:2 {line} lc rgb 'steelblue' title 'plaintext ok/s'",
         f"index 1 using 1:2 {line} lc rgb 'forest-green' title 'TLS ok/s'",
         f"index 0 using 1:3 {bar} lc rgb 'red' title 'plaintext failed/s'",
         f"index 1 using 1:3 {bar} lc rgb 'orange' title 'TLS failed/s'"], marks)


# ----- entry points -----------------------------------------------------------------------------

def run_migration(phase_s=10.0, prefill_s=5.0, rotate_cert=False, server_binary=None,
                  tools_dir=None, key_type="rsa", json_path=None, plot_path=None, log=print,
                  connect_timeout_ms=dt.DEFAULT_CONNECT_TIMEOUT_MS,
                  op_timeout_ms=dt.DEFAULT_OP_TIMEOUT_MS):
    """Runs the scenario; returns the result dict ("passed", "failures", "checks", "phases",
    "events", "observed", "reports", ...). Writes json_path / plot_path when given.

    Raises MigrationError when it cannot run (the result then does not exist)."""
    migration = Migration(phase_s, prefill_s, rotate_cert, server_binary, tools_dir, key_type,
                          log, (connect_timeout_ms, op_timeout_ms))
    reports, sanitizer = dt.run_scenario(migration)
    checks, rows = analyse(migration.events, reports)
    migration.checks += checks
    failures = migration.failures(sanitizer)
    result = {
        "generated_by": "bench/tls_migration.py",
        "passed": not failures,
        "failures": failures,
        "checks": migration.checks,
        "phases": rows,
        "events": migration.events,
        "observed": migration.observed,
        "params": {"phase_seconds": phase_s, "prefill_seconds": prefill_s,
                   "rotate_cert": rotate_cert, "key_type": key_type,
                   "connect_timeout_ms": connect_timeout_ms, "op_timeout_ms": op_timeout_ms,
                   "lockout_seconds": LOCKOUT_S},
        **migration.processes(),
        "t0": migration.t0, "t_end": migration.t_end,
        "reports": reports,
    }
    if failures:
        result["server_log_tail"] = migration.server_log
    if json_path:
        dt.write_json(json_path, result)
    if plot_path:
        result["plot"] = str(plot_path) if plot(result, plot_path) else None
    return result


def print_result(result, out=sys.stdout):
    print("\n" + format_table(result["phases"]), file=out)
    print("", file=out)
    dt.print_checks(result["checks"], out)
    print(f"\n{'PASSED' if result['passed'] else 'FAILED'}: online TLS migration"
          + (" with certificate rotation" if result["params"]["rotate_cert"] else ""), file=out)


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Online TLS migration of one redoubt-server (tls-mode none -> preferred "
                    "-> required, optionally rotating the certificate) under a plaintext and a "
                    "TLS redoubt-downtime client; checks that no client that can follow fails.")
    p.add_argument("--phase-seconds", type=float, default=10.0,
                   help="length of each phase after the testers' prefill (default %(default)s)")
    p.add_argument("--prefill-seconds", type=float, default=5.0,
                   help="--prefill-seconds of each redoubt-downtime (default %(default)s)")
    p.add_argument("--rotate-cert", action="store_true",
                   help="halfway through phase preferred, load a new certificate with CONFIG "
                        "SET tls-cert-file/tls-key-file and check it is served")
    p.add_argument("--key-type", choices=("rsa", "ec"), default="rsa",
                   help="certificate keys: rsa (2048) or ec (P-256); default rsa")
    dt.add_process_arguments(p, "next to the server, else build/bin")
    p.add_argument("--json", default=str(DEFAULT_JSON),
                   help="where to write the result (default %(default)s)")
    p.add_argument("--plot", default=None, metavar="PNG",
                   help="also draw ops/s per tester over time with gnuplot into this PNG")
    args = p.parse_args(argv)
    if args.phase_seconds < 1 or args.prefill_seconds < 0:
        p.error("--phase-seconds must be >= 1 and --prefill-seconds >= 0")
    return args


def main(argv):
    args = parse_args(argv)

    def body():
        result = run_migration(args.phase_seconds, args.prefill_seconds, args.rotate_cert,
                               args.server, args.tools_dir, args.key_type, args.json, args.plot,
                               connect_timeout_ms=args.connect_timeout_ms,
                               op_timeout_ms=args.op_timeout_ms)
        print_result(result)
        print(f"wrote {args.json}" + (f" and {result['plot']}" if result.get("plot") else ""))
        return 0 if result["passed"] else 1
    return dt.script_main(body)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
