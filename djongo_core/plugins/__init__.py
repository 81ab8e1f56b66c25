"""The plugin system: hook specifications, the per-connection host, and the marker plugins use.

A plugin module writes ``from djongo_core.plugins import hookimpl`` and decorates functions named
after the hooks in ``hookspecs``; docs/plugin-hooks.md describes each hook and how to ship a plugin.
"""

from djongo_core.plugins.hookspecs import hookimpl
from djongo_core.plugins.manager import PluginHost

__all__ = ["PluginHost", "hookimpl"]
