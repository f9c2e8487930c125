"""Curation that can't be silently undone (issue 14): deletions are decisions, bulk actions
from a stale page are refused, actions that carry editors' decisions cannot be deleted."""

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

    def write_curation(self, **entry):
        import tempfile
        from pathlib import Path

        folder = Path(tempfile.mkdtemp())
        path = folder / "curation.yaml"
        entry = {
            "recommendation": self.recommendation.code,
            "factsheet": self.action.factsheet.slug,
            "action": self.action.key,
            **entry,
        }
        path.write_text(yaml.safe_dump({"links": [entry], "overrides": []}))
        self.addCleanup(shutil.rmtree, folder)
        return path


class DeletionIsADecisionTests(AdminTestCase):
    def test_deleting_an_accepted_link_in_the_admin_keeps_it_as_a_rejection(self):
        link = self.accepted()
        url = reverse("admin:tracker_link_delete", args=[link.pk])

        response = self.client.post(url, {"post": "yes"}, follow=True)

        assert "kept as rejections" in response.content.decode()
        link.refresh_from_db()
        assert (link.review, link.reason, link.reviewed_by) == (
            "rejected",
            "Deleted by first.",
            self.first,
        )
        self.recommendation.refresh_from_db()
        assert self.recommendation.status == "not_found"
        change = StatusChange.objects.order_by("pk").last()
        assert (change.to_status, change.reason) == ("not_found", "Deleted by first.")

    def test_a_link_deleted_in_an_inline_is_not_brought_back_by_the_curation_file(self):
        link = self.accepted()
        url = reverse("admin:tracker_action_change", args=[self.action.pk])
        response = self.client.post(
            url,
            {
                "links-TOTAL_FORMS": 1,
                "links-INITIAL_FORMS": 1,
                "links-0-id": link.pk,
                "links-0-action": self.action.pk,
                "links-0-recommendation": self.recommendation.pk,
                "links-0-relation": "implements",
                "links-0-review": "accepted",
                "links-0-reason": link.reason,
                "links-0-seen_version": link.version,
                "links-0-DELETE": "on",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        # The file still says "accepted", as it did before the editor's deletion.
        path = self.write_curation(review="accepted", relation="implements", reason="Old.")

        load_curation(path)

        link.refresh_from_db()
        assert link.review == "rejected"
        self.recommendation.refresh_from_db()
        assert self.recommendation.status == "not_found"

    def test_deleting_a_suggestion_deletes_it(self):
        link = make_link(review="suggested", relation="", reason="", score=0.3)
        self.client.post(reverse("admin:tracker_link_delete", args=[link.pk]), {"post": "yes"})
        assert not Link.objects.filter(pk=link.pk).exists()


class ReopeningIsADecisionTests(AdminTestCase):
    """An editor who puts a decided link back to review ("suggested") made a decision: the
    next seed, the suggester and the history must not lose it."""

    def reopen(self, link):
        response = self.client.post(
            reverse("admin:tracker_link_change", args=[link.pk]),
            {
                "recommendation": link.recommendation_id,
                "action": link.action_id,
                "relation": link.relation,
                "review": "suggested",
                "reason": link.reason,
                "seen_version": link.version,
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        link.refresh_from_db()
        return link

    def test_a_reopened_link_is_stamped_and_its_status_move_recorded_as_a_reopening(self):
        link = self.reopen(self.accepted())

        assert (link.review, link.reviewed_by) == ("suggested", self.first)
        assert link.reviewed_at is not None
        self.recommendation.refresh_from_db()
        assert self.recommendation.status == "not_found"
        change = StatusChange.objects.order_by("pk").last()
        assert (change.from_status, change.to_status, change.changed_by) == (
            "implemented",
            "not_found",
            self.first,
        )
        # Not the acceptance's reason, which the reopened link keeps.
        assert change.reason == "Decision reopened: back in the review queue."
        assert [entry["review"] for entry in change.links] == ["suggested"]

    def test_the_curation_file_does_not_undo_a_reopening_and_says_so(self):
        link = self.reopen(self.accepted())
        # The file still says "accepted", as it did before the editor reopened the link.
        path = self.write_curation(review="accepted", relation="implements", reason="Old.")

        result = load_curation(path)

        link.refresh_from_db()
        assert (link.review, link.reviewed_by) == ("suggested", self.first)
        assert result.corrected == []
        assert len(result.kept) == 1
        assert result.kept[0].endswith("reopened → accepted, implements")
        self.recommendation.refresh_from_db()
        assert self.recommendation.status == "not_found"

    def test_deleting_a_reopened_link_keeps_it_as_a_rejection(self):
        link = self.reopen(self.accepted())

        self.client.post(reverse("admin:tracker_link_delete", args=[link.pk]), {"post": "yes"})

        link.refresh_from_db()
        assert (link.review, link.reason) == ("rejected", "Deleted by first.")

    def test_saving_a_machine_suggestion_leaves_it_unstamped(self):
        link = make_link(
            recommendation=self.recommendation,
            action=self.action,
            review="suggested",
            relation="",
            reason="",
            score=0.3,
        )
        link = self.reopen(link)
        assert (link.reviewed_by, link.reviewed_at) == (None, None)


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


class ActionDeletionTests(AdminTestCase):
    def test_an_action_with_an_accepted_link_cannot_be_deleted(self):
        self.accepted()
        url = reverse("admin:tracker_action_delete", args=[self.action.pk])

        page = self.client.get(url).content.decode()
        response = self.client.post(url, {"post": "yes"})

        assert "would require deleting the following protected" in page
        assert response.status_code in {200, 403}
        assert Action.objects.filter(pk=self.action.pk).exists()
        self.recommendation.refresh_from_db()
        assert self.recommendation.status == "implemented"

    def test_bulk_deletion_of_such_an_action_is_refused_too(self):
        self.accepted()
        response = self.client.post(
            reverse("admin:tracker_action_changelist"),
            {"action": "delete_selected", "_selected_action": [self.action.pk], "post": "yes"},
        )
        assert response.status_code in {200, 302}
        assert Action.objects.filter(pk=self.action.pk).exists()

    def test_an_action_with_only_a_rejected_link_cannot_be_deleted(self):
        rejected = make_link(
            recommendation=self.recommendation,
            action=self.action,
            review="rejected",
            relation="",
            reason="Not the same council.",
        )
        url = reverse("admin:tracker_action_delete", args=[self.action.pk])

        page = self.client.get(url).content.decode()
        self.client.post(url, {"post": "yes"})
        self.client.post(
            reverse("admin:tracker_action_changelist"),
            {"action": "delete_selected", "_selected_action": [self.action.pk], "post": "yes"},
        )

        assert "would require deleting the following protected" in page
        decision = f"Editor&#x27;s decision: rejoin-council ← action {self.action.pk} (rejected)"
        assert decision in page
        rejected.refresh_from_db()
        assert (rejected.review, rejected.reason) == ("rejected", "Not the same council.")

    def test_an_action_without_reviewed_links_can_be_deleted(self):
        other = make_action()
        make_link(action=other, review="suggested", relation="", reason="")
        self.client.post(reverse("admin:tracker_action_delete", args=[other.pk]), {"post": "yes"})
        assert not Action.objects.filter(pk=other.pk).exists()


@pytest.mark.slow
@pytest.mark.django_db
def test_a_link_deleted_by_an_editor_stays_deleted_through_seed_and_export(tmp_path, client):
    seeds = tmp_path / "seeds"
    shutil.copytree(settings.SEEDS_DIR, seeds)
    seed(seeds)
    editor = get_user_model().objects.create_superuser("editor", password="pw-long-enough-3")
    client.force_login(editor)
    link = Link.objects.filter(review="accepted").order_by("pk").first()
    client.post(reverse("admin:tracker_link_delete", args=[link.pk]), {"post": "yes"})
    code = link.recommendation.code
    status = Recommendation.objects.get(code=code).status

    seed(seeds)  # seeds/curation.yaml still says "accepted"

    link.refresh_from_db()
    assert (link.review, link.reason) == ("rejected", "Deleted by editor.")
    assert Recommendation.objects.get(code=code).status == status

    export_curation(seeds / "curation.yaml")
    entries = yaml.safe_load((seeds / "curation.yaml").read_text())["links"]
    # An action's key is its text's: the same text in another document is another entry.
    identity = (code, link.action.factsheet.slug, link.action.key)
    mine = [e for e in entries if (e["recommendation"], e["factsheet"], e["action"]) == identity]
    assert [(e["review"], e["reason"]) for e in mine] == [("rejected", "Deleted by editor.")]
