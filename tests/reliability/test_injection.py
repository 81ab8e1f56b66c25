"""Hostile input: user values never become MongoDB operators, field paths or patterns.

Every value below is something an attacker could type into a form or a query string. Each test
stores it and shows that the ORM matches it as plain data: the rows an equality or pattern
lookup returns are exactly the rows Python's own string comparison picks.
"""

import pytest
from django.core.exceptions import FieldError
from django.db import DatabaseError, DataError
from django.db.models import F, Max, Q

from djongo_core.command import Command
from djongo_core.errors import translated_errors
from tests.testapp.models import Author, Note

pytestmark = pytest.mark.usefixtures("db")

# Strings that mean something to MongoDB (operators, paths, JavaScript) or to a regex engine.
HOSTILE_STRINGS = [
    "$where", "$ne", "$gt", "$regex", "$expr", "$", "$$ROOT", "$name",
    "{'$ne': None}", '{"$gt": ""}', "a.b", "name.first", ".", "..", "$.$", "x.$y",
    "this.name == 'x' || true", "function() { return true; }", "'; db.dropDatabase(); '",
    "1; DROP TABLE testapp_author; --", "\x00", "a\x00b", "\\", "%", "_", "*", ".*", "^$",
    "(?i)", "[a-z]+", "\n", "line\n", "é", "🙂",
]
# Documents shaped like query operators, given where a value is expected.
OPERATOR_DOCUMENTS = [
    {"$ne": None}, {"$gt": ""}, {"$regex": ".*"}, {"$where": "true"}, {"$exists": True},
    {"$in": ["a", "b"]}, {"a.b": 1}, {"$expr": {"$eq": [1, 1]}},
]
# Every character PCRE treats specially, alone and in combinations.
METACHARACTER_PATTERNS = [
    ".", "*", "+", "?", "^", "$", "|", "(", ")", "[", "]", "{", "}", "\\", "#", "-", " ",
    ".*", "a.c", "a*", "^a", "c$", "a|b", "(a)", "[ab]", "a{2}", "\\d", "(?i)A", "%", "_", "\n",
]
# Names to search: each pattern above matches some of them literally and must match no other.
SEARCHED_NAMES = [
    "abc", "aac", "a.c", "a*c", "ABC", "Abc", "a|b", "(a)", "[ab]", "aa", "a{2}", "\\d", "1",
    "^a", "c$", "x.*y", "100%", "a_b", "a+b", "who?", "#1", "a-b", "a b", "line\nbreak",
    "end\n", "(?i)A", "",
]
PATTERN_LOOKUPS = {
    "exact": lambda name, text: name == text,
    "iexact": lambda name, text: name.lower() == text.lower(),
    "contains": lambda name, text: text in name,
    "icontains": lambda name, text: text.lower() in name.lower(),
    "startswith": lambda name, text: name.startswith(text),
    "istartswith": lambda name, text: name.lower().startswith(text.lower()),
    "endswith": lambda name, text: name.endswith(text),
    "iendswith": lambda name, text: name.lower().endswith(text.lower()),
}


def names(queryset):
    return sorted(queryset.values_list("name", flat=True))


def test_hostile_strings_are_stored_and_matched_as_plain_values():
    for text in HOSTILE_STRINGS:
        Author.objects.create(name=text)
    decoy = Author.objects.create(name="decoy")
    for text in HOSTILE_STRINGS:
        assert names(Author.objects.filter(name=text)) == [text], text
        assert names(Author.objects.filter(name__in=[text, "absent"])) == [text], text
        assert decoy.name in names(Author.objects.exclude(name=text)), text
        assert text not in names(Author.objects.exclude(name=text)), text
    assert names(Author.objects.all()) == sorted([*HOSTILE_STRINGS, "decoy"])


def test_hostile_strings_in_updates_are_stored_as_given():
    author = Author.objects.create(name="plain")
    for text in HOSTILE_STRINGS:
        assert Author.objects.filter(pk=author.pk).update(name=text) == 1
        assert Author.objects.get(pk=author.pk).name == text
    assert Author.objects.count() == 1


def test_operator_documents_given_to_a_text_field_are_compared_as_their_text():
    # A CharField turns any value into text first, so a document is never an operator.
    Author.objects.create(name="ann")
    for document in OPERATOR_DOCUMENTS:
        assert names(Author.objects.filter(name=document)) == [], document
        Author.objects.create(name=str(document))
        assert names(Author.objects.filter(name=document)) == [str(document)], document


