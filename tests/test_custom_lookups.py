"""Custom lookups: a subclass keeping a built-in lookup's SQL is translated as that lookup; one
with SQL of its own is refused with a clear error."""

import pytest
from django.db import NotSupportedError
from django.db.models import CharField, Lookup
from django.db.models.lookups import Exact, IsNull
from django.test.utils import register_lookup

from tests.testapp.models import Author

pytestmark = pytest.mark.usefixtures("db")


class IsNullAlias(IsNull):
    lookup_name = "isnull_alias"
    can_use_none_as_rhs = True


class NotEqual(Lookup):
    lookup_name = "ne"

    def as_sql(self, compiler, connection):  # pragma: no cover - SQL backends only
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} <> {rhs}", [*lhs_params, *rhs_params]


class ExactWithOwnSql(Exact):
    lookup_name = "exact_own"

    def as_sql(self, compiler, connection):  # pragma: no cover - SQL backends only
        return super().as_sql(compiler, connection)


def test_a_subclass_keeping_the_builtin_sql_is_that_lookup():
    Author.objects.create(name="Ann", email=None)
    Author.objects.create(name="Bob", email="bob@example.com")
    with register_lookup(CharField, IsNullAlias):
        assert list(Author.objects.filter(email__isnull_alias=True).values_list(
            "name", flat=True)) == ["Ann"]


@pytest.mark.parametrize("lookup", [NotEqual, ExactWithOwnSql])
def test_a_lookup_with_its_own_sql_is_refused(lookup):
    with register_lookup(CharField, lookup), pytest.raises(NotSupportedError,
                                                           match=lookup.__name__):
        list(Author.objects.filter(**{f"name__{lookup.lookup_name}": "Ann"}))
