"""Throwaway plugins prove that the backend calls each stage's hooks with what the docs say."""

from contextlib import contextmanager

import pytest
from django.db import NotSupportedError, connection, models
from django.db.models import Lookup

from djongo_core.plugins import hookimpl
from tests.testapp.models import Author

pytestmark = pytest.mark.usefixtures("db")


@contextmanager
def plugged(plugin, name="throwaway"):
    host = connection.plugin_host
    host.register(plugin, name)
    try:
        yield plugin
    finally:
        host.unregister(name)


class Between(Lookup):
    """A lookup the core does not know: only a plugin can translate it."""

    lookup_name = "between_plugin"
    prepare_rhs = False


def test_translation_hook_translates_nodes_the_core_does_not_know():
    class TranslatesBetween:
        seen = []

        @hookimpl
        def djongo_translate_node(self, compiler, node):
            if isinstance(node, Between):
                self.seen.append((type(compiler).__name__, node.rhs))
                low, high = node.rhs
                return {node.lhs.target.column: {"$gte": low, "$lte": high}}
            return None

    Author.objects.create(name="Ann", age=30)
    Author.objects.create(name="Bob", age=60)
    models.IntegerField.register_lookup(Between)
    try:
        with plugged(TranslatesBetween()) as plugin:
            assert [a.name for a in Author.objects.filter(age__between_plugin=(20, 40))] == ["Ann"]
        assert plugin.seen == [("SQLCompiler", (20, 40))]
        with pytest.raises(NotSupportedError, match="Between is not supported on this database backend. .* no MongoDB translation"):
            list(Author.objects.filter(age__between_plugin=(20, 40)))
    finally:
        models.IntegerField._unregister_lookup(Between)


def test_execution_hook_wraps_every_command_and_sees_its_result():
    class Recorder:
        commands = []

        @hookimpl(wrapper=True)
        def djongo_execute(self, connection, command):
            self.commands.append((command.collection, command.operation))
            result = yield
            return result

    with plugged(Recorder()) as plugin:
        author = Author.objects.create(name="Ann")
        Author.objects.filter(pk=author.pk).update(age=3)
        assert Author.objects.get(pk=author.pk).age == 3
    assert plugin.commands == [
        ("__schema__", "find_one_and_update"),
        ("testapp_author", "insert_one"),
        ("testapp_author", "update_many"),
        ("testapp_author", "find"),
    ]


def test_execution_hook_can_change_a_command_before_it_runs():
    class Limiter:
        @hookimpl(wrapper=True)
        def djongo_execute(self, connection, command):
            if command.operation == "find":
                command.kwargs["limit"] = 1
            return (yield)

    Author.objects.create(name="Ann")
    Author.objects.create(name="Bob")
    with plugged(Limiter()):
        assert len(list(Author.objects.all())) == 1


def test_connection_created_hook_runs_when_a_client_is_opened():
    class Prober:
        connections = []

        @hookimpl
        def djongo_setup_connection(self, connection):
            self.connections.append(connection.mongo_database.name)

    with plugged(Prober()) as plugin:
        connection.close()
        Author.objects.count()
    assert plugin.connections == [connection.settings_dict["NAME"]]


def test_migration_hook_adds_collection_options():
    class Validating:
        @hookimpl
        def djongo_provide_collection_options(self, schema_editor, model):
            if model._meta.db_table == "plugin_stage_widget":
                return {"validator": {"$jsonSchema": {"required": ["name"]}}}
            return None

    class Widget(models.Model):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "testapp"
            db_table = "plugin_stage_widget"

    with plugged(Validating()):
        with connection.schema_editor() as editor:
            editor.create_model(Widget)
    try:
        options = connection.mongo_database["plugin_stage_widget"].options()
        assert options.get("validator") == {"$jsonSchema": {"required": ["name"]}}
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Widget)


class Metadata(models.Expression):
    """A value only a plugin translates: document metadata, as a text score is."""

    output_field = models.FloatField()


def test_plugin_metadata_values_keep_a_query_a_find_projected_and_sorted_by_them():
    class TranslatesMetadata:
        @hookimpl
        def djongo_translate_node(self, compiler, node):
            return {"$meta": "recordId"} if isinstance(node, Metadata) else None

    with plugged(TranslatesMetadata()):
        queryset = Author.objects.filter(age=3).annotate(m=Metadata()).order_by(
            Metadata().desc()).values_list("name", "m")
        assert str(queryset.query) == (
            'db.testapp_author.find({"age": 3}, {"name": 1, "c1": {"$meta": "recordId"}, '
            '"_id": 0}, {"sort": [["c1", {"$meta": "recordId"}]]})'
        )
        # Ascending metadata cannot be a find's sort: the query becomes a pipeline.
        ascending = Author.objects.annotate(m=Metadata()).order_by("m")
        assert ascending.query.get_compiler("default").build_plan().command.operation == (
            "aggregate")


def test_an_index_class_builds_its_own_index_through_create_sql_and_remove_sql():
    from djongo_core.command import Command

    class HashedName(models.Index):
        def create_sql(self, model, schema_editor, using="", **kwargs):
            return Command(model._meta.db_table, "create_index", ([("name", "hashed")],),
                           {"name": self.name})

        def remove_sql(self, model, schema_editor, **kwargs):
            return Command(model._meta.db_table, "drop_index", (self.name,))

    class SqlIndex(models.Index):
        def create_sql(self, model, schema_editor, using="", **kwargs):
            return "CREATE INDEX ..."

    index = HashedName(fields=["name"], name="author_name_hashed")
    with connection.schema_editor() as editor:
        editor.add_index(Author, index)
    try:
        info = connection.mongo_database["testapp_author"].index_information()
        assert info["author_name_hashed"]["key"] == [("name", "hashed")]
    finally:
        with connection.schema_editor() as editor:
            editor.remove_index(Author, index)
    assert "author_name_hashed" not in connection.mongo_database["testapp_author"].index_information()
    with pytest.raises(NotSupportedError, match="SqlIndex 'x' on testapp.Author returned str "
                                                r"from create_sql\(\), which MongoDB cannot run"):
        with connection.schema_editor() as editor:
            editor.add_index(Author, SqlIndex(fields=["name"], name="x"))
