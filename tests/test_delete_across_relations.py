"""Deletes filtered across relations: the ids are read first, unless the filter holds for every
document (Django's delete test_fast_delete_full_match)."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from tests.testapp.models import Author, Note

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def notes():
    # Notes: nothing refers to them, so Django deletes them by filter, without collecting.
    ann, bob = Author.objects.create(name="Ann"), Author.objects.create(name="Bob")
    return [Note.objects.create(text="a", author=ann), Note.objects.create(text="b", author=bob)]


def test_a_filter_always_true_across_a_relation_deletes_everything_in_one_command(notes):
    with CaptureQueriesContext(connection) as captured:
        deleted, _ = Note.objects.filter(~Q(pk__in=[]) | Q(author__name="nobody")).delete()
    assert deleted == 2
    assert [query["sql"] for query in captured] == ["db.testapp_note.delete_many({})"]


def test_a_real_condition_across_a_relation_still_reads_the_ids_first(notes):
    with CaptureQueriesContext(connection) as captured:
        deleted, _ = Note.objects.filter(~Q(pk__in=[]) & Q(author__name="Ann")).delete()
    assert deleted == 1
    assert len(captured) == 2
    assert list(Note.objects.values_list("text", flat=True)) == ["b"]


def test_an_always_true_filter_with_an_inner_join_keeps_the_joins_filtering(notes):
    # filter(author__name=...) then an always-true OR: the first join stays INNER, so books
    # without a matching author are kept, and the ids are read first.
    deleted, _ = Note.objects.filter(author__name="Ann").filter(
        ~Q(pk__in=[]) | Q(author__name="nobody")).delete()
    assert deleted == 1
    assert list(Note.objects.values_list("text", flat=True)) == ["b"]
