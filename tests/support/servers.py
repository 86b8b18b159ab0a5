# Server launcher for the Python suites: starts redoubt-server or redis-server on a free
# loopback port, waits until it answers PING, and stops it by PID.
#
# Environment:
#   REDOUBT_SERVER       path of the server under test (default <repo>/build/bin/redoubt-server)
#   REDOUBT_SERVER_KIND  "redoubt" (default) or "redis": pass redis-server style arguments to
#                        the server under test. With REDOUBT_SERVER=/usr/bin/redis-server this
#                        runs every suite redis-vs-redis, which validates the harness itself.
#   REDIS_SERVER         reference redis-server for differential tests (default /usr/bin/redis-server)
#
# Every process started here is recorded; stop_all() (called at session end and at exit) kills
# whatever a crashed test left behind. Only PIDs we started are ever signalled.
import atexit
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from support.resp_client import ConnectionClosed, ProtocolError, RespClient

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_REDOUBT = os.path.join(REPO_ROOT, "build", "bin", "redoubt-server")
# Bounds, not delays: start() returns as soon as the server answers, stop() as soon as it has
# exited. Generous because a sanitizer build on a loaded machine starts and exits slowly (and
# LeakSanitizer's report at exit must not be cut off by the SIGKILL).
START_TIMEOUT_S = 30.0
STOP_GRACE_S = 30.0

_live = {}  # pid -> Server, for the safety net


def redoubt_binary():
    return os.environ.get("REDOUBT_SERVER") or DEFAULT_REDOUBT


def redoubt_kind():
    """How the server under test is driven: 'redoubt' or 'redis' (self-test mode)."""
    return os.environ.get("REDOUBT_SERVER_KIND", "redoubt").strip().lower()


def redis_binary():
    return os.environ.get("REDIS_SERVER") or "/usr/bin/redis-server"


def redoubt_available():
    path = redoubt_binary()
    return os.path.isfile(path) and os.access(path, os.X_OK)


def redoubt_missing_reason():
    return (f"redoubt-server binary not found at {redoubt_binary()} "
            "(build it with `make` or set REDOUBT_SERVER)")


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
            return low, high
    except (OSError, ValueError):
        return None


_port_picker = random.SystemRandom()   # independent of any test's random.seed()


