from django.db.backends.base.features import BaseDatabaseFeatures
from django.utils.functional import cached_property


class DatabaseFeatures(BaseDatabaseFeatures):
    minimum_database_version = (7, 0)

    # Does the backend keep NULLs in unique indexes apart? A unique index in MongoDB treats
    # null (and missing) as a value, so two NULLs collide unless the index is partial.
    supports_nullable_unique_constraints = False
    supports_partially_nullable_unique_constraints = False

    # Can an insert hand back the values MongoDB stored? The backend knows every _id it
    # inserts (counter values or ObjectIds), for one object and for a batch.
    can_return_columns_from_insert = True
    can_return_rows_from_bulk_insert = True
    has_bulk_insert = True
    supports_ignore_conflicts = True

    # Is there SQL? No: raw cursors, SQL functions and SQL-only clauses do not apply.
    supports_select_for_update_with_limit = False
    has_select_for_update = False
    can_use_chunked_reads = True
    supports_regex_backreferencing = False
    supports_sequence_reset = False
    can_introspect_foreign_keys = False
    supports_foreign_keys = False
    supports_forward_references = False
    can_rollback_ddl = False
    supports_column_check_constraints = False
    supports_table_check_constraints = False
    supports_comments = False
    supports_stored_generated_columns = False
    supports_virtual_generated_columns = False
    supports_expression_defaults = False
    supports_expression_indexes = False
    supports_json_field_contains = False
    supports_over_clause = False
    supports_subqueries_in_group_by = False

    # Which aggregate clauses compile? filter= becomes a condition inside the accumulator;
    # ordering inside an aggregate (StringAgg(order_by=...)) is not supported yet.
    supports_aggregate_filter_clause = True
    supports_aggregate_order_by_clause = False

    # Does Greatest/Least skip nulls? Yes: they are $max/$min, which ignore nulls.
    greatest_least_ignores_nulls = True
    # Is there ANY_VALUE()? AnyValue is the $first accumulator.
    supports_any_value = True
    # How many fractional digits do times keep? BSON dates hold milliseconds.
    time_cast_precision = 3
    # Can the database itself cascade deletes (on_delete=DB_CASCADE...)? MongoDB has no
    # foreign keys; Django's collector does the cascading.
    supports_on_delete_db_cascade = False
    supports_on_delete_db_default = False
    supports_on_delete_db_null = False

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
    # connection (djongo_transaction_manager, e.g. the transactions plugin); without one each
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

    # Ordering: MongoDB sorts null before every value ascending, like SQLite.
    nulls_order_largest = False
    supports_order_by_nulls_modifier = False

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

    @cached_property
    def django_test_skips(self):
        # Filled in by the conformance work: each skip is grouped under the reason it cannot
        # apply to MongoDB.
        return {}
