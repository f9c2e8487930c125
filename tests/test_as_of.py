"""`?as_of=YYYY-MM-DD`: the status on a date, on the pages that show statuses and the downloads."""

import csv
import datetime
import io
import json

from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tracker.exports import LINK_COLUMNS, SCORECARD_COLUMNS
from tracker.models import StatusChange

from .factories import (
    make_administrations,
    make_dated_link,
    make_recommendation,
)
from .test_public_pages import PublicSite

D = datetime.date


class AsOfSite(PublicSite):
    """The public site, plus a recommendation done in 2021 and undone in 2025."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.biden, cls.trump = make_administrations()
        cls.refugees = make_recommendation(
            stage=cls.reengage, code="raise-refugee-cap", title="Raise the refugee cap", position=40
        )
        cls.done = make_dated_link(
            cls.refugees, D(2021, 2, 4), "implements", administration=cls.biden
        )
        cls.undone = make_dated_link(
            cls.refugees,
            D(2025, 1, 20),
            "contrary",
            administration=cls.trump,
            kind="presidential_action",
            subtype="executive_order",
            executive_order_number=14163,
            title="Realigning the United States Refugee Admissions Program",
        )
        cls.refugees.refresh_status()

    def content(self, name, *args, **query):
        response = self.get(name, *args, **query)
        assert response.status_code == 200, response.content
        return response.content.decode()

    def download(self, name, **query):
        response = self.get(name, **query)
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode()
        return list(csv.DictReader(io.StringIO(body))), body.splitlines()[0].split(",")


class AsOfTests(AsOfSite):
    def test_reversed_today_implemented_at_the_end_of_2024(self):
        assert self.refugees.status == "reversed"
        today = self.content("tracker:recommendation_detail", "raise-refugee-cap")
        assert 'Status: <span class="status status-reversed">Reversed</span>' in today
        before = self.content(
            "tracker:recommendation_detail", "raise-refugee-cap", as_of="2024-12-31"
        )
        assert 'Status on 31 December 2024: <span class="status status-implemented">' in before
        assert "Realigning the United States Refugee" not in before

    def test_the_list_and_its_filters_follow_the_date(self):
        url = "tracker:recommendation_list"
        assert self.refugees.title in self.content(url, status="reversed")
        assert self.refugees.title not in self.content(url, status="reversed", as_of="2024-12-31")
        assert self.refugees.title in self.content(url, status="implemented", as_of="2024-12-31")
        assert self.refugees.title not in self.content(
            url, status="implemented", as_of="2021-02-03"
        )
        content = self.content(url, evidence="no", as_of="2021-02-03")
        assert self.refugees.title in content and "as they stood on <strong>" in content
        content = self.content(url, sort="status", as_of="2024-12-31", stage="reengage")
        assert 'status-implemented">Implemented</span>' in content

    def test_the_scorecard_totals_follow_the_date(self):
        today = self.content("tracker:scorecard")
        on = self.content("tracker:scorecard", as_of="2024-12-31")
        assert "?status=reversed&amp;as_of=" not in today
        assert '<strong>2</strong> <span class="status status-implemented">' in on
        assert '<strong>1</strong> <span class="status status-reversed">' in today

    def test_downloads_on_a_date(self):
        rows, _ = self.download("tracker:scorecard_csv", as_of="2024-12-31")
        row = next(r for r in rows if r["code"] == "raise-refugee-cap")
        assert (row["status"], row["evidence_count"], row["latest_action_date"]) == (
            "implemented",
            "1",
            "2021-02-04",
        )
        assert row["status_end_biden"] == ""  # The term had not ended by that date.
        rows, _ = self.download("tracker:scorecard_csv")
        row = next(r for r in rows if r["code"] == "raise-refugee-cap")
        assert (row["status"], row["status_end_biden"], row["latest_action_date"]) == (
            "reversed",
            "implemented",
            "2025-01-20",
        )
        links, _ = self.download("tracker:links_csv", as_of="2024-12-31")
        assert {link["relation"] for link in links} == {"implements", "related"}
        links, _ = self.download("tracker:links_csv")
        contrary = next(link for link in links if link["relation"] == "contrary")
        assert (contrary["document_kind"], contrary["administration"]) == (
            "executive_order 14163",
            "trump-2",
        )

    def test_the_stage_page_follows_the_date(self):
        today = self.content("tracker:stage_detail", "reengage")
        assert 'status-reversed">Reversed</span>' in today and "1 reversed" in today
        on = self.content("tracker:stage_detail", "reengage", as_of="2024-12-31")
        assert "in this stage on 31 December 2024:" in on and "as they stood on <strong>" in on
        assert 'status-implemented">Implemented</span>' in on and "reversed" not in on
        before = self.content("tracker:stage_detail", "reengage", as_of="2021-02-03")
        assert 'status-implemented">Implemented</span>' not in before

    def test_links_from_dated_pages_keep_the_date(self):
        stage = reverse("tracker:stage_detail", args=["reengage"])
        refugees = reverse("tracker:recommendation_detail", args=["raise-refugee-cap"])
        listed = reverse("tracker:recommendation_list")
        dated = {
            ("tracker:scorecard",): [f'href="{stage}?as_of=2024-12-31"'],
            ("tracker:recommendation_list",): [
                f'href="{stage}?as_of=2024-12-31"',
                f'href="{refugees}?as_of=2024-12-31"',
            ],
            ("tracker:stage_detail", "reengage"): [
                f'href="{refugees}?as_of=2024-12-31"',
                f'href="{listed}?as_of=2024-12-31"',
                "?stage=reengage&amp;as_of=2024-12-31",
            ],
            ("tracker:recommendation_detail", "raise-refugee-cap"): [
                f'href="{stage}?as_of=2024-12-31"',
                f'href="{listed}?as_of=2024-12-31"',
            ],
        }
        for page, links in dated.items():
            on = self.content(*page, as_of="2024-12-31")
            today = self.content(*page)
            for link in links:
                assert link in on, (page, link)
                assert "?as_of=2024" not in today, page

    def test_stage_page_query_count_on_a_date(self):
        # As many queries as today's page: the stage's dated links, read once, instead of its
        # totals.
        for _ in range(2):
            with self.assertNumQueries(4):
                self.get("tracker:stage_detail", "reengage", as_of="2024-12-31")
            make_dated_link(make_recommendation(stage=self.reengage), D(2022, 1, 1))
            cache.clear()  # Factories write directly, not through a publishing writer.

    def test_invalid_and_out_of_range_dates(self):
        pages = [
            ("tracker:scorecard",),
            ("tracker:recommendation_list",),
            ("tracker:recommendation_detail", "raise-refugee-cap"),
            ("tracker:stage_detail", "reengage"),
            ("tracker:scorecard_csv",),
            ("tracker:scorecard_json",),
            ("tracker:links_csv",),
        ]
        for page in pages:
            for bad in ["2024-13-45", "yesterday", "2024-1-1x", "31/12/2024", "\\x00", "9" * 300]:
                response = self.get(*page, as_of=bad)
                assert response.status_code == 400, (page, bad)
            response = self.get(*page, as_of="2020-12-31")
            assert response.status_code == 400, page
            body = (
                response.content if not response.streaming else b"".join(response.streaming_content)
            )
            assert b"2021-01-20" in body
            future = self.get(*page, as_of="2999-01-01")
            assert future.status_code == 200, page
            if future.streaming:  # Read it: on PostgreSQL links.csv holds its connection.
                b"".join(future.streaming_content)
        content = self.content("tracker:scorecard", as_of="2999-01-01")
        today = datetime.date.today()
        assert f'datetime="{today:%Y-%m-%d}"' in content

    def test_query_counts_on_a_date(self):
        # One more query than today's page: the dated links, read once and computed in Python.
        pages = {
            reverse("tracker:recommendation_list"): 6,
            reverse("tracker:recommendation_detail", args=["raise-refugee-cap"]): 4,
        }
        for url, count in pages.items():
            with self.assertNumQueries(count):
                self.client.get(url, {"as_of": "2024-12-31", "status": "implemented"})
            for _ in range(3):
                make_dated_link(make_recommendation(stage=self.reengage), D(2022, 1, 1))
            with self.assertNumQueries(count):
                self.client.get(url, {"as_of": "2024-06-30", "status": "implemented"})

    def test_download_query_counts_on_a_date(self):
        # The data version (for the ETag), dated links for the statuses, administrations,
        # then one statement for every row (on PostgreSQL a COPY, which Django does not
        # count); links.csv is the data version and one query either way.
        scorecard = 3 if connection.vendor == "postgresql" else 4
        for name, count in [("tracker:scorecard_csv", scorecard), ("tracker:links_csv", 2)]:
            for _ in range(2):
                with self.assertNumQueries(count):
                    self.download(name, as_of="2024-12-31")
                make_dated_link(make_recommendation(stage=self.reengage), D(2022, 1, 1))


class LaterChangesLeftOut(AsOfSite):
    """On a date, the record's changes made after it are left out, like later documents."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()  # Rejoining the council was reviewed today.
        StatusChange.objects.create(
            recommendation=cls.guantanamo,
            changed_at=timezone.make_aware(datetime.datetime(2021, 6, 1, 12)),
            from_status="not_found",
            to_status="contrary",
            reason="Transfers resumed.",
        )

    def test_the_scorecard_lists_the_changes_made_by_the_date(self):
        today = self.content("tracker:scorecard")
        assert "Rejoin the UN Human Rights Council</a>, No action found →" in today
        on = self.content("tracker:scorecard", as_of="2022-01-01")
        assert "Rejoin the UN Human Rights Council</a>, No action found →" not in on
        assert "Recommit to closing Guantánamo</a>, No action found →" in on
        before = self.content("tracker:scorecard", as_of="2021-05-31")
        assert "No editor had changed a status by 31 May 2021." in before
        assert "Recommit to closing Guantánamo</a>" not in before

    def test_the_recommendation_page_lists_the_changes_made_by_the_date(self):
        today = self.content("tracker:recommendation_detail", "rejoin-council")
        assert "No action found → <strong>Implemented</strong>" in today
        on = self.content("tracker:recommendation_detail", "rejoin-council", as_of="2022-01-01")
        assert "No action found → <strong>Implemented</strong>" not in on
        assert "No editor had changed this status by 1 January 2022" in on
        kept = self.content("tracker:recommendation_detail", "close-guantanamo", as_of="2022-01-01")
        assert "No action found → <strong>Contrary action</strong>" in kept

    def test_the_downloads_last_changed_is_the_last_change_by_the_date(self):
        today = timezone.localdate().isoformat()
        for name in ("tracker:scorecard_csv", "tracker:scorecard_json"):
            response = self.get(name, as_of="2022-01-01")
            body = b"".join(response.streaming_content).decode()
            rows = csv.DictReader(io.StringIO(body)) if name.endswith("csv") else json.loads(body)
            last_changed = {row["code"]: row["last_changed"] for row in rows}
            assert last_changed["rejoin-council"] == "", name
            assert last_changed["close-guantanamo"] == "2021-06-01", name
        rows, _ = self.download("tracker:scorecard_csv")
        assert next(r for r in rows if r["code"] == "rejoin-council")["last_changed"] == today

    def test_the_scope_box_says_it_describes_the_record_today(self):
        on = self.content("tracker:scorecard", as_of="2022-01-01")
        assert "This box describes the whole record as it stands today" in on
        assert "means none in those of these documents dated up to 1 January 2022." in on
        assert "describes the whole record" not in self.content("tracker:scorecard")


