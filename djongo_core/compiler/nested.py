"""Lookups that reach inside stored documents: fields of embedded documents, items and
members of arrays, array lookups (contains, contained_by, overlap, len), and lookups through an
ArrayReferenceField.

A chain ending on a local column with a value on the right becomes a query path, which indexes
serve: `author__name="Ann"` is {"author.name": "Ann"}, `tags__0="x"` is {"tags.0": "x"} and
`comments__author="Ann"` is {"comments.author": "Ann"}, which MongoDB matches when any member's
author is Ann. Everything else is an aggregation expression under `$expr`.
"""

from django.core.exceptions import EmptyResultSet
from django.db import NotSupportedError
from django.db.models.sql.query import Query

from djongo_core.compiler import lookups
from djongo_core.compiler.tree import is_correlated
from djongo_core.fields.arrays import (
    ArrayField,
    ArrayContainedByLookup,
    ArrayContainsLookup,
    ArrayIndexTransform,
    ArrayLengthTransform,
    ArrayOverlapLookup,
    ArrayValueLookup,
)
from djongo_core.fields.embedded import ArrayMemberTransform, EmbeddedFieldTransform
from djongo_core.fields.references import (
    ReferencedFieldTransform,
    ReferenceIn,
    ReferenceMemberLookup,
)

PATH_TRANSFORMS = (EmbeddedFieldTransform, ArrayIndexTransform)


def query_path(expression, translator):
    """Return the query path of embedded-field, member and index transforms over a local
    column ("author.name", "tags.0"), or None when the chain is anything else."""
    parts = []
    while isinstance(expression, PATH_TRANSFORMS):
        parts.append(expression.key if isinstance(expression, EmbeddedFieldTransform)
                     else str(expression.index))
        expression = expression.lhs
    expression = lookups.single_column(expression)
    if not translator.is_path(expression):
        return None
    return ".".join([translator.field_path(expression), *reversed(parts)])


def _member_transform(expression):
    """Return the member transform in a chain of path transforms, if there is one."""
    while isinstance(expression, PATH_TRANSFORMS):
        if isinstance(expression, ArrayMemberTransform):
            return expression
        expression = expression.lhs
    return None


def _values(lookup, translator):
    """Return the right side of an array or reference lookup as a list of stored values."""
    if isinstance(lookup.rhs, Query):
        return translator.subquery_values(lookup.rhs)
    return lookup.db_values(translator.connection)


def _direct(lookup):
    if isinstance(lookup.rhs, Query):
        return not is_correlated(lookup.rhs)
    return lookup.rhs_is_direct_value()


# -- query documents --------------------------------------------------------------------------

def nested_match(lookup, translator):
    """Return a lookup inside documents or arrays as a query document; None when the lookup
    is none of these, for lookups.lookup_match() to translate."""
    lhs = lookup.lhs
    if isinstance(lhs, ReferencedFieldTransform):
        path = query_path(lhs.lhs, translator)
        if path is None:
            return {"$expr": translator.expression(lookup)}
        return {path: {"$in": _referenced_keys(lookup, translator)}}
    if isinstance(lookup, (ArrayValueLookup, ReferenceMemberLookup)):
        path = query_path(lhs, translator)
        if path is None or not _direct(lookup) or isinstance(lookup, ArrayContainedByLookup):
            return {"$expr": translator.expression(lookup)}
        return _array_match(lookup, path, _values(lookup, translator))
    if isinstance(lhs, ArrayLengthTransform) and lookup.lookup_name == "exact":
        path = query_path(lhs.lhs, translator)
        if path is not None and isinstance(lookup.rhs, int):
            return {path: {"$size": lookup.rhs}}
        return None
    if _member_pattern(lookup, translator):
        # A pattern on a list of text matches when any item matches, as the query form does.
        return lookups.path_match(lookup, query_path(lhs, translator), translator)
    if not isinstance(lhs, PATH_TRANSFORMS):
        return None
    path = query_path(lhs, translator)
    name = lookup.lookup_name
    textual = name not in lookups.PATTERN_LOOKUPS and name not in ("regex", "iregex") or (
        lookups.is_text(lhs))
    if (path is None or name not in lookups.SUPPORTED or not lookups.is_direct(lookup)
            or not textual or getattr(lookup, "bilateral_transforms", None)):
        return {"$expr": translator.expression(lookup)}
    return lookups.path_match(lookup, path, translator)


