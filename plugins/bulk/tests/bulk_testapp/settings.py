"""Settings for the bulk plugin's tests: the core and this plugin (and, when it is installed,
the transactions plugin on a second alias of the same database).

With MONGODB_URI set the tests use that server instead of the embedded engine.
"""

import importlib.util
import os

HOST = os.environ.get("MONGODB_URI") or "embedded:"
NAME = "djongo_bulk_tests"

DATABASES = {
    "default": {"ENGINE": "djongo_core", "NAME": NAME, "HOST": HOST, "PLUGINS": ["bulk"]},
    # The same database without the plugin, for the "not enabled" error.
    "plain": {"ENGINE": "djongo_core", "NAME": NAME, "HOST": HOST, "PLUGINS": [],
              "TEST": {"MIRROR": "default"}},
}
# The transactions plugin is another distribution: its tests run only where it is installed,
# so that this folder also runs with nothing but the core and this plugin.
HAS_TRANSACTIONS = importlib.util.find_spec("djongo_transactions") is not None
if HAS_TRANSACTIONS:
    DATABASES["tx"] = {
        "ENGINE": "djongo_core", "NAME": NAME, "HOST": HOST,
        "PLUGINS": ["bulk", "transactions"], "TEST": {"MIRROR": "default"},
        # The embedded engine fails the commit of a transaction when anything was written
        # outside it since it began, an id taken from a counter included, so ids are taken
        # inside it there (docs/engine-deviations.md#transaction-conflicts-database-wide).
        "TRANSACTIONS": {} if os.environ.get("MONGODB_URI") else {"counters": "inside"},
    }

# Likewise the schema_validation plugin, whose validator errors a flush reports.
HAS_SCHEMA_VALIDATION = importlib.util.find_spec("djongo_schema_validation") is not None
if HAS_SCHEMA_VALIDATION:
    DATABASES["validated"] = {
        "ENGINE": "djongo_core", "NAME": NAME, "HOST": HOST, "TEST": {"MIRROR": "default"},
        "PLUGINS": ["bulk", "schema_validation"],
        # Only the models that declare a SchemaValidation constraint (the tests create one).
        "SCHEMA_VALIDATION": {"models": "declared"},
    }

INSTALLED_APPS = ["django.contrib.contenttypes", "bulk_testapp"]
SECRET_KEY = "djongo-bulk-tests"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
