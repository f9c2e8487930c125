"""Whole-page caching of public pages and conditional GET of every public address.

A page is cached under the site's data version; every change editors or
imports make calls `published_data_changed()`, which bumps the version when
the change commits, so no visitor ever sees a stale page.

Every public page, download and feed also carries an ETag made of the same
things (data version, day, full path, and the release of the code and
templates); a request whose `If-None-Match` holds it is answered 304 after one
query (the data version), without touching the rows or rendering anything.
"""

import functools
import hashlib
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import parse_etags  # type: ignore[attr-defined]  # not in the stubs

from .models import SiteVersion

PAGE_SECONDS = 60 * 60


View = Callable[..., HttpResponseBase]


@functools.cache
def _release() -> str:
    """A digest of the code, templates and static files: a deployment that changes how a
    page looks changes its ETag even when the data has not changed."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for folder in (root, Path(settings.BASE_DIR) / "templates"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html", ".css", ".js", ".yaml", ".txt"):
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def page_key(request: HttpRequest) -> str:
    """What a public response depends on: the data version, the day (pages show statuses
    "today" and a chart up to this month), the full path with its query, the release and
    the address exports write links to."""
    path = hashlib.sha256(f"{settings.SITE_URL} {request.get_full_path()}".encode()).hexdigest()
    return f"{SiteVersion.current()}:{timezone.localdate()}:{_release()}:{path}"


def _etag(key: str) -> str:
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _not_modified(request: HttpRequest, etag: str) -> HttpResponseBase | None:
    """A 304 when the request's If-None-Match holds `etag` (weak comparison, as for GET)."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return None
    tags = parse_etags(header)
    if "*" in tags or etag in (tag.removeprefix("W/") for tag in tags):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    return None


def _tag(response: HttpResponseBase, etag: str) -> HttpResponseBase:
    if response.status_code == 200 and not response.cookies:
        response.headers.setdefault("ETag", etag)
    return response


def conditional(view: View) -> View:
    """ETag and a 304 for If-None-Match, for public responses that are not cached whole
    (the downloads and the feeds)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        etag = _etag(page_key(request))
        return _not_modified(request, etag) or _tag(view(request, *args, **kwargs), etag)

    return wrapper


def cached_page(view: View) -> View:
    """The page from the cache when nothing changed, and a 304 when the visitor has it."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        key = page_key(request)
        etag = _etag(key)
        not_modified = _not_modified(request, etag)
        if not_modified is not None:
            return not_modified
        response = cache.get(f"page:{key}")
        if response is None:
            response = _tag(view(request, *args, **kwargs), etag)
            if response.status_code == 200 and not response.streaming and not response.cookies:
                cache.set(f"page:{key}", response, PAGE_SECONDS)
        return response

    return wrapper


def published_data_changed() -> None:
    """Every writer of published data calls this: once the transaction commits, the
    site's data version goes up and every web process stops serving the old pages.

    Writers call it explicitly (bulk writes send no signals, so signals could not
    be the one path); machine suggestions are not published and do not call it.
    """
    transaction.on_commit(SiteVersion.bump)
