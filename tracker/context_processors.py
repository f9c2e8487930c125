from django.conf import settings


def site(request):
    """The absolute base of canonical links."""
    return {"site_url": settings.SITE_URL.rstrip("/")}
