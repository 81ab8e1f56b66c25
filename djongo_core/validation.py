"""Model checks this backend adds to Django's (`manage.py check`, run before migrate/runserver)."""

from django.apps import apps
from django.core import checks
from django.db import router
from django.db.backends.base.validation import BaseDatabaseValidation

from djongo_core import sharding
from djongo_core.collations import collation_document, field_collation


class DatabaseValidation(BaseDatabaseValidation):
    def check(self, **kwargs):
        """Django's database checks, and on a sharded cluster what its sharded collections
        cannot enforce (sharding.py)."""
        issues = super().check(**kwargs)
        sharded = sharding.sharded_collections(self.connection)
        for model in apps.get_models():
            shard_key = sharded.get(model._meta.db_table)
            if shard_key and router.allow_migrate_model(self.connection.alias, model):
                issues.extend(sharding.model_issues(model, shard_key))
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