def free_port(host="127.0.0.1", with_bus=False):
    """A port nothing listens on, for a server about to be started.

    Picked below the kernel's ephemeral range (ip_local_port_range): a port there can be taken
    as the local end of any outgoing connection — ours, redis-benchmark's, another pytest
    worker's — between this check and the server's bind, which on a busy run (connection
    floods, parallel workers) makes the server fail with "Address already in use". Random, so
    parallel workers rarely try the same one; start() retries on "in use" anyway.

    with_bus: for a cluster node, whose bus listens on port + 10000: that port must be free and
    below the ephemeral range too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    span = _ephemeral_range()
    offset = 10000 if with_bus else 0
    if span is not None and span[0] - offset > 20000:
        for _ in range(50):
            port = _port_picker.randrange(20000, span[0] - offset)
            if all(_bindable(family, host, p) for p in {port, port + offset}):
                return port
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _bindable(family, host, port):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


class ServerStartError(RuntimeError):
    pass


class Server:
    """One server process. kind is 'redis' or 'redoubt' and decides the default arguments.

    args: extra directives as a list of strings (e.g. ["--timeout", "1"]).
    config_file: path passed as the first argument (redis.conf syntax).
    port: fixed port (otherwise a free one is picked; retried if the bind races).
    """

    def __init__(self, binary=None, kind="redoubt", args=(), config_file=None, port=None,
                 host="127.0.0.1", bind=None, wait=True, name=None, pass_port=True,
                 tls_ca=None, tls_context=None, env=None, descriptor_starved=False):
        self.binary = binary or (redis_binary() if kind == "redis" else redoubt_binary())
        self.kind = kind
        self.extra_args = list(args)
        self.config_file = config_file
        self.fixed_port = port
        self.host = host
        self.bind = bind if bind is not None else host
        self.wait = wait
        self.name = name or os.path.basename(self.binary)
        # pass_port=False: the port comes from the config file (port= must still be given so
        # that we know where to PING); bind="" likewise leaves --bind to the config file.
        self.pass_port = pass_port
        # tls_ca: the readiness PING goes over TLS, verified with this CA file (a server
        # started in tls-mode required answers nothing in plaintext); tls_context: over TLS
        # with this ssl.SSLContext instead (one that presents a client certificate).
        self.tls_ca = tls_ca
        self.tls_context = tls_context
        # env: variables added to the server's environment. descriptor_starved: the test takes
        # every free descriptor from the server on purpose, which blinds UBSan's vptr check (it
        # probes memory through a pipe(), and reports any object it cannot probe as having an
        # "invalid vptr", "<memory cannot be printed>"); such a server runs with UBSan's
        # halt_on_error and stack traces off, and sanitizer_report() leaves out exactly those
        # reports. ASan's
        # findings and every other UBSan report still fail the test.
        self.env = dict(env or {})
        self.descriptor_starved = descriptor_starved
        if descriptor_starved and "UBSAN_OPTIONS" in os.environ:
            # No stack traces either: symbolizing needs descriptors too, and fails hard.
            self.env["UBSAN_OPTIONS"] = "halt_on_error=0:print_stacktrace=0"
        self.port = None
        self.proc = None
        self.log_path = None
        self._log_file = None
        # Each server runs in a working directory of its own (kept across restarts, removed
        # on exit): a snapshot (dump.rdb) or credential file one test's server writes must
        # never be loaded by another's.
        self.workdir = None

    # ----- lifecycle -------------------------------------------------------------------------
    def command_line(self, port):
        cmd = [self.binary]
        if self.config_file:
            cmd.append(self.config_file)
        if port is not None and self.pass_port:
            cmd += ["--port", str(port)]
        if self.bind:
            cmd += ["--bind"] + self.bind.split()
        if self.kind == "redis":
            cmd += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        # DEBUG SLEEP is tested; both servers disable DEBUG by default, as Redis 7 does.
        cmd += ["--enable-debug-command", "local"]
        cmd += ["--logfile", ""]
        cmd += self.extra_args
        return cmd

    def start(self):
        if not os.path.exists(self.binary):
            raise ServerStartError(f"server binary not found: {self.binary}")
        attempts = 1 if self.fixed_port else 4
        last_error = None
        for _ in range(attempts):
            port = self.fixed_port or free_port(self.host, with_bus=self._cluster_bus_follows())
            try:
                self._spawn(port)
                if self.wait:
                    self._wait_ready()
                return self
            except ServerStartError as e:
                last_error = e
                log = self.log_text()
                self._kill_quietly()
                if "in use" not in log.lower():
                    raise
                self.remove_log()
        raise last_error

    def _cluster_bus_follows(self):
        """Whether this is a cluster node whose bus port is its port + 10000."""
        args = [str(a) for a in self.extra_args]
        for i, a in enumerate(args[:-1]):
            if a == "--cluster-enabled" and args[i + 1] == "yes":
                return "--cluster-port" not in args
        return False

    def _spawn(self, port):
        fd, self.log_path = tempfile.mkstemp(prefix=f"{self.name}-{port}-", suffix=".log")
        self._log_file = os.fdopen(fd, "wb")
        self.port = port
        self.cmd = self.command_line(port)
        if self.workdir is None:
            self.workdir = tempfile.mkdtemp(prefix=f"{self.name}-wd-")
        self.proc = subprocess.Popen(self.cmd, stdout=self._log_file, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.workdir,
                                     start_new_session=True,
                                     env={**os.environ, **self.env} if self.env else None)
        _live[self.proc.pid] = self

    def _wait_ready(self, timeout=START_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        last = "no attempt"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerStartError(self._failure_text(
                    f"exited with code {self.proc.returncode} before answering PING"))
            try:
                if self.ping():
                    return
                last = "no PONG"
            except OSError as e:
                last = repr(e)
            time.sleep(0.02)
        raise ServerStartError(self._failure_text(
            f"did not answer PING within {timeout:.0f}s (last: {last})"))

    def ping(self, timeout=1.0):
        try:
            with RespClient(self.host, self.port, timeout=timeout, tls_ca=self.tls_ca,
                            tls_context=self.tls_context) as c:
                reply = c.call("PING")
                # QUIT, then read until the server closes: its side of this probe is gone (from
                # CLIENT LIST, INFO's counts, the audit log) before the test begins, instead of
                # whenever the server notices a client-side close.
                c.send("QUIT")
                c.read_raw_until_close(timeout)
        except (ConnectionClosed, ProtocolError):
            return False
        # A server started with requirepass (or the default user off) answers NOAUTH: it is up.
        return reply == ("simple", "PONG") or (reply[0] == "error" and
                                                reply[1].startswith("NOAUTH"))

    def _failure_text(self, what):
        return (f"{self.name} {what}\n  command: {' '.join(repr(a) for a in self.cmd)}\n"
                f"  log ({self.log_path}):\n{self.log_text()}")

    def log_text(self, limit=20000):
        if not self.log_path:
            return ""
        try:
            if self._log_file:
                self._log_file.flush()
            with open(self.log_path, "rb") as f:
                data = f.read()
        except OSError:
            return ""
        text = data.decode("utf-8", "replace")
        return text[-limit:]

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def returncode(self):
        return self.proc.poll() if self.proc else None

    def stop(self, grace=STOP_GRACE_S):
        """SIGTERM, then SIGKILL after `grace` seconds. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._kill_quietly()
        code = self.proc.returncode
        report = self.sanitizer_report()
        self._cleanup()
        if report:
            # The ASan/UBSan build of make test relies on this: a sanitizer finding in the
            # server fails the test that stopped it.
            raise AssertionError(f"sanitizer report from {self.binary}:\n{report}")
        return code

    def sanitizer_report(self):
        """The sanitizer findings in the server's output (ASan, UBSan, LSan), or ''."""
        if self.kind == "redis":
            return ""
        lines = self.log_text().splitlines()
        if self.descriptor_starved:
            lines = _without_unprobeable_vptr_reports(lines)
        markers = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
        hits = [i for i, line in enumerate(lines) if any(m in line for m in markers)]
        if not hits:
            return ""
        return "\n".join(lines[hits[0]:hits[0] + 40])

    def wait_exit(self, timeout):
        return self.proc.wait(timeout=timeout)

    def _kill_quietly(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self._cleanup()

    def _cleanup(self):
        if self.proc is not None:
            _live.pop(self.proc.pid, None)
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def restart(self):
        """Start a fresh process on a new port (used after a crash)."""
        self._kill_quietly()
        self.remove_log()
        self.fixed_port = None
        return self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.remove_log()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def remove_log(self):
        if self.log_path and os.path.exists(self.log_path):
            try:
                os.unlink(self.log_path)
            except OSError:
                pass

    def __repr__(self):
        return f"<{self.name} pid={self.pid} port={self.port}>"


def _without_unprobeable_vptr_reports(lines):
    """The log without UBSan's vptr reports about memory it could not probe (see Server)."""
    kept = []
    i = 0
    while i < len(lines):
        if ("runtime error:" in lines[i] and "does not point to an object of type" in lines[i]
                and i + 2 < len(lines) and "object has invalid vptr" in lines[i + 1]
                and lines[i + 2].strip() == "<memory cannot be printed>"):
            i += 3
            continue
        kept.append(lines[i])
        i += 1
    return kept


def redoubt_server(args=(), **kw):
    """The server under test, honouring REDOUBT_SERVER / REDOUBT_SERVER_KIND (binary= runs a
    wrapper of it instead, e.g. one that lowers a limit first)."""
    return Server(binary=kw.pop("binary", redoubt_binary()), kind=redoubt_kind(), args=args,
                  name=kw.pop("name", "redoubt-server"), **kw)


def redis_server(args=(), **kw):
    """The reference redis-server."""
    return Server(binary=redis_binary(), kind="redis", args=args,
                  name=kw.pop("name", "redis-server"), **kw)


def stop_all():
    for server in list(_live.values()):
        try:
            server.stop(grace=2.0)
        except Exception:  # safety net: never let cleanup raise
            pass


atexit.register(stop_all)
