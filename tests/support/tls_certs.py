# Certificate factory for the TLS tests and benchmarks: makes CAs, server and client
# certificates, broken certificates and CRLs in one directory with the `openssl` command line
# (OpenSSL 3.0, Debian 12), so no test needs a Python crypto library or checked-in key files.
#
#   from support.tls_certs import CertFactory          # tests (tests/ is on sys.path)
#   certs = CertFactory(tmp_dir)
#   ca = certs.ca()                                    # CA "ca": RSA-2048, 10 years
#   server = certs.server_cert("server")               # Issued(cert, key, serial, ...)
#   cert_path, key_path = server                       # an Issued unpacks as (cert, key)
#   certs.server_cert("server-ec", key_type="ec")      # ECDSA P-256 key
#   certs.server_cert("locked", password="s3cret")     # encrypted key (tls-key-file-pass)
#   certs.expired_server_cert("old")                   # validity ended yesterday
#   certs.not_yet_valid_server_cert("early")           # validity starts in 30 days
#   certs.mismatched_key_pair("wrong")                 # .key does not belong to .cert
#   certs.other_ca()                                   # second, unrelated CA "other-ca"
#   certs.server_cert("foreign", ca="other-ca")        # signed by it
#   alice = certs.client_cert("alice")                 # CN=alice, extendedKeyUsage clientAuth
#   certs.revoke(alice); crl_path = certs.crl()        # CRL of CA "ca" (regenerated per call)
#   certs.expired_crl()                                # CRL of "ca" whose nextUpdate is past
#   certs.crl(next_update=datetime.timedelta(hours=1)) # CRL dates set explicitly
#   certs.impostor_crl()                               # issuer name of "ca", another CA's key
#
# Read first:
#   - Every CA keeps a real `openssl ca` database (index.txt, serial, crlnumber) in
#     <dir>/<ca-name>.db/, so revocation and CRLs work exactly as an operator would do them.
#     unique_subject is off, so the same CN may be issued again (rotation).
#   - Serial numbers come from one counter per directory (<dir>/next_serial), starting at a
#     random 63-bit value: unique among everything made in the directory (CAs included), and
#     across directories with overwhelming probability. A client or server that caches by
#     (issuer, serial) therefore never sees two certificates as one.
#   - Names share one namespace: <dir>/<name>.crt and <dir>/<name>.key. Issuing a name twice
#     raises; get(name) returns what was issued. ca(name) is idempotent instead, because
#     nearly every caller wants "the" CA.
#   - Server certificates carry subjectAltName IP:127.0.0.1, IP:::1, DNS:localhost, so clients
#     that check the host name (Python's ssl, openssl s_client -verify_hostname) accept them.
#   - Default validity starts 60 s in the past: a certificate loaded in the second it was made
#     must not look "not yet valid" to a peer whose clock reads a little behind.
#   - One process at a time per directory (the counter and the databases are plain files).
#   - Passwords reach openssl through the environment (-pass env:...), not the command line,
#     so they do not show in `ps`.
import datetime
import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

OPENSSL = "openssl"
DEFAULT_SAN = ("IP:127.0.0.1", "IP:::1", "DNS:localhost")
BACKDATE = datetime.timedelta(seconds=60)
_PASS_ENV = "REDOUBT_TLS_CERTS_PASS"
_TIMEOUT_S = 60


class CertError(RuntimeError):
    """An openssl command failed; the message holds the command and its output."""


@dataclass(frozen=True)
class CA:
    name: str
    cert: str        # PEM certificate
    key: str         # PEM private key (unencrypted)
    serial: int
    key_type: str
    db_dir: str      # the `openssl ca` database: index.txt, serial, crlnumber, openssl.cnf

    @property
    def config(self):
        return os.path.join(self.db_dir, "openssl.cnf")


@dataclass(frozen=True)
class Issued:
    """A certificate and its key. Unpacks as (cert, key) so `cert, key = ...` works."""
    name: str
    cert: str
    key: str
    serial: int
    ca: str                     # name of the issuing CA
    kind: str                   # "server" or "client"
    password: str | None = None  # set when the key file is encrypted
    not_before: datetime.datetime | None = None
    not_after: datetime.datetime | None = None

    @property
    def serial_hex(self):
        """Upper-case hex with an even number of digits, as `openssl x509 -serial` prints."""
        return _even_hex(self.serial)

    def __iter__(self):
        return iter((self.cert, self.key))


def _even_hex(number):
    # Whole bytes: how OpenSSL prints serials, and what its serial file parser expects.
    text = f"{number:X}"
    return text if len(text) % 2 == 0 else "0" + text


