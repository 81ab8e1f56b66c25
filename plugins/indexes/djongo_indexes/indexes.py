"""MongoDB's index kinds as Django index classes, for a model's Meta.indexes.

Each class is a ``django.db.models.Index``: makemigrations tracks it through ``deconstruct()``, and
migrate creates and drops it through ``create_sql()`` and ``remove_sql()``, which on djongo-core
return the Command that runs ``createIndexes`` or ``dropIndexes`` (Django's extension point for
index kinds; the core needs no hook for them). Misuse is reported by ``check()``, which Django
runs for every database a model migrates to (see checks.py).
"""

import datetime

from django.core.checks import Tags, register
from django.db.models import Index

from djongo_core.plugins import Command, compile_partial_filter, stored_name
from djongo_indexes import checks

# The languages MongoDB's text indexes know, by name and by ISO 639-1 code ("none" turns
# stemming and stop words off).
TEXT_LANGUAGES = {
    "danish": "da", "dutch": "nl", "english": "en", "finnish": "fi", "french": "fr",
    "german": "de", "hungarian": "hu", "italian": "it", "norwegian": "nb",
    "portuguese": "pt", "romanian": "ro", "russian": "ru", "spanish": "es", "swedish": "sv",
    "turkish": "tr", "none": "none",
}


class MongoIndex(Index):
    """What the index kinds share: keys on model fields, a name, an optional partial filter.

    ``condition`` is a Q on the model's own fields, stored as the index's
    ``partialFilterExpression``; as with ``models.Index`` it needs an explicit ``name``.
    """

    # MongoDB allows long index names; Django's own limit (30, for Oracle) would refuse
    # names that MongoDB takes. Unnamed indexes still get Django's 30-character names.
    max_name_length = 127
    #: The oldest MongoDB (major, minor) that builds this kind of index.
    server_version = (3, 4)

    def __init__(self, *, fields=(), name=None, condition=None):
        super().__init__(fields=fields, name=name, condition=condition)

    # -- what MongoDB is sent -------------------------------------------------------------------

    def keys(self, model):
        """Return the index's key pattern as [(document key, 1 | -1 | kind), ...]."""
        return [(self._stored(model, name), -1 if order == "DESC" else 1)
                for name, order in self.fields_orders]

    def options(self, model, schema_editor):
        """Return the createIndexes options besides the key pattern."""
        options = {"name": self.name}
        if self.condition is not None:
            what = f"{type(self).__name__} {self.name!r} on {model._meta.label}"
            partial = compile_partial_filter(schema_editor.connection, model, self.condition,
                                             what)
            if partial:
                options["partialFilterExpression"] = partial
        return options

    def required_server_version(self):
        """Return ((major, minor), what needs it) for the newest feature this index uses."""
        return self.server_version, f"{type(self).__name__}"

    def create_sql(self, model, schema_editor, using="", **kwargs):
        return Command(model._meta.db_table, "create_index", (self.keys(model),),
                       self.options(model, schema_editor))

    def remove_sql(self, model, schema_editor, **kwargs):
        return Command(model._meta.db_table, "drop_index", (self.name,))

    # -- Django's index protocol -----------------------------------------------------------------

    def deconstruct(self):
        _, _, kwargs = super().deconstruct()
        # Import from the package root, so migrations do not depend on this module's name.
        return f"djongo_indexes.{type(self).__name__}", (), kwargs

    def check(self, model, connection):
        # Index.check() is Django 6.0's; on 5.2 there is nothing of Django's to add.
        inherited = getattr(super(), "check", None)
        return [*(inherited(model, connection) if inherited else ()),
                *checks.check_index(self, model, connection)]

    @staticmethod
    def _stored(model, field_name):
        return stored_name(model._meta.get_field(field_name))


