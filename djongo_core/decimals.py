"""DecimalField values as a DECIMAL(max_digits, decimal_places) column stores them.

A SQL column rounds what it is given to its scale (PostgreSQL, MySQL and Oracle round half away
from zero) and refuses a value with more digits before the point than it has room for. MongoDB
stores any Decimal128 as sent, so without this `19.99 * 1.0825` would be kept as 21.639175: read
back as 21.64 but never found by `filter(total=Decimal("21.64"))`, and never a duplicate of
21.64 for a unique index. Written values are therefore rounded here; Decimal128 holds at most 34
significant digits, and a value that needs more is refused rather than silently rounded.

Lookups compare their value unrounded, as SQL compares a literal with a DECIMAL column:
`total__gt=Decimal("21.635")` holds for 21.64.
"""

import decimal

from bson import Decimal128
from django.db import DataError
from django.db.models import DecimalField

DECIMAL128_DIGITS = 34
ROUNDING = decimal.ROUND_HALF_UP  # half away from zero, as SQL's DECIMAL columns round


def for_save(field, value):
    """Return a value to be written to field, rounded to its decimal places (a Decimal), or
    the value unchanged when field is no DecimalField or value is None or an expression.

    Raise DataError when the value has more digits before the point than the field allows or
    more significant digits than Decimal128 holds.

    A list field (ArrayField(DecimalField(...)), nested ones too) has each item rounded by its
    base field, as a SQL array of DECIMAL(m, d) rounds its elements.
    """
    base_field = getattr(field, "base_field", None)
    if base_field is not None and isinstance(value, (list, tuple)):
        return [for_save(base_field, item) for item in value]
    if not isinstance(field, DecimalField) or value is None or hasattr(
            value, "resolve_expression"):
        return value
    value = field.to_python(value)
    if not value.is_finite() or field.decimal_places is None:
        return value
    places = field.decimal_places
    if field.max_digits is not None and value.adjusted() >= field.max_digits - places:
        raise _overflow(field, value)
    # Enough precision for any value that passed the test above (one more digit for a
    # rounding carry such as 999.995 -> 1000.00).
    digits = max(field.max_digits or 0, value.adjusted() + 1, 0) + places + 2
    rounded = value.quantize(decimal.Decimal(1).scaleb(-places), rounding=ROUNDING,
                             context=decimal.Context(prec=digits))
    if field.max_digits is not None and rounded.adjusted() >= field.max_digits - places:
        raise _overflow(field, value)
    if _significant_digits(rounded) > DECIMAL128_DIGITS:
        raise DataError(
            f"{_describe(field)} cannot store {value}: it has more than {DECIMAL128_DIGITS} "
            "significant digits, the most a MongoDB Decimal128 holds. Lower the field's "
            "decimal_places or max_digits, or round the value first."
        )
    return rounded


def round_expression(field, mql):
    """Return an aggregation expression rounding mql as for_save() rounds (MongoDB's $round
    rounds half to even): for values the server computes, as update(total=F("total") * r).
    Anything but a number (null, a wrong type a validator is to refuse) is left as it is."""
    if not isinstance(field, DecimalField) or field.decimal_places is None:
        return mql
    half = Decimal128(decimal.Decimal(5).scaleb(-field.decimal_places - 1))

    def rounded(value):
        return {"$trunc": [{"$add": [value, half]}, field.decimal_places]}

    return {"$let": {"vars": {"value": mql}, "in": {"$cond": [
        {"$isNumber": "$$value"},
        {"$cond": [{"$lt": ["$$value", 0]},
                   {"$multiply": [-1, rounded({"$multiply": [-1, "$$value"]})]},
                   rounded("$$value")]},
        "$$value",
    ]}}}


def to_decimal128(value):
    """Return a Decimal as Decimal128; DataError when it needs more than 34 digits."""
    try:
        return Decimal128(value)
    except decimal.Inexact:
        raise DataError(
            f"{value} has more than {DECIMAL128_DIGITS} significant digits, the most a MongoDB "
            "Decimal128 holds: round it first."
        ) from None


def _significant_digits(value):
    digits = value.as_tuple().digits
    return len("".join(map(str, digits)).rstrip("0")) or 1


def _overflow(field, value):
    whole = field.max_digits - field.decimal_places
    return DataError(
        f"{_describe(field)} cannot store {value}: a DecimalField with max_digits="
        f"{field.max_digits} and decimal_places={field.decimal_places} holds at most {whole} "
        "digits before the decimal point. Raise max_digits or store a smaller value."
    )


def _describe(field):
    model = getattr(field, "model", None)
    return f"{model._meta.label}.{field.name}" if model is not None else f"Field {field.name!r}"