class DownloadContract(AsOfSite):
    """Published downloads are a contract: old columns keep their names and places."""

    ORIGINAL_SCORECARD = [
        "code", "stage", "title", "statement", "quote", "status", "status_label",
        "status_reason", "evidence_count", "evidence", "evidence_urls", "last_changed", "url",
    ]  # fmt: skip
    ORIGINAL_LINKS = [
        "recommendation_code", "recommendation_title", "relation", "factsheet_title",
        "factsheet_date", "factsheet_url", "section", "action_text", "reason",
        "recommendation_url",
    ]  # fmt: skip

    def test_scorecard_header_order(self):
        _, header = self.download("tracker:scorecard_csv")
        assert header == [*self.ORIGINAL_SCORECARD, "latest_action_date", "status_end_biden"]
        assert SCORECARD_COLUMNS[: len(self.ORIGINAL_SCORECARD)] == self.ORIGINAL_SCORECARD
        response = self.get("tracker:scorecard_json")
        data = json.loads(b"".join(response.streaming_content))
        assert list(data[0]) == header

    def test_links_header_order(self):
        _, header = self.download("tracker:links_csv")
        assert header == [
            *self.ORIGINAL_LINKS,
            "document_kind",
            "administration",
            "working_url",
            "publisher",
        ]
        assert header == LINK_COLUMNS

    def test_the_working_address_is_a_column_and_the_original_is_kept(self):
        links, _ = self.download("tracker:links_csv")
        sheet = next(link for link in links if link["relation"] == "implements")
        assert sheet["factsheet_url"].startswith("https://www.whitehouse.gov/")
