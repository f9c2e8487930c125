"""Atom feeds of status changes: all of them, and one per recommendation."""

import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from .models import Recommendation, StatusChange

FEED_LENGTH = 50


class StatusChangesFeed(Feed):
    feed_type = Atom1Feed
    title = "Human rights agenda tracker: status changes"
    subtitle = "Each time a recommendation's status changes, with the reason."

    def link(self) -> str:
        return reverse("tracker:scorecard")

    def items(self) -> QuerySet[StatusChange]:
        return StatusChange.objects.recent(FEED_LENGTH)

    def item_title(self, change: StatusChange) -> str:
        return (
            f"{change.recommendation.title}: {change.get_from_status_display()} → "
            f"{change.get_to_status_display()}"
        )

    def item_description(self, change: StatusChange) -> str:
        return change.reason or "Status changed."

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
