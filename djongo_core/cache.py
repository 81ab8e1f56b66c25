"""Django's cache on a MongoDB collection, in place of DatabaseCache (which runs SQL).

    CACHES = {"default": {"BACKEND": "djongo_core.cache.MongoDBCache",
                          "LOCATION": "django_cache"}}

LOCATION names the collection; the database is the one the routers give a model whose
db_table it is (db_for_read/db_for_write, app label "django_cache", as for DatabaseCache), the
default database without routers. Each entry is one document:

    {"_id": "<key>", "value": Binary(<pickled value>), "expires": <UTC date>}

- A TTL index on "expires" lets the server delete expired entries itself (its monitor runs
  about once a minute); until then reads skip them. No createcachetable is needed: the
  collection and the index are made on the first write of the process (createindexes is a
  no-op when the index is there).
- Every operation is one command, and add() is atomic across processes: an upsert that can
  only match an expired entry, so a live one makes it a duplicate key, i.e. False.
- MAX_ENTRIES and CULL_FREQUENCY work as for DatabaseCache: past MAX_ENTRIES (by the
  collection's estimated count, which costs no scan), expired entries go, then the first
  1/CULL_FREQUENCY of the keys in key order (0: all of them).
- Expiry times are UTC instants whatever the database's TIME_ZONE option, which the TTL index
  needs.
- As DatabaseCache, a write the database refuses (a value over the 16 MB document limit) makes
  set() a no-op and add()/touch() return False; incr()/decr() are BaseCache's get-then-set.
"""

import pickle
from datetime import UTC, datetime

from bson import Binary
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.db import Options
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, connections, router

from djongo_core.command import Command

# "Never expires": BSON dates reach year 9999 as datetime does.
NEVER = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
TTL_INDEX = "djongo_cache_expires"


class MongoDBCache(BaseCache):
    pickle_protocol = pickle.HIGHEST_PROTOCOL

    def __init__(self, location, params):
        super().__init__(params)
        self._collection = location

        class CacheEntry:
            _meta = Options(location)

        # What the routers are asked about, as for DatabaseCache.
        self.cache_model_class = CacheEntry
        # The databases whose TTL index this process has made sure of.
        self._indexed = set()

    # -- reads --------------------------------------------------------------------------------

    def get(self, key, default=None, version=None):
        return self.get_many([key], version).get(key, default)

    def get_many(self, keys, version=None):
        if not keys:
            return {}
        by_stored_key = {self.make_and_validate_key(key, version=version): key for key in keys}
        documents = self._run("read", "find", {"_id": {"$in": list(by_stored_key)},
                                               "expires": {"$gt": _now()}}, {"value": 1})
        return {by_stored_key[document["_id"]]: pickle.loads(document["value"])
                for document in documents}

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._run("read", "find_one", {"_id": key, "expires": {"$gt": _now()}},
                         {"_id": 1}) is not None

    # -- writes -------------------------------------------------------------------------------

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        entry = self._entry(value, timeout)
        self._write(lambda: self._run("write", "replace_one", {"_id": key}, entry, upsert=True))

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        entry = self._entry(value, timeout)
        # Matches a missing or expired entry only: with a live one, the upsert inserts a second
        # document with its key, which the _id index refuses.
        return self._write(lambda: self._run(
            "write", "update_one", {"_id": key, "expires": {"$lte": _now()}}, {"$set": entry},
            upsert=True)) is not None

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        expires = self._expiry(timeout)
        result = self._write(lambda: self._run(
            "write", "update_one", {"_id": key, "expires": {"$gt": _now()}},
            {"$set": {"expires": expires}}))
        return result is not None and result.matched_count == 1

    def delete(self, key, version=None):
        return self._delete([self.make_and_validate_key(key, version=version)])

    def delete_many(self, keys, version=None):
        self._delete([self.make_and_validate_key(key, version=version) for key in keys])

    def clear(self):
        self._run("write", "delete_many", {})

    # -- helpers ------------------------------------------------------------------------------

    def _entry(self, value, timeout):
        return {"value": Binary(pickle.dumps(value, self.pickle_protocol)),
                "expires": self._expiry(timeout)}

    def _expiry(self, timeout):
        timeout = self.get_backend_timeout(timeout)
        return NEVER if timeout is None else datetime.fromtimestamp(timeout, tz=UTC)

    def _write(self, write):
        """Make room if the cache is full, then write; return the result, None if the
        database refused the write."""
        self._prepare_for_write()
        try:
            return write()
        except IntegrityError:
            return None  # add() over a live entry
        except DatabaseError:
            return None  # as DatabaseCache: a refused write is a cache miss later

    def _delete(self, keys):
        if not keys:
            return False
        return self._run("write", "delete_many", {"_id": {"$in": keys}}).deleted_count > 0

    def _prepare_for_write(self):
        connection = self._connection("write")
        if connection.alias not in self._indexed:
            self._run("write", "create_index", [("expires", 1)], name=TTL_INDEX,
                      expireAfterSeconds=0)
            self._indexed.add(connection.alias)
        count = self._run("write", "estimated_document_count")
        if count > self._max_entries:
            self._cull(count)

    def _cull(self, count):
        if self._cull_frequency == 0:
            self.clear()
            return
        expired = self._run("write", "delete_many", {"expires": {"$lte": _now()}})
        remaining = count - expired.deleted_count
        if remaining <= self._max_entries:
            return
        # As DatabaseCache: the first 1/CULL_FREQUENCY of the keys, in key order.
        first_kept = list(self._run("write", "find", {}, {"_id": 1}, sort=[("_id", 1)],
                                    skip=remaining // self._cull_frequency, limit=1))
        if first_kept:
            self._run("write", "delete_many", {"_id": {"$lt": first_kept[0]["_id"]}})

    def _connection(self, purpose):
        route = router.db_for_read if purpose == "read" else router.db_for_write
        alias = route(self.cache_model_class)
        connection = connections[alias]
        if connection.vendor != "mongodb":
            raise ImproperlyConfigured(
                f"The cache on collection {self._collection!r} is a MongoDBCache, but the "
                f"database routers send its {purpose}s to {alias!r}, which is not a MongoDB "
                "database. Route app label 'django_cache' to a djongo_core database, or use "
                "Django's DatabaseCache there.")
        return connection

    def _run(self, purpose, operation, *args, **kwargs):
        connection = self._connection(purpose)
        return connection.executor.run(Command(self._collection, operation, args, kwargs))


def _now():
    return datetime.now(UTC)
