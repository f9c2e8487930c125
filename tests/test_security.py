import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tracker.checks import https_without_proxy
from tracker.markup import render_markdown

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java&#x09;script:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<body onload=alert(1)>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '![x](x" onerror="alert(1))',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    '<input autofocus onfocus="alert(1)">',
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_editor_markdown_is_sanitised(payload):
    html = str(render_markdown(payload)).lower()
    for danger in ["<script", "onerror", "onload", "onfocus", "javascript:", "<iframe", "style=",
                   "data:text", "<form", "<input", "<svg"]:  # fmt: skip
        assert danger not in html, (payload, html)


def test_markdown_keeps_ordinary_formatting():
    html = str(render_markdown("**Bold**, *em* and [a link](https://example.org)."))
    assert "<strong>Bold</strong>" in html and "<em>em</em>" in html
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">a link</a>' in html


def deploy_environment(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "HTTPS", "BEHIND_PROXY"}
    }
    return {
        **env,
        "SECRET_KEY": "d9!f7#Kq2$wZ@8vLx^pR4&nT6*bY0(eH3)uJ5+cM1=gA7_sD-fG9%hK2",
        "ALLOWED_HOSTS": "tracker.example.org",
        "BEHIND_PROXY": "1",  # Behind nginx, as the README's production section says.
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        **extra,
    }


@pytest.mark.slow  # A subprocess that starts Django.
def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=deploy_environment(), capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow  # A subprocess that starts Django.
def test_check_deploy_warns_of_a_redirect_loop_with_https_and_no_proxy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=deploy_environment(BEHIND_PROXY="0"), capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert "tracker.W001" in result.stderr + result.stdout
    assert "redirect loop" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("redirect", "proxy_header", "warned"),
    [
        (True, None, True),
        (True, ("HTTP_X_FORWARDED_PROTO", "https"), False),
        (False, None, False),
    ],
)
def test_the_redirect_loop_check(settings, redirect, proxy_header, warned):
    settings.SECURE_SSL_REDIRECT = redirect
    settings.SECURE_PROXY_SSL_HEADER = proxy_header
    assert [m.id for m in https_without_proxy(None)] == (["tracker.W001"] if warned else [])


@pytest.mark.slow  # A subprocess that starts Django.
def test_production_settings_are_secure():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SESSION_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS > 0, s.X_FRAME_OPTIONS)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR, env=deploy_environment(), capture_output=True, text=True,
    )  # fmt: skip
    assert result.stdout.split()[-7:] == ["False", "True", "True", "True", "True", "True", "DENY"]


def test_security_headers_on_public_pages(client, db):
    response = client.get(reverse("tracker:about"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_public_pages_have_no_inline_scripts_or_styles(client, db):
    for name in ["tracker:scorecard", "tracker:recommendation_list", "tracker:about"]:
        html = client.get(reverse(name)).content.decode().lower()
        assert "<script" not in html and " style=" not in html and " on" + "click=" not in html


def test_admin_login_is_throttled_after_five_failures(client, db):
    get_user_model().objects.create_superuser("admin", password="the-right-password-1")
    login = reverse("admin:login")
    statuses = [
        client.post(login, {"username": "admin", "password": "wrong"}).status_code for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # The fifth failure locks the account out.
    locked = client.post(login, {"username": "admin", "password": "the-right-password-1"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_correct_login_still_works_before_the_limit(client, db):
    get_user_model().objects.create_superuser("admin", password="the-right-password-1")
    client.post(reverse("admin:login"), {"username": "admin", "password": "wrong"})
    response = client.post(
        reverse("admin:login"), {"username": "admin", "password": "the-right-password-1"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


WRONG = {"username": "editor", "password": "wrong"}
RIGHT = {"username": "editor", "password": "the-right-password-1"}
PROXY = "127.0.0.1"


def test_behind_the_proxy_one_visitors_failures_do_not_lock_out_another(client, db, settings):
    settings.BEHIND_PROXY = True
    get_user_model().objects.create_superuser("editor", password=RIGHT["password"])
    login = reverse("admin:login")
    # Our proxy appends the address it saw; the entry before it is whatever the visitor sent.
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.9"}

    statuses = [client.post(login, WRONG, **attacker).status_code for _ in range(5)]
    visitor = Client().post(login, RIGHT, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.44")
    spoofed = Client().post(
        login, RIGHT, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.44, 203.0.113.9"
    )

    assert statuses[-1] == 429
    assert visitor.status_code == 302  # Same proxy, another visitor: not locked out.
    assert spoofed.status_code == 429  # A forged first entry does not escape the lock.


def test_without_a_proxy_forwarded_for_is_ignored(client, db, settings):
    settings.BEHIND_PROXY = False
    get_user_model().objects.create_superuser("editor", password=RIGHT["password"])
    login = reverse("admin:login")

    statuses = [
        client.post(
            login, WRONG, REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        ).status_code
        for n in range(5)
    ]

    assert statuses[-1] == 429  # A new X-Forwarded-For per guess buys no more guesses.
