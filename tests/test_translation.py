"""QuerySet -> exact MQL, without a server."""

import datetime

import pytest
from django.core.exceptions import EmptyResultSet
from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from tests.testapp.models import Author, Book

AUTHOR_FIELDS = {"_id": 1, "name": 1, "age": 1, "email": 1}


def command(queryset):
    plan = queryset.query.get_compiler(queryset.db).build_plan()
    return plan.command


def find(queryset):
    result = command(queryset)
    assert result.operation == "find"
    return result.args, result.kwargs


def pipeline(queryset):
    result = command(queryset)
    assert result.operation == "aggregate"
    return result.args[0]


def test_plain_filters_use_the_index_friendly_query_form():
    args, options = find(Author.objects.filter(name="Ann", age__gte=18))
    assert args == ({"age": {"$gte": 18}, "name": "Ann"}, AUTHOR_FIELDS)
    assert options == {"sort": [("name", 1)]}


def test_primary_key_is_queried_as_underscore_id():
    args, _ = find(Author.objects.filter(pk__in=[3, 1]))
    assert args[0] == {"_id": {"$in": [3, 1]}}


def test_pattern_lookups_become_anchored_escaped_regexes():
    assert find(Author.objects.filter(name__startswith="a.b"))[0][0] == {
        "name": {"$regex": r"^a\.b"}}
    assert find(Author.objects.filter(name__iexact="Ann"))[0][0] == {
        "name": {"$regex": r"^Ann(?![\s\S])", "$options": "i"}}
    assert find(Author.objects.filter(name__icontains="(x)"))[0][0] == {
        "name": {"$regex": r"\(x\)", "$options": "i"}}


def test_q_objects_become_or_and_nor():
    query = Author.objects.filter(Q(name="Ann") | ~Q(pk=3))
    assert find(query)[0][0] == {"$or": [{"name": "Ann"}, {"$nor": [{"_id": 3}]}]}


def test_negation_on_a_nullable_field_spells_out_the_null_test_django_adds():
    assert find(Author.objects.exclude(age=3))[0][0] == {
        "$nor": [{"$and": [{"age": 3}, {"age": {"$ne": None}}]}]}


def test_isnull_and_range():
    assert find(Author.objects.filter(age__isnull=True))[0][0] == {"age": None}
    assert find(Book.objects.filter(pages__range=(1, 5)))[0][0] == {
        "pages": {"$gte": 1, "$lte": 5}}


def test_range_with_a_none_bound_matches_nothing_and_its_negation_tests_the_other_bound():
    with pytest.raises(EmptyResultSet):
        command(Book.objects.filter(pages__range=(None, 5)))
    with pytest.raises(EmptyResultSet):
        command(Book.objects.filter(created__range=(None, None)))
    assert find(Book.objects.exclude(pages__range=(None, 5)))[0][0] == {
        "$nor": [{"$or": [{"pages": {"$lte": 5}}, {"pages": None}]}]}
    assert find(Author.objects.exclude(age__range=(18, None)))[0][0] == {
        "$nor": [{"$or": [{"age": {"$gte": 18}}, {"age": None}], "age": {"$ne": None}}]}


def test_dates_are_stored_and_queried_as_bson_dates():
    query = Book.objects.filter(published=datetime.date(2020, 1, 5))
    assert find(query)[0][0] == {"published": datetime.datetime(2020, 1, 5)}


def test_f_expressions_need_expr():
    assert find(Book.objects.filter(pages__gt=F("pages") * 2).order_by())[0][0] == {
        "$expr": {"$and": [
            {"$gt": ["$pages", {"$multiply": ["$pages", 2]}]},
            {"$ne": [{"$ifNull": ["$pages", None]}, None]},
            {"$ne": [{"$ifNull": [{"$multiply": ["$pages", 2]}, None]}, None]},
        ]}}


def test_slicing_becomes_skip_and_limit():
    _, options = find(Author.objects.order_by("-age")[5:15])
    assert options == {"sort": [("age", -1)], "skip": 5, "limit": 10}


def test_foreign_key_filter_joins_with_lookup_and_unwind():
    stages = pipeline(Book.objects.filter(author__name="Ann").values_list("title").order_by())
    assert stages == [
        {"$lookup": {"from": "testapp_author", "localField": "author_id",
                     "foreignField": "_id", "as": "testapp_author"}},
        {"$unwind": {"path": "$testapp_author"}},
        {"$match": {"testapp_author.name": "Ann"}},
        {"$project": {"_id": 0, "c0": "$title"}},
    ]


def test_select_related_on_a_nullable_key_sorts_and_limits_before_the_left_join():
    stages = pipeline(Book.objects.select_related("editor").order_by("title")[:10])
    assert stages[0] == {"$sort": {"title": 1}}
    assert stages[1] == {"$limit": 10}
    assert stages[2] == {"$lookup": {"from": "testapp_author", "localField": "editor_id",
                                     "foreignField": "_id", "as": "testapp_author"}}
    assert stages[3] == {"$unwind": {"path": "$testapp_author",
                                     "preserveNullAndEmptyArrays": True}}


def test_count_is_a_group_stage():
    # What Query.get_aggregation() compiles for Author.objects.filter(age=3).count().
    aggregate = Author.objects.filter(age=3).query.chain()
    aggregate.clear_ordering(force=True)
    aggregate.select = ()
    aggregate.default_cols = False
    aggregate.add_annotation(Count("*"), "__count", select=True)
    stages = aggregate.get_compiler("default").build_plan().command.args[0]
    assert stages == [
        {"$match": {"age": 3}},
        {"$group": {"_id": None, "a0": {"$sum": 1}}},
        {"$project": {"_id": 0, "c0": "$a0"}},
    ]


def test_group_by_values_annotate():
    stages = pipeline(Book.objects.values("author").annotate(total=Sum("pages")).order_by())
    assert stages == [
        {"$group": {"_id": {"g0": "$author_id"},
                    "a0": {"$sum": "$pages"},
                    "a0_n": {"$sum": {"$cond": [{"$ne": [{"$ifNull": ["$pages", None]}, None]},
                                                1, 0]}}}},
        {"$project": {"_id": 0, "c0": "$_id.g0",
                      "c1": {"$cond": [{"$gt": ["$a0_n", 0]}, "$a0", None]}}},
    ]


def test_correlated_exists_is_a_lookup_with_let_variables():
    books = Book.objects.filter(author=OuterRef("pk"), pages__gt=100)
    stages = pipeline(Author.objects.filter(Exists(books)).order_by().values_list("name"))
    assert stages[0] == {"$lookup": {
        "from": "testapp_book",
        "pipeline": [
            {"$match": {"pages": {"$gt": 100},
                        "$expr": {"$and": [{"$eq": ["$author_id", "$$outer0"]},
                                           {"$ne": [{"$ifNull": ["$author_id", None]}, None]}]}}},
            {"$limit": 1},
            {"$project": {"_id": 0}},
        ],
        "as": "__subquery0",
        "let": {"outer0": "$_id"},
    }}
    assert stages[1] == {"$match": {"$expr": {"$gt": [{"$size": "$__subquery0"}, 0]}}}
