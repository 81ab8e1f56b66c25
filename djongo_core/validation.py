"""Checks this backend adds to Django's: model checks (`manage.py check`, run before
migrate/runserver) and database checks (`check --database ALIAS`, and migrate's own)."""

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldError
from django.db import DatabaseError, NotSupportedError, router
from django.db.backends.base.validation import BaseDatabaseValidation
from django.db.migrations.executor import MigrationExecutor
from django.db.models import UniqueConstraint

from djongo_core import sharding
from djongo_core.collations import collation_document, field_collation
from djongo_core.compiler.model_expressions import fits_partial_index
from djongo_core import sub_milliseconds
from djongo_core.expression_indexes import (
    HIDDEN_PREFIX, check_translatable, declares_expressions, is_hidden_key,
)
from djongo_core.indexes import builds_own_index
from djongo_core.row_locks import locks_documents


class DatabaseValidation(BaseDatabaseValidation):
    def check(self, app_configs=None, **kwargs):
        """Warn about what the database leaves to Python validation or cannot protect (run for
        the databases a check names: migrate's, the test runner's, `check --database`)."""
        issues = super().check(app_configs=app_configs, **kwargs)
        configs = apps.get_app_configs() if app_configs is None else app_configs
        for model in (model for config in configs for model in config.get_models()):
            if router.allow_migrate_model(self.connection.alias, model):
                issues.extend(self._unindexable_conditions(model))
                issues.extend(self._untranslatable_expressions(model))
        issues.extend(self._row_locks())
        issues.extend(self._sharded_collections())
        issues.extend(self._unmigrated(
            apps.get_models(include_auto_created=True) if app_configs is None else
            [model for config in configs for model in config.get_models(include_auto_created=True)]))
        return issues

    def _sharded_collections(self):
        """On a sharded cluster, what its sharded collections cannot enforce (sharding.py)."""
        sharded = sharding.sharded_collections(self.connection)
        issues = []
        for model in apps.get_models(include_auto_created=True):
            shard_key = sharded.get(model._meta.db_table)
            if shard_key and router.allow_migrate_model(self.connection.alias, model):
                issues.extend(sharding.model_issues(model, shard_key))
        return issues

    def _row_locks(self):
        alias = self.connection.alias
        if locks_documents(self.connection):
            return []
        return [checks.Warning(
            f"Database {alias!r} has no transactions plugin: select_for_update() locks "
            "nothing there, so two transactions reading and then saving the same object "
            "can lose one of the updates (each such read also warns, RowLockWarning).",
            hint=f"Add 'transactions' to DATABASES[{alias!r}]['PLUGINS'], or update with "
                 "F() expressions (docs/queries.md#row-locks-select_for_update).",
            id="djongo_core.W201",
        )]

    def _unmigrated(self, models):
        alias = self.connection.alias
        try:
            missing = unmigrated_models(self.connection, models)
        except DatabaseError as error:
            return [checks.Warning(
                f"Could not check which models of database {alias!r} have their collections: "
                f"{error}", id="djongo_core.W203")]
        if not missing:
            return []
        labels = ", ".join(model._meta.label for model in missing)
        app_labels = " ".join(sorted({model._meta.app_label for model in missing}))
        return [checks.Warning(
            f"The collections of {labels} do not exist on database {alias!r}, and no "
            "migration waiting to be applied creates them: these models read as empty "
            "and their unique fields are not enforced (MongoDB creates a collection, "
            "without indexes, on its first write).",
            hint=f"Run `manage.py makemigrations {app_labels}` if the apps have no "
                 f"migrations, then `manage.py migrate --database {alias}`.",
            id="djongo_core.W202",
        )]

    def _unindexable_conditions(self, model):
        """A conditional index or UniqueConstraint whose condition no partial index can hold is
        left out of the database (schema.py), as Django leaves them on databases without
        partial indexes (models.W037, W036); Model.validate_constraints() still checks the
        constraint."""
        issues = []
        for index in model._meta.indexes:
            if builds_own_index(index) or self._fits(model, index.condition):
                continue
            issues.append(checks.Warning(
                f"Index {index.name!r} on {model._meta.label} is not created in MongoDB "
                f"(collection {model._meta.db_table!r}): no partial index can hold its "
                "condition. Queries give the same results without it.",
                hint="Write the condition with exact, in, gt/gte/lt/lte and isnull comparisons "
                     "joined by AND or OR.",
                obj=model, id="djongo_core.W152"))
        for constraint in model._meta.constraints:
            if not isinstance(constraint, UniqueConstraint) or self._fits(
                    model, constraint.condition):
                continue
            issues.append(checks.Warning(
                f"UniqueConstraint {constraint.name!r} on {model._meta.label} is not enforced "
                f"by MongoDB (collection {model._meta.db_table!r}): no partial index can hold "
                "its condition. Model.validate_constraints() (full_clean(), model forms, the "
                "admin) still checks it; writes that skip validation are not checked.",
                hint="Write the condition with exact, in, gt/gte/lt/lte and isnull comparisons "
                     "joined by AND or OR, or add this id to SILENCED_SYSTEM_CHECKS if "
                     "validation in Python is enough.",
                obj=model, id="djongo_core.W151"))
        return issues

    def _untranslatable_expressions(self, model):
        """An index or unique constraint on an expression the server cannot compute is refused
        by migrate; say so before (expression_indexes.py)."""
        issues = []
        for declaration in (*model._meta.indexes, *model._meta.constraints):
            if not declares_expressions(declaration):
                continue
            try:
                check_translatable(self.connection, model, declaration)
            except NotSupportedError as error:
                issues.append(checks.Error(
                    str(error), obj=model, id="djongo_core.E161",
                    hint="Index a stored GeneratedField, or an expression of the model's own "
                         "fields that the ORM can filter on."))
            except (FieldError, ValueError):
                pass  # Django's own model checks report these (models.E012...)
        return issues

    def _fits(self, model, condition):
        try:
            return fits_partial_index(self.connection, model, condition)
        except NotSupportedError:
            return False  # a condition the compiler refuses cannot be indexed either
        except FieldError:
            return True  # a condition naming what the model lacks: Django's own checks say so

    def check_field_type(self, field, field_type):
        """A db_collation must name a MongoDB collation: refused when the model is checked
        rather than at the first query or index that needs it. A column must not take the
        names kept for indexes on expressions (expression_indexes.py) and for the microseconds
        of datetimes (sub_milliseconds.py)."""
        # getattr: a GeneratedField checks a clone of its output field, which has no column.
        if is_hidden_key(getattr(field, "column", None)):
            return [checks.Error(
                f"{field.model._meta.label}.{field.name} is stored under {field.column!r}; "
                f"names starting with {HIDDEN_PREFIX!r} or {sub_milliseconds.PREFIX!r} are the "
                "keys djongo-core keeps for indexes on expressions and for the microseconds of "
                "datetimes.", obj=field, id="djongo_core.E160",
                hint="Give the field another db_column.")]
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
