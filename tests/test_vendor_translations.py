"""A project's own lookups, transforms, functions, aggregates and join conditions translate
themselves with as_mongodb() (Django's as_<vendor> convention); one with SQL only is refused
with an error naming the class and the method to add."""

import pytest
from django.db import NotSupportedError
from django.db.models import (
    Aggregate, CharField, F, Func, IntegerField, Lookup, Transform,
)
from django.db.models.expressions import Col
from django.test.utils import register_lookup

from tests.test_translation import find, pipeline
from tests.testapp.models import Author, Book

pytestmark = pytest.mark.usefixtures("db")


class NotEqual(Lookup):
    """SQL's <>, which never matches NULL, in both forms."""

    lookup_name = "ne"

    def as_sql(self, compiler, connection):  # pragma: no cover - SQL backends only
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} <> {rhs}", [*lhs_params, *rhs_params]

    def as_mongodb(self, compiler, connection, translator, form):
        if form == "match":
            if translator.is_path(self.lhs) and self.rhs_is_direct_value():
                return {translator.field_path(self.lhs): {"$nin": [self.rhs, None]}}
            return None  # compared with an expression: the expression form, under $expr
        lhs = translator.expression(self.lhs)
        rhs = translator.expression(self.rhs) if hasattr(self.rhs, "resolve_expression") \
            else translator.literal(self.rhs)
        return {"$and": [{"$ne": [lhs, rhs]}, {"$ne": [{"$ifNull": [lhs, None]}, None]}]}


class Divides(Lookup):
    """An expression-only lookup: its match form is left to $expr."""

    lookup_name = "divides"

    def as_mongodb(self, compiler, connection, translator, form):
        if form == "match":
            return None
        return {"$eq": [{"$mod": [translator.literal(self.rhs), translator.expression(self.lhs)]},
                        0]}


class SqlOnlyLookup(Lookup):
    lookup_name = "sql_only"

    def as_sql(self, compiler, connection):  # pragma: no cover - SQL backends only
        return "1 = 1", []


class Cube(Transform):
    lookup_name = "cube"
    function = "CUBE_OF"  # a name no SQL database knows: as_mongodb() is its translation

    def as_mongodb(self, compiler, connection, translator, form):
        return {"$pow": [translator.expression(self.lhs), 3]}


class Shout(Transform):
    """A transform that only names SQL's UPPER: translated as UPPER, no as_mongodb() needed."""

    lookup_name = "shout"
    function = "UPPER"


class Initials(Func):
    """A function without translator or form in its signature (they are optional)."""

    output_field = CharField()

    def as_mongodb(self, compiler, connection):
        return {"$substrCP": ["$name", 0, 1]}


class SqlOnlyFunc(Func):
    function = "SOUNDEX"


class Longest(Aggregate):
    function = "MAX_LENGTH"
    output_field = IntegerField()

    def as_mongodb(self, compiler, connection, translator, form):
        assert form == "accumulator"
        return {"$max": {"$strLenCP": translator.expression(self.get_source_expressions()[0])}}


@pytest.fixture
def authors():
    Author.objects.create(name="Ann", age=30)
    Author.objects.create(name="Bob", age=None)
    Author.objects.create(name="Cid", age=40)


def test_a_lookup_gives_its_query_document_to_filter():
    with register_lookup(IntegerField, NotEqual):
        assert find(Author.objects.filter(age__ne=30))[0][0] == {"age": {"$nin": [30, None]}}


def test_a_lookup_with_as_mongodb_works_in_filter_exclude_and_annotate(authors):
    with register_lookup(IntegerField, NotEqual):
        names = Author.objects.values_list("name", flat=True)
        assert list(names.filter(age__ne=30)) == ["Cid"]
        # exclude(): Django adds its IS NOT NULL guard, so Bob (age NULL) is kept.
        assert list(names.exclude(age__ne=30)) == ["Ann", "Bob"]
        flagged = Author.objects.annotate(other=NotEqual(F("age"), 30)).values_list(
            "name", "other")
        assert list(flagged) == [("Ann", False), ("Bob", False), ("Cid", True)]


def test_a_lookup_against_an_expression_uses_its_expression_form(authors):
    with register_lookup(IntegerField, NotEqual):
        queryset = Author.objects.filter(age__ne=F("age") + 0)
        assert find(queryset)[0][0] == {"$expr": {"$and": [
            {"$ne": ["$age", {"$add": ["$age", 0]}]},
            {"$ne": [{"$ifNull": ["$age", None]}, None]}]}}
        assert list(queryset) == []


def test_a_lookup_answering_none_for_match_is_tested_under_expr(authors):
    with register_lookup(IntegerField, Divides):
        queryset = Author.objects.filter(age__divides=120).values_list("name", flat=True)
        assert pipeline(queryset)[0] == {
            "$match": {"$expr": {"$eq": [{"$mod": [120, "$age"]}, 0]}}}
        assert list(queryset) == ["Ann", "Cid"]


