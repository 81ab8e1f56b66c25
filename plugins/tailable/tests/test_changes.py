"""watch(): inserts, updates and deletes of a collection as Change objects, resumable.

Change streams need a replica set on MongoDB (with MONGODB_URI naming one these tests run
against it); the embedded engine has them through its change streams shim
(docs/engine-deviations.md#change-streams-missing).
"""

import os

import pytest
from django.db import NotSupportedError, connection

from djongo_core.plugin_testing import stop_embedded_server
from djongo_tailable import Change
from djongo_tailable.changes import change_stream_pipeline
from tailable_testapp.models import Customer, Order

pytestmark = pytest.mark.usefixtures("db")
ON_MONGODB = bool(os.environ.get("MONGODB_URI"))


def test_the_querysets_filter_applies_to_the_full_document_and_deletes_pass():
    assert change_stream_pipeline(Order.objects.filter(status="paid", total__gte=10)) == [
        {"$match": {"operationType": {"$in": ["insert", "update", "replace", "delete"]}}},
        {"$match": {"$or": [{"operationType": "delete"},
                            {"fullDocument.status": "paid", "fullDocument.total": {"$gte": 10}}]}},
    ]


def test_an_unfiltered_watch_matches_the_operations_asked_for():
    assert change_stream_pipeline(Order.objects.all(), ["insert"]) == [
        {"$match": {"operationType": {"$in": ["insert"]}}}]


def test_or_conditions_are_rewritten_on_the_full_document():
    from django.db.models import Q

    pipeline = change_stream_pipeline(Order.objects.filter(Q(status="a") | Q(total=1)),
                                      ["insert"])
    assert pipeline[1] == {"$match": {"$or": [{"fullDocument.status": "a"},
                                              {"fullDocument.total": 1}]}}


def test_a_condition_on_expressions_is_refused():
    from django.db.models import F

    with pytest.raises(NotSupportedError, match=r"cannot apply a \$expr condition"):
        change_stream_pipeline(Order.objects.filter(total=F("id")))


def test_unknown_operations_are_refused():
    with pytest.raises(ValueError, match="not 'upsert'"):
        change_stream_pipeline(Order.objects.all(), ["upsert"])


def read(changes, count):
    found = []
    for change in changes:
        found.append(change)
        if len(found) == count:
            break
    return found


def test_watch_reports_orm_inserts_updates_and_deletes_with_the_changed_fields():
    with Order.objects.watch(timeout=10, await_ms=200) as changes:
        order = Order.objects.create(status="new", total=5)
        pk = order.pk
        Order.objects.filter(pk=pk).update(status="paid")
        order.delete()  # (Django sets order.pk to None)
        found = read(changes, 3)
    assert [(c.operation, c.pk) for c in found] == [
        ("insert", pk), ("update", pk), ("delete", pk)]
    assert isinstance(found[0], Change) and found[0].instance.total == 5
    assert found[1].updated_fields == {"status": "paid"}
    assert found[2].instance is None
    assert all(c.resume_token for c in found)


def test_changes_leave_out_the_keys_kept_for_indexes_on_expressions():
    with Customer.objects.watch(timeout=10, await_ms=200) as changes:
        customer = Customer.objects.create(email="Ann@example.com")
        Customer.objects.filter(pk=customer.pk).update(email="ann@example.org")
        inserted, updated = read(changes, 2)
    assert inserted.instance.email == "Ann@example.com"
    assert updated.updated_fields == {"email": "ann@example.org"}
    assert updated.removed_fields == []


def test_watch_reports_changes_made_with_pymongo_and_resumes_after_a_token():
    collection = connection.mongo_database[Order._meta.db_table]
    with Order.objects.filter(status="paid").watch(timeout=10, await_ms=200) as changes:
        collection.insert_one({"_id": 1000, "status": "new", "total": 1})
        collection.insert_one({"_id": 1001, "status": "paid", "total": 2})
        collection.update_one({"_id": 1001}, {"$set": {"total": 3}})
        first, second = read(changes, 2)
    assert (first.operation, first.pk, first.instance.total) == ("insert", 1001, 2)
    assert (second.operation, second.updated_fields, second.instance.total) == (
        "update", {"total": 3}, 3)
    with Order.objects.watch(resume_after=first.resume_token, timeout=10,
                             await_ms=200) as resumed:
        again = read(resumed, 1)
    assert [(c.operation, c.pk) for c in again] == [("update", 1001)]


# -- manage.py watch: changes as signals ---------------------------------------------------------


def test_the_watch_worker_sends_signals_and_resumes_from_its_token_file(tmp_path):
    import io
    import threading
    import time

    from django.core.management import call_command

    from djongo_tailable.signals import change_received

    received = []

    def receiver(sender, change, **kwargs):
        received.append((sender, change.operation, change.pk))

    token_file = tmp_path / "token.json"
    change_received.connect(receiver)
    try:
        def make_changes():
            time.sleep(1)
            collection = connection.mongo_database[Order._meta.db_table]
            collection.insert_one({"_id": 2000, "status": "new", "total": 1})
            collection.delete_one({"_id": 2000})

        thread = threading.Thread(target=make_changes)
        thread.start()
        call_command("watch", "tailable_testapp.Order", "--timeout", "3", "--token-file",
                     str(token_file), stdout=io.StringIO())
        thread.join(10)
        assert received == [(Order, "insert", 2000), (Order, "delete", 2000)]
        assert token_file.exists()
        # A restarted worker resumes after the last change it delivered: nothing again.
        received.clear()
        call_command("watch", "tailable_testapp.Order", "--timeout", "1", "--token-file",
                     str(token_file), stdout=io.StringIO())
        assert received == []
    finally:
        change_received.disconnect(receiver)


@pytest.fixture
def persistent(tmp_path):
    """A database alias on a persistent embedded server in tmp_path, which a test may restart."""
    from django.db import connections

    alias = "persistent"
    connections.settings[alias] = {**connections["default"].settings_dict,
                                   "HOST": f"embedded://{tmp_path / 'data'}",
                                   "NAME": "djongo_tailable_persistent"}
    yield alias
    connections[alias].close()
    del connections[alias]
    del connections.settings[alias]
    stop_embedded_server(tmp_path / "data")


@pytest.mark.skipif(ON_MONGODB, reason="restarts a persistent embedded server")
def test_the_watch_worker_resumes_after_a_restart_of_the_embedded_server(tmp_path, persistent):
    import io
    import threading
    import time

    from django.core.management import call_command
    from django.db import connections

    from djongo_tailable.signals import change_received

    def collection():
        return connections[persistent].mongo_database[Order._meta.db_table]

    def watch(seconds):
        call_command("watch", "tailable_testapp.Order", "--database", persistent, "--timeout",
                     str(seconds), "--token-file", str(token_file), stdout=io.StringIO())

    received = []

    def receiver(sender, change, **kwargs):
        received.append((change.operation, change.pk))

    token_file = tmp_path / "token.json"
    change_received.connect(receiver)
    try:
        def insert_later():
            time.sleep(1)
            collection().insert_one({"_id": 1, "status": "new", "total": 1})

        thread = threading.Thread(target=insert_later)
        thread.start()
        watch(3)
        thread.join(10)
        assert received == [("insert", 1)]
        collection().update_one({"_id": 1}, {"$set": {"status": "paid"}})
        stop_embedded_server(tmp_path / "data")
        connections[persistent].close()
        collection().insert_one({"_id": 2, "status": "new", "total": 2})   # a new server
        received.clear()
        watch(1)
        assert received == [("update", 1), ("insert", 2)]
    finally:
        change_received.disconnect(receiver)
