"""System checks of the index kinds: misuse reported before migrate sends anything.

Django runs ``Index.check(model, connection)`` for every database a model migrates to (migrate
does, and ``manage.py check --database <alias>``); Django 5.2, which has no Index.check(), runs
the same checks through ``check_all_model_indexes``, a system check of the models. Each problem is a check with an id, naming
the model and the index and saying how to fix it:

- djongo_indexes.E001: a second text index on one collection.
- djongo_indexes.E002: a TTL index on a field that holds no dates.
- djongo_indexes.E003: a hashed index marked unique.
- djongo_indexes.E004: an option the database's MongoDB version cannot honour.
- djongo_indexes.E005: an index kind on a database that is not MongoDB (djongo_core).
- djongo_indexes.E006: the database does not enable the "indexes" plugin.
- djongo_indexes.E007: a text index language MongoDB does not know.
- djongo_indexes.W001: a text index on a field that holds no strings.
- djongo_indexes.W002: a 2dsphere index on a field that holds no GeoJSON documents.
"""

from django.core import checks
from django.core.exceptions import FieldDoesNotExist

DATE_FIELDS = {"DateField", "DateTimeField"}
# Fields whose values a text index can read: strings, or documents/arrays holding strings.
TEXT_FIELDS = {"CharField", "TextField", "SlugField", "EmailField", "URLField", "JSONField"}
# Fields whose values are never GeoJSON documents.
SCALAR_FIELDS = {"AutoField", "BigAutoField", "SmallAutoField", "BigIntegerField",
                 "BinaryField", "BooleanField", "CharField", "DateField", "DateTimeField",
                 "DecimalField", "DurationField", "EmailField", "FloatField", "IntegerField",
                 "PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
                 "SlugField", "SmallIntegerField", "TextField", "TimeField", "URLField",
                 "UUIDField"}


def check_index(index, model, connection):
    """Return the check messages of one index of ``model`` on ``connection``."""
    where = f"{type(index).__name__} {index.name!r} of {model._meta.label}"
    if connection.vendor != "mongodb":
        return [checks.Error(
            f"{where} is a MongoDB index, but database {connection.alias!r} is "
            f"{connection.display_name}.",
            hint="Route the model to a djongo_core database, or use models.Index.",
            obj=model, id="djongo_indexes.E005",
        )]
    errors = []
    if "indexes" not in (connection.settings_dict.get("PLUGINS") or []):
        errors.append(checks.Error(
            f"{where} needs the indexes plugin, which database {connection.alias!r} does not "
            "enable.",
            hint=f"Add \"indexes\" to DATABASES[{connection.alias!r}]['PLUGINS'].",
            obj=model, id="djongo_indexes.E006",
        ))
    errors.extend(_kind_checks(index, model, where))
    errors.extend(_version_check(index, model, connection, where))
    return errors


def check_model_indexes(model, databases):
    """Return the check messages of a model's MongoDB indexes on each database it migrates to,
    as Django 6.0 and later gather them through Index.check()."""
    from django.db import connections, router

    from djongo_indexes.indexes import MongoIndex

    errors = []
    for alias in databases or ():
        if not router.allow_migrate_model(alias, model):
            continue
        for index in model._meta.indexes:
            if isinstance(index, MongoIndex):
                errors.extend(index.check(model, connections[alias]))
    return errors


def check_all_model_indexes(app_configs=None, databases=None, **kwargs):
    """The system check that runs the index checks on Django 5.2, which never calls
    Index.check() (indexes.py registers it there only)."""
    from django.apps import apps

    configs = apps.get_app_configs() if app_configs is None else app_configs
    return [error for config in configs for model in config.get_models()
            for error in check_model_indexes(model, databases)]


def _kind_checks(index, model, where):
    from djongo_indexes.indexes import (
        TEXT_LANGUAGES,
        HashedIndex,
        TextIndex,
        TTLIndex,
        TwoDSphereIndex,
    )

    if isinstance(index, TwoDSphereIndex):
        for name in index.fields:
            field = _field(model, name)
            if field is not None and field.get_internal_type() in SCALAR_FIELDS:
                yield checks.Warning(
                    f"{where} includes {name!r}, a {field.get_internal_type()}; a 2dsphere "
                    "index needs GeoJSON documents ({'type': 'Point', 'coordinates': [...]}), "
                    "and MongoDB refuses to save a value it cannot read as one.",
                    hint="Store locations in a JSONField (or a geo field) as GeoJSON.",
                    obj=model, id="djongo_indexes.W002",
                )
    elif isinstance(index, TextIndex):
        yield from _text_checks(index, model, where, TextIndex, TEXT_LANGUAGES)
    elif isinstance(index, TTLIndex):
        field = _field(model, index.fields[0])
        if field is not None and field.get_internal_type() not in DATE_FIELDS:
            yield checks.Error(
                f"{where} is on {field.name!r}, a {field.get_internal_type()}; MongoDB expires "
                "documents only by a date, so this index would never delete anything.",
                hint="Put the TTLIndex on a DateTimeField or DateField.",
                obj=model, id="djongo_indexes.E002",
            )
    elif isinstance(index, HashedIndex) and index.unique:
        yield checks.Error(
            f"{where} is marked unique; MongoDB cannot enforce uniqueness with a hashed index.",
            hint="Remove unique=True, and add a unique CompoundIndex or UniqueConstraint on the "
                 "field if its values must be unique.",
            obj=model, id="djongo_indexes.E003",
        )


def _text_checks(index, model, where, text_index_class, languages):
    text_indexes = [other for other in model._meta.indexes if isinstance(other, text_index_class)]
    if len(text_indexes) > 1 and text_indexes[0] is not index:
        yield checks.Error(
            f"{where} is a second text index on collection {model._meta.db_table!r} (the first "
            f"is {text_indexes[0].name!r}); a MongoDB collection has at most one.",
            hint="Merge them into one TextIndex listing every field, with weights to rank them.",
            obj=model, id="djongo_indexes.E001",
        )
    language = index.default_language
    if language is not None and language not in languages and language not in languages.values():
        yield checks.Error(
            f"{where} has default_language {language!r}, which MongoDB's text search does not "
            "know.",
            hint=f"Use one of {', '.join(sorted(languages))} (or its ISO 639-1 code).",
            obj=model, id="djongo_indexes.E007",
        )
    for name in index.fields:
        field = _field(model, name)
        if field is not None and field.get_internal_type() not in TEXT_FIELDS:
            yield checks.Warning(
                f"{where} includes {name!r}, a {field.get_internal_type()}; a text index reads "
                "only strings, so its values are never found by a text search.",
                hint="Leave the field out of the TextIndex.",
                obj=model, id="djongo_indexes.W001",
            )


def _version_check(index, model, connection, where):
    needed, feature = index.required_server_version()
    try:
        running = tuple(connection.get_database_version())
    except Exception:  # noqa: BLE001 - no server to ask: the check cannot apply
        return []
    if running[:2] >= needed:
        return []
    return [checks.Error(
        f"{where} uses {feature}, which needs MongoDB {needed[0]}.{needed[1]} or newer; "
        f"database {connection.alias!r} runs {'.'.join(map(str, running))}.",
        hint="Upgrade the server, or remove the option from the index.",
        obj=model, id="djongo_indexes.E004",
    )]


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # models.E012, which Django reports
        return None
