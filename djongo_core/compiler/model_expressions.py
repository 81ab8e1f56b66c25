"""Expressions and conditions on one model's own documents, outside any query.

Partial index filters, CheckConstraint clauses, generated fields, expression db_defaults and the
plugins' generators (validators, index conditions) all compile a Q or an expression that reads a
model's fields where its documents hold them: at the top level, the primary key as _id. They
share this one way of doing it.
"""

from django.core.exceptions import FullResultSet
from django.db import NotSupportedError
from django.db.models.sql.query import Query

from djongo_core import partial_filters
from djongo_core.compiler.expressions import Translator


def model_translator(connection, model, query=None):
    """Return a Translator reading ``model``'s own documents (``query``: the one expressions
    were resolved against, when the caller resolved them)."""
    query = Query(model, alias_cols=False) if query is None else query
    compiler = query.get_compiler(connection=connection)
    # Columns come with the model's table as their alias, or with none (alias_cols=False).
    return Translator(compiler, {None: "", model._meta.db_table: ""})


def model_condition(connection, model, condition):
    """Return (where-tree, translator) for a Q on a model's own fields (a partial index's
    filter, a CheckConstraint's validator clause)."""
    query = Query(model, alias_cols=False)
    return query.build_where(condition), model_translator(connection, model, query)


class UnindexableCondition(NotSupportedError):
    """A condition MongoDB cannot hold in a partial index's filter."""


def compile_partial_filter(connection, model, condition, what):
    """Return condition (a Q on model's own fields) as a MongoDB query document usable as an
    index's partialFilterExpression (None when it matches everything); ``what`` names the
    index in the UnindexableCondition (a NotSupportedError) raised for a condition MongoDB
    cannot use there."""
    where, translator = model_condition(connection, model, condition)
    try:
        match = translator.match(where)
    except FullResultSet:
        return None
    match = partial_filters.with_not_null_as_type(match, model, connection)
    if not partial_filters.fits_partial_filter(match):
        raise UnindexableCondition(
            f"{what} has a condition MongoDB cannot use in a partial index; use plain field "
            "comparisons (exact, in, gt/gte/lt/lte, isnull) joined with AND or OR."
        )
    return match


def fits_partial_index(connection, model, condition):
    """Return whether a partial index can hold condition (a Q on model's own fields, or None)."""
    if condition is None:
        return True
    try:
        compile_partial_filter(connection, model, condition, "")
    except UnindexableCondition:
        return False
    return True
