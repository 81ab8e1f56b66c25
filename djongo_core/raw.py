"""The raw escape hatch: an aggregation pipeline written by hand, read back as model instances.

    from djongo_core.raw import raw_aggregate
    books = raw_aggregate(Book, [{"$match": {"pages": {"$gt": 100}}}, {"$sort": {"title": 1}}])

It is Django's RawQuerySet (the same one `Model.objects.raw()` returns on SQL databases) over a
pipeline run on the model's collection: documents become instances, fields the pipeline leaves
out are deferred (loaded on access), extra keys become attributes, and `_id` is the primary key.
The pipeline is sent as written: user values in it are never parsed or rewritten.
"""

from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS
from django.db.models.query import RawQuerySet

from djongo_core.command import Command
from djongo_core.documents import stored_name


@dataclass(frozen=True)
class RawAggregate:
    """An aggregate command for the backend's cursor; columns are the keys rows are read as."""

    collection: str
    pipeline: list
    columns: tuple = field(default=())

    def command(self):
        return Command(self.collection, "aggregate", (self.pipeline,))

    def as_mql(self):
        return self.command().as_mql()

    def __mod__(self, params):
        # RawQuery renders its query with `sql % params`; a pipeline has no parameters.
        return self.as_mql()

    def __str__(self):
        return self.as_mql()


def raw_aggregate(model, pipeline, using=None, translations=None):
    """Return a RawQuerySet of model instances for pipeline run on model's collection."""
    if not isinstance(pipeline, (list, tuple)) or not all(isinstance(s, dict) for s in pipeline):
        raise TypeError(
            f"raw_aggregate() takes an aggregation pipeline: a list of stage documents such as "
            f'[{{"$match": {{...}}}}], not {type(pipeline).__name__}.'
        )
    opts = model._meta
    columns = tuple(stored_name(f) for f in opts.concrete_fields)
    query = RawAggregate(opts.db_table, list(pipeline), columns)
    # The primary key is stored as _id; RawQuerySet matches columns by the field's column.
    names = {"_id": opts.pk.column, **(translations or {})}
    return RawQuerySet(query, model=model, translations=names, using=using or DEFAULT_DB_ALIAS)
