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


# ----- client certificates (mutual TLS, CRLs, audit log tests) ---------------------------------

def info_fields(client, section):
    """INFO <section> of a RespClient as {field: str}."""
    text = unwrap(client.call("INFO", section)).decode()
    return dict(line.partition(":")[::2] for line in text.split("\r\n")
                if ":" in line and not line.startswith("#"))


def command_calls(client, command):
    """How many times the server has executed `command` (INFO commandstats; 0 before the
    first): lets a test wait for a client's next request instead of sleeping."""
    row = info_fields(client, "commandstats").get(f"cmdstat_{command.lower()}", "")
    return int(row.split("calls=")[1].split(",")[0]) if "calls=" in row else 0


def client_context(ca, cert=None):
    """An ssl.SSLContext that verifies the server with the CA file `ca` and, when `cert` is
    given (an Issued or a (cert, key) pair), presents it as the client certificate."""
    import ssl
    context = ssl.create_default_context(cafile=ca)
    if cert is not None:
        cert_path, key_path = cert
        context.load_cert_chain(cert_path, key_path)
    return context


def mtls_client(server, ca, cert=None, **kw):
    """A RespClient speaking TLS to server's main port, presenting `cert` when given."""
    return RespClient(port=server.port, tls_context=client_context(ca, cert), **kw)


def tls_refusal(server, ca, cert=None, timeout=5.0):
    """None when a TLS client presenting `cert` (or none) gets PONG; otherwise why it did not:
    the text of the handshake error, or of the first read (with TLS 1.3 the client finishes its
    handshake before the server has checked its certificate, so a refusal arrives as an alert
    on the first read)."""
    import ssl
    from support.resp_client import ConnectionClosed
    try:
        with mtls_client(server, ca, cert, timeout=timeout) as c:
            reply = c.call("PING")
    except (ssl.SSLError, ConnectionClosed, ConnectionResetError, BrokenPipeError) as e:
        return f"{type(e).__name__}: {e}"
    return None if reply == ("simple", "PONG") else f"reply {reply!r}"


def issue(certs, cn, **kw):
    """A client certificate with CN=cn from `certs` (a CertFactory); ECDSA keys keep the
    suites quick."""
    kw.setdefault("key_type", "ec")
    return certs.client_cert(cn, **kw)
