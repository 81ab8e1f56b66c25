"""CheckConstraints as the collection's validator: MongoDB itself refuses violating writes."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models
from django.db.models import F, Q
from django.test.utils import isolate_apps

from djongo_core.compiler.check import check_clause
from djongo_core.counters import SCHEMA_COLLECTION

pytestmark = pytest.mark.usefixtures("db")

TABLE = "testapp_offer"


def collection_validator():
    (info,) = connection.mongo_database.list_collections(filter={"name": TABLE})
    return info["options"].get("validator")


@pytest.fixture
def offer_model():
    with isolate_apps("tests.testapp"):
        class Offer(models.Model):
            price = models.IntegerField(null=True)
            discount = models.IntegerField(null=True)
            label = models.CharField(max_length=20, default="")

            class Meta:
                app_label = "testapp"
                constraints = [
                    models.CheckConstraint(condition=Q(price__gt=F("discount")),
                                           name="price_above_discount"),
                    models.CheckConstraint(condition=~Q(label="forbidden"), name="label_allowed"),
                ]

        with connection.schema_editor() as editor:
            editor.create_model(Offer)
        yield Offer
        connection.mongo_database.drop_collection(TABLE)
        connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": TABLE})


def test_clause_is_false_only_when_the_condition_is_false(offer_model):
    constraint = offer_model._meta.constraints[1]
    # label = "forbidden" is unknown when label is null: SQL's CHECK lets unknown pass.
    equal = {"$cond": [{"$eq": [{"$ifNull": ["$label", None]}, None]}, None,
                       {"$eq": ["$label", "forbidden"]}]}
    assert check_clause(connection, offer_model, constraint) == {"$expr": {"$ne": [
        {"$cond": [{"$eq": [equal, None]}, None, {"$not": [equal]}]}, False]}}


def test_collection_validator_holds_every_check(offer_model):
    clauses = [check_clause(connection, offer_model, c) for c in offer_model._meta.constraints]
    assert collection_validator() == {"$and": clauses}


def test_violating_writes_are_refused_by_the_server(offer_model):
    offer_model.objects.create(price=10, discount=5)
    with pytest.raises(IntegrityError, match="testapp_offer.*CheckConstraint"):
        offer_model.objects.create(price=1, discount=5)
    with pytest.raises(IntegrityError, match="CheckConstraint"):
        offer_model.objects.create(price=10, discount=5, label="forbidden")
    with pytest.raises(IntegrityError, match="CheckConstraint"):
        offer_model.objects.update(discount=50)
    with pytest.raises(IntegrityError, match="CheckConstraint"):
        offer_model.objects.bulk_create([offer_model(price=3, discount=1),
                                         offer_model(price=1, discount=3)])
    assert sorted(offer_model.objects.values_list("price", "discount")) == [(3, 1), (10, 5)]


def test_unknown_passes_as_in_sql(offer_model):
    offer_model.objects.create(price=None, discount=5)
    offer_model.objects.create(price=1, discount=None)
    assert offer_model.objects.count() == 2


def test_introspection_names_the_checks_with_their_columns(offer_model):
    constraints = connection.introspection.get_constraints(None, TABLE)
    assert constraints["price_above_discount"]["check"] is True
    assert constraints["price_above_discount"]["columns"] == ["discount", "price"]
    assert constraints["label_allowed"]["columns"] == ["label"]
    assert constraints["label_allowed"]["index"] is False


def test_adding_a_check_that_stored_documents_violate_is_refused_first(offer_model):
    offer = offer_model.objects.create(price=5000, discount=1)
    cheap = models.CheckConstraint(condition=Q(price__lt=1000), name="cheap")
    with pytest.raises(IntegrityError, match=f"'cheap'.*_id {offer.pk}.*testapp_offer"):
        with connection.schema_editor() as editor:
            editor.add_constraint(offer_model, cheap)
    assert "cheap" not in connection.introspection.get_constraints(None, TABLE)


def test_sqlmigrate_shows_the_validator_change(offer_model):
    cheap = models.CheckConstraint(condition=Q(price__lt=1000), name="cheap")
    with connection.schema_editor(collect_sql=True) as editor:
        editor.add_constraint(offer_model, cheap)
    assert editor.collected_sql[0].startswith('db.command({"collMod": "testapp_offer", '
                                              '"validator": {"$and": [')


def test_adding_and_removing_a_check_changes_the_validator(offer_model):
    cheap = models.CheckConstraint(condition=Q(price__lt=1000), name="cheap")
    with connection.schema_editor() as editor:
        editor.add_constraint(offer_model, cheap)
    # The model now has the check, as AddConstraint leaves it in the migration state: the schema
    # editor rebuilds the validator from the model's declared checks.
    offer_model._meta.constraints.append(cheap)
    with pytest.raises(IntegrityError):
        offer_model.objects.create(price=5000, discount=1)
    with connection.schema_editor() as editor:
        editor.remove_constraint(offer_model, offer_model._meta.constraints[0])
    offer_model.objects.create(price=1, discount=500)
    names = connection.introspection.get_constraints(None, TABLE)
    assert "cheap" in names and "price_above_discount" not in names


def test_conditional_unique_constraint_validation_runs_its_subquery(offer_model):
    # UniqueConstraint.validate() with a condition asks Q(...).check() whether an Exists()
    # subquery finds a clash: a database-level pipeline whose $lookup must come before $match.
    offer_model.objects.create(price=None, discount=1, label="a")
    saved = offer_model.objects.create(price=5, discount=1, label="b")
    unique = models.UniqueConstraint(fields=["label"], condition=Q(price__isnull=True),
                                     name="label_unique_without_price")
    with pytest.raises(ValidationError):
        unique.validate(offer_model, offer_model(price=None, discount=1, label="a"))
    unique.validate(offer_model, offer_model(price=None, discount=1, label="b"))
    unique.validate(offer_model, offer_model(price=7, discount=1, label="a"))
    unique.validate(offer_model, saved)
