"""Settings for the search plugin's tests: the core and this plugin, nothing else.

With MONGODB_URI set the tests use that server (MongoDB Atlas, or Community with mongot)
instead of the embedded engine.
"""

import os

DATABASES = {
    "default": {
        "ENGINE": "djongo_core",
        "NAME": "djongo_search_tests",
        "HOST": os.environ.get("MONGODB_URI") or "embedded:",
        "PLUGINS": ["search"],
        "SEARCH": {"index_build_timeout": 120},
    },
}
INSTALLED_APPS = ["django.contrib.contenttypes", "djongo_core", "djongo_search", "search_testapp"]
SECRET_KEY = "djongo-search-tests"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
