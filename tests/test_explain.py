"""QuerySet.explain() runs MongoDB's explain on the query's own command."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.testapp.models import Author, Book

pytestmark = pytest.mark.usefixtures("db")


def test_explain_runs_one_explain_command_on_the_find():
    with CaptureQueriesContext(connection) as queries:
        result = Author.objects.filter(name="Ann").explain(format="json")
    (query,) = queries.captured_queries
    assert query["sql"].startswith(connection.ops.explain_prefix)
    assert '"find": "testapp_author"' in query["sql"]
    assert json.loads(result)["ok"] == 1


def test_explain_of_a_join_explains_the_pipeline():
    with CaptureQueriesContext(connection) as queries:
        result = Book.objects.select_related("author").explain()
    assert '"aggregate": "testapp_book"' in queries.captured_queries[0]["sql"]
    assert result.startswith("{\n")


def test_explain_takes_mongodb_verbosity():
    with CaptureQueriesContext(connection) as queries:
        Author.objects.explain(verbosity="executionStats")
    assert '"verbosity": "executionStats"' in queries.captured_queries[0]["sql"]


@pytest.mark.parametrize(("options", "message"), [
    ({"format": "xml"}, "XML is not a recognized format. Allowed formats: JSON, TEXT"),
    ({"analyze": True}, "Unknown options: analyze"),
    ({"verbosity": "loud"}, "Unknown verbosity 'loud'"),
])
def test_explain_refuses_what_mongodb_cannot_do(options, message):
    with pytest.raises(ValueError, match=message):
        Author.objects.explain(**options)

