"""The scorecard over time (end of each administration, today, month by month) and a
recommendation's timeline."""

import datetime
import re

from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from tracker.curation import review_links
from tracker.models import Link, Recommendation
from tracker.timeline import month_ends

from .factories import make_action, make_administrations, make_factsheet, make_link
from .test_as_of import AsOfSite

D = datetime.date


def side_by_side(content, status):
    """The counts in the side-by-side table's row for `status`."""
    table = content[content.index('class="side-by-side"') :]
    table = table[: table.index("</table>")]
    row = re.search(rf'status-{status}">.*?</tr>', table, re.S).group(0)
    return [int(n) for n in re.findall(r'class="number">(\d+)</td>', row)]


def month_row(content, label):
    table = content[content.index('<table class="months">') :]
    row = re.search(rf">{label}</time></th>(.*?)</tr>", table, re.S).group(1)
    return [int(n) for n in re.findall(r">(\d+)</td>", row)]


class SeededScorecard(TestCase):
    """The seed data alone, with the two administrations."""

    @classmethod
    def setUpTestData(cls):
        call_command("seed", verbosity=0)
        cls.biden, cls.trump = make_administrations()

    def scorecard(self):
        response = self.client.get(reverse("tracker:scorecard"))
        assert response.status_code == 200
        return response.content.decode()

    def listed(self, status, as_of=None):
        """How many recommendations the list page gives for `status` (on `as_of`)."""
        query = {"status": status, **({"as_of": as_of} if as_of else {})}
        response = self.client.get(reverse("tracker:recommendation_list"), query)
        found = re.search(
            r'<p class="count"[^>]*><strong>(\d+)</strong>', response.content.decode()
        )
        return int(found[1]) if found else 0

    def test_side_by_side_and_chart_render_from_the_seeds_and_follow_a_contrary_link(self):
        content = self.scorecard()
        total = Recommendation.objects.count()
        assert "End of the Biden administration" in content and ">Today<" in content
        # The seeds hold the curated record: what was done under Biden, and what was undone.
        for status in ("implemented", "partial", "not_found", "contrary", "reversed"):
            at_end, today = side_by_side(content, status)
            assert at_end == self.listed(status, "2025-01-19")
            assert (
                today == self.listed(status) == Recommendation.objects.filter(status=status).count()
            )
        at_end = side_by_side(content, "implemented")[0]
        implemented = side_by_side(content, "implemented")[1]
        assert at_end > implemented and side_by_side(content, "reversed")[1] > 0
        assert '<svg class="months"' in content and "<script" not in content
        assert month_row(content, "Dec 2024")[0] == at_end
        assert month_row(content, "Jan 2021")[2] == total - sum(month_row(content, "Jan 2021")[:2])

        # An editor accepts an action of 2025 as going against an implemented recommendation.
        recommendation = Recommendation.objects.filter(status="implemented").first()
        order = make_factsheet(
            published=D(2025, 2, 6),
            kind="presidential_action",
            subtype="executive_order",
            executive_order_number=14203,
            administration=self.trump,
        )
        link = make_link(
            recommendation=recommendation,
            action=make_action(factsheet=order, text="The order revokes it."),
            review="suggested",
            relation="",
            reason="",
        )
        with self.captureOnCommitCallbacks(execute=True):  # Publishing happens on commit.
            review_links(
                [link],
                review="accepted",
                relation=Link.Relation.CONTRARY,
                reason="Revoked in 2025.",
            )
        reversed_before = side_by_side(content, "reversed")
        february = month_row(content, "Feb 2025")
        content = self.scorecard()
        assert side_by_side(content, "implemented") == [at_end, implemented - 1]
        assert side_by_side(content, "reversed") == [reversed_before[0], reversed_before[1] + 1]
        assert month_row(content, "Dec 2024")[0] == at_end
        assert month_row(content, "Feb 2025")[0] == february[0] - 1
        assert month_row(content, "Feb 2025")[4] == february[4] + 1
        assert f"Reversed {february[4] + 1}" in content  # The bars' text equivalents.


def test_month_ends_run_from_january_2021_to_today():
    ends = month_ends(D(2021, 1, 20), D(2021, 3, 15))
    assert ends == [D(2021, 1, 31), D(2021, 2, 28), D(2021, 3, 15)]
    assert month_ends(D(2021, 1, 20), D(2021, 1, 31)) == [D(2021, 1, 31)]
    assert len(month_ends(D(2021, 1, 20), D(2026, 11, 26))) == 71


class TimelineTests(AsOfSite):
    def test_the_timeline_groups_evidence_and_reversals_by_administration(self):
        content = self.content("tracker:recommendation_detail", "raise-refugee-cap")
        timeline = content[
            content.index('id="timeline"') : content.index("Evidence of implementation")
        ]
        assert timeline.index("<h3>Biden administration</h3>") < timeline.index(
            "<h3>Second Trump administration</h3>"
        )
        assert timeline.index("4 February 2021") < timeline.index("20 January 2025")
        assert "Executive order 14163: <a href=" in timeline
        assert "Realigning the United States Refugee Admissions Program" in timeline
        assert "Editor’s reason: contrary on 2025-01-20." in timeline
        assert 'Goes against</strong> → <span class="status status-reversed">' in timeline
        assert "<blockquote><p>We did thing" in timeline
        # Every list of evidence says whose action it was, and what kind of document.
        evidence = content[content.index("Evidence of implementation") :]
        assert "Fact sheet of the Biden administration: <a" in evidence
        assert "Executive order 14163 of the Second Trump administration" in evidence

    def test_the_timeline_on_a_date_stops_there(self):
        content = self.content(
            "tracker:recommendation_detail", "raise-refugee-cap", as_of="2024-12-31"
        )
        assert "<h3>Biden administration</h3>" in content
        assert "Second Trump administration" not in content
