"""Two editors at once: the second save of a stale form is refused, never a silent overwrite."""

import datetime
import threading

from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import TestCase, TransactionTestCase
from django.urls import reverse

from tracker.curation import review_links
from tracker.models import Link, Recommendation

from .factories import make_action, make_factsheet, make_link, make_recommendation
from .test_tallies import assert_tallies_current

INLINE = {
    "links-TOTAL_FORMS": 0,
    "links-INITIAL_FORMS": 0,
    "links-MIN_NUM_FORMS": 0,
    "links-MAX_NUM_FORMS": 1000,
}


class TwoEditorsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.anna = users.create_superuser("anna", password="a-long-password-1")
        cls.ben = users.create_superuser("ben", password="a-long-password-2")
        cls.recommendation = make_recommendation(code="close-guantanamo")
        cls.link = make_link(review="suggested", relation="", reason="")

    def save_recommendation(self, user, version, reason):
        self.client.force_login(user)
        url = reverse("admin:tracker_recommendation_change", args=[self.recommendation.pk])
        return self.client.post(
            url,
            {
                "status_override": "contrary",
                "status_reason": reason,
                "seen_version": version,
                **INLINE,
            },
        )

    def test_the_second_stale_save_of_a_recommendation_is_refused_and_the_form_kept(self):
        opened = self.recommendation.version  # Both open the form at this version.

        first = self.save_recommendation(self.anna, opened, "Anna's reason.")
        second = self.save_recommendation(self.ben, opened, "Ben's reason.")

        assert first.status_code == 302
        assert second.status_code == 200
        content = second.content.decode()
        assert "Someone else changed this recommendation while you were editing it" in content
        assert "Ben&#x27;s reason." in content  # Ben's typing is still in the form.
        current = Recommendation.objects.get(pk=self.recommendation.pk)
        assert current.status_reason == "Anna's reason."

    def test_a_fresh_form_saves(self):
        self.save_recommendation(self.anna, self.recommendation.version, "Anna's reason.")
        current = Recommendation.objects.get(pk=self.recommendation.pk)
        response = self.save_recommendation(self.ben, current.version, "Ben's reason.")
        assert response.status_code == 302
        assert (
            Recommendation.objects.get(pk=self.recommendation.pk).status_reason == "Ben's reason."
        )

    def test_the_second_stale_save_of_a_link_is_refused(self):
        url = reverse("admin:tracker_link_change", args=[self.link.pk])
        opened = self.link.version

        def save(user, reason):
            self.client.force_login(user)
            return self.client.post(
                url,
                {
                    "recommendation": self.link.recommendation_id,
                    "action": self.link.action_id,
                    "relation": "implements",
                    "review": "accepted",
                    "reason": reason,
                    "seen_version": opened,
                },
            )

        assert save(self.anna, "Anna's reason.").status_code == 302
        refused = save(self.ben, "Ben's reason.")
        assert "Someone else changed this link" in refused.content.decode()
        self.link.refresh_from_db()
        assert self.link.reason == "Anna's reason."


class SimultaneousDecisionsTests(TransactionTestCase):
    """Editors deciding at once on evidence of the same dates: the stored counts they all move
    (`tracker.tally`, increments on shared rows, rows deleted at zero) add up, with no
    deadlock. PostgreSQL only: SQLite runs one write transaction at a time."""

    EDITORS = 6

    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("SQLite serialises write transactions: nothing runs at once.")

    def test_their_stored_counts_add_up(self):
        days = [datetime.date(2022, 3, 1), datetime.date(2024, 6, 10)]
        documents = [make_factsheet(published=day) for day in days]
        work = []
        for _ in range(self.EDITORS):
            recommendation = make_recommendation()
            work.append(
                [
                    Link.objects.create(
                        recommendation=recommendation, action=make_action(factsheet=d)
                    )
                    for d in documents
                ]
            )
        # Two editors on one recommendation too: its row lock, not the sums, orders them.
        work.append(list(reversed(work[0])))
        start, failures = threading.Barrier(len(work)), []

        def decide(implemented, undone):
            try:
                start.wait()
                review_links([implemented], review="accepted", relation="implements", reason="Yes.")
                review_links([undone], review="accepted", relation="contrary", reason="Undone.")
                review_links([implemented], review="rejected", reason="Not quite.")
            except Exception as error:  # reported by the assertion below
                failures.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=decide, args=links) for links in work]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert failures == []
        assert_tallies_current()
