"""MongoDB Search and Vector Search indexes as Django index classes, for a model's Meta.indexes.

They are ``django.db.models.Index`` subclasses, so makemigrations tracks them; migrate runs
``createSearchIndexes`` and ``dropSearchIndex`` from ``create_sql()``/``remove_sql()``, and
``AlterSearchIndex`` (operations.py) runs ``updateSearchIndex``. MongoDB builds search indexes
asynchronously: the plugin waits until an index is queryable (waiting.py).

    class Article(models.Model):
        title = models.CharField(max_length=200)
        body = models.TextField()
        embedding = VectorField(dimensions=768)
        class Meta:
            indexes = [
                SearchIndex(fields=["title", "body"], autocomplete=["title"],
                            analyzer="lucene.english", name="article_search"),
                VectorSearchIndex(fields=["embedding"], filters=["category"],
                                  similarity="cosine", name="article_vectors"),
            ]
"""

from django.core.checks import Tags, register
from django.db import NotSupportedError
from django.db.models import Index

from djongo_core.plugins import Command, stored_name
from djongo_search import checks
from djongo_search.fields import VectorField

SIMILARITIES = ("cosine", "dotProduct", "euclidean")
# Field mappings MongoDB Search derives from a model field's type (Django's internal type).
MAPPING_TYPES = {
    "CharField": "string", "TextField": "string", "SlugField": "string",
    "EmailField": "string", "URLField": "string",
    "IntegerField": "number", "BigIntegerField": "number", "SmallIntegerField": "number",
    "PositiveIntegerField": "number", "PositiveBigIntegerField": "number",
    "PositiveSmallIntegerField": "number", "FloatField": "number", "DecimalField": "number",
    "AutoField": "number", "BigAutoField": "number", "SmallAutoField": "number",
    "DateField": "date", "DateTimeField": "date", "BooleanField": "boolean",
    "ObjectIdField": "objectId", "ObjectIdAutoField": "objectId",
    "ForeignKey": "number", "OneToOneField": "number",
}
STRING_TYPES = {"string"}


class SearchIndexBase(Index):
    """What both kinds share: one named index on the model's collection, created and dropped
    by commands of the database (MongoDB's search index commands take the collection)."""

    index_type = None
    # MongoDB's search index names may be long; Django's default limit (30) is Oracle's.
    max_name_length = 127

    def __init__(self, *, fields, name):
        if not name:
            raise ValueError(f"{type(self).__name__} needs a name: queries and "
                             "updateSearchIndex find search indexes by name.")
        super().__init__(fields=fields, name=name)

    def definition(self, model):
        raise NotImplementedError

    def create_sql(self, model, schema_editor, using="", **kwargs):
        return Command(None, "command", ({
            "createSearchIndexes": model._meta.db_table,
            "indexes": [{"name": self.name, "type": self.index_type,
                         "definition": self.definition(model)}],
        },), model=model)

    def update_sql(self, model):
        """The command giving the existing index of this name this index's definition."""
        return Command(None, "command", ({
            "updateSearchIndex": model._meta.db_table, "name": self.name,
            "definition": self.definition(model),
        },), model=model)

    def remove_sql(self, model, schema_editor, **kwargs):
        return Command(None, "command", ({
            "dropSearchIndex": model._meta.db_table, "name": self.name,
        },), model=model)

    def deconstruct(self):
        _, args, kwargs = super().deconstruct()
        # Import from the package root, so migrations do not depend on this module's name.
        return f"djongo_search.{type(self).__name__}", args, kwargs

    def check(self, model, connection):
        # Index.check() is Django 6.0's; on 5.2 there is nothing of Django's to add.
        inherited = getattr(super(), "check", None)
        return [*(inherited(model, connection) if inherited else ()),
                *checks.check_index(self, model, connection)]

    def _field(self, model, name, role):
        try:
            return model._meta.get_field(name)
        except Exception:  # FieldDoesNotExist
            raise NotSupportedError(f"{type(self).__name__} {self.name!r} on "
                                    f"{model._meta.label} names {role} {name!r}, which is not "
                                    "a field of the model.") from None


