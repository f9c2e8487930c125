"""The database's own full-text search over documents' titles and actions' texts, and on
SQLite over recommendations' stems lines.

SQLite: FTS5 tables (porter stemmer, accents removed) that read their text from
`tracker_document` and `tracker_action` and are kept in step by triggers, so every
write (the importer's bulk writes included) updates them. PostgreSQL: a text search
configuration `tracker_english` (the English stemmer after `unaccent`), a stored
`search_vector` column on actions and a GIN index on each.

Recommendations (`RecommendationQuerySet.search`): on SQLite an FTS5 table of the stems
line of each `search_text` (`tracker.search`), already stemmed and folded, so tokenized
as it is; it holds only the index (contentless), filled by the triggers. PostgreSQL
matches the vector of migration 0018 instead.

Created by migration 0017 with `install(schema_editor)` (SQLite's recommendations index
by 0021). SQLite rebuilds a table for some schema changes (`ALTER` it cannot do in
place), which drops its triggers: a later migration that alters `tracker_action`,
`tracker_document` or `tracker_recommendation` on SQLite calls `install` again
(tests/test_site_search.py and tests/test_search.py fail if the triggers are gone).

Only the rows searched are indexed (`Index.searched`: not the essay, not withdrawn or
boilerplate actions), so SQLite answers from its index without reading the table.

A query is `tracker.search.parse`: every term required, each term its word or
the phrase its acronym stands for. The databases stem the words themselves (SQLite's
Porter stemmer, PostgreSQL's Snowball, which `tracker.search.highlight` uses too).
"""

from dataclasses import dataclass

from django.db import connection
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from .search import STEMS_MARK, words

TOKENIZE = "porter unicode61 remove_diacritics 2"
CONFIG = "tracker_english"
TRIGGER_EVENTS = ("insert", "delete", "update")
# SQLite: the function that counts a search's patterns in a text (`models.SearchScore`).
OCCURRENCES = "tracker_occurrences"


@dataclass(frozen=True)
class Index:
    """What is searched of one table, and how."""

    name: str  # the FTS5 table on SQLite, the GIN index on PostgreSQL
    table: str
    columns: tuple  # indexed on SQLite...
    weights: tuple  # ...with these BM25 weights
    vector: str  # PostgreSQL: the tsvector of a row
    searched: str  # the rows searched (the others are not indexed), "{row}" before columns
    condition_columns: tuple  # the columns `searched` reads: a change to them re-indexes
    # SQLite: the text indexed, an SQL expression per column ("{row}" before columns) when
    # it is not the table's own column; the FTS5 table then keeps no copy (contentless).
    sources: tuple = ()
    source_columns: tuple = ()  # the columns `sources` read: a change to them re-indexes
    tokenize: str = TOKENIZE

    def rows_searched(self, row=""):
        return self.searched.format(row=row)

    def values(self, row=""):
        """The indexed texts of a row ("old.", "new.", or "" in a SELECT), as SQL."""
        sources = self.sources or [f"{{row}}{column}" for column in self.columns]
        return ", ".join(source.format(row=row) for source in sources)

    @property
    def watched(self):
        """The columns whose change re-indexes a row."""
        return (*(self.source_columns or self.columns), *self.condition_columns)


DOCUMENTS = Index(
    "tracker_document_search",
    "tracker_document",
    columns=("title",),
    weights=(1.0,),
    vector=f"to_tsvector('{CONFIG}', title)",
    searched="{row}kind <> 'essay'",
    condition_columns=("kind",),
)
ACTIONS = Index(
    "tracker_action_search",
    "tracker_action",
    columns=("section", "subheading", "text"),
    weights=(0.4, 0.4, 1.0),  # The words of the action itself count most.
    vector="search_vector",
    # Legal boilerplate would match common words in every executive order; withdrawn
    # actions are on no document page.
    searched="NOT {row}withdrawn AND NOT {row}is_boilerplate",
    condition_columns=("withdrawn", "is_boilerplate"),
)
RECOMMENDATIONS = Index(
    "tracker_recommendation_search",
    "tracker_recommendation",
    columns=("stems",),
    weights=(1.0,),
    vector="search_vector",
    searched="TRUE",
    condition_columns=(),
    # The stems line: from its mark to the end (the whole text if it has none).
    sources=(
        "substr({row}search_text, instr({row}search_text, "
        f"char({ord(STEMS_MARK[0])}) || '{STEMS_MARK[1:]}'))",
    ),
    source_columns=("search_text",),
    # Words already stemmed and folded: no stemmer. A title's "t:word" is one token, so a
    # search for "t" does not find every recommendation.
    tokenize="unicode61 tokenchars ':'",
)
SQLITE_INDEXES = (DOCUMENTS, ACTIONS, RECOMMENDATIONS)

