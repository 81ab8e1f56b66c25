"""Indexes and unique constraints on expressions: hidden keys the server keeps computed on
every ORM write, with the MongoDB index built on them (djongo_core/expression_indexes.py)."""

import pytest
from django.db import IntegrityError, NotSupportedError, connection, models
from django.db.models import F, Index, Q, UniqueConstraint
from django.db.models.functions import Abs, Lower, Random, Upper
from django.db.models.sql import UpdateQuery
from django.test.utils import isolate_apps

from djongo_core.expression_indexes import is_hidden_key

pytestmark = pytest.mark.usefixtures("db")

EMAIL_KEY = "__djongo_expr__account_email_ci__0"
# Lower("email") as the compiler writes it (null where email is null, as SQL's LOWER), then
# left out of the document where it is null.
LOWER_EMAIL = {"$cond": [{"$ne": [{"$ifNull": ["$email", None]}, None]},
                         {"$toLower": "$email"}, None]}
EMAIL_VALUE = {"$let": {"vars": {"indexed": LOWER_EMAIL}, "in": {
    "$cond": [{"$ne": [{"$ifNull": ["$$indexed", None]}, None]}, "$$indexed", "$$REMOVE"]}}}


def _define(name, meta):
    """Define a model in an isolated registry (app testapp)."""
    registry = isolate_apps("tests.testapp")
    registry.enable()
    try:
        attrs = {
            "__module__": __name__,
            "email": models.CharField(max_length=100, null=True),
            "code": models.CharField(max_length=20, default=""),
            "kind": models.CharField(max_length=20, default="user"),
            "score": models.IntegerField(default=0),
            "Meta": type("Meta", (), {"app_label": "testapp", **meta}),
        }
        return type(name, (models.Model,), attrs)
    finally:
        registry.disable()


@pytest.fixture
def make_model():
    created = []

    def make(name="Account", create=True, **meta):
        model = _define(name, meta)
        if create:
            with connection.schema_editor() as editor:
                editor.create_model(model)
        created.append(model)
        return model

    yield make
    with connection.schema_editor() as editor:
        for model in created:
            if model._meta.db_table in connection.introspection.table_names():
                editor.delete_model(model)


def _documents(model):
    return list(connection.mongo_database[model._meta.db_table].find(sort=[("_id", 1)]))


def _index(model, name):
    return connection.mongo_database[model._meta.db_table].index_information().get(name)


CI_EMAIL = UniqueConstraint(Lower("email"), name="account_email_ci")


def test_unique_lower_builds_a_unique_partial_index_on_the_hidden_key(make_model):
    Account = make_model(constraints=[CI_EMAIL])
    info = _index(Account, "account_email_ci")
    assert info["key"] == [(EMAIL_KEY, 1)]
    assert info["unique"] is True
    assert info["partialFilterExpression"] == {EMAIL_KEY: {"$exists": True}}


def test_duplicate_differing_only_by_case_raises_integrity_error_naming_the_constraint(
        make_model):
    Account = make_model(constraints=[CI_EMAIL])
    Account.objects.create(email="Ann@Example.com")
    with pytest.raises(IntegrityError, match="account_email_ci"):
        Account.objects.create(email="ann@example.COM")
    assert Account.objects.count() == 1


def test_insert_stores_the_server_computed_key_and_reads_never_show_it(make_model):
    Account = make_model(constraints=[CI_EMAIL])
    account = Account.objects.create(email="Ann@Example.com")
    assert _documents(Account)[0][EMAIL_KEY] == "ann@example.com"
    assert list(Account.objects.values()) == [
        {"id": account.pk, "email": "Ann@Example.com", "code": "", "kind": "user", "score": 0}]
    assert not any(is_hidden_key(key) for key in vars(Account.objects.get()))


def test_nulls_are_distinct_and_store_no_key(make_model):
    Account = make_model(constraints=[CI_EMAIL])
    Account.objects.create(email=None)
    Account.objects.create(email=None)
    assert [EMAIL_KEY in document for document in _documents(Account)] == [False, False]


def test_bulk_create_computes_every_key_and_refuses_a_duplicate(make_model):
    Account = make_model(constraints=[CI_EMAIL])
    Account.objects.bulk_create([Account(email="A@x.org"), Account(email="B@x.org")])
    assert [d[EMAIL_KEY] for d in _documents(Account)] == ["a@x.org", "b@x.org"]
    with pytest.raises(IntegrityError, match="account_email_ci"):
        Account.objects.bulk_create([Account(email="C@x.org"), Account(email="c@X.org")])


