from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, str]:
    """The absolute base of canonical links."""
    return {"site_url": settings.SITE_URL.rstrip("/")}
