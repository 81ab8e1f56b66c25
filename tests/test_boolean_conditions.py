"""Boolean conditions keep SQL's NULL: neither `flag` nor `NOT flag` is true for a NULL flag.

Translation tests assert the exact MQL (a stored boolean column is matched by its value, which
an index serves); behaviour tests run against four rows: a true, a false, a NULL and a missing
flag (a document written without the key, as by another application or before the field).
"""

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import (BooleanField, Case, Count, Exists, ExpressionWrapper, F, OuterRef,
                              Q, Value, When)
from django.db.models.lookups import Exact
from django.test import RequestFactory

from djongo_core.command import Command
from tests.testapp.models import Book, Sample

# "moment" is read with the key of its microseconds (djongo_core/sub_milliseconds.py).
SAMPLE_FIELDS = {"_id": 1, "flag": 1, "number": 1, "ratio": 1, "amount": 1, "label": 1,
                 "day": 1, "moment": 1, "__djongo_us__moment": 1, "clock": 1, "span": 1,
                 "token": 1, "book_id": 1}


def flag():
    """The flag as a bare condition: filter(flag()), When(flag(), ...), ~flag()."""
    return ExpressionWrapper(F("flag"), output_field=BooleanField())


def query_document(queryset):
    command = queryset.query.get_compiler(queryset.db).build_plan().command
    assert command.operation == "find"
    assert command.args[1] == SAMPLE_FIELDS
    return command.args[0]


def projected(queryset):
    command = queryset.query.get_compiler(queryset.db).build_plan().command
    assert command.operation == "aggregate"
    (stage,) = command.args[0]
    return stage["$project"]["c0"]


# -- translation --------------------------------------------------------------------------------

@pytest.mark.parametrize(("queryset", "expected"), [
    (lambda: Sample.objects.filter(flag=True), {"flag": True}),
    (lambda: Sample.objects.filter(flag=False), {"flag": False}),
    (lambda: Sample.objects.filter(flag__exact=1), {"flag": True}),
    (lambda: Sample.objects.filter(Q(flag=False) | Q(number=1)),
     {"$or": [{"flag": False}, {"number": 1}]}),
    (lambda: Sample.objects.filter(flag()), {"flag": True}),
    (lambda: Sample.objects.filter(Q(flag())), {"flag": True}),
    (lambda: Sample.objects.filter(~flag()), {"flag": False}),
    (lambda: Sample.objects.filter(Exact(F("flag"), True)),
     {"$expr": {"$and": [{"$eq": ["$flag", True]},
                         {"$ne": [{"$ifNull": ["$flag", None]}, None]}]}}),
    (lambda: Sample.objects.alias(ok=F("flag")).filter(ok=False), {"flag": False}),
    (lambda: Sample.objects.filter(flag__isnull=True), {"flag": None}),
], ids=["true", "false", "exact-1", "in-or", "bare", "bare-q", "bare-negated", "lookup-object",
        "alias", "isnull"])
def test_boolean_filters_match_the_stored_value(queryset, expected):
    assert query_document(queryset()) == expected


@pytest.mark.parametrize(("queryset", "expected"), [
    # Django adds "flag IS NOT NULL" beside the test: NOT (flag AND flag IS NOT NULL) keeps NULL.
    (lambda: Sample.objects.exclude(flag=True),
     {"$nor": [{"$and": [{"flag": True}, {"flag": {"$ne": None}}]}]}),
    (lambda: Sample.objects.filter(~Q(flag=False)),
     {"$nor": [{"$and": [{"flag": False}, {"flag": {"$ne": None}}]}]}),
    # A bare condition gets no such test: NOT (flag) is unknown, so not kept, for NULL.
    (lambda: Sample.objects.exclude(flag()), {"flag": False}),
    (lambda: Sample.objects.exclude(~flag()), {"flag": True}),
    (lambda: Sample.objects.exclude(Q(flag()) & Q(number=1)),
     {"$nor": [{"$and": [{"flag": {"$ne": False}}, {"number": 1}, {"number": {"$ne": None}}]}]}),
    (lambda: Sample.objects.exclude(Q(flag()) | ~Q(~flag())),
     {"$nor": [{"$or": [{"flag": {"$ne": False}}, {"flag": {"$ne": False}}]}]}),
], ids=["exclude-true", "not-q-false", "exclude-bare", "exclude-bare-negated", "exclude-and",
        "exclude-nested"])
def test_negated_boolean_filters_follow_sql_three_valued_logic(queryset, expected):
    assert query_document(queryset()) == expected


def test_conditional_expressions_test_true_and_false_exactly():
    queryset = Sample.objects.annotate(x=Case(
        When(flag=True, then=Value(1)), When(flag=False, then=Value(2)),
        When(~flag(), then=Value(3)), default=Value(0))).values_list("x")
    assert projected(queryset) == {"$switch": {"branches": [
        {"case": "$flag", "then": 1},
        {"case": {"$eq": ["$flag", False]}, "then": 2},
        {"case": {"$eq": ["$flag", False]}, "then": 3},
    ], "default": 0}}