def test_update_that_makes_two_rows_collide_raises(make_model):
    Account = make_model(constraints=[CI_EMAIL])
    Account.objects.create(email="ann@example.com")
    bob = Account.objects.create(email="bob@example.com")
    with pytest.raises(IntegrityError, match="account_email_ci"):
        Account.objects.filter(pk=bob.pk).update(email="ANN@example.com")
    bob.email = "Ann@Example.com"
    with pytest.raises(IntegrityError, match="account_email_ci"):
        bob.save()


def test_save_update_and_bulk_update_recompute_the_key(make_model):
    Account = make_model(constraints=[CI_EMAIL])
    account = Account.objects.create(email="Ann@Example.com")
    account.email = "Carol@Example.com"
    account.save()
    assert _documents(Account)[0][EMAIL_KEY] == "carol@example.com"
    Account.objects.update(email=Upper(F("email")))
    assert _documents(Account)[0][EMAIL_KEY] == "carol@example.com"
    account.email = "Dan@Example.com"
    Account.objects.bulk_update([account], ["email"])
    assert _documents(Account)[0][EMAIL_KEY] == "dan@example.com"
    Account.objects.update(email=None)
    assert EMAIL_KEY not in _documents(Account)[0]


def _update_command(model, **values):
    query = model.objects.filter(pk=1).query.chain(UpdateQuery)
    query.add_update_values(values)
    return query.get_compiler(connection=connection)._command()


def test_update_of_other_fields_leaves_the_key_alone(make_model):
    Account = make_model(constraints=[CI_EMAIL])
    assert _update_command(Account, score=3).args == ({"_id": 1}, {"$set": {"score": 3}})


def test_update_pipeline_recomputes_the_key_with_the_compilers_mql(make_model):
    Account = make_model(constraints=[CI_EMAIL])
    assert _update_command(Account, email="X@y.org").args == ({"_id": 1}, [
        {"$set": {"email": "X@y.org"}},
        {"$set": {EMAIL_KEY: EMAIL_VALUE}},
    ])


def test_add_constraint_backfills_existing_documents_then_builds_the_index(make_model):
    Account = make_model()
    Account.objects.create(email="Ann@Example.com")
    Account.objects.create(email=None)
    with connection.schema_editor() as editor:
        editor.add_constraint(Account, CI_EMAIL)
    documents = _documents(Account)
    assert documents[0][EMAIL_KEY] == "ann@example.com"
    assert EMAIL_KEY not in documents[1]
    assert _index(Account, "account_email_ci")["unique"] is True


def test_add_constraint_over_duplicates_fails_and_names_it(make_model):
    Account = make_model()
    Account.objects.create(email="Ann@Example.com")
    Account.objects.create(email="ann@example.com")
    with pytest.raises(IntegrityError), connection.schema_editor() as editor:
        editor.add_constraint(Account, CI_EMAIL)
    assert _index(Account, "account_email_ci") is None


def test_remove_constraint_drops_the_index_and_the_hidden_keys(make_model):
    Account = make_model(constraints=[CI_EMAIL])
    Account.objects.create(email="Ann@Example.com")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Account, CI_EMAIL)
    assert _index(Account, "account_email_ci") is None
    assert not any(is_hidden_key(key) for key in _documents(Account)[0])


def test_index_on_an_expression_and_a_descending_column(make_model):
    index = Index(Upper("code").desc(), F("kind"), name="account_code_idx")
    Account = make_model(indexes=[index])
    Account.objects.create(code="ab")
    info = _index(Account, "account_code_idx")
    assert info["key"] == [("__djongo_expr__account_code_idx__0", -1), ("kind", 1)]
    assert not info.get("unique")
    assert _documents(Account)[0]["__djongo_expr__account_code_idx__0"] == "AB"


def test_an_index_on_columns_only_holds_the_columns_and_no_hidden_key(make_model):
    Account = make_model(indexes=[Index(F("kind").desc(), name="account_kind_idx")])
    Account.objects.create()
    assert _index(Account, "account_kind_idx")["key"] == [("kind", -1)]
    assert not any(is_hidden_key(key) for key in _documents(Account)[0])


