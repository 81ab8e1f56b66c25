"""Text search on a collection's text index: the TextSearch filter and the TextScore value.

    Article.objects.filter(TextSearch("coffee", exclude=["decaf"]))
        .annotate(score=TextScore()).order_by("-score")[:10]

MongoDB runs a text search only as the ``$text`` condition of a query's filter (a find's
filter, or the ``$match`` that opens a pipeline), ANDed with the other conditions, once per
query. djongo-core puts a query's own conditions first in either form; translation.py refuses,
with a message saying why, every position MongoDB would reject.
"""

import re

from django.db.models import Expression, FloatField, Lookup, Value

# A $search string's tokens: "phrases" and -"negated phrases" whole, else words.
_TOKENS = re.compile(r'-?"[^"]*"|[^\s"]+')


class TextSearch(Lookup):
    """A condition for filter(): the document matches the search on the collection's text index.

    :param search: the terms, in MongoDB's $search syntax: words separated by spaces match any
        of them; a "quoted phrase" must appear; a -word or -"phrase" must not.
    :param phrases: phrases that must all appear (quoted for you).
    :param exclude: words or phrases that must not appear (negated for you).
    :param language: the language for stemming and stop words (the index's default otherwise);
        "none" matches words exactly as written.
    :param case_sensitive: tell capital letters apart (off by default).
    :param diacritic_sensitive: tell accented letters apart (off by default: cafe finds café).
    """

    lookup_name = "text_search"
    prepare_rhs = False

    def __init__(self, search="", *, phrases=(), exclude=(), language=None,
                 case_sensitive=False, diacritic_sensitive=False):
        for phrase in (*phrases, *exclude):
            if not isinstance(phrase, str) or '"' in phrase or not phrase.strip():
                raise ValueError(f"TextSearch phrases and exclusions must be non-empty text "
                                 f"without double quotes; got {phrase!r}.")
        parts = [search.strip()] if search and search.strip() else []
        parts += [f'"{phrase.strip()}"' for phrase in phrases]
        parts += [f'-"{term.strip()}"' if " " in term.strip() else f"-{term.strip()}"
                  for term in exclude]
        if not _has_positive_term(" ".join(parts)):
            raise ValueError("TextSearch needs at least one word or phrase to find; exclusions "
                             "alone match nothing in MongoDB.")
        self.search = " ".join(parts)
        self.language = language
        self.case_sensitive = bool(case_sensitive)
        self.diacritic_sensitive = bool(diacritic_sensitive)
        options = (language, self.case_sensitive, self.diacritic_sensitive)
        super().__init__(Value(self.search), Value(options))

    def text_query(self):
        """Return the $text operator's document."""
        query = {"$search": self.search}
        if self.language is not None:
            query["$language"] = self.language
        if self.case_sensitive:
            query["$caseSensitive"] = True
        if self.diacritic_sensitive:
            query["$diacriticSensitive"] = True
        return query

    def __repr__(self):
        return f"TextSearch({self.search!r})"

    def as_sql(self, compiler, connection):
        raise NotImplementedError("TextSearch runs on djongo-core with the indexes plugin only.")


class TextScore(Expression):
    """How well a document matched the query's TextSearch (higher is better), as a float.

    Use it in annotate() and order_by(); the query must filter with a TextSearch.
    """

    output_field = FloatField()

    def __repr__(self):
        return "TextScore()"

    def as_sql(self, compiler, connection):
        raise NotImplementedError("TextScore runs on djongo-core with the indexes plugin only.")


def _has_positive_term(search):
    """Return whether a $search string has a word or phrase that is not negated."""
    return any(not token.startswith("-") and token.strip('"').strip()
               for token in _TOKENS.findall(search))
