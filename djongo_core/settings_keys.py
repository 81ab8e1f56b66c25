"""The keys a DATABASES entry may hold, and the spellings of djongo 1.x that are still read.

A key the backend does not know was silently ignored before, and a misspelt one (``CLEINT``,
``plugins``) then left a project pointed at localhost, hanging for pymongo's 30 s server
selection. Every key is checked when the connection object is made, the first time Django
touches the alias, so a mistake fails at start-up with the key named.

djongo 1.x's own keys keep their meaning, each with a warning that shows the new spelling:

- ``CLIENT``: MongoClient keyword arguments; ``host``, ``port``, ``username``, ``password``,
  ``authSource`` and ``authMechanism`` become HOST, PORT, USER, PASSWORD, AUTH_SOURCE and
  AUTH_MECHANISM, the rest is merged into OPTIONS.
- ``ENFORCE_SCHEMA``: False is ``FLEXIBLE_SCHEMA: True`` (djongo_core/flexible.py).
- ``LOGGING``: a ``logging.config.dictConfig`` dictionary that djongo applied; it still is, its
  ``djongo`` logger standing for ``django.db.backends``, where the backend logs its commands.
"""

import difflib
import logging.config
import warnings

from django.core.exceptions import ImproperlyConfigured

from djongo_core.connection_params import redact

# Keys Django itself reads or fills in (ConnectionHandler.configure_settings, the test runner).
DJANGO_KEYS = frozenset({
    "ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS", "TEST", "TIME_ZONE",
    "ATOMIC_REQUESTS", "AUTOCOMMIT", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS",
})
# Keys of this backend (README "Settings").
CORE_KEYS = frozenset({"AUTH_SOURCE", "AUTH_MECHANISM", "PLUGINS", "MODEL_OPTIONS",
                       "FLEXIBLE_SCHEMA", "MAX_TIME_MS", "COUNTER_CACHE"})
DJONGO_1_KEYS = frozenset({"CLIENT", "ENFORCE_SCHEMA", "LOGGING"})
# CLIENT's keyword arguments that have a key of their own here.
_CLIENT_KEYS = {"host": "HOST", "port": "PORT", "username": "USER", "password": "PASSWORD",
                "authSource": "AUTH_SOURCE", "authMechanism": "AUTH_MECHANISM"}


class DjongoSettingsDeprecationWarning(FutureWarning):
    """A djongo 1.x settings key that still works and has a new spelling.

    A FutureWarning rather than a DeprecationWarning: Python shows it by default, and the
    person running manage.py is the one who can change the settings.
    """


def plugin_setting_key(plugin_name):
    """Return the settings key a plugin reads its own settings from (``TRANSACTIONS``)."""
    return "".join(c if c.isalnum() else "_" for c in plugin_name).upper()


def _plugin_keys():
    # Imported here: the plugin host imports the settings of plugins, which import the core.
    from djongo_core.plugins.manager import installed_entry_points  # noqa: PLC0415

    return {plugin_setting_key(entry_point.name) for entry_point in installed_entry_points()}


def prepare_settings(alias, settings_dict):
    """Check the keys of a DATABASES entry and rewrite djongo 1.x's keys in place.

    In place, because Django hands every connection of the alias the same dictionary: the
    rewrite (and its warning) happens once.
    """
    _check_keys(alias, settings_dict)
    if "CLIENT" in settings_dict:
        _merge_client(alias, settings_dict)
    if "ENFORCE_SCHEMA" in settings_dict:
        _map_enforce_schema(alias, settings_dict)
    if "LOGGING" in settings_dict:
        _apply_logging(alias, settings_dict)


def _check_keys(alias, settings_dict):
    valid = DJANGO_KEYS | CORE_KEYS | DJONGO_1_KEYS
    unknown = [key for key in settings_dict if key not in valid]
    if not unknown:
        return
    # Entry points are only looked up when a key is not one of the fixed ones.
    valid |= _plugin_keys()
    for key in unknown:
        if key in valid:
            continue
        spelled = str(key).upper()
        close = difflib.get_close_matches(spelled, sorted(valid), n=1, cutoff=0.6)
        meant = f" Did you mean {close[0]!r}?" if close else ""
        raise ImproperlyConfigured(
            f"DATABASES[{alias!r}] has an unknown key {key!r}.{meant} The keys are Django's "
            f"({', '.join(sorted(DJANGO_KEYS))}), the backend's ({', '.join(sorted(CORE_KEYS))}) "
            "and each installed plugin's name in capitals."
        )


