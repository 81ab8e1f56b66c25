"""`manage.py dbshell`: mongosh on the configured database, or a Python shell where it cannot run.

dbshell cannot hand the embedded engine to mongosh: the in-memory engine lives inside the process
that runs it, and the persistent one is not MongoDB (mongosh is not among the clients it is
tested with). There, and wherever mongosh is not installed, dbshell opens a Python shell with
`db` bound to the database (a pymongo Database) and says why, with the connection string that
other clients can use, or the mongosh command to run once it is installed.
"""

import code
import json
import re
import shlex
import shutil

from django.core.management.base import CommandError
from django.db.backends.base.client import BaseDatabaseClient

from djongo_core.connection_params import parse_connection_params
from djongo_core.embedded import SCHEME as EMBEDDED_MEMORY, is_embedded_host

MONGOSH_DOWNLOAD = "https://www.mongodb.com/try/download/shell"


class DatabaseClient(BaseDatabaseClient):
    """`manage.py dbshell` opens mongosh on the configured database."""

    executable_name = "mongosh"

    @classmethod
    def settings_to_cmd_args_env(cls, settings_dict, parameters):
        params = parse_connection_params("dbshell", settings_dict)
        kwargs = params.client_kwargs
        args = [cls.executable_name, params.host]
        if "port" in kwargs:
            args += ["--port", str(kwargs["port"])]
        if "username" in kwargs:
            args += ["--username", kwargs["username"]]
        if "authSource" in kwargs:
            args += ["--authenticationDatabase", kwargs["authSource"]]
        if "authMechanism" in kwargs:
            args += ["--authenticationMechanism", kwargs["authMechanism"]]
        args += ["--eval", f"db = db.getSiblingDB({json.dumps(params.database)})", "--shell"]
        # The password goes through the environment-free prompt: never on the command line.
        return args + list(parameters), None

    def runshell(self, parameters):
        host = self.connection.settings_dict.get("HOST") or ""
        if host == EMBEDDED_MEMORY:
            reason = (f"dbshell cannot open mongosh on HOST {host!r}: the in-memory embedded "
                      "engine keeps its data inside the process that runs it.")
        elif is_embedded_host(host):
            reason = (f"dbshell does not open mongosh on HOST {host!r}: the embedded engine is "
                      "not MongoDB. While this shell runs, other clients can connect to it at "
                      f"{self.embedded_connection_string()} with the password kept in "
                      f"{host.removeprefix(EMBEDDED_MEMORY).removeprefix('//')}/"
                      "embedded.credentials")
        elif shutil.which(self.executable_name) is None:
            reason = (f"mongosh is not installed (or not on PATH); install it from "
                      f"{MONGOSH_DOWNLOAD} and run it as: {self.mongosh_command()}")
        else:
            super().runshell(parameters)
            return
        if parameters:
            raise CommandError(
                f"{reason} The Python shell that dbshell opens instead takes no parameters: "
                f"remove {' '.join(parameters)!r}."
            )
        self.python_shell(reason)

    def embedded_connection_string(self):
        """Return the mongodb:// URI of a persistent embedded server and the database."""
        params = parse_connection_params(self.connection.alias, self.connection.settings_dict)
        server, _, query = params.host.partition("/?")
        return _without_password(f"{server}/{params.database}?{query}")

    def mongosh_command(self):
        """Return the mongosh command line for this database, with no password in it."""
        args, _ = self.settings_to_cmd_args_env(self.connection.settings_dict, [])
        # A password in a URI HOST: mongosh prompts for it when the URI names only the user.
        args[1] = _without_password(args[1])
        return shlex.join(args)

    def python_shell(self, reason):
        """Run an interactive Python shell with the database bound to `db`."""
        database = self.connection.mongo_database
        banner = (
            f"{reason}\n"
            f"This is a Python shell instead: `db` is the database {database.name!r} "
            f"(pymongo), e.g. db.list_collection_names() or db.<collection>.find_one(); "
            f"`connection` is Django's connection {self.connection.alias!r}. "
            f"Ctrl-D leaves."
        )
        code.interact(banner=banner, exitmsg="",
                      local={"db": database, "client": database.client,
                             "connection": self.connection})


def _without_password(uri):
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1@", uri)
