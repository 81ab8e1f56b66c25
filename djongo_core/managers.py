"""A manager with djongo 1.x's ``mongo_*`` passthrough to the model's pymongo collection.

djongo's DjongoManager answered ``Entry.objects.mongo_find({...})`` with the pymongo
collection's ``find``. MongoManager does the same, through the connection's executor, so the
call shows in ``connection.queries``, plugins see it (a transaction's session, for one) and
errors become Django's::

    class Entry(models.Model):
        objects = MongoManager()

    Entry.objects.mongo_find({"headline": {"$regex": "^A"}})     # a pymongo cursor
    Entry.objects.using("archive").mongo_count_documents({})
    Entry.objects.mongo_update_many({"n": 1}, {"$inc": {"n": 1}})
    Entry.objects.with_concerns(readPreference="secondary").count()   # docs/concerns.md

The values are pymongo's: documents, not model instances (``djongo_core.raw.raw_aggregate``
reads a pipeline back as instances), without the keys the backend keeps for indexes on
expressions (expression_indexes.py). Writes through these methods are pymongo's too: they do
not compute those keys.
"""

from django.db import connections, models

from djongo_core.command import Command
from djongo_core.concerns import with_concerns
from djongo_core.expression_indexes import hidden_keys

PREFIX = "mongo_"


class MongoQuerySet(models.QuerySet):
    def with_concerns(self, **options):
        """Return a clone whose commands run with these read/write concerns and read
        preference, over the model's MODEL_OPTIONS (docs/concerns.md)."""
        return with_concerns(self, **options)

    def __getattr__(self, name):
        if not name.startswith(PREFIX) or name == PREFIX:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        operation = name[len(PREFIX):]
        model = self.model

        def call(*args, **kwargs):
            # Reads never show the keys kept for indexes on expressions.
            args, kwargs = hiding_keys(model._meta, operation, args, kwargs)
            return connections[self.db].executor.run(
                Command(model._meta.db_table, operation, args, kwargs, model=model))

        call.__name__ = name
        return call


class MongoManager(models.Manager.from_queryset(MongoQuerySet)):
    """A manager whose ``mongo_<method>(...)`` calls pymongo's Collection.<method>."""

    def __getattr__(self, name):
        # from_queryset() copies the QuerySet's methods, not its __getattr__.
        if not name.startswith(PREFIX) or name == PREFIX:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self.get_queryset(), name)


# pymongo methods returning stored documents, and where their projection argument is.
_PROJECTED_READS = {"find": 1, "find_one": 1, "find_one_and_delete": 1,
                    "find_one_and_update": 2, "find_one_and_replace": 2}
_FINAL_STAGES = {"$out", "$merge"}


def hiding_keys(opts, operation, args, kwargs):
    """Return (args, kwargs) of a pymongo read on a model's collection, made to leave out the
    model's hidden keys (a manager's mongo_find, mongo_aggregate...): reads never show them.

    A projection that names what to include already leaves them out; an exclusion, or none,
    gets them added. A pipeline gets a last `$unset`, unless it writes its output ($out,
    $merge)."""
    keys = hidden_keys(opts.model)
    if not keys:
        return args, kwargs
    if operation == "aggregate" and args and isinstance(args[0], (list, tuple)):
        pipeline = list(args[0])
        if not (pipeline and _FINAL_STAGES & set(pipeline[-1])):
            pipeline.append({"$unset": keys})
        return (pipeline, *args[1:]), kwargs
    if operation not in _PROJECTED_READS:
        return args, kwargs
    position = _PROJECTED_READS[operation]
    in_args = len(args) > position
    projection = args[position] if in_args else kwargs.get("projection")
    hidden = _hidden_projection(projection, keys)
    if hidden is projection:
        return args, kwargs
    if in_args:
        return (*args[:position], hidden, *args[position + 1:]), kwargs
    return args, {**kwargs, "projection": hidden}


def _hidden_projection(projection, keys):
    if projection is None:
        return dict.fromkeys(keys, 0)
    if not isinstance(projection, dict):
        return projection  # a list of keys to include
    included = [value for key, value in projection.items()
                if key != "_id" and value not in (0, False)]
    if included:
        return projection
    return {**projection, **dict.fromkeys(keys, 0)}
