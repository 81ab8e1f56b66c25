"""Settings for the tailable plugin's tests: the core and this plugin, nothing else.

With MONGODB_URI set the tests use that server instead of the embedded engine (watch() needs a
replica set there).
"""

import os

DATABASES = {
    "default": {
        "ENGINE": "djongo_core",
        "NAME": "djongo_tailable_tests",
        "HOST": os.environ.get("MONGODB_URI") or "embedded:",
        "PLUGINS": ["tailable"],
    },
}
INSTALLED_APPS = ["django.contrib.contenttypes", "djongo_tailable", "tailable_testapp"]
SECRET_KEY = "djongo-tailable-tests"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
