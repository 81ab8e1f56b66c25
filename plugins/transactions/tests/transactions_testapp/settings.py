"""Settings for the transactions plugin's tests: the core and this plugin, nothing else.

"default" has the plugin enabled; "other" mirrors it (same database, another connection and
so another session) to watch a transaction from outside. With MONGODB_URI set (a replica set)
the tests use that server instead of the embedded engine.
"""

import os

MONGODB_URI = os.environ.get("MONGODB_URI")

DATABASE = {
    "ENGINE": "djongo_core",
    "NAME": "djongo_transactions_tests",
    "HOST": MONGODB_URI or "embedded:",
    # No TRANSACTIONS: the defaults suit both engines (ids are taken inside transactions on
    # the embedded engine, docs/engine-deviations.md#transaction-conflicts-database-wide).
    "PLUGINS": ["transactions"],
}
DATABASES = {
    "default": DATABASE,
    "other": {**DATABASE, "TEST": {"MIRROR": "default"}},
}
INSTALLED_APPS = ["django.contrib.contenttypes", "transactions_testapp"]
SECRET_KEY = "djongo-transactions-tests"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
ROOT_URLCONF = "transactions_testapp.urls"
MIDDLEWARE = []
ALLOWED_HOSTS = ["testserver"]
