"""Migrations on MongoDB: collections, indexes and document rewrites instead of DDL."""

import re

from django.db import NotSupportedError
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import UniqueConstraint

from djongo_core import catalog
from djongo_core.command import Command
from djongo_core.counters import SCHEMA_COLLECTION, raise_command
from djongo_core.documents import stored_name
from djongo_core.indexes import IndexSpec, field_index_specs, index_spec, unique_constraint_spec

_OWN_DROP = re.compile(r'^db\.getCollection\("([^"]+)"\)\.drop\(\)$')


class DatabaseSchemaEditor(BaseDatabaseSchemaEditor):
    # The editor's own statement for dropping a collection; code written for Django's schema
    # editors runs `editor.execute(editor.sql_delete_table % {"table": name})`, which works.
    sql_delete_table = 'db.getCollection("%(table)s").drop()'

    # -- running or collecting (sqlmigrate) -------------------------------------------------

    def run(self, command):
        """Run a command, or record its MQL when the editor only collects (sqlmigrate)."""
        if self.collect_sql:
            self.collected_sql.append(command.as_mql() + ";")
            return None
        return self.connection.executor.run(command)

    def execute(self, sql, params=()):
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

    def create_model(self, model):
        table = model._meta.db_table
        options = self.connection.plugin_host.collection_options(self, model)
        self.run(Command(None, "create_collection", (table,), options))
        for spec in self._model_index_specs(model):
            self._create_index(table, spec)
        self.run(catalog.declare_model(model, self.connection))
        self._create_counter(model)
        for field in model._meta.local_many_to_many:
            if field.remote_field.through._meta.auto_created:
                self.create_model(field.remote_field.through)

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
        self.run(Command(old_db_table, "rename", (new_db_table,)))
        self.run(Command(SCHEMA_COLLECTION, "update_one",
                         ({"name": old_db_table}, {"$set": {"name": new_db_table}})))

    def alter_db_table_comment(self, model, old_db_table_comment, new_db_table_comment):
        pass

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
        if field.column is None:
            return
        default = self.effective_default(field)
        if default is not None or not field.null:
            # Existing documents get the default, as a NOT NULL column with a default would.
            self.run(Command(model._meta.db_table, "update_many", (
                {field.column: {"$exists": False}}, {"$set": {field.column: default}},
            )))
        for spec in field_index_specs(self, model, field):
            self._create_index(model._meta.db_table, spec)
        self.run(catalog.declare_field(model._meta.db_table, field))

    def remove_field(self, model, field):
        if field.many_to_many:
            if field.remote_field.through._meta.auto_created:
                self.delete_model(field.remote_field.through)
            return
        if field.column is None:
            return
        table = model._meta.db_table
        self._drop_indexes_on(table, field.column)
        self.run(Command(table, "update_many", ({}, {"$unset": {field.column: ""}})))
        self.run(catalog.forget_field(table, field.column))

    def alter_field(self, model, old_field, new_field, strict=False):
        if old_field.many_to_many and new_field.many_to_many:
            return self._alter_many_to_many(model, old_field, new_field, strict)
        table = model._meta.db_table
        old_name, new_name = stored_name(old_field), stored_name(new_field)
        old_specs = field_index_specs(self, model, old_field)
        new_specs = field_index_specs(self, model, new_field)
        if old_name != new_name:
            for spec in old_specs:
                self._drop_index(table, spec.name)
            old_specs = []
            self.run(Command(table, "update_many", (
                {old_name: {"$exists": True}}, {"$rename": {old_name: new_name}},
            )))
        if old_field.null and not new_field.null:
            default = self.effective_default(new_field)
            if default is not None:
                self.run(Command(table, "update_many", (
                    {new_name: None}, {"$set": {new_name: default}},
                )))
        old_by_name = {spec.name: spec for spec in old_specs}
        new_by_name = {spec.name: spec for spec in new_specs}
        for name, spec in old_by_name.items():
            if new_by_name.get(name) != spec:
                self._drop_index(table, name)
        for name, spec in new_by_name.items():
            if old_by_name.get(name) != spec:
                self._create_index(table, spec)
        if new_field.column is not None and new_field.db_type(self.connection) is not None:
            self.run(catalog.declare_field(table, new_field, old_field.column))

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

    def add_index(self, model, index):
        self._create_index(model._meta.db_table, index_spec(self, model, index))

    def remove_index(self, model, index):
        self._drop_index(model._meta.db_table, index.name)

    def rename_index(self, model, old_index, new_index):
        # MongoDB cannot rename an index: build the new one before dropping the old one so the
        # collection is never without it.
        self.add_index(model, new_index)
        self.remove_index(model, old_index)

    def add_constraint(self, model, constraint):
        if isinstance(constraint, UniqueConstraint):
            self._create_index(model._meta.db_table, unique_constraint_spec(self, model, constraint))
        else:
            raise NotSupportedError(
                f"{type(constraint).__name__} {constraint.name!r} on {model._meta.label} cannot "
                "be enforced by MongoDB; only UniqueConstraint is supported."
            )

    def remove_constraint(self, model, constraint):
        if isinstance(constraint, UniqueConstraint):
            self._drop_index(model._meta.db_table, constraint.name)

    def alter_unique_together(self, model, old_unique_together, new_unique_together):
        table = model._meta.db_table
        old = {tuple(fields) for fields in old_unique_together}
        new = {tuple(fields) for fields in new_unique_together}
        for fields in old - new:
            self._drop_index(table, self._together_spec(model, fields).name)
        for fields in new - old:
            self._create_index(table, self._together_spec(model, fields))

    def _together_spec(self, model, field_names):
        fields = [model._meta.get_field(name) for name in field_names]
        columns = [stored_name(field) for field in fields]
        name = self._create_index_name(model._meta.db_table, columns, suffix="_uniq")
        return IndexSpec(name, tuple((column, 1) for column in columns), unique=True)

    def _model_index_specs(self, model):
        specs = []
        for field in model._meta.local_fields:
            specs.extend(field_index_specs(self, model, field))
        specs.extend(self._together_spec(model, fields) for fields in model._meta.unique_together)
        specs.extend(index_spec(self, model, index) for index in model._meta.indexes)
        specs.extend(
            unique_constraint_spec(self, model, constraint)
            for constraint in model._meta.constraints
            if isinstance(constraint, UniqueConstraint)
        )
        return specs

    def _create_index(self, table, spec):
        self.run(Command(table, "create_index", (list(spec.keys),), spec.options()))

    def _drop_index(self, table, name):
        self.run(Command(table, "drop_index", (name,)))

    def _drop_indexes_on(self, table, column):
        if self.collect_sql:
            return
        indexes = self.connection.mongo_database[table].index_information()
        for name, info in indexes.items():
            if name != "_id_" and any(key == column for key, _ in info["key"]):
                self._drop_index(table, name)

