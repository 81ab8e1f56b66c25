"""Range windows over decimals and with long bounds (deviations "range-window-decimal128" and
"range-window-long-bounds", shimmed).

MongoDB's `$setWindowFields` range windows take any numeric sort key and numeric bounds,
Decimal128 and 64-bit integers included (a DecimalField is stored as Decimal128; an offset in
microseconds over a DurationField or a datetime passes 2**31 at about 36 minutes). mongoeco 4.11
takes only 32-bit ints and doubles as bounds and ints and doubles as sort values, and refuses a
Decimal128 sort value ("numeric range windows require numeric sort values") or a Decimal128 or
long bound ("range bounds must be numeric"). This shim computes the windows whose sort value
holds a Decimal128 or whose bounds hold a Decimal128 or a long itself, in exact decimal
arithmetic as MongoDB does, and leaves every other window to mongoeco. mongoeco has no hook for window frames, so the shim wraps the
module-level function that picks a window's documents, and stands down if it is gone.
"""

import decimal

from mongoeco.core.aggregation import grouping_stages
from mongoeco.core.bson_scalars import BsonInt64, unwrap_bson_numeric
from mongoeco.core.paths import get_document_value
from mongoeco.errors import OperationFailure
# The server side of mongoeco holds decimals in its own type, not bson's.
from mongoeco.types import Decimal128

_resolve = getattr(grouping_stages, "_resolve_set_window_documents", None)


def _number(value):
    """Return a sort value or bound as an exact Decimal (None when it is not a number)."""
    value = unwrap_bson_numeric(value)
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return decimal.Decimal(value)


def _refused_by_mongoeco(window, document, sort_spec):
    bounds = window.get("range") if isinstance(window, dict) else None
    if not isinstance(bounds, list) or "unit" in window or not sort_spec or len(sort_spec) != 1:
        return False
    _, current = get_document_value(document, sort_spec[0][0])
    return (any(isinstance(bound, BsonInt64) for bound in bounds)
            or any(isinstance(unwrap_bson_numeric(value), Decimal128)
                   for value in [*bounds, current]))


def _limit(bound, current):
    if bound == "unbounded":
        return None
    if bound == "current":
        return current
    number = _number(bound)
    if number is None:
        raise OperationFailure(
            "$setWindowFields range bounds must be numeric, 'current' or 'unbounded'")
    return current + number


def _sort_number(document, field):
    found, value = get_document_value(document, field)
    number = _number(value) if found else None
    if number is None or not number.is_finite():
        raise OperationFailure("$setWindowFields numeric range windows require numeric sort values")
    return number


def _window_documents(ordered, document, current_index, last_index, window, sort_spec,
                      **options):
    if not _refused_by_mongoeco(window, document, sort_spec):
        return _resolve(ordered, document, current_index, last_index, window, sort_spec,
                        **options)
    field = sort_spec[0][0]
    current = _sort_number(document, field)
    lower, upper = (_limit(bound, current) for bound in window["range"])
    return [candidate for candidate in ordered
            if (lower is None or lower <= _sort_number(candidate, field))
            and (upper is None or _sort_number(candidate, field) <= upper)]


def install():
    """Compute range windows over decimals and with long bounds (idempotent)."""
    if _resolve is not None and grouping_stages._resolve_set_window_documents is _resolve:
        grouping_stages._resolve_set_window_documents = _window_documents


def uninstall():
    if _resolve is not None:
        grouping_stages._resolve_set_window_documents = _resolve
