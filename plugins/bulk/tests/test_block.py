"""bulk_writes(): the ORM's writes in a block, queued and sent as one bulk_write per collection."""

import pytest
from bson import ObjectId
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, NotSupportedError, connection, connections
from django.db.models import F
from django.db.models.signals import post_save, pre_delete
from django.test.utils import CaptureQueriesContext

from bulk_testapp.models import Note, Place, Product, Restaurant, Supplier
from djongo_bulk import BulkWriteError, bulk_writes
from djongo_bulk.sending import offers_client_bulk_write

pytestmark = pytest.mark.usefixtures("db")


def sent(captured):
    """The commands a block sent, as (collection, operation), counters left out."""
    commands = []
    for query in captured:
        target, operation = query["sql"].split("(", 1)[0].rsplit(".", 1)
        if not target.endswith("__schema__"):
            commands.append((target.removeprefix("db").lstrip("."), operation))
    return commands


def per_collection_or_one(*collections):
    """What a flush over these collections sends: one bulk_write each, or one client-level
    bulk_write for all on MongoDB 8.0."""
    if offers_client_bulk_write(connection):
        return [("", "bulk_write")]
    return [(collection, "bulk_write") for collection in sorted(collections)]


def stored(model):
    """The documents of a model's collection, read with pymongo (no flush, no ORM)."""
    collection = connection.mongo_database[model._meta.db_table]
    return list(collection.find({}, sort=[("_id", 1)]))


def counter_calls(captured):
    return [q["sql"] for q in captured if q["sql"].startswith("db.__schema__.find_one_and_update")]


def test_saves_updates_and_deletes_go_out_as_one_bulk_write_per_collection():
    acme = Supplier.objects.create(name="Acme")
    old = Product.objects.create(sku="OLD", price=5, supplier=acme)
    kept = Product.objects.create(sku="KEPT", price=7)
    with CaptureQueriesContext(connection) as captured:
        with bulk_writes() as batch:
            first = Product(sku="A", price=1, supplier=acme)
            first.save()
            Product.objects.create(sku="B", price=2)
            kept.name = "renamed"
            kept.save()
            Product.objects.filter(sku="A").update(price=F("price") * 10)
            old.delete()
            Supplier.objects.create(name="Zenith")
            # Nothing is written yet, and the new object already has its key.
            assert first.pk is not None
            assert [document["sku"] for document in stored(Product)] == ["OLD", "KEPT"]
    if offers_client_bulk_write(connection):
        # MongoDB 8.0: one command for both collections, with a result per write.
        assert sent(captured) == [("", "bulk_write")]
    else:
        # One bulk_write per collection. The find checks that kept.save() matched its
        # document: the updateMany in the same bulk_write makes the matched count say nothing
        # about it.
        assert sent(captured) == [("bulk_testapp_product", "bulk_write"),
                                  ("bulk_testapp_product", "find"),
                                  ("bulk_testapp_supplier", "bulk_write")]
    # One counter call per collection for the batch's new objects.
    assert len(counter_calls(captured)) == 2
    assert list(Product.objects.values_list("sku", "name", "price")) == [
        ("A", "", 10), ("B", "", 2), ("KEPT", "renamed", 7)]
    assert sorted(Supplier.objects.values_list("name", flat=True)) == ["Acme", "Zenith"]
    assert (batch.result["bulk_testapp.Product"].inserted, batch.result[Product].matched,
            batch.result[Product].deleted) == (2, 2, 1)
    assert batch.result[Supplier].inserted == 1


def test_saves_and_deletes_alone_need_nothing_but_the_bulk_writes():
    products = [Product.objects.create(sku=f"P{n}", price=n) for n in range(3)]
    with CaptureQueriesContext(connection) as captured:
        with bulk_writes():
            for product in products[:2]:
                product.price += 10
                product.save()
            products[2].delete()
            Product.objects.create(sku="N")
    # The matched count (2) accounts for both saves: no read needed.
    assert sent(captured) == [("bulk_testapp_product", "bulk_write")]
    assert list(Product.objects.values_list("sku", "price")) == [("N", 0), ("P0", 10),
                                                                 ("P1", 11)]


