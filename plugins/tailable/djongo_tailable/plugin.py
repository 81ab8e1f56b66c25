"""The hook implementations of the tailable plugin (entry point "tailable").

- djongo_provide_collection_options: a model with a CappedCollection is created capped
  (capped.py); a collection that exists is left to the constraint kind.
- djongo_plan_query: the find of a tail() becomes a tailable await-data cursor (tailing.py);
  watch() reads the filter of the QuerySet it watches from its plan (changes.py).
- djongo_execute (wrapper): a tail()'s cursor keeps reading across empty getMores and reopens
  after the last document read (tailing.py); what MongoDB refuses on a capped collection is
  raised naming the model (errors.py).
"""

from djongo_core.plugins import hookimpl
from djongo_tailable.capped import capped_constraint, creation_options
from djongo_tailable.changes import capture_plan
from djongo_tailable.errors import refusal_naming_the_model
from djongo_tailable.tailing import tailable_plan, wrap_cursor


@hookimpl
def djongo_provide_collection_options(schema_editor, model):
    if capped_constraint(model) is None:
        return None
    return creation_options(schema_editor.connection, model)


@hookimpl
def djongo_plan_query(plan, options):
    capture_plan(plan)
    tailing = options.get("tailing")
    return None if tailing is None else tailable_plan(plan, tailing)


@hookimpl(wrapper=True)
def djongo_execute(connection, command):
    try:
        result = yield
    except Exception as error:
        replacement = refusal_naming_the_model(command, error)
        if replacement is None:
            raise
        raise replacement from error
    return wrap_cursor(connection, command, result)



