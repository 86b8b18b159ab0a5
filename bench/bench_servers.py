# The server processes of a benchmark run: Server starts one redoubt-server or redis-server on a
# free loopback port (optionally pinned with taskset, optionally TLS-only from a TlsFiles), waits
# for PING, and reads its CPU time and memory from /proc; BenchError is what it raises when a
# server will not start or has died. run_bench.py decides which servers run when; this file only
# runs them. PinnedPhase is the base of the phases with their own pinned pair of servers (the ACL
# phase, the data-type tests): their mode, whether their warm-ups fit in the time left, and the
# servers started for them and stopped after.
#
# Read first:
#   - Only processes started here are ever signalled, by PID; they get PR_SET_PDEATHSIG, so they
#     die even if the benchmark is killed with SIGKILL.
#   - cpu_ticks() is utime + stime of the whole process from /proc/PID/stat, in clock ticks
#     (SC_CLK_TCK): every thread, dead ones too.
#   - Imported only by run_bench.py, after it has set sys.dont_write_bytecode, so bench/ gets no
#     __pycache__ from this file.
import contextlib
import ctypes
import os
import shlex
import signal
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench_util import RespError, command, parse_info, read_text
from scenarios import pinned_mode


# Defined here because Server raises most of them; run_bench.py raises it too.
class BenchError(RuntimeError):
    """A failure that stops the benchmark (a server died, a tool is missing, ...)."""


def _die_with_parent():
    """preexec_fn: ask the kernel to SIGKILL the child if the benchmark dies (PR_SET_PDEATHSIG).

    Survives the execve done by taskset, so it covers the server itself."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # 1 == PR_SET_PDEATHSIG


def free_port(taken):
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            taken.add(port)
            return port


@dataclass
class TlsFiles:
    """The certificates both servers load in the TLS phase, and a client context trusting them."""
    cert: str
    key: str
    ca: str
    key_type: str
    context: ssl.SSLContext

    def server_args(self, kind, port):
        """Arguments that make a `kind` server listen for TLS only, on `port`.

        Redis has no TLS mode on its main port: plaintext is switched off with --port 0 and
        TLS gets its own --tls-port. Redoubt's tls-mode required refuses plaintext on the main
        port. tls-auth-clients is Redis-only for now (Redoubt verifies no client certificates
        yet); session caching is on for both (Redis's default, stated so it is on record)."""
        files = ["--tls-cert-file", self.cert, "--tls-key-file", self.key,
                 "--tls-ca-cert-file", self.ca, "--tls-session-caching", "yes"]
        if kind == "redis":
            return ["--port", "0", "--tls-port", str(port), "--tls-auth-clients", "no"] + files
        return ["--port", str(port), "--tls-mode", "required"] + files


class Server:
    """One server process started by this script, optionally pinned with taskset.

    kind 'redis' adds the reference invocation's persistence-off arguments; 'redoubt' passes
    only the common ones (Redoubt has no persistence yet and ignores nothing silently).
    tls: a TlsFiles to start it TLS-only (self.port is then the TLS port)."""

    def __init__(self, label, kind, binary, extra_args, cpus, log_dir, ports, tls=None,
                 niceness=0):
        self.label = label
        self.niceness = niceness
        self.kind = kind
        self.binary = str(binary)
        self.extra_args = list(extra_args)
        self.cpus = cpus
        self.log_dir = Path(log_dir)
        self.ports = ports
        self.tls = tls
        self.proc = None
        self.port = None
        self.log_path = None
        self.cmd = None

    def start(self, timeout=15.0):
        self.port = free_port(self.ports)
        if self.tls is None:
            cmd = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        else:
            cmd = [self.binary] + self.tls.server_args(self.kind, self.port) + [
                "--bind", "127.0.0.1"]
        if self.kind == "redis":
            cmd += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        cmd += ["--logfile", ""] + self.extra_args
        if self.cpus is not None:
            cmd = ["taskset", "-c", self.cpus] + cmd
        if self.niceness:
            cmd = ["nice", "-n", str(self.niceness)] + cmd
        self.cmd = cmd
        suffix = "-tls" if self.tls else ""
        self.log_path = self.log_dir / f"{self.label}{suffix}-{self.port}.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, cwd=self.log_dir,
                                         start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        last = "no attempt"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(self.failure(f"exited with code {self.proc.returncode} "
                                              "before answering PING"))
            try:
                if self.command("PING", timeout=1.0) == "PONG":
                    return self
                last = "no PONG"
            except (OSError, RespError, ConnectionError) as e:
                last = repr(e)
            time.sleep(0.05)
        raise BenchError(self.failure(f"did not answer PING within {timeout:.0f}s ({last})"))

    def failure(self, what):
        tail = read_text(self.log_path)[-3000:] if self.log_path else ""
        return (f"{self.label} ({self.binary}) {what}\n  command: {shlex.join(self.cmd or [])}"
                f"\n  log {self.log_path}:\n{tail}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self):
        if not self.alive():
            raise BenchError(self.failure(f"died (exit code {self.proc.returncode})"))

    def cpu_ticks(self, children=False):
        """utime + stime of the whole process (every thread, dead ones too), in clock ticks;
        with children, also those of its reaped children (Redis's fork for a save)."""
        data = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = data[data.rindex(")") + 2:].split()  # fields[0] is field 3 (state)
        ticks = int(fields[14 - 3]) + int(fields[15 - 3])
        if children:
            ticks += int(fields[16 - 3]) + int(fields[17 - 3])
        return ticks

    def status(self):
        fields = {}
        for line in read_text(f"/proc/{self.proc.pid}/status").splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        return fields

    def rss_bytes(self):
        return int(self.status()["VmRSS"].split()[0]) * 1024

    def describe(self):
        st = self.status()
        return {"label": self.label, "kind": self.kind, "binary": self.binary,
                "command": shlex.join(self.cmd), "pid": self.proc.pid, "port": self.port,
                "tls": self.tls is not None,
                "threads": int(st.get("Threads", "0")),
                "cpus_allowed": st.get("Cpus_allowed_list", "?")}

    def command(self, *args, timeout=10.0):
        return command(self.port, *args, timeout=timeout,
                            tls=self.tls.context if self.tls else None)

    def info(self, section):
        try:
            return parse_info(self.command("INFO", section))
        except (OSError, RespError):
            return {}

    def stop(self, grace=5.0):
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=grace)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=grace)


