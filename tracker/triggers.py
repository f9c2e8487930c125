"""Stored figures kept by the database: the triggers that keep a figures table
(`document_sets`, `status_counts`) in step with the table it counts.

Each module writes what a row arriving in or leaving the counted table does to its figures
(SQLite trigger bodies, a PostgreSQL function `<table>_follow()`); the triggers that call them
are made here, the same for both: on insert, on delete, and on an update of a watched column.
Installing them also counts the source table afresh, so that `install` mends figures that
went wrong while the triggers were gone.
"""

from dataclasses import dataclass

SQLITE_EVENTS = ("insert", "delete", "update")


@dataclass(frozen=True)
class StoredFigures:
    table: str  # the figures
    source: str  # the table they count
    watched: tuple  # the source's columns whose change moves a row from one figure to another
    count_all: str  # fills the empty figures table from the source
    sqlite_add: str  # SQLite statements for a row arriving (`new`)
    sqlite_remove: str  # and for one leaving (`old`)
    postgresql_function: str  # creates `<table>_follow()`, for the three events

    def install(self, connection):
        """Create the triggers and count the source's rows already there (in a migration, or
        to mend the figures); nothing on a database with no triggers written for it."""
        statements = {"postgresql": self._postgresql, "sqlite": self._sqlite}.get(connection.vendor)
        if statements is not None:
            _execute(connection, [*statements(), f"DELETE FROM {self.table}", self.count_all])

    def uninstall(self, connection):
        if connection.vendor == "postgresql":
            _execute(connection, [*self._postgresql_drops(), self._drop_function()])
        elif connection.vendor == "sqlite":
            _execute(connection, self._sqlite_drops())

    def _sqlite(self):
        table, source = self.table, self.source
        changed = " OR ".join(f"old.{column} IS NOT new.{column}" for column in self.watched)
        return [
            *self._sqlite_drops(),
            f"CREATE TRIGGER {table}_insert AFTER INSERT ON {source} BEGIN {self.sqlite_add} END",
            f"CREATE TRIGGER {table}_delete AFTER DELETE ON {source} "
            f"BEGIN {self.sqlite_remove} END",
            f"CREATE TRIGGER {table}_update AFTER UPDATE ON {source} WHEN {changed} "
            f"BEGIN {self.sqlite_remove} {self.sqlite_add} END",
        ]

    def _sqlite_drops(self):
        return [f"DROP TRIGGER IF EXISTS {self.table}_{event}" for event in SQLITE_EVENTS]

    def _postgresql(self):
        table, source = self.table, self.source
        changed = " OR ".join(
            f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in self.watched
        )
        return [
            self.postgresql_function,
            *self._postgresql_drops(),
            f"CREATE TRIGGER {table}_follow AFTER INSERT OR DELETE ON {source} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_follow()",
            f"CREATE TRIGGER {table}_follow_update AFTER UPDATE ON {source} FOR EACH ROW "
            f"WHEN ({changed}) EXECUTE FUNCTION {table}_follow()",
        ]

    def _postgresql_drops(self):
        return [
            f"DROP TRIGGER IF EXISTS {self.table}_{name} ON {self.source}"
            for name in ("follow", "follow_update")
        ]

    def _drop_function(self):
        return f"DROP FUNCTION IF EXISTS {self.table}_follow()"


def _execute(connection, statements):
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
