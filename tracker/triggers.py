"""Stored figures kept by the database: installing and removing the triggers that keep a
figures table (`document_sets`, `status_counts`) in step with the table it counts.

Each module writes its own triggers, one PostgreSQL function with two triggers
(`<table>_follow`, `<table>_follow_update`) or three SQLite triggers (`<table>_insert`,
`_delete`, `_update`); installing them also counts the source table afresh, so that
`install` mends figures that went wrong while the triggers were gone.
"""

SQLITE_EVENTS = ("insert", "delete", "update")


def install(connection, table, statements, count_all):
    """Run `statements[vendor]()` (creating `table`'s triggers), then count `table` afresh
    with `count_all`; nothing on a database with no triggers written for it."""
    written = statements.get(connection.vendor)
    if written is not None:
        _execute(connection, [*written(), f"DELETE FROM {table}", count_all])


def uninstall(connection, table, source):
    """Drop the triggers that `install` created on `source` for `table`."""
    if connection.vendor == "postgresql":
        _execute(
            connection,
            [
                f"DROP TRIGGER IF EXISTS {table}_follow ON {source}",
                f"DROP TRIGGER IF EXISTS {table}_follow_update ON {source}",
                f"DROP FUNCTION IF EXISTS {table}_follow()",
            ],
        )
    elif connection.vendor == "sqlite":
        _execute(connection, [f"DROP TRIGGER IF EXISTS {table}_{e}" for e in SQLITE_EVENTS])


def _execute(connection, statements):
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