def test_a_transform_with_as_mongodb_filters_and_annotates(authors):
    with register_lookup(IntegerField, Cube):
        names = Author.objects.filter(age__cube__gt=30_000).values_list("name", flat=True)
        assert list(names) == ["Cid"]
        cubes = Author.objects.filter(age=30).annotate(c=Cube("age")).values_list("c", flat=True)
        assert pipeline(cubes)[-1]["$project"]["c0"] == {"$pow": ["$age", 3]}
        assert list(cubes) == [27_000]


def test_a_transform_naming_a_standard_sql_function_keeps_working(authors):
    with register_lookup(CharField, Shout):
        assert list(Author.objects.filter(name__shout="BOB").values_list("age", flat=True)) == [
            None]


def test_a_function_may_leave_out_translator_and_form(authors):
    assert list(Author.objects.annotate(i=Initials()).values_list("i", flat=True)) == [
        "A", "B", "C"]


def test_an_aggregate_gives_its_accumulator(authors):
    Book.objects.create(title="Tome", author=Author.objects.get(name="Ann"))
    Book.objects.create(title="Anthology", author=Author.objects.get(name="Ann"))
    assert Book.objects.aggregate(longest=Longest("title")) == {"longest": 9}


def test_a_lookup_with_only_sql_is_refused_naming_it_and_the_method():
    with register_lookup(CharField, SqlOnlyLookup), pytest.raises(NotSupportedError) as error:
        list(Author.objects.filter(name__sql_only="x"))
    message = str(error.value)
    assert "tests.test_vendor_translations.SqlOnlyLookup has only as_sql()" in message
    assert "as_mongodb(self, compiler, connection, translator, form)" in message


def test_a_function_with_only_an_sql_template_is_refused_naming_it():
    with pytest.raises(NotSupportedError) as error:
        list(Author.objects.annotate(s=SqlOnlyFunc("name")))
    message = str(error.value)
    assert "tests.test_vendor_translations.SqlOnlyFunc has only an SQL template" in message
    assert "as_mongodb(" in message


def test_a_django_function_without_translation_is_refused_suggesting_a_subclass():
    with pytest.raises(NotSupportedError) as error:
        list(Author.objects.annotate(s=Func(F("name"), function="SOUNDEX")))
    assert "subclass django.db.models.expressions.Func with a method as_mongodb(" in str(
        error.value)


def test_a_match_form_that_is_not_a_document_is_a_type_error(authors):
    class Broken(Lookup):
        lookup_name = "broken"

        def as_mongodb(self, compiler, connection, **context):
            return "$age"

    with register_lookup(IntegerField, Broken), pytest.raises(TypeError, match="Broken"):
        list(Author.objects.filter(age__broken=1))


class AdultsOnly:
    """A join condition as a project's relation adds one through get_extra_restriction()."""

    contains_aggregate = False

    def __init__(self, alias):
        self.alias = alias

    def as_mongodb(self, compiler, connection, translator, form):
        path = translator.field_path(Col(self.alias, Author._meta.get_field("age")))
        return {path: {"$gte": 18}}


class SqlOnlyRestriction(AdultsOnly):
    def as_sql(self, compiler, connection):  # pragma: no cover - SQL backends only
        return f"{self.alias}.age >= 18", []

    as_mongodb = None


def test_a_join_condition_translates_itself_inside_the_lookup(authors, monkeypatch):
    author_field = Book._meta.get_field("author")
    monkeypatch.setattr(author_field, "get_extra_restriction",
                        lambda alias, related_alias: AdultsOnly(alias), raising=False)
    Author.objects.create(name="Kid", age=9)
    for name in ("Ann", "Kid"):
        Book.objects.create(title=f"By {name}", author=Author.objects.get(name=name))
    queryset = Book.objects.filter(author__name__in=["Ann", "Kid"]).values_list("title",
                                                                                flat=True)
    assert pipeline(queryset)[0] == {"$lookup": {
        "from": "testapp_author", "localField": "author_id", "foreignField": "_id",
        "as": "testapp_author", "pipeline": [{"$match": {"age": {"$gte": 18}}}]}}
    assert list(queryset) == ["By Ann"]


def test_a_join_condition_with_only_sql_is_refused_naming_it(monkeypatch):
    author_field = Book._meta.get_field("author")
    monkeypatch.setattr(author_field, "get_extra_restriction",
                        lambda alias, related_alias: SqlOnlyRestriction(alias), raising=False)
    with pytest.raises(NotSupportedError, match="SqlOnlyRestriction has only as_sql()"):
        list(Book.objects.filter(author__name="Ann"))
