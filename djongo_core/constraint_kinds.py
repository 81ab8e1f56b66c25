"""Constraint kinds of plugins: BaseConstraint subclasses whose create_sql/remove_sql return
Commands, run by the schema editor the way index kinds are (indexes.builds_own_index).

Django's own schema editors run ``constraint.create_sql(model, editor)`` for any constraint a
model declares (contrib.postgres's ExclusionConstraint works that way). On MongoDB a constraint
kind returns the Command(s) to run: a capped conversion, a validation level... A constraint of a
kind this backend cannot run is refused, never left out silently.
"""

from django.db import NotSupportedError
from django.db.models import BaseConstraint, CheckConstraint, UniqueConstraint

from djongo_core.command import Command


def is_constraint_kind(constraint):
    """Return whether the constraint is neither a CheckConstraint nor a UniqueConstraint, the
    kinds the core keeps itself (in the validator, as unique indexes)."""
    return not isinstance(constraint, (CheckConstraint, UniqueConstraint))


def constraint_kind_commands(editor, model, constraint, method):
    """Return the Commands of a constraint kind's create_sql or remove_sql, refusing a kind
    that gives none (or gives SQL)."""
    label = f"{type(constraint).__name__} {constraint.name!r} on {model._meta.label}"
    if getattr(type(constraint), method) is getattr(BaseConstraint, method):
        raise NotSupportedError(
            f"{label} cannot be kept on MongoDB: djongo-core runs constraint kinds whose "
            f"{method}() returns Commands (a plugin's), and this one has none. Remove it from "
            "Meta.constraints or use a constraint class made for djongo-core."
        )
    result = getattr(constraint, method)(model, editor)
    commands = [] if result is None else [result] if isinstance(result, Command) else result
    if not isinstance(commands, (list, tuple)) or not all(
            isinstance(command, Command) for command in commands):
        raise NotSupportedError(
            f"{label} returned {type(result).__name__} from {method}(), which MongoDB cannot "
            "run; a constraint kind for djongo-core returns a Command, a list of them, or None."
        )
    return list(commands)
