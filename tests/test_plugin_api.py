"""The plugin API at its three stages, each proven by a throwaway plugin (docs/plugin-api.md)."""

import ast
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import NotSupportedError, connection, migrations, models
from django.db.migrations.state import ModelState, ProjectState
from django.db.models import Aggregate, BaseConstraint, ExpressionWrapper, Lookup, Q
from django.test.utils import register_lookup
from pymongo import CursorType

from djongo_core.plugins import Command, hookimpl, query_options, with_query_options
from tests.testapp.models import Author, Book

pytestmark = pytest.mark.usefixtures("db")

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def plugged(plugin, name="throwaway"):
    host = connection.plugin_host
    host.register(plugin, name)
    try:
        yield plugin
    finally:
        host.unregister(name)


# -- translation: the translator and the form wanted ---------------------------------------------


class Within(Lookup):
    """A lookup only a plugin translates: lhs between two bounds."""

    lookup_name = "within_api"
    prepare_rhs = False


class TranslatesWithin:
    def __init__(self):
        self.forms = []

    @hookimpl
    def djongo_translate_node(self, node, translator, form):
        if not isinstance(node, Within):
            return None
        self.forms.append(form)
        low, high = node.rhs
        if form == "match":
            return {translator.field_path(node.lhs): {"$gte": low, "$lte": high}}
        value = translator.expression(node.lhs)
        return {"$and": [{"$gte": [value, translator.literal(low)]},
                         {"$lte": [value, translator.literal(high)]}]}


@pytest.fixture
def within():
    models.IntegerField.register_lookup(Within)
    try:
        with plugged(TranslatesWithin()) as plugin:
            yield plugin
    finally:
        models.IntegerField._unregister_lookup(Within)


def test_a_condition_is_asked_for_as_a_query_document_on_the_stored_path(within):
    ann = Author.objects.create(name="Ann", age=30)
    Author.objects.create(name="Bob", age=60)
    queryset = Author.objects.filter(pk__within_api=(ann.pk, ann.pk)).order_by().values_list(
        "name")
    # The primary key is stored as _id: the translator says so, the plugin need not know.
    assert str(queryset.query) == (
        'db.testapp_author.find({"_id": {"$gte": %d, "$lte": %d}}, {"name": 1, "_id": 0})'
        % (ann.pk, ann.pk))
    assert list(queryset) == [("Ann",)]
    assert within.forms == ["match", "match"]


def test_a_joined_column_is_read_under_its_alias(within):
    ann = Author.objects.create(name="Ann", age=30)
    bob = Author.objects.create(name="Bob", age=60)
    Book.objects.create(title="Young", author=ann)
    Book.objects.create(title="Old", author=bob)
    titles = Book.objects.filter(author__age__within_api=(20, 40)).values_list("title", flat=True)
    assert '{"$match": {"testapp_author.age": {"$gte": 20, "$lte": 40}}}' in str(titles.query)
    assert list(titles) == ["Young"]


def test_a_condition_used_as_a_value_is_asked_for_as_an_expression(within):
    Author.objects.create(name="Ann", age=30)
    Author.objects.create(name="Bob", age=60)
    flagged = Author.objects.annotate(young=ExpressionWrapper(
        Q(age__within_api=(20, 40)), output_field=models.BooleanField())).order_by("name")
    assert [(a.name, a.young) for a in flagged] == [("Ann", True), ("Bob", False)]
    assert within.forms == ["expression"]


def test_a_plugin_lookup_under_a_built_in_name_is_the_plugin_s():
    class Divides(Lookup):
        lookup_name = "contains"  # a built-in's name, with another meaning

        def as_sql(self, compiler, connection):
            raise NotImplementedError

    class TranslatesDivides:
        @hookimpl
        def djongo_translate_node(self, node, translator, form):
            if isinstance(node, Divides) and form == "match":
                return {translator.field_path(node.lhs): {"$mod": [node.rhs, 0]}}
            return None

    Author.objects.create(name="Ann", age=30)
    Author.objects.create(name="Kid", age=8)
    with register_lookup(models.IntegerField, Divides), plugged(TranslatesDivides()):
        assert list(Author.objects.filter(age__contains=3)
                    .values_list("name", flat=True)) == ["Ann"]


class LongestName(Aggregate):
    """An aggregate only a plugin translates: the length of the longest value."""

    function = "LONGEST"
    output_field = models.IntegerField()


