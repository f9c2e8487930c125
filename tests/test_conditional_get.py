"""Conditional GET: every public page, download and feed carries an ETag, and a visitor
who already has it gets a 304 after one query (the data version), before any row is read."""

from django.test import TestCase
from django.urls import reverse

from tracker.curation import review_links, set_override

from .factories import make_action, make_essay, make_link, make_recommendation


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


class ConditionalGetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_essay()
        cls.recommendation = make_recommendation(code="rejoin-council", title="Rejoin the Council")
        cls.action = make_action(text="We rejoined the Council in 2021.")
        link = make_link(
            recommendation=cls.recommendation,
            action=cls.action,
            review="suggested",
            relation="",
            reason="",
        )
        review_links([link], review="accepted", relation="implements", reason="Rejoined.")

    def addresses(self):
        r = self.recommendation
        return [
            reverse("tracker:scorecard"),
            reverse("tracker:scorecard") + "?as_of=2024-06-01",
            reverse("tracker:recommendation_list"),
            reverse("tracker:recommendation_list") + "?status=implemented",
            r.get_absolute_url(),
            reverse("tracker:stage_detail", args=[r.stage.slug]),
            reverse("tracker:document_list"),
            self.action.factsheet.get_absolute_url(),
            reverse("tracker:essay"),
            reverse("tracker:about"),
            reverse("tracker:site_search") + "?q=thing",
            reverse("tracker:scorecard_csv"),
            reverse("tracker:scorecard_csv") + "?status=implemented",
            reverse("tracker:scorecard_json"),
            reverse("tracker:links_csv"),
            reverse("tracker:feed"),
            reverse("tracker:recommendation_feed", args=[r.code]),
        ]

    def write(self, change, *args, **kwargs):
        with self.captureOnCommitCallbacks(execute=True):
            return change(*args, **kwargs)

    def test_every_public_address_answers_304_to_its_own_etag_in_one_query(self):
        for url in self.addresses():
            with self.subTest(url=url):
                response = self.client.get(url)
                assert response.status_code == 200
                body(response)  # A download holds its database connection until read.
                etag = response["ETag"]
                assert etag.startswith('"') and etag.endswith('"')
                with self.assertNumQueries(1):  # The data version; no rows, no rendering.
                    again = self.client.get(url, headers={"if-none-match": etag})
                assert again.status_code == 304
                assert again["ETag"] == etag
                assert again.content == b""
                with self.assertNumQueries(1):
                    head = self.client.head(url, headers={"if-none-match": f"W/{etag}"})
                assert head.status_code == 304

    def test_each_address_has_its_own_etag(self):
        etags = []
        for url in self.addresses():
            response = self.client.get(url)
            body(response)  # Read before the next request: a download holds its connection.
            etags.append(response["ETag"])
        assert len(set(etags)) == len(etags)

    def test_another_etag_or_a_published_change_gets_the_whole_response(self):
        for url in (reverse("tracker:scorecard"), reverse("tracker:scorecard_csv")):
            with self.subTest(url=url):
                first = self.client.get(url)
                etag, before = first["ETag"], body(first)
                stale = self.client.get(url, headers={"if-none-match": '"something-else"'})
                assert stale.status_code == 200
                body(stale)

                self.write(set_override, self.recommendation, status="contrary", reason="Undone.")
                changed = self.client.get(url, headers={"if-none-match": etag})
                assert changed.status_code == 200
                assert changed["ETag"] != etag
                assert body(changed) != before
                self.write(set_override, self.recommendation, status="", reason="")

    def test_errors_carry_no_etag(self):
        missing = self.client.get(reverse("tracker:recommendation_detail", args=["no-such"]))
        assert missing.status_code == 404
        assert "ETag" not in missing
        invalid = self.client.get(reverse("tracker:scorecard_csv") + "?as_of=yesterday")
        assert invalid.status_code == 400
        assert "ETag" not in invalid
