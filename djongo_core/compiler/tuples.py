"""Lookups on several columns at once: a CompositePrimaryKey's (`pk=(1, 2)`, `pk__in=[...]`),
a relation over several columns (`ForeignObject`), Django's Tuple lookups.

A composite key is stored as its component fields (docs/queries.md), so a row comparison is
spelled on the single columns, as SQL spells it without row values:

    (a, b) = (x, y)    a = x AND b = y                       {"a": x, "b": y}
    (a, b) IN (...)    an OR of such equalities              {"$or": [{"a": x, "b": y}, ...]}
    (a, b) > (x, y)    a > x OR (a = x AND b > y)            {"$or": [{"a": {"$gt": x}},
                                                                       {"a": x, "b": {"$gt": y}}]}

The where compiler then compiles that tree as any other: query documents where the columns are
stored fields and the values constants (each branch a prefix of the key's compound index),
`$expr` where a side is an expression. A subquery on the right is run first and its rows used as
values when it is uncorrelated (as a one-column `__in=queryset` is); a correlated one is joined
with `$lookup` and compared inside `$expr`.
"""

from itertools import chain

from django.core.exceptions import EmptyResultSet
from django.db import NotSupportedError
from django.db.models.expressions import ColPairs, ResolvedOuterRef, Subquery
from django.db.models.fields.related_lookups import (
    RelatedIn, RelatedLookupMixin, get_normalized_value,
)
from django.db.models.fields.tuple_lookups import Tuple, TupleLookupMixin, tuple_lookups
from django.db.models.lookups import (
    Exact, GreaterThan, GreaterThanOrEqual, IsNull, LessThan, LessThanOrEqual,
)
from django.db.models.sql.constants import MULTI
from django.db.models.sql.query import Query
from django.db.models.sql.where import AND, OR, NothingNode, WhereNode

from djongo_core.compiler import lookups
from djongo_core.compiler.tree import is_correlated

# An ordering lookup -> (comparison of a leading column, comparison of the last one).
_ORDERINGS = {
    "gt": (GreaterThan, GreaterThan),
    "gte": (GreaterThan, GreaterThanOrEqual),
    "lt": (LessThan, LessThan),
    "lte": (LessThan, LessThanOrEqual),
}
# The same comparisons between aggregation expressions (a correlated subquery's row).
_EXPRESSION_ORDERINGS = {"gt": ("$gt", "$gt"), "gte": ("$gt", "$gte"),
                         "lt": ("$lt", "$lt"), "lte": ("$lt", "$lte")}


def is_tuple_lookup(lookup):
    """Return whether a lookup compares several columns at once."""
    lhs = lookup.lhs
    return (isinstance(lhs, ColPairs) and len(lhs) > 1) or isinstance(lhs, Tuple)


def as_tuple_lookup(lookup):
    """Return the Tuple lookup a lookup on several columns stands for.

    Django's related lookups on a multi-column relation (customer=obj, customer__in=[...])
    turn themselves into Tuple lookups when compiled; this does the same, so that Django's
    checks of the right side (its length, its kind) raise Django's ValueErrors.
    """
    if isinstance(lookup, TupleLookupMixin):
        return lookup
    if isinstance(lookup, RelatedIn):
        rhs = lookup.rhs
        if lookup.rhs_is_direct_value():
            rhs = [get_normalized_value(value, lookup.lhs) for value in rhs]
        return tuple_lookups["in"](lookup.lhs, rhs)
    name = lookup.lookup_name
    if isinstance(lookup, RelatedLookupMixin) and name in tuple_lookups:
        if not lookup.rhs_is_direct_value():
            raise ValueError(f"'{name}' doesn't support multi-column subqueries.")
        return tuple_lookups[name](lookup.lhs, get_normalized_value(lookup.rhs, lookup.lhs))
    raise NotSupportedError(
        f"The {name!r} lookup on several columns at once ({_names(list(lookup.lhs))}) is "
        "not supported."
    )


def tuple_condition(lookup, translator):
    """Return a lookup on several columns as a WhereNode of lookups on one column each, or,
    for a correlated subquery on the right, as an aggregation expression (a dict)."""
    lookup = as_tuple_lookup(lookup)
    columns = list(lookup.lhs)
    name = lookup.lookup_name
    rhs = lookup.rhs
    if name == "isnull":
        # SQL: a row is null when any of its columns is.
        return WhereNode([IsNull(column, rhs) for column in columns],
                         connector=OR if rhs else AND)
    if isinstance(rhs, Subquery):
        rhs = rhs.query
    if isinstance(rhs, Query):
        _check_subquery_comparison(lookup, translator)
        if is_correlated(rhs):
            return _correlated(name, columns, rhs, translator)
        rows = _subquery_rows(rhs, translator)
        if rows and len(rows[0]) != len(columns):
            raise ValueError(
                f"The QuerySet value for the '{name}' lookup must have {len(columns)} selected "
                f"fields (received {len(rows[0])})"
            )
        if name == "in":
            return _any_equal(columns, rows)
        if not rows:
            # A scalar subquery without a row is NULL, which equals and orders nothing.
            raise EmptyResultSet
        return _compare(name, columns, rows[0])
    if isinstance(rhs, (ColPairs, Tuple)):
        # Another composite expression (pk=OuterRef("pk")): compared column by column.
        return _compare(name, columns, list(rhs))
    if isinstance(rhs, ResolvedOuterRef):
        # OuterRef() outside a subquery: Django's own error.
        raise ValueError("This queryset contains a reference to an outer query and may only "
                         "be used in a subquery.")
    if hasattr(rhs, "resolve_expression"):
        # Django's own error for a single-column expression compared with several columns.
        raise ValueError("Composite field lookups only work with composite expressions.")
    if name == "in":
        return _any_equal(columns, rhs)
    return _compare(name, columns, rhs)


