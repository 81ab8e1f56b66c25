"""One MongoClient per database alias, shared by that alias's connections.

Django opens one DatabaseWrapper per thread, but a MongoClient is a thread-safe pool with its own
monitoring threads and should be long-lived. Connections of the same alias (and the same settings)
therefore share one client, counted by reference: it is closed when the last connection using it
closes.
"""

import threading
import warnings

from django.core.exceptions import ImproperlyConfigured
from pymongo import MongoClient
from pymongo.errors import ConfigurationError, InvalidURI

_lock = threading.Lock()
_clients = {}  # (alias, params key) -> [MongoClient, number of connections using it, checked]


def acquire(alias, params):
    """Return the shared MongoClient for these params, creating it on first use."""
    key = (alias, params.cache_key())
    with _lock:
        entry = _clients.get(key)
        if entry is None:
            entry = _clients[key] = [_new_client(alias, params), 0, False]
        entry[1] += 1
        return entry[0]


def check_once(alias, params, check):
    """Run check() for the first connection that uses a shared client only: what it asks the
    server (its version) holds while the client is open, and a connection per request must not
    add a command to every request."""
    key = (alias, params.cache_key())
    with _lock:
        entry = _clients.get(key)
        if entry is None or entry[2]:
            return
    check()
    with _lock:
        entry[2] = True


def release(alias, params):
    """Give back a client from acquire(); the last release closes it."""
    key = (alias, params.cache_key())
    with _lock:
        entry = _clients.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] > 0:
            return
        del _clients[key]
    entry[0].close()


def _new_client(alias, params):
    try:
        with warnings.catch_warnings():
            # pymongo only warns about an unknown option in a URI and ignores it; a misspelt
            # option in HOST is as much a mistake as one in OPTIONS, which it refuses.
            warnings.filterwarnings("error", message="Unknown option", category=UserWarning)
            # connect=False: the server is first contacted by the first command, so a mis-set
            # HOST fails in the request that uses it with an OperationalError, not at import.
            return MongoClient(params.host, connect=False, **params.client_kwargs)
    except (ConfigurationError, InvalidURI, TypeError, ValueError, UserWarning,
            OSError) as error:
        # OSError: a TLS certificate or key file named in OPTIONS that cannot be read.
        raise ImproperlyConfigured(
            f"DATABASES[{alias!r}] gives MongoClient an invalid setting: {error}. "
            "Check HOST and the OPTIONS keys against pymongo's MongoClient options."
        ) from error
