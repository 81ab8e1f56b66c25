"""Full-text search conditions and values, run by MongoDB Search's ``$search`` stage.

MongoDB's own operators, as conditions for ``filter()`` (combined with ``&``, ``|`` and ``~``
as any condition, or with ``Compound``)::

    Article.objects.filter(Text("espresso machine", path=["title", "body"], fuzzy=1))
        .annotate(score=SearchScore()).order_by("-score")[:10]
    Article.objects.filter(Autocomplete("espr", path="title"))
    Article.objects.filter(Phrase("cold brew", path="body") | Wildcard("brew*", path="title"))

``django.contrib.postgres.search``'s names, so that PostgreSQL code ports::

    Article.objects.filter(body__search="coffee")
    Article.objects.annotate(search=SearchVector("title", "body"))
        .filter(search=SearchQuery("cold brew", search_type="phrase"))
        .annotate(rank=SearchRank(SearchVector("title", "body"), SearchQuery("cold brew")))
        .annotate(headline=SearchHeadline("body", SearchQuery("cold brew")))

The conditions compile to one ``$search`` stage that opens the query's pipeline (plan.py);
what MongoDB cannot run (a search ORed with a plain condition, inside a subquery, in an
update or delete) is refused there, naming the rule.
"""

import re

from django.db import NotSupportedError
from django.db.models import (
    CharField, Expression, F, Field, FloatField, JSONField, Lookup, TextField, Value,
)

FUZZY_EDITS = (1, 2)


class SearchCondition(Lookup):
    """A condition on the $search stage: one of MongoDB Search's operators on model fields.

    Subclasses give ``operator_name`` and ``spec(paths)``, the operator's document given the
    searched fields' stored names.
    """

    operator_name = None
    prepare_rhs = False
    # Field names searched; None: the index's own fields (as ``Text(query)`` without path).
    field_names = None

    def __init__(self, *, index=None, score=None):
        if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))
                                  or score <= 0):
            raise ValueError(f"{type(self).__name__}(score=...) is a positive boost, not "
                             f"{score!r}.")
        self.index = index
        self.boost = score
        super().__init__(Value(repr(self)), Value(index))

    def spec(self, paths):
        raise NotImplementedError

    def operator(self, resolve):
        """Return {operator_name: spec}: ``resolve(field names, operator name)`` gives the
        stored paths the operator searches (``resolve.model`` is the model queried)."""
        spec = self.spec(resolve(self.field_names, self.operator_name))
        if self.boost is not None:
            spec["score"] = {"boost": {"value": self.boost}}
        return {self.operator_name: spec}

    def as_sql(self, compiler, connection):
        raise NotSupportedError(f"{type(self).__name__} runs on djongo-core databases with "
                                "'search' in PLUGINS.")


def _names(path, what):
    names = [path] if isinstance(path, str) else list(path or ())
    if path is not None and (not names or not all(isinstance(n, str) and n for n in names)):
        raise ValueError(f"{what}(path=...) is a field name or a list of field names, not "
                         f"{path!r}.")
    return names or None


def _query(query, what):
    if isinstance(query, str):
        if not query.strip():
            raise ValueError(f"{what} needs words to search for, not an empty string.")
        return query
    if isinstance(query, (list, tuple)) and query and all(
            isinstance(q, str) and q.strip() for q in query):
        return list(query)
    raise ValueError(f"{what} searches for a string (or a list of strings), not {query!r}.")


def _fuzzy(fuzzy, what):
    if fuzzy is None:
        return None
    if isinstance(fuzzy, bool) or fuzzy not in FUZZY_EDITS:
        raise ValueError(f"{what}(fuzzy=...) is the number of edits a word may differ by, 1 or "
                         f"2 (MongoDB's maxEdits), not {fuzzy!r}.")
    return {"maxEdits": fuzzy}


def _path(paths):
    return paths[0] if len(paths) == 1 else paths


