# Running out of file descriptors while accepting: accept4 fails with EMFILE and the connection
# stays queued, so a level-triggered loop that simply tried again would spin a core for as long
# as the shortage lasts (before net::Acceptor's back-off: 291 of 300 ticks busy). The server's
# open-file limit is lowered while it runs (prlimit, as an operator or a leak would), clients
# queue up, and then: the server stays nearly idle, INFO counts the back-offs, the log says so
# once rather than once per attempt, the established client keeps working, and once the limit
# is raised again the queued clients are served.
import os
import socket
import subprocess
import time

from support.resp_client import RespClient, expect
from support.tls_helpers import info_fields
from support.tools import cpu_seconds, wait_until

# More than any holes among the server's descriptors, so that some of them must wait.
QUEUED = 20
WINDOW_S = 1.5


def open_files_soft_limit(pid):
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    raise AssertionError("no open-files line in /proc/<pid>/limits")


def set_open_files_limit(pid, soft):
    """Sets the soft limit only: raising it back needs no privilege (the hard limit stays)."""
    subprocess.run(["prlimit", f"--pid={pid}", f"--nofile={soft}:"], check=True)


def test_descriptor_shortage_pauses_accepting_instead_of_spinning(redoubt_factory):
    # Starved of descriptors on purpose: under the sanitizers, UBSan's vptr check cannot probe
    # memory then (it needs a pipe) and would report false "invalid vptr" errors (servers.py).
    s = redoubt_factory(descriptor_starved=True)
    queued = []
    with RespClient(port=s.port) as admin:
        expect(admin, ("PING",), ("simple", "PONG"))
        soft_limit = open_files_soft_limit(s.pid)
        # No descriptor left for the next accept.
        set_open_files_limit(s.pid, len(os.listdir(f"/proc/{s.pid}/fd")))
        try:
            for _ in range(QUEUED):
                c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
                c.sendall(b"PING\r\n")
                queued.append(c)
            assert wait_until(lambda: int(info_fields(admin, "stats")["accept_backoffs"]) > 0,
                              timeout=10)
            before = cpu_seconds(s.pid)
            time.sleep(WINDOW_S)  # a window to measure CPU in, not a wait for an event
            used = cpu_seconds(s.pid) - before
            # Spinning would use the whole window on a core; backing off uses next to nothing.
            assert used < WINDOW_S * 0.25, f"{used:.2f} s of CPU in {WINDOW_S} s"
            expect(admin, ("PING",), ("simple", "PONG"))
            log = s.log_text()
            assert log.count("Accepting client connection: Too many open files") == 1, log
        finally:
            set_open_files_limit(s.pid, soft_limit)
        for c in queued:
            c.settimeout(10)
            assert c.recv(100) == b"+PONG\r\n"
            c.close()
        assert int(info_fields(admin, "clients")["connected_clients"]) >= 1


def test_only_unprobeable_vptr_reports_are_left_out_of_a_starved_servers_report():
    # The filter a descriptor-starved server's report goes through drops UBSan's reports about
    # memory it could not probe and keeps every other finding.
    from support.servers import _without_unprobeable_vptr_reports
    log = [
        "M 04 Dec 2026 15:30:00.000 * Ready to accept connections",
        "/usr/include/c++/12/bits/shared_ptr_base.h:1150:26: runtime error: member call on "
        "address 0x603000035e30 which does not point to an object of type '_Sp_counted_base'",
        "0x603000035e30: note: object has invalid vptr",
        "<memory cannot be printed>",
        "../src/net/acceptor.cc:75:5: runtime error: member call on address 0x6030 which does "
        "not point to an object of type 'Acceptor'",
        "0x6030: note: object is of type 'Other'",
        " 00 00 00 00  ...",
    ]
    kept = _without_unprobeable_vptr_reports(log)
    assert not any("_Sp_counted_base" in line for line in kept)
    assert any("object of type 'Acceptor'" in line for line in kept)
    assert kept[0] == log[0]
