from django.db.backends.base.client import BaseDatabaseClient

from djongo_core.connection_params import parse_connection_params


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
        args += ["--eval", f"db = db.getSiblingDB({params.database!r})", "--shell"]
        # The password goes through the environment-free prompt: never on the command line.
        return args + list(parameters), None
