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


STORED = triggers.StoredFigures(
    table=TABLE,
    source=RECOMMENDATIONS,
    watched=("stage_id", "status"),
    count_all=COUNT_ALL,
    sqlite_add=_add("new"),
    sqlite_remove=_remove("old"),
    postgresql_function=POSTGRESQL_FUNCTION,
)
# Called by migration 0026 and by a later migration that rebuilds the table on SQLite.
install = STORED.install
uninstall = STORED.uninstall
