"""Lookups on several columns at once, as a CompositePrimaryKey's (`pk=(1, 2)`, `pk__in=[...]`).

Each becomes a condition on the single columns, as SQL spells a row comparison without row
values: (a, b) = (x, y) is a = x AND b = y; (a, b) > (x, y) is a > x OR (a = x AND b > y); IN is
an OR of such equalities. The where compiler then compiles that condition as any other.
"""

from django.core.exceptions import EmptyResultSet
from django.db import NotSupportedError
from django.db.models.expressions import ColPairs
from django.db.models.fields.related_lookups import get_normalized_value
from django.db.models.lookups import (
    Exact, GreaterThan, GreaterThanOrEqual, IsNull, LessThan, LessThanOrEqual,
)
from django.db.models.sql.query import Query
from django.db.models.sql.where import AND, OR, WhereNode

# An ordering lookup -> (comparison of the leading columns, comparison of the last one).
_ORDERINGS = {
    "gt": (GreaterThan, GreaterThan),
    "gte": (GreaterThan, GreaterThanOrEqual),
    "lt": (LessThan, LessThan),
    "lte": (LessThan, LessThanOrEqual),
}


def is_tuple_lookup(lookup):
    return isinstance(lookup.lhs, ColPairs) and len(lookup.lhs) > 1


def single_column_condition(lookup):
    """Return the lookup as a WhereNode of lookups on one column each (Django's tuple lookups
    on a composite key, and its related lookups on a relation over several columns)."""
    columns = lookup.lhs.get_cols()
    rhs = lookup.rhs
    name = lookup.lookup_name
    if name != "isnull" and not isinstance(rhs, Query):
        # Model instances stand for their values on those columns (pk__in=[obj], a relation).
        if name == "in":
            rhs = [get_normalized_value(value, lookup.lhs) for value in rhs]
        else:
            rhs = get_normalized_value(rhs, lookup.lhs)
    if name == "isnull":
        # SQL: a row is null when any of its columns is.
        return WhereNode([IsNull(column, rhs) for column in columns],
                         connector=OR if rhs else AND)
    if isinstance(rhs, Query):
        raise NotSupportedError(
            f"{type(lookup).__name__} on ({', '.join(c.target.name for c in columns)}) against "
            "a subquery is not supported: MongoDB compares one field at a time. Pass the values "
            "instead, e.g. pk__in=list(queryset.values_list('pk', flat=True))."
        )
    if name == "exact":
        return _equal(columns, rhs)
    if name == "in":
        # A tuple holding None equals nothing (NULL = x is unknown).
        alternatives = [_equal(columns, values) for values in rhs
                        if not any(value is None for value in values)]
        if not alternatives:
            raise EmptyResultSet
        return WhereNode(alternatives, connector=OR)
    if name in _ORDERINGS:
        leading, last = _ORDERINGS[name]
        return _ordered(columns, list(rhs), leading, last)
    raise NotSupportedError(
        f"The {name!r} lookup on several columns at once "
        f"({', '.join(c.target.name for c in columns)}) is not supported."
    )


def _equal(columns, values):
    if len(values) != len(columns):
        raise NotSupportedError(
            f"Cannot compare ({', '.join(c.target.name for c in columns)}) with {values!r}: "
            f"{len(columns)} values are needed, one per column."
        )
    return WhereNode([Exact(column, value) for column, value in zip(columns, values,
                                                                    strict=True)],
                     connector=AND)


def _ordered(columns, values, leading, last):
    if len(columns) == 1:
        return WhereNode([last(columns[0], values[0])], connector=AND)
    rest = _ordered(columns[1:], values[1:], leading, last)
    tie = WhereNode([Exact(columns[0], values[0]), rest], connector=AND)
    return WhereNode([leading(columns[0], values[0]), tie], connector=OR)
