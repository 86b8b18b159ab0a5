# maxclients reconciled with the open-file limit, as Redis's adjustOpenFilesLimit: a server
# started under `ulimit -n 64` (without CAP_SYS_RESOURCE, so it cannot raise the limit as root
# could) lowers maxclients to what fits, says so in its log, and answers every client beyond it
# with "-ERR max number of clients reached" instead of leaving it hanging in the backlog.
import os
import socket
import stat

from support import servers
from support.resp_client import RespClient, expect
from support.tools import wait_until

IO_THREADS = 2
# 32 descriptors kept aside (Redis's CONFIG_MIN_RESERVED_FDS) and two per I/O thread.
ALLOWED = 64 - (32 + 2 * IO_THREADS)


def limited_binary(tmp_path):
    wrapper = tmp_path / "redoubt-server-ulimit-64"
    wrapper.write_text(
        "#!/bin/sh\n"
        "ulimit -n 64\n"
        f"exec setpriv --bounding-set -sys_resource --inh-caps -sys_resource "
        f"'{servers.redoubt_binary()}' \"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return str(wrapper)


def test_maxclients_is_lowered_to_the_file_limit(redoubt_factory, tmp_path):
    s = redoubt_factory(["--io-threads", str(IO_THREADS)], binary=limited_binary(tmp_path))
    log = s.log_text()
    assert "You requested maxclients of 10000 requiring at least 10036 max file descriptors." \
        in log, log
    assert f"maxclients has been reduced to {ALLOWED} to compensate for low ulimit" in log, log
    held = []
    try:
        with RespClient(port=s.port) as admin:
            expect(admin, ("CONFIG", "GET", "maxclients"),
                   ("array", [("bulk", b"maxclients"), ("bulk", str(ALLOWED).encode())]))
            # Fill every place (the admin holds one), then ten more must be refused at once.
            refused = 0
            for _ in range(ALLOWED - 1 + 10):
                c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
                c.sendall(b"PING\r\n")
                reply = c.recv(100)  # a hang would time out here
                if reply == b"+PONG\r\n":
                    held.append(c)
                else:
                    assert reply == b"-ERR max number of clients reached\r\n", reply
                    refused += 1
                    c.close()
            assert len(held) == ALLOWED - 1 and refused == 10, (len(held), refused)
            expect(admin, ("CONFIG", "SET", "maxclients", "1000"),
                   ("error", "ERR CONFIG SET failed (possibly related to argument 'maxclients') - "
                             f"The operating system is not able to handle the specified number "
                             f"of clients, try with {ALLOWED}"))
    finally:
        for c in held:
            c.close()


def test_too_low_a_limit_refuses_to_start(redoubt_factory, tmp_path):
    wrapper = tmp_path / "redoubt-server-ulimit-20"
    wrapper.write_text(
        "#!/bin/sh\nulimit -n 20\n"
        f"exec setpriv --bounding-set -sys_resource --inh-caps -sys_resource "
        f"'{servers.redoubt_binary()}' \"$@\"\n")
    wrapper.chmod(0o755)
    s = redoubt_factory([], binary=str(wrapper), wait=False)
    assert s.wait_exit(10) is not None and s.returncode() != 0
    assert "is not enough for the server to start" in s.log_text(), s.log_text()
