"""The test runner named in settings.TEST_RUNNER: Django's, plus a list of the tests it will run.

A class whose setUpClass (or setUpTestData) fails never reports its tests on the -v 2 stream; the
list is how the parser names them, and how a timed-out run names the tests it never reached.
"""

import os
from pathlib import Path

from django.test.runner import DiscoverRunner
from django.test.utils import iter_test_cases

LIST_ENV = "DJANGO_SUITE_TEST_LIST"


class ListingRunner(DiscoverRunner):
    def build_suite(self, *args, **kwargs):
        suite = super().build_suite(*args, **kwargs)
        target = os.environ.get(LIST_ENV)
        if target:
            Path(target).write_text("".join(f"{test.id()}\n" for test in iter_test_cases(suite)))
        return suite
