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
reads a pipeline back as instances).
"""

from django.db import connections, models

from djongo_core.command import Command
from djongo_core.concerns import with_concerns
from djongo_core.expression_indexes import hiding_keys

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
