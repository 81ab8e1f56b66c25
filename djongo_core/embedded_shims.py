"""Fixes for embedded-engine (mongoeco) gaps that would hurt its users, and only for it.

The backend always sends the MQL MongoDB 7.0+ expects. Where mongoeco lacks something that MQL
needs, a shim teaches the embedded engine, through mongoeco's public extension API, inside the
embedded server only; a real MongoDB never sees any of this. Each shim is listed in
docs/engine-deviations.md, tested in tests/test_embedded_shims.py, and reported obsolete by those
tests as soon as mongoeco supports the feature itself (then delete the shim).
"""

from mongoeco.compat import resolve_mongodb_dialect
from mongoeco.core.aggregation import (
    get_registered_aggregation_expression_operator,
    register_aggregation_expression_operator,
)


def native_support(operator: str) -> bool:
    """Return whether mongoeco itself implements an aggregation expression operator."""
    return resolve_mongodb_dialect(None).supports_aggregation_expression_operator(operator)


def _not(document, spec, variables, dialect, context):
    """MongoDB's {$not: [expression]}: true for false, null, 0 and missing values."""
    # MongoDB takes the argument alone or as a one-element list.
    (argument,) = context.require_expression_args("$not", spec if isinstance(spec, list) else [spec],
                                                  1, 1)
    value = context.evaluate_expression(document, argument, variables)
    return not dialect.expression_truthy(value)


# Deviation "not-expression-missing": mongoeco 4.11 rejects the $not aggregation expression,
# which Django needs for negated conditions in annotations, Case/When and filter= aggregates.
SHIMS = {"$not": _not}


def install():
    """Register the shims this mongoeco still needs (idempotent; process-wide in mongoeco)."""
    for operator, handler in SHIMS.items():
        if not native_support(operator) and get_registered_aggregation_expression_operator(
            operator
        ) is None:
            register_aggregation_expression_operator(operator, handler)
