# CLIENT LIST / CLIENT INFO report the memory a client really holds (qbuf, qbuf-free, argv-mem,
# omem, tot-mem) — what maxmemory-clients and client eviction use — and a long client name
# does not cut the line. Run against redis-server too where Redis's figures are the same.
import socket
import time

import pytest

from support.resp_client import RespClient, encode_command, expect
from support.tools import wait_until


@pytest.fixture(params=["redis", "redoubt"])
def server(request, redis_factory, redoubt_factory):
    return (redis_factory if request.param == "redis" else redoubt_factory)()


def fields(line):
    return dict(f.split("=", 1) for f in line.strip().split(" ") if "=" in f)


def test_caller_sees_its_own_command_in_qbuf_and_argv_mem(server):
    with RespClient(port=server.port) as c:
        info = fields(c.call("CLIENT", "INFO")[1].decode())
    # "*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n" is 26 bytes; its arguments 10.
    assert info["qbuf"] == "26" and info["argv-mem"] == "10", info
    assert int(info["tot-mem"]) > int(info["qbuf"]) + int(info["qbuf-free"]), info


def test_partial_command_of_another_client_shows_in_its_qbuf(server):
    with RespClient(port=server.port) as watcher, socket.create_connection(
            ("127.0.0.1", server.port)) as partial:
        partial.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$200000\r\n" + b"x" * 100000)
        me = watcher.call("CLIENT", "ID")[1]

        def other():
            for line in watcher.call("CLIENT", "LIST")[1].decode().splitlines():
                f = fields(line)
                if int(f["id"]) != me:
                    return f
            return None
        assert wait_until(lambda: other() and int(other()["qbuf"]) >= 100000, 10), other()
        f = other()
        # argv-mem: the arguments read so far ("SET", "k"), as Redis counts them.
        assert int(f["tot-mem"]) >= 100000 and f["argv-mem"] == "4", f


def test_long_client_name_does_not_hide_later_fields(server):
    name = "n" * 5000
    with RespClient(port=server.port) as c:
        expect(c, ("CLIENT", "SETNAME", name), ("simple", "OK"))
        expect(c, ("ACL", "SETUSER", "bob", "on", "nopass", "+@all", "~*"), ("simple", "OK"))
        expect(c, ("AUTH", "bob", "x"), ("simple", "OK"))
        info = fields(c.call("CLIENT", "INFO")[1].decode())
        listed = [fields(l) for l in c.call("CLIENT", "LIST")[1].decode().splitlines()]
    assert info["name"] == name and info["user"] == "bob" and info["flags"] == "N", \
        {k: v[:20] for k, v in info.items()}
    assert any(f.get("name") == name and f.get("user") == "bob" for f in listed)


def test_acl_log_client_info_is_not_cut(server):
    name = "n" * 2000
    with RespClient(port=server.port) as c:
        expect(c, ("ACL", "SETUSER", "limited", "on", "nopass", "+ping"), ("simple", "OK"))
        expect(c, ("CLIENT", "SETNAME", name), ("simple", "OK"))
        expect(c, ("AUTH", "limited", "x"), ("simple", "OK"))
        assert c.call("GET", "k")[0] == "error"
        expect(c, ("AUTH", "default", "x"), ("simple", "OK"))
        log = c.call("ACL", "LOG", "1")[1][0][1]
    entry = {log[i][1].decode(): log[i + 1] for i in range(0, len(log), 2)}
    info = fields(entry["client-info"][1].decode())
    assert info["name"] == name and info["user"] == "limited", entry["client-info"][1][-200:]


def test_idle_client_gives_back_its_query_buffer_and_busy_one_shrinks_to_its_peak(server):
    """As Redis's client cron: an idle client's input buffer is freed after about two seconds;
    one that sent a large value and then small ones shrinks toward what it uses."""
    with RespClient(port=server.port) as watcher, RespClient(port=server.port) as c:
        expect(c, ("CLIENT", "SETNAME", "sizer"), ("simple", "OK"))

        def qbuf_total():
            for line in watcher.call("CLIENT", "LIST")[1].decode().splitlines():
                f = fields(line)
                if f.get("name") == "sizer":
                    return int(f["qbuf"]) + int(f["qbuf-free"])
            raise AssertionError("client gone")
        assert wait_until(lambda: qbuf_total() == 0, 15), qbuf_total()
        expect(c, ("SET", "x", "A" * 400_000), ("simple", "OK"))
        big = qbuf_total()
        assert big > 32768, big

        def shrunk():
            expect(c, ("SET", "x", "A" * 100), ("simple", "OK"))
            return 0 < qbuf_total() < big
        assert wait_until(shrunk, 15), qbuf_total()
