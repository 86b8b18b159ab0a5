# Pieces the benchmark scripts share: a one-shot RESP2 command over plaintext or TLS (and the
# encoding of one, for load files), INFO parsing, reading a small text file (/proc) with a
# default, running a gnuplot script over a temporary data file, a Markdown table, and turning
# SIGTERM & co. into KeyboardInterrupt, medians with their spread, a pinned redis-benchmark SET
# run, and saving a script's results and regenerating RESULTS.md.
# Standard library only, so every script in bench/ can import it.
import signal
import socket
import statistics
import subprocess
import sys
from pathlib import Path


class RespError(Exception):
    """An error reply (-ERR ...) or bytes that are not RESP2."""


def encode_command(args):
    """One command as a RESP2 array of bulk strings; args are bytes, or anything str() takes."""
    parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def command(port, *args, tls=None, timeout=10.0):
    """Sends one command to 127.0.0.1:port on a fresh connection; returns the decoded RESP2
    reply (str for simple and bulk strings, int, list, None). Raises RespError on an error
    reply. tls: an ssl.SSLContext to speak TLS, else plaintext."""
    payload = encode_command(args)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        sock = tls.wrap_socket(raw, server_hostname="127.0.0.1") if tls else raw
        with sock:
            sock.sendall(payload)
            with sock.makefile("rb") as f:
                return _read_reply(f)


def _read_reply(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("connection closed mid-reply")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RespError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2].decode("utf-8", "replace")
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read_reply(f) for _ in range(n)]
    raise RespError(f"unexpected reply type {line[:40]!r}")


def parse_info(text):
    """"field:value" lines (INFO, /proc files) as a dict; section headers are skipped."""
    fields = {}
    for line in (text or "").splitlines():
        if ":" in line and not line.startswith("#"):
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
    return fields


def read_text(path, default=""):
    """Contents of a small text file (/proc entries, server logs), or default if unreadable."""
    try:
        return Path(path).read_text()
    except OSError:
        return default


def run_gnuplot(script, data_file=None):
    """Runs gnuplot on script; removes data_file (a Path) afterwards. Returns True on success,
    else warns on stderr and returns False: a missing chart never fails a benchmark."""
    try:
        proc = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True,
                              timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        print(f"warning: gnuplot failed: {e}", file=sys.stderr)
        return False
    finally:
        if data_file is not None:
            Path(data_file).unlink(missing_ok=True)
    if proc.returncode != 0:
        print(f"warning: gnuplot failed: {proc.stderr.strip()}", file=sys.stderr)
        return False
    return True


def interrupt_on_signals(*signums):
    """Makes SIGINT and each of signums raise KeyboardInterrupt, so that the caller's finally
    blocks stop every process it started. SIGINT explicitly too: a shell that starts a script in
    the background sets it to ignored."""
    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in signums:
        signal.signal(signum, on_signal)


def markdown_table(header, rows, numeric=True, text_columns=1):
    """Markdown table; columns after the first text_columns are right-aligned when numeric."""
    align = "--:" if numeric else "---"
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i < text_columns else align
                            for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown_section_start(title, block, absent):
    """The first lines of a RESULTS.md section drawn from one block of results.json:
    (lines, block) when there is something to show, else (the complete section, None) -- a note
    when the block is missing (absent: why, e.g. "it predates ...") or its phase was skipped."""
    md = [f"## {title}", ""]
    if block is None:
        return md + [f"Not in this results.json: {absent}.", ""], None
    if block.get("skipped"):
        return md + [f"Not run: {block['skipped']}.", ""], None
    return md, block


def median_range(values):
    """{"median", "min", "max"} of the values that are not None, or None without any."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals)}


def redis_benchmark_set(port, requests, pipeline, cpu, keys=1_000_000, data=64, timeout=1800):
    """One redis-benchmark SET run (-c 50) pinned to `cpu`: (requests per second, p99 ms)."""
    out = subprocess.run(
        ["taskset", "-c", str(cpu), "redis-benchmark", "-p", str(port), "-t", "set",
         "-n", str(requests), "-P", str(pipeline), "-c", "50", "-r", str(keys), "-d", str(data),
         "--csv"], capture_output=True, text=True, check=True, timeout=timeout).stdout
    # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",
    # "p99_latency_ms","max_latency_ms"
    for line in out.splitlines():
        cells = [c.strip('"') for c in line.split(",")]
        if cells and cells[0] == "SET":
            return float(cells[1]), float(cells[6])
    raise RuntimeError(f"no SET line in redis-benchmark's output:\n{out}")


def save_and_report(out_dir, name, results):
    """Writes results to out_dir/name and regenerates out_dir/RESULTS.md (report.py reads
    every script's JSON file)."""
    import json
    out = Path(out_dir)
    (out / name).write_text(json.dumps(results, indent=1) + "\n")
    here = Path(__file__).resolve().parent
    subprocess.run([sys.executable, str(here / "report.py"), str(out / "results.json"), str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    print(f"wrote {out / name} and {out / 'RESULTS.md'}")


def comparison_arguments(description):
    """The command line the one-topic comparison scripts share (aof_bench, replication_bench,
    cluster_bench): --requests (at -P 16; -P 1 gets 1/8), --reps, the two binaries, --out."""
    import argparse
    here = Path(__file__).resolve().parent
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--requests", type=int, default=1_000_000, help="at -P 16; -P 1 gets 1/8")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--redoubt", default=str(here.parent / "build/bin/redoubt-server"))
    p.add_argument("--redis", default="/usr/bin/redis-server")
    p.add_argument("--out", default=str(here))
    return p
