"""Blocks and transactions (the transactions plugin on the "tx" alias): a flush lands on the side
of each transaction boundary where the ORM made its writes."""

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from bulk_testapp.models import Product, Supplier
from djongo_bulk import BulkIntegrityError, bulk_writes

pytestmark = [
    pytest.mark.usefixtures("db"),
    pytest.mark.skipif(not getattr(settings, "HAS_TRANSACTIONS", False),
                       reason="the transactions plugin (djongo-transactions) is not installed"),
]


def stored_skus():
    """What is committed, read with pymongo outside any session."""
    collection = connections["tx"].mongo_database["bulk_testapp_product"]
    return sorted(document["sku"] for document in collection.find())


def test_an_exception_inside_atomic_around_the_block_writes_nothing():
    with pytest.raises(RuntimeError):
        with transaction.atomic(using="tx"):
            with bulk_writes(using="tx"):
                Product.objects.using("tx").create(sku="A")
                Product.objects.using("tx").create(sku="B")
                raise RuntimeError("abandon")
    assert stored_skus() == []


def test_the_flush_inside_atomic_is_part_of_the_transaction():
    with transaction.atomic(using="tx"):
        with CaptureQueriesContext(connections["tx"]) as captured, bulk_writes(using="tx"):
            Product.objects.using("tx").create(sku="A")
        assert [q["sql"].split("(")[0] for q in captured if "bulk_write" in q["sql"]] == [
            "db.bulk_testapp_product.bulk_write"]
        # Sent, but not committed: outside the transaction nothing is visible yet.
        assert stored_skus() == []
        assert list(Product.objects.using("tx").values_list("sku", flat=True)) == ["A"]
    assert stored_skus() == ["A"]


def test_atomic_inside_the_block_commits_its_writes_and_a_rollback_drops_them():
    with bulk_writes(using="tx") as batch:
        Product.objects.using("tx").create(sku="BEFORE")
        with transaction.atomic(using="tx"):
            # The writes queued before the transaction went out when it began.
            assert stored_skus() == ["BEFORE"]
            Product.objects.using("tx").create(sku="COMMITTED")
        # ... and those queued inside it went out before it committed.
        assert stored_skus() == ["BEFORE", "COMMITTED"]
        with pytest.raises(RuntimeError):
            with transaction.atomic(using="tx"):
                Product.objects.using("tx").create(sku="ROLLED-BACK")
                raise RuntimeError("abandon")
        Product.objects.using("tx").create(sku="AFTER")
    assert stored_skus() == ["AFTER", "BEFORE", "COMMITTED"]
    assert batch.result[Product].inserted == 3


def test_a_savepoint_rolled_back_drops_what_was_queued_after_it():
    with transaction.atomic(using="tx"):
        with bulk_writes(using="tx"):
            Product.objects.using("tx").create(sku="A")
            try:
                with transaction.atomic(using="tx"):
                    Product.objects.using("tx").create(sku="B")
                    raise RuntimeError("undo the savepoint")
            except RuntimeError:
                pass
            Product.objects.using("tx").create(sku="C")
    assert stored_skus() == ["A", "C"]


def test_a_failed_bulk_write_inside_a_transaction_reports_its_writes_as_rolled_back():
    Product.objects.using("tx").create(sku="TAKEN")
    objects = [Product(sku="A"), Product(sku="TAKEN"), Product(sku="C")]
    with pytest.raises(BulkIntegrityError) as raised:
        with transaction.atomic(using="tx"), bulk_writes(using="tx"):
            for obj in objects:
                obj.save(using="tx")
    error = raised.value
    assert [(failure.index, failure.obj) for failure in error.errors] == [(1, objects[1])]
    # MongoDB aborted the transaction: the insert before the failure is gone too.
    assert [operation.obj for operation in error.rolled_back] == [objects[0]]
    assert [operation.obj for operation in error.not_attempted] == [objects[2]]
    assert error.result[Product].inserted == 0
    assert "were undone with the transaction MongoDB aborted" in str(error)
    assert stored_skus() == ["TAKEN"]


def test_deletes_in_a_block_outside_atomic_stay_atomic_each():
    # delete() runs Django's collector in atomic(): each delete's cascade commits on its own.
    suppliers = [Supplier.objects.using("tx").create(name=f"s{n}") for n in range(2)]
    for supplier in suppliers:
        Product.objects.using("tx").create(sku=f"of-{supplier.name}", supplier=supplier)
    with CaptureQueriesContext(connections["tx"]) as captured:
        with bulk_writes(using="tx"):
            for supplier in suppliers:
                supplier.delete()
    bulk = [q["sql"].split("(")[0] for q in captured if "bulk_write" in q["sql"]]
    assert sorted(bulk) == sorted(["db.bulk_testapp_product.bulk_write",
                                   "db.bulk_testapp_supplier.bulk_write"] * 2)
    assert stored_skus() == [] and not Supplier.objects.using("tx").exists()


def test_ids_drawn_inside_a_rolled_back_transaction_are_not_handed_out_again():
    connection = connections["tx"]
    with bulk_writes(using="tx"):
        with pytest.raises(RuntimeError):
            with transaction.atomic(using="tx"):
                lost = Product.objects.using("tx").create(sku="LOST")
                raise RuntimeError("abandon")
        kept = Product.objects.using("tx").create(sku="KEPT")
    counter = connection.mongo_database["__schema__"].find_one({"name": "bulk_testapp_product"})
    # With ids drawn inside the transaction ("counters": "inside") the rollback undid the
    # draw, so the block draws again and the counter, given back what was not used, ends at
    # the last id handed out; drawn outside, the rolled-back ids are a gap.
    assert counter["auto"]["seq"] == kept.pk
    assert kept.pk != lost.pk or connection.settings_dict["TRANSACTIONS"].get("counters") == "inside"
    assert stored_skus() == ["KEPT"]
