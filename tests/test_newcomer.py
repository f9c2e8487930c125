"""A newcomer's first run: `make run` on a PostgreSQL database that does not exist yet."""

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [pytest.mark.slow, pytest.mark.django_db]  # Subprocesses that start Django.


def ensure_database(url):
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "x"}
    return subprocess.run(
        [sys.executable, "manage.py", "ensure_database"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)
def test_a_missing_postgresql_database_is_created_then_found():
    name = f"newcomer_{uuid.uuid4().hex[:8]}"
    url = os.environ["DATABASE_URL"].split("?")[0].rsplit("/", 1)[0] + "/" + name
    try:
        first = ensure_database(url)
        assert (first.returncode, first.stdout) == (0, f"Database {name}: created.\n")
        again = ensure_database(url)
        assert (again.returncode, again.stdout) == (0, f"Database {name}: exists.\n")
    finally:
        import psycopg

        params = {**connection.get_connection_params(), "dbname": "postgres"}
        with psycopg.connect(**params, autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_an_unreachable_server_is_one_line_not_a_traceback():
    result = ensure_database("postgres://postgres@127.0.0.1:1/nowhere")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Cannot connect to PostgreSQL" in result.stderr
