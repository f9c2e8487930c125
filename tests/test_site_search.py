"""The site-wide search: recommendations, documents by title and actions by text, each ranked
by relevance, with accents ignored, acronyms expanded and words stemmed, on both databases."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.urls import reverse

from tracker import views
from tracker.models import Action, Document, Recommendation

from .factories import (
    make_action,
    make_administrations,
    make_factsheet,
    make_recommendation,
    make_stage,
)

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's index")
URL = reverse("tracker:site_search")


class SiteSearch(TestCase):
    @classmethod
    def setUpTestData(cls):
        biden, trump = make_administrations()
        stage = make_stage(slug="reverse")
        cls.guantanamo = make_recommendation(stage=stage, title="Recommit to closing Guantánamo")
        cls.icc = make_recommendation(
            stage=stage, title="Resume cooperation with the International Criminal Court"
        )
        cls.detention = make_factsheet(
            title="Fact Sheet: Closing the Detention Facility at Guantánamo Bay",
            administration=biden,
            published=datetime.date(2021, 3, 1),
        )
        cls.sanctions = make_factsheet(
            kind=Document.Kind.PRESIDENTIAL_ACTION,
            subtype=Document.Subtype.EXECUTIVE_ORDER,
            executive_order_number=14203,
            title="Imposing Sanctions on the International Criminal Court",
            administration=trump,
            published=datetime.date(2025, 2, 6),
        )
        # Created first: the newest first (the tie-break) would put it last.
        cls.admissions = make_factsheet(
            title="Fact Sheet: Refugees Welcome: Refugee Admissions", administration=biden
        )
        cls.hemisphere = make_factsheet(
            title="Fact Sheet: Migration, climate and refugee policy across the agencies of the "
            "Western Hemisphere partnership",
            administration=biden,
        )
        cls.transfer = make_action(
            factsheet=cls.detention,
            section="Closing Guantánamo",
            text="Transferred detainees out of Guantánamo Bay to the custody of other countries.",
        )
        cls.court = make_action(
            factsheet=cls.sanctions,
            section="Sec. 2. Sanctions.",
            text="Blocked the property of officials of the International Criminal Court who "
            "investigate protected persons.",
        )
        # Created first: the newest first (the tie-break) would put it last.
        cls.rebuilt = make_action(
            factsheet=cls.admissions,
            text="Rebuilt the refugee programme so that refugees are resettled and each refugee "
            "family is welcomed.",
        )
        cls.ceiling = make_action(
            factsheet=cls.hemisphere,
            text="Set the ceiling for refugee admissions at 125,000 for the fiscal year, among "
            "other measures taken to rebuild the programme after four years of cuts.",
        )
        cls.boilerplate = make_action(
            factsheet=cls.admissions,
            text="By the authority vested in me, for the protection of refugees.",
            is_boilerplate=True,
        )
        cls.withdrawn = make_action(
            factsheet=cls.admissions, text="Refugees were welcomed again.", withdrawn=True
        )
        cls.hostile = make_action(
            factsheet=cls.admissions,
            text="<script>alert('asylum')</script> & asylum seekers were heard.",
        )

    def search(self, query, **params):
        response = self.client.get(URL, {"q": query, **params})
        assert response.status_code == 200, response.status_code
        return response.content.decode()

    def found(self, query, group, **params):
        """The rows of one group, in the order shown."""
        content = self.search(query, **params)
        section = re.search(
            rf'<section aria-labelledby="{group}">(.*?)</section>', content, re.DOTALL
        )[1]
        if group == "actions":
            anchors = re.findall(r'href="/documents/([^/]+)/#action-(\d+)"', section)
            return [Action.objects.get(factsheet__slug=s, position=p) for s, p in anchors]
        if group == "recommendations":
            codes = re.findall(r'<li><a href="/recommendations/([^/]+)/"', section)
            return [Recommendation.objects.get(code=code) for code in codes]
        slugs = re.findall(r'<li><a href="/documents/([^/]+)/"', section)
        return [Document.objects.get(slug=slug) for slug in slugs]

    def test_accents_are_ignored_in_every_group(self):
        for query in ["Guantanamo", "GUANTÁNAMO"]:
            assert self.found(query, "recommendations") == [self.guantanamo]
            assert self.found(query, "documents") == [self.detention]
            assert self.found(query, "actions") == [self.transfer]

    def test_the_sites_acronyms_are_expanded_in_every_group(self):
        assert self.found("ICC", "recommendations") == [self.icc]
        assert self.found("ICC", "documents") == [self.sanctions]
        assert self.found("ICC", "actions") == [self.court]
        assert self.found("icc officials", "actions") == [self.court]  # Every term required.
        assert self.found("icc detainees", "actions") == []

    def test_words_are_stemmed_and_boilerplate_and_withdrawn_actions_left_out(self):
        assert set(self.found("refugees", "documents")) == {self.admissions, self.hemisphere}
        assert set(self.found("refugees", "actions")) == {self.ceiling, self.rebuilt}
        assert self.found("resettling", "actions") == [self.rebuilt]

    def test_each_group_is_ranked_by_relevance(self):
        assert self.found("refugee", "documents") == [self.admissions, self.hemisphere]
        assert self.found("refugee", "actions") == [self.rebuilt, self.ceiling]

    def test_each_result_shows_why_it_matched_with_the_terms_marked(self):
        content = self.search("guantanamo")
        assert "Recommit to closing <mark>Guantánamo</mark>" in content
        assert "Closing the Detention Facility at <mark>Guantánamo</mark> Bay" in content
        assert "Transferred detainees out of <mark>Guantánamo</mark> Bay" in content
        content = self.search("ICC")
        assert "officials of the <mark>International Criminal Court</mark> who" in content

    def test_snippets_are_escaped_html(self):
        content = self.search("asylum")
        assert "&lt;script&gt;alert(&#x27;<mark>asylum</mark>&#x27;)&lt;/script&gt; &amp;" in (
            content
        )
        assert "<script>" not in content

    def test_a_long_action_is_shortened_around_the_match(self):
        words = " ".join(f"word{n}" for n in range(200))
        make_action(factsheet=self.detention, text=f"{words} the Khashoggi Ban {words}")
        content = self.search("khashoggi")
        snippet = re.search(r'<p class="snippet">(.*?)</p>', content, re.DOTALL)[1]
        assert snippet.startswith("…") and snippet.endswith("…")
        assert "the <mark>Khashoggi</mark> Ban" in snippet
        assert len(snippet) < 300

    def test_actions_link_to_their_anchor_and_say_whose_action_it_was(self):
        content = self.search("ICC")
        anchor = f"{self.sanctions.get_absolute_url()}#action-{self.court.position}"
        item = content[content.index(anchor) :]
        item = item[: item.index("</li>")]
        assert "Imposing Sanctions on the International Criminal Court" in item
        assert "Executive order 14203" in item
        assert '<time datetime="2025-02-06">6 Feb 2025</time>' in item
        assert "Second Trump administration" in item
        page = self.client.get(self.sanctions.get_absolute_url()).content.decode()
        assert f'id="action-{self.court.position}"' in page

    def test_documents_link_to_their_page_with_kind_date_and_administration(self):
        content = self.search("detention facility")
        item = content[content.index(f'href="{self.detention.get_absolute_url()}"') :]
        item = item[: item.index("</li>")]
        assert "Fact sheet of the Biden administration" in item
        assert '<time datetime="2021-03-01">1 Mar 2021</time>' in item

    def test_counts_per_group(self):
        content = self.search("refugees")
        assert "<strong>0</strong> recommendations</a>" in content
        assert "<strong>2</strong> documents</a>" in content
        assert "<strong>2</strong> actions</a>" in content
        assert "No recommendation matches “refugees”." in content

    def test_a_query_of_only_common_words_finds_nothing_in_any_group_and_says_so(self):
        # "the" is in a recommendation's title: it was found there, never in the others.
        for query in ["the", "The of AND"]:
            content = self.search(query)
            for noun in ["recommendation", "document", "action"]:
                assert f"<strong>0</strong> {noun}s</a>" in content, (query, noun)
            assert "so the search leaves them out" in content
        content = self.search("the court")
        assert "so the search leaves them out" not in content
        assert self.found("the court", "recommendations") == [self.icc]
        assert "so the search leaves them out" not in self.search("!@#$")

    def test_a_more_link_per_group_then_pages_of_one_group(self):
        shown = views.SEARCH_GROUPS["actions"].shown
        total = views.SEARCH_RESULTS_PER_PAGE + 2
        for number in range(total - 2):
            make_action(factsheet=self.admissions, text=f"Refugee family {number} resettled.")
        content = self.search("refugee")
        assert f"<strong>{total}</strong> actions</a>" in content
        section = content[content.index('aria-labelledby="actions"') :]
        assert section.count('<p class="snippet">') == shown
        assert f"All {total} actions matching “refugee”" in section
        assert "?q=refugee&amp;group=actions" in section
        first = self.search("refugee", group="actions")
        assert first.count('<p class="snippet">') == views.SEARCH_RESULTS_PER_PAGE
        assert 'aria-labelledby="documents"' not in first
        assert "Page 1 of 2" in first
        second = self.search("refugee", group="actions", page=2)
        assert second.count('<p class="snippet">') == 2
        assert self.search("refugee", group="actions", page=99).count('class="snippet"') == 2

    def test_an_empty_query_shows_what_search_does(self):
        for params in [{}, {"q": ""}, {"q": "   "}, {"q": "\x00"}]:
            response = self.client.get(URL, params)
            assert response.status_code == 200
            content = response.content.decode()
            assert "Accents don’t matter" in content
            assert 'href="?q=ICC"' in content
            assert 'aria-labelledby="actions"' not in content

    def test_no_results_offer_no_download(self):
        for query in ["torture", "!@#$", "zzz"]:
            content = self.search(query)
            assert "No recommendation matches" in content
            assert "scorecard.csv?" not in content
        content = self.search("guantanamo")
        assert "scorecard.csv?q=guantanamo" in content

    def test_bad_query_strings_are_400_or_an_empty_result(self):
        assert self.client.get(URL, {"q": "x" * 201}).status_code == 400
        assert self.client.get(URL, {"q": "icc", "group": "nope"}).status_code == 400
        for query in [
            '"',
            'refugee" OR "',
            "NEAR(refugee asylum)",
            "refugee*",
            "title:refugee",
            "AND OR NOT",
            "the",
            "& | ! <-> :*",
            "'; DROP TABLE tracker_action; --",
            "{{ settings.SECRET_KEY }}",
            "😀" * 50,
        ]:
            response = self.client.get(URL, {"q": query, "page": "x"})
            assert response.status_code == 200, query
        assert self.client.get(f"{URL}?q=%FF%FE&group=%00").status_code == 400

    def test_the_header_box_leads_here_and_the_lists_own_search_still_works(self):
        for url in [reverse("tracker:scorecard"), reverse("tracker:document_list"), URL]:
            content = self.client.get(url).content.decode()
            assert f'<form class="site-search" role="search" method="get" action="{URL}">' in (
                content
            )
        content = self.search("Guantanamo")
        assert 'id="site-q" name="q" maxlength="200" value="Guantanamo"' in content
        listed = self.client.get(reverse("tracker:recommendation_list"), {"q": "Guantanamo"})
        assert self.guantanamo.get_absolute_url() in listed.content.decode()
        assert self.icc.get_absolute_url() not in listed.content.decode()

    def test_queries_are_pinned_and_do_not_grow_with_results(self):
        # Cache version; per group a count and a page; documents and actions then fetch
        # their page's rows with the document and administration.
        with self.assertNumQueries(4):
            self.search("refugee guantanamo icc asylum")  # No result: only the counts.
        make_recommendation(title="Restore refugee admissions")
        cache.clear()
        with self.assertNumQueries(9):
            self.search("refugee")
        for number in range(30):
            make_action(factsheet=self.admissions, text=f"Refugee family {number} resettled.")
            make_factsheet(title=f"Refugee fact sheet {number}")
            make_recommendation(title=f"Welcome refugee family {number}")
        cache.clear()
        with self.assertNumQueries(9):
            self.search("refugee")
        with self.assertNumQueries(4):  # One group: a count, a page, its rows.
            self.search("refugee", group="actions", page=2)
        with self.assertNumQueries(1):  # The empty query's page: the cache version only.
            self.client.get(URL)

    def test_the_page_is_cached(self):
        self.search("refugee")
        with self.assertNumQueries(1):
            self.search("refugee")

    def test_the_index_follows_every_write(self):
        """Triggers (SQLite) and a generated column (PostgreSQL) keep the index in step,
        bulk writes included: a schema change that dropped them fails here."""
        assert self.found("lighthouse", "actions") == []
        action = make_action(factsheet=self.detention, text="Funded a lighthouse.")
        cache.clear()  # Factories write directly, not through a publishing writer.
        assert self.found("lighthouse", "actions") == [action]
        Action.objects.filter(pk=action.pk).update(text="Funded a harbour.")
        cache.clear()
        assert self.found("lighthouse", "actions") == []
        assert self.found("harbour", "actions") == [action]
        Action.objects.bulk_create(
            [Action(factsheet=self.detention, position=99, key="k99", text="A lighthouse.")]
        )
        Action.objects.filter(pk=action.pk).delete()
        Document.objects.filter(pk=self.sanctions.pk).update(title="Lighthouse keepers")
        cache.clear()
        assert [a.position for a in self.found("lighthouse", "actions")] == [99]
        assert self.found("harbour", "actions") == []
        assert self.found("lighthouse", "documents") == [self.sanctions]
        Action.objects.filter(pk=self.rebuilt.pk).update(is_boilerplate=True)
        Action.objects.filter(pk=self.withdrawn.pk).update(withdrawn=False)
        cache.clear()
        assert self.found("refugees", "actions") == [self.withdrawn, self.ceiling]

    @postgres_only
    def test_postgresql_uses_its_full_text_indexes(self):
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            for found, index in [
                (Action.objects.for_site_search("refugee"), "tracker_action_search"),
                (Document.objects.for_site_search("refugee"), "tracker_document_search"),
            ]:
                cursor.execute(f"EXPLAIN {found.count_sql}", found.count_params)
                assert index in str(cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
