"""The example project: Django's admin on MongoDB, through djongo-core.

Data lives in the embedded engine under example/data/ (persistent, shared by runserver, shell
and migrate), or in the MongoDB server named by the MONGODB_URI environment variable.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Where the embedded engine keeps the demo's data (tests point it at a temporary folder).
DATA_DIR = Path(os.environ.get("DJONGO_EXAMPLE_DATA_DIR") or BASE_DIR / "data").resolve()

SECRET_KEY = "djongo-core-example-not-for-production"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # The admin widgets for embedded documents and lists (templates and static files).
    "djongo_core",
    "library",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

DATABASES = {
    "default": {
        "ENGINE": "djongo_core",
        # Tests name their own database, so a real server's data is never touched.
        "NAME": os.environ.get("DJONGO_EXAMPLE_DATABASE") or "djongo_example",
        "HOST": os.environ.get("MONGODB_URI") or f"embedded://{DATA_DIR}",
        # MongoClient is a long-lived pool: keep it between requests.
        "CONN_MAX_AGE": None,
        "PLUGINS": [],
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"

# Uploaded files live in the database's GridFS bucket and are served at MEDIA_URL by
# djongo_core.files.serve (example_project/urls.py).
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "gridfs": {"BACKEND": "djongo_core.files.GridFSStorage"},
}
