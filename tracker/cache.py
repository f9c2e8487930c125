"""Whole-page caching of public pages, which are the same for every visitor.

A page is cached under the site's data version; any change editors or
imports make bumps the version (signals for single saves, explicit calls
after bulk writes), so no visitor ever sees a stale page.
"""

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponseBase

from .models import Action, Document, Link, Recommendation, SiteVersion, Stage, StatusChange

PAGE_SECONDS = 60 * 60
PUBLISHED_MODELS = (Document, Stage, Recommendation, Action, Link, StatusChange)


View = Callable[..., HttpResponseBase]


def cached_page(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"page:{SiteVersion.current()}:{path}"
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming and not response.cookies:
                cache.set(key, response, PAGE_SECONDS)
        return response

    return wrapper


def published_data_changed(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    # Machine suggestions are not published: creating one leaves public pages as they are.
    if isinstance(instance, Link) and instance.review == Link.Review.SUGGESTED:
        return
    SiteVersion.bump()


# Deletions of links and actions are bumped explicitly where they happen: a
# post_delete receiver would make Django fetch every row of a bulk delete.
for model in PUBLISHED_MODELS:
    post_save.connect(published_data_changed, sender=model, dispatch_uid=f"bump-{model.__name__}")
for model in (Document, Stage, Recommendation, StatusChange):
    post_delete.connect(
        published_data_changed, sender=model, dispatch_uid=f"bump-delete-{model.__name__}"
    )
