"""The addresses of rows (a recommendation's, a document's, a stage's), built without a full
`reverse()` each: a page lists dozens of rows, and `reverse()` was a tenth of its render."""

import functools
import re

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# What `<slug:...>` matches: such a slug reaches the address unquoted, as reverse() leaves it.
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
PLACEHOLDER = "slug-placeholder"
# Bounded: the script prefix comes from the server's SCRIPT_NAME, which a proxy may pass on.
PREFIXES_KEPT = 64


def slug_address(name: str, slug: str) -> str:
    """`reverse(name, args=[slug])` for a URL pattern whose one argument is a slug."""
    if not SLUG.fullmatch(slug):
        return reverse(name, args=[slug])  # Refused (NoReverseMatch) as reverse() refuses it.
    before, after = _around_slug(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return f"{before}{slug}{after}"


@functools.lru_cache(maxsize=PREFIXES_KEPT)
def _around_slug(name: str, script_prefix: str, urlconf: str) -> tuple[str, str]:
    """The address before and after the slug, reversed once for each script prefix (the
    address the site is served under) and URL configuration, which reverse() also reads."""
    before, after = reverse(name, args=[PLACEHOLDER], urlconf=urlconf).rsplit(PLACEHOLDER, 1)
    return before, after
