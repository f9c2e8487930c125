from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

# The product's one name: the site's header and titles, the admin, the feeds.
SITE_NAME = "Human rights agenda tracker"


def site(request: HttpRequest) -> dict[str, object]:
    """The absolute base of canonical links, the product's name, and today (for citations)."""
    return {
        "site_url": settings.SITE_URL.rstrip("/"),
        "site_name": SITE_NAME,
        "accessed": timezone.localdate(),
    }
