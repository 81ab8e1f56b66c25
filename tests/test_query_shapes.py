"""The per-shape cache of resolved select lists, orderings and converters (compiler/shapes.py).

A query compiled with the cache must give exactly the command, row columns, select list and
converters a fresh compilation gives: checked here over many shapes, values and orders of
compilation, and for what must not reuse a stale entry (another shape, a changed model).
No server needed: the plans are compiled, not run.
"""

import datetime
import functools
import itertools
import types
import uuid
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Count, F, Q
from django.core.exceptions import EmptyResultSet

from djongo_core.compiler import shapes
from djongo_core.flexible import FlexibleSchema
from tests.testapp.models import Author, Book, Idea, Note, Rectangle, Sample


def _queries(v):
    """QuerySets of many shapes, each built with the value v (0, 1, 2...) in its parameters."""
    day = datetime.date(2000, 1, 1) + datetime.timedelta(days=v)
    return [
        Author.objects.filter(pk=v + 1).order_by()[:21],  # what get(pk=...) runs
        Author.objects.filter(name=f"n{v}"),
        Author.objects.filter(name=f"n{v}").order_by("-age", "pk"),
        Author.objects.filter(age__gte=v).order_by("age")[v:v + 5],
        Author.objects.filter(age__gte=v).order_by("age").reverse()[:3],
        Author.objects.filter(age__in=[v, v + 1, v + 2]).order_by("-name"),
        Author.objects.filter(age=None if v % 2 else v),  # isnull on one value, equality on another
        Author.objects.filter(Q(name=f"n{v}") | ~Q(age=v)),
        Author.objects.exclude(email__icontains=f"{v}@"),
        Author.objects.filter(pk__in=[] if v % 2 else [v]),  # matches nothing on odd values
        Author.objects.all(),
        Author.objects.all()[v:],
        Author.objects.only("name").filter(age__lt=v),
        Author.objects.defer("email").filter(age__lt=v).order_by("email"),
        Book.objects.filter(pages__gte=v).order_by("-pages", "title")[:20],
        Book.objects.filter(pages__gte=v, in_print=bool(v % 2)).order_by("pk")[:20],
        Book.objects.filter(author_id=v).order_by("published"),
        Book.objects.filter(published__gte=day, price__lt=Decimal(v) + Decimal("0.5")),
        Book.objects.filter(created__lt=datetime.datetime(2020, 1, 1 + v % 28,
                                                          tzinfo=datetime.UTC)),
        Book.objects.filter(pages__gte=v).order_by("author__name"),  # a join: not cached
        Book.objects.filter(author__name=f"n{v}"),  # a join: not cached
        Book.objects.select_related("author").filter(pages__gte=v)[:5],
        Book.objects.filter(pages__gte=v).order_by("?"),
        Book.objects.filter(pages=F("pages") + v),
        Book.objects.filter(pages__gte=v).order_by(F("pages").desc(nulls_last=True)),
        Book.objects.filter(pages__gte=v).values("title").order_by("title"),
        Book.objects.filter(pages__gte=v).values_list("pk", flat=True),
        Book.objects.filter(pages__gte=v).annotate(n=Count("tags")).order_by("n"),
        Book.objects.filter(pages__gte=v).distinct(),
        Book.objects.filter(tags__label=f"t{v}"),
        Sample.objects.filter(number=v, ratio__gt=v / 3, label__startswith=f"l{v}"),
        Sample.objects.filter(token=uuid.UUID(int=v), span__gt=datetime.timedelta(v))
        .order_by("-moment", "clock"),
        Sample.objects.filter(amount__lte=Decimal(v), day=day).order_by("amount")[1:4],
        Note.objects.filter(data__key=v).order_by("-pk"),
        Note.objects.filter(data__contains={"k": v}),
        Rectangle.objects.filter(width__gte=v).order_by("area"),  # generated columns
        Idea.objects.filter(votes__gt=v).order_by("-rank", "title")[:10],
    ]


