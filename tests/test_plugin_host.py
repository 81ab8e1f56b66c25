"""The plugin host: loading plugins from settings, validating them, and the hooks it runs.

These tests need neither Django settings nor a database: plugins are throwaway objects, the
installed entry points are replaced, and the "database" is a small fake with pymongo-like methods.
"""

import inspect
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured

from djongo_core.command import Command
from djongo_core.plugins import PluginHost, hookimpl, hookspecs, manager

DOCS = Path(__file__).resolve().parent.parent / "docs" / "plugin-hooks.md"


# -- documentation ---------------------------------------------------------------------------------


def hook_specs():
    return {
        name: function
        for name, function in vars(hookspecs).items()
        if name.startswith("djongo_") and inspect.isfunction(function)
    }


def heading_for(function) -> str:
    parameters = ", ".join(inspect.signature(function).parameters)
    return f"### {function.__name__}({parameters})"


def undocumented_hooks(doc_text: str) -> list[str]:
    headings = set(doc_text.splitlines())
    return [name for name, spec in hook_specs().items() if heading_for(spec) not in headings]


def test_the_hook_set_is_small_and_known():
    assert sorted(hook_specs()) == [
        "djongo_check_constraints",
        "djongo_execute",
        "djongo_intercept_command",
        "djongo_plan_query",
        "djongo_prepare_transaction_step",
        "djongo_provide_collection_options",
        "djongo_provide_constraints",
        "djongo_provide_transaction_manager",
        "djongo_setup_connection",
        "djongo_translate_node",
    ]


def test_hook_names_are_the_prefix_and_a_verb():
    verbs = {"check", "execute", "intercept", "plan", "prepare", "provide", "setup", "translate"}
    for name in hook_specs():
        assert name.split("_")[1] in verbs, f"{name}: name hooks djongo_<verb>_..."


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_every_hook_has_a_section_headed_by_its_signature(name):
    assert heading_for(hook_specs()[name]) in DOCS.read_text().splitlines(), (
        f"docs/plugin-hooks.md has no section headed '{heading_for(hook_specs()[name])}'"
    )


def test_a_missing_hook_section_is_reported():
    text = DOCS.read_text().replace("### djongo_execute(connection, command)\n", "")
    assert undocumented_hooks(text) == ["djongo_execute"]
    assert undocumented_hooks(DOCS.read_text()) == []


def test_docs_have_no_section_for_a_hook_that_does_not_exist():
    documented = re.findall(r"^### (djongo_\w+)\(", DOCS.read_text(), flags=re.MULTILINE)
    assert sorted(documented) == sorted(hook_specs())


def test_every_hookspec_documents_each_argument_and_how_results_combine():
    for name, spec in hook_specs().items():
        doc = inspect.getdoc(spec)
        for parameter in inspect.signature(spec).parameters:
            assert f":param {parameter}:" in doc, f"{name} does not document {parameter}"
        assert "result" in doc.lower(), f"{name} does not say how results combine"


# -- loading from settings -------------------------------------------------------------------------


class FakeEntryPoint:
    def __init__(self, name, plugin, value="fake_package.plugin"):
        self.name = name
        self.value = value
        self._plugin = plugin

    def load(self):
        if isinstance(self._plugin, Exception):
            raise self._plugin
        return self._plugin


@pytest.fixture
def installed(monkeypatch):
    """Replace the installed entry points; returns the list to append FakeEntryPoints to."""
    entry_points = []
    monkeypatch.setattr(manager, "installed_entry_points", lambda: entry_points)
    return entry_points


class Greeter:
    @hookimpl
    def djongo_setup_connection(self, connection):
        connection.greeted_by.append("greeter")


class Waver:
    @hookimpl
    def djongo_setup_connection(self, connection):
        connection.greeted_by.append("waver")


def test_for_database_loads_exactly_the_named_plugins_in_settings_order(installed):
    unwanted = FakeEntryPoint("unwanted", RuntimeError("must not be imported"))
    installed += [FakeEntryPoint("greeter", Greeter()), FakeEntryPoint("waver", Waver()), unwanted]

    host = PluginHost.for_database("default", ["waver", "greeter"])

    assert host.names == ("waver", "greeter")
    connection = SimpleNamespace(greeted_by=[])
    host.hook.djongo_setup_connection(connection=connection)
    assert connection.greeted_by == ["waver", "greeter"]


