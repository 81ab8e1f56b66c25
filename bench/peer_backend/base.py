"""django-mongodb-backend with the one change it needs to run on the embedded engine.

It reads the server version with pymongo's ``server_info()``, which sends ``buildinfo`` in lower
case; mongoeco only answers ``buildInfo`` (docs/engine-deviations.md#buildinfo-lowercase). This
subclass asks the same question in the other spelling, once per connection, outside every
measured operation; everything else is the backend as released.
"""

from django_mongodb_backend.base import DatabaseWrapper as PeerDatabaseWrapper


class DatabaseWrapper(PeerDatabaseWrapper):
    def get_database_version(self):
        return tuple(self.connection.admin.command("buildInfo")["versionArray"])
