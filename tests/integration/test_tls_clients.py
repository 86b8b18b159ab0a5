# TLS with real clients: openssl s_client, redis-cli --tls, redis-py ssl=True and
# redis-benchmark --tls, on the main port in tls-mode preferred and required and on tls-port;
# INFO ssl counting plaintext and TLS clients as they come and go on one port; CLIENT LIST
# showing who is on TLS; session resumption.
import ssl
import subprocess

import pytest
import redis

from support.resp_client import RespClient, expect, unwrap
from support.tls_helpers import client_lines, info_int, info_ssl, tls_args, tls_client
from support.tools import REDIS_BENCHMARK, REDIS_CLI, run_tool, wait_until


@pytest.fixture
def preferred(redoubt_factory, tls_certs):
    return redoubt_factory(tls_args(tls_certs.get("server"), "preferred"))


@pytest.fixture
def required(redoubt_factory, tls_certs):
    return redoubt_factory(tls_args(tls_certs.get("server"), "required"), tls_ca=tls_certs.ca().cert)


def test_openssl_s_client_ping(preferred, tls_certs):
    # QUIT makes the server close, which ends s_client (it does not stop at end of input).
    out = run_tool(["openssl", "s_client", "-connect", f"127.0.0.1:{preferred.port}", "-quiet",
                    "-CAfile", tls_certs.ca().cert, "-verify_return_error"],
                   input="PING\r\nQUIT\r\n", timeout=20)
    assert out.stdout.splitlines()[:2] == ["+PONG", "+OK"], out.stdout + out.stderr


def test_redis_cli_tls_on_required_port_and_plaintext_refused(required, tls_certs):
    ca = tls_certs.ca().cert
    base = [REDIS_CLI, "-p", str(required.port), "--tls", "--cacert", ca]
    assert run_tool(base + ["SET", "k", "v"]).stdout.strip() == "OK"
    assert run_tool(base + ["GET", "k"]).stdout.strip() == "v"

    # A plaintext PING: the connection is closed, nothing is executed or answered.
    with RespClient(port=required.port) as plain:
        plain.send("SET", "plain", "x")
        data, closed = plain.read_raw_until_close(timeout=10)
    assert closed and data == b""
    with tls_client(required, ca) as c:
        expect(c, ("EXISTS", "plain"), ("int", 0))
        assert info_int(c, "tls_plaintext_refused") == 1
        assert info_ssl(c)["tls_mode"] == "required"


def test_redis_cli_on_tls_port(redoubt_factory, tls_certs):
    from support.servers import free_port
    tls_port = free_port()
    server = redoubt_factory(tls_args(tls_certs.get("server"), "none") + ["--tls-port", str(tls_port)])
    ca = tls_certs.ca().cert
    out = run_tool([REDIS_CLI, "-p", str(tls_port), "--tls", "--cacert", ca, "PING"])
    assert out.stdout.strip() == "PONG", out.stderr
    # The main port stays plaintext in tls-mode none.
    assert run_tool([REDIS_CLI, "-p", str(server.port), "PING"]).stdout.strip() == "PONG"
    with RespClient(port=server.port) as c:
        fields = info_ssl(c)
        assert fields["ssl_enabled"] == "yes" and fields["tls_port"] == str(tls_port)


def test_redis_py_ssl(required, tls_certs):
    r = redis.Redis(host="127.0.0.1", port=required.port, ssl=True,
                    ssl_ca_certs=tls_certs.ca().cert, socket_timeout=5)
    try:
        assert r.set("py", "ok")
        assert r.get("py") == b"ok"
        pipe = r.pipeline(transaction=False)
        for i in range(200):
            pipe.set(f"p{i}", i)
        assert all(pipe.execute())
        assert r.dbsize() == 201
    finally:
        r.close()


def test_redis_benchmark_tls(required, tls_certs):
    out = run_tool([REDIS_BENCHMARK, "-p", str(required.port), "--tls", "--cacert",
                    tls_certs.ca().cert, "-t", "set,get", "-n", "5000", "-c", "20", "-P", "4",
                    "-r", "1000", "-q", "--csv"], timeout=60)
    assert out.returncode == 0, out.stderr
    rows = [l for l in out.stdout.splitlines() if l.startswith('"SET"') or l.startswith('"GET"')]
    assert len(rows) == 2, out.stdout + out.stderr
    with tls_client(required, tls_certs.ca().cert) as c:
        assert unwrap(c.call("DBSIZE")) > 0
        assert "error" not in out.stderr.lower()


