"""What the backend supports, as Django asks it: each flag under the question it answers."""

import django
from django.db.backends.base.features import BaseDatabaseFeatures
from django.utils.functional import cached_property

from djongo_core.django_test_skips import ENGINE_DEVIATION_FAILURES, skips_for_django
from djongo_core.embedded import is_embedded_host


class DatabaseFeatures(BaseDatabaseFeatures):
    minimum_database_version = (7, 0)

    # Does the backend keep NULLs in unique indexes apart? A unique index in MongoDB treats
    # null (and missing) as a value, so two NULLs collide unless the index is partial.
    supports_nullable_unique_constraints = False
    supports_partially_nullable_unique_constraints = False
    # UniqueConstraint(nulls_distinct=...): True adds the non-null partial filter, False is
    # MongoDB's own rule (nulls collide).
    supports_nulls_distinct_unique_constraints = True

    # Can an insert hand back the values MongoDB stored? The backend knows every _id it
    # inserts (counter values or ObjectIds), for one object and for a batch.
    can_return_columns_from_insert = True
    can_return_rows_from_bulk_insert = True
    has_bulk_insert = True
    # bulk_create(ignore_conflicts=True) is an unordered insert that drops duplicate-key errors;
    # update_conflicts=True upserts on the unique index named by unique_fields
    # (compiler/upsert.py), which must be given as on PostgreSQL.
    supports_ignore_conflicts = True
    supports_update_conflicts = True
    supports_update_conflicts_with_target = True

    # Is there SQL? No: raw cursors, SQL functions and SQL-only clauses do not apply.
    # No row locks either: select_for_update() locks documents through the transactions
    # plugin's lock write and otherwise reads unlocked with a warning (row_locks.py). A sliced
    # one locks every document its filter matches (the slice's among them, never fewer).
    supports_select_for_update_with_limit = True
    has_select_for_update = False
    can_use_chunked_reads = True
    # Can sequences be reset? The counters are: a flush or TransactionTestCase.reset_sequences
    # starts them again from 1, loaddata raises them past the ids its fixtures gave
    # (operations.py).
    supports_sequence_reset = True
    # get_relations() reads what migrations recorded of each relation (catalog.py), so inspectdb
    # writes the ForeignKey again; but there is no foreign key constraint to introspect.
    can_introspect_foreign_keys = False
    supports_foreign_keys = False
    # Nothing checks a reference when it is written, so a document may name one that does not
    # exist yet (fixtures in any order), and deleting related documents needs no
    # "null the reference first" update: Django's deletion skips it when checks can wait.
    supports_forward_references = True
    can_defer_constraint_checks = True
    can_rollback_ddl = False
    # CheckConstraints and the Positive*Fields' column checks (>= 0) are clauses of the
    # collection's validator (compiler/check.py), named in __schema__ for introspection;
    # values a write sends are also checked before it (compiler/column_rules.py).
    supports_column_check_constraints = True
    supports_table_check_constraints = True
    # db_comment and db_table_comment are kept in __schema__ (catalog.py) and read back.
    supports_comments = True
    # db_collation and Collate() name MongoDB collations (djongo_core/collations.py).
    test_collations = {
        "ci": "en-u-ks-level2",
        "cs": "simple",
        "non_default": "und-u-ks-level2",
        "swedish_ci": "sv-u-ks-level2",
        "virtual": "und-u-ks-level2",
    }
    # A string has no length limit but the 16 MB document: CharField() needs no max_length.
    supports_unlimited_charfield = True
    # GeneratedField: a stored one is computed by the server on every ORM write, a virtual one
    # wherever its column is read (compiler/generated.py).
    supports_stored_generated_columns = True
    supports_virtual_generated_columns = True
    # A db_default expression (Now(), Pi(), Lower(...)) is computed by the server: in the
    # insert's own pipeline for new documents, by an update pipeline for existing ones.
    supports_expression_defaults = True
    # Decimal128 holds 34 significant digits: DecimalField() needs no max_digits/decimal_places
    # (the value reads back with the scale it was written with).
    supports_no_precision_decimalfield = True
    # Index(Lower("email")), UniqueConstraint(Upper("code"), ...): each expression's value is
    # kept by the server in a hidden key of every document, and the index is built on it
    # (expression_indexes.py).
    supports_expression_indexes = True
    # A composite key compared with a subquery's row (pk__gte=queryset[:1]): the row is read
    # first, or joined when correlated (compiler/tuples.py). Django 6.0 added the flag; declared
    # here so that 5.2, whose base features lack it, reads it too.
    supports_tuple_comparison_against_subquery = True
    # Window functions are $setWindowFields stages (compiler/windows.py); RANGE frames with
    # offsets need one number, decimal, duration or date ordering; frame exclusions do not
    # exist in MongoDB.
    supports_over_clause = True
    supports_frame_range_fixed_distance = True
    supports_frame_exclusion = False
    supports_subqueries_in_group_by = True

    # Does JSONField contains/contained_by work, as on jsonb? Yes (compiler/json_containment.py),
    # and like jsonb, {"f": "g"} is not contained in [{"f": "g"}] (only a scalar is).
    supports_json_field_contains = True
    json_key_contains_list_matching_requires_list = True

    # Which aggregate clauses compile? filter= becomes a condition inside the accumulator;
    # StringAgg(order_by=...) pushes each value with its sort keys and joins them after a
    # $sortArray (compiler/grouping.py).
    supports_aggregate_filter_clause = True
    supports_aggregate_order_by_clause = True

    # Does Greatest/Least skip nulls? Yes: they are $max/$min, which ignore nulls.
    greatest_least_ignores_nulls = True
    # Is there ANY_VALUE()? AnyValue is the $first accumulator.
    supports_any_value = True
    # Does Round() round halves to even? $round does (banker's rounding).
    rounds_to_even = True
    # How many fractional digits do times keep? All six: a time of day is text, and a datetime
    # keeps its microseconds beside its BSON date (sub_milliseconds.py).
    time_cast_precision = 6
    # Can the database itself apply on_delete (Django 6.1's DB_CASCADE, DB_SET_NULL,
    # DB_SET_DEFAULT)? MongoDB has no foreign keys, but every delete runs through the
    # backend's delete compiler, which applies them (db_on_delete.py).
    supports_on_delete_db_cascade = True
    supports_on_delete_db_default = True
    supports_on_delete_db_null = True

    # Can set operations combine ordered and sliced parts? Each part is its own pipeline, so
    # its ordering and slice apply inside it.
    supports_slicing_ordering_in_compound = True

    # Which values have native types? Booleans, dates, binary data and UUIDs map onto BSON
    # types; durations are stored as integer microseconds.
    has_native_uuid_field = True
    has_native_duration_field = False
    supports_temporal_subtraction = True
    supports_timezones = False
    has_zoneinfo_database = True
    allows_auto_pk_0 = True
    supports_boolean_expr_in_select_clause = True

    # Can an UPDATE read the collection it updates in one statement? The update compiler picks
    # the matching ids first when a filter spans several collections.
    update_can_self_select = False

    # Are there transactions and savepoints? Only when a plugin manages them for this
    # connection (djongo_provide_transaction_manager, e.g. the transactions plugin); without one each
    # write is atomic on its own and atomic() blocks are not rolled back. The plugin host
    # answers, not the server: Django's TestCase asks before the first query.
    @cached_property
    def supports_transactions(self):
        return self.connection.transaction_manager is not None

    @property
    def uses_savepoints(self):
        return self.supports_transactions

    @property
    def can_release_savepoints(self):
        return self.supports_transactions

    # Does a failed command make the whole transaction unusable until it is rolled back? No:
    # the transaction goes on without the failed command, as on SQLite and MySQL (the
    # transactions plugin rebuilds it when MongoDB has aborted it).
    atomic_transactions = False

    # QuerySet.explain() runs MongoDB's explain command (verbosity=... as an option), shown
    # as indented text by default or as JSON.
    supports_explaining_query_execution = True
    supported_explain_formats = {"JSON", "TEXT"}

    # Ordering: MongoDB sorts null before every value ascending, like SQLite.
    nulls_order_largest = False
    supports_order_by_nulls_modifier = False
    # distinct(*fields), PostgreSQL's DISTINCT ON: a $sort, then a $group keeping each group's
    # $first row (compiler/distinct.py).
    can_distinct_on_fields = True

    # Introspection reads collections, not tables with SQL types.
    can_introspect_default = False
    introspected_field_types = {
        **BaseDatabaseFeatures.introspected_field_types,
        "AutoField": "AutoField",
        "BigAutoField": "BigAutoField",
        "SmallAutoField": "SmallAutoField",
    }

    # Do schema changes need a model's table rebuilt? No: documents are schemaless; fields are
    # added, renamed and removed document by document.
    connection_persists_old_columns = False

    # Which of Django's own tests cannot apply to MongoDB? Grouped by reason in
    # djongo_core/django_test_skips.py; a test that fails for a reason the backend could fix
    # is not listed. Cached rather than computed each time, so that it can be replaced on an
    # instance as Django's own test of the marking does.
    @cached_property
    def django_test_skips(self):
        return skips_for_django(django.VERSION)

    # Which of Django's own tests fail only because of the embedded engine? Expected failures
    # there, each pointing at its docs/engine-deviations.md entry; on MongoDB they must pass.
    @cached_property
    def django_test_expected_failures(self):
        if not is_embedded_host(self.connection.settings_dict.get("HOST") or ""):
            return set()
        return set().union(*ENGINE_DEVIATION_FAILURES.values())
