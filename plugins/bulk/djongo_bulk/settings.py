"""The plugin's settings: DATABASES[alias]["BULK"], checked once per connection."""

from dataclasses import dataclass, fields
from weakref import WeakKeyDictionary

from django.core.exceptions import ImproperlyConfigured

from djongo_core.plugins import plugin_setting, setting_path

SETTINGS_KEY = "BULK"
PLUGIN_NAME = "bulk"

_checked = WeakKeyDictionary()


@dataclass(frozen=True)
class BulkSettings:
    """One database's bulk settings, with the documented defaults."""

    #: How many writes a bulk_writes() block queues before it sends them (the block's
    #: batch_size argument overrides it).
    batch_size: int = 1000
    #: Whether a flush touching several collections may be one client-level bulkWrite
    #: command when the server offers it (MongoDB 8.0+); False always sends one bulk_write
    #: per collection.
    client_bulk_write: bool = True

    @classmethod
    def for_database(cls, alias: str, settings_dict: dict) -> "BulkSettings":
        """Read and check DATABASES[alias]["BULK"]; raise ImproperlyConfigured if wrong."""
        given = plugin_setting(alias, settings_dict, SETTINGS_KEY,
                               (field.name for field in fields(cls)))
        where = setting_path(alias, SETTINGS_KEY)
        settings = cls(**given)
        if not is_batch_size(settings.batch_size):
            raise ImproperlyConfigured(
                f"{where}['batch_size'] must be a positive integer; got {settings.batch_size!r}.")
        if not isinstance(settings.client_bulk_write, bool):
            raise ImproperlyConfigured(
                f"{where}['client_bulk_write'] must be True or False; got "
                f"{settings.client_bulk_write!r}.")
        return settings


def is_batch_size(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def settings_of(connection) -> BulkSettings:
    """Return the connection's settings, checking that the plugin is enabled on it."""
    settings = _checked.get(connection)
    if settings is None:
        if PLUGIN_NAME not in connection.plugin_host.names:
            raise ImproperlyConfigured(
                f"bulk_writes() needs the bulk plugin on database {connection.alias!r}: add "
                f"'bulk' to DATABASES[{connection.alias!r}]['PLUGINS'] (installed with "
                'pip install "djongo-core[bulk]").'
            )
        settings = _checked[connection] = BulkSettings.for_database(
            connection.alias, connection.settings_dict)
    return settings