def test_operator_documents_given_to_a_number_field_are_refused():
    Author.objects.create(name="ann", age=3)
    for document in OPERATOR_DOCUMENTS:
        with pytest.raises(TypeError, match="expected a number"):
            Author.objects.filter(age=document)


def test_operator_documents_as_json_values_match_only_equal_documents():
    stored = {repr(document): Note.objects.create(text=repr(document), data=document)
              for document in OPERATOR_DOCUMENTS}
    Note.objects.create(text="number", data=5)
    Note.objects.create(text="string", data="a")
    Note.objects.create(text="object", data={"a": {"b": 1}})
    for document in OPERATOR_DOCUMENTS:
        found = list(Note.objects.filter(data=document).values_list("text", flat=True))
        assert found == [stored[repr(document)].text], document
        assert Note.objects.get(pk=stored[repr(document)].pk).data == document


def test_json_keys_with_dots_or_dollars_are_one_key_not_a_path_or_operator():
    dotted = Note.objects.create(text="dotted", data={"a.b": 2, "$gt": 1, "$where": None})
    nested = Note.objects.create(text="nested", data={"a": {"b": 2}, "gt": 1})
    Note.objects.create(text="scalar", data=7)

    def texts(**lookup):
        return sorted(Note.objects.filter(**lookup).values_list("text", flat=True))

    assert texts(data__has_key="a.b") == [dotted.text]
    assert texts(data__has_key="$gt") == [dotted.text]
    assert texts(data__has_key="$where") == [dotted.text]  # present, with a null value
    assert texts(data__has_key="a\x00b") == []
    assert texts(data__has_keys=["a.b", "$gt"]) == [dotted.text]
    assert texts(data__has_any_keys=["a.b", "gt"]) == [dotted.text, nested.text]
    assert texts(data__a__b=2) == [nested.text]
    assert texts(**{"data__a.b": 2}) == [dotted.text]
    assert texts(**{"data__$gt": 1}) == [dotted.text]
    assert texts(**{"data__$gt__gte": 1}) == [dotted.text]
    assert texts(**{"data__$where__isnull": False}) == [dotted.text]
    assert texts(**{"data__$where__isnull": True}) == [nested.text, "scalar"]
    values = dict(Note.objects.values_list("text", "data__$gt"))
    assert values == {"dotted": 1, "nested": None, "scalar": None}
    values = dict(Note.objects.values_list("text", "data__a.b"))
    assert values == {"dotted": 2, "nested": None, "scalar": None}


@pytest.mark.parametrize("name", ["$where", "name.first", "$name", "name; drop", "-$x", "__"])
def test_user_supplied_field_names_are_checked_against_the_model(name):
    # Django refuses such a name (FieldError, or ValueError for alias syntax) before the
    # backend sees it.
    with pytest.raises((FieldError, ValueError)):
        list(Author.objects.order_by(name))
    with pytest.raises((FieldError, ValueError)):
        list(Author.objects.values(name))
    with pytest.raises((FieldError, ValueError)):
        list(Author.objects.filter(**{name: 1}))


@pytest.mark.parametrize("alias", ["$x", "a.b", "$where", "_id", "x.$y", "$$ROOT"])
def test_user_supplied_aliases_are_names_not_paths(alias):
    Author.objects.create(name="ann", age=3)
    Author.objects.create(name="bob", age=4)
    annotated = Author.objects.annotate(**{alias: F("age")})
    assert list(annotated.filter(**{alias: 3}).values_list("name", flat=True)) == ["ann"]
    assert list(annotated.order_by(f"-{alias}").values(alias)) == [{alias: 4}, {alias: 3}]
    assert Author.objects.aggregate(**{alias: Max("age")}) == {alias: 4}


@pytest.mark.parametrize("lookup", sorted(PATTERN_LOOKUPS))
def test_regex_metacharacters_in_pattern_lookups_match_literally(lookup):
    for name in SEARCHED_NAMES:
        Author.objects.create(name=name)
    matches = PATTERN_LOOKUPS[lookup]
    for text in METACHARACTER_PATTERNS:
        expected = sorted(name for name in SEARCHED_NAMES if matches(name, text))
        assert names(Author.objects.filter(**{f"name__{lookup}": text})) == expected, text
        excluded = sorted(name for name in SEARCHED_NAMES if not matches(name, text))
        assert names(Author.objects.exclude(**{f"name__{lookup}": text})) == excluded, text


