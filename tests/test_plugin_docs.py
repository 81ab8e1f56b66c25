"""The examples of docs/plugin-hooks.md run as written, and plugins import only the public API."""

import ast
import re
import types
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.test.utils import isolate_apps
from pymongo import CursorType

from djongo_core.plugins import hookimpl
from tests.testapp.models import Author

ROOT = Path(__file__).resolve().parent.parent
HOOKS_DOC = ROOT / "docs" / "plugin-hooks.md"
PUBLIC_MODULES = {"djongo_core.plugins"}


def example(heading):
    """Return the example of a section of docs/plugin-hooks.md as a module, run."""
    text = HOOKS_DOC.read_text()
    section = text[text.index(heading + "\n"):]
    section = section[:section.find("\n### ", 1)] if "\n### " in section[1:] else section
    example_part = section[section.index("**Example:**"):] if "**Example:**" in section else section
    code = re.search(r"```python\n(.*?)```", example_part, re.S).group(1)
    module = types.ModuleType("doc_example")
    module.__dict__["__name__"] = "tests.doc_example"
    exec(compile(code, f"{HOOKS_DOC.name}: {heading}", "exec"), module.__dict__)
    return module


class plugged:
    def __init__(self, plugin, name="doc-example"):
        self.plugin, self.name = plugin, name

    def __enter__(self):
        connection.plugin_host.register(self.plugin, self.name)
        return self.plugin

    def __exit__(self, *exc):
        connection.plugin_host.unregister(self.name)


@pytest.mark.usefixtures("db")
def test_the_translation_example_filters_and_annotates():
    module = example("### djongo_translate_node(compiler, node, translator, form)")
    try:
        Author.objects.create(name="Ann", age=30)
        Author.objects.create(name="Bob", age=60)
        with plugged(module):
            within = Author.objects.filter(age__within=(20, 40))
            assert str(within.order_by().values_list("name").query).startswith(
                'db.testapp_author.find({"age": {"$gte": 20, "$lte": 40}}')
            assert [a.name for a in within] == ["Ann"]
            flagged = Author.objects.annotate(young=models.ExpressionWrapper(
                models.Q(age__within=(20, 40)), output_field=models.BooleanField()))
            assert sorted((a.name, a.young) for a in flagged) == [("Ann", True), ("Bob", False)]
    finally:
        models.IntegerField._unregister_lookup(module.Within)


def test_the_plan_example_asks_for_a_tailable_cursor():
    module = example("### djongo_plan_query(compiler, plan, options)")
    queryset = module.TailingQuerySet(model=Author).filter(age=1)
    with plugged(module):
        plain = queryset.query.get_compiler(connection=connection).plan()
        tailing = queryset.tailing().query.get_compiler(connection=connection).plan()
    assert "cursor_type" not in plain.command.kwargs
    assert tailing.command.kwargs["cursor_type"] == CursorType.TAILABLE_AWAIT
    assert tailing.command.args == plain.command.args


@pytest.mark.usefixtures("db")
def test_the_connection_example_refuses_a_server_that_is_no_replica_set():
    module = example("### djongo_setup_connection(connection)")
    in_replica_set = "setName" in connection.mongo_client.admin.command("hello")
    with plugged(module):
        connection.close()
        if in_replica_set:
            Author.objects.count()
        else:
            with pytest.raises(ImproperlyConfigured, match="needs a replica set"):
                Author.objects.count()
    connection.close()


@pytest.mark.usefixtures("db")
def test_the_execution_example_counts_commands_per_model():
    module = example("### djongo_execute(connection, command)")
    with plugged(module):
        Author.objects.create(name="Ann")
        list(Author.objects.all())
    # The counter update that gives Ann her id, the insert, the find.
    assert module.commands_per_model["testapp.Author"] == 3


@pytest.mark.usefixtures("db")
@isolate_apps("tests.testapp")
def test_the_collection_options_example_requires_not_null_fields():
    module = example("### djongo_provide_collection_options(schema_editor, model)")

    class Gizmo(models.Model):
        name = models.CharField(max_length=10)
        note = models.TextField(null=True)

        class Meta:
            app_label = "testapp"
            db_table = "doc_gizmo"

    with plugged(module):
        with connection.schema_editor() as editor:
            editor.create_model(Gizmo)
        try:
            options = connection.mongo_database["doc_gizmo"].options()
            assert options["validator"] == {"$jsonSchema": {"required": ["name"]}}
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Gizmo)