class Text(SearchCondition):
    """Documents whose fields contain any of the words (analyzed as the index analyzes them).

    :param path: the field or fields to search (by default: the index's fields).
    :param fuzzy: 1 or 2: also match words that many edits away (typos).
    :param score: a boost multiplying this clause's relevance.
    """

    operator_name = "text"

    def __init__(self, query, *, path=None, fuzzy=None, **kwargs):
        self.query = _query(query, "Text")
        self.field_names = _names(path, "Text")
        self.fuzzy = _fuzzy(fuzzy, "Text")
        super().__init__(**kwargs)

    def spec(self, paths):
        spec = {"query": self.query, "path": _path(paths)}
        if self.fuzzy:
            spec["fuzzy"] = self.fuzzy
        return spec

    def __repr__(self):
        return f"Text({self.query!r})"


class Phrase(SearchCondition):
    """Documents containing the words in this order, at most ``slop`` words apart."""

    operator_name = "phrase"

    def __init__(self, query, *, path=None, slop=0, **kwargs):
        self.query = _query(query, "Phrase")
        self.field_names = _names(path, "Phrase")
        if isinstance(slop, bool) or not isinstance(slop, int) or slop < 0:
            raise ValueError(f"Phrase(slop=...) is a whole number of words >= 0, not {slop!r}.")
        self.slop = slop
        super().__init__(**kwargs)

    def spec(self, paths):
        spec = {"query": self.query, "path": _path(paths)}
        if self.slop:
            spec["slop"] = self.slop
        return spec

    def __repr__(self):
        return f"Phrase({self.query!r})"


class Autocomplete(SearchCondition):
    """Documents with a word starting with what was typed so far (search-as-you-type).

    The field must be listed in its SearchIndex's ``autocomplete``.
    :param fuzzy: 1 or 2 edits of tolerance for typos.
    :param sequential: the typed words must appear in this order (``tokenOrder``).
    """

    operator_name = "autocomplete"

    def __init__(self, query, *, path, fuzzy=None, sequential=False, **kwargs):
        self.query = _query(query, "Autocomplete")
        self.field_names = _names(path, "Autocomplete")
        if len(self.field_names) != 1:
            raise ValueError("Autocomplete searches one field (MongoDB's autocomplete takes one "
                             "path); combine several with |.")
        self.fuzzy = _fuzzy(fuzzy, "Autocomplete")
        self.sequential = bool(sequential)
        super().__init__(**kwargs)

    def spec(self, paths):
        spec = {"query": self.query, "path": paths[0]}
        if self.fuzzy:
            spec["fuzzy"] = self.fuzzy
        if self.sequential:
            spec["tokenOrder"] = "sequential"
        return spec

    def __repr__(self):
        return f"Autocomplete({self.query!r})"


class Wildcard(SearchCondition):
    """Documents with a word matching a pattern: ``*`` any characters, ``?`` one character."""

    operator_name = "wildcard"

    def __init__(self, query, *, path=None, **kwargs):
        self.query = _query(query, "Wildcard")
        self.field_names = _names(path, "Wildcard")
        super().__init__(**kwargs)

    def spec(self, paths):
        # The fields are analyzed (string mappings), which MongoDB asks to be said explicitly.
        return {"query": self.query, "path": _path(paths), "allowAnalyzedField": True}

    def __repr__(self):
        return f"Wildcard({self.query!r})"


class Compound(SearchCondition):
    """MongoDB's compound operator: ``must`` all match (and score), ``should`` raise the score
    (at least ``minimum_should_match`` of them must match), ``filter`` must match without
    scoring, ``must_not`` must not match. Each clause is a search condition."""

    operator_name = "compound"

    def __init__(self, *, must=(), should=(), filter=(), must_not=(),
                 minimum_should_match=None, **kwargs):
        self.clauses = {"must": list(must), "should": list(should), "filter": list(filter),
                        "mustNot": list(must_not)}
        for clause in (c for clauses in self.clauses.values() for c in clauses):
            if not isinstance(clause, SearchCondition):
                raise ValueError(f"Compound's clauses are search conditions (Text, Phrase...), "
                                 f"not {clause!r}.")
        if not (self.clauses["must"] or self.clauses["should"] or self.clauses["filter"]):
            raise ValueError("Compound needs a must, should or filter clause: must_not alone "
                             "matches nothing to score.")
        if minimum_should_match is not None and not (
                isinstance(minimum_should_match, int)
                and 0 <= minimum_should_match <= len(self.clauses["should"])):
            raise ValueError("Compound(minimum_should_match=...) counts should clauses, from 0 "
                             f"to {len(self.clauses['should'])}.")
        self.minimum_should_match = minimum_should_match
        super().__init__(**kwargs)

    def operator(self, resolve):
        spec = {key: [clause.operator(resolve) for clause in clauses]
                for key, clauses in self.clauses.items() if clauses}
        if self.minimum_should_match is not None:
            spec["minimumShouldMatch"] = self.minimum_should_match
        if self.boost is not None:
            spec["score"] = {"boost": {"value": self.boost}}
        return {"compound": spec}

    def __repr__(self):
        return "Compound(" + ", ".join(f"{k}={v!r}" for k, v in self.clauses.items() if v) + ")"


