"""Django's where-tree (WhereNode) as a MongoDB query document or a boolean expression.

EmptyResultSet and FullResultSet travel as in Django's own WhereNode.as_sql: a child that can
match nothing (`pk__in=[]`) or everything is folded away, and a whole tree that can match nothing
lets the compiler skip the round trip.
"""

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import NotSupportedError
from django.db.models import Lookup
from django.db.models.expressions import ExpressionList
from django.db.models.sql.where import AND, XOR, ExtraWhere, NothingNode, WhereNode

from djongo_core.compiler import (
    conditions, json, json_null, json_paths, lookups, nested, vendor,
)
from djongo_core.compiler.tree import internal_type
from djongo_core.django_compat import with_resolved_subquery


def _compile_children(node, compile_child):
    """Compile a node's children, folding empty and full ones like WhereNode.as_sql."""
    compiled = []
    if node.connector == AND:
        full_needed, empty_needed = len(node.children), 1
    else:
        full_needed, empty_needed = 1, len(node.children)
    for child in node.children:
        try:
            result = compile_child(child)
        except EmptyResultSet:
            empty_needed -= 1
        except FullResultSet:
            full_needed -= 1
        else:
            compiled.append(result)
        if empty_needed == 0:
            raise FullResultSet if node.negated else EmptyResultSet
        if full_needed == 0:
            raise EmptyResultSet if node.negated else FullResultSet
    if not compiled:
        # Nothing left to test (an empty tree, or only always-true children).
        raise FullResultSet
    return compiled


def compile_match(node, translator, lenient=False):
    """Return a query document; raise EmptyResultSet or FullResultSet as Django does.

    lenient: match where the tree is true or unknown (SQL's NULL), which is what a negation
    around it needs; see compiler/conditions.py.
    """
    if isinstance(node, WhereNode):
        if node.connector == XOR:
            return {"$expr": compile_expression(node, translator, lenient)}
        if node.negated and not lenient and _compares_expressions(node):
            negated = _three_valued_negation(node, translator)
            if negated is not None:
                return negated
        if node.negated and len(node.children) == 1 and _is_condition_test(node.children[0]):
            # NOT (flag = true) is true where the flag is false: {"flag": false}.
            test = node.children[0]
            return conditions.condition_match(test.lhs, not test.rhs, translator, lenient)
        inner = lenient != node.negated
        parts = _compile_children(node, lambda child: compile_match(
            child, translator, _child_lenient(node, child, inner)))
        if len(parts) == 1:
            combined = parts[0]
        elif node.connector == AND:
            combined = conjunction(parts)
        else:
            combined = {"$or": parts}
        return {"$nor": [combined]} if node.negated else combined
    if isinstance(node, NothingNode):
        raise EmptyResultSet
    if isinstance(node, ExtraWhere):
        raise NotSupportedError("QuerySet.extra(where=...) holds SQL, which MongoDB cannot run.")
    if vendor.defines_translation(node):
        # Django's as_<vendor> convention: the node's own translation comes first.
        return vendor.own_translation(node, translator, "match")
    if isinstance(node, Lookup):
        node = with_resolved_subquery(node)
        matched = json.json_match(node, translator, lenient)
        if matched is None:
            matched = nested.nested_match(node, translator)
        return lookups.lookup_match(node, translator, lenient) if matched is None else matched
    if getattr(node, "conditional", False):
        # A bare condition (a NegatedExpression among them): true, as a filter wants it.
        return conditions.condition_match(node, True, translator, lenient)
    return translator.plugin_node(node, "match")


def _is_condition_test(node):
    return isinstance(node, Lookup) and lookups.is_condition_test(node)


def _child_lenient(node, child, lenient):
    """Return whether a child of node is compiled "true or unknown". A condition test beside
    the IS NOT NULL test Django adds under a negation (exclude(flag=True)) is never unknown
    there, and keeps its plain form."""
    if not lenient or node.connector != AND or not _is_condition_test(child):
        return lenient
    guarded = [sibling.lhs for sibling in node.children
               if isinstance(sibling, Lookup) and lookups.lookup_name(sibling) == "isnull"
               and sibling.rhs is False]
    return conditions.unwrapped(child.lhs) not in guarded


def _three_valued_negation(node, translator):
    """NOT of a tree that compares fields with fields (or expressions). SQL's NOT keeps a row
    only where the tree is false, not unknown; $nor keeps both. For plain values Django adds
    the IS NOT NULL tests that make $nor right (and index-friendly); for these it does not, so
    the tree is read with three-valued logic. None when a part only a query document can say
    (embedded fields): then it is the $nor form."""
    try:
        return {"$expr": {"$eq": [three_valued(node, translator), True]}}
    except NotSupportedError:
        return None


def _compares_expressions(node):
    if isinstance(node, WhereNode):
        return any(_compares_expressions(child) for child in node.children)
    if not isinstance(node, Lookup) or node.lookup_name == "isnull":
        return False
    values = node.rhs if isinstance(node.rhs, (list, tuple)) else [node.rhs]
    return any(hasattr(value, "resolve_expression") for value in values)


def conjunction(parts):
    """AND query documents: one document when their keys differ (the readable, usual form)."""
    if len(parts) == 1:
        return parts[0]
    merged = {}
    for part in parts:
        if merged.keys() & part.keys():
            return {"$and": parts}
        merged.update(part)
    return merged


