"""The module lists, kept in one place: the docs, the CLI and the pytest gate all read them."""

# The yardstick: the modules the backend is measured on (docs/conformance.md compares their total
# with sqlite3's, measured by the runner on the same modules in the same run).
YARDSTICK = (
    "basic", "lookup", "queries", "aggregation", "aggregation_regress", "annotations",
    "expressions", "model_fields", "ordering", "many_to_one", "many_to_many", "one_to_one",
    "select_related", "prefetch_related", "update", "delete", "get_or_create", "bulk_create",
    "transactions", "model_inheritance", "custom_pk", "defer", "null_queries", "dates",
    "datetimes", "db_functions", "auth_tests", "sessions_tests", "admin_views",
    "admin_changelist", "migrations", "schema", "indexes", "constraints", "introspection",
    "generic_relations", "m2m_through", "fixtures", "serializers", "raw_query",
)

# What the schema and migrations work is measured on.
MIGRATIONS = (
    "migrations", "schema", "indexes", "constraints", "introspection", "inspectdb",
    "migrate_signals", "migration_test_data_persistence",
)

# Small modules that together touch saving, get_or_create, updates, every kind of relation,
# deferred fields, dates, fixtures and the schema editor's introspection and indexes, chosen so
# the pytest gate (tests/test_django_conformance.py) stays well under eight minutes on two cores
# (about four when measured; delete, 3 minutes on its own, was left out for that reason).
FAST = ("basic", "get_or_create", "update", "custom_pk", "null_queries", "defer",
        "select_related", "many_to_one", "many_to_many", "one_to_one", "dates", "datetimes",
        "fixtures", "introspection", "indexes")

# Modules the full run (--all) measures beside the yardstick (issue #21): regression tests and
# less travelled corners of the ORM (composite keys, foreign objects, multiple databases,
# order_with_respect_to...). They have a total of their own and never count in the yardstick's.
WIDENED = (
    "backends", "composite_pk", "custom_columns", "db_typecasts", "defer_regress",
    "delete_regress", "distinct_on_fields", "extra_regress", "fixtures_regress",
    "force_insert_update", "foreign_object", "generic_relations_regress",
    "get_earliest_or_latest", "get_object_or_404", "m2m_and_m2o", "m2m_intermediary",
    "m2m_through_regress", "managers_regress", "model_indexes", "model_meta", "multiple_database",
    "mutually_referential", "null_fk", "null_fk_ordering", "order_with_respect_to",
    "select_for_update", "select_related_regress", "unmanaged_models", "xor_lookups",
)

# The sets whose totals the report compares with sqlite3's on the same modules, and the share of
# sqlite3's passes each aims at (issue #21 for the first two, issue #4 for the migrations work).
GOALS = (
    ("yardstick", YARDSTICK, 0.95),
    ("widened set", WIDENED, 0.90),
    ("migrations work", MIGRATIONS, 0.90),
)
