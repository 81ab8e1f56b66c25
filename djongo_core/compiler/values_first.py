"""Updates whose new values read other documents: the values are read first, then written.

`update(n=Subquery(Child.objects.filter(parent=OuterRef("pk")).values("c")))` computes each
document's value with a `$lookup`, which an update pipeline cannot run (it takes `$set`,
`$unset`, `$project`, `$replaceWith` stages only). The update therefore selects the keys and the
new values of the matching documents with one aggregation (the select compiler's, so the values
come back as the fields read them), and writes each document by `_id` in one ordered
`bulk_write`, as bulk_update() does (compiler/bulk_update.py). SQL databases that cannot update
a table from a query of the same table work the same way.

The read and the writes are two commands: inside `atomic()` with the transactions plugin they are
one transaction; without it, a document changed by someone else in between gets the value read
before the change, as with any read-then-save.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models.expressions import ColPairs
from django.db.models.sql.constants import MULTI
from django.db.models.sql.query import Query
from pymongo import UpdateOne

from djongo_core import decimals
from djongo_core.command import Command
from djongo_core.compiler.column_rules import check_value
from djongo_core.compiler.generated import regenerated_fields, write_stages
from djongo_core.compiler.json_null import stored_absent
from djongo_core.compiler.lookups import literal
from djongo_core.documents import stored_name
from djongo_core.sub_milliseconds import keeps_microseconds, write_values


def stored_assignment(field, value, connection):
    """Return ({key: stored value} to set, [key] to unset) writing a Python value to a field:
    its database form, checked against the column's rules, the microseconds below a
    millisecond in their hidden key (sub_milliseconds.py), SQL NULL of a JSONField as no key
    (compiler/json_null.py)."""
    stored = field.get_db_prep_save(decimals.for_save(field, value), connection=connection)
    check_value(field, stored)
    kept, removed = {}, []
    if stored_absent(field, stored):
        removed.append(stored_name(field))
    else:
        kept[stored_name(field)] = stored
    if keeps_microseconds(field):
        hidden, dropped = write_values(field, stored)
        kept.update(hidden)
        removed.extend(dropped)
    return kept, removed


def per_document_command(compiler, computed, constants, removed, translator):
    """Return the update as a bulk_write of one updateOne per matching document.

    computed: [(field, resolved expression)], the values read first; constants and removed:
    the stored values every document gets ({key: value}, [key]). Raises EmptyResultSet when no
    document matches."""
    query = compiler.query
    opts = query.get_meta()
    alias = query.get_initial_alias()
    reader = query.clone()
    reader.__class__ = Query
    reader.clear_select_clause()
    reader.clear_ordering(force=True)
    key = opts.pk.get_col(alias)
    # A composite key comes back as one value per column (compiler/select.py).
    key_columns = key.get_cols() if isinstance(key, ColPairs) else [key]
    reader.select = (*key_columns, *(value for _field, value in computed))
    select_compiler = reader.get_compiler(connection=compiler.connection)
    key_names = [stored_name(column.target) for column in key_columns]
    regenerated = regenerated_fields(opts, [field for field, _, _ in query.values])
    extra_stages = write_stages(regenerated, translator, alias)
    requests = []
    for row in _rows(select_compiler, len(key_columns)):
        assignments, unset = dict(constants), list(removed)
        for (field, _value), value in zip(computed, row[len(key_columns):], strict=True):
            kept, dropped = stored_assignment(field, value, compiler.connection)
            assignments.update(kept)
            unset.extend(dropped)
        selector = dict(zip(key_names, row[:len(key_columns)], strict=True))
        requests.append(UpdateOne(selector, _update(assignments, unset, extra_stages)))
    if not requests:
        raise EmptyResultSet
    return Command(opts.db_table, "bulk_write", (requests,), {"ordered": True},
                   model=opts.model)


def _rows(select_compiler, key_width):
    """Yield the reader's rows: the key as stored (the writes select by it), the values as
    their fields read them (the writes store them as a field stores a Python value)."""
    rows = [row for chunk in select_compiler.execute_sql(MULTI) for row in chunk]
    expressions = [expression for expression, _, _ in select_compiler.select]
    converters = {position: converter for position, converter
                  in select_compiler.get_converters(expressions).items()
                  if position >= key_width}
    if converters:
        rows = select_compiler.apply_converters(rows, converters)
    return rows


def _update(assignments, unset, extra_stages):
    if extra_stages:
        # Stored generated fields reading a written field are computed again by the server,
        # after the written values: a pipeline update, constants quoted.
        values = {key: literal(value) for key, value in assignments.items()}
        values.update(dict.fromkeys(unset, "$$REMOVE"))
        return [{"$set": values}, *extra_stages]
    update = {"$set": assignments} if assignments else {}
    if unset:
        update["$unset"] = dict.fromkeys(unset, "")
    return update
