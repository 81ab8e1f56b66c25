"""Settings for the schema_validation plugin's tests: the core and this plugin, nothing else.

With MONGODB_URI set the tests use that server instead of the embedded engine.
"""

import os

DATABASES = {
    "default": {
        "ENGINE": "djongo_core",
        "NAME": "djongo_schema_validation_tests",
        "HOST": os.environ.get("MONGODB_URI") or "embedded:",
        "PLUGINS": ["schema_validation"],
        "SCHEMA_VALIDATION": {"models": "all"},
    },
}
INSTALLED_APPS = ["django.contrib.contenttypes", "djongo_core", "djongo_schema_validation",
                  "validation_testapp"]
SECRET_KEY = "djongo-schema-validation-tests"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
