# CONFIG REWRITE against a real server and a restart: what it writes loads back into a new
# server with the same CONFIG GET * values (quotes, backslashes, spaces and line breaks in
# passwords included); a line break in a value cannot add a directive; only what differs from
# the defaults is added (no per-machine value such as the core count); memory keeps Redis's
# units; a value back at its default keeps its line, an unset string loses it (as Redis).
import os
import re

import pytest

from support import servers
from support.resp_client import RespClient, config_get, expect, unwrap

# Values CONFIG SET before the rewrite: every type, and strings a naive writer would break.
PASSWORD = 'p"a\\ss w\nord\t\x01end'
CHANGES = [
    ("maxmemory", "10mb"),
    ("maxmemory-clients", "10%"),
    ("maxmemory-policy", "allkeys-lru"),
    ("timeout", "7"),
    ("hz", "25"),
    ("save", "900 1 300 10"),
    ("notify-keyspace-events", "KEA"),
    ("client-output-buffer-limit", "pubsub 64mb 16mb 30 normal 1mb 512kb 5"),
    ("latency-tracking-info-percentiles", "50 99.5"),
    ("shutdown-on-sigterm", "save now"),
    ("slave-priority", "50"),
    ("hash-max-ziplist-entries", "64"),
    ("activerehashing", "no"),
    ("oom-score-adj-values", "0 100 500"),
    ("ignore-warnings", "a b"),
    ("masterauth", 'we"ird\\ pass\nwith lines'),
    ("requirepass", PASSWORD),
]


def write_conf(tmp_path, text):
    path = tmp_path / "server.conf"
    path.write_text(text)
    return str(path)


def serve(start_from, tmp_path, text=""):
    """A server started from a new config file with its port, bind 127.0.0.1 and text;
    returns (server, the file's path, port)."""
    port = servers.free_port()
    conf = write_conf(tmp_path, f"port {port}\nbind 127.0.0.1\n{text}")
    return start_from(conf, port), conf, port


def config_all(client):
    reply = unwrap(client.call("CONFIG", "GET", "*"))
    if isinstance(reply, dict):
        return reply
    return dict(zip(reply[0::2], reply[1::2]))


@pytest.fixture
def start_from():
    """start_from(conf, port): a server reading port and bind from conf, as an operator's
    would; ready once it answers PING, or NOAUTH when the file sets requirepass."""
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    started = []

    def run(conf, port):
        s = servers.redoubt_server(name="redoubt-access", config_file=conf, port=port,
                                   pass_port=False, bind="")
        started.append(s)
        return s.start()

    yield run
    for s in started:
        s.__exit__(None, None, None)


def directive_lines(text):
    return [l for l in text.splitlines() if l and not l.startswith("#")]


def test_rewrite_loads_back_with_the_same_values(start_from, tmp_path):
    s, conf, port = serve(start_from, tmp_path)
    with RespClient(port=s.port) as c:
        for name, value in CHANGES:
            expect(c, ("CONFIG", "SET", name, value), ("simple", "OK"), name)
        before = config_all(c)
        expect(c, ("CONFIG", "REWRITE"), ("simple", "OK"))
    s.stop()
    text = open(conf).read()

    again = start_from(conf, port)
    with RespClient(port=again.port) as c:
        expect(c, ("AUTH", PASSWORD), ("simple", "OK"))
        after = config_all(c)

    if servers.redoubt_kind() == "redis":  # the harness gives redis-server --save "" again
        before.pop(b"save"), after.pop(b"save")
    # The restarted server runs in a working directory of its own (tests/support/servers.py).
    before.pop(b"dir"), after.pop(b"dir")
    assert after == before, {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
                             if before.get(k) != after.get(k)}
    assert after[b"requirepass"] == PASSWORD.encode()
    lines = directive_lines(text)
    for expected in ("maxmemory 10mb", "maxmemory-clients 10%", "replica-priority 50",
                     "client-output-buffer-limit normal 1mb 512kb 5",
                     "client-output-buffer-limit pubsub 64mb 16mb 30", "save 900 1",
                     "save 300 10", f"port {port}"):
        assert expected in lines, text


