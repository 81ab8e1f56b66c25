"""Settings for the core's tests: the embedded engine, or the server in MONGODB_URI."""

import os

MONGODB_URI = os.environ.get("MONGODB_URI")

DATABASES = {
    "default": {
        "ENGINE": "djongo_core",
        "NAME": "djongo_tests",
        # A real MongoDB (a replica set) when MONGODB_URI is set, else the in-memory engine.
        "HOST": MONGODB_URI or "embedded:",
    }
}
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.admin",
    "django.contrib.messages",
    "djongo_core",
    "tests.testapp",
    "tests.fieldsapp",
]
SECRET_KEY = "djongo-core-tests"
USE_TZ = True
# Not UTC, so that time zone conversions are exercised (Django's own default zone).
TIME_ZONE = "America/Chicago"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ROOT_URLCONF = "tests.urls"
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Files in the test database's GridFS bucket, served by djongo_core.files.serve.
    "gridfs": {"BACKEND": "djongo_core.files.GridFSStorage",
               "OPTIONS": {"base_url": "/gridfs/"}},
}
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
