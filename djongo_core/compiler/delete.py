"""DELETE: `delete_many` on the base collection; a filter across relations or with a subquery
selects the keys first (compiler/keys_first.py)."""

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models.sql import compiler
from django.db.models.sql.constants import MULTI, NO_RESULTS

from djongo_core.command import Command
from djongo_core.compiler.collation import collation_options
from djongo_core.compiler.expressions import Translator
from djongo_core.compiler.keys_first import SubqueryNumbering, key_filter
from djongo_core.concerns import query_concerns


class SQLDeleteCompiler(SubqueryNumbering, compiler.SQLDeleteCompiler):
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
            if not translator.pre_stages:
                return Command(table, "delete_many", (match,), collation_options([query]),
                               model=query.model)
            # A condition with a subquery (Exists()) needs a $lookup, which a delete cannot
            # run: its documents are found first, as for a filter across relations.
        # The filter needs joins: find the matching keys with a query, then delete by key.
        return Command(table, "delete_many", (key_filter(query, self.connection),),
                       model=query.model)
