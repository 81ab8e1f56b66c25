"""The rules a SQL column declaration enforces, enforced before a write reaches MongoDB.

MongoDB stores whatever it is sent, so `null=False` and the sign of a Positive*Field would
otherwise hold only as long as every writer remembered them. Django's SQL backends get both from
the column definition (NOT NULL, CHECK "x >= 0") and raise IntegrityError; these checks give
the same error, before anything is written, for the values an insert or update sends. Values the
server computes (expressions) are not known here and are not checked.

Values BSON cannot carry are refused here too, as a DataError naming the field rather than the
driver's bare OverflowError: an integer wider than 64 bits (BSON's largest integer), anywhere
in the value; and in a JSONField a float NaN or infinity, which JSON has no notation for (on
SQL databases the JSON column refuses them).
"""

import math

from django.db import DataError, IntegrityError

INT64_RANGE = (-(2**63), 2**63 - 1)

NON_NEGATIVE_FIELDS = {"PositiveBigIntegerField", "PositiveIntegerField",
                       "PositiveSmallIntegerField"}


def check_value(field, value):
    """Raise IntegrityError when value breaks field's NOT NULL or non-negative rule."""
    if value is None:
        if not field.null:
            raise IntegrityError(
                f"{_describe(field)} cannot be null: the field is declared with null=False. "
                "Give it a value (or a default), or declare it null=True."
            )
        return
    internal_type = field.get_internal_type()
    if internal_type in NON_NEGATIVE_FIELDS and isinstance(value, int) and value < 0:
        raise IntegrityError(
            f"{_describe(field)} cannot be negative ({value}): it is a {internal_type}."
        )
    if isinstance(value, (int, float, dict, list, tuple)):
        _check_storable(field, value, json=internal_type == "JSONField")


def _check_storable(field, value, json):
    """Raise DataError for an integer beyond 64 bits, or NaN/infinity in JSON, in value."""
    # A stack, not recursion: JSON values may be nested thousands of levels deep.
    pending = [((), value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, int) and not INT64_RANGE[0] <= item <= INT64_RANGE[1]:
            raise DataError(
                f"{_describe(field)} cannot store the integer {item}{_at(path)}: MongoDB "
                "holds integers of at most 64 bits (-2**63 to 2**63 - 1). Store it as a "
                "string or a Decimal (DecimalField) instead."
            )
        if json and isinstance(item, float) and not math.isfinite(item):
            raise DataError(
                f"{_describe(field)} cannot store {item}{_at(path)}: JSON has no NaN or "
                "infinity. Store null or a string instead."
            )
        if isinstance(item, dict):
            pending.extend(((*path, key), child) for key, child in item.items())
        elif isinstance(item, (list, tuple)):
            pending.extend(((*path, index), child) for index, child in enumerate(item))


def _at(path):
    return f" at {'.'.join(map(str, path))}" if path else ""


def _describe(field):
    opts = field.model._meta
    return (f"{opts.label}.{field.name} (field {field.column!r} of collection "
            f"{opts.db_table!r})")
