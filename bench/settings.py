"""Django settings of the ORM clients; the environment says which backend and which server.

BENCH_BACKEND is "djongo" (djongo-core), "djongo_objectid" (djongo-core with ObjectId keys, as
django-mongodb-backend has them) or "peer" (django-mongodb-backend); BENCH_URI is the
mongodb:// URI of the benchmark's server and BENCH_DATABASE the database this client owns.
Both backends get the same apps, models and admin; only the engine and the primary key type
(see bench/workload/models.py) differ.
"""

import os

BACKEND = os.environ["BENCH_BACKEND"]
# django-mongodb-backend through bench/peer_backend, which only adapts its version check.
ENGINES = {"djongo": "djongo_core", "djongo_objectid": "djongo_core",
           "peer": "bench.peer_backend"}
# Read by bench/workload/models.py: djongo-core's ObjectIdAutoField is not an AutoField subclass,
# which Django requires of DEFAULT_AUTO_FIELD, so the models declare it themselves.
BENCH_OBJECTID_KEYS = BACKEND == "djongo_objectid"
AUTO_FIELDS = {
    "djongo": "django.db.models.AutoField",
    "djongo_objectid": "django.db.models.AutoField",  # only the many-to-many table's key
    "peer": "django_mongodb_backend.fields.ObjectIdAutoField",
}

DATABASES = {
    "default": {
        "ENGINE": ENGINES[BACKEND],
        "NAME": os.environ["BENCH_DATABASE"],
        "HOST": os.environ["BENCH_URI"],
    }
}
if BACKEND != "peer":
    # bench/bulk_saves.py enables the bulk plugin for its "in a block" client.
    DATABASES["default"]["PLUGINS"] = [
        name for name in os.environ.get("BENCH_PLUGINS", "").split(",") if name]
DEFAULT_AUTO_FIELD = AUTO_FIELDS[BACKEND]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "bench.workload",
]
SECRET_KEY = "djongo-core-bench"
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "bench.urls"
# No DEBUG: Django would keep every query in connection.queries, which costs both backends.
DEBUG = False
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
    ]},
}]
ALLOWED_HOSTS = ["testserver"]
