"""Whole-page caching of public pages, which are the same for every visitor.

A page is cached under the site's data version; any change editors or
imports make bumps the version (signals for single saves, explicit calls
after bulk writes), so no visitor ever sees a stale page.
"""

import hashlib
from functools import wraps

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .models import Action, Document, Link, Recommendation, SiteVersion, Stage, StatusChange

PAGE_SECONDS = 60 * 60
PUBLISHED_MODELS = (Document, Stage, Recommendation, Action, Link, StatusChange)


def cached_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
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


def published_data_changed(sender, instance, **kwargs):
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
