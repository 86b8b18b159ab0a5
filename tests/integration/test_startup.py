# Start-up and shutdown of redoubt-server: redis.conf-syntax config files (comments, quoted
# values, two bind addresses), errors naming the bad directive and its line (once), a missing
# or unreadable file saying why, --port overriding the file, unknown command-line directives,
# Redis directives Redoubt does not act on yet (accepted, named in one log line), replicaof in
# a config file, enable-protected-configs (what CONFIG SET may change), and graceful SIGTERM.
import os
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


def start_expecting_failure(tmp_path, args, config_file=None, timeout=10, port=None):
    """Run the server expecting it to exit non-zero; returns (exit code, output)."""
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    s = servers.redoubt_server(args=args, config_file=config_file, wait=False, port=port)
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
    assert re.search(r'^maxmemory 10mb$', text, re.M), text  # Redis's units
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


def redoubt_only(what):
    if servers.redoubt_kind() != "redoubt":
        pytest.skip(f"{what} is Redoubt's behaviour")


def test_missing_config_file_says_why_once(tmp_path):
    missing = str(tmp_path / "nope.conf")
    code, out = start_expecting_failure(tmp_path, [], config_file=missing)
    assert code != 0, out
    assert f"can't open config file '{missing}': No such file or directory" in out, out
    assert out.count("No such file or directory") == 1, out


def test_unreadable_config_file_says_permission_denied(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    conf = write_conf(tmp_path, "port 0\n")
    os.chmod(conf, 0)
    code, out = start_expecting_failure(tmp_path, [], config_file=conf)
    assert code != 0 and "Permission denied" in out, out


def test_config_file_that_is_a_directory_says_why(tmp_path):
    redoubt_only("refusing a directory as the config file")  # Redis reads it as empty
    code, out = start_expecting_failure(tmp_path, [], config_file=str(tmp_path))
    assert code != 0 and "Is a directory" in out, out


def test_error_after_loading_is_printed_once(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code, out = start_expecting_failure(tmp_path, [], port=port)
    assert code != 0, out
    assert out.count("Could not create server TCP listening socket") == 1, out


def test_error_with_a_log_file_goes_to_the_log_and_stderr_once_each(tmp_path):
    redoubt_only("echoing a fatal error on stderr")
    log = tmp_path / "server.log"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code, out = start_expecting_failure(tmp_path, ["--logfile", str(log)], port=port)
    assert code != 0, out
    assert out.count("Could not create server TCP listening socket") == 1, out
    assert log.read_text().count("Could not create server TCP listening socket") == 1


def test_replicaof_in_a_config_file_loads_and_is_shown(redoubt_factory, tmp_path):
    master_port = servers.free_port()  # nothing listens there
    conf = write_conf(tmp_path, f"replicaof 127.0.0.1 {master_port}\n")
    s = redoubt_factory(config_file=conf)
    with RespClient(port=s.port) as c:
        assert config_get(c, "replicaof") == f"127.0.0.1 {master_port}".encode()
        assert config_get(c, "slaveof") == f"127.0.0.1 {master_port}".encode()
        expect(c, ("CONFIG", "SET", "slaveof", "no one"),
               ("error", "ERR CONFIG SET failed (possibly related to argument 'slaveof') - "
                         "can't set immutable config"))


def test_directives_without_effect_are_named_in_one_line(redoubt_factory, tmp_path):
    redoubt_only("the start-up report")
    conf = write_conf(tmp_path, "activerehashing no\nlist-compress-depth 2\n"
                                "lazyfree-lazy-eviction no\nhz 20\n")
    s = redoubt_factory(["--save", "900 1"], config_file=conf)
    lines = [l for l in s.log_text().splitlines() if "have no effect yet" in l]
    assert len(lines) == 1, s.log_text()
    assert lines[0].endswith(
        "These directives are accepted but have no effect yet: activerehashing, "
        "list-compress-depth"), lines[0]
    with RespClient(port=s.port) as c:  # shown as Redis shows them
        assert config_get(c, "list-compress-depth") == b"2"
        assert config_get(c, "activerehashing") == b"no"


def test_defaults_log_no_such_line(redoubt):
    redoubt_only("the start-up report")
    assert "have no effect yet" not in redoubt.log_text()


PROTECTED_REFUSED = "ERR CONFIG SET failed (possibly related to argument '{}') - " \
                    "can't set protected config"


def test_protected_directives_are_refused_by_default(redoubt, tmp_path):
    names = ["dir", "dbfilename"] + (["audit-log-file"] if servers.redoubt_kind() == "redoubt"
                                     else [])
    values = {"dir": str(tmp_path), "dbfilename": "x.rdb", "audit-log-file": str(tmp_path / "a")}
    with RespClient(port=redoubt.port) as c:
        before = config_get(c, "dir")
        for name in names:
            expect(c, ("CONFIG", "SET", name, values[name]),
                   ("error", PROTECTED_REFUSED.format(name)))
            expect(c, ("CONFIG", "SET", name.upper(), values[name]),
                   ("error", PROTECTED_REFUSED.format(name.upper())))
        assert config_get(c, "dir") == before
        expect(c, ("CONFIG", "SET", "enable-protected-configs", "yes"),
               ("error", "ERR CONFIG SET failed (possibly related to argument "
                         "'enable-protected-configs') - can't set immutable config"))
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize("setting", ["yes", "local"])
def test_protected_directives_allowed_by_enable_protected_configs(redoubt_factory, tmp_path,
                                                                  setting):
    """`local` admits this client: it connects from 127.0.0.1 (a client from another address
    is refused; config_test.cc checks that rule without leaving the loopback interface)."""
    s = redoubt_factory(["--enable-protected-configs", setting])
    work = tmp_path / "work"
    work.mkdir()
    with RespClient(port=s.port) as c:
        assert config_get(c, "enable-protected-configs") == setting.encode()
        expect(c, ("CONFIG", "SET", "dir", str(work)), ("simple", "OK"))
        assert config_get(c, "dir") == os.path.realpath(work).encode()
        expect(c, ("CONFIG", "SET", "dbfilename", "other.rdb"), ("simple", "OK"))
        expect(c, ("CONFIG", "SET", "dir", str(tmp_path / "missing")),
               ("error", "ERR CONFIG SET failed (possibly related to argument 'dir') - "
                         "No such file or directory"))
        if servers.redoubt_kind() == "redoubt":
            # A relative path now lands in the new working directory.
            expect(c, ("CONFIG", "SET", "audit-log-file", "audit.log"), ("simple", "OK"))
            assert (work / "audit.log").exists()