def test_no_plugins_still_gives_the_builtin_execution(installed):
    host = PluginHost.for_database("other", [])
    assert host.names == ()
    assert host.hook.djongo_execute.get_hookimpls()


def test_an_unknown_plugin_name_says_what_to_install(installed):
    installed.append(FakeEntryPoint("geo", Greeter()))
    with pytest.raises(ImproperlyConfigured) as error:
        PluginHost.for_database("analytics", ["transactions"])
    message = str(error.value)
    assert "'analytics'" in message
    assert "'transactions'" in message
    assert 'pip install "djongo-core[transactions]"' in message


def test_a_misspelled_plugin_name_suggests_the_installed_one(installed):
    installed.append(FakeEntryPoint("indexes", Greeter()))
    with pytest.raises(ImproperlyConfigured, match="did you mean the installed plugin 'indexes'"):
        PluginHost.for_database("default", ["indexs"])


@pytest.mark.parametrize("plugins", ["indexes", None, {"indexes": True}, ["indexes", 3], [""]])
def test_plugins_setting_must_be_a_list_of_names(installed, plugins):
    with pytest.raises(ImproperlyConfigured) as error:
        PluginHost.for_database("reports", plugins)
    assert "DATABASES['reports']['PLUGINS']" in str(error.value)


def test_a_tuple_of_names_is_accepted(installed):
    installed.append(FakeEntryPoint("greeter", Greeter()))
    assert PluginHost.for_database("default", ("greeter",)).names == ("greeter",)


def test_a_plugin_listed_twice_is_rejected(installed):
    installed.append(FakeEntryPoint("greeter", Greeter()))
    with pytest.raises(ImproperlyConfigured, match="lists 'greeter' more than once"):
        PluginHost.for_database("default", ["greeter", "greeter"])


def test_two_distributions_offering_one_name_are_rejected_naming_both(installed):
    installed.append(FakeEntryPoint("geo", Greeter(), value="djongo_geo.plugin"))
    installed.append(FakeEntryPoint("geo", Waver(), value="other_geo.hooks"))
    with pytest.raises(ImproperlyConfigured) as error:
        PluginHost.for_database("default", ["geo"])
    assert "djongo_geo.plugin" in str(error.value)
    assert "other_geo.hooks" in str(error.value)


def test_a_plugin_that_cannot_be_imported_is_reported(installed):
    installed.append(FakeEntryPoint("geo", ImportError("No module named 'shapely'")))
    with pytest.raises(ImproperlyConfigured, match="'geo'.*cannot be imported.*shapely"):
        PluginHost.for_database("default", ["geo"])


# -- validating plugins ----------------------------------------------------------------------------


class Misspelled:
    @hookimpl
    def djongo_exeucte(self, connection, command):
        return "never called"


def test_a_misspelled_hook_fails_at_startup_naming_plugin_and_function(installed):
    installed.append(FakeEntryPoint("typo", Misspelled()))
    with pytest.raises(ImproperlyConfigured) as error:
        PluginHost.for_database("default", ["typo"])
    message = str(error.value)
    assert "'typo'" in message
    assert "Misspelled.djongo_exeucte()" in message
    assert "did you mean 'djongo_execute'" in message


def test_register_rechecks_and_leaves_the_host_unchanged_on_failure():
    host = PluginHost("default")
    with pytest.raises(ImproperlyConfigured, match="djongo_exeucte"):
        host.register(Misspelled(), "typo")
    assert host.names == ()
    host.register(Greeter(), "typo")  # the name is free again
    host.unregister("typo")


def test_a_djongo_function_without_hookimpl_is_rejected():
    class Forgetful:
        def djongo_execute(self, connection, command):
            return "never called"

    expected = r"'forgetful' defines djongo_execute\(\) without @hookimpl"
    with pytest.raises(ImproperlyConfigured, match=expected):
        PluginHost("default").register(Forgetful(), "forgetful")


