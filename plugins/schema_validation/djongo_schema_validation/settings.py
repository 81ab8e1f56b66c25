"""The plugin's settings: the database's SCHEMA_VALIDATION key, and a model's SchemaValidation
constraint over it.

    DATABASES["default"]["SCHEMA_VALIDATION"] = {
        "models": "all",              # or "declared": only models with a SchemaValidation
        "level": "strict",            # MongoDB's validationLevel: strict, moderate or off
        "action": "error",            # MongoDB's validationAction: error or warn
        "additional_properties": True,  # False: keys the model does not know are refused
        "validate_on_save": False,    # True: full_clean() (fields and clean()) before every save()
        "check_references": False,    # True: a write naming a missing ForeignKey target is refused
    }
"""

from dataclasses import dataclass, replace
from weakref import WeakKeyDictionary

from django.core.exceptions import ImproperlyConfigured

from djongo_core.plugins import plugin_setting, setting_path

SETTINGS_KEY = "SCHEMA_VALIDATION"
LEVELS = ("strict", "moderate", "off")
ACTIONS = ("error", "warn")
MODELS = ("all", "declared")


@dataclass(frozen=True)
class Validation:
    """What applies to one model's collection (or, for the database, to every model)."""

    level: str = "strict"
    action: str = "error"
    additional_properties: bool = True
    validate_on_save: bool = False
    check_references: bool = False


@dataclass(frozen=True)
class DatabaseSettings:
    models: str = "all"
    validation: Validation = Validation()


_cache = WeakKeyDictionary()


def database_settings(connection):
    """Return the connection's SCHEMA_VALIDATION settings, checked once per connection."""
    found = _cache.get(connection)
    if found is None:
        found = _cache[connection] = _read(connection.alias, connection.settings_dict)
    return found


def _read(alias, settings_dict):
    where = setting_path(alias, SETTINGS_KEY)
    raw = plugin_setting(alias, settings_dict, SETTINGS_KEY,
                         {"models", *Validation.__dataclass_fields__})
    models = raw.get("models", "all")
    if models not in MODELS:
        raise ImproperlyConfigured(f"{where}['models'] must be 'all' or 'declared', not {models!r}.")
    values = {key: raw[key] for key in Validation.__dataclass_fields__ if key in raw}
    check_values(values, f"{where}[...]", ImproperlyConfigured)
    return DatabaseSettings(models, Validation(**values))


def check_values(values, where, error):
    """Refuse a level, action or flag MongoDB (or this plugin) does not know."""
    if values.get("level", "strict") not in LEVELS:
        raise error(f"{where}: level must be one of {', '.join(LEVELS)}, not {values['level']!r}.")
    if values.get("action", "error") not in ACTIONS:
        raise error(f"{where}: action must be 'error' or 'warn', not {values['action']!r}.")
    for flag in ("additional_properties", "validate_on_save", "check_references"):
        if flag in values and not isinstance(values[flag], bool):
            raise error(f"{where}: {flag} must be True or False, not {values[flag]!r}.")


def declared(model):
    """Return the model's SchemaValidation constraint, or None."""
    from djongo_schema_validation.constraints import SchemaValidation

    for constraint in model._meta.constraints:
        if isinstance(constraint, SchemaValidation):
            return constraint
    return None


def model_validation(connection, model):
    """Return the Validation that applies to the model's collection, or None when the model
    has no validator (not managed, opted out, or not declared with models="declared")."""
    opts = model._meta
    if not opts.managed or opts.proxy or opts.swapped:
        return None
    settings = database_settings(connection)
    constraint = declared(model)
    if constraint is None:
        return settings.validation if settings.models == "all" else None
    if not constraint.enabled:
        return None
    return replace(settings.validation, **constraint.overrides())


def is_enabled(connection):
    """Whether the plugin is enabled on this connection's database."""
    return (connection.vendor == "mongodb"
            and "schema_validation" in connection.plugin_host.names)
