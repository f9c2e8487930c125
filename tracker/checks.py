"""The tracker's own system checks (run by `manage.py check --deploy`)."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def https_without_proxy(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """HTTPS on without BEHIND_PROXY: behind a TLS proxy, every request redirects forever."""
    if settings.SECURE_SSL_REDIRECT and not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return [
            Warning(
                "HTTPS is on (SECURE_SSL_REDIRECT) but BEHIND_PROXY is not set: if a proxy "
                "terminates TLS and forwards plain HTTP, every request is redirected to HTTPS "
                "again, an endless redirect loop.",
                hint="Set BEHIND_PROXY=1 behind a TLS proxy that sets X-Forwarded-Proto "
                "(deploy/nginx/tracker.conf does). If TLS ends in gunicorn itself, silence "
                "this with SILENCED_SYSTEM_CHECKS = ['tracker.W001'].",
                id="tracker.W001",
            )
        ]
    return []
