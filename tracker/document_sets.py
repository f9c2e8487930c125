"""The stored figures of each document set (`models.DocumentSet`), kept by the database.

The scope of the record (`record.scope`) counts the documents of each kind and
administration, with their first and last dates and their latest save. Counting
every document on each page grew with the record; the figures are stored instead,
one row a set, and triggers on `tracker_document` keep them in step with every
write to it: the importers' saves, the admin, the seeds, bulk creation, a
queryset's update or delete, a cascade. No code path has to remember them.

A document added to a set raises its count and widens its dates; one taken out
lowers the count, and only when it held one of the set's extremes (its first or
last date, its latest save) are they read again from the documents of that set,
through the index `document_scope`. A change of kind, administration, date or
save time takes the document out of its old set and adds it to its new one.

Created by migration 0021 with `install(connection)`, which also counts the
documents already there (and mends the figures if the triggers were ever gone).
SQLite drops a table's triggers when a migration rebuilds it: a later migration
that alters `tracker_document` on SQLite calls `install` again, as it does
`full_text.install` (tests/test_document_sets.py fails if the triggers are gone).
"""

from . import triggers

TABLE = "tracker_documentset"
DOCUMENTS = "tracker_document"
WATCHED = ("kind", "administration_id", "published", "updated_at")
FIGURES = "kind, administration_id, document_count, first_published, last_published, last_updated"
COUNT_ALL = (
    f"INSERT INTO {TABLE} ({FIGURES}) SELECT kind, administration_id, count(*), min(published), "
    f"max(published), max(updated_at) FROM {DOCUMENTS} GROUP BY kind, administration_id"
)


def _same_set(row):
    # `IS` compares NULLs (no administration) as equal, and SQLite answers it from an index.
    return f"kind = {row}.kind AND administration_id IS {row}.administration_id"


_SQLITE_ADD = (
    f"INSERT INTO {TABLE} ({FIGURES}) VALUES (new.kind, new.administration_id, 0, "
    "new.published, new.published, new.updated_at) ON CONFLICT DO NOTHING; "
    f"UPDATE {TABLE} SET document_count = document_count + 1, "
    "first_published = min(first_published, new.published), "
    "last_published = max(last_published, new.published), "
    f"last_updated = max(last_updated, new.updated_at) WHERE {_same_set('new')};"
)
_DOCUMENTS_OF_OLD = (
    f"FROM {DOCUMENTS} AS d WHERE d.kind = old.kind "
    "AND d.administration_id IS old.administration_id"
)
_SQLITE_REMOVE = (
    f"UPDATE {TABLE} SET document_count = document_count - 1 WHERE {_same_set('old')}; "
    f"DELETE FROM {TABLE} WHERE {_same_set('old')} AND document_count = 0; "
    # One aggregate a subquery: SQLite reads a min() or max() alone from the index.
    f"UPDATE {TABLE} SET first_published = (SELECT min(d.published) {_DOCUMENTS_OF_OLD}), "
    f"last_published = (SELECT max(d.published) {_DOCUMENTS_OF_OLD}), "
    f"last_updated = (SELECT max(d.updated_at) {_DOCUMENTS_OF_OLD}) "
    f"WHERE {_same_set('old')} AND (old.published IN (first_published, last_published) "
    "OR old.updated_at = last_updated);"
)


def _postgresql_recount(administration):
    """The statement that reads a set's extremes again, for OLD's administration or none (two
    statements, so that each is answered from the index).

    PostgreSQL runs a statement's row triggers after the whole statement: one that deletes
    (or moves) every document of a set finds it empty while the set's count still waits for
    the other rows' triggers, the last of which deletes the set's row. Until then it keeps
    its dates."""
    return (
        f"UPDATE {TABLE} SET (first_published, last_published, last_updated) = "
        "(SELECT coalesce(min(d.published), first_published), "
        "coalesce(max(d.published), last_published), coalesce(max(d.updated_at), last_updated) "
        f"FROM {DOCUMENTS} AS d WHERE d.kind = OLD.kind AND d.administration_id {administration}) "
        "WHERE kind = OLD.kind AND administration_id IS NOT DISTINCT FROM OLD.administration_id;"
    )


# In PostgreSQL's READ COMMITTED, each statement of the function sees what other transactions
# committed before it began. A set's row is locked (by the first UPDATE) before its extremes
# are read again, so a concurrent write to the same set waits, or is seen.
POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TABLE}_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    remaining integer;
    first_date date;
    last_date date;
    latest timestamptz;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE {TABLE} SET document_count = document_count - 1
            WHERE kind = OLD.kind AND administration_id IS NOT DISTINCT FROM OLD.administration_id
            RETURNING document_count, first_published, last_published, last_updated
            INTO remaining, first_date, last_date, latest;
        IF remaining = 0 THEN
            DELETE FROM {TABLE} WHERE kind = OLD.kind
                AND administration_id IS NOT DISTINCT FROM OLD.administration_id;
        ELSIF OLD.published IN (first_date, last_date) OR OLD.updated_at = latest THEN
            IF OLD.administration_id IS NULL THEN
                {_postgresql_recount("IS NULL")}
            ELSE
                {_postgresql_recount("= OLD.administration_id")}
            END IF;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO {TABLE} ({FIGURES}) VALUES (NEW.kind, NEW.administration_id, 0,
            NEW.published, NEW.published, NEW.updated_at) ON CONFLICT DO NOTHING;
        UPDATE {TABLE} SET document_count = document_count + 1,
                first_published = least(first_published, NEW.published),
                last_published = greatest(last_published, NEW.published),
                last_updated = greatest(last_updated, NEW.updated_at)
            WHERE kind = NEW.kind AND administration_id IS NOT DISTINCT FROM NEW.administration_id;
    END IF;
    RETURN NULL;
END
$$
"""


STORED = triggers.StoredFigures(
    table=TABLE,
    source=DOCUMENTS,
    watched=WATCHED,
    count_all=COUNT_ALL,
    sqlite_add=_SQLITE_ADD,
    sqlite_remove=_SQLITE_REMOVE,
    postgresql_function=POSTGRESQL_FUNCTION,
)
# Called by migration 0021 and by a later migration that rebuilds the table on SQLite.
install = STORED.install
uninstall = STORED.uninstall