class TextIndex(MongoIndex):
    """A text index over one or more string fields, for text search (``TextSearch``).

    ``weights`` maps field names to their relevance (1 to 99999, 1 for fields left out);
    ``default_language`` chooses stemming and stop words, and ``language_override`` names the
    document key holding a per-document language. A collection has at most one text index.
    """

    suffix = "txt"

    def __init__(self, *, fields, weights=None, default_language=None, language_override=None,
                 name=None, condition=None):
        if any(name.startswith("-") for name in fields):
            raise ValueError("TextIndex.fields have no direction; remove the '-'.")
        self.weights = dict(weights or {})
        unknown = set(self.weights) - set(fields)
        if unknown:
            raise ValueError(f"TextIndex.weights names {sorted(unknown)}, which are not among "
                             "its fields.")
        if any(not isinstance(w, int) or isinstance(w, bool) or not 1 <= w <= 99999
               for w in self.weights.values()):
            raise ValueError("TextIndex.weights must be whole numbers from 1 to 99999.")
        self.default_language = default_language
        self.language_override = language_override
        super().__init__(fields=fields, name=name, condition=condition)

    def keys(self, model):
        return [(self._stored(model, name), "text") for name in self.fields]

    def options(self, model, schema_editor):
        options = super().options(model, schema_editor)
        if self.weights:
            options["weights"] = {self._stored(model, name): weight
                                  for name, weight in self.weights.items()}
        if self.default_language is not None:
            options["default_language"] = self.default_language
        if self.language_override is not None:
            options["language_override"] = self.language_override
        return options

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        if self.weights:
            kwargs["weights"] = self.weights
        if self.default_language is not None:
            kwargs["default_language"] = self.default_language
        if self.language_override is not None:
            kwargs["language_override"] = self.language_override
        return path, args, kwargs


class TwoDSphereIndex(MongoIndex):
    """A 2dsphere index on GeoJSON fields, for $near, $geoWithin and $geoIntersects queries."""

    suffix = "geo"

    def __init__(self, *, fields, name=None, condition=None):
        if any(field.startswith("-") for field in fields):
            raise ValueError("TwoDSphereIndex.fields have no direction; remove the '-'.")
        super().__init__(fields=fields, name=name, condition=condition)

    def keys(self, model):
        return [(self._stored(model, name), "2dsphere") for name in self.fields]


class CompoundIndex(MongoIndex):
    """An index on one or more fields, each ascending or descending ("-field").

    Beyond ``models.Index``: ``unique``, ``sparse`` (leave out documents without the keys),
    ``collation`` (a MongoDB collation document, e.g. ``{"locale": "en", "strength": 2}`` for
    case-insensitive comparisons) and ``hidden`` (kept up to date but not used by queries).
    """

    suffix = "cmp"

    def __init__(self, *, fields, unique=False, sparse=False, collation=None, hidden=False,
                 name=None, condition=None):
        if collation is not None and not (isinstance(collation, dict) and "locale" in collation):
            raise ValueError("CompoundIndex.collation must be a dict with a 'locale', e.g. "
                             "{'locale': 'en', 'strength': 2}.")
        if sparse and condition is not None:
            raise ValueError("CompoundIndex takes sparse=True or a condition, not both: MongoDB "
                             "refuses the two together (a condition is the finer tool).")
        self.unique = unique
        self.sparse = sparse
        self.collation = dict(collation) if collation else None
        self.hidden = hidden
        super().__init__(fields=fields, name=name, condition=condition)

    def options(self, model, schema_editor):
        options = super().options(model, schema_editor)
        if self.unique:
            options["unique"] = True
        if self.sparse:
            options["sparse"] = True
        if self.collation:
            options["collation"] = self.collation
        if self.hidden:
            options["hidden"] = True
        return options

    def required_server_version(self):
        if self.hidden:
            return (4, 4), "CompoundIndex(hidden=True)"
        return super().required_server_version()

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        for option in ("unique", "sparse", "hidden"):
            if getattr(self, option):
                kwargs[option] = True
        if self.collation:
            kwargs["collation"] = self.collation
        return path, args, kwargs


