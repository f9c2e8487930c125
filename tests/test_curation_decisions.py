"""Curation that can't be silently undone (issue 14): deletions are decisions, bulk actions
from a stale page are refused, actions that decide a status cannot be deleted."""

import shutil

import pytest
import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from tracker.curation import StaleLinks, review_links
from tracker.importers.curation_file import export_curation, load_curation
from tracker.importers.seed import seed
from tracker.models import Action, Link, Recommendation, StatusChange

from .factories import make_action, make_link, make_recommendation

QUEUE = reverse("admin:tracker_link_changelist")


class AdminTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.first = users.create_superuser("first", password="pw-long-enough-1")
        cls.second = users.create_superuser("second", password="pw-long-enough-2")
        cls.recommendation = make_recommendation(code="rejoin-council")
        cls.action = make_action(text="We rejoined the Council.")

    def setUp(self):
        self.client.force_login(self.first)

    def accepted(self):
        link = make_link(recommendation=self.recommendation, action=self.action)
        self.recommendation.refresh_status()
        assert self.recommendation.status == "implemented"
        return link


class StaleBulkActionTests(AdminTestCase):
    def test_a_reject_from_a_stale_page_does_not_overwrite_an_accept(self):
        link = make_link(
            recommendation=self.recommendation,
            action=self.action,
            review="suggested",
            relation="",
            reason="",
            score=0.4,
        )
        # The second editor's page, kept open, lists every state (the default lists only
        # suggestions, which an accepted link leaves).
        page = self.client.get(QUEUE, {"review": "all"}).content.decode()
        seen = f'name="seen_version_{link.pk}" value="{link.version}"'
        assert seen in page
        review_links(
            [link], review="accepted", relation="implements", reason="Rejoined.", user=self.first
        )

        self.client.force_login(self.second)
        response = self.client.post(
            f"{QUEUE}?review=all",
            {
                "action": "reject",
                "_selected_action": [link.pk],
                f"seen_version_{link.pk}": link.version,
                "index": 0,
            },
            follow=True,
        )

        assert "changed since this page was loaded" in response.content.decode()
        link.refresh_from_db()
        assert (link.review, link.reason, link.reviewed_by) == ("accepted", "Rejoined.", self.first)

    def test_review_links_refuses_all_when_one_is_stale(self):
        fresh = make_link(review="suggested", relation="", reason="")
        stale = make_link(review="suggested", relation="", reason="")
        versions = {fresh.pk: fresh.version, stale.pk: stale.version - 1}
        with pytest.raises(StaleLinks):
            review_links([fresh, stale], review="rejected", expected_versions=versions)
        assert set(Link.objects.values_list("review", flat=True)) == {"suggested"}

    def test_a_current_page_still_reviews(self):
        link = make_link(review="suggested", relation="", reason="")
        self.client.post(
            QUEUE,
            {
                "action": "reject",
                "_selected_action": [link.pk],
                f"seen_version_{link.pk}": link.version,
                "index": 0,
            },
        )
        link.refresh_from_db()
        assert link.review == "rejected"