def test_conditional_expression_unique_constraint_is_a_partial_index(make_model):
    constraint = UniqueConstraint(Lower("email"), condition=Q(kind="staff"),
                                  name="account_staff_email")
    Account = make_model(constraints=[constraint])
    key = "__djongo_expr__account_staff_email__0"
    assert _index(Account, "account_staff_email")["partialFilterExpression"] == {
        "kind": "staff", key: {"$exists": True}}
    Account.objects.create(email="a@x.org", kind="user")
    Account.objects.create(email="A@x.org", kind="user")
    Account.objects.create(email="a@X.org", kind="staff")
    with pytest.raises(IntegrityError, match="account_staff_email"):
        Account.objects.create(email="A@x.ORG", kind="staff")


def test_expression_and_field_unique_together(make_model):
    constraint = UniqueConstraint(Lower("email"), "kind", name="account_email_kind")
    Account = make_model(constraints=[constraint])
    Account.objects.create(email="a@x.org", kind="user")
    Account.objects.create(email="A@x.org", kind="staff")
    with pytest.raises(IntegrityError, match="account_email_kind"):
        Account.objects.create(email="A@X.org", kind="user")


def test_untranslatable_expression_is_refused_naming_model_index_and_expression(make_model):
    class Untranslatable(models.Func):
        function = "SOUNDEX"
        template = "SOUNDEX(%(expressions)s)"

    Account = make_model(create=False)
    index = Index(Untranslatable("email"), name="account_soundex_idx")
    with pytest.raises(NotSupportedError) as caught, connection.schema_editor() as editor:
        editor.create_model(Account)
        editor.add_index(Account, index)
    message = str(caught.value)
    assert "testapp.Account" in message and "account_soundex_idx" in message
    assert "SOUNDEX" in message or "Untranslatable" in message


def test_nondeterministic_expression_is_refused(make_model):
    Account = make_model()
    with pytest.raises(NotSupportedError, match="account_random_idx"), \
            connection.schema_editor() as editor:
        editor.add_index(Account, Index(Random(), name="account_random_idx"))


def test_introspection_reports_the_index_under_its_name(make_model):
    Account = make_model(constraints=[CI_EMAIL], indexes=[Index(Abs("score"), "kind",
                                                                name="account_abs_idx")])
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Account._meta.db_table)
    assert constraints["account_email_ci"]["unique"] is True
    assert constraints["account_email_ci"]["columns"] == [None]
    assert constraints["account_abs_idx"]["columns"] == [None, "kind"]
    assert constraints["account_abs_idx"]["index"] is True


def test_table_description_leaves_hidden_keys_out(make_model):
    Account = make_model(constraints=[CI_EMAIL])
    Account.objects.create(email="Ann@Example.com")
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(
            cursor, Account._meta.db_table)
    assert not any(is_hidden_key(column.name) for column in described)


def test_a_column_named_like_a_hidden_key_is_refused_by_the_checks():
    registry = isolate_apps("tests.testapp")
    registry.enable()
    try:
        class Clash(models.Model):
            name = models.CharField(max_length=10, db_column="__djongo_expr__x__0")

            class Meta:
                app_label = "testapp"
    finally:
        registry.disable()
    field = Clash._meta.get_field("name")
    issues = connection.validation.check_field(field)
    assert [issue.id for issue in issues] == ["djongo_core.E160"]


def test_mongo_passthrough_reads_leave_hidden_keys_out(make_model):
    from djongo_core.managers import hiding_keys

    Account = make_model(constraints=[CI_EMAIL])
    opts = Account._meta
    assert hiding_keys(opts, "find", ({},), {}) == (({},), {"projection": {EMAIL_KEY: 0}})
    assert hiding_keys(opts, "find", ({}, {"email": 1}), {}) == (({}, {"email": 1}), {})
    assert hiding_keys(opts, "find_one", ({},), {"projection": {"kind": 0}}) == (
        ({},), {"projection": {"kind": 0, EMAIL_KEY: 0}})
    assert hiding_keys(opts, "aggregate", ([{"$match": {}}],), {}) == (
        ([{"$match": {}}, {"$unset": [EMAIL_KEY]}],), {})
    assert hiding_keys(opts, "find_one_and_update", ({}, {"$set": {"kind": "x"}}, {"_id": 0}),
                       {}) == (({}, {"$set": {"kind": "x"}}, {"_id": 0, EMAIL_KEY: 0}), {})
    out = [{"$match": {}}, {"$out": "copy"}]
    assert hiding_keys(opts, "aggregate", (out,), {}) == ((out,), {})


