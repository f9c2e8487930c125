"""Two editors at once: the second save of a stale form is refused, never a silent overwrite."""

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from tracker.models import Recommendation

from .factories import make_link, make_recommendation

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