def _merge_client(alias, settings_dict):
    client = settings_dict.pop("CLIENT")
    where = f"DATABASES[{alias!r}]['CLIENT']"
    if not isinstance(client, dict):
        raise ImproperlyConfigured(f"{where} must be a dict of MongoClient arguments, not "
                                   f"{type(client).__name__}.")
    moved, options = {}, {}
    for name, value in client.items():
        key = _CLIENT_KEYS.get(name)
        if key is None:
            options[name] = value
            continue
        if key == "HOST" and not isinstance(value, str):
            raise ImproperlyConfigured(
                f"{where}['host'] is {type(value).__name__}; give one string, a mongodb:// URI "
                'listing the hosts ("mongodb://db1,db2/?replicaSet=rs0").')
        moved[key] = value
    for key, value in moved.items():
        if settings_dict.get(key) not in (None, "", value):
            raise ImproperlyConfigured(
                f"{where} sets {key} to {_shown(key, value)} but DATABASES[{alias!r}][{key!r}] "
                f"is {_shown(key, settings_dict[key])}; keep one of them.")
        settings_dict[key] = value
    given = settings_dict.get("OPTIONS") or {}
    for name, value in options.items():
        if name in given and given[name] != value:
            raise ImproperlyConfigured(
                f"{where} sets the client option {name!r} to {value!r} but OPTIONS sets it to "
                f"{given[name]!r}; keep one of them.")
    settings_dict["OPTIONS"] = {**given, **options}
    spelled = {key: _shown(key, value) for key, value in moved.items()}
    if settings_dict["OPTIONS"]:
        spelled["OPTIONS"] = repr(settings_dict["OPTIONS"])
    new = ", ".join(f'"{key}": {value}' for key, value in spelled.items()) or "nothing"
    _warn(alias, "CLIENT", f"write {new} instead")


def _map_enforce_schema(alias, settings_dict):
    enforce = settings_dict.pop("ENFORCE_SCHEMA")
    if not isinstance(enforce, bool):
        raise ImproperlyConfigured(
            f"DATABASES[{alias!r}]['ENFORCE_SCHEMA'] must be True or False, not {enforce!r}.")
    flexible = not enforce
    given = settings_dict.get("FLEXIBLE_SCHEMA")
    if given is not None and bool(given) != flexible:
        raise ImproperlyConfigured(
            f"DATABASES[{alias!r}] sets ENFORCE_SCHEMA={enforce} and FLEXIBLE_SCHEMA={given!r}, "
            "which disagree; keep FLEXIBLE_SCHEMA.")
    if given is None:
        settings_dict["FLEXIBLE_SCHEMA"] = flexible
    _warn(alias, "ENFORCE_SCHEMA", f'write "FLEXIBLE_SCHEMA": {flexible} instead')


def _apply_logging(alias, settings_dict):
    config = settings_dict.pop("LOGGING")
    if not isinstance(config, dict):
        raise ImproperlyConfigured(
            f"DATABASES[{alias!r}]['LOGGING'] must be a logging.config.dictConfig dictionary, "
            f"not {type(config).__name__}.")
    config = {"disable_existing_loggers": False, **config}
    loggers = dict(config.get("loggers") or {})
    if "djongo" in loggers:
        loggers["django.db.backends"] = loggers.pop("djongo")
    config["loggers"] = loggers
    try:
        logging.config.dictConfig(config)
    except (ValueError, TypeError, AttributeError, ImportError) as error:
        raise ImproperlyConfigured(
            f"DATABASES[{alias!r}]['LOGGING'] is not a valid logging configuration: {error}"
        ) from error
    _warn(alias, "LOGGING", "move it into the project's LOGGING setting, configuring the "
          "'django.db.backends' logger (the backend logs its commands there)")


def _shown(key, value):
    if key == "PASSWORD":
        return '"***"'
    return repr(redact(value) if key == "HOST" else value)


def _warn(alias, key, instead):
    warnings.warn(f"DATABASES[{alias!r}][{key!r}] is djongo 1.x's spelling: {instead}.",
                  DjongoSettingsDeprecationWarning, stacklevel=4)