def test_altering_the_type_of_a_field_an_expression_reads_recomputes_the_key(make_model):
    from tests.test_generated_fields import recorded

    Account = make_model(indexes=[Index(Abs("score"), name="account_abs_idx")])
    Account.objects.create(score=-4)
    old_field = Account._meta.get_field("score")
    new_field = models.FloatField(default=0)
    new_field.set_attributes_from_name("score")
    new_field.model = Account
    with recorded() as commands, connection.schema_editor() as editor:
        editor.alter_field(Account, old_field, new_field)
    key = "__djongo_expr__account_abs_idx__0"
    absolute = {"$cond": [{"$ne": [{"$ifNull": ["$score", None]}, None]}, {"$abs": "$score"},
                          None]}
    # After the values are converted, the key is computed again from the converted values.
    assert commands[-1].operation == "update_many"
    assert commands[-1].args == ({}, [{"$set": {key: {"$let": {
        "vars": {"indexed": absolute},
        "in": {"$cond": [{"$ne": [{"$ifNull": ["$$indexed", None]}, None]}, "$$indexed",
                         "$$REMOVE"]}}}}}])
    document = _documents(Account)[0]
    assert document["score"] == -4.0 and document[key] == 4


def test_create_computes_the_key_in_the_insert_pipeline_then_inserts(make_model):
    from tests.test_generated_fields import documents_stages, recorded

    Account = make_model(constraints=[CI_EMAIL])
    with recorded() as commands:
        account = Account.objects.create(email="Ann@X.org")
    table = Account._meta.db_table
    assert [(c.collection, c.operation) for c in commands] == [
        (None, "aggregate"), (table, "insert_one")]
    document = {"email": "Ann@X.org", "code": "", "kind": "user", "score": 0, "_id": account.pk}
    assert commands[0].args[0] == [
        *documents_stages([document]),
        {"$set": {EMAIL_KEY: EMAIL_VALUE}},
        {"$project": {"_id": 0, EMAIL_KEY: 1}},
    ]
    assert commands[1].args == ({**document, EMAIL_KEY: "ann@x.org"},)


def test_bulk_create_update_conflicts_recomputes_the_updated_documents(make_model):
    Account = make_model(constraints=[CI_EMAIL])
    ann = Account.objects.create(email="Ann@X.org", code="a")
    Account.objects.bulk_create(
        [Account(pk=ann.pk, email="Zed@X.org", code="z"), Account(email="New@X.org")],
        update_conflicts=True, unique_fields=["pk"], update_fields=["email"])
    assert [(d["email"], d[EMAIL_KEY]) for d in _documents(Account)] == [
        ("Zed@X.org", "zed@x.org"), ("New@X.org", "new@x.org")]
    with pytest.raises(IntegrityError, match="account_email_ci"):
        Account.objects.bulk_create(
            [Account(pk=ann.pk, email="NEW@x.org")],
            update_conflicts=True, unique_fields=["pk"], update_fields=["email"])
    # The refused update left the document as it was, its key agreeing with its email.
    assert [(d["email"], d[EMAIL_KEY]) for d in _documents(Account)][0] == (
        "Zed@X.org", "zed@x.org")


def test_raw_reads_leave_hidden_keys_out(make_model):
    from djongo_core.managers import MongoManager
    from djongo_core.raw import raw_aggregate

    Account = make_model(constraints=[CI_EMAIL])
    Account.objects.create(email="Ann@X.org")
    (row,) = raw_aggregate(Account, [{"$match": {}}])
    assert not any(is_hidden_key(name) for name in vars(row))
    manager = MongoManager()
    manager.model = Account
    assert EMAIL_KEY not in manager.mongo_find_one({})
    assert all(EMAIL_KEY not in d for d in manager.mongo_find({}))
    assert all(EMAIL_KEY not in d for d in manager.mongo_aggregate([{"$match": {}}]))


def test_schemadrift_does_not_report_hidden_keys(make_model):
    from djongo_core import drift

    Account = make_model(constraints=[CI_EMAIL])
    Account.objects.create(email="Ann@X.org")
    assert drift.measure(connection, Account).unknown == {}