def test_an_implementation_with_an_unknown_argument_is_rejected():
    class WrongArgument:
        @hookimpl
        def djongo_execute(self, connection, cmd):
            return "never called"

    with pytest.raises(ImproperlyConfigured, match="(?s)'wrong'.*cmd"):
        PluginHost("default").register(WrongArgument(), "wrong")


def test_duplicate_names_are_rejected_naming_both_plugins():
    host = PluginHost("default")
    first, second = Greeter(), Waver()
    host.register(first, "hello")
    try:
        with pytest.raises(ImproperlyConfigured) as error:
            host.register(second, "hello")
        assert repr(first) in str(error.value)
        assert repr(second) in str(error.value)
    finally:
        host.unregister("hello")


def test_one_plugin_under_two_names_is_rejected_naming_both():
    host = PluginHost("default")
    plugin = Greeter()
    host.register(plugin, "hello")
    try:
        with pytest.raises(ImproperlyConfigured, match="'hello' and 'hi'"):
            host.register(plugin, "hi")
    finally:
        host.unregister("hello")


def test_each_host_has_its_own_plugins():
    first, second = PluginHost("default"), PluginHost("other")
    first.register(Greeter(), "greeter")
    try:
        assert first.names == ("greeter",)
        assert second.names == ()
        assert not second.hook.djongo_setup_connection.get_hookimpls()
    finally:
        first.unregister("greeter")


# -- djongo_execute --------------------------------------------------------------------------------


class FakeCollection:
    def __init__(self, name):
        self.name = name

    def find(self, filter, **options):
        return {"collection": self.name, "filter": filter, "options": options}


class FakeDatabase:
    """Stands in for pymongo's Database: item access gives a collection, methods run commands."""

    def __getitem__(self, name):
        return FakeCollection(name)

    def command(self, name):
        return {"ok": 1, "ran": name}


def fake_connection():
    # connection.connection is the DatabaseWrapper's MongoConnection, whose collections the
    # core's djongo_execute keeps.
    return SimpleNamespace(alias="default", mongo_database=FakeDatabase(),
                           connection=SimpleNamespace(collections={}))


def test_builtin_execute_runs_the_command_on_its_collection():
    host = PluginHost("default")
    result = host.hook.djongo_execute(
        connection=fake_connection(),
        command=Command("books", "find", ({"year": 1999},), {"limit": 2}),
    )
    assert result == {"collection": "books", "filter": {"year": 1999}, "options": {"limit": 2}}


def test_builtin_execute_runs_a_database_command():
    host = PluginHost("default")
    result = host.hook.djongo_execute(
        connection=fake_connection(), command=Command(None, "command", ("ping",))
    )
    assert result == {"ok": 1, "ran": "ping"}


def test_the_core_keeps_one_collection_object_per_name():
    connection = fake_connection()
    host = PluginHost("default")
    for year in (1999, 2000):
        host.execute(connection, Command("books", "find", ({"year": year},)))
    kept = connection.connection.collections
    assert list(kept) == ["books"]
    assert Command("books", "find").target(connection.mongo_database, kept) is kept["books"]
    # Another database's collections are not the connection's own.
    other = SimpleNamespace(client={"other": FakeDatabase()})
    target = Command("books", "find", database="other").target(other, kept)
    assert target is not kept["books"] and target.name == "books"


def test_the_executor_shortcuts_follow_plugins_registered_and_removed():
    seen = []

    class Wrapper:
        @hookimpl(wrapper=True)
        def djongo_execute(self, connection, command):
            seen.append(command.collection)
            return (yield)

    class Interceptor:
        @hookimpl
        def djongo_intercept_command(self, connection, command):
            return "answered"

    connection, command = fake_connection(), Command("books", "find", ({},))
    host = PluginHost("default")
    assert host.intercept(connection, command) is None
    assert host.execute(connection, command)["collection"] == "books"
    host.register(Wrapper(), "wrapper")
    host.register(Interceptor(), "interceptor")
    assert host.intercept(connection, command) == "answered"
    assert host.execute(connection, command)["collection"] == "books"
    assert seen == ["books"]
    host.unregister("wrapper")
    host.unregister("interceptor")
    assert host.intercept(connection, command) is None
    host.execute(connection, command)
    assert seen == ["books"]


