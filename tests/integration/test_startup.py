# Start-up and shutdown of redoubt-server: redis.conf-syntax config files (comments, quoted
# values, two bind addresses), errors naming the bad directive and its line, --port overriding
# the file, unknown command-line directives, and graceful SIGTERM (exit code 0).
import re
import socket
import subprocess

import pytest

from support import servers
from support.resp_client import RespClient, config_get, expect
from support.tools import ipv6_loopback_available


def write_conf(tmp_path, text):
    path = tmp_path / "redoubt.conf"
    path.write_text(text)
    return str(path)


def start_expecting_failure(tmp_path, args, config_file=None, timeout=10):
    """Run the server expecting it to exit non-zero; returns (exit code, output)."""
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    s = servers.redoubt_server(args=args, config_file=config_file, wait=False)
    s.start()
    try:
        code = s.wait_exit(timeout)
    except subprocess.TimeoutExpired:
        s.stop()
        pytest.fail(f"server kept running for {timeout}s despite a bad configuration:\n{s.log_text()}")
    out = s.log_text()
    s.__exit__(None, None, None)
    return code, out


CONF = """# Redoubt integration-test configuration (redis.conf syntax)
# Comment lines and blank lines are ignored.

bind {bind}
port {port}
   # an indented comment
timeout 0
maxmemory 64mb
maxmemory-policy "allkeys-lru"
logfile ""
maxclients 1000
"""


def test_config_file_startup(redoubt_factory, tmp_path):
    port = servers.free_port()
    conf = write_conf(tmp_path, CONF.format(bind="127.0.0.1", port=port))
    s = redoubt_factory(config_file=conf, port=port, pass_port=False, bind="")
    with RespClient(port=s.port) as c:
        expect(c, ("PING",), ("simple", "PONG"))
        assert config_get(c, "maxmemory-policy") == b"allkeys-lru"
        assert config_get(c, "maxmemory") == str(64 * 1024 * 1024).encode()
        assert config_get(c, "maxclients") == b"1000"


def test_config_file_binds_ipv4_and_ipv6(redoubt_factory, tmp_path):
    if not ipv6_loopback_available():
        pytest.skip("no IPv6 loopback (::1) on this machine")
    port = servers.free_port()
    conf = write_conf(tmp_path, CONF.format(bind="127.0.0.1 ::1", port=port))
    s = redoubt_factory(config_file=conf, port=port, pass_port=False, bind="")
    for host in ("127.0.0.1", "::1"):
        with RespClient(host=host, port=s.port) as c:
            expect(c, ("PING",), ("simple", "PONG"), host)
    with RespClient(port=s.port) as c:
        assert sorted(config_get(c, "bind").split()) == [b"127.0.0.1", b"::1"]


def test_command_line_port_overrides_config_file(redoubt_factory, tmp_path):
    file_port, cli_port = servers.free_port(), servers.free_port()
    conf = write_conf(tmp_path, CONF.format(bind="127.0.0.1", port=file_port))
    redoubt_factory(config_file=conf, port=cli_port, bind="")
    with RespClient(port=cli_port) as c:
        expect(c, ("PING",), ("simple", "PONG"))
        assert config_get(c, "port") == str(cli_port).encode()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", file_port), timeout=2).close()


def _names_line(out, line_no):
    return re.search(rf"\b{line_no}\b", out) is not None


def test_unknown_directive_in_config_file_fails(tmp_path):
    conf = write_conf(tmp_path, "# comment\nport 0\nnosuchdirective yes\n")
    code, out = start_expecting_failure(tmp_path, [], config_file=conf)
    assert code != 0, out
    assert "nosuchdirective" in out and _names_line(out, 3), \
        f"message must name the directive and line 3:\n{out}"


def test_invalid_value_in_config_file_fails(tmp_path):
    conf = write_conf(tmp_path, "# comment\n\nmaxmemory lots\n")
    code, out = start_expecting_failure(tmp_path, [], config_file=conf)
    assert code != 0, out
    assert "maxmemory" in out and _names_line(out, 3), out


def test_invalid_maxmemory_policy_in_config_file_fails(tmp_path):
    conf = write_conf(tmp_path, "maxmemory-policy sometimes\n")
    code, out = start_expecting_failure(tmp_path, [], config_file=conf)
    assert code != 0 and "maxmemory-policy" in out, out


def test_unbalanced_quotes_in_config_file_fails(tmp_path):
    conf = write_conf(tmp_path, 'logfile "unterminated\n')
    code, out = start_expecting_failure(tmp_path, [], config_file=conf)
    assert code != 0 and _names_line(out, 1), out


def test_unknown_command_line_directive_fails(tmp_path):
    code, out = start_expecting_failure(tmp_path, ["--nosuchdirective", "1"])
    assert code != 0 and "nosuchdirective" in out, out


def test_invalid_port_on_command_line_fails(tmp_path):
    code, out = start_expecting_failure(tmp_path, ["--port", "99999"])
    assert code != 0 and "port" in out.lower(), out


def test_sigterm_shuts_down_gracefully(redoubt):
    with RespClient(port=redoubt.port) as c:
        expect(c, ("SET", "k", "v",), ("simple", "OK"))
        code = redoubt.stop(grace=30)
    assert code == 0, f"exit code after SIGTERM: {code}\n{redoubt.log_text()}"


def test_sigterm_with_busy_clients(redoubt):
    clients = [RespClient(port=redoubt.port) for _ in range(20)]
    for i, c in enumerate(clients):
        c.send("SET", f"k{i}", "x" * 1000)
    code = redoubt.stop(grace=30)
    for c in clients:
        c.close()
    assert code == 0, redoubt.log_text()


def test_logs_a_line_at_startup(redoubt):
    assert redoubt.log_text().strip(), "server printed nothing at startup"


def test_config_rewrite_persists_changes_and_keeps_comments(redoubt_factory, tmp_path):
    port = servers.free_port()
    conf = write_conf(tmp_path, f"# operator's note\nport {port}\nbind 127.0.0.1\nmaxmemory 64mb\n")
    s = redoubt_factory(config_file=conf, port=port, pass_port=False, bind="")
    with RespClient(port=s.port) as c:
        expect(c, ("CONFIG", "SET", "maxmemory", "10mb", "maxmemory-policy", "allkeys-lfu"),
               ("simple", "OK"))
        expect(c, ("CONFIG", "REWRITE"), ("simple", "OK"))
    text = open(conf).read()
    assert "# operator's note" in text
    assert re.search(r'^maxmemory "?10485760"?$', text, re.M), text
    assert re.search(r'^maxmemory-policy "?allkeys-lfu"?$', text, re.M), text
    s.stop()

    again = redoubt_factory(config_file=conf, port=port, pass_port=False, bind="")
    with RespClient(port=again.port) as c:
        assert config_get(c, "maxmemory") == b"10485760"
        assert config_get(c, "maxmemory-policy") == b"allkeys-lfu"


def test_config_rewrite_without_config_file_is_refused(redoubt):
    with RespClient(port=redoubt.port) as c:
        expect(c, ("CONFIG", "REWRITE"),
               ("error", "ERR The server is running without a config file"))
