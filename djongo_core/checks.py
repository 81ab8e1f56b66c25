"""System checks that need no connection, registered when the backend is imported."""

from django.conf import settings
from django.core import checks

from djongo_core.embedded import is_embedded_host

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
