"""Per-status counts agree everywhere: scorecard, stage page, list under filters, downloads.

The data has links in every review state (suggested, rejected, accepted as related,
several accepted per recommendation), which once made the stage page count link rows.
"""

import csv
import datetime
import io
import re

from django.test import TestCase
from django.urls import reverse

from tracker.models import Recommendation

from .factories import make_action, make_factsheet, make_link, make_recommendation, make_stage

Status = Recommendation.Status
EXPECTED = {
    Status.IMPLEMENTED: 1,
    Status.PARTIAL: 1,
    Status.NOT_FOUND: 2,
    Status.CONTRARY: 1,
    Status.REVERSED: 1,
}


class Totals(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.stage = make_stage(name="Reengage", slug="reengage")
        make_stage(name="Other", slug="other", essay=cls.stage.essay)
        early = make_factsheet(published=datetime.date(2022, 1, 1))
        late = make_factsheet(published=datetime.date(2025, 3, 1))
        actions = [make_action(factsheet=early) for _ in range(4)]
        contrary = make_action(factsheet=late)

        def recommendation(*links):
            made = make_recommendation(stage=cls.stage)
            for action, review, relation in links:
                make_link(
                    recommendation=made,
                    action=action,
                    review=review,
                    relation=relation,
                    reason="Why." if review == "accepted" else "",
                )
            made.refresh_status()
            return made

        recommendation(
            (actions[0], "accepted", "implements"),
            (actions[1], "accepted", "implements"),
            (actions[2], "suggested", ""),
            (actions[3], "rejected", ""),
            (contrary, "accepted", "related"),
        )
        recommendation(
            (actions[0], "accepted", "partial"),
            (actions[1], "suggested", ""),
            (actions[2], "suggested", ""),
        )
        recommendation((actions[0], "suggested", ""), (actions[1], "rejected", ""))
        recommendation((actions[2], "accepted", "related"), (actions[3], "rejected", ""))
        recommendation((contrary, "accepted", "contrary"), (actions[0], "suggested", ""))
        recommendation(
            (actions[1], "accepted", "implements"),
            (actions[2], "accepted", "partial"),
            (contrary, "accepted", "contrary"),
        )
        make_recommendation(stage=cls.stage.essay.stages.get(slug="other"))

    def test_stored_statuses_are_the_expected_mix(self):
        stored = Recommendation.objects.filter(stage=self.stage).status_totals()
        assert stored == EXPECTED

    def test_stage_page_counts_recommendations_not_links(self):
        content = self.client.get(self.stage.get_absolute_url()).content.decode()
        assert (
            "6 recommendations in this stage:\n1 implemented; 1 partly implemented; "
            "2 with no action found; 1 met with contrary action; 1 reversed.</p>"
        ) in content

    def test_stage_page_sentence_has_no_empty_tail_when_a_status_has_none(self):
        Recommendation.objects.filter(stage=self.stage, status=Status.REVERSED).update(
            status=Status.IMPLEMENTED
        )
        content = self.client.get(self.stage.get_absolute_url()).content.decode()
        assert "2 implemented; 1 partly implemented; 2 with no action found; " in content
        assert "1 met with contrary action.</p>" in content
        assert "; ." not in content

    def test_scorecard_stage_bar_agrees(self):
        content = self.client.get(reverse("tracker:scorecard")).content.decode()
        labels = ", ".join(f"{status.label} {EXPECTED[status]}" for status in Status)
        assert f'aria-label="Reengage: {labels}"' in content

    def list_count(self, **query):
        content = self.client.get(reverse("tracker:recommendation_list"), query).content.decode()
        return int(re.search(r'class="count"[^>]*><strong>(\d+)</strong>', content)[1])

    def csv_count(self, **query):
        response = self.client.get(reverse("tracker:scorecard_csv"), query)
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        return len(list(csv.DictReader(io.StringIO(body))))

    def test_list_and_downloads_agree_under_every_filter(self):
        assert self.list_count() == self.csv_count() == 7
        assert self.list_count(stage="reengage") == self.csv_count(stage="reengage") == 6
        for status, expected in EXPECTED.items():
            query = {"stage": "reengage", "status": status}
            assert self.list_count(**query) == self.csv_count(**query) == expected, status
        with_evidence = {"stage": "reengage", "evidence": "yes"}
        # Implemented, partly implemented, reversed: evidence that once counted.
        assert self.list_count(**with_evidence) == self.csv_count(**with_evidence) == 3
        without = {"stage": "reengage", "evidence": "no"}
        assert self.list_count(**without) == self.csv_count(**without) == 3
