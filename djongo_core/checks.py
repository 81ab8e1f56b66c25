"""System checks that need no connection, registered when the backend is imported."""

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.db import router

from djongo_core.embedded import is_embedded_host
from djongo_core.plugins.manager import plugins_problem

ENGINE = "djongo_core"


@checks.register(checks.Tags.security, deploy=True)
def check_embedded_hosts(app_configs=None, **kwargs):
    """`check --deploy`: an embedded HOST is for development and tests, not production."""
    return [
        checks.Warning(
            f"DATABASES[{alias!r}] uses the embedded engine (HOST {entry['HOST']!r}), which is "
            "meant for development, tests and demos: mongoeco emulates MongoDB, has no "
            "replication, and serves only this machine.",
            hint="Set HOST to a MongoDB server (a replica set) for production "
                 "(docs/embedded-engine.md).",
            id="djongo_core.W204",
        )
        for alias, entry in settings.DATABASES.items()
        if entry.get("ENGINE") == ENGINE and is_embedded_host(entry.get("HOST") or "")
    ]


@checks.register()
def check_plugin_names(app_configs=None, **kwargs):
    """A PLUGINS entry no installed plugin answers to fails the first connection of its
    database; say so in `check` and before runserver serves, next to the plugins' own checks
    (which would only say that the plugin is not enabled)."""
    errors = []
    for alias, entry in settings.DATABASES.items():
        if entry.get("ENGINE") != ENGINE:
            continue
        problem = plugins_problem(alias, entry.get("PLUGINS") or [])
        if problem is not None:
            # The message says what to change (the name, an install, or removing it).
            errors.append(checks.Error(problem, id="djongo_core.E205"))
    return errors


@checks.register(checks.Tags.caches)
def check_database_caches(app_configs=None, **kwargs):
    """Django's DatabaseCache runs SQL: on a MongoDB database it fails at its first use (and
    createcachetable fails), so say which backend works instead."""
    errors = []
    for name, entry in settings.CACHES.items():
        if entry.get("BACKEND") != "django.core.cache.backends.db.DatabaseCache":
            continue
        model = caches[name].cache_model_class
        for alias in sorted({router.db_for_read(model), router.db_for_write(model)}):
            if settings.DATABASES.get(alias, {}).get("ENGINE") == ENGINE:
                errors.append(checks.Error(
                    f"CACHES[{name!r}] is Django's DatabaseCache on database {alias!r}, a "
                    "MongoDB database: DatabaseCache runs SQL, which MongoDB does not.",
                    hint='Use "BACKEND": "djongo_core.cache.MongoDBCache" with the same '
                         "LOCATION (the collection; no createcachetable is needed).",
                    id="djongo_core.E170",
                ))
    return errors