# -- the names of django.contrib.postgres.search ------------------------------------------------

class SearchVectorField(Field):
    """The output of SearchVector: the searched fields' text (what a tsvector is made of)."""

    def db_type(self, connection):
        return None


class SearchVector(Expression):
    """The fields a SearchQuery searches: ``SearchVector("title", "body")``.

    PostgreSQL builds a tsvector here, weighted and in a text search configuration; MongoDB
    Search analyzes the fields in its index (the analyzer is the index's), so ``config`` and
    ``weight`` are refused: boost a field with ``Text(..., score=...)`` instead.
    """

    output_field = SearchVectorField()

    def __init__(self, *fields, config=None, weight=None):
        if config is not None or weight is not None:
            raise NotSupportedError(
                "SearchVector(config=..., weight=...): MongoDB Search analyzes fields with the "
                "analyzer of their SearchIndex and weighs clauses, not fields: set "
                "SearchIndex(analyzer=...), and boost with Text(..., score=...).")
        names = []
        for field in fields:
            if isinstance(field, F):
                field = field.name
            if not isinstance(field, str) or "__" in field:
                raise NotSupportedError(f"SearchVector searches fields of the queried model "
                                        f"by name, not {field!r}: MongoDB Search reads one "
                                        "collection's index.")
            names.append(field)
        if not names:
            raise ValueError("SearchVector needs the fields to search.")
        self.field_names = names
        super().__init__()

    def __repr__(self):
        return f"SearchVector({', '.join(map(repr, self.field_names))})"

    def as_sql(self, compiler, connection):
        raise NotSupportedError("SearchVector runs on djongo-core databases with 'search' in "
                                "PLUGINS.")


class SearchQuery:
    """What to search for, as in PostgreSQL: ``search_type`` ``"plain"`` (any of the words:
    MongoDB's text operator), ``"phrase"`` (the words in order), ``"websearch"`` (words,
    "quoted phrases" and -excluded words). Combine with ``&``, ``|`` and ``~``.

    ``fuzzy`` (1 or 2) tolerates typos in plain searches. ``config`` is refused (the index's
    analyzer applies), and so is ``search_type="raw"`` (tsquery syntax has no MongoDB form).
    """

    def __init__(self, value, *, search_type="plain", config=None, fuzzy=None, invert=False):
        if config is not None:
            raise NotSupportedError("SearchQuery(config=...): MongoDB Search analyzes query "
                                    "text with the SearchIndex's analyzer (search_analyzer).")
        if search_type not in ("plain", "phrase", "websearch"):
            raise NotSupportedError(
                f"SearchQuery(search_type={search_type!r}): MongoDB Search takes 'plain', "
                "'phrase' or 'websearch'; PostgreSQL's tsquery syntax ('raw') has no "
                "MongoDB form. Combine SearchQuery objects with &, | and ~ instead.")
        self.value = _query(value, "SearchQuery")
        self.search_type = search_type
        _fuzzy(fuzzy, "SearchQuery")
        self.fuzzy = fuzzy
        self.invert = invert

    def condition(self, path):
        """Return the search condition of this query over ``path`` (field names or None)."""
        if self.search_type == "phrase":
            condition = Phrase(self.value, path=path)
        elif self.search_type == "websearch":
            condition = _websearch(self.value, path, self.fuzzy)
        else:
            condition = Text(self.value, path=path, fuzzy=self.fuzzy)
        return Compound(filter=[_everything(path)], must_not=[condition]) if self.invert \
            else condition

    def __and__(self, other):
        return CombinedSearchQuery("&", self, other)

    def __or__(self, other):
        return CombinedSearchQuery("|", self, other)

    def __invert__(self):
        return SearchQuery(self.value, search_type=self.search_type, fuzzy=self.fuzzy,
                           invert=not self.invert)

    def __repr__(self):
        return f"SearchQuery({self.value!r}, search_type={self.search_type!r})"