def test_a_wrapper_sees_and_changes_the_command_and_the_result():
    seen = []

    class Session:
        @hookimpl(wrapper=True)
        def djongo_execute(self, connection, command):
            seen.append(command.as_mql())
            command.kwargs["session"] = "the-session"
            result = yield
            return {**result, "wrapped": True}

    host = PluginHost("default")
    host.register(Session(), "session")
    try:
        result = host.hook.djongo_execute(
            connection=fake_connection(), command=Command("books", "find", ({"year": 1999},))
        )
    finally:
        host.unregister("session")

    assert seen == ['db.books.find({"year": 1999})']
    assert result == {
        "collection": "books",
        "filter": {"year": 1999},
        "options": {"session": "the-session"},
        "wrapped": True,
    }


def test_a_plugin_replaces_execution_by_returning_first():
    class Replacement:
        @hookimpl
        def djongo_execute(self, command):
            return f"replaced {command.operation}"

    host = PluginHost("default")
    host.register(Replacement(), "replacement")
    try:
        result = host.hook.djongo_execute(
            connection=fake_connection(), command=Command("books", "find", ({},))
        )
    finally:
        host.unregister("replacement")
    assert result == "replaced find"


def test_first_listed_plugin_is_the_outermost_wrapper(installed):
    calls = []

    def tracer(label):
        class Tracer:
            @hookimpl(wrapper=True)
            def djongo_execute(self, command):
                calls.append(f"{label} in")
                result = yield
                calls.append(f"{label} out")
                return result

        return Tracer()

    installed += [
        FakeEntryPoint("outer", tracer("outer")),
        FakeEntryPoint("inner", tracer("inner")),
    ]
    host = PluginHost.for_database("default", ["outer", "inner"])
    host.hook.djongo_execute(connection=fake_connection(), command=Command("books", "find", ({},)))
    assert calls == ["outer in", "inner in", "inner out", "outer out"]


# -- djongo_provide_collection_options ---------------------------------------------------------------------


Book = SimpleNamespace(_meta=SimpleNamespace(label="shop.Book"))


def options_plugin(options):
    class Options:
        @hookimpl
        def djongo_provide_collection_options(self, model):
            return options

    return Options()


def test_collection_options_merge_the_plugins_dicts():
    host = PluginHost("default")
    host.register(options_plugin({"capped": True, "size": 4096}), "capped")
    host.register(options_plugin({"validator": {"$jsonSchema": {}}, "capped": True}), "schema")
    host.register(options_plugin(None), "nothing")
    try:
        options = host.collection_options(schema_editor=None, model=Book)
    finally:
        for name in ("capped", "schema", "nothing"):
            host.unregister(name)
    assert options == {"capped": True, "size": 4096, "validator": {"$jsonSchema": {}}}
    assert host.collection_options(schema_editor=None, model=Book) == {}


def test_collection_options_conflict_names_both_plugins_and_the_option():
    host = PluginHost("default")
    host.register(options_plugin({"size": 4096}), "small")
    host.register(options_plugin({"size": 8192}), "large")
    try:
        with pytest.raises(ImproperlyConfigured) as error:
            host.collection_options(schema_editor=None, model=Book)
    finally:
        host.unregister("small")
        host.unregister("large")
    message = str(error.value)
    assert "'small'" in message and "'large'" in message
    assert "'size'" in message and "shop.Book" in message


def test_collection_options_must_be_a_dict():
    host = PluginHost("default")
    host.register(options_plugin([("capped", True)]), "listy")
    try:
        with pytest.raises(ImproperlyConfigured, match="'listy' returned list"):
            host.collection_options(schema_editor=None, model=Book)
    finally:
        host.unregister("listy")


def test_collection_options_take_no_wrappers():
    class Wrapper:
        @hookimpl(wrapper=True)
        def djongo_provide_collection_options(self, model):
            return (yield)

    with pytest.raises(ImproperlyConfigured, match="takes no wrappers"):
        PluginHost("default").register(Wrapper(), "wrapper")
