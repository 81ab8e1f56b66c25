"""The README's settings on a persistent embedded HOST work as they are, with both plugins.

The embedded engine cannot run a transaction next to a write made outside it, and taking an id
from its counter outside the transaction is one (docs/engine-deviations.md#sqlite-transaction-
exclusive): with the plugin's MongoDB defaults, the first many-to-many set() of a new project
failed with the engine's own words. On the embedded engine ids are taken inside by default.
"""

import json
import os
import signal
import time

import pytest
from django.core.management import call_command
from django.db import connections

from transactions_testapp.models import Article, Reporter, Tag

ALIAS = "persistent"


@pytest.fixture
def persistent(tmp_path, monkeypatch):
    """An alias with the README's PLUGINS on a persistent embedded HOST, migrated."""
    if os.environ.get("MONGODB_URI"):
        pytest.skip("tests the embedded engine's defaults")
    monkeypatch.setenv("DJONGO_EMBEDDED_IDLE_SECONDS", "5")
    settings = {"ENGINE": "djongo_core", "NAME": "shop", "HOST": f"embedded://{tmp_path}",
                "PLUGINS": ["indexes", "transactions"]}
    configured = connections.configure_settings({"default": {}, ALIAS: settings})[ALIAS]
    monkeypatch.setitem(connections.settings, ALIAS, configured)
    try:
        call_command("migrate", database=ALIAS, run_syncdb=True, verbosity=0)
        yield connections[ALIAS]
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        _stop_server(tmp_path)


def _stop_server(directory):
    advertisement = directory / "embedded.json"
    if not advertisement.exists():
        return
    pid = json.loads(advertisement.read_text())["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.05)
    except ProcessLookupError:
        pass


def test_many_to_many_set_works_with_the_readme_settings_on_a_persistent_embedded_host(
        persistent):
    reporter = Reporter.objects.using(ALIAS).create(name="Ann")
    article = Article.objects.using(ALIAS).create(reporter=reporter, title="First")
    tags = [Tag.objects.using(ALIAS).create(name=name) for name in ("db", "orm")]

    article.tags.set(tags)

    assert sorted(article.tags.values_list("name", flat=True)) == ["db", "orm"]
    article.tags.set(tags[:1])
    assert list(article.tags.values_list("name", flat=True)) == ["db"]