def test_rename_index_moves_the_keys_to_the_new_name(make_model):
    old = Index(Upper("code"), name="account_code_old")
    new = Index(Upper("code"), name="account_code_new")
    Account = make_model(indexes=[old])
    Account.objects.create(code="ab")
    with connection.schema_editor() as editor:
        editor.rename_index(Account, old, new)
    document = _documents(Account)[0]
    assert document.get("__djongo_expr__account_code_new__0") == "AB"
    assert "__djongo_expr__account_code_old__0" not in document
    assert _index(Account, "account_code_old") is None
    assert _index(Account, "account_code_new")["key"] == [("__djongo_expr__account_code_new__0", 1)]


def test_nonexistent_field_is_djangos_field_error(make_model):
    from django.core.exceptions import FieldError

    Account = make_model()
    with pytest.raises(FieldError, match="Cannot resolve keyword 'nope'"), \
            connection.schema_editor() as editor:
        editor.add_index(Account, Index(Lower("nope"), name="account_nope_idx"))


def test_check_reports_an_untranslatable_expression_before_migrate():
    class Soundex(models.Func):
        function = "SOUNDEX"
        template = "SOUNDEX(%(expressions)s)"

    Account = _define("Unindexable", {"indexes": [Index(Soundex("email"), name="u_soundex")]})
    issues = connection.validation._untranslatable_expressions(Account)
    assert [issue.id for issue in issues] == ["djongo_core.E161"]
    assert "u_soundex" in issues[0].msg and "testapp.Unindexable" in issues[0].msg


def test_nulls_not_distinct_count_null_as_one_value(make_model):
    constraint = UniqueConstraint(Lower("email"), nulls_distinct=False, name="account_email_nd")
    Account = make_model(constraints=[constraint])
    assert "partialFilterExpression" not in _index(Account, "account_email_nd")
    Account.objects.create(email=None)
    with pytest.raises(IntegrityError, match="account_email_nd"):
        Account.objects.create(email=None)


def test_key_reading_a_virtual_generated_field_follows_its_sources():
    from django.db.models import GeneratedField
    from django.db.models.functions import Concat

    registry = isolate_apps("tests.testapp")
    registry.enable()
    try:
        class Badge(models.Model):
            first = models.CharField(max_length=20)
            last = models.CharField(max_length=20)
            full = GeneratedField(expression=Concat("first", "last"),
                                  output_field=models.CharField(max_length=40), db_persist=False)

            class Meta:
                app_label = "testapp"
                constraints = [UniqueConstraint(Lower("full"), name="badge_full_ci")]
    finally:
        registry.disable()
    with connection.schema_editor() as editor:
        editor.create_model(Badge)
    try:
        Badge.objects.create(first="Ann", last="Lee")
        other = Badge.objects.create(first="Bob", last="Lee")
        with pytest.raises(IntegrityError, match="badge_full_ci"):
            Badge.objects.filter(pk=other.pk).update(first="ANN")
        Badge.objects.filter(pk=other.pk).update(first="Cy")
        assert _documents(Badge)[1]["__djongo_expr__badge_full_ci__0"] == "cylee"
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Badge)


def test_writes_through_a_proxy_model_keep_the_keys(make_model):
    Account = make_model(constraints=[CI_EMAIL])
    registry = isolate_apps("tests.testapp")
    registry.enable()
    try:
        class Member(Account):
            class Meta:
                proxy = True
                app_label = "testapp"
    finally:
        registry.disable()
    member = Member.objects.create(email="Ann@X.org")
    Member.objects.filter(pk=member.pk).update(email="Bea@X.org")
    assert _documents(Account)[0][EMAIL_KEY] == "bea@x.org"
    with pytest.raises(IntegrityError, match="account_email_ci"):
        Member.objects.create(email="BEA@x.org")


def test_update_through_a_proxy_recomputes_stored_generated_fields():
    from tests.testapp.models import Rectangle

    registry = isolate_apps("tests.testapp")
    registry.enable()
    try:
        class Square(Rectangle):
            class Meta:
                proxy = True
                app_label = "testapp"
    finally:
        registry.disable()
    square = Square.objects.create(width=2, height=2)
    Square.objects.filter(pk=square.pk).update(width=5)
    assert Rectangle.objects.get(pk=square.pk).area == 10
