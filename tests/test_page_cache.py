from django.test import TestCase
from django.urls import reverse

from tracker.curation import review_links, save_link_edits, set_override
from tracker.matching import suggest_all
from tracker.models import SiteVersion

from .factories import make_action, make_link, make_recommendation


class PageCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.recommendation = make_recommendation(title="Rejoin the Council")
        cls.action = make_action(text="We rejoined the Council in 2021.")
        cls.link = make_link(
            recommendation=cls.recommendation,
            action=cls.action,
            review="suggested",
            relation="",
            reason="",
        )

    def test_a_second_visit_is_served_from_the_cache_with_one_query(self):
        url = self.recommendation.get_absolute_url()
        first = self.client.get(url)
        with self.assertNumQueries(1):
            second = self.client.get(url)
        assert second.content == first.content

    def test_an_editors_decision_reaches_the_cached_pages_at_once(self):
        url = self.recommendation.get_absolute_url()
        scorecard = reverse("tracker:scorecard")
        assert "No action found." in self.client.get(url).content.decode()
        self.client.get(scorecard)

        review_links([self.link], review="accepted", relation="implements", reason="Rejoined.")

        assert "We rejoined the Council in 2021." in self.client.get(url).content.decode()
        assert "1 of 1" in self.client.get(scorecard).content.decode()

    def test_an_override_and_a_deleted_link_reach_the_cached_pages(self):
        url = self.recommendation.get_absolute_url()
        self.client.get(url)
        set_override(self.recommendation, status="contrary", reason="Did the opposite.")
        assert "Did the opposite." in self.client.get(url).content.decode()

        accepted = make_link(recommendation=self.recommendation, reason="A reason to remove.")
        assert "A reason to remove." in self.client.get(url).content.decode()
        save_link_edits([], [accepted])
        assert "A reason to remove." not in self.client.get(url).content.decode()

    def test_machine_suggestions_do_not_empty_the_cache(self):
        before = SiteVersion.current()
        suggest_all(recompute=True)
        assert SiteVersion.current() == before
