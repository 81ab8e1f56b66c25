"""Math operators as MongoDB evaluates them, Decimal128 included.

Deviation "math-on-decimal128": mongoeco 4.11's $abs, $ceil, $floor, $sqrt, $ln, $log, $log10,
$exp, $pow, $round and $trunc reject Decimal128, the type DecimalField values are stored as.
Deviation "trigonometry-missing": mongoeco 4.11 has none of MongoDB's trigonometric operators.

MongoDB's rules kept here: null or missing in, null out; a Decimal128 in, a Decimal128 out
(34 significant digits); integers stay integers where MongoDB keeps them ($abs, $ceil, $floor,
$round, $trunc, $pow of integers); other results are doubles; arguments outside an operator's
domain are errors.
"""

import decimal
import math

from mongoeco.core.bson_scalars import unwrap_bson_numeric
from mongoeco.errors import OperationFailure
# The server side of mongoeco holds decimals in its own type, not bson's.
from mongoeco.types import Decimal128

# Decimal128 holds 34 significant digits.
_DECIMAL = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN)
_INT64 = 2**63


class _Null(Exception):
    """Raised while reading arguments: one is null or missing, so the result is null."""


def _arguments(operator, spec, context, document, variables, low, high):
    arguments = spec if isinstance(spec, list) else [spec]
    if not low <= len(arguments) <= high:
        raise OperationFailure(f"{operator} takes {low} to {high} arguments, not {len(arguments)}")
    values = []
    for argument in arguments:
        value = context.evaluate_expression(document, argument, variables)
        if value is None or value is context.missing_sentinel:
            raise _Null
        # mongoeco carries typed numbers (a long read from storage) in wrappers.
        value = unwrap_bson_numeric(value)
        if isinstance(value, Decimal128):
            value = value.to_decimal()
        elif isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
            raise OperationFailure(f"{operator} only supports numeric types, "
                                   f"not {type(value).__name__}")
        values.append(value)
    return values


def _operator(name, low=1, high=1):
    """Turn compute(*numbers) into a mongoeco expression handler for operator name."""
    def decorate(compute):
        def handler(document, spec, variables, dialect, context):
            try:
                values = _arguments(name, spec, context, document, variables, low, high)
            except _Null:
                return None
            try:
                result = compute(*values)
            except (ValueError, ArithmeticError) as error:
                raise OperationFailure(f"{name}: {error}") from None
            if isinstance(result, decimal.Decimal):
                return Decimal128(_DECIMAL.create_decimal(result))
            return result
        handler.__name__ = compute.__name__
        return handler
    return decorate


def _is_decimal(*values):
    return any(isinstance(value, decimal.Decimal) for value in values)


def _positive(name, value):
    if value <= 0:
        raise ValueError(f"{name}'s argument must be a positive number, not {value}")


@_operator("$abs")
def _abs(value):
    return abs(value)


@_operator("$ceil")
def _ceil(value):
    if isinstance(value, decimal.Decimal):
        return value.to_integral_value(rounding=decimal.ROUND_CEILING)
    return value if isinstance(value, int) else float(math.ceil(value))


@_operator("$floor")
def _floor(value):
    if isinstance(value, decimal.Decimal):
        return value.to_integral_value(rounding=decimal.ROUND_FLOOR)
    return value if isinstance(value, int) else float(math.floor(value))


@_operator("$sqrt")
def _sqrt(value):
    if value < 0:
        raise ValueError("argument must be greater than or equal to 0")
    return value.sqrt(_DECIMAL) if _is_decimal(value) else math.sqrt(value)


@_operator("$ln")
def _ln(value):
    _positive("$ln", value)
    return value.ln(_DECIMAL) if _is_decimal(value) else math.log(value)


@_operator("$log10")
def _log10(value):
    _positive("$log10", value)
    return value.log10(_DECIMAL) if _is_decimal(value) else math.log10(value)


@_operator("$exp")
def _exp(value):
    return value.exp(_DECIMAL) if _is_decimal(value) else math.exp(value)


@_operator("$log", 2, 2)
def _log(value, base):
    _positive("$log", value)
    if base <= 0 or base == 1:
        raise ValueError("base must be a positive number not equal to 1")
    if _is_decimal(value, base):
        value, base = decimal.Decimal(value), decimal.Decimal(base)
        return value.ln(_DECIMAL) / base.ln(_DECIMAL)
    return math.log(value, base)


@_operator("$pow", 2, 2)
def _pow(base, exponent):
    if base == 0 and exponent < 0:
        raise ValueError("0 cannot be raised to a negative power")
    if _is_decimal(base, exponent):
        return _DECIMAL.power(decimal.Decimal(base), decimal.Decimal(exponent))
    if isinstance(base, int) and isinstance(exponent, int) and exponent >= 0:
        result = base**exponent
        if -_INT64 <= result < _INT64:
            return result
    return float(base) ** exponent


def _place(name, place):
    if not isinstance(place, int) or not -20 <= place <= 100:
        raise ValueError(f"{name}'s place must be an integer between -20 and 100")
    return place


def _to_place(value, place, rounding):
    quantum = decimal.Decimal(1).scaleb(-place)
    if isinstance(value, decimal.Decimal):
        return value.quantize(quantum, rounding=rounding, context=_DECIMAL)
    result = decimal.Decimal(value).quantize(quantum, rounding=rounding, context=_DECIMAL)
    return int(result) if isinstance(value, int) else float(result)


@_operator("$round", 1, 2)
def _round(value, place=0):
    # MongoDB rounds half to even.
    return _to_place(value, _place("$round", place), decimal.ROUND_HALF_EVEN)


@_operator("$trunc", 1, 2)
def _trunc(value, place=0):
    return _to_place(value, _place("$trunc", place), decimal.ROUND_DOWN)


def _trigonometric(name, function, arity=1):
    def compute(*values):
        result = function(*(float(value) for value in values))
        # A Decimal128 argument gives a Decimal128 result.
        return decimal.Decimal(repr(result)) if _is_decimal(*values) else result
    compute.__name__ = name.lstrip("$")
    return _operator(name, arity, arity)(compute)


DECIMAL_AWARE = {
    "$abs": _abs, "$ceil": _ceil, "$floor": _floor, "$sqrt": _sqrt, "$ln": _ln,
    "$log10": _log10, "$exp": _exp, "$log": _log, "$pow": _pow, "$round": _round,
    "$trunc": _trunc,
}
TRIGONOMETRY = {
    name: _trigonometric(name, function, arity)
    for name, function, arity in [
        ("$sin", math.sin, 1), ("$cos", math.cos, 1), ("$tan", math.tan, 1),
        ("$asin", math.asin, 1), ("$acos", math.acos, 1), ("$atan", math.atan, 1),
        ("$atan2", math.atan2, 2), ("$sinh", math.sinh, 1), ("$cosh", math.cosh, 1),
        ("$tanh", math.tanh, 1), ("$asinh", math.asinh, 1), ("$acosh", math.acosh, 1),
        ("$atanh", math.atanh, 1), ("$degreesToRadians", math.radians, 1),
        ("$radiansToDegrees", math.degrees, 1),
    ]
}
_BINARY = {"$log", "$pow", "$atan2"}


def probe_arguments(operator, value):
    """Return arguments for a probe of operator with value (binary operators take two)."""
    return [value, 2] if operator in _BINARY else [value]
