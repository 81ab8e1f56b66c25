"""Settings for Django's own test suite (tests/runtests.py) run against djongo-core.

Django's runner needs two aliases, "default" and "other". Each runtests process starts its own
in-memory embedded server, so every module runs on a fresh one; with MONGODB_URI set, both
aliases use that server instead.
"""

import os

# Django's own settings for its suite (runtests.py runs from Django's tests/ folder).
import test_sqlite

MONGODB_URI = os.environ.get("MONGODB_URI")
COMMON = {
    "ENGINE": "djongo_core",
    "HOST": MONGODB_URI or "embedded:",
    # The plugins the README's settings enable. The others add what Django's suite does not
    # exercise (geo, search, bulk, tailable) or change what the database enforces
    # (schema_validation's reference checks), and are measured by their own tests.
    "PLUGINS": ["indexes", "transactions"],
    # The embedded engine fails a commit when anything else was written since the transaction
    # began (docs/engine-deviations.md#transaction-conflicts-database-wide), counters included:
    # there, ids are taken inside the transaction.
    "TRANSACTIONS": {} if MONGODB_URI else {"counters": "inside"},
}

DATABASES = {
    "default": {**COMMON, "NAME": "djangotests"},
    "other": {**COMMON, "NAME": "djangotests_other"},
}
SECRET_KEY = "django_tests_secret_key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
USE_TZ = False
# The primary key type Django's own settings choose: Django 5.2's name AutoField, which also
# silences models.W042 (its system-check tests expect no such warning); from 6.0 on they name
# none and Django's default, BigAutoField, applies.
if hasattr(test_sqlite, "DEFAULT_AUTO_FIELD"):
    DEFAULT_AUTO_FIELD = test_sqlite.DEFAULT_AUTO_FIELD
# Django's runner, which also writes the list of tests it found when the suite runner asks for it.
TEST_RUNNER = "tests.django_suite.listing.ListingRunner"
