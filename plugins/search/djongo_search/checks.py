"""System checks of the search indexes, run by ``manage.py check`` (and migrate, runserver).

Django 6.0+ asks each index (``Index.check(model, connection)``, indexes.py); Django 5.2 never
does, so there the same checks run as a system check of the models (registered in indexes.py).
"""

from django.core import checks
from django.db import NotSupportedError, connections, router


def check_index(index, model, connection):
    """Return the check messages of one search index of ``model`` on ``connection``."""
    where = f"{type(index).__name__} {index.name!r} of {model._meta.label}"
    if connection.vendor != "mongodb":
        return [checks.Error(
            f"{where} is a MongoDB Search index, but database {connection.alias!r} is "
            f"{connection.display_name}.",
            hint="Route the model to a djongo_core database, or leave the index out.",
            obj=model, id="djongo_search.E003")]
    errors = []
    if "search" not in (connection.settings_dict.get("PLUGINS") or []):
        errors.append(checks.Error(
            f"{where} is built by migrate on database {connection.alias!r}, but its queries "
            "need the search plugin, which that database does not enable.",
            hint=f"Add 'search' to DATABASES[{connection.alias!r}]['PLUGINS'].",
            obj=model, id="djongo_search.E004"))
    try:
        index.definition(model)
    except NotSupportedError as error:
        errors.append(checks.Error(str(error), obj=model, id="djongo_search.E002"))
    return errors


def check_all_model_indexes(app_configs=None, databases=None, **kwargs):
    """The system check running the index checks on Django 5.2, which never calls
    Index.check()."""
    from django.apps import apps

    from djongo_search.indexes import search_indexes

    configs = apps.get_app_configs() if app_configs is None else app_configs
    errors = []
    for config in configs:
        for model in config.get_models():
            for alias in databases or ():
                if not router.allow_migrate_model(alias, model):
                    continue
                for index in search_indexes(model):
                    errors.extend(check_index(index, model, connections[alias]))
    return errors