def _check_subquery_comparison(lookup, translator):
    """Django's rule for backends that declare they cannot order rows against a subquery's
    (the feature flag is on here; Django's own tests switch it off to check the refusal)."""
    if (lookup.lookup_name in _ORDERINGS
            and not translator.connection.features.supports_tuple_comparison_against_subquery
            and getattr(lookup.rhs, "subquery", False)):
        raise NotSupportedError(
            f'"{lookup.lookup_name}" cannot be used to target composite fields through '
            "subqueries on this backend"
        )


def _compare(name, columns, values):
    if len(values) != len(columns):
        raise ValueError(
            f"Cannot compare ({_names(columns)}) with {tuple(values)!r}: {len(columns)} values "
            "are needed, one per column."
        )
    if name == "exact":
        return _equal(columns, values)
    if name in _ORDERINGS:
        return _ordered(columns, values, *_ORDERINGS[name])
    raise NotSupportedError(
        f"The {name!r} lookup on several columns at once ({_names(columns)}) is not supported."
    )


def _comparison(lookup_class, column, value):
    # A NULL component compares as unknown: that part of the condition matches nothing.
    return NothingNode() if value is None else lookup_class(column, value)


def _equal(columns, values):
    return WhereNode([_comparison(Exact, column, value)
                      for column, value in zip(columns, values, strict=True)], connector=AND)


def _any_equal(columns, rows):
    # A tuple holding None equals nothing (NULL = x is unknown): left out, as Django does.
    alternatives = [_equal(columns, values) for values in rows
                    if not any(value is None for value in values)]
    if not alternatives:
        raise EmptyResultSet
    return WhereNode(alternatives, connector=OR)


def _ordered(columns, values, leading, last):
    """(a, b, c) > (x, y, z) as the flat chain a > x OR (a = x AND b > y) OR (a = x AND b = y
    AND c > z): each branch is a range on a prefix of the columns, which a compound index on
    them serves."""
    branches = []
    for position, column in enumerate(columns):
        compare = last if position == len(columns) - 1 else leading
        ties = [_comparison(Exact, c, v) for c, v in zip(columns[:position], values[:position])]
        branches.append(WhereNode([*ties, _comparison(compare, column, values[position])],
                                  connector=AND))
    return WhereNode(branches, connector=OR)


def _subquery_rows(query, translator):
    """Run an uncorrelated subquery; return its rows as Python values (the fields' own
    conversions applied, so that the lookups prepare them as any value)."""
    database = getattr(query, "_db", None)
    if database is not None and database != translator.connection.alias:
        raise ValueError(
            "Subqueries aren't allowed across different databases. Force the inner query to "
            "be evaluated using `list(inner_query)`."
        )
    compiler = query.get_compiler(connection=translator.connection)
    rows = compiler.execute_sql(MULTI)
    rows = chain.from_iterable(rows) if rows is not None else []
    selected = [expression for expression, _, _ in compiler.select[: compiler.col_count]]
    converters = compiler.get_converters(selected)
    if converters:
        rows = compiler.apply_converters(rows, converters)
    return [tuple(row) for row in rows]


def _correlated(name, columns, query, translator):
    """A subquery reading the outer row's columns: joined with $lookup, its rows compared
    with the columns in an aggregation expression (SQL's NULL rules: a NULL on either side
    matches nothing)."""
    field, selected = translator.join_subquery(query)
    if len(selected) != len(columns):
        raise ValueError(
            f"The QuerySet value for the '{name}' lookup must have {len(columns)} selected "
            f"fields (received {len(selected)})"
        )
    left = [translator.expression(column) for column in columns]
    left_known = [lookups.not_null(value) for value in left]
    # "$$found" is one row of the subquery: each of its rows for IN, its first for the others.
    right = [lookups.literal(ref) if kind == "value" else f"$$found.{ref}"
             for kind, ref in selected]
    if name == "in":
        rows = {"$map": {"input": f"${field}", "as": "found", "in": right}}
        return {"$and": [{"$in": [left, rows]}, *left_known]}
    if name == "exact":
        tests = [{"$eq": pair} for pair in zip(left, right)]
    elif name in _EXPRESSION_ORDERINGS:
        leading, last = _EXPRESSION_ORDERINGS[name]
        branches = []
        for position in range(len(left)):
            compare = last if position == len(left) - 1 else leading
            parts = [*({"$eq": [left[i], right[i]]} for i in range(position)),
                     {compare: [left[position], right[position]]}]
            branches.append(parts[0] if len(parts) == 1 else {"$and": parts})
        tests = [{"$or": branches}]
    else:
        raise NotSupportedError(
            f"The {name!r} lookup on ({_names(columns)}) against a subquery is not supported."
        )
    right_known = [lookups.not_null(value) for value in right]
    return {"$let": {"vars": {"found": {"$arrayElemAt": [f"${field}", 0]}},
                     "in": {"$and": [*tests, *left_known, *right_known]}}}


def _names(columns):
    return ", ".join(getattr(getattr(column, "target", None), "name", None) or repr(column)
                     for column in columns)
