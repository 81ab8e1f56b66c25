"""Indexes and unique constraints on expressions, through keys the server keeps computed.

MongoDB indexes stored values, not expressions. For each expression of a Meta.indexes entry or
a UniqueConstraint (`Index(Lower("email"))`, `UniqueConstraint(Upper("code"), "kind")`), every
document of the model holds a hidden key with the expression's value, and the MongoDB index
(unique, partial, named as declared) is built on that key. The key's value is the MQL the
compiler produces for the expression, computed by the server on every ORM write, as for a
stored GeneratedField (compiler/generated.py): before an insert (a `$documents` pipeline, so
the insert itself stays a plain insert that never overwrites), and in the pipeline form of any
update that writes a field the expression reads.

The hidden key is named ``__djongo_expr__<index name>__<position>``: the reserved prefix is no
column a model may have (system check djongo_core.E160), reads never return it, and a SQL NULL
value leaves the key out of the document, so a unique index (partial on `$exists: true`)
counts NULLs as distinct, as SQL does. An expression that is only a column (`F("title")`,
`F("title").desc()`) needs no hidden key: the index holds the column itself.
"""

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from django.db import NotSupportedError
from django.db.models import Index, UniqueConstraint
from django.db.models.expressions import Col, ExpressionList, OrderBy
from django.db.models.functions import Collate, Now, Random
from django.db.models.indexes import IndexExpression
from django.db.models.sql.query import Query

from djongo_core import sub_milliseconds
from djongo_core.documents import stored_name

HIDDEN_PREFIX = "__djongo_expr__"
# Functions whose value depends on when or how often they are computed: a stored key would
# freeze one value, so SQL databases refuse them in an index and so does this backend.
_NONDETERMINISTIC = (Now, Random)


def is_hidden_key(key):
    """Return whether a document key is one the backend keeps: for an expression index, or
    for a datetime's microseconds (sub_milliseconds.py)."""
    return isinstance(key, str) and key.startswith((HIDDEN_PREFIX, sub_milliseconds.PREFIX))


def hidden_key(index_name, position):
    return f"{HIDDEN_PREFIX}{index_name}__{position}"


@dataclass(eq=False)
class ExpressionKey:
    """A hidden key holding one expression of an index, written like a stored generated field
    (it answers to the attributes compiler/generated.py reads)."""

    column: str
    expression: object
    model: type
    generated = True
    db_persist = True
    output_field = None  # the expression's own value is stored, with no cast
    # SQL NULL is no key at all, so that a unique index leaves it out.
    absent_when_null = True


@dataclass(frozen=True)
class IndexPart:
    """One key of an index on expressions: a stored column, or a hidden ExpressionKey."""

    column: str
    direction: int
    key: ExpressionKey | None = None
    collation: str | None = None  # Collate(..., collation) around the expression


def declares_expressions(declaration):
    """Return whether an index or constraint is one this module builds (a models.Index or a
    UniqueConstraint with expressions; a plugin's index kind builds its own)."""
    if isinstance(declaration, UniqueConstraint):
        return bool(declaration.contains_expressions)
    return (isinstance(declaration, Index) and declaration.contains_expressions
            and type(declaration).create_sql is Index.create_sql)


def index_parts(model, declaration):
    """Return the IndexParts of an index or unique constraint on expressions, in order."""
    parts = []
    for position, expression in enumerate(declaration.expressions):
        direction, collation = 1, None
        # Django's index wrappers, outermost only: a direction and a collation.
        while isinstance(expression, (OrderBy, Collate)):
            if isinstance(expression, OrderBy):
                direction = -1 if expression.descending else 1
            else:
                collation = expression.collation
            expression = expression.get_source_expressions()[0]
        resolved = expression.resolve_expression(Query(model, alias_cols=False),
                                                 allow_joins=False)
        if isinstance(resolved, Col):
            parts.append(IndexPart(stored_name(resolved.target), direction, None, collation))
            continue
        key = ExpressionKey(hidden_key(declaration.name, position), expression, model)
        parts.append(IndexPart(key.column, direction, key, collation))
    return parts


def hidden_keys_of(declaration):
    """Return the hidden keys an index on expressions may have written (by position: no
    expression is resolved, so this works when the model has changed since)."""
    return [hidden_key(declaration.name, position)
            for position in range(len(declaration.expressions))]


def _what(model, declaration):
    kind = "UniqueConstraint" if isinstance(declaration, UniqueConstraint) else "Index"
    return f"{kind} {declaration.name!r} on {model._meta.label}"


_cache = WeakKeyDictionary()


def expression_keys(opts):
    """Return the hidden keys a model's documents hold for its indexes and unique constraints
    on expressions, in declaration order (a proxy model's are its concrete model's: they
    share the documents)."""
    model = opts.concrete_model
    opts = model._meta
    declarations = (*opts.indexes, *opts.constraints)
    cached = _cache.get(model)
    if cached is not None and cached[0] == declarations:
        return cached[1]
    keys = [part.key for declaration in declarations if _built(declaration)
            for part in index_parts(model, declaration) if part.key is not None]
    _cache[model] = (declarations, keys)
    return keys


def hidden_keys(model):
    """Return the names of the hidden keys a model's documents may hold: for its indexes on
    expressions, and for the microseconds of its datetimes (sub_milliseconds.py). Public to
    plugins: a validator must let them through."""
    return [*(key.column for key in expression_keys(model._meta)),
            *(sub_milliseconds.hidden_key(field.column) for field in model._meta.concrete_fields
              if sub_milliseconds.keeps_microseconds(field))]


def _built(declaration):
    """Return whether the schema editor builds an index for this declaration on expressions
    (a deferrable or covering unique constraint is left out, models.W038/W039)."""
    if not declares_expressions(declaration):
        return False
    return not (isinstance(declaration, UniqueConstraint)
                and (declaration.deferrable is not None or declaration.include))


def check_translatable(connection, model, declaration):
    """Refuse, before anything is written, what Django refuses in an indexed expression (with
    its own errors) and an expression the server cannot compute into a key: one MQL cannot
    express, or a non-deterministic one."""
    from djongo_core.compiler import generated  # the compiler imports this module

    wrapped = []
    for expression in declaration.expressions:
        index_expression = IndexExpression(expression)
        index_expression.set_wrapper_classes(connection)
        wrapped.append(index_expression)
    ExpressionList(*wrapped).resolve_expression(Query(model, alias_cols=False))
    for part in index_parts(model, declaration):
        if part.key is None:
            continue
        expression = part.key.expression
        resolved = expression.resolve_expression(Query(model, alias_cols=False),
                                                 allow_joins=False)
        if any(isinstance(node, _NONDETERMINISTIC) for node in _nodes(resolved)):
            raise NotSupportedError(
                f"{_what(model, declaration)} uses {expression!r}, whose value changes each "
                "time it is computed; an index can only hold a value computed from the "
                "document's fields."
            )
        try:
            generated.definition(part.key, model, connection)
        except Exception as error:  # the compiler's refusal, whatever its type
            raise NotSupportedError(
                f"{_what(model, declaration)} cannot be built: its expression {expression!r} "
                f"has no MongoDB translation ({error}). Use an expression of the model's own "
                "fields that the ORM can filter on, or index a stored GeneratedField."
            ) from error


def _nodes(expression):
    yield expression
    for source in expression.get_source_expressions():
        if source is not None:
            yield from _nodes(source)