def test_preferred_counts_both_kinds_as_they_come_and_go(preferred, tls_certs):
    ca = tls_certs.ca().cert
    observer = tls_client(preferred, ca)
    plains = [RespClient(port=preferred.port) for _ in range(3)]
    tlss = [tls_client(preferred, ca) for _ in range(2)]
    for c in plains + tlss:
        expect(c, ("PING",), ("simple", "PONG"))
    f = info_ssl(observer)
    assert (f["tls_mode_connected_tcp_clients"], f["tls_mode_connected_tls_clients"]) == ("3", "3")

    for c in plains[:2] + tlss[:1]:
        c.close()
    assert wait_until(lambda: (info_int(observer, "tls_mode_connected_tcp_clients"),
                               info_int(observer, "tls_mode_connected_tls_clients")) == (1, 2), 10)

    lines = client_lines(observer)
    by_tls = sorted((l["tls"], l["tls-version"] != "", l["tls-cipher"] != "") for l in lines)
    assert by_tls == [("no", False, False), ("yes", True, True), ("yes", True, True)]
    assert {l["tls-version"] for l in lines if l["tls"] == "yes"} <= {"TLSv1.2", "TLSv1.3"}
    for c in (observer, plains[2], tlss[1]):
        c.close()


def test_session_ticket_resumes(preferred, tls_certs):
    ca = tls_certs.ca().cert
    context = ssl.create_default_context(cafile=ca)
    first = RespClient(port=preferred.port, tls_context=context)
    expect(first, ("PING",), ("simple", "PONG"))  # the ticket arrives with or before the reply
    session = first.sock.session
    first.close()
    with RespClient(port=preferred.port, tls_context=context, tls_session=session) as second:
        expect(second, ("PING",), ("simple", "PONG"))
        assert second.sock.session_reused
        assert info_int(second, "tls_sessions_resumed") >= 1


def test_protocol_versions_follow_tls_protocols(redoubt_factory, tls_certs):
    server = redoubt_factory(tls_args(tls_certs.get("server"), "preferred",
                                      ["--tls-protocols", "TLSv1.3"]))
    ca = tls_certs.ca().cert
    old = ssl.create_default_context(cafile=ca)
    old.maximum_version = ssl.TLSVersion.TLSv1_2
    with pytest.raises((ssl.SSLError, ConnectionError)):
        RespClient(port=server.port, tls_context=old)
    with tls_client(server, ca) as c:
        expect(c, ("PING",), ("simple", "PONG"))
        # The alert reaches the client before the server counts the failure.
        assert wait_until(lambda: info_int(c, "tls_handshakes_failed") >= 1, 10)
        assert [l["tls-version"] for l in client_lines(c)] == ["TLSv1.3"]


def test_tls_1_2_client_works_by_default(preferred, tls_certs):
    context = ssl.create_default_context(cafile=tls_certs.ca().cert)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    with RespClient(port=preferred.port, tls_context=context) as c:
        expect(c, ("PING",), ("simple", "PONG"))
        assert client_lines(c)[0]["tls-version"] == "TLSv1.2"


REDIS_TLS_CONF = """# A TLS set-up as Redis's redis.conf documents it: TLS-only port, no plaintext port.
port 0
tls-port {port}
tls-cert-file {cert}
tls-key-file {key}
tls-ca-cert-file {ca}
tls-dh-params-file {dh}
tls-auth-clients no
tls-replication yes
tls-cluster no
tls-protocols "TLSv1.2 TLSv1.3"
tls-prefer-server-ciphers yes
tls-session-caching yes
tls-session-cache-size 5000
tls-session-cache-timeout 60
"""


def test_redis_tls_config_file_works_unchanged(redoubt_factory, tls_certs, tmp_path):
    from support.servers import free_port
    port = free_port()
    dh = tmp_path / "dh.pem"
    made = run_tool(["openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt",
                     "group:ffdhe2048", "-out", str(dh)])
    assert made.returncode == 0, made.stderr
    server_cert = tls_certs.get("server")
    conf = tmp_path / "redis-tls.conf"
    conf.write_text(REDIS_TLS_CONF.format(port=port, cert=server_cert.cert, key=server_cert.key,
                                          ca=tls_certs.ca().cert, dh=dh))
    server = redoubt_factory(config_file=str(conf), port=port, pass_port=False,
                             tls_ca=tls_certs.ca().cert)
    out = run_tool([REDIS_CLI, "-p", str(port), "--tls", "--cacert", tls_certs.ca().cert,
                    "CONFIG", "GET", "tls-dh-params-file"])
    assert out.stdout.split() == ["tls-dh-params-file", str(dh)], out.stdout + out.stderr
    assert server.alive()


def test_client_certificates_without_a_ca_are_refused_at_start(tmp_path, tls_certs):
    from support import servers
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    server_cert = tls_certs.get("server")
    s = servers.redoubt_server(args=tls_args(server_cert, "none",
                                             ["--tls-auth-clients", "yes"]), wait=False)
    s.start()
    code = s.wait_exit(10)
    text = s.log_text()
    s.__exit__(None, None, None)
    assert code != 0
    assert "tls-auth-clients yes needs tls-ca-cert-file or tls-ca-cert-dir" in text, text
