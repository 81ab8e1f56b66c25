"""Can the server run multi-document transactions? Asked once per MongoClient, at connection time.

MongoDB runs transactions on replica set members and through mongos, never on a standalone
server; `hello` says which one the server is (`setName`, or `msg: "isdbgrid"`). A server whose
`hello` reads as a standalone is then asked the only way that is certain: a transaction is
started, used for one read and aborted. MongoDB's standalone refuses it ("Transaction numbers
are only allowed on a replica set member or mongos"); a server that runs it, although it calls
itself a standalone, does support transactions (the embedded engine is one such server, see
docs/engine-deviations.md#hello-reports-standalone).
"""

import threading
import warnings
import weakref

from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError
from pymongo.errors import OperationFailure, PyMongoError

from djongo_core.plugins import SCHEMA_COLLECTION

#: How servers refuse a transaction: IllegalOperation (a standalone mongod), CommandNotFound,
#: CommandNotSupported, OperationNotSupportedInTransaction.
REFUSALS = {20, 59, 115, 263}

# One answer per MongoClient: connections of an alias share their client (djongo_core.clients).
_answers: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_answers_lock = threading.Lock()


def topology(hello: dict) -> str:
    """Return what a `hello` reply says the server is: replica set, sharded cluster, standalone."""
    if hello.get("msg") == "isdbgrid":
        return "sharded cluster"
    if hello.get("setName"):
        return "replica set"
    return "standalone"


def probe_transaction(client, database_name: str) -> str | None:
    """Run one read in a transaction and abort it; return None if that worked, else the refusal.

    Only a refusal counts as an answer; any other failure (the server unreachable, busy, or
    locked by another transaction) leaves the question open and is raised.
    """
    try:
        with client.start_session() as session:
            session.start_transaction()
            try:
                client[database_name][SCHEMA_COLLECTION].find_one({}, session=session)
            finally:
                session.abort_transaction()
    except PyMongoError as error:
        if isinstance(error, OperationFailure) and error.code in REFUSALS:
            return str(error)
        raise OperationalError(
            f"Could not check whether the MongoDB server of {database_name!r} runs "
            f"transactions: {error}"
        ) from error
    return None


def transactions_available(alias: str, policy: str, hello: dict, probe) -> bool:
    """Decide whether this server's connections run transactions.

    ``probe`` is called (with no argument) only when ``hello`` reads as a standalone; it returns
    None when a transaction ran, else the server's refusal. Returns True when transactions run,
    False when they do not and ``policy`` is "ignore" (after a warning); raises
    ImproperlyConfigured when they do not and ``policy`` is "error".
    """
    kind = topology(hello)
    if kind != "standalone":
        return True
    refusal = probe()
    if refusal is None:
        return True
    explanation = (
        f"Database {alias!r} enables the transactions plugin, but its server is a standalone "
        f"MongoDB, which cannot run multi-document transactions (it answered: {refusal}). "
        "MongoDB runs them on replica sets and sharded clusters only. Start the server as a "
        "replica set, even of one member (mongod --replSet rs0, then rs.initiate() once), and "
        "add ?replicaSet=rs0 to HOST"
    )
    if policy == "ignore":
        warnings.warn(
            f"{explanation}. As DATABASES[{alias!r}]['TRANSACTIONS']['standalone'] is "
            "'ignore', atomic() blocks run without a transaction: nothing is rolled back.",
            RuntimeWarning,
            stacklevel=2,
        )
        return False
    raise ImproperlyConfigured(
        f"{explanation}; or remove 'transactions' from PLUGINS; or set "
        f"DATABASES[{alias!r}]['TRANSACTIONS'] = {{'standalone': 'ignore'}} to run atomic() "
        "blocks without a transaction."
    )


def check_server(connection, policy: str) -> bool:
    """Return whether the connection's server runs transactions, asking it once per client."""
    client = connection.mongo_client
    with _answers_lock:
        if client in _answers:
            return _answers[client]
    try:
        hello = client.admin.command("hello")
    except PyMongoError as error:
        raise OperationalError(
            f"Could not ask the MongoDB server of database {connection.alias!r} what it is "
            f"(hello): {error}"
        ) from error
    answer = transactions_available(
        connection.alias, policy, hello,
        lambda: probe_transaction(client, connection.mongo_database.name),
    )
    with _answers_lock:
        _answers[client] = answer
    return answer