def test_an_aggregate_is_asked_for_as_a_group_accumulator():
    class TranslatesLongest:
        forms = []

        @hookimpl
        def djongo_translate_node(self, node, translator, form):
            if not isinstance(node, LongestName):
                return None
            self.forms.append(form)
            value = translator.expression(node.get_source_expressions()[0])
            return {"$max": {"$strLenCP": value}}

    Author.objects.create(name="Ann")
    Author.objects.create(name="Beatrice")
    with plugged(TranslatesLongest()) as plugin:
        assert Author.objects.aggregate(longest=LongestName("name")) == {"longest": 8}
    assert plugin.forms == ["accumulator"]


# -- the query plan ------------------------------------------------------------------------------


class AdultsFirst:
    """Puts a first stage into plans whose QuerySet asked for it, as $geoNear must be first."""

    @hookimpl
    def djongo_plan_query(self, plan, options):
        if not options.get("adults_only"):
            return None
        return plan.with_first_stages({"$match": {"age": {"$gte": 18}}})


def test_a_plugin_puts_a_first_stage_into_the_plan_of_the_queryset_that_asked():
    Author.objects.create(name="Ann", age=30)
    Author.objects.create(name="Kid", age=8)
    asked = with_query_options(Author.objects.all(), adults_only=True)
    with plugged(AdultsFirst()):
        names = asked.filter(name__startswith="").order_by("name").values_list("name", flat=True)
        assert str(names.query) == (
            'db.testapp_author.aggregate([{"$match": {"age": {"$gte": 18}}}, '
            '{"$match": {"name": {"$regex": "^"}}}, {"$project": {"_id": 0, "c0": "$name"}}, '
            '{"$sort": {"c0": 1}}])')
        assert list(names) == ["Ann"]
        # The option rides on the QuerySet it was set on and its clones only.
        assert query_options(names.query) == {"adults_only": True}
        assert sorted(Author.objects.values_list("name", flat=True)) == ["Ann", "Kid"]


def test_a_plugin_rewrites_the_whole_pipeline_keeping_the_projection():
    class MatchInsideFirstStage:
        @hookimpl
        def djongo_plan_query(self, plan):
            match, *rest = plan.pipeline()
            return plan.with_pipeline([{"$facet": {"rows": [match]}}, {"$unwind": "$rows"},
                                       {"$replaceWith": "$rows"}, *rest])

    Author.objects.create(name="Ann", age=30)
    Author.objects.create(name="Kid", age=8)
    with plugged(MatchInsideFirstStage()):
        names = Author.objects.filter(age__gt=18).values_list("name", flat=True)
        assert str(names.query) == (
            'db.testapp_author.aggregate([{"$facet": {"rows": [{"$match": {"age": {"$gt": 18}}}]}}, '
            '{"$unwind": "$rows"}, {"$replaceWith": "$rows"}, '
            '{"$project": {"_id": 0, "c0": "$name"}}, {"$sort": {"c0": 1}}])')
        assert list(names) == ["Ann"]


def test_plan_rewrites_chain_in_plugin_order():
    class Commented:
        @hookimpl
        def djongo_plan_query(self, plan):
            return plan.with_options(comment="dashboard")

    seen = []

    class Recorder:
        @hookimpl(wrapper=True)
        def djongo_execute(self, command):
            seen.append((command.operation, command.kwargs.get("comment"), command.model))
            return (yield)

    Author.objects.create(name="Ann", age=30)
    with plugged(AdultsFirst(), "first"), plugged(Commented(), "second"), \
            plugged(Recorder(), "recorder"):
        assert list(with_query_options(Author.objects.all(), adults_only=True)
                    .values_list("name", flat=True)) == ["Ann"]
    assert seen == [("aggregate", "dashboard", Author)]


def test_a_plan_hook_returning_something_else_is_refused_naming_the_plugin():
    class Wrong:
        @hookimpl
        def djongo_plan_query(self, plan):
            return plan.command

    with plugged(Wrong(), "wrong"), pytest.raises(Exception, match=r"'wrong' returned Command"):
        list(Author.objects.all())


def test_a_tailable_cursor_option_reaches_the_find():
    class Tailing:
        @hookimpl
        def djongo_plan_query(self, plan, options):
            if options.get("tail"):
                return plan.with_options(cursor_type=CursorType.TAILABLE)
            return None

    queryset = with_query_options(Author.objects.filter(age=3), tail=True)
    with plugged(Tailing()):
        command = queryset.query.get_compiler(connection=connection).plan().command
    assert command.operation == "find"
    assert command.kwargs["cursor_type"] == CursorType.TAILABLE