def _compiled(queryset):
    """Everything a compilation gives that the rows and their reading depend on."""
    compiler = queryset.query.get_compiler(queryset.db)
    try:
        plan = compiler.build_plan()
    except EmptyResultSet:
        return "EmptyResultSet"
    command = plan.command
    fields = [expression for expression, _, _ in compiler.select[:compiler.col_count]]
    converters = compiler.get_converters(fields)
    return {
        "command": (command.collection, command.operation, command.args, command.kwargs),
        "mql": command.as_mql(),
        "columns": plan.columns,
        "let": plan.let,
        "select": [(expression, alias) for expression, _, alias in compiler.select],
        "klass_info": _comparable(compiler.klass_info),
        "annotation_col_map": compiler.annotation_col_map,
        "meta_ordering": compiler._meta_ordering,
        "converters": {position: (_comparable(functions), expression is fields[position])
                       for position, (functions, expression) in converters.items()},
    }


def _comparable(value):
    """klass_info's setters and converters, new functions in each compilation, comparable."""
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_comparable(item) for item in value]
    if isinstance(value, functools.partial):
        return ("partial", value.func, _comparable(value.args), value.keywords)
    if isinstance(value, types.FunctionType):  # Django's lambdas, one per compilation
        return ("function", value.__code__)
    return value


def _fresh(queryset):
    shapes.clear(connection)
    return _compiled(queryset)


SHAPES = len(_queries(0))


@pytest.mark.parametrize("index", range(SHAPES))
def test_a_reused_shape_compiles_exactly_as_a_fresh_compilation(index):
    for v in range(4):
        query = _queries(v)[index]
        expected = _fresh(_queries(v)[index])
        # The cache now holds the shape from another value; compile this value through it.
        shapes.clear(connection)
        _compiled(_queries(v + 7)[index])
        assert _compiled(query) == expected, query.query


def test_many_shapes_compiled_in_any_order_never_reuse_another_shape():
    expected = {(v, index): _fresh(query)
                for v in range(3) for index, query in enumerate(_queries(v))}
    shapes.clear(connection)
    orders = [
        [(v, index) for v in range(3) for index in range(SHAPES)],
        [(v, index) for index in reversed(range(SHAPES)) for v in range(3)],
        list(itertools.islice(itertools.cycle(
            [(v, (index * 7) % SHAPES) for index in range(SHAPES) for v in (2, 0, 1)]),
            3 * SHAPES)),
    ]
    for order in orders:
        for v, index in order:
            assert _compiled(_queries(v)[index]) == expected[v, index], (v, index)


def _hit(queryset):
    """Whether compiling the query takes its select list and ordering from the cache."""
    compiler = queryset.query.get_compiler(queryset.db)
    key = shapes.select_key(compiler)
    return key is not None and shapes.cached(compiler, key) is not None


@pytest.mark.parametrize("build", [
    lambda v: Author.objects.filter(pk=v + 1).order_by()[:21],
    lambda v: Book.objects.filter(pages__gte=v).order_by("-pages", "title")[:20],
    lambda v: Author.objects.filter(age__in=[v]),
    lambda v: Author.objects.only("name").filter(age__lt=v),
])
def test_plain_shapes_are_reused(build):
    shapes.clear(connection)
    _compiled(build(1))
    assert _hit(build(2))


@pytest.mark.parametrize("build", [
    lambda v: Book.objects.filter(pages__gte=v).order_by("author__name"),
    lambda v: Book.objects.filter(author__name=f"n{v}"),
    lambda v: Book.objects.select_related("author").filter(pages__gte=v),
    lambda v: Book.objects.filter(pages__gte=v).values("title"),
    lambda v: Book.objects.filter(pages__gte=v).annotate(n=Count("tags")),
    lambda v: Book.objects.filter(pages__gte=v).order_by("?"),
    lambda v: Book.objects.filter(pages__gte=v).distinct(),
])
def test_joins_annotations_values_and_expressions_are_not_cached(build):
    shapes.clear(connection)
    _compiled(build(1))
    assert not _hit(build(2))


def test_another_direction_or_field_selection_is_another_shape():
    shapes.clear(connection)
    _compiled(Book.objects.filter(pages__gte=1).order_by("pages")[:20])
    assert _hit(Book.objects.filter(pages__gte=5).order_by("pages")[:20])
    assert not _hit(Book.objects.filter(pages__gte=5).order_by("-pages")[:20])
    assert not _hit(Book.objects.filter(pages__gte=5).order_by("pages").reverse()[:20])
    assert not _hit(Book.objects.filter(pages__gte=5).order_by("pages").defer("title")[:20])
    assert not _hit(Book.objects.filter(pages__gte=5).order_by("pages").only("title")[:20])
    assert not _hit(Book.objects.filter(pages__gte=5).order_by("title")[:20])
    assert not _hit(Book.objects.filter(pages__gte=5).order_by("pages", "pk")[:20])