def test_a_line_break_in_a_value_cannot_add_a_directive(start_from, tmp_path):
    s, conf, port = serve(start_from, tmp_path)
    injected = "x\nenable-protected-configs yes\nmaxmemory 1\nport 1"
    with RespClient(port=s.port) as c:
        expect(c, ("CONFIG", "SET", "masterauth", injected), ("simple", "OK"))
        expect(c, ("CONFIG", "SET", "requirepass", injected), ("simple", "OK"))
        expect(c, ("CONFIG", "REWRITE"), ("simple", "OK"))
    s.stop()
    text = open(conf).read()
    assert not re.search(r"^(enable-protected-configs|maxmemory|port 1)\b", text, re.M), text

    again = start_from(conf, port)
    with RespClient(port=again.port) as c:
        expect(c, ("AUTH", injected), ("simple", "OK"))
        assert config_get(c, "masterauth") == injected.encode()
        assert config_get(c, "maxmemory") == b"0"
        assert config_get(c, "enable-protected-configs") == b"no"


def test_only_what_differs_from_the_defaults_is_added(start_from, tmp_path):
    if servers.redoubt_kind() != "redoubt":
        pytest.skip("Redis also writes dir, save and its percentiles every time")
    s, conf, port = serve(start_from, tmp_path, "# nothing else\n")
    with RespClient(port=s.port) as c:
        threads = config_get(c, "io-threads")
        expect(c, ("CONFIG", "REWRITE"), ("simple", "OK"))
        first = open(conf).read()
        expect(c, ("CONFIG", "SET", "maxmemory", "5mb"), ("simple", "OK"))
        expect(c, ("CONFIG", "REWRITE"), ("simple", "OK"))
    second = open(conf).read()

    # The harness adds --enable-debug-command local; users are rewritten as `user` lines.
    names = [l.split()[0] for l in directive_lines(first)]
    assert names == ["port", "bind", "enable-debug-command", "user"], first
    assert int(threads) >= 1 and "io-threads" not in first
    assert directive_lines(second) == directive_lines(first) + ["maxmemory 5mb"], second


def test_explicit_io_threads_is_kept(start_from, tmp_path):
    if servers.redoubt_kind() != "redoubt":
        pytest.skip("Redoubt's io-threads")
    s, conf, port = serve(start_from, tmp_path, "io-threads 2\n")
    with RespClient(port=s.port) as c:
        assert config_get(c, "io-threads") == b"2"
        expect(c, ("CONFIG", "REWRITE"), ("simple", "OK"))
    assert "io-threads 2" in directive_lines(open(conf).read())


def test_default_again_keeps_its_line_an_unset_string_loses_it(start_from, tmp_path):
    s, conf, port = serve(start_from, tmp_path,
                          "maxmemory 10mb\nrequirepass abc\nslave-priority 5\n")
    with RespClient(port=s.port) as c:
        expect(c, ("AUTH", "abc"), ("simple", "OK"))
        expect(c, ("CONFIG", "SET", "maxmemory", "0", "requirepass", "", "replica-priority",
                   "100"), ("simple", "OK"))
        expect(c, ("CONFIG", "REWRITE"), ("simple", "OK"))
    lines = directive_lines(open(conf).read())
    assert lines[:4] == [f"port {port}", "bind 127.0.0.1", "maxmemory 0", "replica-priority 100"], \
        lines
    assert not [l for l in lines if l.startswith("requirepass")], lines


def test_rewrite_keeps_the_files_permissions(start_from, tmp_path):
    port = servers.free_port()
    conf = write_conf(tmp_path, f"port {port}\nbind 127.0.0.1\n")
    os.chmod(conf, 0o600)
    s = start_from(conf, port)
    with RespClient(port=s.port) as c:
        expect(c, ("CONFIG", "SET", "requirepass", "secret"), ("simple", "OK"))
        expect(c, ("CONFIG", "REWRITE"), ("simple", "OK"))
    if servers.redoubt_kind() == "redoubt":  # Redis writes 0644 less its umask
        assert os.stat(conf).st_mode & 0o777 == 0o600
    assert 'requirepass "secret"' in open(conf).read()
