"""The same text decided elsewhere (issue 11): a suggestion whose action's text editors already
decided for the recommendation under another document says so in the review queue, and an
editor may decide it the same way in one action."""

import datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tracker.models import Document, Link, StatusChange

from .factories import make_action, make_factsheet, make_link, make_recommendation, make_stage

QUEUE = reverse("admin:tracker_link_changelist")
# Every pending suggestion, whatever its recommendation's coverage (the bare queue's default).
ALL_PENDING = {"coverage": "", "review": "suggested"}
WAR_POWERS = "The United States conducted strikes against facilities used by the Houthis."


def pending(recommendation, action, score=0.4):
    return make_link(
        recommendation=recommendation,
        action=action,
        review="suggested",
        relation="",
        reason="",
        score=score,
    )


def letter(day):
    return make_factsheet(
        kind=Document.Kind.PRESIDENTIAL_ACTION,
        title=f"Letter on the War Powers Report {day}",
        published=datetime.date(2024, 6, day),
    )


class SameTextTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = get_user_model().objects.create_superuser("boss", password="pw-long-enough-1")
        cls.stage = make_stage()
        cls.recommendation = make_recommendation(stage=cls.stage, code="war-powers")
        cls.first, cls.second = letter(7), letter(21)
        cls.decided = make_link(
            recommendation=cls.recommendation,
            action=make_action(factsheet=cls.first, key="war-powers", text=WAR_POWERS),
            relation="partial",
            reason="Reports the strikes to Congress.",
        )
        cls.again = pending(
            cls.recommendation,
            make_action(factsheet=cls.second, key="war-powers", text=WAR_POWERS),
        )

    def setUp(self):
        self.client.force_login(self.admin)

    def queue(self, **params):
        response = self.client.get(QUEUE, ALL_PENDING | params)
        assert response.status_code == 200
        return response.content.decode()

    def twin(self, review, relation="", reason="", recommendation=None, day=1):
        """A decided link and its pending twin: the same text under two other documents."""
        recommendation = recommendation or self.recommendation
        key = f"text-{review}-{relation}-{day}"
        decided = make_link(
            recommendation=recommendation,
            action=make_action(factsheet=letter(day), key=key, text=WAR_POWERS),
            review=review,
            relation=relation,
            reason=reason,
        )
        suggestion = pending(recommendation, make_action(factsheet=letter(day + 1), key=key))
        return decided, suggestion

    def decide_as_same_text(self, links, seen=None, review="suggested"):
        data = {
            "action": "decide_as_same_text",
            "_selected_action": [link.pk for link in links],
            "reason": "",
            "index": 0,
        }
        for link in links:
            data[f"seen_version_{link.pk}"] = (seen or {}).get(link.pk, link.version)
        return self.client.post(f"{QUEUE}?coverage=&review={review}", data, follow=True)


class QueueLineTests(SameTextTestCase):
    def test_a_suggestion_says_its_text_was_accepted_under_another_document(self):
        content = self.queue()
        assert (
            "same text accepted (partly implements) under “Letter on the War Powers Report 7” "
            f"(2024-06-07), link #{self.decided.pk}: Reports the strikes to Congress."
        ) in content

    def test_a_suggestion_says_its_text_was_rejected_under_another_document(self):
        rejected, _ = self.twin("rejected", relation="implements", reason="Not this ask.", day=3)
        content = self.queue()
        assert (
            "same text rejected under “Letter on the War Powers Report 3” (2024-06-03), "
            f"link #{rejected.pk}: Not this ask."
        ) in content

    def test_decisions_that_differ_are_named_as_such(self):
        other = make_link(
            recommendation=self.recommendation,
            action=make_action(factsheet=letter(28), key="war-powers", text=WAR_POWERS),
            review="rejected",
            relation="",
            reason="",
        )
        content = self.queue()
        assert "same text decided differently: " in content
        assert (
            f"rejected under “Letter on the War Powers Report 28” (2024-06-28), link #{other.pk}"
        ) in content
        assert f"link #{self.decided.pk}: Reports the strikes to Congress." in content

    def test_another_recommendation_or_another_text_says_nothing(self):
        other = make_recommendation(stage=self.stage)
        pending(other, make_action(factsheet=letter(9), key="war-powers", text=WAR_POWERS))
        pending(self.recommendation, make_action(factsheet=letter(10), key="other-text"))
        assert self.queue().count("same text accepted") == 1

    def test_a_decision_on_words_since_revised_is_not_on_this_text(self):
        # A re-import moved the decided action's key to its new words and flagged the link.
        Link.objects.filter(pk=self.decided.pk).update(source_changed=True)
        assert "same text accepted" not in self.queue()
        self.decide_as_same_text([self.again])
        self.again.refresh_from_db()
        assert self.again.review == "suggested"

    def test_editor_sources_share_a_key_but_not_their_text(self):
        sources = [
            make_factsheet(
                kind=Document.Kind.EDITOR_SOURCE,
                title=f"Notice {n}",
                publisher="Federal Register",
                source_path="",
            )
            for n in (1, 2)
        ]
        recommendation = make_recommendation(stage=self.stage)
        make_link(
            recommendation=recommendation, action=make_action(factsheet=sources[0], key="passage")
        )
        pending(
            recommendation,
            make_action(factsheet=sources[1], key="passage", text="The second notice."),
        )
        assert self.queue().count("same text accepted") == 1
        assert "second notice" in self.queue()
        assert "second notice" not in self.queue(same_text="yes")

    def test_the_queue_keeps_a_constant_number_of_queries(self):
        self.queue()
        before = self.count_queries()
        for day in range(1, 20, 2):
            self.twin("accepted", relation="related", reason="Same topic.", day=day)
        after = self.count_queries()
        assert self.queue().count("same text accepted (related)") == 10
        assert after == before
        assert self.count_queries(same_text="yes") == before

    def count_queries(self, **params):
        with CaptureQueriesContext(connection) as queries:
            self.queue(**params)
        return len(queries)