@pytest.mark.usefixtures("db")
@isolate_apps("tests.testapp")
def test_the_index_and_constraint_kind_examples_run_in_migrations():
    module = example("### Index and constraint kinds (no hook)")

    class Gadget(models.Model):
        code = models.CharField(max_length=10)

        class Meta:
            app_label = "testapp"
            db_table = "doc_gadget"

    index = module.HashedIndex(fields=["code"], name="doc_gadget_code_hashed")
    constraint = module.WarnOnInvalid(name="doc_gadget_warn")
    with connection.schema_editor() as editor:
        editor.create_model(Gadget)
    try:
        with connection.schema_editor() as editor:
            editor.add_index(Gadget, index)
            editor.add_constraint(Gadget, constraint)
        collection = connection.mongo_database["doc_gadget"]
        assert collection.index_information()["doc_gadget_code_hashed"]["key"] == [
            ("code", "hashed")]
        assert collection.options()["validationAction"] == "warn"
        with connection.schema_editor() as editor:
            editor.remove_constraint(Gadget, constraint)
            editor.remove_index(Gadget, index)
        assert collection.options().get("validationAction", "error") == "error"
        assert "doc_gadget_code_hashed" not in collection.index_information()
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Gadget)


def test_the_plugins_of_this_repository_import_only_the_public_api():
    for path in sorted(ROOT.glob("plugins/*/djongo_*/**/*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("djongo_core"):
                assert node.module in PUBLIC_MODULES, (
                    f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}; plugins "
                    "import only what docs/plugin-api.md calls public (djongo_core.plugins)")
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("djongo_core"), path


def test_every_public_name_is_documented():
    import djongo_core.plugins

    page = (ROOT / "docs" / "plugin-api.md").read_text()
    for name in djongo_core.plugins.__all__:
        assert f"`{name}" in page, f"docs/plugin-api.md does not document {name}"


@pytest.mark.usefixtures("db")
def test_the_check_constraints_example_refuses_a_dangling_author():
    from django.db import IntegrityError

    from tests.testapp.models import Book

    module = example("### djongo_check_constraints(connection, table_names)")
    ann = Author.objects.create(name="Ann")
    Book.objects.create(title="Kept", author=ann)
    with plugged(module):
        connection.check_constraints(table_names=["testapp_book"])
        connection.mongo_database["testapp_book"].update_many({}, {"$set": {"author_id": 999}})
        with pytest.raises(IntegrityError, match="names a missing author"):
            connection.check_constraints(table_names=["testapp_book"])
        connection.check_constraints(table_names=["testapp_author"])
    assert connection.disable_constraint_checking() is True
    assert connection.constraint_checking_disabled
    connection.enable_constraint_checking()
    assert not connection.constraint_checking_disabled


@pytest.mark.usefixtures("db")
def test_the_intercept_example_holds_deletes_back_until_the_block_ends():
    from django.test.utils import CaptureQueriesContext

    module = example("### djongo_intercept_command(connection, command)")
    ann, bob = Author.objects.create(name="Ann"), Author.objects.create(name="Bob")
    Author.objects.create(name="Cy")
    with plugged(module), CaptureQueriesContext(connection) as captured:
        with module.deletes_held_back(Author):
            Author.objects.filter(pk=ann.pk).delete()
            Author.objects.filter(name="Bob").delete()
            # Held back: not run, not logged, and the documents are still there.
            assert not [q for q in captured if "testapp_author.delete_many(" in q["sql"]]
            assert connection.mongo_database["testapp_author"].count_documents({}) == 3
    deletes = [q["sql"] for q in captured if "testapp_author.delete_many(" in q["sql"]]
    # Django's collector reads the authors first and deletes them by key.
    assert deletes == [f'db.testapp_author.delete_many({{"$or": [{{"_id": {{"$in": [{ann.pk}]}}}}, '
                       f'{{"_id": {{"$in": [{bob.pk}]}}}}]}})']
    assert [a.name for a in Author.objects.all()] == ["Cy"]


class RecordingTransactions:
    """A transaction manager that only records what it is asked (the steps' order is tested)."""

    def __init__(self, calls):
        self.calls = calls

    def set_autocommit(self, autocommit):
        self.calls.append(("manager", "autocommit", autocommit))

    def commit(self):
        self.calls.append(("manager", "commit"))

    def rollback(self):
        self.calls.append(("manager", "rollback"))

    def savepoint(self, sid):
        self.calls.append(("manager", "savepoint"))

    def savepoint_rollback(self, sid):
        self.calls.append(("manager", "savepoint_rollback"))

    def savepoint_commit(self, sid):
        self.calls.append(("manager", "savepoint_commit"))

    def close(self):
        pass


def test_the_transaction_step_example_runs_before_each_step_of_the_manager(caplog):
    from django.db import connections

    module = example("### djongo_prepare_transaction_step(connection, step, sid)")
    calls = []

    class Recorder:
        @hookimpl
        def djongo_provide_transaction_manager(self):
            return RecordingTransactions(calls)

        @hookimpl
        def djongo_prepare_transaction_step(self, step, sid):
            calls.append(("hook", step, sid is not None))

    wrapper = connections.create_connection("default")
    wrapper.plugin_host.register(module, "doc-example")
    wrapper.plugin_host.register(Recorder(), "recorder")
    wrapper.ensure_connection()
    calls.clear()
    try:
        with caplog.at_level("INFO", logger="transaction-steps"):
            wrapper.set_autocommit(False)
            first = wrapper.savepoint()
            wrapper.savepoint_rollback(first)
            second = wrapper.savepoint()
            wrapper.savepoint_commit(second)
            wrapper.commit()
            wrapper.rollback()
            wrapper.set_autocommit(True)
    finally:
        wrapper.close()
    assert calls == [
        ("hook", "begin", False), ("manager", "autocommit", False),
        ("hook", "savepoint", True), ("manager", "savepoint"),
        ("hook", "savepoint_rollback", True), ("manager", "savepoint_rollback"),
        ("hook", "savepoint", True), ("manager", "savepoint"),
        ("hook", "savepoint_commit", True), ("manager", "savepoint_commit"),
        ("hook", "commit", False), ("manager", "commit"),
        ("hook", "rollback", False), ("manager", "rollback"),
        ("manager", "autocommit", True),
    ]
    assert [record.getMessage().split(": ")[1].split()[0] for record in caplog.records] == [
        "begin", "savepoint", "savepoint_rollback", "savepoint", "savepoint_commit", "commit",
        "rollback"]


def test_without_a_transaction_manager_no_step_is_prepared():
    from django.db import connections

    steps = []

    class Recorder:
        @hookimpl
        def djongo_prepare_transaction_step(self, step):
            steps.append(step)

    wrapper = connections.create_connection("default")
    wrapper.plugin_host.register(Recorder(), "recorder")
    try:
        wrapper.set_autocommit(False)
        wrapper.commit()
        wrapper.rollback()
        wrapper.set_autocommit(True)
    finally:
        wrapper.close()
    assert steps == []


@pytest.mark.usefixtures("db")
def test_the_introspection_example_describes_a_view():
    module = example("### djongo_provide_constraints(connection, table_name)")
    database = connection.mongo_database
    database.command({"create": "doc_example_adults", "viewOn": "testapp_author",
                      "pipeline": [{"$match": {"age": {"$gte": 18}}}]})
    try:
        with plugged(module), connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, "testapp_author")
        described = constraints["view_doc_example_adults"]
        assert described["type"] == "view"
        assert described["definition"] == [{"$match": {"age": {"$gte": 18}}}]
        assert described["index"] is False and described["columns"] == []
        with connection.cursor() as cursor:
            assert "view_doc_example_adults" not in connection.introspection.get_constraints(
                cursor, "testapp_author")
    finally:
        database.drop_collection("doc_example_adults")


@pytest.mark.usefixtures("db")
def test_a_provided_constraint_may_not_take_an_existing_name():
    class Clashing:
        @hookimpl
        def djongo_provide_constraints(self, table_name):
            return {"_id_": {"index": True}}

    with plugged(Clashing(), "clashing"), connection.cursor() as cursor:
        with pytest.raises(ImproperlyConfigured, match="'_id_'.*the collection itself"):
            connection.introspection.get_constraints(cursor, "testapp_author")
