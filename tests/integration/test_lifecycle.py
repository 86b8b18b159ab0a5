# Start and stop as an operator sees them: the pidfile, the warning that data is kept in memory
# only (until persistence exists), and SHUTDOWN logged as SHUTDOWN rather than as a signal.
import os

from support.resp_client import RespClient
from support.tools import wait_until


def test_pidfile_is_written_at_start_and_removed_at_shutdown(redoubt_factory, tmp_path):
    pidfile = tmp_path / "redoubt.pid"
    s = redoubt_factory(["--pidfile", str(pidfile)])
    # Written after the ready line, which may come after the port already accepts.
    assert wait_until(lambda: pidfile.exists() and pidfile.read_text().endswith("\n"), 10)
    assert pidfile.read_text() == f"{s.pid}\n"
    with RespClient(port=s.port) as c:
        c.send("SHUTDOWN")
    assert s.wait_exit(10) == 0
    assert not pidfile.exists()


def test_appendonly_without_aof_is_said_at_start_and_info_shows_snapshots(redoubt_factory):
    s = redoubt_factory(["--save", "60 1", "--appendonly", "yes"])
    warning = "appendonly is configured, but there is no append-only file yet"
    # Logged after the ready line, which may come after the port already accepts.
    assert wait_until(lambda: warning in s.log_text(), 10), s.log_text()
    with RespClient(port=s.port) as c:
        info = c.call("INFO", "persistence")[1].decode()
    assert "rdb_bgsave_in_progress:0\r\n" in info and "rdb_saves:0\r\n" in info, info


def test_shutdown_is_logged_as_shutdown_not_as_a_signal(redoubt_factory):
    s = redoubt_factory()
    with RespClient(port=s.port) as c:
        c.send("SHUTDOWN", "NOSAVE")
    assert s.wait_exit(10) == 0
    log = s.log_text()
    assert "User requested shutdown..." in log and "Received SIGTERM" not in log, log
    assert log.rstrip().endswith("Redoubt is now ready to exit, bye bye..."), log