class SameTextFilterTests(SameTextTestCase):
    def test_the_filter_finds_suggestions_whose_text_was_decided_elsewhere(self):
        pending(self.recommendation, make_action(key="other-text"), score=0.3)
        yes, no = self.queue(same_text="yes"), self.queue(same_text="no")
        assert "same text accepted" in yes and "0.300" not in yes
        assert "same text accepted" not in no and "0.300" in no


class DecideAsSameTextTests(SameTextTestCase):
    def test_applies_the_earlier_decisions_and_leaves_the_others_pending(self):
        _, rejected_again = self.twin("rejected", reason="Not this ask.", day=3)
        conflict = pending(
            self.recommendation, make_action(factsheet=letter(12), key="disputed", text=WAR_POWERS)
        )
        for day, review in [(13, "accepted"), (14, "rejected")]:
            make_link(
                recommendation=self.recommendation,
                action=make_action(factsheet=letter(day), key="disputed", text=WAR_POWERS),
                review=review,
                relation="implements" if review == "accepted" else "",
                reason="Does it." if review == "accepted" else "",
            )
        alone = pending(self.recommendation, make_action(key="alone"))
        version = self.again.version

        response = self.decide_as_same_text([self.again, rejected_again, conflict, alone])

        content = response.content.decode()
        assert "2 link(s) decided as the same text was decided (1 accepted, 1 rejected)." in content
        assert (
            "Left pending: 1 without an earlier decision on the same text, 1 whose same text "
            "was decided differently under two documents."
        ) in content
        self.again.refresh_from_db()
        assert (self.again.review, self.again.relation, self.again.reason) == (
            "accepted",
            "partial",
            "Reports the strikes to Congress.",
        )
        assert self.again.reviewed_by == self.admin and self.again.version == version + 1
        rejected_again.refresh_from_db()
        assert (rejected_again.review, rejected_again.reason) == ("rejected", "Not this ask.")
        assert rejected_again.reviewed_by == self.admin
        for link in (conflict, alone):
            link.refresh_from_db()
            assert link.review == "suggested" and link.reviewed_by is None
        change = StatusChange.objects.get(recommendation=self.recommendation)
        assert change.changed_by == self.admin
        assert self.again.pk in [entry["link"] for entry in change.links]

    def test_a_deletions_reason_is_not_copied_as_this_links(self):
        # Deleted in the admin: kept as a rejection whose reason names who deleted that link.
        _, rejected_again = self.twin("rejected", reason="Deleted by alice.", day=3)
        _, reasoned_again = self.twin("rejected", reason="Not this ask.", day=5)
        make_link(
            recommendation=self.recommendation,
            action=make_action(factsheet=letter(8), key=reasoned_again.action.key, text=WAR_POWERS),
            review="rejected",
            relation="",
            reason="Deleted by alice.",
        )

        self.decide_as_same_text([rejected_again, reasoned_again])

        rejected_again.refresh_from_db()
        assert (rejected_again.review, rejected_again.reason) == ("rejected", "")
        assert rejected_again.reviewed_by == self.admin
        # The same decision with a reason of its own: that reason, though older.
        reasoned_again.refresh_from_db()
        assert (reasoned_again.review, reasoned_again.reason) == ("rejected", "Not this ask.")

    def test_a_stale_page_changes_nothing(self):
        stale = {self.again.pk: self.again.version - 1}
        response = self.decide_as_same_text([self.again], seen=stale)
        assert "changed since this page was loaded" in response.content.decode()
        self.again.refresh_from_db()
        assert self.again.review == "suggested"

    def test_nothing_to_apply_says_so(self):
        alone = pending(self.recommendation, make_action(key="alone"))
        response = self.decide_as_same_text([alone])
        assert "0 link(s) decided" in response.content.decode()
        assert not Link.objects.filter(pk=alone.pk).exclude(review="suggested").exists()

    def test_links_already_decided_are_left_as_they_were(self):
        response = self.decide_as_same_text([self.decided, self.again], review="all")
        assert "1 link(s) decided as the same text was decided (1 accepted, 0 rejected)." in (
            response.content.decode()
        )
        assert "1 already decided, left as they were." in response.content.decode()
        self.decided.refresh_from_db()
        assert self.decided.reviewed_by is None
