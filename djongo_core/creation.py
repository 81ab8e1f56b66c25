import sys

from django.conf import settings
from django.db.backends.base.creation import BaseDatabaseCreation
from django.utils.module_loading import import_string

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

    def mark_expected_failures_and_skips(self):
        """Mark Django's own tests as expected failures or skips, as the base class does, but
        leave out the listed tests this Django's test suite does not have: the lists in
        djongo_core/django_test_skips.py serve every supported Django version, and an older
        version's suite lacks the tests added after it."""
        from unittest import expectedFailure, skip

        features = self.connection.features
        marks = [(test, expectedFailure) for test in features.django_test_expected_failures]
        marks += [(test, skip(reason))
                  for reason, tests in features.django_test_skips.items() for test in tests]
        for test_name, mark in marks:
            # Importing a test app that isn't installed raises RuntimeError.
            if test_name.split(".")[0] not in settings.INSTALLED_APPS:
                continue
            test_case_name, _, test_method_name = test_name.rpartition(".")
            try:
                test_case = import_string(test_case_name)
                test_method = getattr(test_case, test_method_name)
            except (ImportError, AttributeError):
                continue
            setattr(test_case, test_method_name, mark(test_method))
