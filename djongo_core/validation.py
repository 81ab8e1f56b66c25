"""Model checks this backend adds to Django's (`manage.py check`, run before migrate/runserver)."""

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldError
from django.db import NotSupportedError, router
from django.db.backends.base.validation import BaseDatabaseValidation
from django.db.models import UniqueConstraint

from djongo_core.collations import collation_document, field_collation
from djongo_core.compiler.model_expressions import fits_partial_index
from djongo_core.indexes import builds_own_index


class DatabaseValidation(BaseDatabaseValidation):
    def check(self, app_configs=None, **kwargs):
        """Warn about what the database leaves to Python validation (run for the databases a
        check names: migrate's, the test runner's, `check --database`)."""
        issues = super().check(app_configs=app_configs, **kwargs)
        configs = apps.get_app_configs() if app_configs is None else app_configs
        for model in (model for config in configs for model in config.get_models()):
            if router.allow_migrate_model(self.connection.alias, model):
                issues.extend(self._unindexable_conditions(model))
        return issues

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

    def _fits(self, model, condition):
        try:
            return fits_partial_index(self.connection, model, condition)
        except NotSupportedError:
            return False  # a condition the compiler refuses cannot be indexed either
        except FieldError:
            return True  # a condition naming what the model lacks: Django's own checks say so

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
