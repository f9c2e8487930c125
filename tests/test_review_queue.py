import datetime

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from tracker.models import Link, StatusChange

from .factories import make_action, make_link, make_recommendation, make_stage

QUEUE = reverse("admin:tracker_link_changelist")


class QueueTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = get_user_model().objects.create_superuser("boss", password="pw-long-enough-1")
        cls.stage = make_stage(name="Reengage")
        cls.recommendation = make_recommendation(
            stage=cls.stage,
            code="rejoin-council",
            title="Rejoin the UN Human Rights Council",
            statement="Re-join the Council.",
        )
        cls.action = make_action(text="We rejoined the UN Human Rights Council in 2021.")
        cls.suggestion = make_link(
            recommendation=cls.recommendation,
            action=cls.action,
            review="suggested",
            relation="",
            reason="",
            score=0.42,
        )
        cls.weak = make_link(
            recommendation=cls.recommendation,
            review="suggested",
            relation="",
            reason="",
            score=0.01,
        )

    def setUp(self):
        self.client.force_login(self.admin)

    def post_action(self, action, links, reason=""):
        return self.client.post(
            QUEUE,
            {
                "action": action,
                "_selected_action": [link.pk for link in links],
                "reason": reason,
                "index": 0,
            },
            follow=True,
        )


class ReviewQueueTests(QueueTestCase):
    def test_the_queue_shows_suggestions_best_first_with_matched_terms(self):
        response = self.client.get(QUEUE)
        content = response.content.decode()
        assert response.status_code == 200
        assert content.index("0.420") < content.index("0.010")
        assert "<mark>rejoined</mark>" in content
        assert "rejoin-council" in content and "Reengage" in content

    def test_the_queue_keeps_a_constant_number_of_queries(self):
        self.client.get(QUEUE)
        # The 8th: the page's decisions on the same text under other documents, all rows at once.
        with self.assertNumQueries(8):
            self.client.get(QUEUE)
        for _ in range(10):
            make_link(
                recommendation=make_recommendation(stage=self.stage),
                review="suggested",
                relation="",
                reason="",
                score=0.2,
            )
        with self.assertNumQueries(8):
            self.client.get(QUEUE)

    def test_accepting_with_a_reason_updates_the_status_and_its_history(self):
        self.post_action("accept_implements", [self.suggestion], reason="Rejoined in 2021.")

        self.suggestion.refresh_from_db()
        self.recommendation.refresh_from_db()
        assert (self.suggestion.review, self.suggestion.relation) == ("accepted", "implements")
        assert self.suggestion.reviewed_by == self.admin
        assert self.recommendation.status == "implemented"
        change = StatusChange.objects.get()
        assert (change.from_status, change.to_status) == ("not_found", "implemented")
        assert change.changed_by == self.admin
        assert change.reason == "Rejoined in 2021."
        assert change.links[0]["link"] == self.suggestion.pk

    def test_accepting_without_a_reason_is_refused_and_changes_nothing(self):
        response = self.post_action("accept_partial", [self.suggestion])

        assert "needs a relation and a one-line public reason" in response.content.decode()
        self.suggestion.refresh_from_db()
        assert self.suggestion.review == "suggested"
        assert not StatusChange.objects.exists()

    def test_bulk_reject_then_the_queue_no_longer_lists_them(self):
        self.post_action("reject", [self.suggestion, self.weak])

        assert set(Link.objects.values_list("review", flat=True)) == {"rejected"}
        content = self.client.get(QUEUE).content.decode()
        assert "0 links" in content or "0 results" in content or "rejoin-council" not in content

    def test_filters_for_coverage_score_and_all_states(self):
        make_link(recommendation=make_recommendation(code="covered"), review="accepted")
        uncovered = self.client.get(QUEUE, {"coverage": "none", "review": "all"})
        assert "rejoin-council" in uncovered.content.decode()
        assert "covered" not in uncovered.content.decode().replace("uncovered", "")
        high = self.client.get(QUEUE, {"score": "high"}).content.decode()
        assert "0.420" in high and "0.010" not in high

    def test_a_bad_filter_value_gives_an_empty_list_not_an_error(self):
        response = self.client.get(QUEUE, {"review": "bogus", "score": "nonsense"})
        assert response.status_code == 200


class RecommendationAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = get_user_model().objects.create_superuser("boss", password="pw-long-enough-1")
        cls.recommendation = make_recommendation(code="close-guantanamo")

    def setUp(self):
        self.client.force_login(self.admin)

    def change(self, **data):
        url = reverse("admin:tracker_recommendation_change", args=[self.recommendation.pk])
        self.recommendation.refresh_from_db()
        form = {
            "seen_version": self.recommendation.version,
            "status_override": "",
            "status_reason": "",
            "links-TOTAL_FORMS": 0,
            "links-INITIAL_FORMS": 0,
            "links-MIN_NUM_FORMS": 0,
            "links-MAX_NUM_FORMS": 1000,
        }
        return self.client.post(url, form | data)

    def test_an_override_needs_a_reason(self):
        response = self.change(status_override="contrary")
        assert response.status_code == 200
        assert "public reason" in response.content.decode()
        self.recommendation.refresh_from_db()
        assert self.recommendation.status == "not_found"

    def test_override_and_removal_are_recorded_and_shown_publicly(self):
        self.change(status_override="contrary", status_reason="Transfers **resumed**.")
        self.recommendation.refresh_from_db()
        assert self.recommendation.status == "contrary"

        public = self.client.get(self.recommendation.get_absolute_url()).content.decode()
        assert "Contrary action" in public and "Transfers" in public

        self.change(status_override="", status_reason="")
        self.recommendation.refresh_from_db()
        assert self.recommendation.status == "not_found"
        history = list(StatusChange.objects.order_by("pk").values_list("from_status", "to_status"))
        assert history == [("not_found", "contrary"), ("contrary", "not_found")]

    def test_an_inline_accepted_link_sets_the_status(self):
        action = make_action()
        self.change(
            **{
                "links-TOTAL_FORMS": 1,
                "links-0-action": action.pk,
                "links-0-relation": "partial",
                "links-0-review": "accepted",
                "links-0-reason": "Part of it.",
            }
        )
        self.recommendation.refresh_from_db()
        assert self.recommendation.status == "partial"

    def test_changelists_keep_a_constant_number_of_queries(self):
        urls = [
            reverse("admin:tracker_recommendation_changelist"),
            reverse("admin:tracker_action_changelist"),
            reverse("admin:tracker_document_changelist"),
            reverse("admin:tracker_statuschange_changelist"),
        ]
        counts = {url: self._count(url) for url in urls}
        for _ in range(6):
            make_link(recommendation=make_recommendation(stage=self.recommendation.stage))
        for url in urls:
            assert self._count(url) == counts[url], url

    def _count(self, url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert self.client.get(url).status_code == 200
        return len(queries)


class ContraryAndOverrideDateTests(QueueTestCase):
    def test_accept_as_goes_against_with_a_reason(self):
        self.post_action("accept_implements", [self.weak], reason="Did it.")
        response = self.post_action("accept_contrary", [self.suggestion], reason="Undid it.")
        assert "1 link(s) marked goes against." in response.content.decode()
        self.suggestion.refresh_from_db()
        assert (self.suggestion.relation, self.suggestion.reason) == ("contrary", "Undid it.")
        self.recommendation.refresh_from_db()
        assert self.recommendation.status == "reversed"  # Same day: evidence, then undone.

    def test_accept_as_goes_against_needs_a_reason(self):
        self.post_action("accept_contrary", [self.suggestion])
        self.suggestion.refresh_from_db()
        assert self.suggestion.review == "suggested"

    def test_the_override_date_is_editable(self):
        url = reverse("admin:tracker_recommendation_change", args=[self.recommendation.pk])
        content = self.client.get(url).content.decode()
        assert 'name="status_override_since"' in content
        response = self.client.post(
            url,
            {
                "status_override": "contrary",
                "status_override_since": "2025-01-27",
                "status_reason": "Suspended by executive order.",
                "seen_version": self.recommendation.version,
                "links-TOTAL_FORMS": 0,
                "links-INITIAL_FORMS": 0,
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        self.recommendation.refresh_from_db()
        assert self.recommendation.status_override_since == datetime.date(2025, 1, 27)
        assert self.recommendation.status == "contrary"
        future = (datetime.date.today() + datetime.timedelta(days=9)).isoformat()
        response = self.client.post(
            url,
            {
                "status_override": "contrary",
                "status_override_since": future,
                "status_reason": "Suspended by executive order.",
                "seen_version": self.recommendation.version,
                "links-TOTAL_FORMS": 0,
                "links-INITIAL_FORMS": 0,
            },
        )
        assert response.status_code == 200
        assert "cannot be in the future" in response.content.decode()


DECIDE = reverse("admin:tracker_link_decide")


class RowDecisionTests(QueueTestCase):
    """Each row decides on its own: its buttons, its reason, its version; plain form or script."""

    def decide(self, link, choice, reason="", version=None, json=False, **extra):
        link.refresh_from_db()
        data = {
            "decide": f"{link.pk}:{choice}",
            f"reason-{link.pk}": reason,
            f"version-{link.pk}": link.version if version is None else version,
        }
        headers = {"Accept": "application/json"} if json else {}
        return self.client.post(DECIDE, data, headers=headers, **extra)

    def test_each_row_offers_its_own_decisions_reason_and_version(self):
        content = self.client.get(QUEUE).content.decode()
        pk = self.suggestion.pk
        for choice in ["implements", "partial", "related", "contrary", "reject"]:
            assert f'name="decide" value="{pk}:{choice}" formaction="{DECIDE}"' in content
        reason_length = Link._meta.get_field("reason").max_length
        assert (
            f'name="reason-{pk}" maxlength="{reason_length}"' in content
            and f'<label class="reason-label" for="reason-{pk}"' in content
        )
        assert f'name="version-{pk}" value="{self.suggestion.version}"' in content
        assert 'src="/static/tracker/review.js"' in content

    def test_a_plain_form_decision_says_what_the_public_now_sees(self):
        response = self.decide(
            self.suggestion, "partial", reason="Rejoined as an observer.", HTTP_REFERER=QUEUE
        )
        assert response.status_code == 302 and response["Location"] == QUEUE
        self.suggestion.refresh_from_db()
        assert (self.suggestion.review, self.suggestion.relation) == ("accepted", "partial")
        page = self.client.get(response["Location"]).content.decode()
        assert "Rejoin the UN Human Rights Council is now publicly Partly implemented." in page
        change = StatusChange.objects.get()
        assert (change.to_status, change.changed_by) == ("partial", self.admin)

    def test_a_background_decision_answers_in_json(self):
        response = self.decide(self.suggestion, "implements", reason="Rejoined in 2021.", json=True)
        data = response.json()
        assert data["ok"] is True
        assert data["message"] == (
            "Rejoin the UN Human Rights Council is now publicly Implemented."
        )
        self.suggestion.refresh_from_db()
        assert data["version"] == self.suggestion.version
        assert data["state"] == "Accepted: implements"
        rejected = self.decide(self.weak, "reject", json=True).json()
        assert rejected["ok"] and rejected["state"] == "Rejected"
        self.weak.refresh_from_db()
        assert self.weak.review == "rejected"

    def test_a_stale_row_is_refused_and_changes_nothing(self):
        stale = self.suggestion.version
        self.decide(self.suggestion, "related", reason="Same topic.")
        response = self.decide(self.suggestion, "reject", reason="No.", version=stale, json=True)
        assert response.status_code == 409
        assert "Someone else decided" in response.json()["message"]
        self.suggestion.refresh_from_db()
        assert (self.suggestion.review, self.suggestion.relation) == ("accepted", "related")

    def test_accepting_without_a_reason_is_refused_through_review_links(self):
        response = self.decide(self.suggestion, "contrary", json=True)
        assert response.status_code == 409
        assert "one-line public reason" in response.json()["message"]
        self.suggestion.refresh_from_db()
        assert self.suggestion.review == "suggested"

    def test_decisions_need_the_change_permission_and_a_post(self):
        assert self.client.get(DECIDE).status_code == 405
        viewer = get_user_model().objects.create_user("viewer", password="x" * 12, is_staff=True)
        self.client.force_login(viewer)
        assert self.decide(self.suggestion, "reject").status_code == 403
        self.suggestion.refresh_from_db()
        assert self.suggestion.review == "suggested"

    def test_an_offsite_referer_is_not_followed(self):
        response = self.decide(self.weak, "reject", HTTP_REFERER="https://evil.example/")
        assert response["Location"].startswith(QUEUE)

    def test_bulk_actions_also_say_what_the_public_now_sees(self):
        response = self.post_action("accept_implements", [self.suggestion], reason="Rejoined.")
        assert "Rejoin the UN Human Rights Council is now publicly Implemented." in (
            response.content.decode()
        )


class QueueNameAndLandingTests(QueueTestCase):
    def test_the_index_names_the_review_queue_with_its_pending_count(self):
        content = self.client.get(reverse("admin:index")).content.decode()
        assert "Review queue (2 pending)" in content
        assert f'href="{QUEUE}?coverage=no_evidence"' in content
        assert ">Links<" not in content
        assert "Human rights agenda tracker" in content

    def test_opened_bare_it_shows_recommendations_still_without_accepted_evidence(self):
        evidenced = make_recommendation(stage=self.stage, code="already-evidenced")
        make_link(recommendation=evidenced, review="accepted", relation="implements")
        make_link(recommendation=evidenced, review="suggested", relation="", reason="", score=0.3)
        related_only = make_recommendation(stage=self.stage, code="only-related")
        make_link(recommendation=related_only, review="accepted", relation="related")
        make_link(
            recommendation=related_only, review="suggested", relation="", reason="", score=0.3
        )
        content = self.client.get(QUEUE).content.decode()
        assert "rejoin-council" in content and "only-related" in content
        assert "already-evidenced" not in content
        assert "Without accepted evidence" in content
        every = self.client.get(QUEUE, {"coverage": "", "review": "suggested"}).content.decode()
        assert "already-evidenced" in every
