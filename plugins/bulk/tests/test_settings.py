"""DATABASES[alias]["BULK"]: defaults and the checks of each key."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from djongo_bulk.settings import BulkSettings


def read(given):
    return BulkSettings.for_database("default", {"BULK": given})


def test_defaults():
    assert read({}) == BulkSettings(batch_size=1000, client_bulk_write=True)
    assert BulkSettings.for_database("default", {}) == read({})


@pytest.mark.parametrize(("given", "message"), [
    ([], r"DATABASES\['default'\]\['BULK'\] must be a dict of settings, not list"),
    ({"batchsize": 5}, r"unknown key\(s\) 'batchsize'; the keys are batch_size, client_bulk_write"),
    ({"batch_size": 0}, r"\['batch_size'\] must be a positive integer; got 0"),
    ({"batch_size": True}, r"\['batch_size'\] must be a positive integer; got True"),
    ({"client_bulk_write": "yes"}, r"\['client_bulk_write'\] must be True or False; got 'yes'"),
])
def test_a_wrong_setting_names_the_key_and_what_it_takes(given, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        read(given)
