"""$subtract as MongoDB evaluates it (deviation "subtract-date-double").

mongoeco 4.11 subtracts an integer number of milliseconds from a date but rejects a double,
which MongoDB accepts (rounding to whole milliseconds). Django's date-minus-duration arithmetic
sends one: durations are stored as microseconds and divided by 1000. Since a registered operator
replaces mongoeco's own, this handler implements all of $subtract: numbers, date minus
milliseconds, and date minus date (milliseconds).
"""

import datetime
import decimal

from mongoeco.core.bson_scalars import unwrap_bson_numeric
from mongoeco.errors import OperationFailure
from mongoeco.types import Decimal128

_MILLISECOND = datetime.timedelta(milliseconds=1)


def _value(argument, document, variables, context):
    value = context.evaluate_expression(document, argument, variables)
    if value is context.missing_sentinel:
        return None
    value = unwrap_bson_numeric(value)
    return value.to_decimal() if isinstance(value, Decimal128) else value


def _is_number(value):
    return isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool)


def subtract(document, spec, variables, dialect, context):
    if not isinstance(spec, list) or len(spec) != 2:
        raise OperationFailure("$subtract takes exactly 2 arguments")
    minuend, subtrahend = (_value(argument, document, variables, context) for argument in spec)
    if minuend is None or subtrahend is None:
        return None
    if isinstance(minuend, datetime.datetime):
        if isinstance(subtrahend, datetime.datetime):
            return (minuend - subtrahend) // _MILLISECOND
        if _is_number(subtrahend):
            milliseconds = int(decimal.Decimal(subtrahend).to_integral_value(
                rounding=decimal.ROUND_HALF_EVEN))
            return minuend - milliseconds * _MILLISECOND
    elif _is_number(minuend) and _is_number(subtrahend):
        if isinstance(minuend, decimal.Decimal) or isinstance(subtrahend, decimal.Decimal):
            return Decimal128(decimal.Decimal(minuend) - decimal.Decimal(subtrahend))
        return minuend - subtrahend
    raise OperationFailure(
        f"$subtract cannot subtract a {type(subtrahend).__name__} from a "
        f"{type(minuend).__name__}"
    )
