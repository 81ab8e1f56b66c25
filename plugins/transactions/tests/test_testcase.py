"""Django's TestCase isolates each test by rolling back to a savepoint: setUpTestData runs once
per class, and what one test writes is gone for the next, without emptying any collection."""

import pytest
from django.db import connection, transaction
from django.test import TestCase, TransactionTestCase

from transactions_testapp.models import Article, Reporter


@pytest.mark.usefixtures("django_test_database")
class RollbackIsolationTests(TestCase):
    set_up_calls = 0

    @classmethod
    def setUpTestData(cls):
        cls.set_up_calls += 1
        cls.ann = Reporter.objects.create(name="Ann", score=1)
        Article.objects.create(reporter=cls.ann, title="First")

    def check_untouched(self):
        self.assertEqual(type(self).set_up_calls, 1)
        self.assertEqual(list(Reporter.objects.values_list("name", "score")), [("Ann", 1)])
        self.assertEqual(list(Article.objects.values_list("title", flat=True)), ["First"])

    def test_a_deletes_everything(self):
        self.check_untouched()
        Reporter.objects.all().delete()
        self.assertEqual(Article.objects.count(), 0)

    def test_b_updates_and_inserts(self):
        self.check_untouched()
        Reporter.objects.update(score=99)
        Reporter.objects.create(name="Bob")
        self.ann.refresh_from_db()
        self.assertEqual(self.ann.score, 99)

    def test_c_runs_into_a_duplicate(self):
        from django.db import IntegrityError

        self.check_untouched()
        with self.assertRaises(IntegrityError):
            with transaction.atomic():
                Reporter.objects.create(name="Ann")
        Reporter.objects.create(name="Cid")
        self.assertEqual(Reporter.objects.count(), 2)

    def test_d_sees_none_of_it(self):
        self.check_untouched()

    def test_e_runs_inside_the_class_transaction(self):
        self.assertTrue(connection.in_atomic_block)
        self.assertFalse(connection.get_autocommit())

    def test_f_captures_on_commit_callbacks(self):
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            transaction.on_commit(lambda: None)
        self.assertEqual(len(callbacks), 1)


@pytest.mark.usefixtures("django_test_database")
class NothingLeaksOutOfTheTestCaseTests(TransactionTestCase):
    def test_the_test_case_above_left_no_data(self):
        self.assertEqual(Reporter.objects.count(), 0)
        self.assertEqual(Article.objects.count(), 0)