class CombinedSearchQuery(SearchQuery):
    def __init__(self, connector, left, right):
        for side in (left, right):
            if not isinstance(side, SearchQuery):
                raise TypeError(f"A SearchQuery combines with a SearchQuery, not {side!r}.")
        self.connector, self.left, self.right = connector, left, right

    def condition(self, path):
        sides = [self.left.condition(path), self.right.condition(path)]
        if self.connector == "&":
            return Compound(must=sides)
        return Compound(should=sides, minimum_should_match=1)

    def __invert__(self):
        raise NotSupportedError("~ of combined SearchQuery objects: negate each side instead "
                                "(~a | ~b for ~(a & b)).")

    def __repr__(self):
        return f"({self.left!r} {self.connector} {self.right!r})"


def _everything(path):
    # MongoDB Search's way of saying "any document with these fields": a wildcard for any word.
    return Wildcard("*", path=path)


# A websearch string's parts: "quoted phrases", -excluded words, and words.
_WEBSEARCH = re.compile(r'"([^"]+)"|(-?[^\s"]+)')


def _websearch(value, path, fuzzy):
    """"quoted phrases" must appear, -words must not, other words rank (and one must match)."""
    phrases, words, excluded = [], [], []
    for phrase, word in _WEBSEARCH.findall(value):
        if phrase.strip():
            phrases.append(phrase.strip())
        elif word.startswith("-") and len(word) > 1:
            excluded.append(word[1:])
        elif word and word != "-":
            words.append(word)
    must = [Phrase(phrase, path=path) for phrase in phrases]
    should = [Text(" ".join(words), path=path, fuzzy=fuzzy)] if words else []
    if not must and not should:
        raise ValueError(f"SearchQuery({value!r}, search_type='websearch') has no word to find; "
                         "exclusions alone match nothing.")
    must_not = [Text(" ".join(excluded), path=path)] if excluded else []
    return Compound(must=must, should=should, must_not=must_not,
                    minimum_should_match=0 if must else 1)


class SearchVectorExact(SearchCondition):
    """``filter(search=SearchQuery(...))`` on a SearchVector annotation, and the ``search``
    lookup of text fields (``filter(body__search="coffee")``)."""

    lookup_name = "exact"

    def __init__(self, lhs, rhs):
        if isinstance(rhs, str):
            rhs = SearchQuery(rhs)
        if not isinstance(rhs, SearchQuery):
            raise NotSupportedError(f"A SearchVector is compared with a SearchQuery, not "
                                    f"{rhs!r}.")
        self.search_query = rhs
        self.index = None
        self.boost = None
        Lookup.__init__(self, lhs, Value(repr(rhs)))

    def searched_names(self, model):
        """The names of the fields searched: a SearchVector's, or the looked-up field."""
        if isinstance(self.lhs, SearchVector):
            return self.lhs.field_names
        target = getattr(self.lhs, "target", None)
        if target is not None and target.model._meta.concrete_model is model._meta.concrete_model:
            return [target.name]
        raise NotSupportedError(
            f"{self!r} searches {self.lhs!r}; MongoDB Search reads the queried collection's "
            f"index, so it searches fields of {model._meta.label} (or a SearchVector of them).")

    def operator(self, resolve):
        names = self.searched_names(resolve.model)
        return self.search_query.condition(names).operator(resolve)

    def __repr__(self):
        return f"SearchMatch({self.search_query!r})"


SearchVectorField.register_lookup(SearchVectorExact)