def test_a_negated_bare_condition_as_a_value_is_null_for_a_null_flag():
    queryset = Sample.objects.annotate(x=~flag()).values_list("x")
    assert projected(queryset) == {"$cond": [{"$eq": [{"$ifNull": ["$flag", None]}, None]}, None,
                                             {"$not": ["$flag"]}]}


# -- behaviour: a true, a false, a NULL and a missing flag ------------------------------------

@pytest.fixture
def samples(db):
    rows = {name: Sample.objects.create(flag=value, label=name).pk
            for name, value in [("true", True), ("false", False), ("null", None),
                                ("missing", None)]}
    connection.executor.run(Command(Sample._meta.db_table, "update_one",
                                    ({"_id": rows["missing"]}, {"$unset": {"flag": ""}})))
    return rows


def labels(queryset):
    return sorted(queryset.values_list("label", flat=True))


@pytest.mark.parametrize(("queryset", "expected"), [
    (lambda: Sample.objects.filter(flag=True), ["true"]),
    (lambda: Sample.objects.filter(flag=False), ["false"]),
    (lambda: Sample.objects.filter(flag()), ["true"]),
    (lambda: Sample.objects.filter(~flag()), ["false"]),
    (lambda: Sample.objects.filter(Q(flag=False) | Q(flag=True)), ["false", "true"]),
    (lambda: Sample.objects.exclude(flag=True), ["false", "missing", "null"]),
    (lambda: Sample.objects.exclude(flag=False), ["missing", "null", "true"]),
    (lambda: Sample.objects.filter(~Q(flag=False)), ["missing", "null", "true"]),
    (lambda: Sample.objects.exclude(flag()), ["false"]),
    (lambda: Sample.objects.exclude(~flag()), ["true"]),
    (lambda: Sample.objects.exclude(Q(flag()) & Q(label="true")), ["false", "missing", "null"]),
    (lambda: Sample.objects.exclude(Q(flag()) | Q(label="null")), ["false"]),
    (lambda: Sample.objects.filter(flag__isnull=True), ["missing", "null"]),
], ids=["true", "false", "bare", "bare-negated", "or", "exclude-true", "exclude-false",
        "not-q-false", "exclude-bare", "exclude-bare-negated", "exclude-and", "exclude-or",
        "isnull"])
def test_boolean_filters_never_take_null_for_false(samples, queryset, expected):
    assert labels(queryset()) == expected


def test_case_when_on_a_flag_falls_to_the_default_for_null(samples):
    queryset = Sample.objects.annotate(kind=Case(
        When(flag=True, then=Value("yes")), When(flag=False, then=Value("no")),
        default=Value("unknown"))).order_by("label")
    assert list(queryset.values_list("label", "kind")) == [
        ("false", "no"), ("missing", "unknown"), ("null", "unknown"), ("true", "yes")]
    bare = Sample.objects.annotate(kind=Case(
        When(~flag(), then=Value("no")), When(~Q(flag()), then=Value("not true")),
        default=Value("other"))).order_by("label")
    assert list(bare.values_list("label", "kind")) == [
        ("false", "no"), ("missing", "other"), ("null", "other"), ("true", "other")]


def test_counting_with_a_false_filter_skips_null(samples):
    assert Sample.objects.aggregate(
        no=Count("pk", filter=Q(flag=False)), not_yes=Count("pk", filter=~Q(flag=True)),
        bare_no=Count("pk", filter=~Q(flag())),
    ) == {"no": 1, "not_yes": 3, "bare_no": 1}


def test_filtering_through_a_relation_and_exists(samples):
    book = Book.objects.create(title="t", author_id=_author().pk, in_print=False)
    Sample.objects.filter(label__in=["true", "null"]).update(book=book)
    assert labels(Sample.objects.filter(book__in_print=False)) == ["null", "true"]
    assert labels(Sample.objects.exclude(book__in_print=False)) == ["false", "missing"]
    flagged = Sample.objects.filter(book=OuterRef("pk"), flag=True)
    assert list(Book.objects.filter(Exists(flagged)).values_list("title", flat=True)) == ["t"]
    assert list(Book.objects.filter(~Exists(flagged))) == []


def _author():
    from tests.testapp.models import Author
    return Author.objects.create(name="a")


class SampleAdmin(admin.ModelAdmin):
    list_filter = ["flag"]


@pytest.mark.parametrize(("query", "expected"), [
    ({"flag__exact": "1"}, ["true"]),
    ({"flag__exact": "0"}, ["false"]),
    ({"flag__isnull": "True"}, ["missing", "null"]),
    ({}, ["false", "missing", "null", "true"]),
])
def test_admin_boolean_list_filter_keeps_unknown_apart(samples, query, expected):
    request = RequestFactory().get("/", query)
    request.user = AnonymousUser()
    model_admin = SampleAdmin(Sample, admin.site)
    changelist = model_admin.get_changelist_instance(request)
    assert isinstance(changelist, ChangeList)
    assert labels(changelist.get_queryset(request)) == expected
