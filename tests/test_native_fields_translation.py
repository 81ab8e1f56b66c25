"""MongoDB-native fields: lookups inside documents and arrays -> exact MQL, without a server."""

import pytest
from django.db import NotSupportedError
from django.db.models import Case, F, Value, When

from tests.fieldsapp.models import Label, Post


def query_document(queryset):
    plan = queryset.query.get_compiler(queryset.db).build_plan()
    assert plan.command.operation == "find"
    return plan.command.args[0]


def test_embedded_fields_are_reached_by_dotted_paths():
    assert query_document(Post.objects.filter(author__name="Ann")) == {"author.name": "Ann"}
    assert query_document(Post.objects.filter(author__address__city__startswith="Os")) == {
        "author.address.city": {"$regex": "^Os"}}
    assert query_document(Post.objects.filter(author__born__year__gte=1990)) == {
        "$expr": {"$and": [
            {"$gte": [{"$year": {"date": "$author.born"}}, 1990]},
            {"$ne": [{"$ifNull": [{"$year": {"date": "$author.born"}}, None]}, None]},
        ]}}


def test_embedded_field_null_tests_match_missing_and_null_keys():
    assert query_document(Post.objects.filter(author__email__isnull=True)) == {
        "author.email": None}
    assert query_document(Post.objects.filter(author__isnull=False)) == {
        "author": {"$ne": None}}


def test_member_lookups_on_embedded_lists_match_any_member():
    assert query_document(Post.objects.filter(comments__author="Bob")) == {
        "comments.author": "Bob"}
    assert query_document(Post.objects.filter(comments__votes__gt=2)) == {
        "comments.votes": {"$gt": 2}}
    assert query_document(Post.objects.exclude(comments__author="Bob")) == {
        "$nor": [{"comments.author": "Bob"}]}
    assert query_document(Post.objects.filter(comments__0__author="Bob")) == {
        "comments.0.author": "Bob"}
    assert query_document(Post.objects.filter(comments__len=0)) == {"comments": {"$size": 0}}


def test_member_lookups_against_a_column_test_each_member():
    assert query_document(Post.objects.filter(comments__author=F("title"))) == {"$expr": {
        "$gt": [{"$size": {"$filter": {
            "input": {"$ifNull": ["$comments", []]}, "as": "member",
            "cond": {"$and": [{"$eq": ["$$member.author", "$title"]},
                              {"$ne": [{"$ifNull": ["$$member.author", None]}, None]}]},
        }}}, 0]}}


def test_array_lookups():
    assert query_document(Post.objects.filter(tags__contains=["a", "b"])) == {
        "tags": {"$all": ["a", "b"]}}
    assert query_document(Post.objects.filter(tags__contains=[])) == {
        "tags": {"$type": "array"}}
    assert query_document(Post.objects.filter(tags__overlap=["a", "b"])) == {
        "tags": {"$in": ["a", "b"]}}
    assert query_document(Post.objects.filter(tags__contained_by=["a", "b"])) == {"$expr": {
        "$and": [{"$isArray": "$tags"}, {"$setIsSubset": ["$tags", {"$literal": ["a", "b"]}]}]}}
    assert query_document(Post.objects.filter(tags__len=2)) == {"tags": {"$size": 2}}
    assert query_document(Post.objects.filter(tags__len__lt=2)) == {"$expr": {"$and": [
        {"$lt": [{"$cond": [{"$isArray": "$tags"}, {"$size": "$tags"}, None]}, 2]},
        {"$ne": [{"$ifNull": [{"$cond": [{"$isArray": "$tags"}, {"$size": "$tags"}, None]},
                              None]}, None]},
    ]}}
    assert query_document(Post.objects.filter(tags=["a", "b"])) == {"tags": {"$eq": ["a", "b"]}}


