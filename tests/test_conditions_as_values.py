"""A condition read as a value follows SQL: true, false, or null when an operand is null."""

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce

from tests.testapp.models import Author

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def authors():
    Author.objects.create(name="Ann", age=30)
    Author.objects.create(name="Bob", age=None)
    Author.objects.create(name="Cy", age=10)


def flags(condition):
    annotated = Author.objects.annotate(
        flag=ExpressionWrapper(condition, output_field=BooleanField()))
    return dict(annotated.values_list("name", "flag"))


@pytest.mark.parametrize(("condition", "expected"), [
    (Q(age__gte=18), {"Ann": True, "Bob": None, "Cy": False}),
    # Django negates a nullable column's test as NOT (age >= 18 AND age IS NOT NULL): true.
    (~Q(age__gte=18), {"Ann": False, "Bob": True, "Cy": True}),
    (Q(age__gte=18) | Q(name="Bob"), {"Ann": True, "Bob": True, "Cy": False}),
    (Q(age__gte=18) & Q(name="Bob"), {"Ann": False, "Bob": None, "Cy": False}),
    (Q(age__isnull=True), {"Ann": False, "Bob": True, "Cy": False}),
])
def test_condition_values_keep_sql_unknown(authors, condition, expected):
    assert flags(condition) == expected


def test_coalesce_of_an_unknown_condition_takes_the_default(authors):
    rows = Author.objects.annotate(ok=Coalesce(Q(age__gte=18), False,
                                               output_field=BooleanField()))
    assert dict(rows.values_list("name", "ok")) == {"Ann": True, "Bob": False, "Cy": False}


def test_a_check_constraint_on_a_nullable_field_accepts_null():
    # As on SQL databases: a null operand leaves the condition unknown, which passes.
    constraint = models.CheckConstraint(condition=Q(age__gte=0), name="age_not_negative")
    constraint.validate(Author, Author(name="Ann", age=None))
    with pytest.raises(ValidationError):
        constraint.validate(Author, Author(name="Ann", age=-1))


def test_exclude_of_a_comparison_of_expressions_reads_the_tree_with_sql_nulls(authors):
    # Django sends NOT (age > age - 5 AND age IS NOT NULL): false for Ann and Cy, and for Bob
    # (unknown AND false) is false, so NOT keeps him, as on SQL databases.
    queryset = Author.objects.exclude(age__gt=F("age") - 5)
    assert [author.name for author in queryset] == ["Bob"]
    assert str(queryset.query).startswith('db.testapp_author.find({"$expr": {"$eq": [')
    # A comparison with a plain value keeps the index-friendly form (Django guards the nulls).
    assert str(Author.objects.exclude(age=3).query).startswith(
        'db.testapp_author.find({"$nor": [')
    assert set(Author.objects.exclude(age=30).values_list("name", flat=True)) == {"Bob", "Cy"}
