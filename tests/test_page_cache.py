"""Cached public pages: served in one query, emptied by every published change and only then.

Each test first proves the page is cached (a second visit is one query), so
that a fresh page after a write shows the write emptied the cache, not that
the page was never cached.
"""

import tempfile
import threading
import unittest
from pathlib import Path

from django.db import connection, connections, transaction
from django.test import TestCase, TransactionTestCase
from django.urls import reverse

from tracker.curation import review_links, save_link_edits, set_override
from tracker.importers.document_import import import_factsheets
from tracker.matching import suggest_all
from tracker.models import Document, Link, SiteVersion

from .factories import make_action, make_link, make_recommendation

SHEET = (
    "---\ndate: '2024-05-01'\nsource_url: https://www.whitehouse.gov/fs/\ntitle: Rights sheet\n"
    "---\n**Section**\n\n-   We rejoined the UN Human Rights Council in 2021.\n"
    "-   We hosted a water conference.\n"
)


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
        cls.other_action = make_action(text="We hosted a water conference.")

    def cached(self, url):
        """Visit `url` until it is cached; return its content."""
        content = self.client.get(url).content.decode()
        with self.assertNumQueries(1):
            assert self.client.get(url).content.decode() == content
        return content

    def write(self, change, *args, **kwargs):
        """Make a change as a request would: committed, with its on-commit callbacks run."""
        with self.captureOnCommitCallbacks(execute=True):
            return change(*args, **kwargs)

    def test_a_second_visit_is_served_from_the_cache_with_one_query(self):
        self.cached(self.recommendation.get_absolute_url())

    def test_an_editors_decision_reaches_the_cached_pages_at_once(self):
        url = self.recommendation.get_absolute_url()
        scorecard = reverse("tracker:scorecard")
        assert "No action found." in self.cached(url)
        assert "1 of 1" not in self.cached(scorecard)

        self.write(
            review_links, [self.link], review="accepted", relation="implements", reason="Rejoined."
        )

        assert "We rejoined the Council in 2021." in self.client.get(url).content.decode()
        assert "1 of 1" in self.client.get(scorecard).content.decode()

    def test_a_related_link_with_no_change_of_status_reaches_the_cached_page(self):
        url = self.recommendation.get_absolute_url()
        assert "We rejoined the Council" not in self.cached(url)

        self.write(
            review_links, [self.link], review="accepted", relation="related", reason="Related."
        )

        assert "We rejoined the Council in 2021." in self.client.get(url).content.decode()

    def test_an_override_and_a_deleted_link_reach_the_cached_pages(self):
        url = self.recommendation.get_absolute_url()
        self.cached(url)
        self.write(set_override, self.recommendation, status="contrary", reason="Did the opposite.")
        assert "Did the opposite." in self.cached(url)

        accepted = Link(
            recommendation=self.recommendation,
            action=self.other_action,
            relation="implements",
            review="accepted",
            reason="A reason to remove.",
        )
        self.write(save_link_edits, [accepted])
        assert "A reason to remove." in self.cached(url)
        self.write(save_link_edits, [], [accepted])
        assert "A reason to remove." not in self.client.get(url).content.decode()

    def test_a_reimported_fact_sheet_reaches_its_cached_page(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder, "rights.md")
            path.write_text(SHEET, encoding="utf-8")
            self.write(import_factsheets, [path])
            url = Document.objects.get(slug="rights").get_absolute_url()
            assert "water conference" in self.cached(url)

            path.write_text(SHEET.replace("water conference", "rain summit"), encoding="utf-8")
            self.write(import_factsheets, [path])

        content = self.client.get(url).content.decode()
        assert "rain summit" in content and "water conference" not in content

    def test_the_version_goes_up_only_when_the_change_commits(self):
        before = SiteVersion.current()
        with self.captureOnCommitCallbacks() as callbacks:
            review_links([self.link], review="accepted", relation="related", reason="Related.")
            assert SiteVersion.current() == before
        for callback in callbacks:
            callback()
        assert SiteVersion.current() == before + 1

    def test_machine_suggestions_leave_the_cached_pages_alone(self):
        url = self.recommendation.get_absolute_url()
        self.cached(url)
        before = SiteVersion.current()

        self.write(suggest_all, recompute=True)  # The bulk path.
        self.write(  # A single save.
            make_link,
            recommendation=self.recommendation,
            action=self.other_action,
            review="suggested",
            relation="",
            reason="",
            score=0.5,
        )

        assert SiteVersion.current() == before
        with self.assertNumQueries(1):
            self.client.get(url)


class OtherProcessTests(TransactionTestCase):
    """Web threads keep their database connection between requests (as the test client
    does): a change committed on another connection (another web process, an import)
    must still reach their cached pages."""

    def test_a_change_committed_on_another_connection_reaches_a_kept_connections_cache(self):
        action = make_action(text="We rejoined the Council.")
        link = make_link(action=action, review="suggested", relation="", reason="")
        url = link.recommendation.get_absolute_url()
        assert "We rejoined" not in self.client.get(url).content.decode()
        with self.assertNumQueries(1):
            self.client.get(url)

        def decide_elsewhere():
            with transaction.atomic():
                review_links([link], review="accepted", relation="implements", reason="Yes.")
            connections.close_all()

        elsewhere = threading.Thread(target=decide_elsewhere)
        elsewhere.start()
        elsewhere.join()

        assert "We rejoined the Council." in self.client.get(url).content.decode()


def statements_sent(request):
    """The statements the kept PostgreSQL connection sends while `request()` runs, from
    libpq's own trace of the protocol: a health check's `SELECT 1` included, which no
    query log sees."""
    from psycopg import pq

    pgconn = connection.connection.pgconn
    with tempfile.TemporaryFile() as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            request()
        finally:
            pgconn.untrace()
        trace.seek(0)
        lines = trace.read().decode().splitlines()
    return [line.split("\t")[3] for line in lines if line.split("\t")[:1] == ["F"]]


@unittest.skipUnless(connection.vendor == "postgresql", "health checks are PostgreSQL's")
class KeptConnectionTests(TransactionTestCase):
    """A web thread's connection kept from an earlier request is health-checked before its
    first statement (CONN_HEALTH_CHECKS); a cached page's one statement is that check."""

    def setUp(self):
        self.url = make_recommendation(title="Rejoin the Council").get_absolute_url()
        self.page = self.client.get(self.url).content
        assert connection.health_check_enabled

    def next_request(self):
        """The page, as a request on a kept connection gets it: at the start of a request
        Django marks the connection for a health check (the test client leaves that out)."""
        connection.health_check_done = False
        return self.client.get(self.url)

    def test_a_cached_page_on_a_kept_connection_sends_one_statement(self):
        sent = statements_sent(self.next_request)
        assert sent == [' "SELECT number FROM tracker_siteversion WHERE id = 1"']

    def test_a_kept_connection_found_dead_is_replaced_and_the_page_served(self):
        backend = connection.connection.info.backend_pid
        other = connection.copy()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
        other.close()

        response = self.next_request()

        assert response.status_code == 200 and response.content == self.page
        assert connection.connection.info.backend_pid != backend
