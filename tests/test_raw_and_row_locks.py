"""raw_aggregate(): a hand-written pipeline read back as model instances; select_for_update()."""

import datetime

import pytest
from django.db import NotSupportedError, connection
from django.test.utils import CaptureQueriesContext

from djongo_core.raw import raw_aggregate
from djongo_core.row_locks import RowLockWarning
from tests.testapp.models import Author, Book

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def books():
    ann = Author.objects.create(name="Ann", age=40)
    bob = Author.objects.create(name="Bob")
    Book.objects.create(title="Alpha", author=ann, pages=300, published=datetime.date(2020, 1, 2))
    Book.objects.create(title="Beta", author=bob, pages=90)
    return ann, bob


def test_documents_become_instances_with_converted_values(books):
    ann, _ = books
    (alpha,) = raw_aggregate(Book, [{"$match": {"pages": {"$gt": 100}}}])
    assert isinstance(alpha, Book)
    assert (alpha.title, alpha.author_id, alpha.published) == ("Alpha", ann.pk,
                                                             datetime.date(2020, 1, 2))
    assert alpha.author == ann


def test_left_out_fields_are_deferred_and_extra_keys_are_attributes(books):
    rows = raw_aggregate(Book, [
        {"$project": {"title": 1, "doubled": {"$multiply": ["$pages", 2]}}},
        {"$sort": {"title": 1}},
    ])
    alpha, beta = rows
    assert (alpha.doubled, beta.doubled) == (600, 180)
    assert alpha.get_deferred_fields() >= {"pages", "author_id"}
    with CaptureQueriesContext(connection) as queries:
        assert alpha.pages == 300
    assert len(queries) == 1


def test_the_pipeline_is_logged_as_sent(books):
    with CaptureQueriesContext(connection) as queries:
        list(raw_aggregate(Author, [{"$match": {"name": "$not-an-operator"}}]))
    (query,) = queries.captured_queries
    assert query["sql"] == (
        'db.testapp_author.aggregate([{"$match": {"name": "$not-an-operator"}}])')


def test_an_empty_result_and_a_non_pipeline(books):
    assert list(raw_aggregate(Author, [{"$match": {"name": "Nobody"}}])) == []
    with pytest.raises(TypeError, match="aggregation pipeline"):
        raw_aggregate(Author, {"$match": {}})


def test_sql_through_a_cursor_is_refused_with_the_alternatives():
    with connection.cursor() as cursor, pytest.raises(NotSupportedError, match="raw_aggregate"):
        cursor.execute("SELECT 1")


@pytest.mark.parametrize("options", [{"nowait": True}, {"skip_locked": True}, {"of": ("self",)},
                                     {"no_key": True}])
def test_select_for_update_options_mongodb_cannot_honour_are_refused(options):
    with pytest.raises(NotSupportedError, match="transactions"):
        list(Author.objects.select_for_update(**options))


def test_plain_select_for_update_reads_unlocked_with_a_warning(books):
    with pytest.warns(RowLockWarning, match="locks nothing"):
        assert [a.name for a in Author.objects.select_for_update().filter(name="Ann")] == ["Ann"]


def test_a_sliced_select_for_update_reads_like_any_slice(books):
    # Django refuses LIMIT with FOR UPDATE only where the lock cannot take a limit.
    with pytest.warns(RowLockWarning, match="locks nothing"):
        assert list(Author.objects.order_by("name").select_for_update()[1:2]) == [books[1]]


def test_a_database_without_the_transactions_plugin_gets_a_check_warning():
    (issue,) = [issue for issue in connection.validation.check() if issue.id == "djongo_core.W201"]
    assert "select_for_update()" in issue.msg
    assert "'transactions'" in issue.hint
