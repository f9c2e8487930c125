"""Today's evidence of each recommendation as scorecard.csv writes it, stored on SQLite and kept
by the database: the `evidence` cell (each accepted implementing or partial link's document,
date and reason, in evidence order), its `evidence_urls` and its `evidence_count`.

Building them in the download's statement was about half of it at the record (each
recommendation's links joined with their actions and documents, sorted, their cells put
together): Datasette served the same file's scorecard query nearly as fast as the tracker
served the download. They are stored instead, one row a recommendation that has evidence (none
stands for no evidence: an empty cell and a count of 0), and triggers keep the rows in step
with every write to what they are made of: a link accepted, rejected, moved or given another
relation or reason; an action moved within or to another document; a document's title, date,
address, kind or publisher changed. Each such write makes its recommendations' rows again with
the statement that makes them all (`exports.cited_links_sql`, `exports.evidence_aggregates`),
so a stored row is always the one the download would build. Suggested links (most of the
writes of an import or a matching run) fire nothing.

The latest action and the statuses at the administrations' ends depend on the day, so the
download still reads the links for them; a download on a date (as_of) builds its evidence
itself, with the same aggregates. PostgreSQL's download is one COPY statement that builds the
evidence as it streams, and has no such table.

Created by migration 0027 with `install(connection)`, which also makes every row (and mends
them if the triggers were ever gone). SQLite drops a table's triggers when a migration
rebuilds it, and refuses to move the rebuilt table into place while a trigger on another
table names it (these triggers on links name actions and documents): a later migration that
alters `tracker_link`, `tracker_action` or `tracker_document` on SQLite calls `uninstall`
first and `install` after, as migration 0029 does (tests/test_scorecard_evidence.py fails
if the triggers are gone).
"""

from .compiled import sqlite_literal
from .models import Link

TABLE = "tracker_scorecardevidence"
_TRIGGERS = ("link_insert", "link_delete", "link_update", "action_update", "document_update")


def _made_again(recommendations):
    """The two statements that make again the rows of the recommendations whose ids the SQL
    `recommendations` gives, from their links."""
    from . import exports  # exports reads the table this module keeps.

    links, params = exports.cited_links_sql()
    aggregates = [
        *exports.evidence_aggregates(),
        ("evidence_count", "count(*) FILTER (WHERE evidence)", []),
    ]
    params = [p for _, _, aggregate_params in aggregates for p in aggregate_params] + params
    array = ", ".join(aggregate for _, aggregate, _ in aggregates)
    extracted = ", ".join(
        exports.json_value_sql(n, name, "figures") for n, (name, _, _) in enumerate(aggregates)
    )
    select = (
        f"SELECT pk, evidence, coalesce(urls, ''), evidence_count FROM (SELECT pk, {extracted} "
        f"FROM (SELECT r.pk, (SELECT json_array({array}) FROM ({links})) AS figures "
        f"FROM (SELECT id AS pk FROM tracker_recommendation WHERE id IN ({recommendations})) AS r "
        "LIMIT -1 OFFSET 0)) WHERE evidence_count > 0"
    )
    select, _ = exports.written_in(select, params)
    return [
        f"DELETE FROM {TABLE} WHERE recommendation_id IN ({recommendations})",
        f"INSERT INTO {TABLE} (recommendation_id, evidence, urls, evidence_count) {select}",
    ]


def _body(recommendations):
    return "BEGIN " + "".join(f"{s}; " for s in _made_again(recommendations)) + "END"


def _changed(columns):
    return " OR ".join(f"old.{column} IS NOT new.{column}" for column in columns)


def _triggers():
    accepted = sqlite_literal(Link.Review.ACCEPTED.value)
    of_action = (
        "SELECT recommendation_id FROM tracker_link "
        f"WHERE action_id = new.id AND review = {accepted}"
    )
    of_document = (
        "SELECT l.recommendation_id FROM tracker_link AS l JOIN tracker_action AS a "
        f"ON a.id = l.action_id WHERE a.factsheet_id = new.id AND l.review = {accepted}"
    )
    link_columns = ("review", "relation", "reason", "action_id", "recommendation_id")
    return {
        "link_insert": f"AFTER INSERT ON tracker_link WHEN new.review = {accepted} "
        f"{_body('new.recommendation_id')}",
        "link_delete": f"AFTER DELETE ON tracker_link WHEN old.review = {accepted} "
        f"{_body('old.recommendation_id')}",
        "link_update": "AFTER UPDATE ON tracker_link "
        f"WHEN (old.review = {accepted} OR new.review = {accepted}) AND ({_changed(link_columns)}) "
        f"{_body('old.recommendation_id, new.recommendation_id')}",
        "action_update": "AFTER UPDATE ON tracker_action "
        f"WHEN {_changed(('factsheet_id', 'position'))} {_body(of_action)}",
        "document_update": "AFTER UPDATE ON tracker_document "
        f"WHEN {_changed(('kind', 'publisher', 'title', 'published', 'url'))} "
        f"{_body(of_document)}",
    }


def install(connection):
    """Create the table and its triggers and make every row (in a migration, or to mend the
    rows); nothing on PostgreSQL."""
    if connection.vendor != "sqlite":
        return
    statements = [
        f"CREATE TABLE IF NOT EXISTS {TABLE} (recommendation_id integer NOT NULL PRIMARY KEY, "
        "evidence text NOT NULL, urls text NOT NULL, evidence_count integer NOT NULL)",
        *_drops(),
        *(f"CREATE TRIGGER {TABLE}_{name} {body}" for name, body in _triggers().items()),
        *_made_again("SELECT id FROM tracker_recommendation"),
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def uninstall(connection):
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for statement in [*_drops(), f"DROP TABLE IF EXISTS {TABLE}"]:
                cursor.execute(statement)


def _drops():
    return [f"DROP TRIGGER IF EXISTS {TABLE}_{name}" for name in _TRIGGERS]
