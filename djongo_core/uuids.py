"""Django 6.1's UUID4() and UUID7() functions, made by the backend where it makes the values.

MongoDB has no function that makes a UUID (Atlas Stream Processing's $createUUID aside), so no
command can give each document of an update or each row of a query one. An insert's documents are
built here, though, as pymongo builds an ObjectId `_id`: there UUID4() and UUID7(shift) - given
to create(), bulk_create() or as a db_default - are made on the client, one per document, with
what the SQL functions give (RFC 9562 versions 4 and 7). Everywhere else they are refused naming
what to do instead.
"""

import datetime
import secrets
import threading
import time
import uuid

from django.db import NotSupportedError
from django.db.models import Value, functions

from djongo_core.django_compat import django_class

# Django 6.1's; before, classes nothing is an instance of.
UUID4 = django_class(functions, "UUID4")
UUID7 = django_class(functions, "UUID7")

_RANDOM_BITS = 74  # UUIDv7's rand_a (12 bits) and rand_b (62 bits)
_lock = threading.Lock()
_last = [0, 0]  # the last unshifted UUIDv7's (milliseconds, random bits)


def is_made_here(expression):
    """Return whether an insert's value is a UUID function the backend makes itself."""
    return isinstance(expression, (UUID4, UUID7))


def insert_value(expression, model, field):
    """Return the UUID an insert stores for UUID4() or UUID7(shift)."""
    if isinstance(expression, UUID4):
        return uuid.uuid4()
    shift = expression.get_source_expressions()
    if not shift:
        return uuid7()
    (shift,) = shift
    if not (isinstance(shift, Value) and isinstance(shift.value, datetime.timedelta)):
        raise NotSupportedError(
            f"UUID7({shift!r}) for {model._meta.label}.{field.name}: the backend makes an "
            "insert's UUID7 on the client, so its shift must be a datetime.timedelta value "
            "(UUID7(timedelta(hours=1))), not an expression for the server to compute."
        )
    return uuid7(shift.value)


def uuid7(shift=None):
    """Return a UUID version 7 (RFC 9562): the Unix time in milliseconds (moved by shift),
    then random bits. Unshifted ones made by this process sort in the order they were made:
    within one millisecond the random bits count up (RFC 9562's monotonic random method)."""
    milliseconds = time.time_ns() // 1_000_000
    if shift is not None:
        milliseconds += shift // datetime.timedelta(milliseconds=1)
        return _uuid7_from(milliseconds, secrets.randbits(_RANDOM_BITS))
    with _lock:
        last_milliseconds, last_random = _last
        if milliseconds <= last_milliseconds:
            milliseconds, random = last_milliseconds, last_random + 1
            if random >> _RANDOM_BITS:  # counted past the bits: the next millisecond
                milliseconds, random = milliseconds + 1, secrets.randbits(_RANDOM_BITS - 1)
        else:
            # One bit short of the field, so that the count has room to go up.
            random = secrets.randbits(_RANDOM_BITS - 1)
        _last[:] = milliseconds, random
    return _uuid7_from(milliseconds, random)


def _uuid7_from(milliseconds, random):
    value = ((milliseconds & (1 << 48) - 1) << 80 | 0x7 << 76 | (random >> 62) << 64
             | 0b10 << 62 | random & (1 << 62) - 1)
    return uuid.UUID(int=value)


def refusal(node):
    """Return the NotSupportedError for UUID4()/UUID7() in a query or an update."""
    name = type(node).__name__
    maker = "uuid.uuid4()" if isinstance(node, UUID4) else "djongo_core.uuids.uuid7()"
    return NotSupportedError(
        # Django's own wording first, so code that expects it recognizes the refusal.
        f"{name} is not supported on this database backend. MongoDB has no function that "
        "makes a UUID, so no query or update can give each document its own. "
        f"djongo-core makes {name}() values in inserts only (create(), bulk_create(), "
        f"db_default={name}()); to change stored documents, give each object {maker} and "
        "save() or bulk_update() them."
    )
