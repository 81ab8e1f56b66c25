"""Conditions of partial indexes and unique constraints (Q objects) as partialFilterExpression."""

from django.core.exceptions import FullResultSet
from django.db import NotSupportedError
from django.db.models.sql.query import Query

from djongo_core.compiler.expressions import Translator


def model_condition(connection, model, condition):
    """Return (where-tree, translator) for a Q on a model's own fields, outside any query (a
    partial index's filter, a CheckConstraint's validator clause)."""
    query = Query(model, alias_cols=False)
    where = query.build_where(condition)
    compiler = query.get_compiler(connection=connection)
    return where, Translator(compiler, {None: "", model._meta.db_table: ""})


def compile_partial_filter(connection, model, condition, what):
    """Return condition (a Q on model's own fields) as a MongoDB query document."""
    where, translator = model_condition(connection, model, condition)
    try:
        match = translator.match(where)
    except FullResultSet:
        return None
    if _uses_expr(match):
        raise NotSupportedError(
            f"{what} has a condition MongoDB cannot use in a partial index; use plain field "
            "comparisons (exact, gt/gte/lt/lte, isnull=False) joined with AND."
        )
    return match


def _uses_expr(document):
    if isinstance(document, dict):
        return any(key in ("$expr", "$nor", "$not", "$or", "$regex") or _uses_expr(value)
                   for key, value in document.items())
    if isinstance(document, list):
        return any(_uses_expr(item) for item in document)
    return False
