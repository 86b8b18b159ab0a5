# Integration tests with real clients against a real redoubt-server: redis-cli (arguments,
# --pipe, -3), redis-py, and redis-benchmark (no errors, exit 0).
import re

import pytest
import redis

from support.resp_client import encode_command
from support.tools import REDIS_BENCHMARK, REDIS_CLI, run_tool


def cli(server, *args, input=None, resp3=False):
    cmd = [REDIS_CLI, "-h", server.host, "-p", str(server.port)] + (["-3"] if resp3 else []) + list(args)
    return run_tool(cmd, input=input, timeout=60)


def test_redis_cli_set_get_incr(redoubt):
    assert cli(redoubt, "SET", "k", "v").stdout == "OK\n"
    assert cli(redoubt, "GET", "k").stdout == "v\n"
    assert cli(redoubt, "INCR", "n").stdout == "1\n"
    assert cli(redoubt, "GET", "nokey").stdout == "\n"
    r = cli(redoubt, "GET")
    assert "ERR wrong number of arguments for 'get' command" in r.stdout + r.stderr
    assert cli(redoubt, "PING").stdout == "PONG\n"


def test_redis_cli_resp3_hello(redoubt):
    r = cli(redoubt, "HELLO", "3", resp3=True)
    assert r.returncode == 0, r.stderr
    # Without a tty redis-cli prints a RESP3 map as "key value" lines.
    fields = dict(line.partition(" ")[::2] for line in r.stdout.splitlines() if line)
    assert fields.get("proto") == "3", r.stdout
    assert fields.get("mode") == "standalone" and fields.get("role") == "master", r.stdout
    assert fields.get("id", "").isdigit() and "server" in fields and "version" in fields, r.stdout
    assert cli(redoubt, "SET", "k", "v", resp3=True).stdout == "OK\n"
    assert cli(redoubt, "GET", "k", resp3=True).stdout == "v\n"


def test_redis_cli_pipe_mode(redoubt, tmp_path):
    n = 5000
    data = b"".join(encode_command("SET", f"key:{i}", f"value-{i}") for i in range(n))
    path = tmp_path / "mass.resp"
    path.write_bytes(data)
    with open(path, "rb") as f:
        r = run_tool([REDIS_CLI, "-p", str(redoubt.port), "--pipe"], input=f.read(), timeout=60)
    out = r.stdout.decode() + r.stderr.decode()
    assert r.returncode == 0, out
    assert re.search(rf"errors: 0, replies: {n}\b", out), out
    assert cli(redoubt, "DBSIZE").stdout == f"{n}\n", cli(redoubt, "DBSIZE").stdout
    assert cli(redoubt, "GET", "key:4999").stdout == "value-4999\n"


def test_redis_cli_scan(redoubt):
    r = redis.Redis(port=redoubt.port)
    r.mset({f"s{i}": 1 for i in range(50)})
    r.mset({f"other{i}": 1 for i in range(10)})
    out = cli(redoubt, "--scan", "--pattern", "s*").stdout.split()
    assert sorted(out) == sorted(f"s{i}" for i in range(50))


def test_redis_py_basic(redoubt):
    r = redis.Redis(host=redoubt.host, port=redoubt.port, socket_timeout=10)
    assert r.ping() is True
    assert r.set("k", b"v\x00\r\n\xff") is True
    assert r.get("k") == b"v\x00\r\n\xff"
    assert r.set("k", "x", nx=True) is None
    assert r.incr("n") == 1 and r.incrby("n", 10) == 11 and r.decr("n") == 10
    assert r.incrbyfloat("f", 1.5) == 1.5
    r.mset({"a": 1, "b": 2})
    assert r.mget("a", "b", "nokey") == [b"1", b"2", None]
    assert r.expire("a", 100) is True and 98 <= r.ttl("a") <= 100
    assert r.exists("a", "b", "nokey") == 2
    assert r.type("a") == b"string"
    assert r.delete("a", "b") == 2
    assert r.append("s", "ab") == 2 and r.strlen("s") == 2
    assert r.setbit("bits", 7, 1) == 0 and r.getbit("bits", 7) == 1 and r.bitcount("bits") == 1
    assert sorted(r.scan_iter(match="*")) == sorted([b"k", b"n", b"f", b"s", b"bits"])
    assert r.dbsize() == 5
    with pytest.raises(redis.ResponseError, match="WRONGTYPE|not an integer"):
        r.incr("k")
    info = r.info()
    assert "redis_version" in info and "connected_clients" in info
    assert r.config_get("maxmemory") == {"maxmemory": "0"}
    assert r.client_setname("py") is True and r.client_getname() == "py"
    assert any(c.get("name") == "py" for c in r.client_list())
    assert r.flushall() is True and r.dbsize() == 0


