"""The Django app of the plugin: its commands, system checks and validation before save."""

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import pre_save


class SchemaValidationConfig(AppConfig):
    name = "djongo_schema_validation"
    verbose_name = "MongoDB schema validation"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from djongo_schema_validation.checks import check_models, check_settings
        from djongo_schema_validation.saving import validate_before_save

        checks.register(check_settings, checks.Tags.database)
        checks.register(check_models, checks.Tags.models)
        pre_save.connect(validate_before_save, dispatch_uid="djongo_schema_validation")
