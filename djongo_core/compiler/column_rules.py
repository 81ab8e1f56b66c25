"""The rules a SQL column declaration enforces, enforced before a write reaches MongoDB.

MongoDB stores whatever it is sent, so `null=False` and the sign of a Positive*Field would
otherwise hold only as long as every writer remembered them. Django's SQL backends get both from
the column definition (NOT NULL, CHECK "x >= 0") and raise IntegrityError; these checks give
the same error, before anything is written, for the values an insert or update sends. Values the
server computes (expressions) are not known here and are not checked.
"""

from django.db import IntegrityError

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


def _describe(field):
    opts = field.model._meta
    return (f"{opts.label}.{field.name} (field {field.column!r} of collection "
            f"{opts.db_table!r})")
