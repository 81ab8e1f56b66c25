"""Turn a Django DATABASES entry into MongoClient arguments, rejecting wrong values early.

The keys are the ones the original djongo documented (NAME, HOST, PORT, USER, PASSWORD, AUTH_SOURCE,
AUTH_MECHANISM) plus OPTIONS (passed to MongoClient), PLUGINS (read by the plugin host) and
COUNTER_CACHE (integer keys drawn per counter call, counters.py).
"""

import difflib
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from djongo_core import embedded

URI_SCHEMES = ("mongodb://", "mongodb+srv://")
AUTH_MECHANISMS = (
    "SCRAM-SHA-1",
    "SCRAM-SHA-256",
    "MONGODB-X509",
    "MONGODB-AWS",
    "MONGODB-OIDC",
    "GSSAPI",
    "PLAIN",
)
# MongoDB refuses these characters in database names (and they would break collection paths).
_INVALID_DB_NAME = re.compile(r'[/\\. "$*<>:|?\x00]')
# A scheme at the start of HOST ("embeded:"), told from a host name and port ("db1:27017").
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?!\d+$)")
SCHEMES = ("embedded", "mongodb", "mongodb+srv")
# Defaults that suit a Django backend; OPTIONS may override any of them.
CLIENT_DEFAULTS = {
    "appname": "djongo-core",
    # UUIDField values are stored as BSON binary subtype 4, the standard representation.
    "uuidRepresentation": "standard",
}
# The embedded server runs on this machine and never holds an election: when it does not
# answer within a few seconds it is gone, and waiting pymongo's default 30 s only stalls the
# request that finds out.
EMBEDDED_SERVER_SELECTION_MS = 5000
# pymongo's heartbeat waits connectTimeoutMS (20 s by default) for an answer, then cancels the
# operations in flight ("operation cancelled"). The in-memory embedded server answers nothing
# while it runs an operation, and some take longer than that (a large bulk insert): only a
# server silent for minutes is taken for hung.
EMBEDDED_CONNECT_TIMEOUT_MS = 300_000


@dataclass(frozen=True)
class ConnectionParams:
    """What a DatabaseWrapper needs to open its MongoClient."""

    host: str
    database: str
    client_kwargs: dict = field(default_factory=dict)

    def cache_key(self):
        """Return a hashable key: connections with equal params can share one MongoClient."""
        return (self.host, self.database, repr(sorted(self.client_kwargs.items())))


def _fail(alias, key, problem, fix):
    raise ImproperlyConfigured(f"DATABASES[{alias!r}][{key!r}] {problem}. {fix}")


def parse_connection_params(alias: str, settings_dict: dict) -> ConnectionParams:
    """Validate a DATABASES entry and return the MongoClient arguments it describes."""
    host = settings_dict.get("HOST") or "localhost"
    if not isinstance(host, str):
        _fail(alias, "HOST", f"must be a string, not {type(host).__name__}",
              'Use a host name, a "mongodb://" or "mongodb+srv://" URI, or "embedded:".')
    name = settings_dict.get("NAME") or ""
    kwargs = dict(CLIENT_DEFAULTS)

    if embedded.is_embedded_host(host):
        _reject_with_uri(alias, settings_dict, "PORT", host)
        _reject_credentials_for_embedded(alias, settings_dict, host)
        host = embedded.embedded_server_uri(host)
        kwargs["serverSelectionTimeoutMS"] = EMBEDDED_SERVER_SELECTION_MS
        kwargs["connectTimeoutMS"] = EMBEDDED_CONNECT_TIMEOUT_MS
    elif host.startswith(URI_SCHEMES):
        _reject_with_uri(alias, settings_dict, "PORT", host)
        name = name or _database_from_uri(host)
    elif "://" in host or _SCHEME.match(host) or host.lower() == "embedded":
        shown = redact(host)
        _fail(alias, "HOST", f"has an unsupported scheme in {shown!r}",
              _meant(shown) + 'Use "mongodb://...", "mongodb+srv://..." or "embedded:".')
    else:
        port = settings_dict.get("PORT")
        if port not in (None, ""):
            kwargs["port"] = _port(alias, port)

    if not name:
        _fail(alias, "NAME", "is missing",
              "Set NAME to the database name, or put the database in the HOST URI "
              '("mongodb://host/dbname").')
    _check_database_name(alias, name)
    kwargs.update(_credentials(alias, settings_dict))

    options = settings_dict.get("OPTIONS") or {}
    if not isinstance(options, dict):
        _fail(alias, "OPTIONS", f"must be a dict of MongoClient options, not {type(options).__name__}",
              'For example OPTIONS={"w": "majority"}.')
    kwargs.update(options)
    return ConnectionParams(host=host, database=name, client_kwargs=kwargs)


