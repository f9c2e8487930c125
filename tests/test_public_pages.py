from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from tracker.curation import review_links, set_override
from tracker.models import Document

from .factories import (
    make_action,
    make_essay,
    make_factsheet,
    make_link,
    make_recommendation,
    make_stage,
)


class PublicSite(TestCase):
    """A small tracker: two stages, three recommendations, one fact sheet."""

    @classmethod
    def setUpTestData(cls):
        cls.reverse_stage = make_stage(
            name="Reverse and Revoke", slug="reverse-and-revoke", position=1
        )
        cls.reengage = make_stage(
            name="Reengage", slug="reengage", position=2, essay=cls.reverse_stage.essay
        )
        essay = cls.reverse_stage.essay
        essay.author, essay.url = "Sarah H. Cleveland", "https://example.org/essay"
        essay.body = (
            "## Reverse and Revoke\n\nThe Trump administration abandoned the goal of closing "
            "Guantánamo.\n\n## Reengage\n\nThe United States should re-join the UN Human Rights "
            "Council."
        )
        essay.footnotes = ["A footnote."]
        essay.save()
        cls.guantanamo = make_recommendation(
            stage=cls.reverse_stage,
            code="close-guantanamo",
            title="Recommit to closing Guantánamo",
            quote="abandoned the goal of closing Guantánamo",
            position=10,
        )
        cls.council = make_recommendation(
            stage=cls.reengage,
            code="rejoin-council",
            title="Rejoin the UN Human Rights Council",
            quote="should re-join the UN Human Rights Council",
            position=20,
        )
        cls.unesco = make_recommendation(
            stage=cls.reengage, code="rejoin-unesco", title="Rejoin UNESCO", position=30
        )
        cls.factsheet = make_factsheet(slug="un-accomplishments", title="UN accomplishments")
        cls.rejoined = make_action(
            factsheet=cls.factsheet,
            section="Protected Human Rights",
            text="We rejoined the UN Human Rights Council in 2021.",
        )
        cls.unasked = make_action(factsheet=cls.factsheet, text="We hosted a water conference.")
        link = make_link(
            recommendation=cls.council,
            action=cls.rejoined,
            review="suggested",
            relation="",
            reason="",
        )
        review_links([link], review="accepted", relation="implements", reason="Rejoined in 2021.")
        make_link(
            recommendation=cls.unesco,
            action=cls.rejoined,
            relation="related",
            reason="Shows engagement with UN bodies.",
        )

    def get(self, name, *args, **query):
        return self.client.get(reverse(name, args=args), query)


class ScorecardTests(PublicSite):
    def test_totals_per_status_chart_share_and_recent_changes(self):
        content = self.get("tracker:scorecard").content.decode()
        assert "1 of 3" in content and "33%" in content
        assert 'aria-label="Reengage: Implemented 1, Partly implemented 0' in content
        assert "Rejoin the UN Human Rights Council</a>, No action found →" in content
        assert "How we rate" in content and "scorecard.csv" in content

    def test_query_count_is_constant(self):
        # Cache version, administrations, the essay's stages, the totals, every status link
        # with its date (over time, chart), recent changes, the documents searched, the last
        # review.
        url = reverse("tracker:scorecard")
        with self.assertNumQueries(8):
            self.client.get(url)
        for _ in range(5):
            make_link(recommendation=make_recommendation(stage=self.reengage))
            make_recommendation()  # In a stage of an essay of its own.
        cache.clear()  # Factories write directly, not through a publishing writer.
        with self.assertNumQueries(8):
            self.client.get(url)

    def test_stages_are_the_main_essays_and_totals_count_every_recommendation(self):
        later = make_essay(slug="later-agenda", published=self.reverse_stage.essay.published)
        make_recommendation(stage=make_stage(essay=later, name="Later stage"), status="partial")
        content = self.get("tracker:scorecard").content.decode()
        assert "asked the incoming administration for 3 concrete steps in 2 stages." in content
        assert "Later stage" not in content  # Its stage is not the essay's.
        assert "All 4 recommendations: Implemented 1, Partly implemented 1," in content
        assert "1 of the 3 recommendations of Sarah H. Cleveland" in content