def test_very_long_values_are_stored_and_matched_whole():
    long_text = "x" * 1_000_000
    Author.objects.create(name=long_text)
    Author.objects.create(name=long_text[:-1] + ".")
    assert Author.objects.filter(name=long_text).count() == 1
    # Patterns of 20,000 characters (the regex engine's work grows with them; the in-process
    # embedded server answers nothing else meanwhile, not even pymongo's heartbeat).
    assert Author.objects.filter(name__startswith="x" * 20_000).count() == 2
    assert Author.objects.filter(name__endswith="x" * 20_000).count() == 1
    assert Author.objects.filter(name__endswith="x" * 19_999 + ".").count() == 1
    assert Author.objects.filter(name__contains="x" * 20_000 + ".").count() == 1
    assert Author.objects.filter(name__contains="x" * 20_000 + "$").count() == 0


def test_very_long_lists_and_conditions_are_answered_exactly():
    for name in ("a", "b", "c"):
        Author.objects.create(name=name)
    many = [str(number) for number in range(50_000)] + ["b"]
    assert names(Author.objects.filter(name__in=many)) == ["b"]
    assert names(Author.objects.exclude(name__in=many)) == ["a", "c"]
    either = Q()
    for number in range(1_000):
        either |= Q(name=str(number))
    assert names(Author.objects.filter(either | Q(name="c"))) == ["c"]


def test_json_nested_within_mongodb_limits_round_trips_and_matches():
    deep = "bottom"
    for _ in range(90):
        deep = {"k": deep, "$gt": [1]}
    note = Note.objects.create(text="deep", data=deep)
    Note.objects.create(text="other", data={"k": 1})
    assert Note.objects.get(pk=note.pk).data == deep
    assert list(Note.objects.filter(data=deep).values_list("text", flat=True)) == ["deep"]


def test_json_nested_thousands_of_levels_deep_is_a_database_error_and_writes_nothing():
    # Either pymongo's encoder gives up (DataError, nothing sent) or the server refuses the
    # document; both name the command and the collection.
    deep = 1
    for _ in range(3_000):
        deep = {"k": deep}
    with pytest.raises(DatabaseError, match="insert_one on collection 'testapp_note'"):
        Note.objects.create(text="deep", data=deep)
    with pytest.raises(DatabaseError, match="on collection 'testapp_note'"):
        list(Note.objects.filter(data=deep))
    assert Note.objects.count() == 0


@pytest.mark.engine_deviation("nesting-depth-unlimited")
def test_json_nested_deeper_than_mongodb_allows_is_refused_and_writes_nothing():
    deep = 1
    for _ in range(150):
        deep = {"k": deep}
    with pytest.raises(DatabaseError, match="insert_one on collection 'testapp_note'"):
        Note.objects.create(text="deep", data=deep)
    assert Note.objects.count() == 0


def test_a_nul_byte_in_a_json_key_is_a_data_error_and_writes_nothing():
    with pytest.raises(DataError, match="NULL byte"):
        Note.objects.create(text="nul", data={"a\x00b": 1})
    assert Note.objects.count() == 0


def test_conditions_nested_deeper_than_mongodb_allows_are_a_database_error():
    Author.objects.create(name="x")
    condition = Q(name="x")
    for level in range(300):
        condition = ~condition if level % 2 else condition & Q(age__isnull=True)
    with pytest.raises(DatabaseError, match="nesting depth|nested too deeply"):
        list(Author.objects.filter(condition))
    assert names(Author.objects.all()) == ["x"]


def test_recursion_in_the_bson_encoder_becomes_a_data_error_naming_the_command():
    # The encoder's RecursionError depends on the interpreter's stack; raised here directly.
    with pytest.raises(DataError, match="insert_one on collection 'c'.*nested too deeply"):
        with translated_errors(Command("c", "insert_one")):
            raise RecursionError("maximum recursion depth exceeded while encoding")


def test_logging_a_command_too_deep_to_render_does_not_hide_its_error():
    deep = 1
    for _ in range(200_000):
        deep = {"k": deep}
    assert Command("c", "insert_one", (deep,)).as_mql() == (
        "db.c.insert_one(<a value nested too deeply to show>)"
    )
