"""Expressions that carry their own MongoDB translation: Django's `as_<vendor>` convention.

On SQL backends Django's compiler prefers a node's `as_<vendor>()` (`as_postgresql`,
`as_sqlite`) over its `as_sql()`. The vendor here is "mongodb", so a project's lookup,
transform, function, aggregate or join condition translates itself with

    def as_mongodb(self, compiler, connection, translator, form): ...

and the compiler calls it before any translation of its own (docs/queries.md describes what it
receives and must return). `translator` and `form` are passed only when the method accepts them
(by name or through **kwargs), so a method that needs neither may leave them out.
"""

import functools
import inspect

from django.db import NotSupportedError

METHOD = "as_mongodb"
_SIGNATURE = "as_mongodb(self, compiler, connection, translator, form)"


def defines_translation(node):
    """Return whether a node carries its own MongoDB translation."""
    return callable(getattr(node, METHOD, None))


def own_translation(node, translator, form):
    """Return the node's as_mongodb() result in the form asked for.

    A condition asked for as a query document ("match") may answer None: it is then asked for
    an aggregation expression, which is tested under `$expr`. Any other None is an error naming
    the class, as is a query document that is not a document.
    """
    result = _call(node, translator, form)
    if form == "match":
        if result is None:
            expression = _call(node, translator, "expression")
            if expression is None:
                raise _refusal(node, "neither a query document nor an aggregation expression")
            return {"$expr": expression}
        if not isinstance(result, dict):
            raise TypeError(
                f"{_name(node)}.{METHOD}() returned {type(result).__name__} for form='match'; "
                "a query document is a dict (or return None to be asked for an aggregation "
                "expression instead)."
            )
        return result
    if result is None:
        wanted = "a $group accumulator" if form == "accumulator" else "an aggregation expression"
        raise _refusal(node, wanted)
    return result


def refusal_hint(node):
    """Return the sentence that tells the author of an untranslated node what to add."""
    if type(node).__module__.startswith("django."):
        fix = f"subclass {_name(node)} with a method {_SIGNATURE}"
    else:
        owner = _sql_owner(type(node)) or "no MongoDB translation"
        fix = f"{_name(node)} has {owner}: give it a method {_SIGNATURE}"
    return (
        f"To translate it, {fix} that returns a query document (form='match') or an "
        "aggregation expression (form='expression'); see docs/queries.md."
    )


def _call(node, translator, form):
    method = getattr(node, METHOD)
    accepted = _keywords(type(node))
    extra = {name: value for name, value in (("translator", translator), ("form", form))
             if accepted is None or name in accepted}
    return method(translator.compiler, translator.connection, **extra)


@functools.cache
def _keywords(node_type):
    """Return the keyword names as_mongodb() accepts, or None when it takes **kwargs."""
    parameters = inspect.signature(getattr(node_type, METHOD)).parameters.values()
    if any(parameter.kind is parameter.VAR_KEYWORD for parameter in parameters):
        return None
    return {parameter.name for parameter in parameters}


def _refusal(node, wanted):
    return NotSupportedError(
        f"{_name(node)}.{METHOD}() returned None where the compiler needs {wanted}. Return it "
        "for this form, see docs/queries.md."
    )


def _sql_owner(node_type):
    """Return "only as_sql()" or "only an SQL template" when a project's class defines SQL of
    its own (None when its SQL is Django's)."""
    for klass in node_type.__mro__:
        if klass.__module__.startswith("django."):
            return None
        if "as_sql" in vars(klass):
            return "only as_sql()"
        if "template" in vars(klass) or "function" in vars(klass):
            return "only an SQL template"
    return None


def _name(node):
    node_type = type(node)
    return f"{node_type.__module__}.{node_type.__qualname__}"
