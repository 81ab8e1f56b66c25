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

    # Set operations (union, intersection, difference) are not supported yet.
    supports_select_union = False
    supports_select_intersection = False
    supports_select_difference = False

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

    # Transactions and savepoints come from the transactions plugin; without it each write is
    # atomic on its own document and atomic() blocks are not rolled back.
    supports_transactions = False
    uses_savepoints = False
    can_release_savepoints = False
    atomic_transactions = False
    autocommits_when_autocommit_is_off = True

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
