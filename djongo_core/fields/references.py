"""ArrayReferenceField: a list of another model's keys kept in the document, used like a
many-to-many relation without a join collection.

    class Article(models.Model):
        tags = ArrayReferenceField("Tag", blank=True)

    article.tags.add(python, django)   # stores [python.pk, django.pk] under "tags"
    article.tags.all()                 # the Tag objects
    article.tags_ids                   # [1, 2]
    Article(tags=[python])             # assigned keys are stored by save(), like other fields
    Article.objects.filter(tags=python)                  # any member is python
    Article.objects.filter(tags__name__startswith="dj")  # through the referenced model
    Article.objects.prefetch_related("tags")
"""

import copy

from django.core import checks, exceptions
from django.db import models, router
from django.db.models.fields.related import lazy_related_operation
from django.db.models.lookups import Lookup, Transform
from django.db.models.sql.query import Query
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from djongo_core.fields.arrays import ArrayField


class ArrayReferenceField(ArrayField):
    """A list of keys of `to`'s objects; `instance.<name>` is a manager over them and
    `instance.<name>_ids` the stored list."""

    description = _("List of references")

    def __init__(self, to, **kwargs):
        kwargs.pop("base_field", None)  # migrations pass it back; it follows from `to`
        self.to = to
        kwargs.setdefault("default", list)
        super().__init__(base_field=None, **kwargs)

    @property
    def base_field(self):
        """The referenced model's primary key: it converts each stored key."""
        return self.target._meta.pk

    @base_field.setter
    def base_field(self, value):
        pass  # The item field always follows the referenced model's key.

    @property
    def target(self):
        if isinstance(self.to, str):
            raise exceptions.ImproperlyConfigured(
                f"ArrayReferenceField {self.name!r} refers to {self.to!r}, which is not installed "
                "or does not exist.")
        return self.to

    def contribute_to_class(self, cls, name, **kwargs):
        models.Field.contribute_to_class(self, cls, name, **kwargs)
        setattr(cls, self.name, ReferenceListDescriptor(self))

        def resolve(model, target, field=self):
            field.to = target

        lazy_related_operation(resolve, cls, self.to)

    def get_attname(self):
        return f"{self.name}_ids"

    def get_attname_column(self):
        attname = self.get_attname()
        return attname, self.db_column or self.name

    def check(self, **kwargs):
        errors = models.Field.check(self, **kwargs)
        if isinstance(self.to, str):
            errors.append(checks.Error(
                f"ArrayReferenceField refers to {self.to!r}, which is not installed or does not "
                "exist.", obj=self, id="djongo_core.E121"))
        return errors

    def deconstruct(self):
        name, path, args, kwargs = models.Field.deconstruct(self)
        path = "djongo_core.fields.ArrayReferenceField"
        kwargs["to"] = self.to if isinstance(self.to, str) else self.to._meta.label
        if kwargs.get("default") is list:
            del kwargs["default"]
        return name, path, args, kwargs

    def get_internal_type(self):
        return "ArrayReferenceField"

    def get_prep_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return [self._key(item) for item in value]

    def _key(self, item):
        if isinstance(item, models.Model):
            if not isinstance(item, self.target):
                raise TypeError(
                    f"{self.model.__name__}.{self.name} refers to {self.target.__name__} "
                    f"objects, not {type(item).__name__}.")
            if item.pk is None:
                raise ValueError(
                    f"{item!r} must be saved before it can be referenced from "
                    f"{self.model.__name__}.{self.name}.")
            item = item.pk
        return self.base_field.get_prep_value(item)

    def save_form_data(self, instance, data):
        setattr(instance, self.attname, self.get_prep_value(list(data or [])))

    def formfield(self, **kwargs):
        from django import forms

        return models.Field.formfield(self, **{
            "form_class": forms.ModelMultipleChoiceField,
            "queryset": self.target._default_manager.all(), **kwargs})

    def get_transform(self, name):
        transform = super().get_transform(name)
        if transform is not None or isinstance(self.to, str):
            return transform
        try:
            field = self.target._meta.get_field(name)
        except exceptions.FieldDoesNotExist:
            return None
        if field.is_relation and field.auto_created:
            return None
        return ReferencedFieldTransformFactory(field)


class ReferenceMemberLookup(Lookup):
    """A referenced object (or its key) is among the list's members."""

    def get_prep_lookup(self):
        if hasattr(self.rhs, "resolve_expression"):
            return self.rhs
        return self.lhs.output_field._key(self.rhs)

    def db_values(self, connection):
        field = self.lhs.output_field
        return [field.base_field.get_db_prep_value(self.rhs, connection, prepared=True)]


@ArrayReferenceField.register_lookup
class ReferenceExact(ReferenceMemberLookup):
    lookup_name = "exact"


