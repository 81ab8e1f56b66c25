"""AlterSearchIndex: change a search index's definition in place (``updateSearchIndex``).

makemigrations writes a changed index as RemoveIndex + AddIndex of the same name: MongoDB then
drops the index (the plugin waits until it is gone) and builds it anew, and searches fail
meanwhile. Replace the pair with one AlterSearchIndex to keep the old index answering while
MongoDB builds the new definition::

    operations = [
        AlterSearchIndex("article", SearchIndex(fields=["title", "body", "summary"],
                                                name="article_search")),
    ]

Backwards, the index gets the definition it had before.
"""

from django.db.migrations.operations.models import IndexOperation

from djongo_search.indexes import SearchIndexBase


class AlterSearchIndex(IndexOperation):
    """Give the search index named ``index.name`` of ``model_name`` the definition of ``index``."""

    option_name = "indexes"

    def __init__(self, model_name, index):
        if not isinstance(index, SearchIndexBase):
            raise ValueError(f"AlterSearchIndex changes a SearchIndex or VectorSearchIndex, not "
                             f"{index!r}.")
        self.model_name = model_name
        self.index = index

    def state_forwards(self, app_label, state):
        model_state = state.models[app_label, self.model_name_lower]
        indexes = model_state.options[self.option_name]
        if not any(existing.name == self.index.name for existing in indexes):
            raise ValueError(f"{app_label}.{self.model_name} has no index named "
                             f"{self.index.name!r} to alter; add it with AddIndex.")
        model_state.options[self.option_name] = [
            self.index if existing.name == self.index.name else existing for existing in indexes]
        state.reload_model(app_label, self.model_name_lower, delay=True)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._update(app_label, schema_editor, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._update(app_label, schema_editor, to_state)

    def _update(self, app_label, schema_editor, state):
        model = state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = next(i for i in model._meta.indexes if i.name == self.index.name)
            schema_editor.run(index.update_sql(model))

    def deconstruct(self):
        return self.__class__.__name__, [], {"model_name": self.model_name, "index": self.index}

    def describe(self):
        return f"Alter search index {self.index.name} on {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.model_name_lower}_{self.index.name.lower()}"
