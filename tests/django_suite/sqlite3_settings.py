"""Settings for the sqlite3 reference: Django's own test settings (tests/test_sqlite.py, which
runtests.py uses when given none), unchanged, plus the runner that lists the tests it found.

runtests.py runs from Django's tests/ folder, so its test_sqlite module is importable; the
reference is thereby measured exactly as Django's developers run the suite, in the same
environment (optional test libraries, browser) as djongo-core's run.
"""

from test_sqlite import *  # noqa: F403 (the reference is Django's file, whatever it holds)

# Django's runner, which also writes the list of tests it found when the suite runner asks for it.
TEST_RUNNER = "tests.django_suite.listing.ListingRunner"
