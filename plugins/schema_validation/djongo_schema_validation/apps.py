"""The Django app of the plugin: its commands, system checks, validation before save, and the
validators brought in step after migrate."""

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate, pre_save


class SchemaValidationConfig(AppConfig):
    name = "djongo_schema_validation"
    verbose_name = "MongoDB schema validation"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from djongo_schema_validation.checks import check_models, check_settings
        from djongo_schema_validation.saving import validate_before_save
        from djongo_schema_validation.syncing import sync_after_migrate

        checks.register(check_settings, checks.Tags.database)
        checks.register(check_models, checks.Tags.models)
        pre_save.connect(validate_before_save, dispatch_uid="djongo_schema_validation")
        post_migrate.connect(sync_after_migrate, dispatch_uid="djongo_schema_validation")