def _utc(value, now):
    """datetime (naive = UTC) or timedelta from now -> aware UTC datetime, whole seconds."""
    if isinstance(value, datetime.timedelta):
        value = now + value
    elif value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc).replace(microsecond=0)


def _asn1_time(value):
    # GeneralizedTime syntax; `openssl ca` stores it as UTCTime when the year allows, as
    # RFC 5280 requires for dates before 2050.
    return value.strftime("%Y%m%d%H%M%SZ")


def _key_args(key_type):
    """openssl genpkey arguments for 'rsa', 'rsa:BITS', 'ec' (P-256) or 'ec:CURVE'."""
    kind, _, param = key_type.partition(":")
    if kind == "rsa":
        return ["-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{int(param or 2048)}"]
    if kind == "ec":
        return ["-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{param or 'P-256'}"]
    raise ValueError(f"unknown key_type {key_type!r} (rsa, rsa:BITS, ec, ec:CURVE)")


_CA_CONFIG = """\
# `openssl ca` configuration written by tests/support/tls_certs.py for CA {name}.
[ ca ]
default_ca = CA_default

[ CA_default ]
dir              = {db}
database         = $dir/index.txt
new_certs_dir    = $dir/newcerts
serial           = $dir/serial
crlnumber        = $dir/crlnumber
certificate      = {cert}
private_key      = {key}
default_md       = sha256
default_crl_days = 30
policy           = policy_any
unique_subject   = no
email_in_dn      = no
# Extensions come only from -extfile: a CSR cannot smuggle in CA:TRUE.
copy_extensions  = none

[ policy_any ]
organizationName = optional
commonName       = supplied

[ req ]
distinguished_name = req_dn
prompt             = no

[ req_dn ]
CN = {name}

[ v3_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
"""