class SearchLookup(SearchVectorExact):
    lookup_name = "search"


def register_search_lookup():
    """``filter(body__search=...)`` on text fields, as django.contrib.postgres offers it."""
    CharField.register_lookup(SearchLookup)
    TextField.register_lookup(SearchLookup)


# -- values: the score and the highlights -------------------------------------------------------

class SearchScore(Expression):
    """How well a document matched the query's search (MongoDB's searchScore), as a float.

    Order by it descending for relevance; it can be filtered on after the search."""

    output_field = FloatField()

    def __repr__(self):
        return "SearchScore()"

    def as_sql(self, compiler, connection):
        raise NotSupportedError("SearchScore runs on djongo-core databases with 'search' in "
                                "PLUGINS.")


class SearchRank(SearchScore):
    """PostgreSQL's name for the score: ``SearchRank(vector, query)``.

    MongoDB scores the one search the query runs; the arguments say which it is and must be
    that search's. ``weights``, ``normalization`` and ``cover_density`` are PostgreSQL's ranking
    knobs, which MongoDB Search has not (boost clauses with ``score=``)."""

    def __init__(self, vector=None, query=None, weights=None, normalization=None,
                 cover_density=False):
        if weights is not None or normalization is not None or cover_density:
            raise NotSupportedError(
                "SearchRank(weights=..., normalization=..., cover_density=...): MongoDB Search "
                "ranks with BM25 over its analyzed fields; boost clauses with Text(..., "
                "score=...) instead.")
        self.vector, self.query = vector, query
        super().__init__()

    def __repr__(self):
        return "SearchRank()"


class SearchHighlights(Expression):
    """The passages of ``fields`` that matched the search (MongoDB's searchHighlights): a list
    of ``{"path", "score", "texts": [{"value", "type": "hit" | "text"}]}``."""

    output_field = JSONField()

    def __init__(self, *fields, max_chars_to_examine=None, max_passages=None):
        if not fields:
            raise ValueError(f"{type(self).__name__} needs the fields to highlight.")
        self.field_names = [f.name if isinstance(f, F) else f for f in fields]
        self.max_chars_to_examine = max_chars_to_examine
        self.max_passages = max_passages
        super().__init__()

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(map(repr, self.field_names))})"

    def as_sql(self, compiler, connection):
        raise NotSupportedError(f"{type(self).__name__} runs on djongo-core databases with "
                                "'search' in PLUGINS.")


class HeadlineField(CharField):
    """The output of SearchHeadline: the matched passages of a field with their hits marked."""

    def __init__(self, start_sel="<b>", stop_sel="</b>", fragment_delimiter=" ... "):
        self.start_sel, self.stop_sel = start_sel, stop_sel
        self.fragment_delimiter = fragment_delimiter
        super().__init__()

    def from_db_value(self, value, expression, connection):
        # The highlights of the one field (plan.py keeps only its path's).
        fragments = ["".join(
            f"{self.start_sel}{text['value']}{self.stop_sel}" if text.get("type") == "hit"
            else text["value"] for text in highlight.get("texts", ()))
            for highlight in value or ()]
        return self.fragment_delimiter.join(fragments) or None

    def get_db_converters(self, connection):
        return [self.from_db_value]


class SearchHeadline(SearchHighlights):
    """PostgreSQL's SearchHeadline: the passages of one field that matched, hits wrapped in
    ``start_sel``/``stop_sel``, passages joined by ``fragment_delimiter``.

    PostgreSQL headlines the whole field; MongoDB highlights only the passages with hits, so a
    document whose field had none (it matched on another field) gets None. ``query`` is taken
    for PostgreSQL's signature: MongoDB highlights the hits of the query's own search.
    """

    def __init__(self, expression, query=None, *, start_sel="<b>", stop_sel="</b>",
                 max_fragments=None, fragment_delimiter=" ... ", config=None):
        if config is not None:
            raise NotSupportedError("SearchHeadline(config=...): the index's analyzer applies.")
        super().__init__(expression, max_passages=max_fragments)
        self.output_field = HeadlineField(start_sel, stop_sel, fragment_delimiter)
