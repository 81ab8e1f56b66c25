"""Conditional UniqueConstraints: a condition a partial index can hold becomes the unique index's
partialFilterExpression (SQL's IS NOT NULL as the field's stored type, OR as $or); any other is
left out of the database with system check djongo_core.W151, and validated in Python by
Model.validate_constraints(), as Django does on databases without partial indexes."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models
from django.db.models import Q, UniqueConstraint
from django.test.utils import CaptureQueriesContext, isolate_apps

pytestmark = pytest.mark.usefixtures("db")

INDEXABLE = {
    "not_null": (Q(code__isnull=False), {"code": {"$type": "string"}}),
    "not_is_null": (~Q(code__isnull=True), {"code": {"$type": "string"}}),
    "number_not_null": (Q(rank__isnull=False), {"rank": {"$type": "number"}}),
    "either": (Q(rank__gte=3) | Q(status="live"),
               {"$or": [{"rank": {"$gte": 3}}, {"status": "live"}]}),
    "in_and_not_null": (Q(status__in=["live", "draft"], rank__isnull=False),
                        {"status": {"$in": ["live", "draft"]}, "rank": {"$type": "number"}}),
}
UNINDEXABLE = {
    "negation": ~Q(status="archived"),
    "startswith": Q(status__startswith="li"),
    "or_with_negation": Q(rank__gte=3) | ~Q(status="archived"),
}


@pytest.fixture
def make_listing():
    created = []

    def make(condition):
        registry = isolate_apps("tests.testapp")
        apps = registry.enable()

        class Listing(models.Model):
            name = models.CharField(max_length=20)
            code = models.CharField(max_length=20, null=True)
            rank = models.IntegerField(null=True)
            status = models.CharField(max_length=20, default="live")

            class Meta:
                app_label = "testapp"
                constraints = [UniqueConstraint(fields=["name"], condition=condition,
                                                name="listing_name_uniq")]

        registry.disable()
        with connection.schema_editor() as editor:
            editor.create_model(Listing)
        created.append(Listing)
        return Listing, apps

    yield make
    with connection.schema_editor() as editor:
        for model in created:
            editor.delete_model(model)


def _condition_warnings(apps):
    """The database checks about conditions (W151, W152), without the others (W201...)."""
    issues = connection.validation.check(app_configs=[apps.get_app_config("testapp")])
    return [issue for issue in issues if issue.id in ("djongo_core.W151", "djongo_core.W152")]


def _index(model):
    indexes = connection.mongo_database[model._meta.db_table].index_information()
    return indexes.get("listing_name_uniq")


@pytest.mark.parametrize("case", INDEXABLE)
def test_a_condition_a_partial_index_holds_becomes_its_filter(make_listing, case):
    condition, expected = INDEXABLE[case]
    listing, apps = make_listing(condition)
    index = _index(listing)
    assert index["unique"] is True
    assert index["partialFilterExpression"] == expected
    assert _condition_warnings(apps) == []


def test_a_partial_index_enforces_the_condition_on_every_write(make_listing):
    listing, _ = make_listing(Q(rank__gte=3) | Q(code__isnull=False))
    listing.objects.create(name="a", rank=1)
    listing.objects.create(name="a", rank=2)  # outside the condition: no conflict
    listing.objects.create(name="a", rank=5)
    with pytest.raises(IntegrityError):
        listing.objects.create(name="a", code="x")


@pytest.mark.parametrize("case", UNINDEXABLE)
def test_an_unindexable_condition_is_left_to_validation_with_a_warning(make_listing, case):
    listing, apps = make_listing(UNINDEXABLE[case])
    # The test database was set up: no NotSupportedError, and no index pretends to enforce it.
    assert _index(listing) is None
    (warning,) = _condition_warnings(apps)
    assert warning.id == "djongo_core.W151"
    assert "'listing_name_uniq'" in warning.msg and "testapp.Listing" in warning.msg
    listing.objects.create(name="a", rank=9, status="live")
    listing.objects.create(name="a", rank=1, status="archived")  # outside every condition
    duplicate = listing(name="a", rank=9, status="live")
    with pytest.raises(ValidationError):
        duplicate.validate_constraints()
    listing(name="b", rank=9, status="live").validate_constraints()
    listing(name="a", rank=1, status="archived").validate_constraints()


def test_adding_and_removing_an_unindexable_constraint_sends_nothing(make_listing):
    listing, _ = make_listing(None)
    constraint = UniqueConstraint(fields=["code"], condition=~Q(status="archived"),
                                  name="listing_code_uniq")
    with CaptureQueriesContext(connection) as captured, connection.schema_editor() as editor:
        editor.add_constraint(listing, constraint)
        editor.remove_constraint(listing, constraint)
    assert [q["sql"] for q in captured if "listing_code_uniq" in q["sql"]] == []


def test_an_index_whose_condition_no_partial_index_holds_is_left_out_with_a_warning(
        make_listing):
    listing, apps = make_listing(None)
    index = models.Index(fields=["rank"], condition=~Q(status="archived"), name="live_rank")
    listing._meta.indexes = [index]
    with CaptureQueriesContext(connection) as captured, connection.schema_editor() as editor:
        editor.add_index(listing, index)
        editor.remove_index(listing, index)
    assert [q["sql"] for q in captured if "live_rank" in q["sql"]] == []
    (warning,) = _condition_warnings(apps)
    assert warning.id == "djongo_core.W152" and "'live_rank'" in warning.msg
