"""Standard deviations over decimals (deviation "stddev-of-decimal128", shimmed).

MongoDB's `$stdDevPop` and `$stdDevSamp` (accumulators, window functions and the array
expressions) take any number, Decimal128 included, and compute in doubles. mongoeco 4.11 fails
on a Decimal128 ("float() argument must be a string or a real number, not 'Decimal128'"), which
is how DecimalField values are stored, so `StdDev("price")` and `Variance("price")` failed on
the embedded engine. mongoeco has no hook for accumulators: the shim wraps the module-level
function that turns one value into the double the deviation is computed over (in the
accumulator module and in the array-expression module), reading a Decimal128 as its double,
and stands down if mongoeco renames it.
"""

from mongoeco.core.aggregation import accumulators, numeric_expressions
from mongoeco.types import Decimal128

_MODULES = (accumulators, numeric_expressions)
_ORIGINALS = {module: getattr(module, "_stddev_accumulator_operand", None)
              for module in _MODULES}


def _wrapped(original):
    def operand(value):
        if isinstance(value, Decimal128):
            value = float(value.to_decimal())
        return original(value)

    operand.shimmed = original
    return operand


def install():
    """Let standard deviations read Decimal128 values (idempotent)."""
    for module, original in _ORIGINALS.items():
        if original is not None and module._stddev_accumulator_operand is original:
            module._stddev_accumulator_operand = _wrapped(original)


def uninstall():
    for module, original in _ORIGINALS.items():
        if original is not None:
            module._stddev_accumulator_operand = original
