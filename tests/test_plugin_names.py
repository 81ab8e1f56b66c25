"""The error for a plugin name no installed distribution provides: install it, or it is unknown.

Only the plugins djongo-core ships (its distribution's extras that name a plugin distribution,
djongo-<name>) are offered as `pip install "djongo-core[<name>]"`; for any other name the
message says no such plugin is known, instead of an install command that cannot work.
"""

import email.message
import importlib.metadata
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from djongo_core import checks as backend_checks
from djongo_core.plugins import PluginHost, manager


ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(extra for extra in tomllib.loads((ROOT / "pyproject.toml").read_text())[
    "project"]["optional-dependencies"] if extra != "embedded")


def quoted_list(names):
    quoted = [repr(name) for name in names]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


@pytest.fixture
def nothing_installed(monkeypatch):
    monkeypatch.setattr(manager, "installed_entry_points", lambda: [])


def refusal(names):
    with pytest.raises(ImproperlyConfigured) as raised:
        PluginHost.for_database("default", names)
    return str(raised.value)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_plugin_that_is_not_installed_says_how_to_install_it(nothing_installed, name):
    message = refusal([name])
    assert f'pip install "djongo-core[{name}]"' in message


@pytest.mark.parametrize("name", ["maps", "embedded", "searchx"])
def test_a_plugin_djongo_core_does_not_ship_is_not_offered_for_install(nothing_installed, name):
    message = refusal([name])
    assert "pip install" not in message
    assert f"no plugin named {name!r} is known" in message
    assert f"djongo-core ships the plugins {quoted_list(SHIPPED)}" in message
    assert f"remove {name!r} from PLUGINS" in message


def test_a_misspelt_shipped_plugin_is_suggested(nothing_installed):
    assert "did you mean 'transactions'?" in refusal(["transaction"])


def test_the_shipped_plugins_come_from_the_distribution_metadata(nothing_installed,
                                                                 monkeypatch):
    real = importlib.metadata.distribution("djongo-core")
    metadata = email.message.Message()
    for key, value in real.metadata.items():
        metadata[key] = value
    metadata["Provides-Extra"] = "maps"
    # djongo-core as it would be once it ships a maps plugin (an extra naming djongo-maps).
    with_maps = SimpleNamespace(metadata=metadata,
                               requires=[*real.requires, 'djongo-maps>=0.1; extra == "maps"'])
    monkeypatch.setattr(importlib.metadata, "distribution",
                        lambda name: with_maps if name == "djongo-core" else real)
    assert 'pip install "djongo-core[maps]"' in refusal(["maps"])


@pytest.mark.parametrize("name", ["djongo_transactions", "djongo-transactions"])
def test_a_plugin_named_by_its_package_or_distribution_is_suggested_by_its_name(
        nothing_installed, name):
    assert "did you mean 'transactions'?" in refusal([name])


def plugin_errors(monkeypatch, databases):
    monkeypatch.setattr(backend_checks, "settings",
                        SimpleNamespace(DATABASES=databases, CACHES={}))
    return [issue for issue in checks.run_checks() if issue.id == "djongo_core.E205"]


@pytest.mark.parametrize("plugins, says", [
    (["transaction"], "no plugin named 'transaction' is known"),
    ("transactions", "must be a list of plugin names"),
    (["transactions", "transactions"], "lists 'transactions' more than once"),
])
def test_check_reports_plugins_a_database_cannot_load_before_any_connection(
        nothing_installed, monkeypatch, plugins, says):
    databases = {"default": {"ENGINE": "djongo_core", "NAME": "shop", "HOST": "embedded:",
                             "PLUGINS": plugins},
                 "other": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:",
                           "PLUGINS": ["anything"]}}
    (error,) = plugin_errors(monkeypatch, databases)
    assert error.level == checks.ERROR
    assert "Database 'default'" in error.msg or "DATABASES['default']" in error.msg
    assert says in error.msg


def test_check_is_quiet_when_every_plugin_loads(monkeypatch):
    databases = {"default": {"ENGINE": "djongo_core", "NAME": "shop", "HOST": "embedded:",
                             "PLUGINS": []}}
    assert plugin_errors(monkeypatch, databases) == []