def test_the_bulk_write_holds_each_write_as_the_orm_made_it():
    product = Product.objects.create(sku="P", price=3)
    with CaptureQueriesContext(connection) as captured:
        with bulk_writes():
            new = Product.objects.create(sku="N", price=1)
            product.price = 4
            product.save(update_fields=["price"])
            Product.objects.filter(price__lt=2).update(stock=F("stock") + 5)
            Product.objects.filter(pk=new.pk).delete()
    (bulk,) = [q["sql"] for q in captured if ".bulk_write(" in q["sql"]]
    assert bulk == (
        'db.bulk_testapp_product.bulk_write(['
        f'{{"insertOne": {{"document": {{"sku": "N", "name": "", "price": 1, "stock": 0, '
        f'"supplier_id": null, "_id": {new.pk}}}}}}}, '
        f'{{"updateOne": {{"filter": {{"_id": {product.pk}}}, '
        '"update": {"$set": {"price": 4}}}}, '
        '{"updateMany": {"filter": {"price": {"$lt": 2}}, '
        '"update": [{"$set": {"stock": {"$add": ["$stock", 5]}}}]}}, '
        f'{{"deleteMany": {{"filter": {{"_id": {new.pk}}}}}}}], '
        '{"ordered": true})'
    )


def test_a_count_inside_the_block_sees_the_queued_creates():
    with CaptureQueriesContext(connection) as captured:
        with bulk_writes():
            Product.objects.create(sku="A")
            Product.objects.create(sku="B")
            assert Product.objects.count() == 2
            Product.objects.create(sku="C")
    # The count sent the two creates first; the third went at the end of the block.
    assert sent(captured) == [("bulk_testapp_product", "bulk_write"),
                              ("bulk_testapp_product", "aggregate"),
                              ("bulk_testapp_product", "bulk_write")]


def test_without_autoflush_reads_skip_the_queue():
    with bulk_writes(autoflush=False):
        Product.objects.create(sku="A")
        assert Product.objects.count() == 0
    assert Product.objects.count() == 1


def test_a_read_of_another_collection_leaves_the_queue_alone_but_a_join_does_not():
    Supplier.objects.create(name="Acme")
    with CaptureQueriesContext(connection) as captured:
        with bulk_writes():
            Product.objects.create(sku="A")
            assert Supplier.objects.count() == 1
            assert stored(Product) == []
            # Suppliers with their products: a $lookup into the queued collection.
            assert list(Supplier.objects.filter(products__sku="A").values_list(
                "name", flat=True)) == []
            assert [document["sku"] for document in stored(Product)] == ["A"]
    assert [operation for _, operation in sent(captured)] == ["aggregate", "bulk_write",
                                                               "aggregate"]


def test_a_batch_is_sent_every_batch_size_writes_with_one_counter_call_each():
    # 2,500 writes with batch_size=1000 make three batches; so do 250 with 100, faster here
    # (the embedded engine's inserts slow down as a collection grows).
    with CaptureQueriesContext(connection) as captured:
        with bulk_writes(batch_size=100):
            for n in range(250):
                Product(sku=f"S{n}").save()
    assert sent(captured) == [("bulk_testapp_product", "bulk_write")] * 3
    assert len(counter_calls(captured)) == 3
    assert Product.objects.count() == 250
    keys = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    assert keys == list(range(keys[0], keys[0] + 250))


def test_values_drawn_and_not_used_go_back_to_the_counter():
    before = Product.objects.create(sku="before").pk
    with bulk_writes(batch_size=100):
        made = [Product.objects.create(sku=f"p{n}").pk for n in range(3)]
    assert made == [before + 1, before + 2, before + 3]
    assert Product.objects.create(sku="after").pk == before + 4


def test_objectid_keys_are_made_when_the_object_is_queued():
    with bulk_writes():
        note = Note.objects.create(text="x")
        assert isinstance(note.pk, ObjectId)
        assert stored(Note) == []
    assert stored(Note) == [{"_id": note.pk, "text": "x"}]


