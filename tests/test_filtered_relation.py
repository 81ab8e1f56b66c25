"""FilteredRelation: the relation's condition joins the ON clause, compiled into the `$lookup`'s
own pipeline, so a LEFT join keeps rows whose related documents all fail the condition."""

import pytest
from django.db.models import Count, F, FilteredRelation, Q

from tests.test_translation import pipeline
from tests.testapp.models import Author, Book

PROJECT_AUTHOR = {"$project": {"_id": 0, "c0": "$_id", "c1": "$name", "c2": "$age",
                               "c3": "$email"}}


def test_the_condition_runs_inside_the_lookup_pipeline():
    queryset = Author.objects.annotate(
        long_books=FilteredRelation("books", condition=Q(books__pages__gte=300)),
    ).filter(long_books__isnull=False)
    assert pipeline(queryset) == [
        {"$lookup": {"from": "testapp_book", "localField": "_id", "foreignField": "author_id",
                     "as": "long_books", "pipeline": [
                         {"$match": {"author_id": {"$ne": None}, "pages": {"$gte": 300}}}]}},
        {"$unwind": {"path": "$long_books"}},
        {"$match": {"long_books._id": {"$ne": None}}},
        PROJECT_AUTHOR,
        {"$sort": {"c1": 1}},
    ]


def test_a_condition_reading_the_parent_row_uses_lookup_variables():
    queryset = Author.objects.annotate(
        self_edited=FilteredRelation("books", condition=Q(books__editor=F("pk"))),
    ).filter(self_edited__title="x")
    assert pipeline(queryset)[0] == {"$lookup": {
        "from": "testapp_book", "localField": "_id", "foreignField": "author_id",
        "as": "self_edited", "let": {"outer0": "$_id"}, "pipeline": [{"$match": {
            "author_id": {"$ne": None},
            "$expr": {"$and": [{"$eq": ["$editor_id", "$$outer0"]},
                               {"$ne": [{"$ifNull": ["$editor_id", None]}, None]}]},
        }}],
    }}


@pytest.fixture
def library(db):
    ann = Author.objects.create(name="Ann", age=40)
    bob = Author.objects.create(name="Bob", age=50)
    cid = Author.objects.create(name="Cid", age=60)
    Book.objects.create(title="Short", author=ann, editor=bob, pages=90)
    Book.objects.create(title="Long", author=ann, editor=ann, pages=400)
    Book.objects.create(title="Tome", author=bob, editor=cid, pages=900)
    Book.objects.create(title="Leaflet", author=bob, editor=bob, pages=4)
    return ann, bob, cid


def _long_books():
    return FilteredRelation("books", condition=Q(books__pages__gte=300))


def test_a_left_join_keeps_authors_without_a_matching_book(library):
    rows = Author.objects.annotate(long_books=_long_books()).values_list(
        "name", "long_books__title").order_by("name", "long_books__title")
    assert list(rows) == [("Ann", "Long"), ("Bob", "Tome"), ("Cid", None)]


def test_a_filter_on_the_relation_differs_from_the_condition_in_the_join(library):
    # A filter after the join drops Bob's leaflet; the condition in the join drops Ann's
    # short book while still returning Ann.
    joined = Author.objects.annotate(
        self_edited=FilteredRelation("books", condition=Q(books__editor=F("pk"))),
    ).values_list("name", "self_edited__title").order_by("name")
    assert list(joined) == [("Ann", "Long"), ("Bob", "Leaflet"), ("Cid", None)]


def test_exclude_on_a_filtered_relation(library):
    names = Author.objects.annotate(long_books=_long_books()).exclude(
        long_books__title__startswith="T").values_list("name", flat=True)
    assert list(names) == ["Ann", "Cid"]


def test_aggregation_counts_only_the_related_rows_meeting_the_condition(library):
    counts = Author.objects.annotate(long_books=_long_books()).annotate(
        n=Count("long_books")).values_list("name", "n").order_by("name")
    assert list(counts) == [("Ann", 1), ("Bob", 1), ("Cid", 0)]


def test_select_related_through_a_filtered_relation(library):
    books = Book.objects.annotate(
        young_editor=FilteredRelation("editor", condition=Q(editor__age__lt=55)),
    ).select_related("young_editor").order_by("title")
    # As on SQL backends, a row whose join found nothing leaves the attribute unset.
    editors = [(b.title, getattr(b, "young_editor", None)) for b in books]
    assert [(title, editor and editor.name) for title, editor in editors] == [
        ("Leaflet", "Bob"), ("Long", "Ann"), ("Short", "Bob"), ("Tome", None)]


def test_nested_relations_filter_the_last_join(library):
    # Books whose author edited some long book; the condition is on the second join.
    rows = Book.objects.annotate(
        author_long_edits=FilteredRelation(
            "author__edited", condition=Q(author__edited__pages__gte=300)),
    ).filter(author_long_edits__isnull=False).values_list("title", flat=True).order_by("title")
    # Ann edited "Long" (400 pages): her books qualify; Bob edited only short ones.
    assert list(rows) == ["Long", "Short"]


