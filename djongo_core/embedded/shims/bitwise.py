"""$bitAnd, $bitOr, $bitXor and $bitNot as MongoDB evaluates them (deviation "bitwise-null").

mongoeco 4.11 fails on a null argument (`$bitAnd requires integral numeric arguments`), where
MongoDB returns null; Django's BitAnd/BitOr/BitXor aggregates and bitwise F() expressions meet
nulls in ordinary data. A registered operator replaces mongoeco's own, so this is all of them.
"""

import functools
import operator as python_operator

from mongoeco.core.bson_scalars import unwrap_bson_numeric
from mongoeco.errors import OperationFailure


def _integers(name, spec, document, variables, context):
    """Return the arguments as ints, or None when one is null or missing."""
    arguments = spec if isinstance(spec, list) else [spec]
    values = []
    for argument in arguments:
        value = context.evaluate_expression(document, argument, variables)
        if value is None or value is context.missing_sentinel:
            return None
        value = unwrap_bson_numeric(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise OperationFailure(f"{name} only supports int and long, not "
                                   f"{type(value).__name__}")
        values.append(value)
    return values


def _folding(name, combine, identity):
    def handler(document, spec, variables, dialect, context):
        values = _integers(name, spec, document, variables, context)
        if values is None:
            return None
        return functools.reduce(combine, values, identity)
    handler.__name__ = name.lstrip("$")
    return handler


def bit_not(document, spec, variables, dialect, context):
    values = _integers("$bitNot", spec, document, variables, context)
    if values is None:
        return None
    if len(values) != 1:
        raise OperationFailure("$bitNot takes exactly 1 argument")
    return ~values[0]


BITWISE = {
    "$bitAnd": _folding("$bitAnd", python_operator.and_, -1),
    "$bitOr": _folding("$bitOr", python_operator.or_, 0),
    "$bitXor": _folding("$bitXor", python_operator.xor, 0),
    "$bitNot": bit_not,
}