@ArrayReferenceField.register_lookup
class ReferenceIn(ReferenceMemberLookup):
    """Any of the given objects (or keys, or a queryset's objects) is a member."""

    lookup_name = "in"

    def get_prep_lookup(self):
        if isinstance(self.rhs, Query) and not self.rhs.has_select_fields:
            # A queryset of the referenced model stands for its keys, as with `pk__in=`.
            self.rhs.clear_select_clause()
            self.rhs.add_fields(["pk"])
        if hasattr(self.rhs, "resolve_expression"):
            return self.rhs
        return [self.lhs.output_field._key(item) for item in self.rhs]

    def db_values(self, connection):
        field = self.lhs.output_field
        return [field.base_field.get_db_prep_value(item, connection, prepared=True)
                for item in self.rhs]


class ReferencedFieldTransform(Transform):
    """A field of the referenced objects (`tags__name`): a lookup on it matches when any
    referenced object's field does."""

    def __init__(self, field, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.referenced_field = field

    @property
    def output_field(self):
        return self.referenced_field

    def referenced_keys(self, lookup):
        """Return a query of the keys of the referenced model's objects matching lookup."""
        field = self.referenced_field
        condition = {f"{field.name}__{lookup.lookup_name}": lookup.rhs}
        return field.model._base_manager.filter(**condition).values("pk").query


class ReferencedFieldTransformFactory:
    def __init__(self, field):
        self.field = field

    def __call__(self, *args, **kwargs):
        return ReferencedFieldTransform(self.field, *args, **kwargs)


class ReferenceListDescriptor:
    """`instance.<name>`: a manager over the referenced objects."""

    def __init__(self, field):
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return self.manager_class(instance)

    def __set__(self, instance, value):
        # Model(tags=[...]), the deserializers and forms assign a list of objects or keys;
        # it is stored on save() like any other field's value.
        keys = None if value is None else self.field.get_prep_value(list(value))
        setattr(instance, self.field.attname, keys)
        instance.__dict__.get("_prefetched_objects_cache", {}).pop(self.field.name, None)

    @cached_property
    def manager_class(self):
        return reference_manager_class(self.field)


def reference_manager_class(field):
    """Return a manager class over field's referenced objects, built on the referenced
    model's default manager (so its custom methods are there too)."""

    class ReferenceListManager(field.target._default_manager.__class__):
        def __init__(self, instance):
            super().__init__()
            self.model = field.target
            self.instance = instance
            self.field = field

        def _keys(self):
            return list(getattr(self.instance, field.attname) or [])

        def _apply_rel_filters(self, queryset):
            database = self._db or router.db_for_read(self.model, instance=self.instance)
            return queryset.using(database).filter(pk__in=self._keys())

        def get_queryset(self):
            cache = getattr(self.instance, "_prefetched_objects_cache", {})
            if field.name in cache:
                return cache[field.name]
            return self._apply_rel_filters(super().get_queryset())

        def get_prefetch_querysets(self, instances, querysets=None):
            queryset = querysets[0] if querysets else super().get_queryset()
            keys = {key for instance in instances
                    for key in getattr(instance, field.attname) or []}
            targets = {obj.pk: obj for obj in queryset.filter(pk__in=keys)}
            # One object per (owner, key), in the list's order: an object several owners
            # refer to is copied, so each copy can name its owner.
            rows = _PrefetchedRows(queryset)
            for instance in instances:
                for key in getattr(instance, field.attname) or []:
                    if key in targets:
                        row = copy.copy(targets[key])
                        row._reference_owner = instance.pk
                        rows.append(row)
            return (rows, lambda row: row._reference_owner, lambda instance: instance.pk,
                    False, field.name, False)

        def _save_keys(self, keys):
            instance = self.instance
            if instance.pk is None:
                raise ValueError(
                    f"{instance!r} needs a primary key before {field.name} can be changed.")
            setattr(instance, field.attname, keys)
            database = router.db_for_write(type(instance), instance=instance)
            type(instance)._base_manager.using(database).filter(pk=instance.pk).update(
                **{field.name: keys})
            instance.__dict__.get("_prefetched_objects_cache", {}).pop(field.name, None)

        def add(self, *objs):
            self._save_keys(_without_repeats(self._keys(), objs))

        add.alters_data = True

        def remove(self, *objs):
            removed = {field._key(obj) for obj in objs}
            self._save_keys([key for key in self._keys() if key not in removed])

        remove.alters_data = True

        def clear(self):
            self._save_keys([])

        clear.alters_data = True

        def set(self, objs):
            self._save_keys(_without_repeats([], objs))

        set.alters_data = True

    def _without_repeats(keys, objs):
        """Return keys followed by the keys of objs that are not among them yet."""
        keys = list(keys)
        for obj in objs:
            key = field._key(obj)
            if key not in keys:
                keys.append(key)
        return keys

    return ReferenceListManager


class _PrefetchedRows(list):
    """Prefetched objects, carrying the queryset's own nested prefetches onwards."""

    def __init__(self, queryset):
        super().__init__()
        self._prefetch_related_lookups = getattr(queryset, "_prefetch_related_lookups", ())
