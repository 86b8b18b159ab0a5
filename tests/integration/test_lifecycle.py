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


def test_appendonly_at_start_creates_the_aof_and_info_shows_it(redoubt_factory):
    s = redoubt_factory(["--save", "60 1", "--appendonly", "yes"])
    # Logged before the port accepts: loading (or creating) the AOF comes first.
    log = s.log_text()
    assert "Creating AOF base file appendonly.aof.1.base.rdb on server start" in log, log
    assert "Creating AOF incr file appendonly.aof.1.incr.aof on server start" in log, log
    with RespClient(port=s.port) as c:
        info = c.call("INFO", "persistence")[1].decode()
    for field in ("aof_enabled:1", "aof_rewrite_in_progress:0", "aof_last_write_status:ok",
                  "aof_base_size:", "aof_current_size:", "rdb_bgsave_in_progress:0"):
        assert f"\r\n{field}" in info, (field, info)


def test_shutdown_is_logged_as_shutdown_not_as_a_signal(redoubt_factory):
    s = redoubt_factory()
    with RespClient(port=s.port) as c:
        c.send("SHUTDOWN", "NOSAVE")
    assert s.wait_exit(10) == 0
    log = s.log_text()
    assert "User requested shutdown..." in log and "Received SIGTERM" not in log, log
    assert log.rstrip().endswith("Redoubt is now ready to exit, bye bye..."), log
