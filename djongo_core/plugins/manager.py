"""The plugin host: one pluggy manager per database connection.

A host is built when a connection first needs it, from that alias's ``PLUGINS`` setting; nothing is
loaded when this module is imported and there is no process-wide manager, so two databases can
enable different plugins and tests can build throwaway hosts.
"""

from __future__ import annotations

import difflib
import functools
import importlib.metadata
import inspect
from collections.abc import Iterable, Sequence
from typing import Any

import pluggy
from django.core.exceptions import ImproperlyConfigured

from djongo_core.plugins import hookspecs
from djongo_core.plugins.hookspecs import PROJECT_NAME, hookimpl
from djongo_core.query_options import query_options

ENTRY_POINT_GROUP = "djongo_core.plugins"
HOOK_PREFIX = "djongo_"


def installed_entry_points() -> Iterable[importlib.metadata.EntryPoint]:
    """Return the installed entry points of the djongo_core.plugins group.

    This is the only place that asks the environment, so tests replace it to offer plugins
    without installing a distribution.
    """
    return _scanned_entry_points()


@functools.cache
def _scanned_entry_points() -> tuple[importlib.metadata.EntryPoint, ...]:
    # Scanned once a process, as Django reads INSTALLED_APPS once: every DatabaseWrapper (one a
    # thread, and each connection.copy()) asks, and each scan of the installed distributions
    # leaves reference cycles behind (importlib.metadata's FreezableDefaultDict) that only the
    # garbage collector frees.
    return tuple(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


class CoreExecution:
    """The core's own djongo_execute: make the pymongo call the Command describes."""

    @hookimpl(trylast=True)
    def djongo_execute(self, connection, command):
        target = command.target(connection.mongo_database, connection.connection.collections)
        if command.concerns is not None:
            target = command.concerns.applied_to(target, command)
        method = getattr(target, command.operation)
        kwargs = command.kwargs
        if command.operation == "find" and "max_await_time_ms" in kwargs:
            # pymongo's find() takes no max_await_time_ms (aggregate and watch do): it is set
            # on the cursor, which sends nothing before it is read.
            kwargs = dict(kwargs)
            max_await_time_ms = kwargs.pop("max_await_time_ms")
            return method(*command.args, **kwargs).max_await_time_ms(max_await_time_ms)
        return method(*command.args, **kwargs)


# Built-in behaviour is registered like any plugin, so plugins can wrap or replace it. The colon
# keeps these names apart from plugin names, which follow the entry point convention [\w.-]+.
BUILTIN_PLUGINS = (("djongo_core:execute", CoreExecution),)


class PluginHost:
    """The hooks of one database connection and the plugins that implement them."""

    def __init__(self, alias: str):
        self.alias = alias
        self._manager = pluggy.PluginManager(PROJECT_NAME)
        self._manager.add_hookspecs(hookspecs)
        #: The pluggy HookRelay: ``host.hook.djongo_execute(connection=..., command=...)``.
        self.hook = self._manager.hook
        self._names: list[str] = []
        # The executor's shortcuts past pluggy (execute, intercept), kept by _hooks_changed.
        self._core_execution: CoreExecution | None = None
        self._intercepting = False
        for name, plugin_class in BUILTIN_PLUGINS:
            self._register(plugin_class(), name)

    @classmethod
    def for_database(cls, alias: str, names: Sequence[str]) -> PluginHost:
        """Return a host with the built-ins and exactly the plugins ``names`` lists."""
        names = _validate_setting(alias, names)
        plugins = _load_plugins(alias, names)
        host = cls(alias)
        # pluggy calls the most recently registered implementation first. Registering in reverse
        # makes the first plugin PLUGINS lists the first one called and the outermost wrapper,
        # the same way Django's MIDDLEWARE reads.
        for name in reversed(names):
            host._register(plugins[name], name)
        host._names = list(names)
        return host

    @property
    def names(self) -> tuple[str, ...]:
        """The enabled plugin names, in settings order; built-ins are not listed."""
        return tuple(self._names)

    def register(self, plugin: object, name: str) -> None:
        """Register a plugin object under ``name``; it is called before those registered earlier."""
        self._register(plugin, name)
        self._names.append(name)

    def unregister(self, name: str) -> None:
        """Remove the plugin registered under ``name`` and its hook implementations."""
        self._manager.unregister(name=name)
        if name in self._names:
            self._names.remove(name)
        self._hooks_changed()

    def execute(self, connection, command):
        """Run ``command`` through djongo_execute (what ``hook.djongo_execute`` returns)."""
        core = self._core_execution
        if core is not None:
            # Only the core implements it: its answer is the hook's, without pluggy's call
            # machinery on every command.
            return core.djongo_execute(connection, command)
        return self.hook.djongo_execute(connection=connection, command=command)

    def intercept(self, connection, command):
        """Return a plugin's answer to ``command`` from djongo_intercept_command, or None."""
        if not self._intercepting:
            return None
        return self.hook.djongo_intercept_command(connection=connection, command=command)

    def _hooks_changed(self) -> None:
        """Note which hooks the executor can call without pluggy (none implemented but the
        core's): recomputed whenever a plugin comes or goes."""
        implementations = self.hook.djongo_execute.get_hookimpls()
        only = implementations[0].plugin if len(implementations) == 1 else None
        self._core_execution = only if isinstance(only, CoreExecution) else None
        self._intercepting = bool(self.hook.djongo_intercept_command.get_hookimpls())

    def collection_options(self, schema_editor, model) -> dict[str, Any]:
        """Return the merged djongo_provide_collection_options of every plugin for ``model``.

        The implementations are called one by one in pluggy's call order, rather than through
        the hook, so that a conflict can name the two plugins behind it.
        """
        merged: dict[str, Any] = {}
        set_by: dict[str, str] = {}
        arguments = {"schema_editor": schema_editor, "model": model}
        hook = self.hook.djongo_provide_collection_options
        for impl in reversed(hook.get_hookimpls()):
            options = impl.function(*(arguments[arg] for arg in impl.argnames))
            if options is None:
                continue
            if not isinstance(options, dict):
                raise ImproperlyConfigured(
                    f"Plugin {impl.plugin_name!r} returned {type(options).__name__} from "
                    f"djongo_provide_collection_options for {model._meta.label}; return a "
                    "dict or None."
                )
            for option, value in options.items():
                if option in merged and merged[option] != value:
                    raise ImproperlyConfigured(
                        f"Plugins {set_by[option]!r} and {impl.plugin_name!r} set the collection "
                        f"option {option!r} of {model._meta.label} differently ({merged[option]!r} "
                        f"and {value!r}) on database {self.alias!r}; disable one of them."
                    )
                merged[option] = value
                set_by.setdefault(option, impl.plugin_name)
        return merged

    def plan_query(self, compiler, plan):
        """Return the plan after every djongo_plan_query implementation had its turn.

        Each implementation is given the plan the previous one returned (pytest's
        collection_modifyitems passes one list along the same way); pluggy's own call would
        hand every implementation the original plan.
        """
        implementations = self.hook.djongo_plan_query.get_hookimpls()
        if not implementations:
            return plan
        options = query_options(compiler.query)
        for impl in reversed(implementations):
            arguments = {"compiler": compiler, "plan": plan, "options": options}
            replaced = impl.function(*(arguments[arg] for arg in impl.argnames))
            if replaced is None:
                continue
            if not isinstance(replaced, type(plan)):
                raise ImproperlyConfigured(
                    f"Plugin {impl.plugin_name!r} returned {type(replaced).__name__} from "
                    f"djongo_plan_query for {plan.model._meta.label if plan.model else 'a query'}"
                    "; return a QueryPlan or None."
                )
            plan = replaced
        return plan

    def _register(self, plugin: object, name: str) -> None:
        """Register and validate one plugin; on failure the host is left as it was."""
        taken_by = self._manager.get_plugin(name)
        if taken_by is not None:
            raise ImproperlyConfigured(
                f"Cannot register {plugin!r} as plugin {name!r} on database {self.alias!r}: "
                f"{taken_by!r} is already registered under that name."
            )
        other_name = self._manager.get_name(plugin)
        if other_name is not None:
            raise ImproperlyConfigured(
                f"Plugins {other_name!r} and {name!r} on database {self.alias!r} are the same "
                f"object ({plugin!r}); enable it under one name."
            )
        _reject_unmarked_hooks(self._manager, plugin, name)
        try:
            self._manager.register(plugin, name)
        except pluggy.PluginValidationError as exc:
            raise ImproperlyConfigured(
                f"Plugin {name!r} on database {self.alias!r} does not match its hook: {exc}"
            ) from exc
        try:
            self._check_pending(plugin, name)
        except ImproperlyConfigured:
            self._manager.unregister(name=name)
            raise
        finally:
            self._hooks_changed()

    def _check_pending(self, plugin: object, name: str) -> None:
        """Fail when ``plugin`` implements a hook that has no specification, or wraps a merge."""
        try:
            self._manager.check_pending()
        except pluggy.PluginValidationError as exc:
            # Earlier plugins passed this check when they were registered, so the culprit is
            # the plugin just added; report its functions by name rather than pluggy's repr.
            unknown = [
                impl
                for caller in self._manager.get_hookcallers(plugin) or ()
                if not caller.has_spec()
                for impl in caller.get_hookimpls()
                if impl.plugin is plugin
            ]
            raise ImproperlyConfigured(
                "; ".join(_describe_unknown(impl, name, self.alias) for impl in unknown) or str(exc)
            ) from exc
        for hook, returns in ((self.hook.djongo_provide_collection_options, "a dict of options"),
                              (self.hook.djongo_plan_query, "a QueryPlan"),
                              (self.hook.djongo_provide_constraints, "a dict of descriptions")):
            for impl in hook.get_hookimpls():
                if impl.plugin is plugin and (impl.wrapper or impl.hookwrapper):
                    raise ImproperlyConfigured(
                        f"Plugin {name!r} wraps {hook.name} with "
                        f"{impl.function.__qualname__}(); this hook takes no wrappers, return "
                        f"{returns} instead."
                    )

    def provided_constraints(self, connection, table_name, existing) -> dict[str, dict]:
        """Return the merged djongo_provide_constraints of every plugin for a collection, each
        description completed with Django's "no" values; ``existing`` are the names the
        collection's own indexes and declared constraints already take."""
        merged: dict[str, dict] = {}
        given_by = dict.fromkeys(existing, "the collection itself")
        hook = self.hook.djongo_provide_constraints
        arguments = {"connection": connection, "table_name": table_name}
        for impl in reversed(hook.get_hookimpls()):
            provided = impl.function(*(arguments[arg] for arg in impl.argnames))
            if provided is None:
                continue
            if not isinstance(provided, dict):
                raise ImproperlyConfigured(
                    f"Plugin {impl.plugin_name!r} returned {type(provided).__name__} from "
                    f"djongo_provide_constraints for {table_name}; return a dict or None.")
            for name, description in provided.items():
                if name in given_by:
                    raise ImproperlyConfigured(
                        f"Plugin {impl.plugin_name!r} describes a constraint {name!r} of "
                        f"{table_name}, a name {given_by[name]} already gives.")
                given_by[name] = f"plugin {impl.plugin_name!r}"
                merged[name] = {**_NO_CONSTRAINT, **description}
        return merged

    def __repr__(self) -> str:
        return f"<PluginHost {self.alias!r}: {', '.join(self._names) or 'no plugins'}>"


# What get_constraints reports for a key a plugin's description leaves out.
_NO_CONSTRAINT = {
    "columns": [], "primary_key": False, "unique": False, "foreign_key": None, "check": False,
    "index": False, "orders": [], "type": None, "definition": None, "options": {},
}


def _validate_setting(alias: str, names: Any) -> tuple[str, ...]:
    """Return PLUGINS as a tuple, or raise ImproperlyConfigured saying what is wrong with it."""
    key = f"DATABASES[{alias!r}]['PLUGINS']"
    if not isinstance(names, (list, tuple)) or not all(
        isinstance(name, str) and name for name in names
    ):
        raise ImproperlyConfigured(
            f"{key} must be a list of plugin names (strings), e.g. ['indexes']; got {names!r}."
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ImproperlyConfigured(
            f"{key} lists {', '.join(map(repr, repeated))} more than once; list each plugin once."
        )
    return tuple(names)


def _load_plugins(alias: str, names: tuple[str, ...]) -> dict[str, object]:
    """Import the entry point of each named plugin; only the named ones are touched."""
    entry_points: dict[str, list] = {}
    for entry_point in installed_entry_points():
        entry_points.setdefault(entry_point.name, []).append(entry_point)

    plugins = {}
    for name in names:
        candidates = entry_points.get(name, [])
        if not candidates:
            raise ImproperlyConfigured(_missing_plugin_message(alias, name, entry_points))
        if len(candidates) > 1:
            sources = " and ".join(_describe_entry_point(ep) for ep in candidates)
            raise ImproperlyConfigured(
                f"Plugin {name!r} enabled on database {alias!r} is provided twice, by {sources}; "
                "uninstall one of them."
            )
        try:
            plugins[name] = candidates[0].load()
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"Plugin {name!r} enabled on database {alias!r} is installed but cannot be "
                f"imported: {exc}"
            ) from exc
    return plugins


def _missing_plugin_message(alias: str, name: str, installed: dict[str, list]) -> str:
    """Say how to install a plugin djongo-core ships, or that no plugin of that name is known.

    The shipped plugins are the extras of the installed djongo-core distribution that require
    the plugin distribution of the same name (djongo-<extra>); others, such as "embedded",
    install something else.
    """

    def normalized(project: str) -> str:
        return project.strip().lower().replace("_", "-").replace(".", "-")

    try:
        distribution = importlib.metadata.distribution("djongo-core")
    except importlib.metadata.PackageNotFoundError:
        shipped = []
    else:
        required = set()
        for requirement in distribution.requires or ():
            project, _, marker = requirement.partition(";")
            for stop in "<>=!~[( ":
                project = project.partition(stop)[0]
            for extra in distribution.metadata.get_all("Provides-Extra") or ():
                if f'extra == "{extra}"' in marker:
                    required.add((extra, normalized(project)))
        # Metadata normalizes extras (PEP 685: "schema_validation" is listed as
        # "schema-validation"); plugin names, like the plugin folders, use underscores.
        shipped = sorted(extra.replace("-", "_") for extra, project in required
                         if project == f"djongo-{normalized(extra)}")
    if name in shipped:
        message = (
            f"Database {alias!r} enables plugin {name!r} in PLUGINS, but no installed "
            f"distribution provides it. Install it with: pip install \"djongo-core[{name}]\""
        )
        close = difflib.get_close_matches(name, installed, n=1)
        if close:
            message += f" (or did you mean the installed plugin {close[0]!r}?)"
        return message
    names = " and ".join([", ".join(map(repr, shipped[:-1])), repr(shipped[-1])]
                         if len(shipped) > 1 else map(repr, shipped))
    message = (
        f"Database {alias!r} enables plugin {name!r} in PLUGINS, but no plugin named {name!r} "
        f"is known: no installed distribution provides it"
        + (f", and djongo-core ships the plugins {names}" if shipped else "")
        + f". Fix the name, install the distribution that provides it, or remove {name!r} "
        "from PLUGINS"
    )
    # The distribution's or the package's name ("djongo-geo", "djongo_geo") names a plugin by
    # what follows the prefix; otherwise the nearest spelling.
    unprefixed = normalized(name).removeprefix("djongo-").replace("-", "_")
    close = ([unprefixed] if unprefixed != name and unprefixed in {*installed, *shipped}
             else difflib.get_close_matches(name, [*installed, *shipped], n=1))
    if not close:
        return message + "."
    where = "the installed plugin " if close[0] in installed else ""
    return message + f"; did you mean {where}{close[0]!r}?"


def plugins_problem(alias: str, names: Any) -> str | None:
    """Return why PLUGINS of ``alias`` cannot be loaded (the message of the ImproperlyConfigured
    its first connection would raise), or None; for the system check that says so at start-up,
    before any connection."""
    try:
        _load_plugins(alias, _validate_setting(alias, names))
    except ImproperlyConfigured as error:
        return str(error)
    return None


def _describe_entry_point(entry_point) -> str:
    value = getattr(entry_point, "value", None) or repr(entry_point)
    dist = getattr(getattr(entry_point, "dist", None), "name", None)
    return f"{value!r} (distribution {dist})" if dist else repr(value)


def _describe_unknown(impl: pluggy.HookImpl, name: str, alias: str) -> str:
    hook_name = impl.opts.get("specname") or impl.function.__name__
    message = (
        f"Plugin {name!r} on database {alias!r} marks {impl.function.__qualname__}() as "
        f"@hookimpl, but {hook_name!r} is not a djongo_core hook"
    )
    close = difflib.get_close_matches(hook_name, _hook_names(), n=1)
    return message + (f"; did you mean {close[0]!r}?" if close else ".")


def _reject_unmarked_hooks(manager: pluggy.PluginManager, plugin: object, name: str) -> None:
    """Fail on a djongo_* function that lacks @hookimpl: pluggy would silently skip it."""
    for attr in dir(plugin):
        if not attr.startswith(HOOK_PREFIX):
            continue
        value = inspect.getattr_static(plugin, attr)
        if inspect.isfunction(value) and manager.parse_hookimpl_opts(plugin, attr) is None:
            raise ImproperlyConfigured(
                f"Plugin {name!r} defines {attr}() without @hookimpl; decorate it with "
                "djongo_core.plugins.hookimpl (names starting with 'djongo_' are kept for hooks)."
            )


def _hook_names() -> list[str]:
    return [name for name in vars(hookspecs) if name.startswith(HOOK_PREFIX)]
