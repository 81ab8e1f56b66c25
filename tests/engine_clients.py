"""pymongo clients for the embedded engine's shim tests: the real server instead when MONGODB_URI
is set, so that every behaviour test also runs against MongoDB."""

import os
from contextlib import contextmanager

import pymongo
import pytest

from djongo_core.embedded import embedded_server_uri
from djongo_core.plugin_testing import stop_embedded_server

REAL_SERVER = bool(os.environ.get("MONGODB_URI"))

# For the probes that detect whether mongoeco still needs a shim: they look inside the engine.
probes_the_engine = pytest.mark.skipif(REAL_SERVER, reason="probes the embedded engine")


@contextmanager
def scratch_client(database):
    """A client of the server under test, with `database` dropped before and after."""
    client = pymongo.MongoClient(os.environ.get("MONGODB_URI")
                                 or embedded_server_uri("embedded:"))
    client.drop_database(database)
    try:
        yield client
    finally:
        client.drop_database(database)
        client.close()


@contextmanager
def persistent_client(directory):
    """A client of a persistent embedded server of its own, keeping its data in directory (of
    MongoDB when MONGODB_URI is set); the server stops afterwards."""
    if REAL_SERVER:
        client = pymongo.MongoClient(os.environ["MONGODB_URI"])
        try:
            yield client
        finally:
            client.close()
        return
    client = pymongo.MongoClient(embedded_server_uri(f"embedded://{directory}"))
    try:
        yield client
    finally:
        client.close()
        stop_embedded_server(directory)
