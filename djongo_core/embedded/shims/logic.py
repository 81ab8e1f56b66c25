"""The $not aggregation expression (deviation "not-expression-missing")."""


def negation(document, spec, variables, dialect, context):
    """MongoDB's {$not: [expression]}: true for false, null, 0 and missing values."""
    # MongoDB takes the argument alone or as a one-element list.
    (argument,) = context.require_expression_args("$not", spec if isinstance(spec, list) else [spec],
                                                  1, 1)
    value = context.evaluate_expression(document, argument, variables)
    return not dialect.expression_truthy(value)
