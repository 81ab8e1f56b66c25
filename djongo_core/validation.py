"""Checks this backend adds to Django's: model checks (`manage.py check`, run before
migrate/runserver) and database checks (`check --database ALIAS`, and migrate's own)."""

from django.apps import apps
from django.core import checks
from django.db import DatabaseError, router
from django.db.backends.base.validation import BaseDatabaseValidation
from django.db.migrations.executor import MigrationExecutor

from djongo_core.collations import collation_document, field_collation
from djongo_core.row_locks import locks_documents


class DatabaseValidation(BaseDatabaseValidation):
    def check(self, **kwargs):
        issues = super().check(**kwargs)
        alias = self.connection.alias
        if not locks_documents(self.connection):
            issues.append(checks.Warning(
                f"Database {alias!r} has no transactions plugin: select_for_update() locks "
                "nothing there, so two transactions reading and then saving the same object "
                "can lose one of the updates (each such read also warns, RowLockWarning).",
                hint=f"Add 'transactions' to DATABASES[{alias!r}]['PLUGINS'], or update with "
                     "F() expressions (docs/queries.md#select_for_update).",
                id="djongo_core.W201",
            ))
        try:
            missing = unmigrated_models(self.connection, apps.get_models(include_auto_created=True))
        except DatabaseError as error:
            missing = []
            issues.append(checks.Warning(
                f"Could not check which models of database {alias!r} have their collections: "
                f"{error}", id="djongo_core.W203"))
        if missing:
            labels = ", ".join(model._meta.label for model in missing)
            app_labels = " ".join(sorted({model._meta.app_label for model in missing}))
            issues.append(checks.Warning(
                f"The collections of {labels} do not exist on database {alias!r}, and no "
                "migration waiting to be applied creates them: these models read as empty "
                "and their unique fields are not enforced (MongoDB creates a collection, "
                "without indexes, on its first write).",
                hint=f"Run `manage.py makemigrations {app_labels}` if the apps have no "
                     f"migrations, then `manage.py migrate --database {alias}`.",
                id="djongo_core.W202",
            ))
        return issues

    def check_field_type(self, field, field_type):
        """A db_collation must name a MongoDB collation: refused when the model is checked
        rather than at the first query or index that needs it."""
        name = field_collation(field)
        if not name:
            return []
        try:
            collation_document(name)
        except ValueError as error:
            return [checks.Error(str(error), obj=field, id="djongo_core.E131",
                                 hint="Change the field's db_collation.")]
        return []


def unmigrated_models(connection, models):
    """Return the models (of ``models``) this database should hold whose collections do not
    exist and that no unapplied migration creates."""
    wanted = [model for model in models
              if model._meta.managed and not model._meta.proxy
              and router.allow_migrate_model(connection.alias, model)]
    if not wanted:
        return []
    existing = set(connection.introspection.table_names())
    absent = [model for model in wanted if model._meta.db_table not in existing]
    if not absent:
        return []
    # An app with migrations still to apply gets its collections from them: runserver already
    # reports unapplied migrations.
    executor = MigrationExecutor(connection)
    pending = {migration.app_label for migration, _ in
               executor.migration_plan(executor.loader.graph.leaf_nodes())}
    return [model for model in absent if model._meta.app_label not in pending]
