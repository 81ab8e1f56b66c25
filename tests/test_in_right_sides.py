"""What `__in` reads on its right side besides a list: a Subquery() is its rows, as a queryset
is, and one expression is a list of that one value (SQL's `IN (expression)`).

Django 6.0 resolves a plain Subquery() to its Query, 5.2 keeps the wrapper; the compiler
reads both alike (django_compat.with_resolved_subquery), so these hold on every version."""

import pytest
from django.db.models import Exists, ExpressionWrapper, IntegerField, OuterRef, Subquery, Value
from django.db.models.lookups import Exact, In

from djongo_core.django_compat import with_resolved_subquery
from tests.testapp.models import Author, Book


def _stages(queryset):
    return queryset.query.get_compiler(queryset.db).build_plan().command.args[0]


def _present(column):
    return {"$ne": [{"$ifNull": [column, None]}, None]}


EDITED_BY_OUTER_ROW = {"$match": {"$expr": {"$and": [
    {"$eq": ["$editor_id", "$$outer0"]}, _present("$editor_id")]}}}


def test_in_a_correlated_subquery_is_every_row_of_the_subquery():
    authors_edited = Book.objects.filter(editor=OuterRef("pk")).values("author")
    queryset = Author.objects.filter(pk__in=Subquery(authors_edited)).order_by()
    assert _stages(queryset.values_list("name")) == [
        {"$lookup": {
            "from": "testapp_book",
            "pipeline": [EDITED_BY_OUTER_ROW, {"$project": {"_id": 0, "author_id": 1}}],
            "as": "__subquery0",
            "let": {"outer0": "$_id"},
        }},
        {"$match": {"$expr": {"$and": [
            {"$in": ["$_id", "$__subquery0.author_id"]}, _present("$_id")]}}},
        {"$project": {"_id": 0, "c0": "$name"}},
    ]
    without_wrapper = Author.objects.filter(pk__in=authors_edited).order_by()
    assert _stages(queryset) == _stages(without_wrapper)


def test_in_one_expression_is_a_list_of_that_one_value():
    edited = Book.objects.filter(editor__in=OuterRef("pk"))
    queryset = Author.objects.filter(Exists(edited)).order_by().values_list("name")
    assert _stages(queryset)[0]["$lookup"]["pipeline"][0] == {"$match": {"$expr": {"$and": [
        {"$in": ["$editor_id", ["$$outer0"]]}, _present("$editor_id")]}}}


def test_a_plain_subquery_on_the_right_is_replaced_by_its_query():
    subquery = Subquery(Book.objects.values("pages").query)
    lookup = In(Value(1), subquery)
    resolved = with_resolved_subquery(lookup)
    assert resolved.rhs is subquery.query
    assert lookup.rhs is subquery  # the query's own lookup is left as it was


def test_a_subquery_naming_another_output_type_keeps_it_in_a_wrapper():
    subquery = Subquery(Book.objects.values("title").query, output_field=IntegerField())
    resolved = with_resolved_subquery(Exact(Value(1), subquery))
    assert isinstance(resolved.rhs, ExpressionWrapper)
    assert resolved.rhs.expression is subquery.query
    assert isinstance(resolved.rhs.output_field, IntegerField)


def test_a_subquery_with_its_own_template_or_class_is_left_alone():
    class Rows(Subquery):
        pass

    for subquery in (Rows(Book.objects.values("pages").query),
                     Subquery(Book.objects.values("pages").query, template="%(subquery)s")):
        lookup = In(Value(1), subquery)
        assert with_resolved_subquery(lookup) is lookup


@pytest.mark.usefixtures("db")
def test_in_a_subquery_or_one_expression_answers_per_outer_row():
    ann = Author.objects.create(name="Ann")
    bob = Author.objects.create(name="Bob")
    cid = Author.objects.create(name="Cid")
    Book.objects.create(title="Edited", author=ann, editor=bob)
    Book.objects.create(title="Own", author=cid, editor=cid)
    authors_edited = Book.objects.filter(editor=OuterRef("pk")).values("author")
    assert list(Author.objects.filter(pk__in=Subquery(authors_edited))) == [cid]
    edits = Book.objects.filter(editor__in=OuterRef("pk"))
    assert list(Author.objects.filter(Exists(edits))) == [bob, cid]
