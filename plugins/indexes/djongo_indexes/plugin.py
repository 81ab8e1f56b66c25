"""The hook implementations of the indexes plugin (entry point "indexes").

- djongo_translate_node: TextSearch becomes the query's $text condition and TextScore its
  {"$meta": "textScore"} (translation.py), or a NotSupportedError where MongoDB refuses them.
- djongo_execute: with DEBUG on and INDEXES["warn_scans_above"] set, queries that scan a large
  collection raise a CollectionScanWarning (scans.py).

The index kinds need no hook: they are Django Index subclasses (indexes.py).
"""

from weakref import WeakKeyDictionary

from djongo_core.plugins import hookimpl
from djongo_indexes.scans import ScanWatcher
from djongo_indexes.search import TextScore, TextSearch
from djongo_indexes.translation import text_score_value, text_search_match

_watchers = WeakKeyDictionary()


@hookimpl
def djongo_translate_node(compiler, node):
    if isinstance(node, TextSearch):
        return text_search_match(compiler, node)
    if isinstance(node, TextScore):
        return text_score_value(compiler, node)
    return None


@hookimpl(wrapper=True)
def djongo_execute(connection, command):
    result = yield
    watcher = _watchers.get(connection)
    if watcher is None:
        watcher = _watchers[connection] = ScanWatcher(connection)
    watcher.after(command)
    return result