def test_with_filter_replaces_a_finds_filter_and_keeps_its_projection_and_options():
    class Widened:
        @hookimpl
        def djongo_plan_query(self, plan):
            return plan.with_options(comment="c").with_filter(
                {"$or": [{"_id": 1}, plan.command.args[0]]})

    Author.objects.create(name="Ann", age=3)
    queryset = Author.objects.filter(age=3).order_by()
    with plugged(Widened()):
        assert str(queryset.query) == (
            'db.testapp_author.find({"$or": [{"_id": 1}, {"age": 3}]}, '
            '{"_id": 1, "name": 1, "age": 1, "email": 1}, {"comment": "c"})')
        assert [author.name for author in queryset] == ["Ann"]


def test_with_filter_refuses_a_pipeline():
    plan = Author.objects.values_list("name").query.get_compiler(
        connection=connection).plan()
    with pytest.raises(ValueError, match="changes a find, not an aggregate"):
        plan.with_filter({})


# -- execution: every command knows its model ---------------------------------------------------


def test_commands_carry_the_model_they_serve():
    seen = []

    class Recorder:
        @hookimpl(wrapper=True)
        def djongo_execute(self, command):
            seen.append((command.operation, command.model))
            return (yield)

    with plugged(Recorder()):
        ann = Author.objects.create(name="Ann")
        Author.objects.filter(pk=ann.pk).update(age=3)
        Author.objects.filter(pk=ann.pk).delete()
    assert ("insert_one", Author) in seen
    assert ("update_many", Author) in seen
    assert ("delete_many", Author) in seen


# Where the backend may touch pymongo objects without the executor: the connection's own
# properties, the executor's built-in implementation, reading codec options (no I/O), and
# dbshell's Python shell, which hands the user the database as mongosh would.
DIRECT_ACCESS_ALLOWED = {
    "djongo_core/base.py",
    "djongo_core/client.py",
    "djongo_core/plugins/manager.py",
    # The plugins' test harness empties the test database between tests, beneath the plugins
    # under test rather than through them.
    "djongo_core/plugin_testing.py",
}


