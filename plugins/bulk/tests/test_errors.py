"""A failed bulk write loses nothing: every failure named, with its object, and what was done."""

import pytest
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, models
from django.test.utils import isolate_apps

from bulk_testapp.models import Product, Supplier
from djongo_bulk import BulkIntegrityError, BulkWriteError, bulk_writes
from djongo_core.plugins import hookimpl

pytestmark = pytest.mark.usefixtures("db")


def skus():
    return list(Product.objects.values_list("sku", flat=True))


def test_an_ordered_duplicate_at_position_2_names_it_and_stops_there():
    Product.objects.create(sku="TAKEN")
    objects = [Product(sku="A"), Product(sku="B"), Product(sku="TAKEN"), Product(sku="C"),
               Product(sku="D")]
    with pytest.raises(BulkIntegrityError) as raised:
        with bulk_writes(ordered=True):
            for obj in objects:
                obj.save()
    error = raised.value
    assert isinstance(error, IntegrityError) and isinstance(error, BulkWriteError)
    (failure,) = error.errors
    assert (failure.index, failure.obj, failure.model, failure.code) == (2, objects[2], Product,
                                                                        11000)
    assert failure.key_value == {"sku": "TAKEN"}
    assert [operation.obj for operation in error.not_attempted] == objects[3:]
    assert error.result[Product].inserted == 2
    assert skus() == ["A", "B", "TAKEN"]
    message = str(error)
    assert "Bulk write on database 'default' (ordered): 1 of 5 writes failed." in message
    assert (f"#2 insertOne of bulk_testapp.Product {objects[2].pk} (save()): duplicate key "
            "{'sku': 'TAKEN'}") in message
    assert "2 writes after the first failure were not sent" in message


def test_unordered_writes_apply_every_other_write():
    Product.objects.create(sku="TAKEN")
    objects = [Product(sku="A"), Product(sku="TAKEN"), Product(sku="B"), Product(sku="A"),
               Product(sku="C")]
    with pytest.raises(BulkIntegrityError) as raised:
        with bulk_writes(ordered=False):
            for obj in objects:
                obj.save()
    error = raised.value
    assert [(failure.index, failure.obj) for failure in error.errors] == [(1, objects[1]),
                                                                        (3, objects[3])]
    assert error.not_attempted == []
    assert error.result[Product].inserted == 3
    assert skus() == ["A", "B", "C", "TAKEN"]
    assert "Every other write was applied" in str(error)


def test_an_ordered_failure_in_one_collection_leaves_the_later_collections_unsent():
    Product.objects.create(sku="TAKEN")
    with pytest.raises(BulkIntegrityError) as raised:
        with bulk_writes():
            supplier = Supplier.objects.create(name="late")
            Product.objects.create(sku="TAKEN")
    error = raised.value
    if error.not_attempted:
        # One bulk_write per collection (MongoDB before 8.0): the suppliers' was not sent.
        assert [operation.obj for operation in error.not_attempted] == [supplier]
        assert not Supplier.objects.exists()
    else:
        # MongoDB 8.0 sends both in queue order: the supplier came first and was written.
        assert Supplier.objects.get().pk == supplier.pk


def test_a_check_constraint_violation_comes_with_the_validators_details():
    good, bad = Product(sku="OK", price=1), Product(sku="BAD", price=-5)
    with pytest.raises(BulkIntegrityError) as raised:
        with bulk_writes(ordered=False):
            good.save()
            bad.save()
    (failure,) = raised.value.errors
    assert (failure.index, failure.obj, failure.code) == (1, bad, 121)
    assert failure.details["failingDocumentId"] == bad.pk
    assert "validator rejected the document" in str(raised.value)
    assert skus() == ["OK"]


@pytest.fixture
def gadget_with_a_schema():
    """A model whose collection has a $jsonSchema validator, from a plugin's collection
    options (as the schema_validation plugin gives them)."""

    class Schema:
        @hookimpl
        def djongo_provide_collection_options(self, model):
            if model._meta.db_table != "bulk_gadget":
                return None
            return {"validator": {"$jsonSchema": {
                "required": ["code"], "properties": {"code": {"bsonType": "string",
                                                              "maxLength": 3}}}}}

    with isolate_apps("bulk_testapp"):
        class Gadget(models.Model):
            code = models.CharField(max_length=10)

            class Meta:
                app_label = "bulk_testapp"
                db_table = "bulk_gadget"

        connection.plugin_host.register(Schema(), "schema")
        try:
            with connection.schema_editor() as editor:
                editor.create_model(Gadget)
            yield Gadget
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Gadget)
            connection.plugin_host.unregister("schema")


