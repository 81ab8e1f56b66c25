"""UPDATE: `update_many` with `$set`, or a pipeline update when a value is an expression;
bulk_update()'s batches as one bulk_write of updateOne by _id (compiler/bulk_update.py)."""

from django.core.exceptions import EmptyResultSet, FieldError
from django.db.models.expressions import ColPairs
from django.db.models.sql import compiler
from django.db.models.sql.constants import NO_RESULTS

from djongo_core import decimals
from djongo_core.command import Command
from djongo_core.compiler.bulk_update import per_object_command
from djongo_core.compiler.collation import collation_options
from djongo_core.compiler.expressions import Translator
from djongo_core.compiler.keys_first import SubqueryNumbering, key_filter
from djongo_core.compiler.values_first import per_document_command, stored_assignment
from djongo_core.compiler.generated import regenerated_fields, write_stages
from djongo_core.compiler.json_null import holds_json, stored_expression
from djongo_core.documents import stored_name
from djongo_core.fields.embedded import EmbeddedModelField
from djongo_core.compiler.lookups import literal
from djongo_core.concerns import query_concerns
from djongo_core.sub_milliseconds import (
    carries_microseconds, hidden_key, keeps_microseconds, split,
)


class SQLUpdateCompiler(SubqueryNumbering, compiler.SQLUpdateCompiler):
    def as_sql(self):
        command = self._command()
        return (command.as_mql() if command else ""), ()

    def execute_sql(self, result_type):
        """Run the update and return how many documents matched (as Django's row count)."""
        try:
            command = self._command()
        except EmptyResultSet:
            command = None
        if command:
            command.concerns = query_concerns(self.query)
        matched = self.connection.executor.run(command).matched_count if command else 0
        for query in self.query.get_related_updates():
            related = query.get_compiler(self.using).execute_sql(result_type)
            if not matched and related:
                matched = related
        return None if result_type == NO_RESULTS else matched

    def pre_sql_setup(self):
        # Django's version turns filters across relations into pk__in on this collection
        # (selecting the ids first, as update_can_self_select is False); it must run once.
        if not getattr(self, "_prepared", False):
            self._prepared = True
            super().pre_sql_setup()

    def _command(self):
        """Return the update command, or None when there is nothing to set."""
        self.pre_sql_setup()
        if not self.query.values:
            return None
        # bulk_update()'s Case(When(pk=...)) per field: one updateOne per object instead.
        per_object = per_object_command(self)
        if per_object is not None:
            return per_object
        translator = Translator(self, {self.query.get_initial_alias(): ""})
        match = translator.match(self.query.where) if self.query.where else {}
        filter_reads_others = bool(translator.take_pre_stages())
        # SQL NULL of a JSONField is no key at all (compiler/json_null.py).
        constants, computed, removed = {}, {}, []
        resolved = []
        for field, _model, value in self.query.values:
            if hasattr(value, "resolve_expression"):
                value = value.resolve_expression(self.query, allow_joins=False, for_save=True)
                _check_allowed(field, value)
                resolved.append((field, value))
            elif hasattr(value, "prepare_database_save") and not isinstance(
                field, EmbeddedModelField
            ):
                # A model instance: its key, for a relation (as Django's SQL compiler does);
                # an embedded model's instance is the value itself.
                if not field.remote_field:
                    raise TypeError(
                        f"Tried to update field {field} with a model instance, {value!r}. Use "
                        "a value compatible with "
                        f"{field.__class__.__name__}."
                    )
                value = value.prepare_database_save(field)
            if hasattr(value, "resolve_expression") and holds_json(field):
                computed[stored_name(field)] = stored_expression(value, translator)
            elif hasattr(value, "resolve_expression") and keeps_microseconds(field):
                # The date and the microseconds below it (sub_milliseconds.py).
                (computed[stored_name(field)],
                 computed[hidden_key(field.column)]) = _computed_datetime(value, translator)
            elif hasattr(value, "resolve_expression"):
                computed[stored_name(field)] = decimals.round_expression(
                    field, translator.expression(value))
            else:
                kept, dropped = stored_assignment(field, value, self.connection)
                constants.update(kept)
                removed.extend(dropped)
        if translator.take_pre_stages():
            # A value reads other documents (a correlated Subquery): an update pipeline cannot
            # run the $lookup, so the values are read first (compiler/values_first.py).
            return per_document_command(self, resolved, constants, removed, translator)
        if filter_reads_others:
            # A condition with a subquery (Exists()) needs a $lookup, which an update cannot
            # run: the documents are found first (compiler/keys_first.py).
            match = key_filter(self.query, self.connection)
        opts = self.query.get_meta()
        # Stored generated fields that read a written field are computed again by the server,
        # in the same update, after the written values.
        regenerated = regenerated_fields(opts, [field for field, _, _ in self.query.values])
        if computed or regenerated:
            # A pipeline update evaluates expressions against the stored document; constants
            # are quoted so that a string such as "$x" stays a string.
            assignments = {key: literal(value) for key, value in constants.items()}
            assignments.update(dict.fromkeys(removed, "$$REMOVE"))
            update = [{"$set": {**assignments, **computed}}]
            update.extend(write_stages(regenerated, translator, self.query.get_initial_alias()))
        else:
            update = {"$set": constants} if constants else {}
            if removed:
                update["$unset"] = dict.fromkeys(removed, "")
        return Command(opts.db_table, "update_many", (match, update),
                       collation_options([self.query]), model=opts.model)


def _computed_datetime(value, translator):
    """Return the (date, hidden key) expressions of a datetime the server computes: exact
    when the value carries microseconds (a column, update(start=F("start") + duration)),
    else whole milliseconds with no key (Now(), Trunc...)."""
    if carries_microseconds(value):
        return split(translator.precise(value))
    return translator.expression(value), "$$REMOVE"


def _check_allowed(field, value):
    if value.contains_aggregate:
        raise FieldError(
            f"Aggregate functions are not allowed in this query ({field.name}={value!r})."
        )
    if value.contains_over_clause:
        raise FieldError(
            f"Window expressions are not allowed in this query ({field.name}={value!r})."
        )
    if isinstance(value, ColPairs):
        raise FieldError(
            "Composite primary keys expressions are not allowed in this query "
            f"({field.name}=F('pk'))."
        )
