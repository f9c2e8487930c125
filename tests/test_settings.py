import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tracker.settings import database_from_url, env_bool


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


def test_a_bad_boolean_is_refused(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be 1 or 0"):
        env_bool("DEBUG")


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
