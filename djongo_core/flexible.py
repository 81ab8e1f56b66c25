"""Flexible-schema mode: models whose stored documents may lag behind their fields.

Prototyping on MongoDB means adding a field to a model and using it before any migration
backfills the documents stored so far (djongo 1.x's ``ENFORCE_SCHEMA: False``). For the models
this mode covers (``FLEXIBLE_SCHEMA``: True for every model of the database, or a list of app
labels and model labels):

- a document without a field's key reads as the field's default (``default``, else
  ``db_default``, else what Django gives a new instance: "" for text, None otherwise);
- a value of another type is converted the way Django's field converts form input
  (``to_python``: "42" for an IntegerField reads as 42); a value it cannot convert fails with a
  DataError naming the model, the field, the collection and the value;
- keys that no field names are left in the documents: saves only ``$set`` the model's fields.

``manage.py schemadrift`` reports how far the documents are from the models, for the day the
prototype is migrated. Other models keep the strict reading: a missing key reads as None.
"""

import datetime

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import DataError, NotSupportedError
from django.db.models import Value
from django.db.models.expressions import DatabaseDefault
from django.db.models.functions import Now
from django.utils import timezone

from djongo_core.keys import DJONGO_1_HINT, is_counted_key

# Fields whose to_python() turns a stored value of another type into theirs. The others
# (JSON, embedded documents, arrays, durations, files...) read any stored value as it is.
CONVERTED_TYPES = frozenset({
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
    "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
    "PositiveSmallIntegerField", "FloatField", "DecimalField", "BooleanField", "CharField",
    "TextField", "SlugField", "EmailField", "URLField", "GenericIPAddressField", "DateField",
    "DateTimeField", "TimeField", "UUIDField", "ForeignKey", "OneToOneField",
})


class FlexibleSchema:
    """The FLEXIBLE_SCHEMA setting of one database: which models read flexibly."""

    def __init__(self, alias, setting):
        self.alias = alias
        where = f"DATABASES[{alias!r}]['FLEXIBLE_SCHEMA']"
        if isinstance(setting, bool):
            self.everything, self._labels = setting, frozenset()
        elif isinstance(setting, (list, tuple)) and all(isinstance(x, str) for x in setting):
            self.everything, self._labels = False, frozenset(x.lower() for x in setting)
        else:
            raise ImproperlyConfigured(
                f"{where} must be True, False or a list of app labels and model labels "
                f"('shop', 'shop.Order'), not {setting!r}.")
        self._checked = not self._labels
        self._covered = {}

    @property
    def enabled(self):
        return self.everything or bool(self._labels)

    def covers(self, model):
        """Return True when ``model``'s documents read flexibly."""
        if self.everything:
            return True
        if not self._labels or model is None:
            return False
        if not self._checked:
            self._check_labels()
        meta = model._meta
        return meta.label_lower in self._labels or meta.app_label in self._labels

    def _check_labels(self):
        # On first use, once every app is loaded: a misspelt label would silently leave its
        # models strict.
        known = {config.label for config in apps.get_app_configs()}
        known |= {model._meta.label_lower for model in apps.get_models()}
        for label in self._labels:
            if label not in known:
                raise ImproperlyConfigured(
                    f"DATABASES[{self.alias!r}]['FLEXIBLE_SCHEMA'] names {label!r}, which is "
                    "neither an installed app label nor a model label ('app_label.ModelName').")
        self._checked = True


def missing_value(field):
    """Return what a document without ``field``'s key reads as, in flexible mode."""
    value = field.get_default()
    if not isinstance(value, DatabaseDefault):
        return value
    default = field.db_default
    if isinstance(default, Value):
        return default.value
    if isinstance(default, Now):
        return timezone.now()
    if not hasattr(default, "resolve_expression"):
        return default
    raise NotSupportedError(
        f"{field.model._meta.label}.{field.name} has db_default={default!r}, which the backend "
        "cannot compute for a document stored without it; give the field a Python default, "
        f"or migrate to backfill collection {field.model._meta.db_table!r}.")


def flexible_row(columns, document):
    """Read a document's row as QueryPlan.rows() does, with ("field", (key, field)) columns
    whose missing keys read as the field's default."""
    row = []
    for kind, ref in columns:
        if kind == "key":
            row.append(document.get(ref))
        elif kind == "value":
            row.append(ref)
        else:
            key, field = ref
            row.append(document[key] if key in document else missing_value(field))
    return row


def converter_for(field, backend_converters):
    """Return one converter that runs the backend's converters for ``field`` and then makes
    the value the field's type, or fails naming the field."""
    converts = field.get_internal_type() in CONVERTED_TYPES

    def convert(value, expression, connection):
        if value is None:
            return None
        stored = value
        try:
            for backend_converter in backend_converters:
                value = backend_converter(value, expression, connection)
            return _as_field_type(field, value, connection) if converts else value
        except (ValidationError, ValueError, TypeError, ArithmeticError) as error:
            meta = field.model._meta
            raise DataError(
                f"{meta.label}.{field.name} cannot read the value {stored!r} stored in "
                f"collection {meta.db_table!r} as a {field.get_internal_type()}: "
                f"{_reason(error).rstrip('.')}. Fix the document, or list such values with "
                "`manage.py schemadrift`."
                + (DJONGO_1_HINT if is_counted_key(field) else "")) from error

    return convert


def _as_field_type(field, value, connection):
    value = field.to_python(value)
    if settings.USE_TZ and isinstance(value, datetime.datetime) and timezone.is_naive(value):
        # A string read from a document is taken as stored datetimes are: UTC, or the
        # wall-clock time of the database's TIME_ZONE (compiler/wall_clock.py).
        value = value.replace(tzinfo=connection.timezone)
    return value


def _reason(error):
    if isinstance(error, ValidationError):
        return "; ".join(str(message) for message in error.messages)
    return str(error)
