import runpy
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.utils import ConnectionHandler

from tracker import settings as tracker_settings
from tracker.settings import CONNECTION_SECONDS, SQLITE_OPTIONS, database_from_url, env_bool


def test_postgres_urls_are_parsed():
    config = database_from_url("postgres://postgres:s%40cret@127.0.0.1:5432/test")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"], config["NAME"]) == (
        "postgres",
        "s@cret",
        "127.0.0.1",
        "5432",
        "test",
    )


@pytest.mark.parametrize("url", ["mysql://root@localhost/db", "postgres://host/"])
def test_unsupported_database_urls_are_refused(url):
    with pytest.raises(ImproperlyConfigured):
        database_from_url(url)


def test_postgres_query_options_reach_the_driver():
    config = database_from_url(
        "postgres://tracker@db.example.org/tracker?sslmode=require&connect_timeout=5"
    )
    assert config["OPTIONS"] == {"sslmode": "require", "connect_timeout": 5}
    assert config["HOST"] == "db.example.org"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgres://h/db?sslmod=require", "'sslmod' is not a PostgreSQL connection parameter"),
        ("postgres://h/db?sslmode=on", "sslmode must be one of"),
        ("postgres://h/db?sslmode=require&sslmode=disable", "'sslmode' more than once"),
        ("sqlite:////tmp/db.sqlite3?timeout=20", "takes no query options"),
    ],
)
def test_database_url_options_that_would_be_dropped_are_refused(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(url)


@pytest.mark.parametrize(
    "url", ["postgres://tracker:s3cret@db:notaport/tracker", "postgres://tracker:s3cret@db:99999/t"]
)
def test_a_bad_port_is_refused_in_one_line_without_the_password(url):
    with pytest.raises(ImproperlyConfigured) as refusal:
        database_from_url(url)
    message = str(refusal.value)
    assert "port" in message
    assert "\n" not in message
    assert "s3cret" not in message


def test_sqlite_urls_name_a_file():
    assert database_from_url("sqlite:////srv/tracker/db.sqlite3") == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/srv/tracker/db.sqlite3",
        "CONN_MAX_AGE": CONNECTION_SECONDS,
        "OPTIONS": SQLITE_OPTIONS,
    }


@pytest.mark.parametrize("url", [None, "sqlite:///{path}"])
def test_a_new_sqlite_connection_has_a_large_page_cache(
    url, tmp_path, monkeypatch, django_db_blocker
):
    """The default file and a sqlite:// URL alike (what 2 MB of cache did to an x10 database:
    tracker/settings.py)."""
    if url is None:
        monkeypatch.delenv("DATABASE_URL", raising=False)
        default = runpy.run_path(tracker_settings.__file__)["DATABASES"]["default"]
        config = default | {"NAME": tmp_path / "db.sqlite3"}
    else:
        config = database_from_url(url.format(path=tmp_path / "db.sqlite3"))
    connection = ConnectionHandler({"default": config})["default"]
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            assert cursor.fetchone() == (-65536,)  # KiB: 64 MB.
    finally:
        connection.close()


@pytest.mark.parametrize("url", ["sqlite:////srv/tracker/db.sqlite3", "postgres://h:5432/db"])
def test_web_threads_keep_their_database_connection_between_requests(url):
    assert database_from_url(url)["CONN_MAX_AGE"] == CONNECTION_SECONDS > 0


def test_a_bad_boolean_is_refused(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be 1 or 0"):
        env_bool("DEBUG")


@pytest.mark.slow  # A subprocess that starts Django.
def test_a_missing_secret_key_stops_start_up_with_a_clear_message():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "tracker.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_make_run_serves_with_a_site_url_that_follows_its_port():
    """Canonical links and download addresses point where `make run` serves."""
    from django.conf import settings

    makefile = (settings.BASE_DIR / "Makefile").read_text()
    assert "run: export SITE_URL ?= http://$(HOST):$(PORT)" in makefile
