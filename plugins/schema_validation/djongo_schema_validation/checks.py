"""System checks of the schema_validation plugin (ids djongo_schema_validation.E00x/W00x)."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from djongo_schema_validation.constraints import SchemaValidation
from djongo_schema_validation.generator import BSON_TYPES, regex_pattern
from djongo_schema_validation.settings import SETTINGS_KEY, _read

_KNOWN_INTERNAL = {"JSONField", "EmbeddedModelField", "GeneratedField"}


def check_settings(app_configs=None, databases=None, **kwargs):
    return settings_errors(settings.DATABASES)


def settings_errors(database_settings):
    errors = []
    for alias, entry in database_settings.items():
        if "schema_validation" not in (entry.get("PLUGINS") or []):
            if entry.get(SETTINGS_KEY) is not None:
                errors.append(checks.Warning(
                    f"DATABASES[{alias!r}] has {SETTINGS_KEY} but does not enable the plugin.",
                    hint="Add 'schema_validation' to its PLUGINS, or remove the key.",
                    id="djongo_schema_validation.W003"))
            continue
        try:
            _read(alias, entry)
        except ImproperlyConfigured as error:
            errors.append(checks.Error(str(error), id="djongo_schema_validation.E001"))
    return errors


def check_models(app_configs=None, **kwargs):
    from django.apps import apps

    configs = app_configs or apps.get_app_configs()
    errors = []
    for config in configs:
        for model in config.get_models():
            errors.extend(_model_errors(model))
    return errors


def _model_errors(model):
    errors = []
    declared = [c for c in model._meta.constraints if isinstance(c, SchemaValidation)]
    if len(declared) > 1:
        errors.append(checks.Error(
            f"{model._meta.label} declares {len(declared)} SchemaValidation constraints "
            f"({', '.join(c.name for c in declared)}); a collection has one validator.",
            hint="Keep one SchemaValidation in Meta.constraints.", obj=model,
            id="djongo_schema_validation.E002"))
    opts = model._meta
    if declared and (not opts.managed or opts.proxy):
        errors.append(checks.Error(
            f"{opts.label} declares SchemaValidation but has no collection of its own "
            f"({'a proxy' if opts.proxy else 'managed = False'}).",
            hint="Declare it on the model that owns the collection.", obj=model,
            id="djongo_schema_validation.E003"))
    if not opts.managed or opts.proxy:
        return errors
    for field in opts.local_concrete_fields:
        errors.extend(_field_warnings(model, field))
    return errors


def _field_warnings(model, field):
    warnings = []
    internal = field.get_internal_type()
    connection = connections["default"]
    if internal not in _KNOWN_INTERNAL:
        db_type = field.db_type(connection) if connection.vendor == "mongodb" else None
        if connection.vendor == "mongodb" and db_type not in BSON_TYPES and db_type != "array":
            warnings.append(checks.Warning(
                f"{model._meta.label}.{field.name}: the validator cannot say what a "
                f"{type(field).__name__} stores (type {db_type!r}), so it accepts any value "
                "there.",
                hint="Give the field a db_type() among the core's BSON type names "
                     f"({', '.join(sorted(BSON_TYPES))}), or ignore this warning.",
                obj=field, id="djongo_schema_validation.W001"))
    from django.core.validators import RegexValidator

    for validator in field.validators:
        if (isinstance(validator, RegexValidator)
                and type(validator).__call__ is RegexValidator.__call__
                and regex_pattern(validator) is None):
            warnings.append(checks.Warning(
                f"{model._meta.label}.{field.name}: {type(validator).__name__} cannot be a "
                "$jsonSchema pattern (an inverted match, or flags PCRE has no inline form "
                "for), so "
                "only full_clean() applies it; other programs writing to MongoDB are not held "
                "to it.",
                hint="Use a plain RegexValidator, or silence this warning if that is intended.",
                obj=field, id="djongo_schema_validation.W002"))
    return warnings
