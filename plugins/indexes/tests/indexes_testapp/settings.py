"""Settings for the indexes plugin's tests: the core and this plugin, nothing else.

With MONGODB_URI set the tests use that server instead of the embedded engine.
"""

import os

DATABASES = {
    "default": {
        "ENGINE": "djongo_core",
        "NAME": "djongo_indexes_tests",
        "HOST": os.environ.get("MONGODB_URI") or "embedded:",
        "PLUGINS": ["indexes"],
    },
}
INSTALLED_APPS = ["django.contrib.contenttypes", "indexes_testapp"]
SECRET_KEY = "djongo-indexes-tests"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
