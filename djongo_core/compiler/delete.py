"""DELETE: `delete_many` on the base collection; filters across relations select ids first."""

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models.sql import compiler
from django.db.models.sql.constants import MULTI, NO_RESULTS
from django.db.models.sql.query import Query

from djongo_core.command import Command
from djongo_core.compiler.collation import collation_options
from djongo_core.compiler.expressions import Translator
from djongo_core.concerns import query_concerns


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

    def _command(self):
        query = self.query
        table = query.get_meta().db_table
        if self.single_alias:
            translator = Translator(self, {query.get_initial_alias(): ""})
            try:
                match = translator.match(query.where)
            except FullResultSet:
                match = {}
            return Command(table, "delete_many", (match,), collation_options([query]),
                           model=query.model)
        # The filter needs joins: find the matching ids with a query, then delete by _id.
        ids_query = query.clone()
        ids_query.__class__ = Query
        ids_query.clear_select_clause()
        ids_query.select = [query.model._meta.pk.get_col(query.get_initial_alias())]
        rows = ids_query.get_compiler(connection=self.connection).execute_sql(MULTI)
        ids = [row[0] for chunk in rows for row in chunk]
        if not ids:
            raise EmptyResultSet
        return Command(table, "delete_many", ({"_id": {"$in": ids}},), model=query.model)
