"""plugin_setting() and setting_path(): the checks every plugin's own DATABASES key shares."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from djongo_core.plugins import plugin_setting, setting_path

KNOWN = ("batch_size", "client_bulk_write")


@pytest.mark.parametrize("settings_dict", [{}, {"BULK": None}], ids=["unset", "None"])
def test_an_unset_setting_is_an_empty_dict(settings_dict):
    assert plugin_setting("default", settings_dict, "BULK", KNOWN) == {}


def test_the_given_keys_come_back_as_a_new_dict():
    given = {"batch_size": 10}
    read = plugin_setting("default", {"BULK": given}, "BULK", KNOWN)
    assert read == {"batch_size": 10}
    read["client_bulk_write"] = False
    assert given == {"batch_size": 10}


@pytest.mark.parametrize("value", [[], "snapshot", 0, True])
def test_a_value_that_is_not_a_dict_is_refused_naming_the_setting(value):
    with pytest.raises(ImproperlyConfigured,
                       match=r"^DATABASES\['other'\]\['BULK'\] must be a dict of settings, not "
                             rf"{type(value).__name__}\.$"):
        plugin_setting("other", {"BULK": value}, "BULK", KNOWN)


def test_unknown_keys_are_refused_listing_the_known_ones():
    with pytest.raises(ImproperlyConfigured) as raised:
        plugin_setting("default", {"BULK": {"batchsize": 5, "zz": 1, "batch_size": 3}},
                       "BULK", KNOWN)
    assert str(raised.value) == (
        "DATABASES['default']['BULK'] has unknown key(s) 'batchsize', 'zz'; the keys are "
        "batch_size, client_bulk_write.")


def test_setting_path_names_the_setting_as_errors_do():
    assert setting_path("default", "TRANSACTIONS") == "DATABASES['default']['TRANSACTIONS']"
