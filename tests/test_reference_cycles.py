"""Queries leave no reference cycles behind (Django's select_related memory-leak test, ours)."""

import gc

import django
import pytest

from tests.testapp.models import Author, Book

pytestmark = pytest.mark.usefixtures("db")


def garbage_of(run):
    """Return the objects that only the cycle collector could free after run()."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        run()
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def split_by_owner(garbage):
    """Split the garbage into the embedded engine's (objects of mongoeco and whatever shares a
    cycle with them) and the rest (the backend's, Django's, pymongo's)."""
    by_id = {id(thing): thing for thing in garbage}
    linked = {key: set() for key in by_id}
    for thing in garbage:
        for referent in gc.get_referents(thing):
            if id(referent) in by_id:
                linked[id(thing)].add(id(referent))
                linked[id(referent)].add(id(thing))
    engine = set()
    pending = [id(thing) for thing in garbage if _defined_in_mongoeco(thing)]
    while pending:
        key = pending.pop()
        if key not in engine:
            engine.add(key)
            pending.extend(linked[key] - engine)
    return ([thing for thing in garbage if id(thing) in engine],
            [thing for thing in garbage if id(thing) not in engine])


def _defined_in_mongoeco(thing):
    module = getattr(thing, "__module__", None) if callable(thing) else None
    return (module or type(thing).__module__ or "").startswith("mongoeco")


@pytest.fixture
def books():
    author = Author.objects.create(name="Ann")
    Book.objects.bulk_create([Book(title=f"Book {n}", author=author) for n in range(3)])


@pytest.mark.skipif(django.VERSION < (6, 1), reason=(
    "Django's own SQLCompiler.get_select() leaves a cycle (a recursive closure) for a query "
    "with select_related() before 6.1, which made it a method"))
@pytest.mark.usefixtures("books")
def test_the_backend_leaves_no_reference_cycles_after_a_query_with_a_join():
    _, others = split_by_owner(garbage_of(lambda: list(Book.objects.select_related("author"))))
    assert others == []


@pytest.mark.engine_deviation("reference-cycles-per-command")
@pytest.mark.usefixtures("books")
def test_the_server_leaves_no_reference_cycles_after_a_query():
    engine, _ = split_by_owner(garbage_of(lambda: list(Book.objects.select_related("author"))))
    assert engine == []