def test_no_pymongo_call_in_the_backend_bypasses_the_executor():
    offenders = []
    for path in sorted((ROOT / "djongo_core").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in DIRECT_ACCESS_ALLOWED or "/embedded" in relative:
            continue
        tree = ast.parse(path.read_text())
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("mongo_database", "mongo_client"):
                used = parents.get(node)
                if isinstance(used, ast.Attribute) and used.attr == "codec_options":
                    continue
                offenders.append(f"{relative}:{node.lineno}")
    assert offenders == [], "run these through connection.executor.run(Command(...))"


def test_gridfs_is_reached_only_through_commands():
    # pymongo's gridfs objects do their own I/O: only Command.target() may make one (a
    # Command with a bucket), so that GridFS calls go through the executor like the others.
    offenders = []
    for path in sorted((ROOT / "djongo_core").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name.split(".")[0] == "gridfs" for name in names):
                offenders.append(relative)
    assert offenders == ["djongo_core/command.py"], (
        "run GridFS calls as Command(..., bucket=name) through connection.executor.run()")


def test_introspection_reads_appear_in_connection_queries():
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        with connection.cursor() as cursor:
            connection.introspection.get_constraints(cursor, "testapp_author")
    assert any("list_indexes" in query["sql"] for query in queries.captured_queries)


# -- migrations: options kept in step, constraint kinds -----------------------------------------


class RequiredFields:
    """A validator generated from the model as it is after each change."""

    @hookimpl
    def djongo_provide_collection_options(self, model):
        if model._meta.db_table != "api_gadget":
            return None
        required = sorted(f.column for f in model._meta.local_concrete_fields
                          if not f.null and not f.primary_key)
        return {"validator": {"$jsonSchema": {"required": required}}}


def gadget_state():
    state = ProjectState()
    state.add_model(ModelState("testapp", "Gadget", [
        ("id", models.AutoField(primary_key=True)),
        ("name", models.CharField(max_length=20)),
    ], {"db_table": "api_gadget"}))
    return state


def apply(operation, state, collect=False):
    new_state = state.clone()
    operation.state_forwards("testapp", new_state)
    with connection.schema_editor(collect_sql=collect) as editor:
        operation.database_forwards("testapp", editor, state, new_state)
    return new_state, (editor.collected_sql if collect else None)


def unapply(operation, state, new_state):
    with connection.schema_editor() as editor:
        operation.database_backwards("testapp", editor, new_state, state)


def server_validator():
    return connection.mongo_database["api_gadget"].options().get("validator")


@pytest.fixture
def gadget():
    state = gadget_state()
    with plugged(RequiredFields()):
        with connection.schema_editor() as editor:
            editor.create_model(state.apps.get_model("testapp", "Gadget"))
        try:
            yield state
        finally:
            connection.mongo_database.drop_collection("api_gadget")
            connection.mongo_database["__schema__"].delete_one({"name": "api_gadget"})


def test_the_validator_follows_add_alter_and_remove_field(gadget):
    assert server_validator() == {"$jsonSchema": {"required": ["name"]}}
    add = migrations.AddField("gadget", "colour", models.CharField(max_length=9, default="red"))
    state, _ = apply(add, gadget)
    assert server_validator() == {"$jsonSchema": {"required": ["colour", "name"]}}
    alter = migrations.AlterField("gadget", "colour", models.CharField(max_length=9, null=True))
    state, _ = apply(alter, state)
    assert server_validator() == {"$jsonSchema": {"required": ["name"]}}
    rename = migrations.RenameField("gadget", "name", "title")
    state, _ = apply(rename, state)
    assert server_validator() == {"$jsonSchema": {"required": ["title"]}}
    remove = migrations.RemoveField("gadget", "title")
    after_remove, _ = apply(remove, state)
    assert server_validator() == {"$jsonSchema": {"required": []}}
    # Reversible: unapplying the removal brings the field back into the validator.
    unapply(remove, state, after_remove)
    assert server_validator() == {"$jsonSchema": {"required": ["title"]}}


def test_sqlmigrate_shows_the_collmod(gadget):
    add = migrations.AddField("gadget", "size", models.IntegerField(default=1))
    _, collected = apply(add, gadget, collect=True)
    assert ('db.command({"collMod": "api_gadget", "validator": {"$jsonSchema": '
            '{"required": ["name", "size"]}}});') in collected
    # Collecting changed nothing.
    assert server_validator() == {"$jsonSchema": {"required": ["name"]}}


def test_an_option_collmod_cannot_change_is_refused_naming_it(gadget):
    class Collated:
        @hookimpl
        def djongo_provide_collection_options(self, model):
            return {"collation": {"locale": "fr"}} if model._meta.db_table == "api_gadget" else None

    add = migrations.AddField("gadget", "size", models.IntegerField(default=1))
    with plugged(Collated(), "collated"), pytest.raises(NotSupportedError) as refused:
        apply(add, gadget)
    assert "testapp.Gadget" in str(refused.value)
    assert "collation" in str(refused.value)


class LenientValidation(BaseConstraint):
    """A throwaway constraint kind: documents that fail the validator are logged, not refused."""

    def create_sql(self, model, schema_editor):
        return Command(None, "command", ({"collMod": model._meta.db_table,
                                          "validationAction": "warn"},))

    def remove_sql(self, model, schema_editor):
        return Command(None, "command", ({"collMod": model._meta.db_table,
                                          "validationAction": "error"},))

    def validate(self, *args, **kwargs):
        pass

    def __eq__(self, other):
        return isinstance(other, LenientValidation) and other.name == self.name


def test_a_constraint_kind_is_created_introspected_and_removed_by_migrations(gadget):
    add = migrations.AddConstraint("gadget", LenientValidation(name="gadget_lenient"))
    state, collected = apply(add, gadget, collect=True)
    assert ('db.command({"collMod": "api_gadget", "validationAction": "warn"});') in collected
    state, _ = apply(add, gadget)
    assert connection.mongo_database["api_gadget"].options()["validationAction"] == "warn"
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "api_gadget")
    assert constraints["gadget_lenient"]["type"] == "tests.test_plugin_api.LenientValidation"
    unapply(add, gadget, state)
    assert connection.mongo_database["api_gadget"].options().get(
        "validationAction", "error") == "error"
    with connection.cursor() as cursor:
        assert "gadget_lenient" not in connection.introspection.get_constraints(
            cursor, "api_gadget")


def test_a_constraint_kind_without_commands_is_refused_not_dropped(gadget):
    class SQLOnly(BaseConstraint):
        def validate(self, *args, **kwargs):
            pass

    add = migrations.AddConstraint("gadget", SQLOnly(name="gadget_sql_only"))
    with pytest.raises(NotSupportedError, match=r"SQLOnly 'gadget_sql_only' on testapp.Gadget"):
        apply(add, gadget)