class CertFactory:
    """Makes certificates in `directory` (created if missing). See the file comment."""

    def __init__(self, directory):
        self.dir = Path(directory).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self._cas = {}
        self._issued = {}

    # ----- CAs ------------------------------------------------------------------------------

    def ca(self, name="ca", key_type="rsa", days=3650, cn=None):
        """The CA called `name`, created on first use (later calls return it unchanged).

        cn: the subject's CN (default: name). A CA given another one's CN is an impostor: the
        same issuer name on what it signs, but its own key."""
        if name in self._cas:
            return self._cas[name]
        self._claim(name)
        db = self.dir / f"{name}.db"
        (db / "newcerts").mkdir(parents=True)
        (db / "index.txt").write_text("")
        (db / "index.txt.attr").write_text("unique_subject = no\n")
        (db / "crlnumber").write_text("1000\n")
        cert, key = self.dir / f"{name}.crt", self.dir / f"{name}.key"
        (db / "openssl.cnf").write_text(_CA_CONFIG.format(name=name, db=db, cert=cert, key=key))
        self._genkey(key, key_type)
        serial = self._next_serial()
        self._openssl("req", "-config", db / "openssl.cnf", "-x509", "-new", "-key", key,
                      "-subj", f"/O=Redoubt tests/CN={cn or name}", "-days", str(days),
                      "-set_serial", hex(serial), "-extensions", "v3_ca", "-out", cert)
        ca = CA(name=name, cert=str(cert), key=str(key), serial=serial, key_type=key_type,
                db_dir=str(db))
        self._cas[name] = ca
        return ca

    def other_ca(self):
        """A second CA that shares nothing with the default one."""
        return self.ca("other-ca")

    # ----- issuing --------------------------------------------------------------------------

    def server_cert(self, name=None, *, ca="ca", days=365, not_before=None, not_after=None,
                    key_type="rsa", san=DEFAULT_SAN, cn=None, password=None):
        """A server certificate (extendedKeyUsage serverAuth) signed by CA `ca`.

        not_before / not_after: datetime (naive means UTC) or timedelta from now. Default
        validity: now - 60 s until not_before + `days`. password: encrypt the key with it
        (AES-256, PKCS#8). Returns an Issued."""
        name = name or self._fresh_name("server")
        return self._issue(name, "server", ca=ca, days=days, not_before=not_before,
                           not_after=not_after, key_type=key_type, san=san, cn=cn or name,
                           password=password)

    def client_cert(self, cn, *, name=None, ca="ca", days=365, not_before=None,
                    not_after=None, key_type="rsa", password=None):
        """A client certificate with subject CN=cn (extendedKeyUsage clientAuth)."""
        name = name or self._fresh_name(f"client-{cn}")
        return self._issue(name, "client", ca=ca, days=days, not_before=not_before,
                           not_after=not_after, key_type=key_type, san=(), cn=cn,
                           password=password)

    def expired_server_cert(self, name=None, *, ca="ca", key_type="rsa"):
        """Valid from 30 days ago until yesterday."""
        return self.server_cert(name or self._fresh_name("expired"), ca=ca, key_type=key_type,
                                not_before=datetime.timedelta(days=-30),
                                not_after=datetime.timedelta(days=-1))

    def not_yet_valid_server_cert(self, name=None, *, ca="ca", key_type="rsa"):
        """Valid from 30 days from now, for a year."""
        return self.server_cert(name or self._fresh_name("future"), ca=ca, key_type=key_type,
                                not_before=datetime.timedelta(days=30),
                                not_after=datetime.timedelta(days=395))

    def mismatched_key_pair(self, name=None, *, ca="ca", key_type="rsa"):
        """A valid server certificate paired with a key that is not its own.

        The certificate's real key is kept as <name>.real.key (only so the directory stays
        self-explanatory); the returned Issued.key is <name>.key, an unrelated key."""
        name = name or self._fresh_name("mismatched")
        good = self.server_cert(name, ca=ca, key_type=key_type)
        real = Path(good.key).with_suffix(".real.key")
        os.replace(good.key, real)
        self._genkey(Path(good.key), key_type)
        return good

    def get(self, name):
        """What server_cert/client_cert issued under `name` (KeyError if nothing)."""
        return self._issued[name]

    def bundle(self, name, *pem_paths):
        """Concatenates PEM files (e.g. two CA certificates) into <dir>/<name>.pem."""
        self._claim(name)
        out = self.dir / f"{name}.pem"
        out.write_text("".join(Path(p).read_text() for p in pem_paths))
        return str(out)

    # ----- revocation -----------------------------------------------------------------------

    def revoke(self, cert, reason="keyCompromise"):
        """Marks a certificate (Issued or path) revoked in its CA's database.

        Takes effect in the next crl(). The CA is found from the Issued, or, for a bare path,
        by the database that holds its serial."""
        path, ca = self._cert_and_ca(cert)
        self._openssl("ca", "-batch", "-config", ca.config, "-revoke", path,
                      "-crl_reason", reason)

    def crl(self, ca="ca", days=30, out=None, *, last_update=None, next_update=None):
        """Writes a fresh CRL of CA `ca` (every revocation so far) and returns its path.

        last_update / next_update: datetime (naive means UTC) or timedelta from now, set with
        `openssl ca -crl_lastupdate/-crl_nextupdate` (OpenSSL 3), e.g. a nextUpdate already
        past; `days` is ignored when next_update is given."""
        authority = self._ca(ca)
        path = Path(out) if out else self.dir / f"{authority.name}.crl.pem"
        now = datetime.datetime.now(datetime.timezone.utc)
        dates = []
        if last_update is not None:
            dates += ["-crl_lastupdate", _asn1_time(_utc(last_update, now))]
        if next_update is not None:
            dates += ["-crl_nextupdate", _asn1_time(_utc(next_update, now))]
        else:
            dates += ["-crldays", str(days)]
        self._openssl("ca", "-batch", "-config", authority.config, "-gencrl", *dates,
                      "-out", path)
        return str(path)

    def expired_crl(self, ca="ca", out=None):
        """A CRL of CA `ca` (every revocation so far) issued two days ago whose nextUpdate was
        yesterday. Default path: <dir>/<ca>.expired.crl.pem."""
        path = out or self.dir / f"{self._ca(ca).name}.expired.crl.pem"
        return self.crl(ca, out=path, last_update=datetime.timedelta(days=-2),
                        next_update=datetime.timedelta(days=-1))

    def impostor_crl(self, of="ca", out=None):
        """A CRL that names CA `of` as its issuer but is signed by another key: the CA
        "<of>-impostor" (made on first use) with `of`'s subject. Default path:
        <dir>/<of>-impostor.crl.pem."""
        impostor = self.ca(f"{self._ca(of).name}-impostor", cn=of)
        return self.crl(impostor.name, out=out)

    # ----- internals ------------------------------------------------------------------------

    def _issue(self, name, kind, *, ca, days, not_before, not_after, key_type, san, cn,
               password):
        authority = self._ca(ca)
        self._claim(name)
        now = datetime.datetime.now(datetime.timezone.utc)
        start = _utc(not_before, now) if not_before is not None else _utc(-BACKDATE, now)
        end = (_utc(not_after, now) if not_after is not None
               else start + datetime.timedelta(days=days))
        if end <= start:
            raise ValueError(f"{name}: not_after {end} is not after not_before {start}")

        key, cert = self.dir / f"{name}.key", self.dir / f"{name}.crt"
        csr, ext = self.dir / f"{name}.csr", self.dir / f"{name}.ext"
        self._genkey(key, key_type, password)
        usage = "digitalSignature" + (", keyEncipherment" if key_type.startswith("rsa") else "")
        lines = ["[ ext ]", "basicConstraints = critical, CA:FALSE",
                 f"keyUsage = critical, {usage}",
                 f"extendedKeyUsage = {'serverAuth' if kind == 'server' else 'clientAuth'}",
                 "subjectKeyIdentifier = hash", "authorityKeyIdentifier = keyid:always"]
        if san:
            lines.append("subjectAltName = " + ", ".join(san))
        ext.write_text("\n".join(lines) + "\n")
        serial = self._next_serial()
        try:
            self._openssl("req", "-new", "-key", key, *self._pass_in(password),
                          "-subj", f"/O=Redoubt tests/CN={cn}", "-out", csr,
                          password=password)
            # `openssl ca` takes the next serial from the database's serial file; writing our
            # counter there keeps serials unique across all CAs of this directory.
            Path(authority.db_dir, "serial").write_text(_even_hex(serial) + "\n")
            self._openssl("ca", "-batch", "-config", authority.config, "-notext",
                          "-in", csr, "-out", cert, "-startdate", _asn1_time(start),
                          "-enddate", _asn1_time(end), "-extfile", ext, "-extensions", "ext")
        finally:
            csr.unlink(missing_ok=True)
            ext.unlink(missing_ok=True)
        issued = Issued(name=name, cert=str(cert), key=str(key), serial=serial,
                        ca=authority.name, kind=kind, password=password, not_before=start,
                        not_after=end)
        self._issued[name] = issued
        return issued

    def _ca(self, name):
        if name not in self._cas:
            # The default CA is made on demand; any other must be created explicitly, so a
            # typo in a CA name fails instead of silently minting a new trust root.
            if name != "ca":
                raise KeyError(f"no CA named {name!r}; create it with ca({name!r}) first")
            self.ca()
        return self._cas[name]

    def _cert_and_ca(self, cert):
        if isinstance(cert, Issued):
            return cert.cert, self._cas[cert.ca]
        path = str(cert)
        serial = int(self._openssl("x509", "-in", path, "-noout", "-serial")
                     .strip().split("=", 1)[1], 16)
        for ca in self._cas.values():
            for line in Path(ca.db_dir, "index.txt").read_text().splitlines():
                fields = line.split("\t")
                if len(fields) > 3 and int(fields[3], 16) == serial:
                    return path, ca
        raise KeyError(f"{path}: serial {serial:X} was not issued by a CA of {self.dir}")

    def _claim(self, name):
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"bad certificate name {name!r}")
        taken = (name in self._cas or name in self._issued
                 or (self.dir / f"{name}.crt").exists() or (self.dir / f"{name}.pem").exists())
        if taken:
            raise ValueError(f"{name!r} already exists in {self.dir}; use get() or a new name")

    def _fresh_name(self, stem):
        for i in range(1, 100_000):
            name = f"{stem}-{i}"
            if name not in self._issued and not (self.dir / f"{name}.crt").exists():
                return name
        raise RuntimeError(f"no free name for {stem} in {self.dir}")

    def _next_serial(self):
        counter = self.dir / "next_serial"
        try:
            serial = int(counter.read_text().strip(), 16)
        except FileNotFoundError:
            serial = secrets.randbits(62) | (1 << 62)  # 63-bit, positive, never tiny
        counter.write_text(f"{serial + 1:X}\n")
        return serial

    def _genkey(self, path, key_type, password=None):
        args = ["genpkey", *_key_args(key_type), "-out", path]
        if password is not None:
            args += ["-aes-256-cbc", "-pass", f"env:{_PASS_ENV}"]
        self._openssl(*args, password=password)
        os.chmod(path, 0o600)

    @staticmethod
    def _pass_in(password):
        return ["-passin", f"env:{_PASS_ENV}"] if password is not None else []

    def _openssl(self, *args, password=None):
        cmd = [OPENSSL, *(str(a) for a in args)]
        env = dict(os.environ)
        if password is not None:
            env[_PASS_ENV] = password
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_TIMEOUT_S,
                                  cwd=self.dir, env=env)
        except subprocess.TimeoutExpired as e:
            raise CertError(f"{' '.join(cmd)}: timed out after {_TIMEOUT_S}s") from e
        if proc.returncode != 0:
            raise CertError(f"{' '.join(cmd)}: exit {proc.returncode}\n"
                            f"{proc.stderr.strip()[-2000:]}")
        return proc.stdout
