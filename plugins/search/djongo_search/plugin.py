"""The hook implementations of the search plugin (entry point "search").

- djongo_translate_node: search conditions become markers in the query document, scores and
  highlights their {"$meta": ...} values; misplaced ones are refused (plan.py).
- djongo_plan_query: a query that searches opens with its $search, $vectorSearch or the fused
  pair of HybridScore (plan.py).
- djongo_execute: after a search index command of a migration, wait until MongoDB has built
  (or dropped) the index (waiting.py).
- djongo_setup_connection: check the SEARCH settings early.
- djongo_provide_constraints: introspection describes the search indexes (introspection.py).

The index kinds need no hook: they are Django Index subclasses (indexes.py).
"""

from djongo_core.plugins import hookimpl
from djongo_search import waiting
from djongo_search.introspection import described_search_indexes
from djongo_search.plan import search_plan, translate


@hookimpl
def djongo_setup_connection(connection):
    waiting.timeout(connection)


@hookimpl
def djongo_translate_node(compiler, node, translator, form):
    return translate(compiler, node, translator, form)


@hookimpl
def djongo_plan_query(compiler, plan):
    return search_plan(compiler, plan)


@hookimpl(wrapper=True)
def djongo_execute(connection, command):
    result = yield
    built = waiting.built_indexes(command)
    if built is not None:
        waiting.wait_for(connection, *built)
    return result


@hookimpl
def djongo_provide_constraints(connection, table_name):
    return described_search_indexes(connection, table_name)
