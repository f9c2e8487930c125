"""Atom feeds of status changes: all of them, and one per recommendation."""

import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from .context_processors import SITE_NAME
from .markup import render_markdown
from .models import Recommendation, StatusChange
from .text import strip_illegal

FEED_LENGTH = 50


def _xml_safe(value: Any) -> Any:
    return strip_illegal(value) if isinstance(value, str) else value


class SafeAtom1Feed(Atom1Feed):
    """Atom that stored text cannot break: every string loses the characters XML forbids."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})


class StatusChangesFeed(Feed):
    feed_type = SafeAtom1Feed
    title = f"{SITE_NAME}: status changes"
    subtitle = (
        "Each change of a recommendation's status or its reason since the curated record was "
        "loaded (an editor's review or correction), with the reason. How the documents moved "
        "the statuses over the years is in each recommendation's timeline."
    )

    def link(self) -> str:
        return reverse("tracker:scorecard")

    def items(self) -> QuerySet[StatusChange]:
        return StatusChange.objects.recent(FEED_LENGTH)

    def item_title(self, change: StatusChange) -> str:
        return f"{change.recommendation.title}: {change.summary}"

    def item_description(self, change: StatusChange) -> str:
        """The reason as the pages show it: Markdown rendered to sanitised HTML."""
        return render_markdown(change.reason or "Status changed.")

    def item_link(self, change: StatusChange) -> str:
        return change.recommendation.get_absolute_url() + f"#change-{change.pk}"

    def item_pubdate(self, change: StatusChange) -> datetime.datetime:
        return change.changed_at

    def item_updateddate(self, change: StatusChange) -> datetime.datetime:
        return change.changed_at


# Django's Feed calls title, link and items with the feed's object when they take one,
# so this subclass changes their signatures on purpose.
class RecommendationFeed(StatusChangesFeed):
    def get_object(self, request: HttpRequest, code: str) -> Recommendation:
        return get_object_or_404(Recommendation, code=code)

    def title(self, recommendation: Recommendation) -> str:  # type: ignore[override]
        return f"{recommendation.title}: status changes"

    def link(self, recommendation: Recommendation) -> str:  # type: ignore[override]
        return recommendation.get_absolute_url()

    def items(self, recommendation: Recommendation) -> QuerySet[StatusChange]:  # type: ignore[override]
        return StatusChange.objects.filter(recommendation=recommendation).recent(FEED_LENGTH)
