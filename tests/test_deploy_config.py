"""The shipped gunicorn.conf.py, read by gunicorn's own Config, and the nginx site file."""

import gc

import pytest
from django.conf import settings
from gunicorn.app.base import Application

GUNICORN_CONF = settings.BASE_DIR / "gunicorn.conf.py"
NGINX_SITE = settings.BASE_DIR / "deploy/nginx/tracker.conf"


class ConfigOnly(Application):
    """gunicorn's application loader, reading only the configuration file."""

    def load_config(self):
        self.load_config_from_file(str(GUNICORN_CONF))

    def load(self):
        raise AssertionError("the tests never serve")


@pytest.fixture
def gunicorn_env(monkeypatch):
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_gunicorn_conf_sets_threads_timeouts_and_request_limits(gunicorn_env):
    cfg = ConfigOnly().cfg

    assert cfg.worker_class_str == "gthread"
    assert (cfg.workers, cfg.threads) == (2, 4)
    assert cfg.bind == ["127.0.0.1:8000"]
    assert (cfg.timeout, cfg.graceful_timeout) == (30, 30)
    assert cfg.limit_request_line == 4094
    assert cfg.limit_request_fields == 50
    assert cfg.limit_request_field_size == 8190
    assert cfg.accesslog == "-"
    assert cfg.wsgi_app == "tracker.wsgi:application"


def test_gunicorn_workers_and_threads_come_from_the_environment(gunicorn_env):
    gunicorn_env.setenv("GUNICORN_WORKERS", "3")
    gunicorn_env.setenv("GUNICORN_THREADS", "8")
    gunicorn_env.setenv("GUNICORN_BIND", "0.0.0.0:9000")

    cfg = ConfigOnly().cfg

    assert (cfg.workers, cfg.threads, cfg.bind) == (3, 8, ["0.0.0.0:9000"])


def test_a_process_is_recycled_rarely_since_each_new_one_loads_django_and_renders_anew(
    gunicorn_env,
):
    cfg = ConfigOnly().cfg

    assert (cfg.max_requests, cfg.max_requests_jitter) == (100_000, 10_000)


def test_each_process_sets_the_loaded_app_aside_from_the_garbage_collector(gunicorn_env):
    cfg = ConfigOnly().cfg
    gc.unfreeze()
    try:
        cfg.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_bad_gunicorn_number_stops_start_up_with_its_name(gunicorn_env):
    gunicorn_env.setenv("GUNICORN_THREADS", "many")
    with pytest.raises(SystemExit, match="GUNICORN_THREADS must be a positive whole number"):
        ConfigOnly()


def test_the_nginx_site_buffers_slow_clients_and_forwards_the_visitor():
    site = NGINX_SITE.read_text(encoding="utf-8")
    for directive in [
        "client_header_timeout 10s;",
        "client_body_timeout 10s;",
        "proxy_request_buffering on;",
        "proxy_buffering on;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "location /static/ {",
        "server 127.0.0.1:8000;",
    ]:
        assert directive in site, directive
