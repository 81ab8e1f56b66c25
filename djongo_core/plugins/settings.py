"""A plugin's own DATABASES key (BULK, TRANSACTIONS, ...): where it is, and its first checks."""

from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured


def setting_path(alias: str, key: str) -> str:
    """Return how an error names the setting: DATABASES['default']['BULK']."""
    return f"DATABASES[{alias!r}][{key!r}]"


def plugin_setting(alias: str, settings_dict: dict, key: str, known: Iterable[str]) -> dict:
    """Return DATABASES[alias][key] as a dict of the keys the user gave ({} when unset or None).

    ImproperlyConfigured, naming the setting, when it is not a dict or has a key not in
    `known` (the message lists the known keys). The values are the plugin's to check."""
    given = settings_dict.get(key)
    if given is None:
        return {}
    where = setting_path(alias, key)
    if not isinstance(given, dict):
        raise ImproperlyConfigured(
            f"{where} must be a dict of settings, not {type(given).__name__}.")
    known = set(known)
    unknown = sorted(set(given) - known)
    if unknown:
        raise ImproperlyConfigured(
            f"{where} has unknown key(s) {', '.join(map(repr, unknown))}; the keys are "
            f"{', '.join(sorted(known))}."
        )
    return dict(given)
