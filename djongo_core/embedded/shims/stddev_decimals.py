"""$stdDevPop and $stdDevSamp over decimals (deviation "stddev-decimal128", shimmed).

MongoDB's `$stdDevPop` and `$stdDevSamp` accumulators take every numeric value, Decimal128
included (a DecimalField is stored as Decimal128), and answer a double. mongoeco 4.11 fails the
whole aggregation on a Decimal128 ("float() argument must be a string or a real number"), so
StdDev() and Variance() over a DecimalField fail. mongoeco has no hook for accumulators: the
shim wraps the module-level function that reads an accumulator's operand, giving it a Decimal128
as the exact Decimal it holds (which it then reads as a double, as MongoDB does), and stands
down if the function is gone.
"""

from mongoeco.core.aggregation import accumulators
from mongoeco.core.bson_scalars import unwrap_bson_numeric
# The server side of mongoeco holds decimals in its own type, not bson's.
from mongoeco.types import Decimal128

_operand = getattr(accumulators, "_stddev_accumulator_operand", None)


def _decimal_aware_operand(value):
    unwrapped = unwrap_bson_numeric(value)
    if isinstance(unwrapped, Decimal128):
        value = unwrapped.to_decimal()
    return _operand(value)


def install():
    """Read Decimal128 operands of $stdDevPop/$stdDevSamp (idempotent)."""
    if _operand is not None and accumulators._stddev_accumulator_operand is _operand:
        accumulators._stddev_accumulator_operand = _decimal_aware_operand


def uninstall():
    if _operand is not None:
        accumulators._stddev_accumulator_operand = _operand
