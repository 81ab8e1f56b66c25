"""Everyday QuerySet use on MongoDB: lookups, Q trees, ordering, slicing, values, counts."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum

from tests.testapp.models import Author, Book, Tag

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def library():
    ann = Author.objects.create(name="Ann", age=30, email="ann@example.com")
    bob = Author.objects.create(name="Bob", age=None)
    cid = Author.objects.create(name="cid", age=45)
    books = [
        Book.objects.create(title="Alpha (1st)", author=ann, pages=100, price=Decimal("9.99"),
                            published=datetime.date(2020, 1, 5)),
        Book.objects.create(title="Beta", author=ann, editor=bob, pages=250,
                            published=datetime.date(2021, 6, 1)),
        Book.objects.create(title="gamma.*", author=bob, editor=ann, pages=50, in_print=False),
    ]
    return {"ann": ann, "bob": bob, "cid": cid, "books": books}


def names(queryset):
    return [author.name for author in queryset]


def titles(queryset):
    return sorted(book.title for book in queryset)


def test_create_assigns_increasing_integer_ids_and_get_reads_them_back(library):
    ann, bob = library["ann"], library["bob"]
    assert isinstance(ann.pk, int) and bob.pk == ann.pk + 1
    assert Author.objects.get(pk=ann.pk).name == "Ann"


def test_exact_and_iexact_match_whole_values_only(library):
    assert names(Author.objects.filter(name="Ann")) == ["Ann"]
    assert names(Author.objects.filter(name__iexact="CID")) == ["cid"]
    assert names(Author.objects.filter(name__iexact="ci")) == []


@pytest.mark.parametrize(("lookup", "value", "expected"), [
    ("contains", "(1st", ["Alpha (1st)"]),
    ("icontains", "ALPHA", ["Alpha (1st)"]),
    ("startswith", "Be", ["Beta"]),
    ("istartswith", "be", ["Beta"]),
    ("endswith", ".*", ["gamma.*"]),
    ("iendswith", "A.*", ["gamma.*"]),
    ("contains", ".", ["gamma.*"]),
    ("regex", r"^[AB]", ["Alpha (1st)", "Beta"]),
    ("iregex", r"^g", ["gamma.*"]),
])
def test_pattern_lookups_match_regex_metacharacters_literally(library, lookup, value, expected):
    assert titles(Book.objects.filter(**{f"title__{lookup}": value})) == expected


def test_comparisons_in_and_range(library):
    assert titles(Book.objects.filter(pages__gt=100)) == ["Beta"]
    assert titles(Book.objects.filter(pages__gte=100)) == ["Alpha (1st)", "Beta"]
    assert titles(Book.objects.filter(pages__lte=50)) == ["gamma.*"]
    assert titles(Book.objects.filter(pages__in=[50, 250, 7])) == ["Beta", "gamma.*"]
    assert titles(Book.objects.filter(pages__range=(60, 300))) == ["Alpha (1st)", "Beta"]
    assert list(Book.objects.filter(pages__in=[])) == []


def test_range_with_a_none_bound_is_never_true_as_in_sql(library):
    # BETWEEN NULL AND 40 is unknown or false, never true; django-filter's range filters send
    # None for a bound left empty.
    assert names(Author.objects.filter(age__range=(None, 40))) == []
    assert names(Author.objects.filter(age__range=(None, None))) == []
    assert titles(Book.objects.filter(created__range=(None, None))) == []
    assert titles(Book.objects.filter(created__range=(datetime.datetime(2000, 1, 1), None))) == []


def test_exclude_range_with_a_none_bound_keeps_the_rows_sql_keeps(library):
    # NOT (age BETWEEN NULL AND 40 AND age IS NOT NULL): false only where the given bound holds.
    assert names(Author.objects.exclude(age__range=(None, 40))) == ["Bob", "cid"]
    assert names(Author.objects.exclude(age__range=(40, None))) == ["Ann", "Bob"]
    assert names(Author.objects.exclude(age__range=(None, None))) == ["Bob"]
    assert titles(Book.objects.exclude(pages__range=(None, 100))) == ["Beta"]


def test_isnull_matches_null_values(library):
    assert names(Author.objects.filter(age__isnull=True)) == ["Bob"]
    assert names(Author.objects.filter(age__isnull=False)) == ["Ann", "cid"]
    assert names(Author.objects.filter(age=None)) == ["Bob"]


def test_greater_than_never_matches_null(library):
    assert names(Author.objects.filter(age__gt=0)) == ["Ann", "cid"]


@pytest.mark.engine_deviation("range-operators-match-null")
def test_less_than_never_matches_null(library):
    assert names(Author.objects.filter(age__lt=100)) == ["Ann", "cid"]


def test_exclude_keeps_null_rows_like_sql(library):
    # SQL: NOT (age = 30) is unknown for NULL, and Django's exclude() keeps such rows.
    assert names(Author.objects.exclude(age=30)) == ["Bob", "cid"]


def test_q_objects_combine_with_and_or_not(library):
    assert names(Author.objects.filter(Q(name="Ann") | Q(age=45))) == ["Ann", "cid"]
    assert names(Author.objects.filter(Q(name__startswith="A") & Q(age=30))) == ["Ann"]
    assert names(Author.objects.filter(~Q(name="Ann"))) == ["Bob", "cid"]
    assert names(Author.objects.filter(Q(age__gt=40) | ~Q(name__icontains="o"))) == ["Ann", "cid"]


def test_filters_across_foreign_keys_and_many_to_many(library):
    ann = library["ann"]
    tag = Tag.objects.create(label="classic")
    library["books"][0].tags.add(tag)
    assert titles(Book.objects.filter(author__name="Ann")) == ["Alpha (1st)", "Beta"]
    assert titles(Book.objects.filter(editor__age__gt=20)) == ["gamma.*"]
    assert names(Author.objects.filter(books__title="Beta")) == ["Ann"]
    assert titles(Book.objects.filter(tags__label="classic")) == ["Alpha (1st)"]
    assert list(Tag.objects.filter(books__author=ann)) == [tag]
    assert titles(ann.books.all()) == ["Alpha (1st)", "Beta"]


def test_filter_across_multi_valued_relation_repeats_rows_like_sql(library):
    # Ann wrote two books, so a join through her books yields her twice, as SQL does.
    assert names(Author.objects.filter(books__pages__gt=0)) == ["Ann", "Ann", "Bob"]
    assert names(Author.objects.filter(books__pages__gt=0).distinct()) == ["Ann", "Bob"]


def test_exclude_across_relation(library):
    assert names(Author.objects.exclude(books__title="Beta")) == ["Bob", "cid"]


def test_ordering_default_reverse_and_across_relations(library):
    assert names(Author.objects.all()) == ["Ann", "Bob", "cid"]
    assert names(Author.objects.order_by("-name")) == ["cid", "Bob", "Ann"]
    assert names(Author.objects.order_by("name").reverse()) == ["cid", "Bob", "Ann"]
    assert [b.title for b in Book.objects.order_by("author__name", "-pages")] == [
        "Beta", "Alpha (1st)", "gamma.*"]


def test_slicing_and_first_last(library):
    assert names(Author.objects.all()[1:]) == ["Bob", "cid"]
    assert names(Author.objects.all()[:2]) == ["Ann", "Bob"]
    assert names(Author.objects.all()[1:2]) == ["Bob"]
    assert Author.objects.first().name == "Ann"
    assert Author.objects.last().name == "cid"
    assert Author.objects.all()[2].name == "cid"


def test_count_and_exists(library):
    assert Author.objects.count() == 3
    assert Book.objects.filter(author__name="Ann").count() == 2
    assert Author.objects.all()[1:].count() == 2
    assert Author.objects.filter(name="Ann").exists()
    assert not Author.objects.filter(name="Nobody").exists()
    assert Author.objects.filter(pk__in=[]).count() == 0


def test_values_and_values_list(library):
    assert list(Author.objects.values("name", "age")) == [
        {"name": "Ann", "age": 30}, {"name": "Bob", "age": None}, {"name": "cid", "age": 45}]
    assert list(Author.objects.values_list("name", flat=True)) == ["Ann", "Bob", "cid"]
    assert sorted(Book.objects.values_list("title", "author__name")) == [
        ("Alpha (1st)", "Ann"), ("Beta", "Ann"), ("gamma.*", "Bob")]


def test_values_keep_python_types(library):
    book = Book.objects.get(title="Alpha (1st)")
    assert book.price == Decimal("9.99")
    assert book.published == datetime.date(2020, 1, 5)
    assert book.created.tzinfo is not None
    assert book.in_print is True


def test_f_expressions_in_filters_and_updates(library):
    assert titles(Book.objects.filter(pages__gt=F("author__age") * 5)) == ["Beta"]
    Book.objects.filter(author__name="Ann").update(pages=F("pages") + 1)
    assert sorted(Book.objects.values_list("pages", flat=True)) == [50, 101, 251]


def test_update_returns_matched_count_and_sets_values(library):
    assert Book.objects.filter(in_print=True).update(in_print=False, title="$literal") == 2
    assert Book.objects.filter(title="$literal").count() == 2


def test_aggregate_and_annotate_group_by(library):
    assert Book.objects.aggregate(total=Sum("pages"), most=Max("pages")) == {
        "total": 400, "most": 250}
    assert Book.objects.filter(pages__gt=1000).aggregate(total=Sum("pages")) == {"total": None}
    counts = dict(Author.objects.annotate(n=Count("books")).values_list("name", "n"))
    assert counts == {"Ann": 2, "Bob": 1, "cid": 0}


def test_select_related_follows_foreign_keys_in_one_command(library, queries):
    books = list(Book.objects.select_related("author", "editor").order_by("pages"))
    assert len(queries) == 1
    assert [(b.title, b.author.name, b.editor and b.editor.name) for b in books] == [
        ("gamma.*", "Bob", "Ann"), ("Alpha (1st)", "Ann", None), ("Beta", "Ann", "Bob")]


def test_prefetch_related_on_many_to_many_runs_one_command_per_level(library):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tag = Tag.objects.create(label="t")
    for book in library["books"]:
        book.tags.add(tag)
    with CaptureQueriesContext(connection) as captured:
        books = list(Book.objects.prefetch_related("tags"))
        assert [list(b.tags.all()) for b in books] == [[tag]] * 3
    assert len(captured) == 2


def test_get_or_create_and_update_or_create(library):
    author, created = Author.objects.get_or_create(name="Ann")
    assert not created and author == library["ann"]
    author, created = Author.objects.get_or_create(name="Dee", defaults={"age": 20})
    assert created and Author.objects.get(name="Dee").age == 20
    author, created = Author.objects.update_or_create(name="Dee", defaults={"age": 21})
    assert not created and Author.objects.get(name="Dee").age == 21


def test_delete_cascades_and_sets_null(library):
    ann = library["ann"]
    ann.delete()
    assert titles(Book.objects.all()) == ["gamma.*"]
    assert Book.objects.get(title="gamma.*").editor is None


def test_queryset_delete_returns_counts(library):
    deleted, per_model = Author.objects.filter(name="Bob").delete()
    assert per_model["testapp.Author"] == 1
    assert per_model["testapp.Book"] == 1


def test_a_delete_filtered_by_exists_selects_the_ids_first(library, queries):
    # A delete cannot run the $lookup an Exists() needs: the matching ids are found first.
    long_books = Book.objects.filter(pk=OuterRef("pk"), pages__gt=200)
    deleted, _ = Book.objects.filter(Exists(long_books)).delete()
    assert deleted == 1
    assert titles(Book.objects.all()) == ["Alpha (1st)", "gamma.*"]
    delete = next(query["sql"] for query in queries
                  if query["sql"].startswith("db.testapp_book.delete_many("))
    beta_id = [book.pk for book in library["books"] if book.title == "Beta"][0]
    assert delete == f'db.testapp_book.delete_many({{"_id": {{"$in": [{beta_id}]}}}})'


def test_an_update_filtered_by_exists_selects_the_ids_first(library, queries):
    long_books = Book.objects.filter(pk=OuterRef("pk"), pages__gt=200)
    assert Book.objects.filter(Exists(long_books)).update(title="Long") == 1
    assert titles(Book.objects.all()) == ["Alpha (1st)", "Long", "gamma.*"]
    beta_id = [book.pk for book in library["books"] if book.title == "Beta"][0]
    update = next(query["sql"] for query in queries
                  if query["sql"].startswith("db.testapp_book.update_many("))
    assert update == (f'db.testapp_book.update_many({{"_id": {{"$in": [{beta_id}]}}}}, '
                      '{"$set": {"title": "Long"}})')


def test_xor_of_parts_known_in_advance(library):
    # A part known to be false drops out; one known to be true flips the rest (Django's XOR:
    # an odd number of true parts).
    none_q, every_q = Q(pk__in=[]), ~Q(pk__in=[])
    assert names(Author.objects.filter(none_q ^ Q(age__gte=40)).order_by("name")) == ["cid"]
    assert str(Author.objects.filter(none_q ^ Q(age__gte=40)).values("name").query) == (
        'db.testapp_author.aggregate([{"$match": {"$expr": {"$and": [{"$gte": ["$age", 40]}, '
        '{"$ne": [{"$ifNull": ["$age", null]}, null]}]}}}, '
        '{"$project": {"_id": 0, "c0": "$name"}}, {"$sort": {"c0": 1}}])')
    # NOT (age >= 40): Bob's unknown age counts as false inside XOR, so NOT keeps him.
    assert names(Author.objects.filter(every_q ^ Q(age__gte=40)).order_by("name")) == [
        "Ann", "Bob"]
    assert names(Author.objects.filter(every_q ^ Q(age__gte=40) ^ Q(name="Ann"))
                 .order_by("name")) == ["Bob"]
    assert names(Author.objects.filter(every_q ^ every_q).order_by("name")) == []
    assert names(Author.objects.filter(every_q ^ none_q).order_by("name")) == [
        "Ann", "Bob", "cid"]


def test_one_to_one_relation(library):
    from tests.testapp.models import Profile

    Profile.objects.create(author=library["ann"], bio="writes")
    assert Author.objects.get(profile__bio="writes") == library["ann"]
    assert Author.objects.select_related("profile").get(name="Ann").profile.bio == "writes"


def test_negated_condition_inside_case_when(library):
    from django.db.models import Case, IntegerField, Value, When

    flags = Author.objects.annotate(
        grown=Case(When(~Q(age__lt=40), then=Value(1)), default=Value(0),
                   output_field=IntegerField())
    ).values_list("name", "grown")
    # Django negates "age < 40" as NOT (age < 40 AND age IS NOT NULL), true for a NULL age.
    assert dict(flags) == {"Ann": 0, "Bob": 1, "cid": 1}


def test_union_intersection_and_difference(library):
    older = Author.objects.filter(age__gt=25)  # Ann, cid
    c_or_bob = Author.objects.filter(Q(name__icontains="c") | Q(name="Bob"))  # Bob, cid
    assert sorted(older.union(c_or_bob).values_list("name", flat=True)) == ["Ann", "Bob", "cid"]
    assert sorted(older.union(c_or_bob, all=True).values_list("name", flat=True)) == [
        "Ann", "Bob", "cid", "cid"]
    assert list(older.intersection(c_or_bob).values_list("name", flat=True)) == ["cid"]
    assert list(older.difference(c_or_bob).values_list("name", flat=True)) == ["Ann"]
    assert older.union(c_or_bob).count() == 3
    assert [a.name for a in older.union(c_or_bob).order_by("-name")] == ["cid", "Bob", "Ann"]
    assert [a.name for a in older.union(c_or_bob).order_by("name")[1:]] == ["Bob", "cid"]
    assert list(Author.objects.none().union(older).order_by("name").values_list(
        "name", flat=True)) == ["Ann", "cid"]


@pytest.fixture
def documents():
    from tests.testapp.models import Note

    return [
        Note.objects.create(text="a", data={"owner": {"name": "Ann"}, "tags": ["x", "y"], "n": 3}),
        Note.objects.create(text="b", data={"owner": {"name": "Bob"}, "n": None}),
        Note.objects.create(text="c", data={"other": 1}),
    ]


def json_texts(**filters):
    from tests.testapp.models import Note

    return sorted(note.text for note in Note.objects.filter(**filters))


def test_json_key_lookups_read_document_paths(documents):
    assert json_texts(data__owner__name="Ann") == ["a"]
    assert json_texts(data__owner__name__istartswith="b") == ["b"]
    assert json_texts(data__tags__1="y") == ["a"]
    assert json_texts(data__n__gt=1) == ["a"]
    assert json_texts(data__has_key="owner") == ["a", "b"]
    assert json_texts(data__has_keys=["owner", "tags"]) == ["a"]
    assert json_texts(data__has_any_keys=["tags", "other"]) == ["a", "c"]


def test_json_null_is_not_a_missing_key(documents):
    assert json_texts(data__n=None) == ["b"]
    assert json_texts(data__n__isnull=True) == ["c"]
    assert json_texts(data__n__isnull=False) == ["a", "b"]


def test_json_key_values_in_annotations(documents):
    from django.db.models.fields.json import KT

    from tests.testapp.models import Note

    names = Note.objects.annotate(owner=KT("data__owner__name")).order_by("text")
    assert [note.owner for note in names] == ["Ann", "Bob", None]


def test_query_without_a_model_is_a_database_level_pipeline():
    from django.db.models import Value
    from django.db.models.sql.query import Query

    query = Query(None)
    query.add_annotation(Value(1), "_check")
    command = query.get_compiler("default").build_plan().command
    assert (command.collection, command.operation) == (None, "aggregate")
    assert command.args[0] == [{"$documents": [{}]}, {"$project": {"_id": 0}}]


def test_check_constraint_validation_runs_in_the_database():
    from django.db.models import Value

    assert Q(age__gt=18).check({"age": Value(20)}, using="default")
    assert not Q(age__gt=18).check({"age": Value(10)}, using="default")


def test_exists_of_an_empty_queryset_is_decided_without_a_subquery(library):
    nothing = Exists(Book.objects.none())
    queryset = Author.objects.annotate(has=nothing, lacks=~nothing).filter(~nothing)
    assert '"$lookup"' not in str(queryset.query)
    assert {(a.has, a.lacks) for a in queryset} == {(False, True)}
    assert not Author.objects.filter(nothing).exists()
