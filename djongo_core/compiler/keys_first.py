"""Writes whose filter a single delete_many/update_many cannot run.

A filter across relations (joins) or with a subquery (`Exists()`, a correlated `Subquery()`) needs
`$lookup` stages, which only an aggregation runs. Such a write selects the keys of the matching
documents first, with a query, and then writes the documents by key, as Django's SQL compilers
do on databases whose DELETE/UPDATE cannot read the table they change.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models.expressions import ColPairs
from django.db.models.sql.constants import MULTI
from django.db.models.sql.query import Query

from djongo_core.documents import stored_name


class SubqueryNumbering:
    """Number the fields subqueries are joined under, for a write compiler's Translator (the
    select compiler numbers its own)."""

    def next_subquery_number(self):
        self._subqueries = getattr(self, "_subqueries", -1) + 1
        return self._subqueries


def key_filter(query, connection):
    """Return a filter on the primary key matching the documents ``query`` selects; raise
    EmptyResultSet when there are none."""
    keys_query = query.clone()
    keys_query.__class__ = Query
    keys_query.clear_select_clause()
    key = query.model._meta.pk.get_col(query.get_initial_alias())
    keys_query.select = [key]
    # A composite key comes back as one value per column (compiler/select.py).
    columns = key.get_cols() if isinstance(key, ColPairs) else [key]
    names = [stored_name(column.target) for column in columns]
    rows = keys_query.get_compiler(connection=connection).execute_sql(MULTI)
    keys = [row for chunk in rows for row in chunk]
    if not keys:
        raise EmptyResultSet
    if len(names) == 1:
        return {names[0]: {"$in": [row[0] for row in keys]}}
    return {"$or": [dict(zip(names, row, strict=True)) for row in keys]}
