"""The models a command's `app[.Model]` arguments name."""

from django.apps import apps
from django.core.management.base import CommandError


def named_models(labels):
    if not labels:
        return [model for model in apps.get_models(include_auto_created=True)]
    models = []
    for label in labels:
        try:
            if "." in label:
                models.append(apps.get_model(label))
            else:
                models.extend(apps.get_app_config(label).get_models(include_auto_created=True))
        except LookupError as error:
            raise CommandError(f"{label!r} names no installed app or model ({error}); write "
                               "app_label or app_label.ModelName.") from None
    return models