POSTGRESQL_INSTALL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = english)",
    f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} "
    "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem",
    # Stored, so that ranking thousands of matches reads vectors instead of parsing texts.
    "ALTER TABLE tracker_action ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    f"setweight(to_tsvector('{CONFIG}', text), 'A') || "
    f"setweight(to_tsvector('{CONFIG}', section || ' ' || subheading), 'B')) STORED",
    *(
        f"CREATE INDEX {index.name} ON {index.table} USING gin ({index.vector}) "
        f"WHERE {index.rows_searched()}"
        for index in (DOCUMENTS, ACTIONS)
    ),
]
POSTGRESQL_UNINSTALL = [
    f"DROP INDEX IF EXISTS {DOCUMENTS.name}",
    f"DROP INDEX IF EXISTS {ACTIONS.name}",
    "ALTER TABLE tracker_action DROP COLUMN IF EXISTS search_vector",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}",
]


def _sqlite_install(index):
    name, columns = index.name, ", ".join(index.columns)
    delete = (
        f"INSERT INTO {name}({name}, rowid, {columns}) "
        f"SELECT 'delete', old.id, {index.values('old.')} WHERE {index.rows_searched('old.')};"
    )
    insert = (
        f"INSERT INTO {name}(rowid, {columns}) SELECT new.id, {index.values('new.')} "
        f"WHERE {index.rows_searched('new.')};"
    )
    changed = " OR ".join(f"old.{column} IS NOT new.{column}" for column in index.watched)
    content = "content=''" if index.sources else f"content='{index.table}', content_rowid='id'"
    tokenize = index.tokenize.replace("'", "''")
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5({columns}, "
        f"{content}, tokenize='{tokenize}')",
        *(f"DROP TRIGGER IF EXISTS {name}_{event}" for event in TRIGGER_EVENTS),
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {index.table} BEGIN {insert} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {index.table} BEGIN {delete} END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {index.table} WHEN {changed} "
        f"BEGIN {delete} {insert} END",
        # Index the rows already there (and mend an index whose triggers were dropped).
        f"INSERT INTO {name}({name}) VALUES ('delete-all')",
        f"INSERT INTO {name}(rowid, {columns}) SELECT id, {index.values()} FROM {index.table} "
        f"WHERE {index.rows_searched()}",
    ]


def _sqlite_uninstall(index):
    return [
        *(f"DROP TRIGGER IF EXISTS {index.name}_{event}" for event in TRIGGER_EVENTS),
        f"DROP TABLE IF EXISTS {index.name}",
    ]


def install(schema_editor, sqlite_indexes=SQLITE_INDEXES):
    """Create the full-text indexes; on SQLite (re)create `sqlite_indexes`, all by default,
    with their triggers (PostgreSQL's are created once, all together)."""
    if schema_editor.connection.vendor == "postgresql":
        statements = POSTGRESQL_INSTALL
    elif schema_editor.connection.vendor == "sqlite":
        statements = [s for index in sqlite_indexes for s in _sqlite_install(index)]
    else:
        return
    for statement in statements:
        schema_editor.execute(statement)


def uninstall(schema_editor, sqlite_indexes=SQLITE_INDEXES):
    if schema_editor.connection.vendor == "postgresql":
        statements = POSTGRESQL_UNINSTALL
    elif schema_editor.connection.vendor == "sqlite":
        statements = [s for index in sqlite_indexes for s in _sqlite_uninstall(index)]
    else:
        return
    for statement in statements:
        schema_editor.execute(statement)


def occurrences(text, mark, *patterns):
    """How many times the patterns occur in the text (UTF-8 bytes) after `mark` (none without
    it), each counted on its own (as removing it with REPLACE would show)."""
    _, found, stems = text.partition(mark.encode())
    return sum(stems.count(pattern.encode()) for pattern in patterns) if found else 0


