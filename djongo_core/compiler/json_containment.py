"""JSONField `contains` and `contained_by` on native documents, with PostgreSQL's jsonb meaning.

`data__contains={"a": 1, "tags": ["x"]}`: data is an object whose "a" is 1 and whose "tags" is
an array holding an element that contains "x". An array contains another when each of the
other's elements is contained by one of its elements; scalars contain an equal scalar (true is
not 1; JSON null only null); as on jsonb, a top-level array also contains a scalar it holds.
`contained_by` is the converse. The right side is a constant, so
its shape unrolls into one aggregation expression: no recursion is left for the server.
"""

from django.db import NotSupportedError

from djongo_core.compiler.lookups import literal


def _field(document, key):
    return {"$getField": {"field": {"$literal": key}, "input": document}}


def _as_array(value):
    # $filter and $map fail on a non-array input; the type tests around them are not
    # guaranteed to short-circuit first.
    return {"$cond": [{"$isArray": value}, value, []]}


def _scalar_equals(value, constant):
    if constant is None:
        return {"$eq": [{"$type": value}, "null"]}
    return {"$eq": [value, literal(constant)]}


def _variable(depth):
    return f"json{depth}"


def contains(value, constant, depth=0, top=True):
    """Return an expression: value (an expression) contains constant (a JSON value); top is
    whether value is the lookup's own left side (not a part of it)."""
    if isinstance(constant, dict):
        tests = [{"$eq": [{"$type": value}, "object"]}]
        for key, inner in constant.items():
            tests.append(contains(_field(value, key), inner, depth, top=False))
        return {"$and": tests}
    if isinstance(constant, list):
        name = _variable(depth)
        tests = [{"$isArray": value}]
        for item in constant:
            tests.append({"$gt": [{"$size": {"$filter": {
                "input": _as_array(value), "as": name,
                "cond": contains("$$" + name, item, depth + 1, top=False)}}}, 0]})
        return {"$and": tests}
    if top:
        # jsonb's one exception to matching structure: an array contains a scalar it holds.
        return {"$or": [_scalar_equals(value, constant), _holds_scalar(value, constant)]}
    return _scalar_equals(value, constant)


def _holds_scalar(array, constant):
    name = _variable(0)
    return {"$gt": [{"$size": {"$filter": {
        "input": _as_array(array), "as": name,
        "cond": _scalar_equals("$$" + name, constant)}}}, 0]}


def contained_by(value, constant, depth=0, top=True):
    """Return an expression: value (an expression) is contained by constant (a JSON value)."""
    if isinstance(constant, dict):
        keys = {"$map": {"input": {"$objectToArray": {
            "$cond": [{"$eq": [{"$type": value}, "object"]}, value, {}]}}, "in": "$$this.k"}}
        tests = [{"$eq": [{"$type": value}, "object"]},
                 {"$setIsSubset": [keys, {"$literal": list(constant)}]}]
        for key, inner in constant.items():
            field = _field(value, key)
            tests.append({"$or": [{"$eq": [{"$type": field}, "missing"]},
                                  contained_by(field, inner, depth, top=False)]})
        return {"$and": tests}
    if isinstance(constant, list):
        name = _variable(depth)
        member = "$$" + name
        outside = {"$not": [{"$or": [contained_by(member, item, depth + 1, top=False)
                                     for item in constant]}]} if constant else True
        within = {"$and": [{"$isArray": value}, {"$eq": [{"$size": {"$filter": {
            "input": _as_array(value), "as": name, "cond": outside}}}, 0]}]}
        scalars = [item for item in constant if not isinstance(item, (dict, list))]
        if top and scalars:
            # The converse of the exception above: a scalar is contained by an array
            # holding it.
            return {"$or": [within, *(_scalar_equals(value, item) for item in scalars)]}
        return within
    return _scalar_equals(value, constant)


def containment_expression(lookup, translator):
    """Return a JSONField contains/contained_by lookup as a boolean aggregation expression."""
    if not lookup.rhs_is_direct_value():
        raise NotSupportedError(
            f"JSONField {lookup.lookup_name} needs a JSON value on its right side, not "
            f"{lookup.rhs!r}.")
    field = lookup.lhs.output_field
    constant = field.get_db_prep_value(lookup.rhs, translator.connection)
    value = translator.expression(lookup.lhs)
    if lookup.lookup_name == "contains":
        return contains(value, constant)
    return contained_by(value, constant)


class ContainmentTranslations:
    """Translator methods (found by class name) for JSONField's containment lookups."""

    def _DataContains(self, node):
        return containment_expression(node, self)

    def _ContainedBy(self, node):
        return containment_expression(node, self)
