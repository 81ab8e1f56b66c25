"""Settings for the geo plugin's tests: the core and this plugin, nothing else.

With MONGODB_URI set the tests use that server instead of the embedded engine.
"""

import os

DATABASES = {
    "default": {
        "ENGINE": "djongo_core",
        "NAME": "djongo_geo_tests",
        "HOST": os.environ.get("MONGODB_URI") or "embedded:",
        "PLUGINS": ["geo"],
    },
}
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "djongo_core", "djongo_geo", "geo_testapp",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
ROOT_URLCONF = "geo_testapp.urls"
STATIC_URL = "/static/"
SECRET_KEY = "djongo-geo-tests"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