def test_saving_a_stored_object_that_is_gone_names_its_key():
    product = Product.objects.create(sku="A", price=1)
    kept = Product.objects.create(sku="B", price=1)
    with pytest.raises(BulkWriteError) as raised:
        with bulk_writes():
            product.price = 2
            product.save()
            kept.price = 3
            kept.save()
            # Another program deletes it before the block sends the save.
            connection.mongo_database["bulk_testapp_product"].delete_one({"_id": product.pk})
    error = raised.value
    assert not isinstance(error, IntegrityError)
    (failure,) = error.errors
    assert (failure.index, failure.obj, failure.code) == (0, product, None)
    assert f"save() of bulk_testapp.Product {product.pk} matched no document" in str(error)
    assert "save(force_insert=True)" in str(error)
    # The other writes of the batch went through.
    assert Product.objects.get(pk=kept.pk).price == 3


def test_a_missing_document_is_found_when_an_update_many_hides_the_count():
    product = Product.objects.create(sku="A", price=1)
    Product.objects.create(sku="B", price=1)
    with pytest.raises(BulkWriteError) as raised:
        with bulk_writes():
            Product.objects.filter(price=1).update(stock=9)
            product.stock = 1
            product.save()
            connection.mongo_database["bulk_testapp_product"].delete_one({"_id": product.pk})
    assert [(error.index, error.obj) for error in raised.value.errors] == [(1, product)]


def test_a_new_object_with_a_key_is_upserted_as_django_updates_or_inserts_it():
    stored_one = Product.objects.create(sku="S", price=1)
    with CaptureQueriesContext(connection) as captured:
        with bulk_writes():
            Product(pk=stored_one.pk, sku="S", price=2).save()
            Product(pk=stored_one.pk + 100, sku="NEW", price=3).save()
    (bulk,) = [q["sql"] for q in captured if ".bulk_write(" in q["sql"]]
    assert bulk.count('"upsert": true') == 2
    assert list(Product.objects.order_by("pk").values_list("pk", "sku", "price")) == [
        (stored_one.pk, "S", 2), (stored_one.pk + 100, "NEW", 3)]


def test_delete_cascades_and_signals_run_at_call_time():
    acme = Supplier.objects.create(name="Acme")
    Product.objects.create(sku="A", supplier=acme)
    Product.objects.create(sku="B", supplier=acme)
    deleted = []

    def note(sender, instance, **kwargs):
        deleted.append(type(instance).__name__)

    pre_delete.connect(note)
    try:
        with CaptureQueriesContext(connection) as captured:
            with bulk_writes():
                acme.delete()
                assert sorted(deleted) == ["Product", "Product", "Supplier"]
                assert len(stored(Product)) == 2
    finally:
        pre_delete.disconnect(note)
    assert Product.objects.count() == 0 and Supplier.objects.count() == 0
    # The collector's read of the products, then one bulk_write per collection (one for
    # both on MongoDB 8.0).
    assert sent(captured)[0] == ("bulk_testapp_product", "find")
    assert sorted(sent(captured)[1:]) == per_collection_or_one("bulk_testapp_product",
                                                              "bulk_testapp_supplier")


def test_post_save_signals_run_at_call_time_with_the_key_set():
    seen = []

    def note(sender, instance, created, **kwargs):
        seen.append((instance.sku, instance.pk is not None, created))

    post_save.connect(note, sender=Product)
    try:
        with bulk_writes():
            Product.objects.create(sku="A")
            assert seen == [("A", True, True)]
    finally:
        post_save.disconnect(note, sender=Product)


def test_multi_table_inheritance_writes_both_collections():
    with CaptureQueriesContext(connection) as captured:
        with bulk_writes():
            restaurant = Restaurant.objects.create(name="Chez", seats=20)
            restaurant.seats = 30
            restaurant.save()
    assert sorted(sent(captured)) == per_collection_or_one("bulk_testapp_place",
                                                          "bulk_testapp_restaurant")
    assert Place.objects.get().name == "Chez"
    assert Restaurant.objects.get().seats == 30