class ListTests(PublicSite):
    def test_grouped_by_stage_with_status_and_count(self):
        content = self.get("tracker:recommendation_list").content.decode()
        assert content.index("Reverse and Revoke") < content.index("Recommit to closing")
        assert content.index("Recommit to closing") < content.index("Rejoin the UN")
        assert "<strong>3</strong> recommendations" in content

    def test_filters_by_stage_status_factsheet_and_evidence(self):
        def titles(**query):
            content = self.get("tracker:recommendation_list", **query).content.decode()
            return {
                r.title for r in (self.guantanamo, self.council, self.unesco) if r.title in content
            }

        assert titles(stage="reengage") == {self.council.title, self.unesco.title}
        assert titles(status="implemented") == {self.council.title}
        assert titles(status="not_found") == {self.guantanamo.title, self.unesco.title}
        assert titles(factsheet="un-accomplishments") == {self.council.title}
        assert titles(evidence="yes") == {self.council.title}
        assert titles(evidence="no") == {self.guantanamo.title, self.unesco.title}

    def test_search_covers_quotes_and_linked_evidence(self):
        content = self.get("tracker:recommendation_list", q="2021").content.decode()
        assert self.council.title in content and self.guantanamo.title not in content
        content = self.get("tracker:recommendation_list", q="Guantánamo").content.decode()
        assert self.guantanamo.title in content and self.council.title not in content

    def test_active_filters_are_shown_and_removable(self):
        content = self.get(
            "tracker:recommendation_list", stage="reengage", status="implemented"
        ).content.decode()
        assert "Stage: <strong>Reengage</strong>" in content
        assert 'href="?status=implemented" aria-label="Remove filter Stage: Reengage"' in content

    def test_sort_by_title_lists_without_stage_groups(self):
        content = self.get("tracker:recommendation_list", sort="title").content.decode()
        assert (
            content.index("Recommit")
            < content.index("Rejoin UNESCO")
            < content.index("Rejoin the UN")
        )

    def test_invalid_values_give_400_not_500(self):
        for query in [
            {"stage": "nope"},
            {"status": "done"},
            {"sort": "evil"},
            {"evidence": "maybe"},
            {"q": "x" * 500},
        ]:
            response = self.get("tracker:recommendation_list", **query)
            assert response.status_code == 400, query
            assert "not valid" in response.content.decode()

    def test_an_unknown_fact_sheet_gives_an_empty_list(self):
        response = self.get("tracker:recommendation_list", factsheet="no-such-sheet")
        assert response.status_code == 200
        assert "No recommendation matches these filters." in response.content.decode()

    def test_a_bad_page_number_is_not_an_error(self):
        assert self.get("tracker:recommendation_list", page="abc").status_code == 200
        assert self.get("tracker:recommendation_list", page="9999").status_code == 200

    def test_query_count_is_constant(self):
        # Cache version, the document menu, the stage asked for, count, page, the stage menu
        # (the active filter shows the stage's name without reading the menu again).
        url = reverse("tracker:recommendation_list")
        query = {"stage": "reengage", "q": "council"}
        with self.assertNumQueries(6):
            self.client.get(url, query)
        for _ in range(5):
            make_link(recommendation=make_recommendation(stage=self.reengage, title="Council"))
            make_recommendation(title="Council")  # In a stage of an essay of its own.
        cache.clear()  # Factories write directly, not through a publishing writer.
        with self.assertNumQueries(6):
            self.client.get(url, query)

    def test_stage_menu_offers_the_main_essays_stages_and_the_one_asked_for(self):
        later = make_essay(slug="later-agenda", published=self.reverse_stage.essay.published)
        other = make_stage(essay=later, slug="later-stage", name="Later stage")
        elsewhere = make_recommendation(stage=other, title="Asked by the later essay")
        content = self.get("tracker:recommendation_list").content.decode()
        assert '<option value="reengage">Reengage</option>' in content
        assert '<option value="later-stage">' not in content
        assert elsewhere.title in content  # The list itself is every essay's.
        content = self.get("tracker:recommendation_list", stage="later-stage").content.decode()
        assert '<option value="later-stage" selected>Later stage</option>' in content
        assert elsewhere.title in content and self.council.title not in content


