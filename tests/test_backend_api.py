"""What Django's backend API asks of a DatabaseWrapper and its DatabaseOperations, beyond queries:
thread ownership, a query's cursor and its last executed statement, batch sizes, and connections
that leave no reference cycles behind."""

import gc
import threading

import django
import pytest
from django.db import DatabaseError, NotSupportedError, connection, connections
from django.db.models.sql.constants import CURSOR

from djongo_core.operations import MAX_WRITE_BATCH_SIZE
from tests.testapp.models import Author

pytestmark = pytest.mark.usefixtures("db")


def in_another_thread(action):
    errors = []

    def run():
        try:
            action()
        except Exception as error:  # noqa: BLE001 - handed back to the test
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return errors


def test_another_thread_cannot_run_commands_on_a_connection_it_does_not_own():
    Author.objects.create(name="Ann")
    # The wrapper object itself: `connection` would give the other thread its own.
    owned = connections["default"]
    command = Author.objects.filter(name="Ann").query.get_compiler("default").plan().command
    errors = in_another_thread(lambda: owned.executor.run(command))
    assert len(errors) == 1
    assert isinstance(errors[0], DatabaseError)
    assert "thread" in str(errors[0])


def test_inc_thread_sharing_lets_another_thread_use_the_connection():
    Author.objects.create(name="Ann")
    owned = connections["default"]
    command = Author.objects.filter(name="Ann").query.get_compiler("default").plan().command
    found = []
    owned.inc_thread_sharing()
    try:
        errors = in_another_thread(lambda: found.extend(owned.executor.documents(command)))
    finally:
        owned.dec_thread_sharing()
    assert errors == []
    assert [document["name"] for document in found] == ["Ann"]


def test_a_query_cursor_reads_its_rows_and_tells_the_mql_it_ran():
    Author.objects.create(name="Ann", age=30)
    Author.objects.create(name="Bob", age=40)
    queryset = Author.objects.filter(age__gte=18).order_by("name").values_list("name")
    sql, params = queryset.query.sql_with_params()
    with queryset.query.get_compiler(connection.alias).execute_sql(CURSOR) as cursor:
        assert cursor.fetchone() == ["Ann"]
        assert cursor.fetchall() == [["Bob"]]
        assert cursor.fetchone() is None
        last = connection.ops.last_executed_query(cursor, sql, params)
    assert last == str(queryset.query)
    assert last == ('db.testapp_author.aggregate([{"$match": {"age": {"$gte": 18}}}, '
                    '{"$project": {"_id": 0, "c0": "$name"}}, {"$sort": {"c0": 1}}])')


def test_a_query_that_can_match_nothing_gives_no_cursor():
    assert Author.objects.filter(pk__in=[]).query.get_compiler(
        connection.alias).execute_sql(CURSOR) is None


def test_a_bulk_write_carries_every_object_up_to_mongodbs_write_batch_limit():
    name = Author._meta.get_field("name")
    age = Author._meta.get_field("age")
    # The fields each object carries do not count: MongoDB limits documents, not parameters.
    assert connection.ops.bulk_batch_size([name, age], range(70_000)) == 70_000
    assert connection.ops.bulk_batch_size([], range(MAX_WRITE_BATCH_SIZE + 1)) \
        == MAX_WRITE_BATCH_SIZE
    assert connection.features.max_query_params is None


@pytest.mark.skipif(django.VERSION < (6, 0), reason=(
    "Django 5.2's own DatabaseWrapper keeps reference cycles; 6.0 removed them (and added "
    "this check to its suite, backends.base.test_base)"))
def test_a_closed_connection_copy_leaves_no_garbage_to_collect():
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        copy = connection.copy()
        with copy.wrap_database_errors:
            assert copy.queries == []
        copy.close()
        del copy
        gc.collect()
        garbage = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert garbage == []


def test_execute_wrappers_see_every_command_as_mql_outermost_first():
    seen = []

    def recording(name):
        def wrapper(execute, sql, params, many, context):
            seen.append((name, sql, params, many, context["connection"] is connections["default"],
                         context["command"].operation))
            return execute(sql, params, many, context)
        return wrapper

    with connection.execute_wrapper(recording("outer")), \
            connection.execute_wrapper(recording("inner")):
        assert list(Author.objects.filter(name="Ann").values_list("name", flat=True)) == []
    mql = ('db.testapp_author.aggregate([{"$match": {"name": "Ann"}}, '
           '{"$project": {"_id": 0, "c0": "$name"}}, {"$sort": {"c0": 1}}])')
    assert seen == [("outer", mql, (), False, True, "aggregate"),
                    ("inner", mql, (), False, True, "aggregate")]


def test_an_execute_wrapper_can_refuse_a_command():
    def blocker(execute, sql, params, many, context):
        raise RuntimeError("No database access here")

    with connection.execute_wrapper(blocker), pytest.raises(RuntimeError, match="No database"):
        Author.objects.create(name="Ann")
    assert not Author.objects.exists()


def test_an_execute_wrapper_cannot_rewrite_the_command():
    def commenting(execute, sql, params, many, context):
        return execute(f"/* comment */ {sql}", params, many, context)

    with connection.execute_wrapper(commenting), \
            pytest.raises(NotSupportedError, match="cannot rewrite it"):
        Author.objects.count()


def run_django_test_case(case):
    """Run a Django test class with unittest; return its result."""
    import unittest

    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(case).run(result)
    return result


def test_a_simple_test_case_cannot_query_an_open_connection():
    from django.test import SimpleTestCase
    from django.test.testcases import DatabaseOperationForbidden

    Author.objects.create(name="Ann")  # the connection is open before the test class runs
    refused = []

    class QueriesInSimpleTestCase(SimpleTestCase):
        def test_query(self):
            for query in (Author.objects.count, lambda: next(Author.objects.iterator()),
                          lambda: Author.objects.create(name="Bea")):
                with self.assertRaises(DatabaseOperationForbidden) as caught:
                    query()
                refused.append(str(caught.exception))

    result = run_django_test_case(QueriesInSimpleTestCase)
    assert result.wasSuccessful(), result.failures + result.errors
    assert len(refused) == 3
    assert all(message.startswith("Database queries to 'default' are not allowed")
               for message in refused)
    # Put back afterwards: nothing was written, and queries run again.
    assert list(Author.objects.values_list("name", flat=True)) == ["Ann"]


def test_a_test_case_listing_the_database_may_query_it():
    from django.test import SimpleTestCase

    counted = []

    class QueriesAllowed(SimpleTestCase):
        databases = {"default"}

        def test_query(self):
            counted.append(Author.objects.count())

    result = run_django_test_case(QueriesAllowed)
    assert result.wasSuccessful(), result.failures + result.errors
    assert counted == [0]