@receiver(connection_created)
def _register_occurrences(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(OCCURRENCES, -1, occurrences, deterministic=True)


def _alternatives(term):
    """The term's spellings as word lists: ["icc"], ["international", "criminal", "court"]."""
    return [found for spelled in term.spelled if (found := words(" ".join(spelled)))]


def _fts5_expression(alternatives):
    """Each term's alternatives (phrases, each a list of words) as quoted phrases, every term
    required. The words are letters and digits only (`tracker.search.words`), so quoting
    is enough."""
    return " AND ".join(
        "(" + " OR ".join(f'"{" ".join(phrase)}"' for phrase in phrases) + ")"
        for phrases in alternatives
    )


def fts5_query(terms):
    """An FTS5 MATCH expression for the porter-stemmed tables: each term its words or the
    words its acronym stands for, all required."""
    return _fts5_expression(_alternatives(term) for term in terms)


def stems_query(terms):
    """An FTS5 MATCH expression for `RECOMMENDATIONS`: each term's stems (`Term.phrases`),
    as the stems line holds them."""
    return _fts5_expression(term.phrases for term in terms)


def title_query(phrase):
    """An FTS5 MATCH expression for `RECOMMENDATIONS`: the phrase (a tuple of stems) in the
    title, whose stems the stems line holds again as "t:" words."""
    return _fts5_expression([[[f"t:{stem}" for stem in phrase]]])


def recommendation_ids(expression):
    """(SQL, parameters) of the ids of the recommendations whose stems line matches the FTS5
    expression (SQLite)."""
    name = RECOMMENDATIONS.name
    return f"SELECT rowid FROM {name} WHERE {name} MATCH %s", [expression]


def tsquery(terms):
    """(SQL, parameters) of a PostgreSQL tsquery: each term a phrase or its alternatives,
    all required; every word goes as a parameter."""
    parts, params = [], []
    for term in terms:
        phrases = _alternatives(term)
        parts.append("(" + " || ".join(f"phraseto_tsquery('{CONFIG}', %s)" for _ in phrases) + ")")
        params += [" ".join(phrase) for phrase in phrases]
    return " && ".join(parts), params


@dataclass
class RankedMatches:
    """The rows of `queryset` that the database's full-text search matches, most relevant
    first, for a Paginator: `count()` is one query, a slice two (the ranked ids, then the
    rows with what `queryset` selects)."""

    queryset: object
    count_sql: str
    count_params: list
    ids_sql: str  # ends with LIMIT %s OFFSET %s
    ids_params: list

    def count(self):
        with connection.cursor() as cursor:
            cursor.execute(self.count_sql, self.count_params)
            return cursor.fetchone()[0]

    def __getitem__(self, window):
        if not isinstance(window, slice):
            raise TypeError("RankedMatches is read a page (a slice) at a time")
        start = window.start or 0
        if window.stop <= start:  # A Paginator's page of no results.
            return []
        with connection.cursor() as cursor:
            cursor.execute(self.ids_sql, [*self.ids_params, window.stop - start, start])
            ids = [row[0] for row in cursor.fetchall()]
        rows = self.queryset.in_bulk(ids)
        return [rows[pk] for pk in ids if pk in rows]


def matches(queryset, terms, index):
    """RankedMatches of `queryset`'s rows (of `index.table`) for the terms."""
    if connection.vendor == "postgresql":
        query, params = tsquery(terms)
        base = f"FROM {index.table} WHERE {index.vector} @@ ({query}) AND {index.rows_searched()}"
        # Normalised by length (1 + log of the number of words), as BM25 does.
        return RankedMatches(
            queryset,
            f"SELECT count(*) {base}",
            params,
            f"SELECT id {base} ORDER BY ts_rank({index.vector}, ({query}), 1) DESC, id DESC "
            "LIMIT %s OFFSET %s",
            params + params,
        )
    # Only the rows searched are in the index: no need to read the table.
    base = f"FROM {index.name} WHERE {index.name} MATCH %s"
    weights = ", ".join(str(weight) for weight in index.weights)
    params = [fts5_query(terms)]
    return RankedMatches(
        queryset,
        f"SELECT count(*) {base}",
        params,
        f"SELECT rowid {base} ORDER BY bm25({index.name}, {weights}), rowid DESC "
        "LIMIT %s OFFSET %s",
        params,
    )