def test_a_schema_violation_names_the_rule_it_broke(gadget_with_a_schema):
    Gadget = gadget_with_a_schema
    with pytest.raises(BulkIntegrityError) as raised:
        with bulk_writes():
            Gadget.objects.create(code="abc")
            long_one = Gadget.objects.create(code="abcdef")
    (failure,) = raised.value.errors
    assert (failure.index, failure.obj, failure.code) == (1, long_one, 121)
    # MongoDB's errInfo: which document, and which property broke which rule.
    assert failure.details["failingDocumentId"] == long_one.pk
    (rule,) = failure.details["details"]["schemaRulesNotSatisfied"]
    assert rule["propertiesNotSatisfied"][0]["propertyName"] == "code"
    assert list(Gadget.objects.values_list("code", flat=True)) == ["abc"]


def test_a_save_after_the_delete_of_its_object_is_reported_one_before_it_is_not():
    product = Product.objects.create(sku="A")
    with pytest.raises(BulkWriteError) as raised:
        with bulk_writes():
            product.save()      # matches; the delete after it removes the document
            Product.objects.filter(pk=product.pk).delete()
            product.save()      # Django knows it as stored: an update of a deleted document
    (failure,) = raised.value.errors
    assert (failure.index, failure.obj, failure.code) == (2, product, None)
    assert not Product.objects.exists()


def test_failures_that_are_not_rules_of_the_data_are_database_errors():
    Product.objects.create(sku="A", name="text")
    with pytest.raises(BulkWriteError) as raised:
        with bulk_writes():
            # The server cannot add a number to a string.
            Product.objects.filter(sku="A").update(price=models.F("name") + 1)
    error = raised.value
    assert isinstance(error, DatabaseError) and not isinstance(error, IntegrityError)
    (failure,) = error.errors
    assert failure.index == 0 and failure.obj is None and failure.code is not None
    assert "updateMany of bulk_testapp.Product matching {'sku': 'A'} (QuerySet.update())" in str(
        error)


def test_many_failures_are_listed_up_to_five_and_all_kept():
    Product.objects.bulk_create([Product(sku=f"T{n}") for n in range(8)])
    with pytest.raises(BulkIntegrityError) as raised:
        with bulk_writes(ordered=False):
            for n in range(8):
                Product.objects.create(sku=f"T{n}")
    assert len(raised.value.errors) == 8
    assert "... and 3 more (see the exception's errors)." in str(raised.value)


def test_a_counter_behind_the_stored_documents_is_named_with_its_fix():
    first = Product.objects.create(sku="A")
    # Another program stored the next id; the counter does not know.
    connection.mongo_database["bulk_testapp_product"].insert_one(
        {"_id": first.pk + 1, "sku": "OUTSIDE", "name": "", "price": 0, "stock": 0})
    with pytest.raises(BulkIntegrityError) as raised:
        with bulk_writes():
            clash = Product.objects.create(sku="B")
    (failure,) = raised.value.errors
    assert (failure.obj, failure.key_value) == (clash, {"_id": first.pk + 1})
    assert "the counter is behind the stored documents" in str(raised.value)
    assert "manage.py adoptdb" in str(raised.value)


@pytest.mark.skipif(not getattr(settings, "HAS_SCHEMA_VALIDATION", False),
                    reason="the schema_validation plugin (djongo-schema-validation) is not installed")
def test_with_the_schema_validation_plugin_a_refused_document_keeps_its_details():
    from django.db import connections

    from djongo_schema_validation import SchemaValidation, SchemaViolation

    validated = connections["validated"]
    with isolate_apps("bulk_testapp"):
        class Label(models.Model):
            code = models.CharField(max_length=3)

            class Meta:
                app_label = "bulk_testapp"
                db_table = "bulk_label"
                constraints = [SchemaValidation(name="label_schema")]

        with validated.schema_editor() as editor:
            editor.create_model(Label)
        try:
            with pytest.raises(BulkIntegrityError) as raised:
                with bulk_writes(using="validated", ordered=False):
                    Label.objects.using("validated").create(code="abc")
                    too_long = Label.objects.using("validated").create(code="abcdef")
            (failure,) = raised.value.errors
            assert (failure.index, failure.obj, failure.code) == (1, too_long, 121)
            assert failure.details["failingDocumentId"] == too_long.pk
            (rule,) = failure.details["details"]["schemaRulesNotSatisfied"]
            assert rule["propertiesNotSatisfied"][0]["propertyName"] == "code"
            # The plugin's own reading of the refusal, naming the model, the key and the field.
            violation = raised.value.__cause__
            assert isinstance(violation, SchemaViolation)
            assert str(violation).startswith(f"bulk_testapp.Label {too_long.pk}: code ")
            assert list(Label.objects.using("validated").values_list("code", flat=True)) == [
                "abc"]
        finally:
            with validated.schema_editor() as editor:
                editor.delete_model(Label)