class DetailTests(PublicSite):
    def test_statement_quote_evidence_related_and_history(self):
        content = self.client.get(self.council.get_absolute_url()).content.decode()
        assert "should re-join the UN Human Rights Council" in content
        assert f'href="{reverse("tracker:essay")}#q-rejoin-council"' in content
        assert "Rejoined in 2021." in content and "UN accomplishments" in content
        assert 'href="https://www.whitehouse.gov/' in content
        assert "No action found → <strong>Implemented</strong>" in content
        assert '<div class="change-reason"><p>Rejoined in 2021.</p></div>' in content

    def test_related_actions_are_shown_apart_from_evidence(self):
        content = self.client.get(self.unesco.get_absolute_url()).content.decode()
        assert content.index("No action found.") < content.index("Related actions")
        assert "Shows engagement with UN bodies." in content

    def test_the_reason_is_rendered_from_markdown_and_sanitised(self):
        set_override(
            self.guantanamo,
            status="contrary",
            reason="**Transfers** resumed. <script>alert(1)</script> [x](javascript:alert(1))",
        )
        content = self.client.get(self.guantanamo.get_absolute_url()).content.decode()
        assert "<strong>Transfers</strong>" in content
        assert "<script>alert(1)" not in content and "javascript:" not in content

    def test_query_count_is_constant(self):
        url = self.council.get_absolute_url()
        with self.assertNumQueries(4):
            self.client.get(url)
        for _ in range(4):
            make_link(recommendation=self.council)
        cache.clear()  # Factories write directly, not through a publishing writer.
        with self.assertNumQueries(4):
            self.client.get(url)

    def test_unknown_code_is_404(self):
        assert self.get("tracker:recommendation_detail", "no-such-code").status_code == 404


class OtherPageTests(PublicSite):
    def test_stage_page_lists_its_recommendations(self):
        content = self.get("tracker:stage_detail", "reengage").content.decode()
        assert self.council.title in content and self.guantanamo.title not in content
        assert self.get("tracker:stage_detail", "nope").status_code == 404

    def test_factsheet_pages(self):
        listing = self.get("tracker:document_list").content.decode()
        assert "UN accomplishments" in listing
        content = self.get("tracker:document_detail", "un-accomplishments").content.decode()
        assert "Protected Human Rights" in content
        assert f'Implements: <a href="{self.council.get_absolute_url()}">' in content
        assert "<strong>1</strong> of them answer no recommendation" in content
        assert "Not asked for by the essay." in content

    def test_essay_highlights_every_quote_in_place(self):
        content = self.get("tracker:essay").content.decode()
        assert 'id="q-close-guantanamo"' in content and 'id="q-rejoin-council"' in content
        assert "<mark>should re-join the UN Human Rights Council</mark>" in content
        assert "Rejoin the UN Human Rights Council: Implemented" in content
        assert "A footnote." in content

    def test_essay_is_the_first_imported_when_another_shares_its_date(self):
        essay = self.reverse_stage.essay
        for number in range(3):
            make_stage(essay=make_essay(published=essay.published, body=f"Later essay {number}."))
        content = self.get("tracker:essay").content.decode()
        assert 'id="q-rejoin-council"' in content and "Later essay" not in content

    def test_about_shows_sources_statuses_and_columns(self):
        content = self.get("tracker:about").content.decode()
        assert "CC BY 4.0" in content and "No action found" in content
        assert "<dt>last_changed</dt>" in content

    def test_about_renders_the_sources_file_as_markdown_below_its_own_heading(self):
        content = self.get("tracker:about").content.decode()
        sources = content[content.index('<h2 id="sources">') : content.index('<h2 id="columns">')]
        assert "<h3>Seed documents</h3>" in sources
        assert "<h4>Documents the curation cites</h4>" in sources
        assert "<table>" in sources and "<td>CC BY 4.0: reuse with attribution</td>" in sources
        assert "<code>seeds/</code>" in sources
        for source_syntax in ["# Seed", "|---|", "`", "<!--", "cited-documents:start"]:
            assert source_syntax not in sources, source_syntax
        assert "Copy them into" not in sources  # An instruction to maintainers, not to readers.

    def test_pages_have_titles_descriptions_and_canonical_links(self):
        content = self.client.get(self.council.get_absolute_url()).content.decode()
        assert "<title>Rejoin the UN Human Rights Council · " in content
        assert '<meta name="description" content="Implemented.' in content
        assert (
            f'<link rel="canonical" href="http://127.0.0.1:8000{self.council.get_absolute_url()}">'
            in content
        )

    def test_page_query_counts_are_constant(self):
        pages = [
            reverse("tracker:stage_detail", args=["reengage"]),
            reverse("tracker:document_list"),
            reverse("tracker:document_detail", args=["un-accomplishments"]),
            reverse("tracker:essay"),
            reverse("tracker:about"),
        ]
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def count(url):
            with CaptureQueriesContext(connection) as queries:
                assert self.client.get(url).status_code == 200
            return len(queries)

        before = {url: count(url) for url in pages}
        for _ in range(5):
            recommendation = make_recommendation(stage=self.reengage)
            make_link(recommendation=recommendation, action=make_action(factsheet=self.factsheet))
        cache.clear()  # Factories write directly, not through a publishing writer.
        assert {url: count(url) for url in pages} == before
        # The documents list's administration menu is one query; the about page's
        # "what was searched" another.
        assert before == dict(zip(pages, [4, 6, 4, 3, 3], strict=True))
        assert Document.objects.factsheets().count() == 1