def compile_expression(node, translator, lenient=False):
    """Return a where-tree as a boolean aggregation expression (for Case, filter=, XOR...);
    lenient as in compile_match()."""
    if isinstance(node, NothingNode):
        raise EmptyResultSet
    if isinstance(node, ExtraWhere):
        raise NotSupportedError("QuerySet.extra(where=...) holds SQL, which MongoDB cannot run.")
    if not isinstance(node, WhereNode):
        if _is_condition_test(node):
            return conditions.condition_expression(node.lhs, node.rhs, translator, lenient)
        return translator.expression(node)
    if node.negated and len(node.children) == 1 and _is_condition_test(node.children[0]):
        test = node.children[0]
        return conditions.condition_expression(test.lhs, not test.rhs, translator, lenient)
    if node.connector == XOR:
        combined = _parity(node, translator)
    else:
        inner = lenient != node.negated
        parts = _compile_children(node, lambda child: compile_expression(
            child, translator, _child_lenient(node, child, inner)))
        if len(parts) == 1:
            combined = parts[0]
        else:
            combined = {"$and" if node.connector == AND else "$or": parts}
    return {"$not": [combined]} if node.negated else combined


def _parity(node, translator):
    """XOR as Django defines it for any arity: an odd number of true children (an unknown
    child counts as false). A child known to be false is left out; one known to be true is
    left out too, and flips the parity of the rest."""
    parts, flips = [], 0
    for child in node.children:
        try:
            parts.append(compile_expression(child, translator))
        except EmptyResultSet:
            continue
        except FullResultSet:
            flips += 1
    if not parts:
        odd = flips % 2 == 1
        raise (FullResultSet if odd != node.negated else EmptyResultSet)
    if len(parts) == 1:
        combined = parts[0]
    else:
        truths = {"$add": [{"$cond": [part, 1, 0]} for part in parts]}
        combined = {"$eq": [{"$mod": [truths, 2]}, 1]}
    return {"$not": [combined]} if flips % 2 else combined


def three_valued(node, translator):
    """Return a condition as SQL evaluates it as a value: true, false, or null (unknown).

    A comparison with a null operand is null, NOT null is null, AND is false if any part is
    false and null if any is null, OR true if any part is true and null if any is null. Filters
    and CASE branches treat null as false and use compile_expression(); a condition read as a
    value (an annotation, Coalesce(condition, True) in constraint validation) needs this.
    """
    if isinstance(node, NothingNode):
        raise EmptyResultSet
    if isinstance(node, Lookup):
        return _three_valued_lookup(with_resolved_subquery(node), translator)
    if not isinstance(node, WhereNode) or node.connector == XOR:
        return compile_expression(node, translator)
    parts = _compile_children(node, lambda child: three_valued(child, translator))
    if len(parts) == 1:
        combined = parts[0]
    else:
        decisive = node.connector != AND  # OR is decided by a true part, AND by a false one
        combined = {"$let": {"vars": {"parts": parts}, "in": {"$switch": {"branches": [
            {"case": {"$in": [decisive, "$$parts"]}, "then": decisive},
            {"case": {"$in": [None, "$$parts"]}, "then": None},
        ], "default": not decisive}}}}
    if not node.negated:
        return combined
    return {"$cond": [{"$eq": [combined, None]}, None, {"$not": [combined]}]}


def _three_valued_lookup(lookup, translator):
    test = translator.expression(lookup)
    if lookup.lookup_name == "isnull":
        return test
    operands = [translator.expression(lookup.lhs)]
    # The right side: an expression, or a list with some (range=[F("a"), F("b")]).
    right = lookup.rhs
    if isinstance(right, ExpressionList):
        right = right.get_source_expressions()
    elif not isinstance(right, (list, tuple)):
        right = [right]
    operands += [translator.expression(value) for value in right
                 if hasattr(value, "resolve_expression")]
    if internal_type(lookup.lhs) == "JSONField":
        return _three_valued_json(lookup, test, [lookup.lhs, *(
            value for value in right if hasattr(value, "resolve_expression"))], translator)
    if any(operand is None for operand in operands):
        return None  # a comparison with a null constant is unknown
    unknown = [lookups.is_null(operand) for operand in operands if lookups.is_computed(operand)]
    if not unknown:
        return test
    return {"$cond": [unknown[0] if len(unknown) == 1 else {"$or": unknown}, None, test]}


def _three_valued_json(lookup, test, operands, translator):
    """A lookup on JSON values, read with three-valued logic: unknown where a value is SQL
    NULL (missing: a left-out field, a missing key), while JSON null is a value like any
    other (JSONNull() = JSONNull() is true, as on every database Django supports)."""
    unknown = []
    for operand in operands:
        if json_null.is_json_null(operand):
            continue
        mql = translator.expression(operand)
        if mql is None:
            return None  # a constant SQL NULL
        if lookups.is_computed(mql):
            unknown.append({"$not": [json_paths.present(operand, mql, translator)]})
    if not unknown:
        return test
    return {"$cond": [unknown[0] if len(unknown) == 1 else {"$or": unknown}, None, test]}
