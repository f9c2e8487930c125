import pytest
from django.test import TestCase
from django.urls import reverse

from .factories import make_action, make_link, make_recommendation, make_stage


class RecommendationListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.first_stage = make_stage(name="Reverse and Revoke", position=1)
        cls.second_stage = make_stage(name="Reaffirm", position=2)
        cls.implemented = make_recommendation(
            stage=cls.second_stage, title="Rejoin the Council", status="implemented"
        )
        make_link(recommendation=cls.implemented)
        cls.not_found = make_recommendation(stage=cls.first_stage, title="Close Guantánamo")

    def test_lists_every_recommendation_grouped_by_stage_in_order(self):
        response = self.client.get(reverse("tracker:recommendation_list"))

        content = response.content.decode()
        assert response.status_code == 200
        assert content.index("Reverse and Revoke") < content.index("Close Guantánamo")
        assert content.index("Close Guantánamo") < content.index("Reaffirm")
        assert content.index("Reaffirm") < content.index("Rejoin the Council")
        assert "No action found" in content and "Implemented" in content

    def test_query_count_does_not_grow_with_rows(self):
        url = reverse("tracker:recommendation_list")
        with self.assertNumQueries(1):
            self.client.get(url)
        for _ in range(5):
            make_link(recommendation=make_recommendation(stage=self.first_stage))
        with self.assertNumQueries(1):
            self.client.get(url)

    def test_home_redirects_to_the_list(self):
        response = self.client.get("/")
        assert response.status_code == 302
        assert response.url == reverse("tracker:recommendation_list")


class RecommendationDetailTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.recommendation = make_recommendation(
            title="Rejoin the Council", quote="should re-join the UN Human Rights Council"
        )
        cls.action = make_action(text="We rejoined the UN Human Rights Council in 2021.")
        make_link(recommendation=cls.recommendation, action=cls.action, reason="Rejoined in 2021.")
        make_link(recommendation=cls.recommendation, review="suggested", relation="", reason="")

    def test_shows_statement_quote_status_and_accepted_links_only(self):
        response = self.client.get(self.recommendation.get_absolute_url())

        content = response.content.decode()
        assert response.status_code == 200
        assert self.recommendation.statement in content
        assert "should re-join the UN Human Rights Council" in content
        assert "We rejoined the UN Human Rights Council in 2021." in content
        assert "Rejoined in 2021." in content
        assert content.count("<li>\n    <p><strong>") == 1

    def test_query_count_does_not_grow_with_links(self):
        url = self.recommendation.get_absolute_url()
        with self.assertNumQueries(3):
            self.client.get(url)
        for _ in range(4):
            make_link(recommendation=self.recommendation)
        with self.assertNumQueries(3):
            self.client.get(url)

    def test_unknown_code_is_404(self):
        response = self.client.get(reverse("tracker:recommendation_detail", args=["no-such-code"]))
        assert response.status_code == 404


@pytest.mark.django_db
def test_a_recommendation_without_links_says_no_action_found(client):
    recommendation = make_recommendation()
    content = client.get(recommendation.get_absolute_url()).content.decode()
    assert "No action found" in content
