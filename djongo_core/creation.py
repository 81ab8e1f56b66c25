import sys

from django.db.backends.base.creation import BaseDatabaseCreation

from djongo_core.command import Command


class DatabaseCreation(BaseDatabaseCreation):
    """Test databases: created by the first write, dropped whole at the end."""

    def _create_test_db(self, verbosity, autoclobber, keepdb=False):
        test_database_name = self._get_test_db_name()
        if keepdb:
            return test_database_name
        # A database exists while it holds a collection. Asking the database itself rather
        # than listing databases also works for users allowed on it alone (Atlas roles), and
        # on the embedded engine whatever the other databases hold (listdatabases-decimal128).
        names = self.connection.executor.run(
            Command(None, "list_collection_names", database=test_database_name))
        if names:
            if not autoclobber:
                confirm = input(
                    f"Type 'yes' if you would like to try deleting the test database "
                    f"'{test_database_name}', or 'no' to cancel: "
                )
                if confirm != "yes":
                    self.log("Tests cancelled.")
                    sys.exit(1)
            if verbosity >= 1:
                self.log(f"Destroying old test database for alias "
                         f"{self._get_database_display_str(verbosity, test_database_name)}...")
            self._drop(test_database_name)
        return test_database_name

    def _destroy_test_db(self, test_database_name, verbosity):
        self._drop(test_database_name)

    def _drop(self, name):
        self.connection.executor.run(
            Command(None, "command", ({"dropDatabase": 1},), database=name))