class HashedIndex(MongoIndex):
    """A hashed index on one field: equality queries and hashed sharding keys.

    MongoDB cannot enforce uniqueness through a hashed index; ``unique=True`` is accepted so
    that the check can say so (djongo_indexes.E003) rather than fail at migrate.
    """

    suffix = "hsh"

    def __init__(self, *, fields, unique=False, name=None, condition=None):
        if len(fields) != 1 or fields[0].startswith("-"):
            raise ValueError("HashedIndex takes exactly one field, without a direction.")
        self.unique = unique
        super().__init__(fields=fields, name=name, condition=condition)

    def keys(self, model):
        return [(self._stored(model, self.fields[0]), "hashed")]

    def options(self, model, schema_editor):
        options = super().options(model, schema_editor)
        if self.unique:
            options["unique"] = True
        return options

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        if self.unique:
            kwargs["unique"] = True
        return path, args, kwargs


class TTLIndex(MongoIndex):
    """An index on a date field after which MongoDB deletes each document.

    A document expires ``expire_after`` (seconds, or a ``timedelta``) after the date its field
    holds; MongoDB's monitor removes expired documents about once a minute.
    """

    suffix = "ttl"

    def __init__(self, *, fields, expire_after, name=None, condition=None):
        if len(fields) != 1 or fields[0].startswith("-"):
            raise ValueError("TTLIndex takes exactly one (date) field, without a direction: "
                             "MongoDB expires documents only through single-field indexes.")
        if isinstance(expire_after, datetime.timedelta):
            expire_after = expire_after.total_seconds()
            if expire_after != int(expire_after):
                raise ValueError("TTLIndex.expire_after must be whole seconds.")
            expire_after = int(expire_after)
        if not isinstance(expire_after, int) or isinstance(expire_after, bool) or not (
            0 <= expire_after <= 2**31 - 1
        ):
            raise ValueError("TTLIndex.expire_after must be whole seconds from 0 to 2147483647 "
                             "(or a timedelta).")
        self.expire_after = expire_after
        super().__init__(fields=fields, name=name, condition=condition)

    def options(self, model, schema_editor):
        return {**super().options(model, schema_editor), "expireAfterSeconds": self.expire_after}

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs["expire_after"] = self.expire_after
        return path, args, kwargs


class WildcardIndex(MongoIndex):
    """An index on every key below a field (``fields=["attributes"]``: ``attributes.$**``), or
    on every key of the document (no fields, a ``name``, and optionally a
    ``wildcard_projection`` such as ``{"attributes": 1}`` to include or exclude keys)."""

    suffix = "wc"
    server_version = (4, 2)

    def __init__(self, *, fields=(), wildcard_projection=None, name=None, condition=None):
        if len(fields) > 1 or any(field.startswith("-") for field in fields):
            raise ValueError("WildcardIndex takes at most one field, without a direction.")
        if fields and wildcard_projection:
            raise ValueError("WildcardIndex.wildcard_projection applies to a whole-document "
                             "index only; leave out fields.")
        if not fields and not name:
            raise ValueError("A whole-document WildcardIndex must be named.")
        self.wildcard_projection = dict(wildcard_projection) if wildcard_projection else None
        if fields:
            super().__init__(fields=fields, name=name, condition=condition)
        else:
            # A whole-document wildcard has no field, which models.Index() refuses; the
            # attributes Django reads are set here instead.
            self.fields, self.fields_orders, self.expressions = [], [], ()
            self.name, self.condition = name, condition
            self.db_tablespace, self.opclasses, self.include = None, (), ()

    def keys(self, model):
        if not self.fields:
            return [("$**", 1)]
        return [(self._stored(model, self.fields[0]) + ".$**", 1)]

    def options(self, model, schema_editor):
        options = super().options(model, schema_editor)
        if self.wildcard_projection:
            options["wildcardProjection"] = self.wildcard_projection
        return options

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        if self.wildcard_projection:
            kwargs["wildcard_projection"] = self.wildcard_projection
        return path, args, kwargs


# Django 5.2 never calls Index.check(): there, the same checks run as a system check of the models.
if not hasattr(Index, "check"):
    register(checks.check_all_model_indexes, Tags.models)