def test_redis_py_pipeline(redoubt):
    r = redis.Redis(port=redoubt.port, socket_timeout=10)
    p = r.pipeline(transaction=False)
    for i in range(500):
        p.set(f"k{i}", i)
        p.incr("counter")
    p.get("k499")
    results = p.execute()
    assert results[-1] == b"499" and results[-2] == 500
    assert r.dbsize() == 501


def test_redis_py_resp3(redoubt):
    version = tuple(int(x) for x in redis.__version__.split(".")[:2])
    if version < (5, 0):
        pytest.skip(f"python3-redis {redis.__version__} has no protocol=3 (added in redis-py 5.0); "
                    "RESP3 is covered by redis-cli -3 and the differential suite")
    r = redis.Redis(port=redoubt.port, protocol=3)
    assert r.set("k", "v") and r.get("k") == b"v"
    assert r.hello()["proto"] == 3 if hasattr(r, "hello") else True


def _benchmark(server, *extra):
    cmd = [REDIS_BENCHMARK, "-h", server.host, "-p", str(server.port), "-q"] + list(extra)
    r = run_tool(cmd, timeout=180)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert not re.search(r"error|ERR ", out, re.I), out
    return out


@pytest.mark.redoubt_timeout(240)
def test_redis_benchmark_basic(redoubt):
    # The string and connection tests of redis-benchmark's default set.
    out = _benchmark(redoubt, "-t", "ping_inline,ping_mbulk,set,get,incr,mset", "-n", "20000")
    for name in ("PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET"):
        assert re.search(rf"^{name}.*: [\d.]+ requests per second", out, re.M), out


@pytest.mark.redoubt_timeout(240)
def test_redis_benchmark_pipelined(redoubt):
    out = _benchmark(redoubt, "-t", "set,get,incr,mset", "-n", "20000", "-P", "16")
    assert out.count("requests per second") == 4, out
    assert redis.Redis(port=redoubt.port).dbsize() > 0


@pytest.mark.redoubt_timeout(240)
def test_redis_benchmark_list_tests(redoubt):
    out = _benchmark(redoubt, "-t", "lpush,rpush,lpop,rpop,lrange_100", "-n", "10000")
    for name in ("LPUSH", "RPUSH", "LPOP", "RPOP", "LRANGE_100"):
        assert re.search(rf"^{name}.*: [\d.]+ requests per second", out, re.M), out


@pytest.mark.redoubt_timeout(240)
def test_redis_benchmark_1k_values(redoubt):
    out = _benchmark(redoubt, "-t", "set,get", "-n", "20000", "-d", "1024")
    assert out.count("requests per second") == 2, out
    r = redis.Redis(port=redoubt.port)
    assert r.strlen("key:__rand_int__") == 1024


def test_config_resetstat_clears_statistics_and_keeps_gauges(redoubt_factory):
    # Counters are declared once with their INFO name and kind (common/counter.h): RESETSTAT
    # clears the statistics of every component and leaves what counts current clients.
    s = redoubt_factory()
    held = redis.Redis(port=s.port)
    held.ping()
    limited = redis.Redis(port=s.port)
    limited.execute_command("ACL", "SETUSER", "ro", "on", "nopass", "+get", "~*")
    limited.execute_command("AUTH", "ro", "x")
    with pytest.raises(redis.ResponseError):
        limited.set("k", "v")
    before = held.info("all")
    assert before["total_connections_received"] >= 2 and before["acl_access_denied_cmd"] == 1
    assert before["tls_mode_connected_tcp_clients"] == 2

    held.config_resetstat()

    after = held.info("all")
    assert after["total_connections_received"] == 0
    assert after["acl_access_denied_cmd"] == 0
    assert after["connected_clients"] == 2
    assert after["tls_mode_connected_tcp_clients"] == 2
    held.close()
    limited.close()
