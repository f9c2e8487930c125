"""The database's own full-text search over documents' titles and actions' texts.

SQLite: FTS5 tables (porter stemmer, accents removed) that read their text from
`tracker_document` and `tracker_action` and are kept in step by triggers, so every
write (the importer's bulk writes included) updates them. PostgreSQL: a text search
configuration `tracker_english` (the English stemmer after `unaccent`), a stored
`search_vector` column on actions and a GIN index on each.

Both are created by migration 0018 with `install(schema_editor)`. SQLite rebuilds a
table for some schema changes (`ALTER` it cannot do in place), which drops its
triggers: a later migration that alters `tracker_action` or `tracker_document` on
SQLite calls `install` again (tests/test_site_search.py fails if the triggers are gone).

A query is `tracker.search.parse`'s terms: every term required, each term its word or
the phrase its acronym stands for. The databases stem the words themselves.
"""

from dataclasses import dataclass

from django.db import connection

from .search import words

TOKENIZE = "porter unicode61 remove_diacritics 2"
CONFIG = "tracker_english"

SQLITE_INDEXES = {
    # FTS5 table: (content table, indexed columns)
    "tracker_document_search": ("tracker_document", ["title"]),
    "tracker_action_search": ("tracker_action", ["section", "subheading", "text"]),
}

POSTGRESQL_INSTALL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = english)",
    f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} "
    "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem",
    # The text weighs more than the section it sits in.
    "ALTER TABLE tracker_action ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    f"setweight(to_tsvector('{CONFIG}', text), 'A') || "
    f"setweight(to_tsvector('{CONFIG}', section || ' ' || subheading), 'B')) STORED",
    "CREATE INDEX tracker_action_search ON tracker_action USING gin (search_vector)",
    "CREATE INDEX tracker_document_search ON tracker_document "
    f"USING gin (to_tsvector('{CONFIG}', title))",
]
POSTGRESQL_UNINSTALL = [
    "DROP INDEX IF EXISTS tracker_document_search",
    "ALTER TABLE tracker_action DROP COLUMN IF EXISTS search_vector",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}",
]


def _sqlite_install(table, content, columns):
    listed = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    delete = f"INSERT INTO {table}({table}, rowid, {listed}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {table}(rowid, {listed}) VALUES (new.id, {new});"
    changed = " OR ".join(f"old.{column} IS NOT new.{column}" for column in columns)
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5({listed}, "
        f"content='{content}', content_rowid='id', tokenize='{TOKENIZE}')",
        f"DROP TRIGGER IF EXISTS {table}_insert",
        f"DROP TRIGGER IF EXISTS {table}_delete",
        f"DROP TRIGGER IF EXISTS {table}_update",
        f"CREATE TRIGGER {table}_insert AFTER INSERT ON {content} BEGIN {insert} END",
        f"CREATE TRIGGER {table}_delete AFTER DELETE ON {content} BEGIN {delete} END",
        f"CREATE TRIGGER {table}_update AFTER UPDATE ON {content} WHEN {changed} "
        f"BEGIN {delete} {insert} END",
        # Index the rows already there (and mend an index whose triggers were dropped).
        f"INSERT INTO {table}({table}) VALUES ('rebuild')",
    ]


def install(schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        statements = POSTGRESQL_INSTALL
    elif schema_editor.connection.vendor == "sqlite":
        statements = [
            statement
            for table, (content, columns) in SQLITE_INDEXES.items()
            for statement in _sqlite_install(table, content, columns)
        ]
    else:
        return
    for statement in statements:
        schema_editor.execute(statement)


def uninstall(schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        statements = POSTGRESQL_UNINSTALL
    elif schema_editor.connection.vendor == "sqlite":
        statements = [
            f"DROP TRIGGER IF EXISTS {table}_{event}"
            for table in SQLITE_INDEXES
            for event in ("insert", "delete", "update")
        ] + [f"DROP TABLE IF EXISTS {table}" for table in SQLITE_INDEXES]
    else:
        return
    for statement in statements:
        schema_editor.execute(statement)


def _alternatives(term):
    """The term's spellings as word lists: ["icc"], ["international", "criminal", "court"]."""
    return [found for spelled in term.spelled if (found := words(" ".join(spelled)))]


def fts5_query(terms):
    """An FTS5 MATCH expression: each term a quoted phrase or its alternatives, all required.

    The words are letters and digits only (`tracker.search.words`), so quoting is enough.
    """
    return " AND ".join(
        "(" + " OR ".join(f'"{" ".join(phrase)}"' for phrase in _alternatives(term)) + ")"
        for term in terms
    )


def tsquery(terms):
    """(SQL, parameters) of a PostgreSQL tsquery: each term a phrase or its alternatives,
    all required; every word goes as a parameter."""
    parts, params = [], []
    for term in terms:
        phrases = _alternatives(term)
        parts.append(
            "(" + " || ".join(f"phraseto_tsquery('{CONFIG}', %s)" for _ in phrases) + ")"
        )
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


def matches(queryset, terms, *, table, sqlite_weights, postgresql_vector, where=""):
    """RankedMatches of `queryset`'s model over the full-text index of `table`."""
    main = queryset.model._meta.db_table
    condition = f" AND {where}" if where else ""
    if connection.vendor == "postgresql":
        query, params = tsquery(terms)
        vector = postgresql_vector
        base = f"FROM {main} WHERE {vector} @@ ({query}){condition}"
        # Normalised by length (1 + log of the number of words), as BM25 does.
        return RankedMatches(
            queryset,
            f"SELECT count(*) {base}",
            params,
            f"SELECT id {base} ORDER BY ts_rank({vector}, ({query}), 1) DESC, id DESC "
            "LIMIT %s OFFSET %s",
            params + params,
        )
    base = (
        f"FROM {table} JOIN {main} ON {main}.id = {table}.rowid "
        f"WHERE {table} MATCH %s{condition}"
    )
    weights = ", ".join(str(weight) for weight in sqlite_weights)
    params = [fts5_query(terms)]
    return RankedMatches(
        queryset,
        f"SELECT count(*) {base}",
        params,
        f"SELECT {main}.id {base} ORDER BY bm25({table}, {weights}), {main}.id DESC "
        "LIMIT %s OFFSET %s",
        params,
    )
