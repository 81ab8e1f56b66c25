"""djongo_core.cache.MongoDBCache: Django's cache API on a collection, one command per call."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import caches
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from django.test import override_settings

from djongo_core.cache import NEVER, TTL_INDEX
from djongo_core.command import Command

pytestmark = pytest.mark.usefixtures("db")

COLLECTION = "test_cache_entries"


def cache_settings(**options):
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "mongo": {"BACKEND": "djongo_core.cache.MongoDBCache", "LOCATION": COLLECTION,
                      **options}}


@pytest.fixture
def cache():
    with override_settings(CACHES=cache_settings()):
        yield caches["mongo"]
        caches["mongo"].clear()


def run(operation, *args, **kwargs):
    return connection.executor.run(Command(COLLECTION, operation, args, kwargs))


def stored_keys():
    return sorted(document["_id"] for document in run("find", {}, {"_id": 1}))


def test_values_round_trip_and_missing_keys_give_the_default(cache):
    value = {"list": [1, 2.5, "x"], "when": datetime(2024, 1, 1, tzinfo=UTC), "none": None}
    cache.set("answer", value)

    assert cache.get("answer") == value
    assert cache.get("absent") is None
    assert cache.get("absent", "fallback") == "fallback"
    assert cache.has_key("answer") and not cache.has_key("absent")
    cache.set("zero", 0)
    assert cache.get("zero", "fallback") == 0


def test_an_entry_is_one_document_under_its_full_key(cache):
    cache.set("answer", 42, timeout=None, version=3)

    (document,) = run("find", {})
    assert document["_id"] == ":3:answer"
    assert document["expires"] == NEVER.replace(tzinfo=None)
    assert cache.get("answer", version=3) == 42
    assert cache.get("answer") is None


def test_get_many_set_many_delete_many(cache):
    assert cache.set_many({"a": 1, "b": 2, "c": 3}) == []

    assert cache.get_many(["a", "c", "missing"]) == {"a": 1, "c": 3}
    cache.delete_many(["a", "b"])
    assert cache.get_many(["a", "b", "c"]) == {"c": 3}
    assert cache.delete("c") is True
    assert cache.delete("c") is False


def test_expired_entries_are_never_read(cache):
    cache.set("gone", 1, timeout=0)
    cache.set("stays", 2, timeout=60)
    # An entry that expired a second ago (the server's TTL monitor has not removed it yet).
    run("replace_one", {"_id": ":1:late"},
        {"value": b"x", "expires": datetime.now(UTC) - timedelta(seconds=1)}, upsert=True)

    assert cache.get_many(["gone", "stays", "late"]) == {"stays": 2}
    assert not cache.has_key("late")


def test_add_writes_only_when_no_live_entry_has_the_key(cache):
    assert cache.add("key", "first") is True
    assert cache.add("key", "second") is False
    assert cache.get("key") == "first"

    cache.set("key", "old", timeout=0)  # expired
    assert cache.add("key", "new") is True
    assert cache.get("key") == "new"


def test_add_is_atomic_across_threads(cache):
    cache.clear()
    results = []

    def add(number):
        results.append(caches["mongo"].add("lock", number))

    with override_settings(CACHES=cache_settings()):
        threads = [threading.Thread(target=add, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert results.count(True) == 1
    assert cache.get("lock") in range(8)


def test_touch_moves_the_expiry_of_live_entries_only(cache):
    cache.set("key", 1, timeout=10)
    assert cache.touch("key", timeout=None) is True
    assert run("find_one", {"_id": ":1:key"})["expires"] == NEVER.replace(tzinfo=None)
    assert cache.touch("missing") is False
    cache.set("old", 1, timeout=0)
    assert cache.touch("old", timeout=60) is False


def test_incr_decr_and_clear(cache):
    cache.set("n", 1)
    assert cache.incr("n") == 2
    assert cache.decr("n", 5) == -3
    with pytest.raises(ValueError):
        cache.incr("missing")
    cache.clear()
    assert stored_keys() == []


def test_expired_entries_are_removed_by_a_ttl_index(cache):
    cache.set("key", 1)

    (index,) = [index for index in run("list_indexes") if index["name"] == TTL_INDEX]
    assert dict(index["key"]) == {"expires": 1}
    assert index["expireAfterSeconds"] == 0


def test_past_max_entries_expired_entries_go_then_a_share_of_the_keys():
    with override_settings(CACHES=cache_settings(OPTIONS={"MAX_ENTRIES": 4,
                                                          "CULL_FREQUENCY": 2})):
        cache = caches["mongo"]
        cache.clear()
        for key in "abcde":
            cache.set(key, key)
        # Five entries: the next write culls the first 5 // 2 keys in key order.
        cache.set("f", "f")
        assert stored_keys() == [":1:c", ":1:d", ":1:e", ":1:f"]

        cache.set("g", "g", timeout=0)
        # Five again, one of them expired: only the expired one goes.
        cache.set("h", "h")
        assert stored_keys() == [":1:c", ":1:d", ":1:e", ":1:f", ":1:h"]
        cache.clear()


def test_cull_frequency_zero_empties_the_cache():
    with override_settings(CACHES=cache_settings(OPTIONS={"MAX_ENTRIES": 2,
                                                          "CULL_FREQUENCY": 0})):
        cache = caches["mongo"]
        cache.clear()
        for key in "abc":
            cache.set(key, key)
        cache.set("d", "d")
        assert stored_keys() == [":1:d"]
        cache.clear()


def test_a_value_over_the_document_limit_is_not_stored(cache):
    huge = b"x" * (17 * 1024 * 1024)

    cache.set("huge", huge)
    assert cache.get("huge") is None
    assert cache.add("huge", huge) is False


def test_a_cache_routed_to_a_sql_database_is_refused_clearly():
    class ToSQLite:
        def db_for_read(self, model, **hints):
            return "sqlite" if model._meta.app_label == "django_cache" else None

        db_for_write = db_for_read

    # A second database for the test only, as settings would declare it.
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    configured = connections.configure_settings({"default": {}, "sqlite": sqlite})
    connections.settings["sqlite"] = configured["sqlite"]
    try:
        with override_settings(CACHES=cache_settings(), DATABASE_ROUTERS=[ToSQLite()]):
            with pytest.raises(ImproperlyConfigured, match="'sqlite'"):
                caches["mongo"].get("key")
    finally:
        connections["sqlite"].close()
        del connections["sqlite"]
        del connections.settings["sqlite"]


def test_djangos_database_cache_on_a_mongodb_database_is_a_check_error():
    caches_setting = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                  "LOCATION": "cache_table"}}
    with override_settings(CACHES=caches_setting):
        errors = [error for error in run_checks(tags=["caches"])
                  if error.id == "djongo_core.E170"]

    assert len(errors) == 1
    assert "djongo_core.cache.MongoDBCache" in errors[0].hint
