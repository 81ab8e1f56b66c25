"""Migrations on MongoDB: collections, indexes and document rewrites instead of DDL."""

import logging
import re
from dataclasses import replace

from django.core.exceptions import FieldError
from django.db import DatabaseError, IntegrityError, NotSupportedError, ProgrammingError
from django.db.transaction import TransactionManagementError
from django.db.backends.base.schema import BaseDatabaseSchemaEditor, _related_non_m2m_objects
from django.db.models import CheckConstraint, CompositePrimaryKey, UniqueConstraint

from djongo_core import catalog, composite_keys
from djongo_core.collection_options import (
    collmod_command, record_command, recorded_options, server_options,
)
from djongo_core.constraint_kinds import constraint_kind_commands, is_constraint_kind
from djongo_core.model_state import model_after, with_constraint, without_constraint
from djongo_core.backfill import fill_command, run_fill
from djongo_core.conversion import convert_values
from djongo_core.collations import field_collation
from djongo_core.command import Command
from djongo_core.compiler import check
from djongo_core.compiler import generated
from djongo_core.compiler.model_expressions import fits_partial_index
from djongo_core.counters import SCHEMA_COLLECTION, raise_command
from djongo_core.documents import stored_name
from djongo_core.sub_milliseconds import hidden_key, keeps_microseconds
from djongo_core import expression_backfill
from djongo_core.expression_indexes import declares_expressions
from djongo_core.indexes import (
    IndexSpec,
    builds_own_index,
    declared_keys,
    keys_collation,
    field_index_specs,
    index_spec,
    own_index_command,
    unique_constraint_spec,
    index_keys,
)

# Django's schema logger: every command a migration runs is logged there, as SQL editors do.
logger = logging.getLogger("django.db.backends.schema")

_ID_ONLY = (("_id", 1),)
# The `__schema__` key marking a collection whose creating migration has not ended yet.
CREATING = "creating"
INDEX_NOT_FOUND = 27
_OWN_DROP = re.compile(r'^db\.getCollection\("([^"]+)"\)\.drop\(\)$')


