import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address, for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE).

    Behind the proxy (BEHIND_PROXY) every request comes from the proxy's address, so the
    visitor's is the last X-Forwarded-For entry: the one our proxy appended. Entries before
    it were sent by the visitor and could be anything. Without a proxy, REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR")
    if not settings.BEHIND_PROXY:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return remote


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy header: strict on public pages, looser in the admin."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.admin_prefix = reverse("admin:index")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        admin = request.path.startswith(self.admin_prefix)
        policy = (
            settings.ADMIN_CONTENT_SECURITY_POLICY if admin else settings.CONTENT_SECURITY_POLICY
        )
        response.headers.setdefault("Content-Security-Policy", policy)
        return response
