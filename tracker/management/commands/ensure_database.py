from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections


def ensure_database(alias: str = DEFAULT_DB_ALIAS) -> str:
    """Create the PostgreSQL database `DATABASE_URL` names if it does not exist yet.

    Returns what was done, in one line. SQLite creates its file by itself; any other
    failure to connect is raised as a one-line `CommandError` saying what to check.
    """
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return "Database: SQLite, created on first use."
    name = connection.settings_dict["NAME"]
    try:
        connection.ensure_connection()
        return f"Database {name}: exists."
    except OperationalError as error:
        if f'database "{name}" does not exist' not in str(error):
            raise CommandError(f"Cannot connect to PostgreSQL: {_first_line(error)}") from None
    import psycopg
    from psycopg import sql

    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    try:
        with psycopg.connect(**params, autocommit=True) as server:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        raise CommandError(
            f"Database {name} does not exist and could not be created ({_first_line(error)}); "
            f"create it with: createdb {name}"
        ) from None
    return f"Database {name}: created."


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class Command(BaseCommand):
    help = (
        "Create the PostgreSQL database DATABASE_URL names if it does not exist (make run "
        "calls it before migrate); on SQLite, nothing to do."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(ensure_database())
