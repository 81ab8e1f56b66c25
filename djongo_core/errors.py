"""Every pymongo error becomes one of Django's, naming the collection and the operation."""

from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured
from django.db import DataError, DatabaseError, IntegrityError, OperationalError
from bson.errors import BSONError
from pymongo import errors as mongo_errors

from djongo_core.document_size import SERVER_CODES, too_large
from djongo_core.time_limits import command_limit

DUPLICATE_KEY = 11000
DOCUMENT_VALIDATION_FAILURE = 121
AUTHENTICATION_FAILED = 18
MAX_TIME_EXPIRED = 50


def duplicate_key_details(error):
    """Return (index name, key value) from a duplicate-key error's details, when present."""
    details = getattr(error, "details", None) or {}
    write_errors = details.get("writeErrors") or [details]
    for write_error in write_errors:
        if write_error.get("code") == DUPLICATE_KEY:
            return duplicate_index(write_error), write_error.get("keyValue")
    return None, None


def duplicate_index(write_error):
    """Return the name of the index a duplicate-key write error names, when it names one."""
    message = write_error.get("errmsg", "")
    return message.split(" index: ", 1)[1].split(" ", 1)[0] if " index: " in message else None


def _error_codes(error):
    """The error's code and those of its write errors (a bulk write reports one per document)."""
    details = getattr(error, "details", None) or {}
    return {getattr(error, "code", None),
            *(write_error.get("code") for write_error in details.get("writeErrors", []))}


def is_duplicate_key(error):
    return DUPLICATE_KEY in _error_codes(error)


def _where(command):
    if command.collection is None:
        if command.operation == "command" and command.args and isinstance(command.args[0], str):
            return f"{command.args[0]} on the database"  # db.command("buildInfo"): its name
        return f"{command.operation} on the database"
    return f"{command.operation} on collection {command.collection!r}"


def translate(error, command):
    """Return the Django exception that stands for a pymongo error raised by command."""
    where = _where(command)
    if is_duplicate_key(error):
        index, key = duplicate_key_details(error)
        return IntegrityError(
            f"Duplicate key in collection {command.collection!r} on index {index!r}: {key} "
            f"({command.operation})."
        )
    if DOCUMENT_VALIDATION_FAILURE in _error_codes(error):
        # The collection's validator holds the model's CheckConstraints (compiler/check.py).
        return IntegrityError(
            f"A document written to collection {command.collection!r} violates a "
            f"CheckConstraint of its model (the collection's validator rejected it: {error}) "
            f"({command.operation})."
        )
    if isinstance(error, mongo_errors.ConfigurationError):
        # Found when the client first connects: a mongodb+srv:// HOST whose DNS records do not
        # exist, a server that does not offer the AUTH_MECHANISM asked for.
        return ImproperlyConfigured(
            f"MongoDB could not run {where} as configured: {error}. Check HOST, the "
            "credentials and OPTIONS of the DATABASES entry."
        )
    if getattr(error, "code", None) == AUTHENTICATION_FAILED:
        return OperationalError(
            f"MongoDB refused the credentials for {where}: {error}. Check USER, PASSWORD, "
            "AUTH_SOURCE and AUTH_MECHANISM (or the user and password in HOST)."
        )
    if isinstance(error, (mongo_errors.ExecutionTimeout, mongo_errors.NetworkTimeout)):
        return _timed_out(error, command, where)
    if isinstance(error, mongo_errors.ConnectionFailure):
        # The cause leads pymongo's message; the topology dump after it only buries it.
        cause = str(error).split(", Topology Description:", 1)[0]
        return OperationalError(
            f"MongoDB could not complete {where}: {cause}. Check that the server named by "
            "the DATABASES HOST is running and reachable; the connection is re-established "
            "once it answers again."
        )
    if isinstance(error, mongo_errors.WTimeoutError):
        return OperationalError(f"MongoDB could not complete {where}: {error}")
    if isinstance(error, mongo_errors.PyMongoError):
        return DatabaseError(f"MongoDB rejected {where}: {error}")
    return error


def _timed_out(error, command, where):
    limit = command_limit(command)
    if limit is not None and getattr(error, "code", None) == MAX_TIME_EXPIRED:
        return OperationalError(
            f"MongoDB stopped {where} at its time limit of {limit} ms (maxTimeMS, from the "
            "database's MAX_TIME_MS or with_time_limit()). Make the query cheaper (an index, a "
            "regular expression that does not backtrack) or raise the limit."
        )
    return OperationalError(
        f"MongoDB could not complete {where} within the client's time limit (OPTIONS "
        f"timeoutMS or socketTimeoutMS, or pymongo.timeout()): {error}"
    )


# What translated_errors turns into Django's errors (django_error says how).
DRIVER_ERRORS = (mongo_errors.PyMongoError, OverflowError, BSONError, RecursionError)


@contextmanager
def translated_errors(command):
    """Re-raise pymongo errors from the block as Django's, keeping the original as the cause."""
    try:
        yield
    except DRIVER_ERRORS as error:
        raise django_error(error, command) from error


def django_error(error, command):
    """Return the Django error to raise for one of DRIVER_ERRORS that command raised (for the
    executor's hot path, which catches them itself rather than through a context manager)."""
    if isinstance(error, mongo_errors.DocumentTooLarge):
        return too_large(command, error)
    if isinstance(error, mongo_errors.PyMongoError):
        if _error_codes(error) & SERVER_CODES:
            return too_large(command, error)
        return translate(error, command)
    if isinstance(error, OverflowError):
        # An integer wider than 64 bits that no field check saw (a filter value, a raw
        # command): the driver cannot encode it.
        return DataError(
            f"MongoDB cannot take an integer of more than 64 bits in {_where(command)}: {error}"
        )
    if isinstance(error, BSONError):
        # A value BSON cannot carry (a NUL byte in a key, an integer wider than 64 bits, ...),
        # refused by the driver before anything is sent.
        return DataError(f"MongoDB cannot store the value of {_where(command)}: {error}")
    # RecursionError: pymongo's BSON encoder recurses once per level of nesting; a value nested
    # deeper than Python's recursion limit (a user-supplied JSON document, say) ends up here
    # before anything is sent. MongoDB itself refuses more than 100 levels.
    return DataError(
        f"MongoDB cannot encode the value of {_where(command)}: it is nested too deeply "
        "(MongoDB accepts at most 100 levels of nested documents and arrays)."
    )