def _member_pattern(lookup, translator):
    """Return whether lookup is a text pattern (icontains, regex...) on a list of text."""
    field = getattr(lookup.lhs, "output_field", None)
    name = lookup.lookup_name
    return (isinstance(field, ArrayField)
            and field.base_field.get_internal_type() in lookups.TEXT_FIELDS
            and (name in lookups.PATTERN_LOOKUPS or name in ("regex", "iregex"))
            and lookups.is_direct(lookup) and query_path(lookup.lhs, translator) is not None)


def _array_match(lookup, path, values):
    if isinstance(lookup, ArrayContainsLookup):
        # Every list contains the empty list; $all of nothing would match no document.
        return {path: {"$all": values}} if values else {path: {"$type": "array"}}
    if isinstance(lookup, (ArrayOverlapLookup, ReferenceIn)):
        if not values:
            raise EmptyResultSet
        return {path: {"$in": values}}
    # A reference: the one key is a member.
    return {path: values[0]}


def _referenced_keys(lookup, translator):
    """Return the keys of the referenced objects a lookup through a reference list matches."""
    return translator.subquery_values(lookup.lhs.referenced_keys(lookup))


# -- aggregation expressions ------------------------------------------------------------------

def lookup_expression(lookup, translator):
    """Return a lookup as a boolean aggregation expression, reaching into array members."""
    lhs = lookup.lhs
    if isinstance(lhs, ReferencedFieldTransform):
        keys = _referenced_keys(lookup, translator)
        return _intersects(translator.expression(lhs.lhs), keys)
    member = _member_transform(lhs)
    if member is None:
        return lookups.lookup_expression(lookup, translator)
    # Any member matching: the lookup with the member transform read from each member.
    translator.replacements[member] = "$$member." + member.key
    try:
        test = lookups.lookup_expression(lookup, translator)
    finally:
        del translator.replacements[member]
    return {"$gt": [{"$size": {"$filter": {
        "input": {"$ifNull": [translator.expression(member.lhs), []]},
        "as": "member", "cond": test,
    }}}, 0]}


def _intersects(array, values):
    return {"$gt": [{"$size": {"$setIntersection": [{"$ifNull": [array, []]}, values]}}, 0]}


class NestedTranslations:
    """Translator methods (found by class name) for the transforms and lookups above."""

    def _EmbeddedFieldTransform(self, node):
        value = self.expression(node.lhs)
        if isinstance(value, str) and value.startswith("$"):
            return f"{value}.{node.key}"
        return {"$getField": {"field": node.key, "input": value}}

    def _ArrayMemberTransform(self, node):
        # As a value: the members' values, in order.
        return {"$map": {"input": {"$ifNull": [self.expression(node.lhs), []]}, "as": "member",
                         "in": "$$member." + node.key}}

    def _ArrayIndexTransform(self, node):
        return {"$arrayElemAt": [self.expression(node.lhs), node.index]}

    def _ArraySliceTransform(self, node):
        array = self.expression(node.lhs)
        if node.end <= node.start:
            return {"$cond": [{"$isArray": array}, {"$literal": []}, None]}
        return {"$slice": [array, node.start, node.end - node.start]}

    def _ArrayLengthTransform(self, node):
        array = self.expression(node.lhs)
        return {"$cond": [{"$isArray": array}, {"$size": array}, None]}

    def _array_lookup_sides(self, node):
        array = self.expression(node.lhs)
        if isinstance(node.rhs, Query) and is_correlated(node.rhs):
            return array, self.subquery_column(node.rhs)
        if _direct(node):
            return array, lookups.literal(_values(node, self))
        return array, self.expression(node.rhs)

    def _ArrayContainsLookup(self, node):
        array, values = self._array_lookup_sides(node)
        return {"$and": [{"$isArray": array}, {"$setIsSubset": [values, array]}]}

    def _ArrayContainedByLookup(self, node):
        array, values = self._array_lookup_sides(node)
        return {"$and": [{"$isArray": array}, {"$setIsSubset": [array, values]}]}

    def _ArrayOverlapLookup(self, node):
        array, values = self._array_lookup_sides(node)
        return _intersects(array, values)

    def _ReferenceMemberLookup(self, node):
        array, values = self._array_lookup_sides(node)
        return _intersects(array, values)

    def _ReferencedFieldTransform(self, node):
        raise NotSupportedError(
            f"{node.referenced_field.model.__name__}.{node.referenced_field.name} through a reference list can only "
            "be filtered on (for example tags__name='x'), not selected or ordered by.")
