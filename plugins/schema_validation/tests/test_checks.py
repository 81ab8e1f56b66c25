"""System checks of the schema_validation plugin."""

import re

from django.core.validators import RegexValidator
from django.db import models
from django.test.utils import isolate_apps

from djongo_schema_validation import SchemaValidation
from djongo_schema_validation.checks import _model_errors, settings_errors


@isolate_apps("validation_testapp")
def test_two_schema_validations_and_an_unusable_regex_are_reported():
    class Twice(models.Model):
        code = models.CharField(max_length=5, validators=[
            RegexValidator(r"^a", flags=re.ASCII), RegexValidator(r"^b", inverse_match=True)])

        class Meta:
            app_label = "validation_testapp"
            constraints = [SchemaValidation(name="one"), SchemaValidation(name="two")]

    ids = [error.id for error in _model_errors(Twice)]
    assert ids == ["djongo_schema_validation.E002", "djongo_schema_validation.W002",
                   "djongo_schema_validation.W002"]


@isolate_apps("validation_testapp")
def test_schema_validation_on_an_unmanaged_model_is_an_error():
    class Outside(models.Model):
        class Meta:
            app_label = "validation_testapp"
            managed = False
            constraints = [SchemaValidation(name="outside")]

    assert [error.id for error in _model_errors(Outside)] == ["djongo_schema_validation.E003"]


def test_wrong_settings_are_reported():
    databases = {"default": {"ENGINE": "djongo_core", "PLUGINS": ["schema_validation"],
                             "SCHEMA_VALIDATION": {"level": "lenient"}},
                 "other": {"ENGINE": "djongo_core", "SCHEMA_VALIDATION": {}}}
    errors = settings_errors(databases)
    assert [error.id for error in errors] == ["djongo_schema_validation.E001",
                                              "djongo_schema_validation.W003"]
    assert "level must be one of strict, moderate, off, not 'lenient'" in errors[0].msg
