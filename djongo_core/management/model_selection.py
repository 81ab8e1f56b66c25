"""What the commands that work model by model over one database (adoptdb, schemadrift) share:
their arguments, and the connection and models those arguments select."""

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from djongo_core import adoption


def add_model_selection_arguments(parser, database_help):
    """Add `app_label ...` and `--database` (database_help: what the command does with it)."""
    parser.add_argument("app_label", nargs="*",
                        help="Only these apps' models (default: every installed app).")
    parser.add_argument("--database", default=DEFAULT_DB_ALIAS,
                        help=f'The database to {database_help} (default: "default").')


def selected_models(app_label, database):
    """Return the connection named by --database and the models of the app labels given (of
    every installed app when none is); CommandError for a database that is not MongoDB or an
    unknown app label."""
    connection = connections[database]
    if connection.vendor != "mongodb":
        raise CommandError(f"Database {database!r} is not a djongo_core (MongoDB) database.")
    try:
        return connection, adoption.adoption_models(connection, app_label)
    except LookupError as error:
        raise CommandError(str(error)) from error