class DatabaseSchemaEditor(BaseDatabaseSchemaEditor):
    # The editor's own statement for dropping a collection; code written for Django's schema
    # editors runs `editor.execute(editor.sql_delete_table % {"table": name})`, which works.
    sql_delete_table = 'db.getCollection("%(table)s").drop()'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._creating = []  # the collections this editor created, marked CREATING until exit

    # -- running or collecting (sqlmigrate) -------------------------------------------------

    def run(self, command):
        """Run a command, or record its MQL when the editor only collects (sqlmigrate)."""
        mql = command.as_mql()
        logger.debug("%s", mql, extra={"params": None, "sql": mql})
        if self.collect_sql:
            self.collected_sql.append(mql + ";")
            return None
        return self.connection.executor.run(command)

    def rewrite(self, command):
        """Run (or record) a migration's rewrite of stored documents: a backfill, a conversion,
        an $unset or $rename. When the collection has a validator the rewrite bypasses it: the
        validator still describes the model before the change, and is brought in line with the
        model after it (_sync_options) once the documents are."""
        if command.collection and server_options(self.connection, command.collection).get(
                "validator"):
            # pymongo's aggregate() passes its keywords to the server command as they are.
            option = ("bypassDocumentValidation" if command.operation == "aggregate"
                      else "bypass_document_validation")
            command = command.replaced(kwargs={**command.kwargs, option: True})
        return self.run(command)

    def read(self, command):
        """Run a read, even when the editor only collects (sqlmigrate): the commands it
        collects depend on what exists. Reads are not part of the migration's MQL."""
        return self.connection.executor.run(command)

    def execute(self, sql, params=()):
        # Django's rule for databases that cannot roll DDL back, checked first as it does.
        if (not self.collect_sql and self.connection.in_atomic_block
                and not self.connection.features.can_rollback_ddl):
            raise TransactionManagementError(
                "Executing DDL statements while in a transaction on databases that can't "
                "perform a rollback is prohibited."
            )
        own_drop = _OWN_DROP.match(sql) if isinstance(sql, str) and not params else None
        if own_drop:
            return self.run(Command(own_drop[1], "drop"))
        raise NotSupportedError(
            "MongoDB does not run SQL, so RunSQL and raw DDL cannot run. Use "
            "migrations.RunPython with the ORM or with pymongo (connection.mongo_database)."
        )

    def quote_value(self, value):
        return repr(value)

    # -- collections --------------------------------------------------------------------------

    def __exit__(self, exc_type, exc_value, traceback):
        super().__exit__(exc_type, exc_value, traceback)
        if exc_type is None and self._creating:
            # The migration ran to its end (and Django recorded it inside this block): the
            # collections it created are no longer an interrupted migrate's leftovers.
            self.run(Command(SCHEMA_COLLECTION, "update_many", (
                {"name": {"$in": self._creating}}, {"$unset": {CREATING: ""}})))
        self._creating = []

    def create_model(self, model):
        table = model._meta.db_table
        options = self._wanted_options(model)
        existing = self._finishing_existing(model, options)
        expression_backfill.refuse_untranslatable(
            self, model, (*model._meta.indexes, *model._meta.constraints))
        if existing:
            # Documents an interrupted migrate left get the keys of indexes on expressions
            # before the indexes are built (a new collection has none).
            expression_backfill.fill_all_keys(self, model)
        else:
            # Marked first, so that a migrate killed between here and its end leaves a
            # collection that the next one recognizes as its own to finish (_finishing_existing).
            self.run(Command(SCHEMA_COLLECTION, "update_one", (
                {"name": table}, {"$set": {CREATING: True}}), {"upsert": True}))
            self.run(Command(None, "create_collection", (table,), options, model=model))
        if not self.collect_sql:
            self._creating.append(table)
        for spec in self._model_index_specs(model):
            self._create_index(table, spec)
        for index in model._meta.indexes:
            if builds_own_index(index):
                self.add_index(model, index)
        self.run(catalog.declare_model(model, self.connection))
        if _check_constraints(model) or check.column_checked_fields(model):
            self._declare_checks(model, options)
        if options:
            self.run(record_command(model, options))
        for constraint in model._meta.constraints:
            if is_constraint_kind(constraint):
                self._run_constraint_kind(model, constraint, "create_sql")
        self._create_counter(model)
        for field in model._meta.local_many_to_many:
            if field.remote_field.through._meta.auto_created:
                self.create_model(field.remote_field.through)

    def _finishing_existing(self, model, options):
        """Whether the model's collection already exists as the migration makes it, so that
        creating the model only finishes what is missing (its indexes, its catalog entry).

        A migrate interrupted between creating a collection and recording the migration
        leaves the collection behind, marked as being created in `__schema__`; the migration
        runs again on the next migrate. Such a collection with the options the migration gives
        it is taken as it is; an empty one with other options is replaced; one holding
        documents under other options is refused with what to do, since dropping it would lose
        them. An unmarked collection (a migrate that ran to its end created it, or something
        else did) is refused as SQL refuses an existing table, which `migrate --fake-initial`
        relies on.
        """
        if self.collect_sql:
            return False
        table = model._meta.db_table
        found = list(self.connection.executor.documents(
            Command(None, "list_collections", (), {"filter": {"name": table}})))
        if not found:
            return False
        if not self._left_by_interrupted_migrate(table):
            raise ProgrammingError(
                f"Cannot create the collection {table!r} of model {model._meta.label}: it "
                "already exists, and no interrupted migrate left it. If it holds this model's "
                "documents (a migration applied before, or rolled back with --fake), mark the "
                "migration applied with `migrate --fake-initial` (or `migrate --fake APP "
                "MIGRATION`); otherwise drop the collection or give the model another db_table."
            )
        existing = found[0].get("options", {})
        if existing == options:
            return True
        holds = self.read(Command(table, "count_documents", ({},), {"limit": 1}, model=model))
        if not holds:
            self.run(Command(table, "drop", model=model))
            return False
        raise ProgrammingError(
            f"Cannot create the collection {table!r} of model {model._meta.label}: it already "
            f"exists, holds documents, and has the options {existing!r} where the migration "
            f"gives it {options!r}. If an interrupted migrate left it and its documents can "
            "go, drop it (db.getCollection(...).drop() in mongosh) and run migrate again; to "
            "keep them, run `migrate --fake` for this migration and change the collection "
            "with collMod to match."
        )

    def _left_by_interrupted_migrate(self, table):
        entry = self.connection.executor.run(
            Command(SCHEMA_COLLECTION, "find_one", ({"name": table}, {CREATING: 1})))
        return bool(entry and entry.get(CREATING))

    def _renamed_already(self, old_db_table, new_db_table):
        """Whether a migrate interrupted after renaming the collection left it renamed: the
        old name is gone and the new one exists."""
        if self.collect_sql:
            return False
        names = {found["name"] for found in self.connection.executor.documents(Command(
            None, "list_collections", (), {"filter": {"name": {"$in": [old_db_table,
                                                                        new_db_table]}}}))}
        return names == {new_db_table}

    def delete_model(self, model):
        for field in model._meta.local_many_to_many:
            if field.remote_field.through._meta.auto_created:
                self.delete_model(field.remote_field.through)
        table = model._meta.db_table
        self.run(Command(table, "drop"))
        self.run(Command(SCHEMA_COLLECTION, "delete_one", ({"name": table},)))

    def alter_db_table(self, model, old_db_table, new_db_table):
        if old_db_table == new_db_table:
            return
        if not self._renamed_already(old_db_table, new_db_table):
            self.run(Command(old_db_table, "rename", (new_db_table,), model=model))
        self.run(Command(SCHEMA_COLLECTION, "update_one",
                         ({"name": old_db_table}, {"$set": {"name": new_db_table}}), model=model))
        self._sync_options(model, db_table=new_db_table)

    def alter_db_table_comment(self, model, old_db_table_comment, new_db_table_comment):
        self.run(catalog.comment_table(model._meta.db_table, new_db_table_comment))

    def alter_db_tablespace(self, model, old_db_tablespace, new_db_tablespace):
        pass

    def _create_counter(self, model):
        auto = model._meta.auto_field
        if auto is not None and auto.get_internal_type() in ("AutoField", "BigAutoField",
                                                              "SmallAutoField"):
            # $max with 0: creates the counter if missing and never lowers an existing one.
            self.run(raise_command(model._meta.db_table, auto.column, 0))

    # -- fields ---------------------------------------------------------------------------------

    def add_field(self, model, field):
        if field.many_to_many:
            if field.remote_field.through._meta.auto_created:
                self.create_model(field.remote_field.through)
            return
        if isinstance(field, CompositePrimaryKey):
            return composite_keys.add_key(self, model, field)
        if field.column is None:
            return
        missing = {field.column: {"$exists": False}}
        if field.generated:
            # Existing documents get a stored generated field's computed value; a virtual one
            # has nothing to store.
            if field.db_persist:
                run_fill(self, generated.fill_command(model, [field], self.connection, missing))
        else:
            # Existing documents get the default, as rows get an added column's DEFAULT.
            fill = fill_command(self, model, field, missing)
            if fill is not None:
                run_fill(self, fill)
            elif not field.null:
                self._refuse_nulls(model, field, missing)
        for spec in field_index_specs(self, model, field):
            self._create_index(model._meta.db_table, spec)
        self.run(catalog.declare_field(model._meta.db_table, field, self.connection))
        self._sync_options(model, add=[field])

    def remove_field(self, model, field):
        if field.many_to_many:
            if field.remote_field.through._meta.auto_created:
                self.delete_model(field.remote_field.through)
            return
        if isinstance(field, CompositePrimaryKey):
            return composite_keys.remove_key(self, model, field)
        if field.column is None:
            return
        table = model._meta.db_table
        if not generated.is_virtual(field):  # a virtual one was never stored
            self._drop_indexes_on(table, field.column)
            removed = {field.column: ""}
            if keeps_microseconds(field):
                removed[hidden_key(field.column)] = ""  # sub_milliseconds.py
            self.rewrite(Command(table, "update_many", ({}, {"$unset": removed}), model=model))
        self.run(catalog.forget_field(table, field.column))
        self._sync_options(model, remove=[field])

    def alter_field(self, model, old_field, new_field, strict=False):
        if not self._field_should_be_altered(old_field, new_field):
            return
        old_through = getattr(old_field.remote_field, "through", None)
        new_through = getattr(new_field.remote_field, "through", None)
        if old_through and new_through:
            if old_through._meta.auto_created and new_through._meta.auto_created:
                return self._alter_many_to_many(model, old_field, new_field, strict)
            if not old_through._meta.auto_created and not new_through._meta.auto_created:
                return  # both sides have their own through models: nothing is stored here
        if old_field.many_to_many or new_field.many_to_many:
            raise ValueError(
                f"Cannot alter field {old_field} into {new_field} - they are not compatible "
                "types (you cannot alter to or from M2M fields, or add or remove through= on "
                "M2M fields)"
            )
        table = model._meta.db_table
        old_name, new_name = stored_name(old_field), stored_name(new_field)
        # Every refusal comes before the first write.
        if old_field.generated or new_field.generated:
            self._refuse_generated_changes(model, old_field, new_field)
        if new_name == "_id" and old_name != new_name:
            self._refuse_moving_keys(model, old_field, new_field)
        if check.is_column_checked(new_field) and not check.is_column_checked(old_field):
            self._refuse_column_violations(model, old_field, new_field)
        fill = None
        if old_field.null and not new_field.null and not new_field.generated:
            # Documents holding null (or lacking the field) get the default, as SQL's
            # UPDATE ... SET col = DEFAULT WHERE col IS NULL before SET NOT NULL (a generated
            # column gets no NOT NULL from Django).
            fill = fill_command(self, model, new_field, {new_name: None})
            if fill is None:
                self._refuse_nulls(model, new_field, {old_name: None})
        recompute = None
        if new_field.generated:
            # A stored generated field given another output type is computed again (the cast
            # to its new type included) rather than converted; a virtual one holds nothing.
            if new_field.db_persist and (old_field.db_type(self.connection)
                                         != new_field.db_type(self.connection)):
                recompute = generated.fill_command(model, [new_field], self.connection, {})
        else:
            convert_values(self, model, old_field, new_field)
        old_specs = field_index_specs(self, model, old_field)
        new_specs = field_index_specs(self, model, new_field)
        if old_name != new_name:
            for spec in old_specs:
                self._drop_existing(table, spec)
            old_specs = []
            if old_name == "_id":
                # The primary key becomes a plain field (a CompositePrimaryKey took its place):
                # a document's _id never changes, so it stays, and the field's values are
                # copied under its own name (new documents get the driver's ObjectId).
                self.rewrite(Command(table, "update_many", (
                    {}, [{"$set": {new_name: "$_id"}}],
                )))
            else:
                renamed = {old_name: new_name}
                if keeps_microseconds(old_field) and keeps_microseconds(new_field):
                    # The microseconds go with their date (sub_milliseconds.py).
                    renamed[hidden_key(old_name)] = hidden_key(new_name)
                self.rewrite(Command(table, "update_many", (
                    {old_name: {"$exists": True}}, {"$rename": renamed},
                )))
            self._move_indexes(table, old_name, new_name)
            if keeps_microseconds(old_field) and keeps_microseconds(new_field):
                self._move_indexes(table, hidden_key(old_name), hidden_key(new_name))
        if keeps_microseconds(old_field) and not keeps_microseconds(new_field):
            # No longer a datetime of the document's own: its microseconds key goes.
            self.rewrite(Command(table, "update_many", (
                {hidden_key(old_field.column): {"$exists": True}},
                {"$unset": {hidden_key(old_field.column): ""}},
            )))
        if fill is not None:
            run_fill(self, fill)
        if recompute is not None:
            self.rewrite(recompute)
        self._replace_indexes(table, old_specs, new_specs)
        expression_backfill.refill_keys_reading(self, model, old_field, new_field)
        if field_collation(old_field) != field_collation(new_field):
            self._recollate_indexes(model, new_field, {spec.name for spec in new_specs})
        self._declare_altered(table, old_field, new_field)
        self._sync_options(model, add=[new_field], remove=[old_field])

    def _replace_indexes(self, table, old_specs, new_specs):
        old_by_name = {spec.name: spec for spec in old_specs}
        new_by_name = {spec.name: spec for spec in new_specs}
        for name, spec in old_by_name.items():
            if new_by_name.get(name) != spec:
                self._drop_existing(table, spec)
        for name, spec in new_by_name.items():
            if old_by_name.get(name) != spec:
                self._create_index(table, spec)

    def _recollate_indexes(self, model, new_field, own_names):
        """Rebuild the other indexes holding a field whose collation changed (Meta.indexes,
        constraints, unique_together): an index's collation is fixed when it is created."""
        table = model._meta.db_table
        fields = {stored_name(field): field for field in model._meta.local_concrete_fields}
        fields[stored_name(new_field)] = new_field
        for name, info in self._indexes(table).items():
            keys = declared_keys(info)
            if (name == "_id_" or name in own_names
                    or not any(key == stored_name(new_field) for key, _ in keys)
                    # text, 2dsphere, hashed...: the plugins' index kinds keep their own rules
                    or any(direction not in (1, -1) for _, direction in keys)):
                continue
            collation = keys_collation(
                model, [fields[key] for key, _ in keys if key in fields],
                f"Index {name!r} on {model._meta.label}")
            options = _index_options(info, "collation")
            if collation:
                options["collation"] = dict(collation)
            self._recreate_index(table, name, keys, options)

    def _declare_altered(self, table, old_field, new_field):
        """Keep the declared fields current: the altered field, and the fields referring to it
        (they store its values, so their declared type follows)."""
        connection = self.connection
        if (old_field.db_type(connection) != new_field.db_type(connection)
                and getattr(old_field, "model", None) and getattr(new_field, "model", None)):
            for _, relation in _related_non_m2m_objects(old_field, new_field):
                if relation.field.concrete and relation.field.column is not None:
                    self.run(catalog.declare_field(relation.related_model._meta.db_table,
                                                   relation.field, connection))
        stored = new_field.column is not None and new_field.db_type(connection) is not None
        if stored and (old_field.column != new_field.column
                       or catalog.describe(old_field, connection)
                       != catalog.describe(new_field, connection)):
            self.run(catalog.declare_field(table, new_field, connection, old_field.column))

    def _refuse_generated_changes(self, model, old_field, new_field):
        """Refuse what Django refuses on every database: making a field generated or not,
        stored or virtual, or changing its expression (it must be removed and added again).
        Expressions are compared as the MQL they compute with."""
        refused = old_field.generated != new_field.generated or (
            old_field.db_persist != new_field.db_persist)
        if not refused:
            try:
                old_definition = generated.definition(old_field, old_field.model, self.connection)
            except FieldError:
                refused = True  # a field the expression reads was renamed
            else:
                refused = old_definition != generated.definition(new_field, model,
                                                                 self.connection)
        if refused:
            raise ValueError(
                f"Modifying GeneratedFields is not supported - the field {new_field} must be "
                "removed and re-added with the new definition."
            )

    def _refuse_moving_keys(self, model, old_field, new_field):
        """A document's _id never changes: another field cannot become the primary key of
        stored documents (the primary key becoming another field is a copy: alter_field)."""
        if self.collect_sql:
            return
        table = model._meta.db_table
        if self.read(Command(table, "find_one", ({}, {"_id": 1}), model=model)) is not None:
            raise NotSupportedError(
                f"{model._meta.label}: {old_field.name} -> {new_field.name} changes which field "
                f"is stored as _id, and a document's _id never changes in place. Create a new "
                "model with the new key, copy the documents over in a RunPython step, then "
                "delete the old model."
            )

    def _refuse_nulls(self, model, field, selector):
        """Refuse, before writing anything, to make a field NOT NULL over documents without a
        value, as SQL refuses SET NOT NULL over NULL rows."""
        if self.collect_sql:
            return
        table = model._meta.db_table
        count = self.read(Command(table, "count_documents", (selector,), {"limit": 1},
                                  model=model))
        if count:
            raise IntegrityError(
                f"{model._meta.label}.{field.name} cannot become NOT NULL: documents in "
                f"{table!r} hold null or lack {field.column!r}, and the field has no default. "
                "Give the field a default (or db_default), or fill those documents first "
                "(a RunPython step before this migration)."
            )

    def _alter_many_to_many(self, model, old_field, new_field, strict):
        old_through = old_field.remote_field.through
        new_through = new_field.remote_field.through
        if old_through._meta.db_table != new_through._meta.db_table:
            self.alter_db_table(old_through, old_through._meta.db_table,
                                new_through._meta.db_table)
        self.alter_field(
            new_through,
            old_through._meta.get_field(old_field.m2m_reverse_field_name()),
            new_through._meta.get_field(new_field.m2m_reverse_field_name()),
        )
        self.alter_field(
            new_through,
            old_through._meta.get_field(old_field.m2m_field_name()),
            new_through._meta.get_field(new_field.m2m_field_name()),
        )

    # -- indexes and constraints ------------------------------------------------------------

    # Django's contract for what a database cannot hold: an index on expressions, a deferrable
    # or covering unique constraint and a check constraint are left out of the database (the
    # system checks warn: models.W043/W044/W038/W039/W027), and check constraints are still
    # validated in Python by Model.full_clean(). So is a unique constraint whose condition no
    # partial index can hold (djongo_core.W151); such an index is left out (W152).

    def add_index(self, model, index):
        if builds_own_index(index):
            self.run(own_index_command(self, model, index, "create_sql"))
        elif self._indexes_kept(model, index):
            expression_backfill.refuse_untranslatable(self, model, [index])
            spec = index_spec(self, model, index)
            if declares_expressions(index):
                # A validator generated from the model (a plugin's) lets the new keys through.
                self._sync_options(model_after(model, indexes=[
                    *(i for i in model._meta.indexes if i.name != index.name), index]))
            expression_backfill.fill_keys(self, model, index)
            self._create_index(model._meta.db_table, spec)

    def remove_index(self, model, index):
        if builds_own_index(index):
            self.run(own_index_command(self, model, index, "remove_sql"))
        elif self._indexes_kept(model, index):
            self._drop_index(model._meta.db_table, index.name)
            expression_backfill.forget_keys(self, model, index)
            if declares_expressions(index):
                self._sync_options(model_after(model, indexes=[
                    i for i in model._meta.indexes if i.name != index.name]))

    def rename_index(self, model, old_index, new_index):
        # MongoDB cannot rename an index: build the new one before dropping the old one so the
        # collection is never without it.
        self.add_index(model, new_index)
        self.remove_index(model, old_index)

    def add_constraint(self, model, constraint):
        if isinstance(constraint, CheckConstraint):
            self._refuse_violations(model, constraint)
            after = with_constraint(model, constraint)
            self._declare_checks(after, self._sync_options(after, always=True))
        elif is_constraint_kind(constraint):
            self._run_constraint_kind(model, constraint, "create_sql")
            self._sync_options(with_constraint(model, constraint))
        elif self._holds(model, constraint):
            expression_backfill.refuse_untranslatable(self, model, [constraint])
            spec = unique_constraint_spec(self, model, constraint)
            if declares_expressions(constraint):
                self._sync_options(with_constraint(model, constraint))
            expression_backfill.fill_keys(self, model, constraint)
            self._create_index(model._meta.db_table, spec)

    def remove_constraint(self, model, constraint):
        if isinstance(constraint, CheckConstraint):
            after = without_constraint(model, constraint)
            self._declare_checks(after, self._sync_options(after, always=True))
        elif is_constraint_kind(constraint):
            self._run_constraint_kind(model, constraint, "remove_sql")
            self._sync_options(without_constraint(model, constraint))
        elif self._holds(model, constraint):
            self._drop_index(model._meta.db_table, constraint.name)
            expression_backfill.forget_keys(self, model, constraint)
            if declares_expressions(constraint):
                self._sync_options(without_constraint(model, constraint))

    def _run_constraint_kind(self, model, constraint, method):
        """Run a plugin constraint kind's create_sql or remove_sql, and keep its name (and
        kind) in __schema__ for introspection."""
        for command in constraint_kind_commands(self, model, constraint, method):
            self.run(command)
        self.run(catalog.declare_constraint_kind(model, constraint, method == "create_sql"))

    # -- collection options -------------------------------------------------------------------

    # The plugins' options and the CheckConstraints (clauses of the validator, compiler/
    # check.py) are given at creation, then kept in step with collMod (collection_options.py).

    def _wanted_options(self, model):
        """Return the collection options ``model`` (as it is after the change) asks for."""
        options = self.connection.plugin_host.collection_options(self, model)
        checks = _check_constraints(model)
        columns = _column_checked(model, options)
        if checks or columns:
            # The plugins' validator first, then the CheckConstraints in their order, then the
            # column checks: a plugin reading the server's report by clause index
            # (schema_validation) finds its clauses where they always were.
            options["validator"] = check.validator([
                options.get("validator"),
                *(check.check_clause(self.connection, model, constraint) for constraint in checks),
                *(check.column_check_clause(field) for field in columns),
            ])
        return options

    def _declare_checks(self, model, options):
        """Record the names of the validator's clauses (CheckConstraints and column checks)
        in ``options`` (the collection's options for model, as _wanted_options() gives them)."""
        validator = (options or {}).get("validator") or {}
        clauses = validator.get("$and", [validator])
        columns = {check.column_check_name(self.connection, model, field): [field.column]
                   for field in check.column_checked_fields(model)
                   if check.column_check_clause(field) in clauses}
        self.run(catalog.declare_checks(model, _check_constraints(model), columns))

    def sync_collection_options(self, model):
        """Bring the collection's options (the plugins' and the CheckConstraints' validator)
        in step with ``model`` as it is now, with one collMod when they differ.

        Migrations do this after every change to a model; a plugin whose options depend on
        something migrations do not track (its settings, or the plugin itself, enabled after the
        collection was made) calls it after migrate (docs/plugin-api.md). Returns the options
        wanted (None when nothing manages any)."""
        return self._sync_options(model)

    def _sync_options(self, model, always=False, **changes):
        """Bring the collection's options in line with the model after a change (``model``
        with ``changes``: model_state.model_after).

        Nothing is read or sent when nothing can manage options: no plugin provides any and the
        model has no CheckConstraint (``always``: a CheckConstraint is being added or removed).
        A plugin disabled since it set options leaves them as they are. Return the options
        wanted (None when nothing was read).
        """
        # A column check comes or goes with a field (and its name with the collection's); a
        # field altered otherwise (its default) keeps its check, and nothing is sent.
        removed = {f.column for f in changes.get("remove", ()) if check.is_column_checked(f)}
        added = {f.column for f in changes.get("add", ()) if check.is_column_checked(f)}
        column_checks = added != removed or bool(
            changes.get("db_table") and check.column_checked_fields(model))
        if not (always or column_checks or _check_constraints(model)
                or self.connection.plugin_host.hook.djongo_provide_collection_options
                .get_hookimpls()):
            return
        model = model_after(model, **changes)
        wanted = self._wanted_options(model)
        if column_checks:
            self._declare_checks(model, wanted)
        recorded = recorded_options(catalog.declared_entry(self.connection, model._meta.db_table))
        if not wanted and not recorded:
            return wanted
        current = server_options(self.connection, model._meta.db_table)
        command = collmod_command(model, current, wanted, recorded)
        if command is not None:
            self.run(command)
        if wanted != {k: v for k, v in recorded.items() if v is not None}:
            self.run(record_command(model, wanted))
        return wanted

    def _refuse_violations(self, model, constraint):
        """SQL refuses to add a CHECK that existing rows violate; MongoDB would only check later
        writes, so look for a violating document first."""
        if self.collect_sql:
            return
        table = model._meta.db_table
        clause = check.check_clause(self.connection, model, constraint)
        violating = self.connection.executor.run(
            Command(table, "find_one", ({"$nor": [clause]}, {"_id": 1})))
        if violating is not None:
            raise IntegrityError(
                f"Cannot add CheckConstraint {constraint.name!r} to {model.__name__}: the "
                f"document with _id {violating['_id']!r} in collection {table!r} violates it. "
                "Fix or remove such documents first (a RunPython step before the AddConstraint)."
            )

    def _refuse_column_violations(self, model, old_field, new_field):
        """As SQL refuses to add a column CHECK that existing rows violate: a field becoming
        a Positive*Field must find no negative value stored."""
        if self.collect_sql:
            return
        table = model._meta.db_table
        violating = self.connection.executor.run(Command(
            table, "find_one", ({stored_name(old_field): {"$lt": 0}}, {"_id": 1})))
        if violating is not None:
            raise IntegrityError(
                f"Cannot make {model.__name__}.{new_field.name} a "
                f"{new_field.get_internal_type()}: the document with _id "
                f"{violating['_id']!r} in collection {table!r} holds a negative value. Fix or "
                "remove such documents first (a RunPython step before the AlterField)."
            )

    def _indexes_kept(self, model, index):
        """Return whether MongoDB keeps this Meta.indexes entry: not one whose condition no
        partial index can hold (Django leaves it out on databases without such indexes; system
        check djongo_core.W152 says so). One on expressions is kept (expression_indexes.py)."""
        return fits_partial_index(self.connection, model, index.condition)

    def _holds(self, model, constraint):
        """Return whether MongoDB keeps this constraint (as a unique index).

        A condition no partial index can hold (a negation, startswith...) is left to
        Model.validate_constraints(), as Django leaves conditional unique constraints on
        databases without partial indexes; system check djongo_core.W151 says so.
        """
        return isinstance(constraint, UniqueConstraint) and self._unique_supported(
            condition=constraint.condition, deferrable=constraint.deferrable,
            include=constraint.include, expressions=constraint.expressions,
            nulls_distinct=constraint.nulls_distinct,
        ) and fits_partial_index(self.connection, model, constraint.condition)

    def alter_index_together(self, model, old_index_together, new_index_together):
        # index_together left Meta in Django 5.1; its historical migrations still run.
        table = model._meta.db_table
        old = {tuple(fields) for fields in old_index_together}
        new = {tuple(fields) for fields in new_index_together}
        for fields in old - new:
            self._drop_existing(table, self._together_spec(model, fields, unique=False))
        for fields in new - old:
            self._create_index(table, self._together_spec(model, fields, unique=False))

    def alter_unique_together(self, model, old_unique_together, new_unique_together):
        table = model._meta.db_table
        old = {tuple(fields) for fields in old_unique_together}
        new = {tuple(fields) for fields in new_unique_together}
        for fields in old - new:
            self._drop_existing(table, self._together_spec(model, fields))
        for fields in new - old:
            self._create_index(table, self._together_spec(model, fields))

    def _together_spec(self, model, field_names, unique=True):
        fields = [model._meta.get_field(name) for name in field_names]
        columns = [stored_name(field) for field in fields]
        name = self._create_index_name(model._meta.db_table, columns,
                                       suffix="_uniq" if unique else "_idx")
        what = f"{'unique' if unique else 'index'}_together {field_names!r} on {model._meta.label}"
        collation = keys_collation(model, fields, what)
        keys = index_keys([(field, 1) for field in fields])
        return IndexSpec(name, tuple(keys), unique=unique, collation=collation)

    def _model_index_specs(self, model):
        specs = []
        pk = model._meta.pk
        if isinstance(pk, CompositePrimaryKey):
            # The _id is the driver's ObjectId: a unique index keeps the key's columns unique,
            # as a primary key constraint does (introspection reports it as the primary key).
            specs.append(composite_keys.key_spec(model, pk))
        for field in model._meta.local_fields:
            specs.extend(field_index_specs(self, model, field))
        specs.extend(self._together_spec(model, fields) for fields in model._meta.unique_together)
        specs.extend(index_spec(self, model, index) for index in model._meta.indexes
                     if not builds_own_index(index) and self._indexes_kept(model, index))
        specs.extend(
            unique_constraint_spec(self, model, constraint)
            for constraint in model._meta.constraints
            if self._holds(model, constraint)
        )
        return specs

    def _create_index(self, table, spec):
        if spec.keys == _ID_ONLY:
            return  # the _id index is already there, and unique
        self.run(Command(table, "create_index", (list(spec.keys),), spec.options()))

    def _drop_index(self, table, name):
        try:
            self.run(Command(table, "drop_index", (name,)))
        except DatabaseError as error:
            # Already gone: a migrate interrupted after dropping it runs the operation again.
            if getattr(error.__cause__, "code", None) != INDEX_NOT_FOUND:
                raise

    def _indexes(self, table):
        return self.read(Command(table, "index_information"))

    def _drop_indexes_on(self, table, column):
        for name, info in self._indexes(table).items():
            if name != "_id_" and any(key == column for key, _ in declared_keys(info)):
                self._drop_index(table, name)

    def _drop_existing(self, table, spec):
        """Drop the index a spec describes: by its name, or, when the collection was renamed
        since (index names keep the old collection name), by its keys and uniqueness."""
        if spec.keys == _ID_ONLY:
            return
        indexes = self._indexes(table)
        if spec.name not in indexes:
            matches = [name for name, info in indexes.items() if name != "_id_"
                       and tuple(info["key"]) == spec.keys
                       and bool(info.get("unique")) == spec.unique]
            if not matches:
                return
            spec = replace(spec, name=matches[0])
        self._drop_index(table, spec.name)

    def _move_indexes(self, table, old_key, new_key):
        """Rebuild the indexes that held a renamed key on the new key, names and options kept
        (MongoDB indexes do not follow $rename)."""
        for name, info in self._indexes(table).items():
            keys = declared_keys(info)
            if name == "_id_" or not any(key == old_key for key, _ in keys):
                continue
            options = _index_options(info)
            if "weights" in options:
                options["weights"] = {new_key if key == old_key else key: weight
                                      for key, weight in options["weights"].items()}
            if "partialFilterExpression" in options:
                options["partialFilterExpression"] = {
                    new_key if key == old_key else key: condition
                    for key, condition in options["partialFilterExpression"].items()
                }
            self._recreate_index(
                table, name,
                [(new_key if key == old_key else key, direction) for key, direction in keys],
                options)

    def _recreate_index(self, table, name, keys, options):
        """Drop an index and build it again under its name (keys or options changed)."""
        self._drop_index(table, name)
        self.run(Command(table, "create_index", (keys,), {"name": name, **options}))


def _index_options(info, *left_out):
    """Return the creation options of an index as listIndexes gives it (its keys, version and
    namespace, and what the caller replaces, left out)."""
    return {k: v for k, v in info.items() if k not in ("key", "v", "ns", *left_out)}


def _check_constraints(model):
    return [constraint for constraint in model._meta.constraints
            if isinstance(constraint, CheckConstraint)]


def _column_checked(model, options):
    """Return the fields whose column check goes into the validator: none when a plugin gives
    the collection its validator, which then holds the document's rules (schema_validation's
    $jsonSchema has the Positive*Fields' `minimum: 0`, and reads the server's report of its
    own validator)."""
    return [] if options.get("validator") else check.column_checked_fields(model)
