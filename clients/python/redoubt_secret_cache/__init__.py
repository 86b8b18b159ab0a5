"""redis-py connections that authenticate from a secret kept in Secrets Manager (Redoubt's
control plane, or AWS's), for applications that must never hold a cache password of their
own:

    cache = SecretCache(boto3.client("secretsmanager"), "prod/orders/app", ttl=300)
    r = redis_client(cache, host="orders.….cache.redoubt.internal", ssl_ca_certs=ca)
    rc = redis_cluster_client(cache, host="clustercfg.orders.….cache.redoubt.internal")

The secret's value is the JSON Secrets Manager's database secrets use: {"username",
"password", ...}; without "username" the password is an auth token (AUTH <token>). Every new connection authenticates with the cached value (fetched at most
once per `ttl` seconds); when the server refuses it (WRONGPASS, NOAUTH: the password was
rotated), the cache is refreshed once and the AUTH tried again on the same connection, so a
rotation costs an application at most one GetSecretValue per connection pool, and no
restart. Connections already authenticated are not touched: Redoubt keeps them working when
a password changes.

Works with redis-py 4.3 (Debian 12's) and later, plaintext and TLS, redis.Redis and
redis.RedisCluster.
"""
import json
import threading
import time

import redis
from redis.cluster import RedisCluster
from redis.connection import Connection, ConnectionPool, SSLConnection
from redis.exceptions import AuthenticationError, ConnectionError, ResponseError

__all__ = ["SecretCache", "redis_client", "redis_cluster_client", "connection_class"]


class SecretCache:
    """The value of one secret, fetched with GetSecretValue and kept for `ttl` seconds.
    Thread-safe: concurrent callers of an expired entry fetch it once."""

    def __init__(self, client, secret_id, ttl=300.0, version_stage="AWSCURRENT",
                 clock=time.monotonic):
        self._client = client
        self._secret_id = secret_id
        self._ttl = ttl
        self._stage = version_stage
        self._clock = clock
        self._lock = threading.Lock()
        self._value = None
        self._fetched_at = None
        self.fetches = 0  # GetSecretValue calls made, for the curious and the tests

    def get(self):
        """The secret's value (a dict), from the cache while it is fresh. When it is stale and
        Secrets Manager cannot be reached, the stale value is used (it most likely still
        works) and the fetch is tried again at the next call."""
        with self._lock:
            if self._value is None or self._clock() - self._fetched_at >= self._ttl:
                try:
                    self._fetch_locked()
                except Exception:
                    if self._value is None:
                        raise
                    # Tried again in a few seconds, not by every new connection meanwhile.
                    self._fetched_at = self._clock() - self._ttl + min(self._ttl, 5.0)
            return self._value

    def refresh(self, stale=None):
        """Fetches the value again, unless another caller did since `stale` (the value it
        found refused) was read. Returns the current value."""
        with self._lock:
            if stale is None or self._value is stale:
                self._fetch_locked()
            return self._value

    def _fetch_locked(self):
        reply = self._client.get_secret_value(SecretId=self._secret_id,
                                              VersionStage=self._stage)
        self._value = json.loads(reply["SecretString"])
        self._fetched_at = self._clock()
        self.fetches += 1


def _refused(error):
    """Whether a reply to AUTH means the credentials are not (or no longer) valid."""
    if isinstance(error, AuthenticationError):
        return True
    return isinstance(error, ResponseError) and str(error).startswith(("WRONGPASS", "NOAUTH"))


class _SecretAuthentication:
    """Mixed into redis-py's Connection classes: AUTH from the secret cache, refreshed once
    when refused."""

    secret_cache = None  # set on the bound subclass (connection_class)

    def __init__(self, *args, **kwargs):
        kwargs.pop("ssl", None)  # RedisCluster passes it on; the class already says
        super().__init__(*args, **kwargs)

    def _auth(self, value):
        # A secret without a username is an auth token: AUTH <token>, as the default user.
        user = value.get("username")
        credentials = (user, value["password"]) if user else (value["password"],)
        self.send_command("AUTH", *credentials, check_health=False)
        return self.read_response()

    def _secret(self, fetch):
        # redis-py closes a connection whose setup failed only on its own errors: a failure to
        # read the secret must be one, or the socket would go back to the pool unauthenticated.
        try:
            value = fetch()
            if not isinstance(value, dict) or not isinstance(value.get("password"), str):
                raise ValueError("the secret is not {\"username\", \"password\", ...}")
            return value
        except Exception as error:
            raise ConnectionError(f"cannot read the secret: {error}") from error

    def on_connect(self):
        self._parser.on_connect(self)
        value = self._secret(self.secret_cache.get)
        try:
            reply = self._auth(value)
        except (AuthenticationError, ResponseError) as error:
            if not _refused(error):
                raise
            value = self._secret(lambda: self.secret_cache.refresh(stale=value))
            reply = self._auth(value)
        if reply not in (b"OK", "OK"):
            raise AuthenticationError(f"AUTH answered {reply!r}")
        # Shown by repr, never the password.
        self.username, self.password = value.get("username"), None
        if self.client_name:
            self.send_command("CLIENT", "SETNAME", self.client_name)
            self.read_response()
        if self.db:
            self.send_command("SELECT", self.db)
            self.read_response()


def connection_class(cache, tls=False):
    """A redis-py Connection class (SSLConnection with tls) that authenticates from cache."""
    base = SSLConnection if tls else Connection
    return type(f"Secret{base.__name__}", (_SecretAuthentication, base), {"secret_cache": cache})


def redis_client(cache, host, port=6379, ssl=False, **kwargs):
    """A redis.Redis whose connections authenticate from cache. kwargs: ConnectionPool's and
    the connection's (socket_timeout, ssl_ca_certs, ...)."""
    pool = ConnectionPool(connection_class=connection_class(cache, tls=ssl), host=host, port=port,
                          **kwargs)
    return redis.Redis(connection_pool=pool)


def redis_cluster_client(cache, host, port=6379, ssl=False, **kwargs):
    """A redis.RedisCluster whose connections to every node authenticate from cache."""
    # redis-py builds each node's pool from the cluster's arguments, keeping connection_class
    # only when the cluster was given as a URL.
    return RedisCluster(url=f"redis://{host}:{port}",
                        connection_class=connection_class(cache, tls=ssl), **kwargs)
