"""Whole-page caching of public pages, which are the same for every visitor.

A page is cached under the site's data version; every change editors or
imports make calls `published_data_changed()`, which bumps the version when
the change commits, so no visitor ever sees a stale page.
"""

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from .models import SiteVersion

PAGE_SECONDS = 60 * 60


View = Callable[..., HttpResponseBase]


def cached_page(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        # Pages show statuses "today" and a chart up to this month: a new day is a new page.
        key = f"page:{SiteVersion.current()}:{timezone.localdate()}:{path}"
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming and not response.cookies:
                cache.set(key, response, PAGE_SECONDS)
        return response

    return wrapper


def published_data_changed() -> None:
    """Every writer of published data calls this: once the transaction commits, the
    site's data version goes up and every web process stops serving the old pages.

    Writers call it explicitly (bulk writes send no signals, so signals could not
    be the one path); machine suggestions are not published and do not call it.
    """
    transaction.on_commit(SiteVersion.bump)
