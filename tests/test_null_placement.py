"""order_by(... nulls_first / nulls_last): MongoDB sorts null below every value, so an explicit
placement sorts on "is null" first."""

import pytest
from django.db.models import F, Value

from tests.test_translation import command
from tests.testapp.models import Author

pytestmark = pytest.mark.usefixtures("db")

IS_NULL_AGE = {"$eq": [{"$ifNull": ["$age", None]}, None]}


@pytest.fixture
def authors():
    for name, age in [("Ann", 30), ("Bob", None), ("Cy", 20)]:
        Author.objects.create(name=name, age=age)


def names(queryset):
    return list(queryset.values_list("name", flat=True))


def test_nulls_last_sorts_on_the_null_test_before_the_value():
    pipeline = command(Author.objects.order_by(F("age").asc(nulls_last=True)).values_list(
        "name", flat=True)).args[0]
    assert pipeline == [
        {"$project": {"_id": 0, "c0": "$name", "s0": IS_NULL_AGE, "s1": "$age"}},
        {"$sort": {"s0": 1, "s1": 1}},
    ]


@pytest.mark.parametrize(("ordering", "expected"), [
    (F("age").asc(nulls_last=True), ["Cy", "Ann", "Bob"]),
    (F("age").asc(nulls_first=True), ["Bob", "Cy", "Ann"]),
    (F("age").desc(nulls_first=True), ["Bob", "Ann", "Cy"]),
    (F("age").desc(nulls_last=True), ["Ann", "Cy", "Bob"]),
])
def test_null_placement(authors, ordering, expected):
    assert names(Author.objects.order_by(ordering)) == expected


def test_null_placement_on_a_union(authors):
    young = Author.objects.filter(age__lt=25).values("name", "age")
    others = Author.objects.exclude(age__lt=25).values("name", "age")
    rows = young.union(others).order_by(F("age").desc(nulls_first=True))
    assert [row["name"] for row in rows] == ["Bob", "Ann", "Cy"]


def test_constant_columns_of_a_union_are_quoted_so_zero_is_not_an_exclusion(authors):
    first = Author.objects.filter(name="Ann").annotate(zero=Value(0)).values_list("age", "zero")
    second = Author.objects.filter(name="Cy").annotate(zero=Value(0)).values_list("zero", "age")
    # Unordered: Meta.ordering's name is not among the chosen columns, which Django refuses.
    stages = command(first.union(second).order_by()).args[0]
    assert stages[3] == {"$project": {"_id": 0, "c0": {"$ifNull": ["$age", None]},
                                      "c1": {"$literal": 0}}}
    assert sorted(first.union(second).order_by()) == [(0, 20), (30, 0)]

