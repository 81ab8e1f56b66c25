"""DELETE: `delete_many` on the base collection; filters across relations select ids first."""

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models.sql import compiler
from django.db.models.sql.constants import MULTI, NO_RESULTS
from django.db.models.sql.query import Query

from djongo_core.command import Command
from djongo_core.compiler.collation import collation_options
from djongo_core.compiler.expressions import Translator
from djongo_core.concerns import query_concerns
from djongo_core.documents import stored_name


class SQLDeleteCompiler(compiler.SQLDeleteCompiler):
    def as_sql(self):
        command = self._command()
        return (command.as_mql() if command else ""), ()

    def execute_sql(self, result_type=MULTI, *args, **kwargs):
        """Run the delete and return how many documents it removed."""
        try:
            command = self._command()
        except EmptyResultSet:
            return None if result_type == NO_RESULTS else 0
        command.concerns = query_concerns(self.query)
        deleted = self.connection.executor.run(command).deleted_count
        return None if result_type == NO_RESULTS else deleted

    def next_subquery_number(self):
        """Number a subquery's field (a condition's Exists()), as the select compiler does."""
        self._subqueries = getattr(self, "_subqueries", -1) + 1
        return self._subqueries

    def _command(self):
        query = self.query
        table = query.get_meta().db_table
        if self.single_alias:
            translator = Translator(self, {query.get_initial_alias(): ""})
            try:
                match = translator.match(query.where)
            except FullResultSet:
                match = {}
            if not translator.pre_stages:
                return Command(table, "delete_many", (match,), collation_options([query]),
                               model=query.model)
            # A condition with a subquery (Exists()) needs a $lookup, which a delete cannot
            # run: its documents are found first, as for a filter across relations.
        # The filter needs joins: find the matching keys with a query, then delete by key.
        return Command(table, "delete_many", (self._key_filter(),), model=query.model)

    def _key_filter(self):
        """Return a filter on the primary key matching the documents the query selects."""
        query = self.query
        keys_query = query.clone()
        keys_query.__class__ = Query
        keys_query.clear_select_clause()
        key = query.model._meta.pk.get_col(query.get_initial_alias())
        keys_query.select = [key]
        # A composite key comes back as one value per column (compiler/select.py).
        columns = [stored_name(col.target) for col in getattr(key, "get_cols", lambda: [key])()]
        rows = keys_query.get_compiler(connection=self.connection).execute_sql(MULTI)
        keys = [row for chunk in rows for row in chunk]
        if not keys:
            raise EmptyResultSet
        if len(columns) == 1:
            return {columns[0]: {"$in": [row[0] for row in keys]}}
        return {"$or": [dict(zip(columns, row, strict=True)) for row in keys]}
