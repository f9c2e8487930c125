"""Today's count of recommendations of each stage and status (`models.StatusCount`), kept by the
database.

The scorecard shows today's public statuses by stage (the main essay's) and in total (every
recommendation). Counting the recommendations on each page grew with them: at x10 (3,000
recommendations) PostgreSQL read every recommendation row to count the main essay's 48 by
stage, and every one again for the totals. The counts are stored instead, one row a stage and
status, and triggers on `tracker_recommendation` keep them in step with every write to it:
`Recommendation.refresh_status`, the importers' saves and bulk updates, the admin, the seeds,
a queryset's update or delete, a cascade. No code path has to remember them.

A recommendation added raises its (stage, status) row, creating it at 1; one deleted lowers
it; a change of stage or status does both. A row at 0 is kept (it is what the next
recommendation of that stage and status raises), so a count is never deleted while another
transaction raises it.

Created by migration 0026 with `install(connection)`, which also counts the recommendations
already there (and mends the counts if the triggers were ever gone). SQLite drops a table's
triggers when a migration rebuilds it: a later migration that alters `tracker_recommendation`
on SQLite calls `install` again, as it does `full_text.install`
(tests/test_status_counts.py fails if the triggers are gone).
"""

from . import triggers

TABLE = "tracker_statuscount"
RECOMMENDATIONS = "tracker_recommendation"
COUNT_ALL = (
    f"INSERT INTO {TABLE} (stage_id, status, recommendation_count) "
    f"SELECT stage_id, status, count(*) FROM {RECOMMENDATIONS} GROUP BY stage_id, status"
)


def _add(row):
    return (
        f"INSERT INTO {TABLE} (stage_id, status, recommendation_count) "
        f"VALUES ({row}.stage_id, {row}.status, 1) ON CONFLICT (stage_id, status) "
        f"DO UPDATE SET recommendation_count = {TABLE}.recommendation_count + 1;"
    )


def _remove(row):
    return (
        f"UPDATE {TABLE} SET recommendation_count = recommendation_count - 1 "
        f"WHERE stage_id = {row}.stage_id AND status = {row}.status;"
    )


def _sqlite_statements():
    changed = "old.stage_id IS NOT new.stage_id OR old.status IS NOT new.status"
    return [
        *(f"DROP TRIGGER IF EXISTS {TABLE}_{event}" for event in triggers.SQLITE_EVENTS),
        f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON {RECOMMENDATIONS} BEGIN {_add('new')} END",
        f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON {RECOMMENDATIONS} "
        f"BEGIN {_remove('old')} END",
        f"CREATE TRIGGER {TABLE}_update AFTER UPDATE ON {RECOMMENDATIONS} WHEN {changed} "
        f"BEGIN {_remove('old')} {_add('new')} END",
    ]


# A count's row stays locked until the writer commits. A change of status takes the lower
# (stage, status) row first, whichever way it goes: two editors moving two recommendations of
# one stage in opposite directions (implemented to partial, partial to implemented) lock the
# same two rows in the same order, so one waits for the other instead of both deadlocking.
POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TABLE}_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.stage_id, NEW.status) < (OLD.stage_id, OLD.status) THEN
        {_add("NEW")}
        {_remove("OLD")}
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        {_remove("OLD")}
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_add("NEW")}
    END IF;
    RETURN NULL;
END
$$
"""


def _postgresql_statements():
    changed = "OLD.stage_id IS DISTINCT FROM NEW.stage_id OR OLD.status IS DISTINCT FROM NEW.status"
    return [
        POSTGRESQL_FUNCTION,
        f"DROP TRIGGER IF EXISTS {TABLE}_follow ON {RECOMMENDATIONS}",
        f"DROP TRIGGER IF EXISTS {TABLE}_follow_update ON {RECOMMENDATIONS}",
        f"CREATE TRIGGER {TABLE}_follow AFTER INSERT OR DELETE ON {RECOMMENDATIONS} "
        f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_follow()",
        f"CREATE TRIGGER {TABLE}_follow_update AFTER UPDATE ON {RECOMMENDATIONS} FOR EACH ROW "
        f"WHEN ({changed}) EXECUTE FUNCTION {TABLE}_follow()",
    ]


def install(connection):
    """Create the triggers and count the recommendations already there (in a migration, or to
    mend the counts)."""
    triggers.install(
        connection,
        TABLE,
        {"postgresql": _postgresql_statements, "sqlite": _sqlite_statements},
        COUNT_ALL,
    )


def uninstall(connection):
    triggers.uninstall(connection, TABLE, RECOMMENDATIONS)