class ScorecardPageTests(PublicSite):
    """What a journalist needs from the scorecard: what it is, the whole picture, how to cite it."""

    def test_the_title_says_what_the_scorecard_is(self):
        content = self.get("tracker:scorecard").content.decode()
        assert "<title>Scorecard: what the White House did on a human rights agenda · " in content
        assert "against a human rights agenda" not in content
        assert "agenda against what" not in content

    def test_an_overall_meter_and_a_colour_key_for_the_stage_bars(self):
        content = self.get("tracker:scorecard").content.decode()
        meter = content[content.index('<figure class="meter">') :]
        assert "All 3 recommendations: Implemented 1, Partly implemented 0, No action found 2" in (
            meter
        )
        assert '<rect class="fill-implemented" x="0.0" y="0" width="33.33"' in meter
        key = content[content.index('aria-label="Colour key"') : content.index("stages-caption")]
        for label in ["Implemented", "Partly implemented", "No action found", "Reversed"]:
            assert label in key
        assert key.count('<rect class="fill-') == 5

    def test_open_graph_description_and_citation(self):
        content = self.get("tracker:scorecard").content.decode()
        assert '<meta property="og:title" content="Scorecard: what the White House did' in content
        assert '<meta property="og:url" content="http://127.0.0.1:8000/">' in content
        assert '<meta name="description" content="1 of the 3 recommendations' in content
        assert '<meta property="og:description" content="1 of the 3 recommendations' in content
        assert "Cite this page: Human rights agenda tracker, “Scorecard: what" in content
        assert "(accessed <time datetime=" in content
        detail = self.client.get(self.council.get_absolute_url()).content.decode()
        assert '<meta property="og:title" content="Rejoin the UN Human Rights Council">' in detail
        assert '<meta property="og:description" content="Implemented.' in detail

    def test_the_date_the_data_was_last_reviewed(self):
        content = self.get("tracker:scorecard").content.decode()
        link = self.council.links.get(review="accepted")
        assert link.reviewed_at is not None
        day = link.reviewed_at.date().isoformat()
        assert f'Data last reviewed by an editor on <time datetime="{day}">' in content

    def test_each_stage_page_has_a_one_line_introduction(self):
        content = self.get("tracker:stage_detail", "reengage").content.decode()
        assert '<p class="stage-intro">Reengage with international and regional' in content
        other = self.get("tracker:stage_detail", "reverse-and-revoke").content.decode()
        assert '<p class="stage-intro">Undo the Trump administration' in other

    def test_one_name_for_the_product(self):
        from django.contrib import admin

        content = self.get("tracker:scorecard").content.decode()
        assert "<title>" in content and "· Human rights agenda tracker</title>" in content
        assert admin.site.site_header.startswith("Human rights agenda tracker")
        assert admin.site.site_title.startswith("Human rights agenda tracker")
        feed = self.get("tracker:feed").content.decode()
        assert "<title>Human rights agenda tracker: status changes</title>" in feed