def test_a_slice_is_compiled_for_every_query():
    # The select list and ordering do not depend on the slice: one entry serves every slice,
    # and each query gets its own skip and limit.
    shapes.clear(connection)
    _compiled(Book.objects.filter(pages__gte=1).order_by("pages")[:20])
    sliced = Book.objects.filter(pages__gte=5).order_by("pages")[3:10]
    assert _hit(sliced)
    assert _compiled(sliced)["command"][3] == {"sort": [("pages", 1)], "skip": 3, "limit": 7}
    assert _compiled(Book.objects.filter(pages__gte=5).order_by("pages"))["command"][3] == {
        "sort": [("pages", 1)]}


def test_a_changed_meta_ordering_is_resolved_again():
    shapes.clear(connection)
    assert _compiled(Author.objects.all())["command"][3]["sort"] == [("name", 1)]
    with mock.patch.object(Author._meta, "ordering", ["-age"]):
        assert not _hit(Author.objects.all())
        assert _compiled(Author.objects.all())["command"][3]["sort"] == [("age", -1)]
    assert _compiled(Author.objects.all())["command"][3]["sort"] == [("name", 1)]


def test_changed_model_fields_are_resolved_again():
    shapes.clear(connection)
    _compiled(Author.objects.filter(age=1))
    assert _hit(Author.objects.filter(age=2))
    # Django rebuilds a model's field lists when a field is added (Options._expire_cache).
    Author._meta._expire_cache()
    assert not _hit(Author.objects.filter(age=2))
    assert _compiled(Author.objects.filter(age=2)) == _fresh(Author.objects.filter(age=2))


def test_another_flexible_schema_setting_is_another_shape():
    shapes.clear(connection)
    plain = _compiled(Author.objects.filter(age=1))
    assert {kind for kind, _ in plain["columns"]} == {"key"}
    assert _hit(Author.objects.filter(age=2))
    with mock.patch.object(connection, "flexible_schema", FlexibleSchema(connection.alias, True)):
        assert not _hit(Author.objects.filter(age=2))
        flexible = _compiled(Author.objects.filter(age=2))
        assert {kind for kind, _ in flexible["columns"]} == {"field"}
        assert _compiled(Author.objects.filter(age=3)) == _fresh(Author.objects.filter(age=3))
    assert _compiled(Author.objects.filter(age=2))["columns"] == plain["columns"]


def test_the_cache_is_bounded():
    shapes.clear(connection)
    names = ["pages", "title", "price", "published", "created", "in_print"]
    with mock.patch.object(shapes, "LIMIT", 3):
        for name in names:
            _compiled(Book.objects.filter(pages__gte=1).order_by(name))
        assert len(connection._djongo_query_shapes) <= 3
        assert _hit(Book.objects.filter(pages__gte=1).order_by(names[-1]))
        assert not _hit(Book.objects.filter(pages__gte=1).order_by(names[0]))


def test_rows_read_through_a_cached_shape_are_the_same(db):
    author = Author.objects.create(name="Ann", age=30)
    Book.objects.create(title="A", author=author, pages=10, price=Decimal("1.50"),
                        published=datetime.date(2001, 2, 3))
    Book.objects.create(title="B", author=author, pages=20)
    shapes.clear(connection)
    first = [(b.title, b.pages, b.price, b.published, b.author_id)
             for b in Book.objects.filter(pages__gte=5).order_by("-pages")]
    again = [(b.title, b.pages, b.price, b.published, b.author_id)
             for b in Book.objects.filter(pages__gte=5).order_by("-pages")]
    assert first == again == [("B", 20, None, None, author.pk),
                              ("A", 10, Decimal("1.50"), datetime.date(2001, 2, 3), author.pk)]
    assert Author.objects.get(pk=author.pk).name == "Ann"
    assert Author.objects.get(pk=author.pk).age == 30