def _meant(host):
    """Return 'Did you mean "<HOST>"? ' for a misspelt scheme, else an empty string."""
    scheme, colon, rest = host.partition(":")
    if not colon:
        scheme, rest = host, ""
    close = difflib.get_close_matches(scheme.lower(), SCHEMES, n=1, cutoff=0.6)
    return f'Did you mean "{close[0]}:{rest}"? ' if close else ""


def _reject_with_uri(alias, settings_dict, key, host):
    if settings_dict.get(key) not in (None, ""):
        _fail(alias, key, f"cannot be combined with HOST {redact(host)!r}",
              f"Put the value in the URI instead, or remove {key}.")


def _reject_credentials_for_embedded(alias, settings_dict, host):
    # The embedded server has no users: a login would fail with a bare "Authentication
    # failed", and credentials that are silently dropped would suggest a protection there is
    # not.
    for key in ("USER", "PASSWORD", "AUTH_SOURCE", "AUTH_MECHANISM"):
        if settings_dict.get(key):
            _fail(alias, key, f"cannot be used with HOST {host!r}: the embedded engine runs "
                  "without authentication, on 127.0.0.1 only",
                  "Leave USER, PASSWORD, AUTH_SOURCE and AUTH_MECHANISM empty for an embedded "
                  "HOST, or set HOST to a MongoDB server.")


def _port(alias, port):
    try:
        number = int(port)
    except (TypeError, ValueError):
        number = 0
    if not 0 < number < 65536:
        _fail(alias, "PORT", f"must be a port number between 1 and 65535, not {port!r}",
              "Fix the number or remove PORT to use 27017.")
    return number


def _database_from_uri(uri):
    path = urlsplit(uri).path
    return unquote(path.lstrip("/")) if path else ""


def _check_database_name(alias, name):
    if not isinstance(name, str) or _INVALID_DB_NAME.search(name) or len(name.encode()) > 63:
        _fail(alias, "NAME", f"{name!r} is not a valid MongoDB database name",
              'Use at most 63 bytes without any of / \\ . " $ * < > : | ? or spaces.')


def _credentials(alias, settings_dict):
    kwargs = {}
    user, password = settings_dict.get("USER"), settings_dict.get("PASSWORD")
    if user:
        kwargs["username"] = user
    if password:
        if not user:
            _fail(alias, "PASSWORD", "is set without USER", "Set USER as well, or remove PASSWORD.")
        kwargs["password"] = password
    if source := settings_dict.get("AUTH_SOURCE"):
        kwargs["authSource"] = source
    if mechanism := settings_dict.get("AUTH_MECHANISM"):
        if mechanism not in AUTH_MECHANISMS:
            _fail(alias, "AUTH_MECHANISM", f"{mechanism!r} is not a MongoDB authentication mechanism",
                  f"Use one of {', '.join(AUTH_MECHANISMS)}.")
        kwargs["authMechanism"] = mechanism
    return kwargs


def redact(uri):
    """Return the URI without its password, for error messages."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", uri)


def counter_cache(alias, settings_dict):
    """Return DATABASES[alias]["COUNTER_CACHE"]: how many integer keys a connection draws per
    counter call (default 1, every create asks the counter)."""
    cache = settings_dict.get("COUNTER_CACHE", 1)
    if isinstance(cache, bool) or not isinstance(cache, int) or cache < 1:
        raise ImproperlyConfigured(
            f'DATABASES["{alias}"]["COUNTER_CACHE"] must be a positive integer (how many integer '
            f"keys each counter call reserves; 1 turns the cache off), not {cache!r}.")
    return cache
