"""The plugin system: hook specifications, the per-connection host, and what plugins may use.

A plugin module writes ``from djongo_core.plugins import hookimpl`` and decorates functions named
after the hooks in ``hookspecs``; docs/plugin-hooks.md describes each hook and how to ship a plugin,
docs/plugin-api.md everything else this package offers plugins. Plugins import nothing else from
djongo_core.
"""

from djongo_core.command import Command, DocumentLock
from djongo_core.compiler.model_expressions import compile_partial_filter, model_translator
from djongo_core.compiler.select import QueryPlan
from djongo_core.counters import SCHEMA_COLLECTION
from djongo_core.documents import stored_name
from djongo_core.expression_indexes import hidden_keys
from djongo_core.indexes import index_copy_commands
from djongo_core.plugins.hookspecs import hookimpl
from djongo_core.plugins.manager import PluginHost
from djongo_core.plugins.settings import plugin_setting, setting_path
from djongo_core.query_options import query_options, with_query_options
from djongo_core.sub_milliseconds import stored_value

__all__ = [
    "Command",
    "DocumentLock",
    "PluginHost",
    "QueryPlan",
    "SCHEMA_COLLECTION",
    "compile_partial_filter",
    "hidden_keys",
    "hookimpl",
    "index_copy_commands",
    "model_translator",
    "plugin_setting",
    "query_options",
    "setting_path",
    "stored_name",
    "stored_value",
    "with_query_options",
]
