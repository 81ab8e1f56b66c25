"""What the plugin's commands share: the models their `app[.Model]` arguments name, and the
arguments and database checks of the two reports (validatedb, checkintegrity)."""

from django.apps import apps
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from djongo_schema_validation.settings import is_enabled


def add_report_arguments(parser, listed):
    """The labels, --database and --limit (``listed``: what is listed, per what)."""
    parser.add_argument("labels", nargs="*", metavar="app_label[.ModelName]")
    parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
    parser.add_argument("--limit", type=int, default=100,
                        help=f"{listed} (default 100; 0: all).")


def report_connection(database):
    """Return the connection of ``database`` and its collections' names, refusing a database
    that does not enable the plugin."""
    connection = connections[database]
    if not is_enabled(connection):
        raise CommandError(f"Database {database!r} does not enable the schema_validation "
                           "plugin; add 'schema_validation' to its PLUGINS.")
    return connection, set(connection.introspection.table_names())


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
