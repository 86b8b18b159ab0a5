# Shared pieces of the TLS integration tests: the server arguments for a certificate, INFO ssl
# as a dict, and raw handshake fragments for the bad-input tests.
from support.resp_client import RespClient, unwrap


def tls_args(cert, mode="none", extra=()):
    """redoubt-server arguments that load `cert` (an Issued: .cert/.key) in tls-mode `mode`."""
    return ["--tls-cert-file", cert.cert, "--tls-key-file", cert.key, "--tls-mode", mode,
            *extra]


def info_ssl(client):
    """INFO ssl of a RespClient as {field: str}."""
    text = unwrap(client.call("INFO", "ssl")).decode()
    fields = {}
    for line in text.split("\r\n"):
        if ":" in line and not line.startswith("#"):
            k, _, v = line.partition(":")
            fields[k] = v
    return fields


def info_int(client, field):
    return int(info_ssl(client)[field])


def tls_client(server, ca, **kw):
    """A RespClient speaking TLS to server's main port."""
    return RespClient(port=server.port, tls_ca=ca, **kw)


def client_lines(client):
    """CLIENT LIST as a list of {field: value}."""
    text = unwrap(client.call("CLIENT", "LIST")).decode()
    out = []
    for line in text.strip().split("\n"):
        out.append(dict(item.partition("=")[::2] for item in line.split(" ")))
    return out


# The first bytes of a TLS 1.2-style ClientHello record: handshake(0x16), version 3.1,
# a length of 512, then the start of a ClientHello that never completes.
TRUNCATED_CLIENT_HELLO = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 16