class SearchIndex(SearchIndexBase):
    """A MongoDB Search (Lucene) index over model fields, for full-text queries.

    :param fields: the fields to index (text fields as ``string``, numbers, dates, booleans
        and ObjectIds as MongoDB Search maps them); empty with ``dynamic=True`` indexes every
        field.
    :param autocomplete: text fields also indexed for ``Autocomplete`` (edge n-grams of
        ``min_grams`` to ``max_grams`` characters).
    :param analyzer: the analyzer of text fields (``lucene.standard`` by default;
        ``lucene.english`` stems English words), ``search_analyzer`` the one for query text.
    :param field_mappings: {field name: MongoDB mapping or list of mappings} replacing the
        derived mapping of a field, for what the arguments above do not say.
    :param dynamic: index every field of the documents as well (MongoDB's dynamic mappings).
    """

    index_type = "search"

    def __init__(self, *, fields=(), name, autocomplete=(), analyzer=None, search_analyzer=None,
                 field_mappings=None, dynamic=False, min_grams=2, max_grams=15):
        if not fields and not dynamic:
            raise ValueError("SearchIndex needs fields to index, or dynamic=True.")
        missing = set(autocomplete) - set(fields)
        if missing:
            raise ValueError(f"SearchIndex.autocomplete names {sorted(missing)}, which are not "
                             "among its fields.")
        if not 1 <= min_grams <= max_grams <= 15:
            raise ValueError("SearchIndex needs 1 <= min_grams <= max_grams <= 15 (MongoDB's "
                             "autocomplete limits).")
        self.autocomplete = list(autocomplete)
        self.analyzer = analyzer
        self.search_analyzer = search_analyzer
        self.field_mappings = dict(field_mappings or {})
        self.dynamic = bool(dynamic)
        self.min_grams, self.max_grams = min_grams, max_grams
        super().__init__(fields=list(fields), name=name)

    def definition(self, model):
        mapped = {}
        for name in self.fields:
            field = self._field(model, name, "the field")
            mapped[stored_name(field)] = self.field_mappings.get(name) or self._mapping(
                model, field)
        definition = {"mappings": {"dynamic": self.dynamic, "fields": mapped}}
        if self.analyzer:
            definition["analyzer"] = self.analyzer
        if self.search_analyzer:
            definition["searchAnalyzer"] = self.search_analyzer
        return definition

    def _mapping(self, model, field):
        kind = MAPPING_TYPES.get(field.get_internal_type())
        if kind is None:
            raise NotSupportedError(
                f"SearchIndex {self.name!r} on {model._meta.label}: MongoDB Search has no "
                f"mapping for {field.name} ({type(field).__name__}). Leave it out, or give "
                f"field_mappings={{{field.name!r}: {{'type': ...}}}}.")
        if field.name not in self.autocomplete:
            return {"type": kind}
        if kind not in STRING_TYPES:
            raise NotSupportedError(f"SearchIndex {self.name!r} on {model._meta.label}: "
                                    f"autocomplete applies to text fields, not {field.name}.")
        return [{"type": "string"}, {"type": "autocomplete", "minGrams": self.min_grams,
                                     "maxGrams": self.max_grams, "foldDiacritics": True}]

    def paths(self, model, operator):
        """The stored names an operator may search: the text fields (autocomplete: those
        indexed for it), or with dynamic mappings every field."""
        return None if self.dynamic else {
            stored_name(model._meta.get_field(name))
            for name in (self.autocomplete if operator == "autocomplete" else self.fields)}

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        if not self.fields:
            kwargs.pop("fields", None)
        for key, default in (("autocomplete", []), ("analyzer", None),
                             ("search_analyzer", None), ("field_mappings", {}),
                             ("dynamic", False), ("min_grams", 2), ("max_grams", 15)):
            value = getattr(self, key)
            if value != default:
                kwargs[key] = value
        return path, args, kwargs


class VectorSearchIndex(SearchIndexBase):
    """A MongoDB Vector Search index over VectorFields, for ``VectorSearch``.

    :param fields: the VectorFields (their ``dimensions`` give ``numDimensions``).
    :param filters: fields a VectorSearch(filter=Q(...)) may test before the search; MongoDB
        refuses a pre-filter on any other field.
    :param similarity: ``cosine`` (the default), ``dotProduct`` (vectors of length 1) or
        ``euclidean``.
    """

    index_type = "vectorSearch"

    def __init__(self, *, fields, name, filters=(), similarity="cosine"):
        if not fields:
            raise ValueError("VectorSearchIndex needs the VectorFields to index.")
        if similarity not in SIMILARITIES:
            raise ValueError(f"VectorSearchIndex.similarity is one of {SIMILARITIES}, not "
                             f"{similarity!r}.")
        self.filters = list(filters)
        self.similarity = similarity
        super().__init__(fields=list(fields), name=name)

    def definition(self, model):
        vectors = []
        for name in self.fields:
            field = self._field(model, name, "the vector field")
            if not isinstance(field, VectorField):
                raise NotSupportedError(
                    f"VectorSearchIndex {self.name!r} on {model._meta.label} indexes "
                    f"{name}, a {type(field).__name__}; it indexes VectorFields only.")
            vectors.append({"type": "vector", "path": stored_name(field),
                            "numDimensions": field.dimensions, "similarity": self.similarity})
        filters = [{"type": "filter", "path": stored_name(self._field(model, name, "the filter"))}
                   for name in self.filters]
        return {"fields": [*vectors, *filters]}

    def filter_paths(self, model):
        return {stored_name(model._meta.get_field(name)): name for name in self.filters}

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        if self.filters:
            kwargs["filters"] = self.filters
        if self.similarity != "cosine":
            kwargs["similarity"] = self.similarity
        return path, args, kwargs


def search_indexes(model, kind=SearchIndexBase):
    """The search indexes of a model's Meta.indexes, of one kind."""
    return [index for index in model._meta.indexes if isinstance(index, kind)]


# Django 5.2 never calls Index.check(): there, the same checks run as a system check of the models.
if not hasattr(Index, "check"):
    register(checks.check_all_model_indexes, Tags.models)