class PinnedPhase:
    """What the phases with their own pinned servers share (acl_cost.AclPhase,
    data_types.TypesPhase): the Bench, why the phase does not run (or None), the exception that
    stops a run at --time-limit, the nominal server start time, and the pinned mode."""

    def __init__(self, bench, skipped, out_of_time, server_start_s):
        self.bench = bench
        self.skipped = skipped
        self.out_of_time = out_of_time
        self.server_start_s = server_start_s
        self.mode = pinned_mode(bench.args, bench.redoubt_kind)

    @property
    def planned(self):
        return self.skipped is None

    def cpus(self):
        """CPU lists the phase pins to, for Bench.check_tools."""
        return [] if self.skipped else [self.mode.server_cpus, self.mode.client_cpus]

    def warmups_fit(self, scenarios, per_server=1):
        """Is there time left under --time-limit to start the servers and warm each of them up
        per_server times on every scenario?"""
        b = self.bench
        warmup_s = sum(per_server * b.expected_run_s(label, scen, b.warmup_n(scen))
                       for scen in scenarios for label, _, _ in self.mode.servers)
        return b.time_left() >= warmup_s + self.server_start_s * len(self.mode.servers)

    @contextlib.contextmanager
    def pinned_servers(self):
        """The mode's servers, started pinned in the alternation order; on leaving, every server
        still in the list is stopped by PID (one taken out of it is the caller's to stop)."""
        b = self.bench
        servers = []
        try:
            for label, kind, io_threads in self.mode.servers:
                servers.append(b.start_server(label, kind, io_threads, self.mode.server_cpus))
            yield servers
        finally:
            for server in servers:
                server.stop()
                if server in b.live:
                    b.live.remove(server)
