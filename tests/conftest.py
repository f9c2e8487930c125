from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture
def seeds_dir():
    return settings.SEEDS_DIR


@pytest.fixture
def write_file(tmp_path):
    """Write `content` (str or bytes) to a file under tmp_path and return its path."""

    def write(name, content):
        path = Path(tmp_path, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Cached pages must not leak from one test's database into another's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def no_stray_database_sessions(django_db_setup, django_db_blocker):
    """Let the test database be dropped at the end, whatever a server thread left open.

    A streamed download served by the browser test's live server keeps its database
    session until the response is closed or garbage-collected; on PostgreSQL an open
    session makes `DROP DATABASE` fail at teardown.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    connection.close()