def test_an_empty_condition_matches_no_related_document(library):
    rows = Author.objects.annotate(
        none=FilteredRelation("books", condition=Q(books__pk__in=[])),
    ).values_list("name", "none__title").order_by("name")
    assert list(rows) == [("Ann", None), ("Bob", None), ("Cid", None)]


# -- a relation's own join condition (get_extra_restriction) --------------------------------

@pytest.fixture
def generic_links(db):
    """A generic relation whose object_id is text, pointing at integer primary keys."""
    from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, models
    from django.test.utils import isolate_apps

    with isolate_apps("tests.testapp"):
        class Link(models.Model):
            content_type = models.ForeignKey(ContentType, models.CASCADE)
            object_id = models.CharField(max_length=40)
            content_object = GenericForeignKey()
            value = models.CharField(max_length=20)

            class Meta:
                app_label = "testapp"

        class Page(models.Model):
            name = models.CharField(max_length=20)
            links = GenericRelation(Link)

            class Meta:
                app_label = "testapp"

        class Post(models.Model):
            links = GenericRelation(Link)

            class Meta:
                app_label = "testapp"

        with connection.schema_editor() as editor:
            for model in (Link, Page, Post):
                editor.create_model(model)
        try:
            yield Link, Page, Post
        finally:
            with connection.schema_editor() as editor:
                for model in (Link, Page, Post):
                    editor.delete_model(model)


def test_a_generic_relation_joins_text_object_ids_under_its_content_type(generic_links):
    Link, Page, Post = generic_links
    page, post = Page.objects.create(name="home"), Post.objects.create()
    assert page.pk == post.pk  # the same id in two collections: the content type tells them apart
    Link.objects.create(content_object=post, value="post link")
    Link.objects.create(content_object=page, value="page link")
    queryset = Page.objects.filter(links__value="page link")
    lookup = pipeline(queryset)[0]["$lookup"]
    content_type = lookup["pipeline"][0]["$match"]["content_type_id"]
    assert lookup == {
        "from": Link._meta.db_table, "as": lookup["as"], "let": {"key": "$_id"},
        "pipeline": [{"$match": {
            "object_id": {"$ne": None},
            "$expr": {"$eq": ["$object_id", {"$toString": "$$key"}]},
            "content_type_id": content_type,
        }}],
    }
    assert list(queryset) == [page]
    assert list(Page.objects.filter(links__value="post link")) == []


@pytest.fixture
def customers(db):
    """A ForeignObject over two columns, as Django's own foreign_object tests declare it."""
    from django.db import connection, models
    from django.test.utils import isolate_apps

    with isolate_apps("tests.testapp"):
        class Customer(models.Model):
            company = models.CharField(max_length=10)
            number = models.IntegerField()
            name = models.CharField(max_length=20)

            class Meta:
                app_label = "testapp"

        class Contact(models.Model):
            company_code = models.CharField(max_length=10)
            customer_number = models.IntegerField(null=True)
            customer = models.ForeignObject(
                Customer, models.CASCADE, from_fields=["company_code", "customer_number"],
                to_fields=["company", "number"], related_name="contacts")
            label = models.CharField(max_length=20)

            class Meta:
                app_label = "testapp"

        with connection.schema_editor() as editor:
            editor.create_model(Customer)
            editor.create_model(Contact)
        try:
            yield Customer, Contact
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Contact)
                editor.delete_model(Customer)


def test_a_join_over_two_columns_compares_both_in_the_lookup(customers):
    Customer, Contact = customers
    Customer.objects.create(company="acme", number=1, name="Ann")
    Customer.objects.create(company="acme", number=2, name="Bob")
    Customer.objects.create(company="zeta", number=1, name="Cid")
    for company, number, label in [("acme", 1, "a1"), ("zeta", 1, "z1"), ("acme", 2, "a2"),
                                   ("acme", None, "none")]:
        Contact.objects.create(company_code=company, customer_number=number, label=label)
    queryset = Contact.objects.filter(customer__name__in=["Ann", "Cid"]).values_list(
        "label", flat=True).order_by("label")
    assert pipeline(queryset)[0] == {"$lookup": {
        "from": Customer._meta.db_table, "as": Customer._meta.db_table,
        "let": {"key0": "$company_code", "key1": "$customer_number"},
        "pipeline": [{"$match": {
            "company": {"$ne": None}, "number": {"$ne": None},
            "$expr": {"$and": [{"$eq": ["$company", "$$key0"]},
                               {"$eq": ["$number", "$$key1"]}]}}}],
    }}
    assert list(queryset) == ["a1", "z1"]
    # The reverse join, and a contact whose key is partly null joins nothing.
    assert sorted(Customer.objects.filter(contacts__label__in=["a2", "none"]).values_list(
        "name", flat=True)) == ["Bob"]
    assert [(c.label, c.customer.name) for c in Contact.objects.select_related(
        "customer").exclude(customer_number=None).order_by("label")] == [
        ("a1", "Ann"), ("a2", "Bob"), ("z1", "Cid")]