def test_array_items_by_index_and_slices():
    assert query_document(Post.objects.filter(tags__1="b")) == {"tags.1": "b"}
    assert query_document(Post.objects.filter(matrix__0__1=5)) == {"matrix.0.1": 5}
    assert query_document(Post.objects.filter(tags__0_2=["a", "b"])) == {"$expr": {
        "$eq": [{"$slice": ["$tags", 0, 2]}, {"$literal": ["a", "b"]}]}}


def test_an_overlap_with_no_values_matches_nothing():
    assert list(Post.objects.filter(tags__overlap=[])) == []


def test_array_lookups_in_conditions_are_aggregation_expressions():
    queryset = Post.objects.annotate(
        tagged=Case(When(tags__contains=["a"], then=Value(1)), default=Value(0)))
    plan = queryset.query.get_compiler(queryset.db).build_plan()
    projection = plan.pipeline()[-1]["$project"]
    assert {"$switch": {"branches": [{
        "case": {"$and": [{"$isArray": "$tags"}, {"$setIsSubset": [{"$literal": ["a"]},
                                                                    "$tags"]}]},
        "then": 1}], "default": 0}} in projection.values()


def test_reference_lists_filter_by_member_keys():
    label = Label(pk=7, name="x")
    assert query_document(Post.objects.filter(labels=label)) == {"labels": 7}
    assert query_document(Post.objects.filter(labels=7)) == {"labels": 7}
    assert query_document(Post.objects.filter(labels__in=[label, 8])) == {
        "labels": {"$in": [7, 8]}}
    assert query_document(Post.objects.filter(labels__contains=[label])) == {
        "labels": {"$all": [7]}}


def test_a_reference_list_rejects_objects_of_another_model():
    with pytest.raises(TypeError, match="refers to Label objects, not Post"):
        Post.objects.filter(labels=Post(pk=1))


def test_fields_of_referenced_objects_cannot_be_selected():
    with pytest.raises(NotSupportedError, match="can only be filtered on"):
        list(Post.objects.values("labels__name"))


def test_text_patterns_on_a_list_of_text_match_any_item():
    assert query_document(Post.objects.filter(tags__icontains="Go")) == {
        "tags": {"$regex": "Go", "$options": "i"}}
    assert query_document(Post.objects.filter(tags__startswith="dj")) == {
        "tags": {"$regex": "^dj"}}


def test_json_contains_unrolls_the_value_into_one_expression():
    assert query_document(Post.objects.filter(extra__contains={"a": 1, "b": [None]})) == {
        "$expr": {"$and": [
            {"$eq": [{"$type": "$extra"}, "object"]},
            {"$eq": [{"$getField": {"field": {"$literal": "a"}, "input": "$extra"}}, 1]},
            {"$and": [
                {"$isArray": {"$getField": {"field": {"$literal": "b"}, "input": "$extra"}}},
                {"$gt": [{"$size": {"$filter": {
                    "input": {"$cond": [
                        {"$isArray": {"$getField": {"field": {"$literal": "b"},
                                                    "input": "$extra"}}},
                        {"$getField": {"field": {"$literal": "b"}, "input": "$extra"}}, []]},
                    "as": "json0",
                    "cond": {"$eq": [{"$type": "$$json0"}, "null"]},
                }}}, 0]},
            ]},
        ]}}


def test_json_contained_by_allows_only_the_given_keys_and_values():
    assert query_document(Post.objects.filter(extra__contained_by={"a": "$x"})) == {
        "$expr": {"$and": [
            {"$eq": [{"$type": "$extra"}, "object"]},
            {"$setIsSubset": [{"$map": {"input": {"$objectToArray": {"$cond": [
                {"$eq": [{"$type": "$extra"}, "object"]}, "$extra", {}]}}, "in": "$$this.k"}},
                {"$literal": ["a"]}]},
            {"$or": [
                {"$eq": [{"$type": {"$getField": {"field": {"$literal": "a"},
                                                  "input": "$extra"}}}, "missing"]},
                {"$eq": [{"$getField": {"field": {"$literal": "a"}, "input": "$extra"}},
                         {"$literal": "$x"}]},
            ]},
        ]}}
