"""Time limits on reads: MongoDB's maxTimeMS, per database and per QuerySet.

A query can keep the server busy for long: a user-supplied ``__regex`` that backtracks
catastrophically (``^(a+)+$``), a scan of a large collection. MongoDB stops an operation that
runs past its ``maxTimeMS`` with MaxTimeMSExpired (50), which the backend turns into Django's
OperationalError naming the limit (errors.py).

- ``DATABASES[alias]["MAX_TIME_MS"]``: the default limit of every QuerySet read on the database
  (find, aggregate, count, distinct), in milliseconds; unset or None for none.
- ``with_time_limit(queryset, milliseconds)``: the limit of one QuerySet and its clones, over
  the default; None lifts it.

pymongo's own client-wide limit, ``OPTIONS={"timeoutMS": ...}``, bounds every operation
(writes too), and its expiry is an OperationalError naming it as well.
"""

from django.core.exceptions import ImproperlyConfigured

SETTING = "MAX_TIME_MS"
# The option's name in each pymongo method (find takes pymongo's spelling, the others pass
# their keyword arguments to the server command as they are).
OPTION_NAMES = {"find": "max_time_ms", "aggregate": "maxTimeMS", "count_documents": "maxTimeMS",
                "distinct": "maxTimeMS"}
_ATTRIBUTE = "djongo_time_limit_ms"
_UNSET = object()


def with_time_limit(queryset, milliseconds):
    """Return a clone of ``queryset`` whose reads stop after ``milliseconds`` (None: no limit)."""
    _check(milliseconds, "with_time_limit()'s milliseconds")
    clone = queryset._chain()
    setattr(clone.query, _ATTRIBUTE, milliseconds)
    return clone


def database_limit(connection):
    """Return the MAX_TIME_MS of the connection's settings, checked."""
    value = connection.settings_dict.get(SETTING)
    _check(value, f"DATABASES[{connection.alias!r}][{SETTING!r}]")
    return value


def limit_for(query, connection):
    """Return the time limit of a query: its own, else its database's default."""
    own = getattr(query, _ATTRIBUTE, _UNSET)
    return database_limit(connection) if own is _UNSET else own


def limited(command, milliseconds):
    """Return the command with the time limit set, when it takes one."""
    option = OPTION_NAMES.get(command.operation)
    if milliseconds is None or option is None:
        return command
    return command.replaced(kwargs={**command.kwargs, option: milliseconds})


def command_limit(command):
    """Return the time limit a command carries, or None."""
    option = OPTION_NAMES.get(command.operation)
    return command.kwargs.get(option) if option else None


def _check(value, where):
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ImproperlyConfigured(
            f"{where} must be a positive whole number of milliseconds or None; got {value!r}."
        )
