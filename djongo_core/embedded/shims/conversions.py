"""Type conversions as MongoDB does them, Decimal128 included.

Deviation "conversions-of-decimal128": mongoeco 4.11's $toDouble, $toInt, $toLong and $toBool
fail on Decimal128 (and on the decimals $toDecimal produces), which Cast() of a DecimalField and
of decimal values needs. These handlers follow MongoDB's conversion rules for every input type,
since a registered operator replaces mongoeco's own.
"""

import datetime
import decimal
import re

from mongoeco.core.bson_scalars import unwrap_bson_numeric
from mongoeco.errors import OperationFailure
from mongoeco.types import Decimal128

_INT32 = 2**31
_INT64 = 2**63
_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_EPOCH = datetime.datetime(1970, 1, 1)


def _argument(operator, spec, document, variables, context):
    arguments = spec if isinstance(spec, list) else [spec]
    if len(arguments) != 1:
        raise OperationFailure(f"{operator} takes exactly 1 argument")
    value = context.evaluate_expression(document, arguments[0], variables)
    if value is context.missing_sentinel:
        return None
    # mongoeco carries typed numbers (a long read from storage) in wrappers.
    value = unwrap_bson_numeric(value)
    return value.to_decimal() if isinstance(value, Decimal128) else value


def _milliseconds(moment):
    naive = moment.replace(tzinfo=None) - moment.utcoffset() if moment.tzinfo else moment
    return (naive - _EPOCH) // datetime.timedelta(milliseconds=1)


def _integer(operator, value, bound):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        if not _INTEGER_TEXT.fullmatch(value):
            raise OperationFailure(f"{operator} cannot convert the string value {value!r}")
        result = int(value)
    elif isinstance(value, (int, float, decimal.Decimal)):
        if isinstance(value, float) and (value != value or value in (float("inf"), -float("inf"))):
            raise OperationFailure(f"{operator} cannot convert {value} to an integer")
        if isinstance(value, decimal.Decimal) and not value.is_finite():
            raise OperationFailure(f"{operator} cannot convert {value} to an integer")
        result = int(value)  # truncates toward zero, as MongoDB does
    elif isinstance(value, datetime.datetime) and bound == _INT64:
        result = _milliseconds(value)
    else:
        raise OperationFailure(f"{operator} cannot convert a {type(value).__name__}")
    if not -bound <= result < bound:
        raise OperationFailure(f"{operator} conversion overflows: {value}")
    return result


def to_int(document, spec, variables, dialect, context):
    value = _argument("$toInt", spec, document, variables, context)
    return None if value is None else _integer("$toInt", value, _INT32)


def to_long(document, spec, variables, dialect, context):
    value = _argument("$toLong", spec, document, variables, context)
    return None if value is None else _integer("$toLong", value, _INT64)


def to_double(document, spec, variables, dialect, context):
    value = _argument("$toDouble", spec, document, variables, context)
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return float(_milliseconds(value))
    if isinstance(value, (bool, int, float, decimal.Decimal)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise OperationFailure(f"$toDouble cannot convert the string value {value!r}") from None
    raise OperationFailure(f"$toDouble cannot convert a {type(value).__name__}")


def to_bool(document, spec, variables, dialect, context):
    value = _argument("$toBool", spec, document, variables, context)
    if value is None:
        return None
    if isinstance(value, (bool, int, float, decimal.Decimal)):
        return bool(value)
    # Strings (even empty ones), dates, ObjectIds... are true.
    return True


CONVERSIONS = {"$toInt": to_int, "$toLong": to_long, "$toDouble": to_double, "$toBool": to_bool}