def test_bulk_create_is_queued_and_one_with_ignore_conflicts_runs_at_once():
    Product.objects.create(sku="A")
    with CaptureQueriesContext(connection) as captured:
        with bulk_writes():
            Product.objects.bulk_create([Product(sku="B"), Product(sku="C")])
            Product.objects.bulk_create([Product(sku="A"), Product(sku="D")],
                                        ignore_conflicts=True)
    assert [operation for _, operation in sent(captured)] == ["bulk_write", "insert_many"]
    assert list(Product.objects.values_list("sku", flat=True)) == ["A", "B", "C", "D"]


def test_bulk_update_inside_the_block_sends_the_queue_first():
    products = [Product.objects.create(sku=f"P{n}") for n in range(3)]
    for product in products:
        product.price = 9
    with CaptureQueriesContext(connection) as captured:
        with bulk_writes():
            Product.objects.create(sku="Q")
            Product.objects.bulk_update(products, ["price"])
    assert [operation for _, operation in sent(captured)] == ["bulk_write", "bulk_write"]
    assert list(Product.objects.values_list("price", flat=True)) == [9, 9, 9, 0]


def test_what_was_queued_before_an_exception_is_written_as_without_a_block():
    with pytest.raises(ZeroDivisionError):
        with bulk_writes():
            Product.objects.create(sku="A")
            1 / 0  # noqa: B018
    assert [document["sku"] for document in stored(Product)] == ["A"]


def test_flush_sends_now_and_returns_what_it_did():
    with bulk_writes() as batch:
        Product.objects.create(sku="A")
        flushed = batch.flush()
        assert [document["sku"] for document in stored(Product)] == ["A"]
        assert flushed[Product].inserted == 1
        assert batch.flush()[Product].inserted == 0


def test_an_inner_block_joins_the_outer_one():
    with bulk_writes() as outer:
        with bulk_writes() as inner:
            Product.objects.create(sku="A")
        assert inner is outer
        assert stored(Product) == []
    assert len(stored(Product)) == 1
    with pytest.raises(NotSupportedError, match="both must be ordered alike"):
        with bulk_writes(), bulk_writes(ordered=False):
            pass


def test_queryset_update_reports_the_documents_it_names_by_key():
    product = Product.objects.create(sku="A")
    with bulk_writes():
        assert Product.objects.filter(pk=product.pk).update(price=3) == 1
        assert Product.objects.filter(pk__in=[product.pk, product.pk + 1]).update(price=4) == 2
        # Unknown until the flush: the block's result has the server's counts.
        assert Product.objects.filter(sku="A").update(price=5) == 0
    assert Product.objects.get().price == 5


def test_several_collections_are_one_client_level_bulk_write_only_on_mongodb_8():
    with CaptureQueriesContext(connection) as captured:
        with bulk_writes():
            Product.objects.create(sku="A")
            Supplier.objects.create(name="S")
            Note.objects.create(text="n")
    if offers_client_bulk_write(connection):
        assert sent(captured) == [("", "bulk_write")]
        (bulk,) = [q["sql"] for q in captured if ".bulk_write(" in q["sql"]]
        assert f'"namespace": "{connection.mongo_database.name}.bulk_testapp_product"' in bulk
    else:
        # In the order the collections were first written.
        assert sent(captured) == [("bulk_testapp_product", "bulk_write"),
                                  ("bulk_testapp_supplier", "bulk_write"),
                                  ("bulk_testapp_note", "bulk_write")]
    assert (Product.objects.count(), Supplier.objects.count(), Note.objects.count()) == (1, 1, 1)


def test_a_database_without_the_plugin_says_how_to_enable_it():
    with pytest.raises(ImproperlyConfigured, match=r"add 'bulk' to DATABASES\['plain'\]"):
        with bulk_writes(using="plain"):
            pass
    assert connections["plain"].plugin_host.names == ()


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="batch_size=...\\) takes a positive integer, not 0"):
        bulk_writes(batch_size=0)
    with pytest.raises(TypeError, match="ordered=...\\) takes True or False"):
        bulk_writes(ordered="yes")
