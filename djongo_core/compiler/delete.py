"""DELETE: `delete_many` on the base collection; a filter across relations or with a subquery
selects the keys first (compiler/keys_first.py), and so does a model that database-level
on_delete relations refer to (db_on_delete.py)."""

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models.sql import compiler
from django.db.models.sql.constants import LOUTER, MULTI, NO_RESULTS
from django.db.models.sql.query import Query
from django.db.models.sql.where import WhereNode

from djongo_core import db_on_delete
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
        relations = db_on_delete.db_level_relations(self.query.model)
        try:
            if relations:
                deleted = self._delete_applying(relations)
            else:
                command = self._command()
                command.concerns = query_concerns(self.query)
                deleted = self.connection.executor.run(command).deleted_count
        except EmptyResultSet:
            deleted = 0
        return None if result_type == NO_RESULTS else deleted

    def _delete_applying(self, relations):
        """Delete the matching documents after applying the database-level on_delete of the
        relations referring to them, a round of ids at a time."""
        model = self.query.model
        pk = model._meta.pk
        fields = [pk, *(field for field in db_on_delete.referenced_fields(relations)
                        if field is not pk)]
        deleted = 0
        with db_on_delete.deletion_chain(self.connection) as pending:
            stored, read = self._select(fields, with_read_values=True)
            for start in range(0, len(stored), db_on_delete.ROUND_SIZE):
                end = start + db_on_delete.ROUND_SIZE
                # The referencing documents are found by Django lookups, on the values Django
                # reads; the documents themselves are deleted by their stored _id.
                chunk = read[start:end]
                pending.add(model, [row[pk.attname] for row in chunk])
                db_on_delete.apply(self.connection, chunk, relations, pending)
                ids = [row[pk.attname] for row in stored[start:end]]
                command = Command(model._meta.db_table, "delete_many", ({"_id": {"$in": ids}},),
                                  model=model)
                command.concerns = query_concerns(self.query)
                deleted += self.connection.executor.run(command).deleted_count
        return deleted

    def _matches_every_document(self):
        """Whether a filter across relations holds for every document, so that no ids need
        reading first: Django folds conditions such as `~Q(pk__in=[]) | Q(rel__x=...)` to
        "always", and left joins keep every document of the base collection."""
        query = self.query
        initial = query.get_initial_alias()
        used = [alias for alias in query.alias_map if query.alias_refcount[alias]]
        if any(query.alias_map[alias].join_type != LOUTER for alias in used
               if alias != initial):
            return False
        if _holds_subquery(query.where):
            # Translating the filter would run its subqueries, only to learn this.
            return False
        prefixes = {alias: "" if alias == initial else f"{alias}." for alias in used}
        try:
            Translator(self, prefixes).match(query.where)
        except FullResultSet:
            return True
        return False

    def _select(self, fields, with_read_values=False):
        """Return {attname: stored value} of `fields` for each document the delete matches;
        with_read_values, also the same rows as Django reads them (which it can filter by)."""
        query = self.query.clone()
        query.__class__ = Query
        query.clear_select_clause()
        alias = query.get_initial_alias()
        query.select = [field.get_col(alias) for field in fields]
        select = query.get_compiler(connection=self.connection)
        rows = [row for chunk in select.execute_sql(MULTI) for row in chunk]
        stored = [dict(zip((field.attname for field in fields), row)) for row in rows]
        if not with_read_values:
            return stored
        converters = select.get_converters(query.select)
        read = select.apply_converters(rows, converters) if converters else rows
        return stored, [dict(zip((field.attname for field in fields), row)) for row in read]

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
        elif self._matches_every_document():
            return Command(table, "delete_many", ({},), collation_options([query]),
                           model=query.model)
        # The filter needs joins: find the matching keys with a query, then delete by key.
        return Command(table, "delete_many", (key_filter(query, self.connection),),
                       model=query.model)

def _holds_subquery(node):
    if isinstance(node, Query) or getattr(node, "subquery", False):
        return True
    if isinstance(node, WhereNode):
        children = node.children
    else:
        children = getattr(node, "get_source_expressions", list)()
    return any(_holds_subquery(child) for child in children if child is not None)
