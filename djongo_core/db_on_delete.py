"""Database-level on_delete (Django 6.1's DB_CASCADE, DB_SET_NULL, DB_SET_DEFAULT).

Django leaves these relations to the database: its collector skips them, and a SQL database
applies them in the DELETE statement through the foreign key. MongoDB has no foreign keys, but
every delete of this backend runs through its delete compiler, which applies them there: before
the documents of a model go, the documents referencing them through a DB_* relation are deleted
(DB_CASCADE, recursively, with their own DB_* relations) or have the reference set to null
(DB_SET_NULL) or to the field's db_default (DB_SET_DEFAULT).

Order: the referencing documents are handled first, the documents themselves deleted last. In a
transaction (the transactions plugin), all of it commits or none. Without one, a failure midway
leaves the documents being deleted in place with part of what references them handled; running
the same delete again finishes it. The other order would leave references to deleted documents
that no later delete can find.

The commands of one delete are logged as one query listing each of them, as a SQL database's
cascade is part of its one DELETE statement.
"""

from contextlib import contextmanager

from django.db import NotSupportedError
from django.db.models import Q, deletion
from django.db.models.sql.constants import NO_RESULTS

from djongo_core.django_compat import django_class

# Missing before Django 6.1: then no relation is database-level and nothing here runs.
DatabaseOnDelete = django_class(deletion, "DatabaseOnDelete")
DB_CASCADE = getattr(deletion, "DB_CASCADE", None)
DB_SET_NULL = getattr(deletion, "DB_SET_NULL", None)
DB_SET_DEFAULT = getattr(deletion, "DB_SET_DEFAULT", None)

# How many documents one round handles: their ids go into `$in` filters, which must stay far
# below MongoDB's 16 MB command limit.
ROUND_SIZE = 10_000


def db_level_relations(model):
    """Return the reverse relations to `model` whose on_delete the database applies."""
    return [
        relation for relation in deletion.get_candidate_relations_to_delete(model._meta)
        if isinstance(relation.field.remote_field.on_delete, DatabaseOnDelete)
    ]


def referenced_fields(relations):
    """Return the fields of the deleted model that the relations refer to (usually its pk)."""
    fields = {}
    for relation in relations:
        field = relation.field
        if len(field.foreign_related_fields) != 1:
            raise NotSupportedError(
                f"{field.model._meta.label}.{field.name} has on_delete="
                f"{field.remote_field.on_delete} over several columns, which this backend "
                "cannot apply. Use the Python-level variant "
                f"({str(field.remote_field.on_delete).removeprefix('DB_')})."
            )
        target = field.foreign_related_fields[0]
        fields[target.attname] = target
    return list(fields.values())


@contextmanager
def deletion_chain(connection):
    """Yield the PendingDeletes of the delete running on `connection`, the outermost delete of a
    chain of cascades starting it, and log its commands as one query."""
    pending = getattr(connection, "_djongo_pending_deletes", None)
    if pending is not None:
        yield pending
        return
    connection._djongo_pending_deletes = pending = PendingDeletes()
    try:
        with connection.executor.logged_as_one():
            yield pending
    finally:
        del connection._djongo_pending_deletes


class PendingDeletes:
    """The ids of the documents each model is deleting in the current chain of DB_CASCADEs.

    A cascade never selects a document already being deleted higher up the chain, so that a
    cycle of references (a model referring to itself, two models referring to each other)
    ends."""

    def __init__(self):
        self.by_model = {}

    def add(self, model, ids):
        self.by_model.setdefault(model._meta.concrete_model, set()).update(ids)

    def of(self, model):
        return self.by_model.get(model._meta.concrete_model, set())


def apply(connection, rows, relations, pending):
    """Apply the DB_* actions of `relations` to the documents referencing `rows` (dicts of the
    referenced attnames of the documents being deleted)."""
    for relation in relations:
        field = relation.field
        target = field.foreign_related_fields[0].attname
        values = {row[target] for row in rows if row[target] is not None}
        if not values:
            continue
        on_delete = field.remote_field.on_delete
        if on_delete is DB_CASCADE:
            _cascade(connection, relation.related_model, field, values, pending)
        elif on_delete is DB_SET_NULL:
            _set(connection, relation.related_model, field, values, None)
        elif on_delete is DB_SET_DEFAULT:
            _set(connection, relation.related_model, field, values, field.db_default)
        else:
            raise NotSupportedError(
                f"{field.model._meta.label}.{field.name}: on_delete={on_delete} is a "
                "database-level action this backend does not know."
            )


def _cascade(connection, related_model, field, values, pending):
    # Through Django's DeleteQuery, so that the referencing model's own DB_* relations are
    # applied by the same compiler, recursively.
    from django.db.models.sql.subqueries import DeleteQuery

    query = DeleteQuery(related_model)
    condition = Q(**{f"{field.name}__in": list(values)})
    already = pending.of(related_model)
    if already:
        condition &= ~Q(pk__in=list(already))
    query.add_q(condition)
    query.get_compiler(connection=connection).execute_sql(NO_RESULTS)


def _set(connection, related_model, field, values, value):
    related_model._base_manager.using(connection.alias).filter(
        **{f"{field.name}__in": list(values)}
    ).update(**{field.name: value})
