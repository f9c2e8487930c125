"""Search that finds: accents, acronyms, stems, relevance, snippets, honest empty results."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Value
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tracker import full_text
from tracker.curation import review_links
from tracker.models import Recommendation, SearchScore
from tracker.search import STEMS_MARK, parse, snippet

from .factories import make_action, make_link, make_recommendation, make_stage


class Search(TestCase):
    @classmethod
    def setUpTestData(cls):
        stage = make_stage(slug="reverse")
        # Created first, so that essay order alone would put it first.
        cls.khashoggi = make_recommendation(
            stage=stage,
            position=1,
            title="Press for accountability for the murder of Jamal Khashoggi",
            statement="Hold those responsible for the murder of Jamal Khashoggi to account.",
        )
        cls.entry_ban = make_recommendation(
            stage=stage,
            position=2,
            title="End the entry ban on Muslim-majority countries",
            statement="Revoke the Trump-era ban on entry from Muslim-majority countries.",
        )
        cls.guantanamo = make_recommendation(
            stage=stage, position=3, title="Recommit to closing Guantánamo"
        )
        cls.icc = make_recommendation(
            stage=stage,
            position=4,
            title="Resume cooperation with the International Criminal Court",
            statement="Work with the Court again.",
        )
        cls.refugees = make_recommendation(
            stage=stage,
            position=5,
            title="Restore refugee admissions",
            statement="Reverse the slashing of the annual refugee admission quota.",
        )
        for recommendation, text in [
            (
                cls.khashoggi,
                "Announced the Khashoggi Ban: a visa ban on travel by those who threaten "
                "journalists; the ban covers travel by their families, a travel ban in all "
                "but name.",
            ),
            (cls.entry_ban, "Revoked the travel ban proclamations on day one."),
        ]:
            link = make_link(
                recommendation=recommendation,
                action=make_action(text=text),
                review="suggested",
                relation="",
                reason="",
            )
            review_links([link], review="accepted", relation="implements", reason="Done.")

    def results(self, query, **params):
        cache.clear()  # Some tests write directly, not through a publishing writer.
        response = self.client.get(reverse("tracker:recommendation_list"), {"q": query, **params})
        assert response.status_code == 200
        content = response.content.decode()
        found = [r for r in Recommendation.objects.all() if r.get_absolute_url() in content]
        return sorted(found, key=lambda r: content.index(r.get_absolute_url())), content

    def test_accents_are_ignored_both_ways(self):
        assert self.results("Guantanamo")[0] == [self.guantanamo]
        assert self.results("GUANTÁNAMO")[0] == [self.guantanamo]

    def test_the_sites_acronyms_are_expanded(self):
        assert self.results("ICC")[0] == [self.icc]
        assert self.results("icc cooperation")[0] == [self.icc]

    def test_words_are_stemmed(self):
        assert self.results("refugees")[0] == [self.refugees]
        assert self.results("admitting refugee")[0] == []  # Every term is required...
        assert self.results("admissions refugees")[0] == [self.refugees]  # ...in any form.

    def test_relevance_orders_a_search_and_the_title_counts_most(self):
        found, content = self.results("travel ban")
        assert found[:2] == [self.entry_ban, self.khashoggi]
        assert "most relevant first" in content
        # Another order still applies when asked for; "relevance" without a query is essay order.
        assert self.results("travel ban", sort="title")[0][:2] == [self.entry_ban, self.khashoggi]
        assert self.results("", sort="relevance")[0][0] == self.khashoggi

    def test_each_result_says_why_it_matched(self):
        _, content = self.results("refugees")
        assert '<p class="snippet">Reverse the slashing of the annual refugee admission quota.' in (
            content
        )
        _, content = self.results("proclamations")
        assert '<p class="snippet">Revoked the travel ban proclamations on day one.</p>' in content

    def test_a_snippet_reads_the_stored_stems_line(self):
        # Each part's stems are the stored ones (not stemmed again): here "banana" for "Apples".
        text = f"Title\nApples here\nApples there\n{STEMS_MARK} titl banana here appl there t:titl "
        assert snippet(text, parse("banana")) == "Apples here"
        assert snippet(text, parse("apples")) == "Apples there"
        # A text without its stems line (not rebuilt yet) is stemmed as it is read.
        assert snippet(text.split(STEMS_MARK)[0], parse("apples")) == "Apples here"

    def test_only_a_search_reads_the_long_search_texts(self):
        def reads_texts(params):
            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                self.client.get(reverse("tracker:recommendation_list"), params)
            return any('"search_text"' in query["sql"] for query in queries)

        assert not reads_texts({}) and not reads_texts({"q": " ", "stage": "reverse"})
        assert reads_texts({"q": "refugees"})  # For the snippets.

    def test_relevance_reads_each_search_text_once(self):
        # Every reading of a long text is a pass over it (on PostgreSQL, decompressing it).
        sql, _ = (
            Recommendation.objects.search("travel ban").values("relevance").query.sql_with_params()
        )
        assert sql.count("search_text") == 1

    @pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own function")
    def test_sqlite_counts_patterns_as_replacing_them_would(self):
        lines = [" human human ", " human  human ", "Guantánamo human rights ", "", " human"]
        with connection.cursor() as cursor:
            for line in lines:
                for pattern in [" human ", " t:human ", " human rights "]:
                    text = f"Human\n{STEMS_MARK}{line}"
                    cursor.execute(
                        f"SELECT {full_text.OCCURRENCES}(CAST(%s AS BLOB), %s, %s), "
                        "(LENGTH(CAST(%s AS BLOB)) - LENGTH(CAST(REPLACE(%s, %s, '') AS BLOB)))"
                        " / LENGTH(%s)",
                        [text, STEMS_MARK, pattern, line, line, pattern, pattern],
                    )
                    counted, replaced = cursor.fetchone()
                    assert counted == replaced, (line, pattern)

    def test_relevance_counts_the_stems_line_only(self):
        # Words as written would count again each word that is its own stem ("human"), and
        # not the others ("rights" is "right"): the stems line holds every word once.
        text = f"A human rights text, human\n{STEMS_MARK} a human right text human "
        score = SearchScore(Value(text), [" human ", " right "])
        row = Recommendation.objects.annotate(score=score).values_list("score", flat=True)
        assert row[0] == 3
        without_stems = SearchScore(Value("A human rights text"), [" human "])
        row = Recommendation.objects.annotate(score=without_stems).values_list("score", flat=True)
        assert row[0] == 0

    def test_no_match_is_an_honest_empty_result_without_downloads(self):
        for query in ["torture", "climate"]:
            found, content = self.results(query)
            assert found == []
            assert f"No recommendation matches “{query}”" in content
            assert f"scorecard.csv?q={query}" not in content
            assert f"scorecard.json?q={query}" not in content
        _, content = self.results("refugees")
        assert "scorecard.csv?q=refugees" in content

    def test_every_page_has_a_search_box(self):
        for url in [reverse("tracker:scorecard"), reverse("tracker:about")]:
            content = self.client.get(url).content.decode()
            assert 'role="search"' in content
            assert f'action="{reverse("tracker:site_search")}"' in content
            assert 'name="q"' in content

    def test_invalid_sorts_are_refused(self):
        for sort in ["nope", "-title", "title;drop"]:
            response = self.client.get(reverse("tracker:recommendation_list"), {"sort": sort})
            assert response.status_code == 400, sort
        for sort in ["essay", "title", "status", "evidence", "changed", "relevance"]:
            response = self.client.get(reverse("tracker:recommendation_list"), {"sort": sort})
            assert response.status_code == 200, sort

    def test_a_search_costs_no_more_queries_than_the_plain_list(self):
        # Cache version, the document menu, count, page, the stage menu; snippets cost none.
        url = reverse("tracker:recommendation_list")
        with self.assertNumQueries(5):
            self.client.get(url, {"q": "travel ban"})
        with self.assertNumQueries(5):
            self.client.get(url, {"q": "travel", "sort": "title"})

    def test_the_index_follows_every_write(self):
        """SQLite's index of the search texts (`tracker.full_text.RECOMMENDATIONS`) is kept
        by triggers, bulk writes included: a schema change that dropped them fails here."""
        stage = self.khashoggi.stage
        assert self.results("lighthouse")[0] == []
        keeper = make_recommendation(stage=stage, position=10, title="Fund the lighthouses")
        assert self.results("lighthouse")[0] == [keeper]
        keeper.title = "Fund the harbour"
        keeper.search_text = keeper.build_search_text()
        keeper.save()
        assert self.results("lighthouse")[0] == []
        assert self.results("harbour")[0] == [keeper]
        # Bulk writes: created without a search text, then given one by a bulk update.
        beacon, lamp = Recommendation.objects.bulk_create(
            Recommendation(code=code, stage=stage, position=position, title=title)
            for code, position, title in [
                ("beacon", 11, "Light the lighthouse beacon"),
                ("lamp", 12, "Trim the lighthouse lamp"),
            ]
        )
        assert self.results("lighthouse")[0] == []
        assert Recommendation.objects.refresh_search_texts() == 2
        assert self.results("lighthouse")[0] == [beacon, lamp]
        Recommendation.objects.filter(pk=lamp.pk).update(search_text="")
        Recommendation.objects.filter(pk=keeper.pk).delete()
        assert self.results("lighthouse")[0] == [beacon]
        assert self.results("harbour")[0] == []

    @pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's GIN index")
    def test_postgresqls_index_keeps_no_pending_list(self):
        """Written straight into the GIN index: entries left in its pending list until the
        next VACUUM are read by every search (at x10, a search read the whole table)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reloptions FROM pg_class WHERE relname = 'recommendation_search_vector'"
            )
            assert cursor.fetchone()[0] == ["fastupdate=off"]

    @pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's own index")
    def test_deleted_recommendations_leave_the_index(self):
        """A deleted row still in the index would not be shown (the search reads the rows it
        finds), but would cost every later search."""

        def indexed(query):
            with connection.cursor() as cursor:
                cursor.execute(*full_text.recommendation_ids(full_text.stems_query(parse(query))))
                return [pk for (pk,) in cursor.fetchall()]

        assert indexed("refugees") == [self.refugees.pk]
        Recommendation.objects.filter(pk=self.refugees.pk).delete()
        assert indexed("refugees") == []
