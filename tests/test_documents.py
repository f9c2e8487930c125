import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tracker.models import Document, Link

from .factories import (
    make_action,
    make_administrations,
    make_dated_link,
    make_factsheet,
    make_link,
    make_recommendation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents():
    biden, trump = make_administrations()
    sheet = make_factsheet(
        slug="un-sheet",
        title="UN accomplishments",
        administration=biden,
        url="https://www.whitehouse.gov/briefing-room/statements-releases/2024/09/24/un/",
        published=datetime.date(2024, 9, 24),
    )
    order = make_factsheet(
        slug="eo-14203",
        title="Imposing Sanctions on the International Criminal Court",
        kind="presidential_action",
        subtype="executive_order",
        executive_order_number=14203,
        administration=trump,
        url="https://www.whitehouse.gov/presidential-actions/2025/02/icc/",
        published=datetime.date(2025, 2, 6),
    )
    link = make_link(action=make_action(factsheet=sheet, text="We rejoined the Council."))
    return sheet, order, link


def test_the_documents_list_is_filterable_by_kind_and_administration(client, documents):
    url = reverse("tracker:document_list")
    assert url == "/documents/"
    content = client.get(url).content.decode()
    assert "UN accomplishments" in content and "Executive order 14203" in content
    assert "Biden administration" in content and "Second Trump administration" in content
    content = client.get(url, {"kind": "presidential_action"}).content.decode()
    assert "Executive order 14203" in content and "UN accomplishments" not in content
    content = client.get(url, {"administration": "biden"}).content.decode()
    assert "UN accomplishments" in content and "Imposing Sanctions" not in content
    assert client.get(url, {"administration": "nobody"}).status_code == 400
    biden = documents[0].administration
    assert "UN accomplishments" in client.get(biden.get_absolute_url()).content.decode()
    assert client.get(url, {"kind": "essay"}).status_code == 400


def test_a_filter_that_keeps_no_document_says_so(client, documents):
    response = client.get(reverse("tracker:document_list"), {"kind": "editor_source"})
    content = response.content.decode()
    assert response.status_code == 200 and "<p>0 documents. No document matches" in content
    assert "<table" not in content


def test_a_document_page_gives_its_kind_administration_and_working_address(client, documents):
    sheet, _, _ = documents
    content = client.get(reverse("tracker:document_detail", args=["eo-14203"])).content.decode()
    assert "Executive order 14203 of the Second Trump administration" in content
    content = client.get(sheet.get_absolute_url()).content.decode()
    assert sheet.get_absolute_url() == "/documents/un-sheet/"
    assert 'href="https://bidenwhitehouse.archives.gov/briefing-room/statements-' in content
    assert "https://www.whitehouse.gov/briefing-room/statements-releases" in content


def test_the_old_fact_sheet_addresses_redirect_permanently(client, documents):
    response = client.get("/factsheets/")
    assert (response.status_code, response["Location"]) == (301, "/documents/")
    response = client.get("/factsheets/?page=2")
    assert (response.status_code, response["Location"]) == (301, "/documents/?page=2")
    response = client.get("/factsheets/un-sheet/")
    assert (response.status_code, response["Location"]) == (301, "/documents/un-sheet/")


def test_the_list_accepts_factsheet_as_an_alias_of_document(client, documents):
    _, _, link = documents
    url = reverse("tracker:recommendation_list")
    for parameter in ("document", "factsheet"):
        content = client.get(url, {parameter: "un-sheet"}).content.decode()
        assert link.recommendation.title in content, parameter
        assert "Document: <strong>un-sheet</strong>" in content
        assert 'href="?" aria-label="Remove filter Document: un-sheet"' in content
    rows = b"".join(
        client.get(reverse("tracker:scorecard_csv"), {"factsheet": "eo-14203"}).streaming_content
    )
    assert link.recommendation.code.encode() not in rows


def test_the_documents_list_counts_from_the_stored_figures_what_counting_finds(client, documents):
    """The count (and so the pages) comes from `DocumentSet`, not from counting every
    document: it must equal the count of the documents each filter keeps."""
    biden = documents[0].administration
    make_factsheet(administration=biden)
    make_factsheet(kind="presidential_action", administration=None)
    make_factsheet(kind=Document.Kind.ESSAY, slug="essay")
    url = reverse("tracker:document_list")
    for query in [{}, {"page": "1"}, {"kind": "presidential_action"}, {"administration": "biden"},
                  {"kind": "factsheet", "administration": "trump-2"}]:  # fmt: skip
        filtered = Document.objects.factsheets()
        if "kind" in query:
            filtered = filtered.filter(kind=query["kind"])
        if "administration" in query:
            filtered = filtered.filter(administration__slug=query["administration"])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, query)
        assert response.context["page"].paginator.count == filtered.count(), query
        counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)")]
        assert not any('FROM "tracker_document"' in sql for sql in counts), query
        if not query:
            assert "<p>4 documents, newest first." in response.content.decode()


def test_the_list_offers_the_documents_cited_by_the_latest_evidence_newest_first(client):
    """The menu reads the latest evidence links, not every document newest first: a new
    administration's many uncited documents cost nothing."""
    recommendation = make_recommendation()
    cited_first = make_dated_link(recommendation, datetime.date(2024, 6, 1)).action.factsheet
    older = make_dated_link(recommendation, datetime.date(2022, 1, 1)).action.factsheet
    newer = make_dated_link(recommendation, datetime.date(2023, 1, 1)).action.factsheet
    uncited = make_factsheet(published=datetime.date(2026, 1, 1))
    make_link(action=make_action(factsheet=uncited), review=Link.Review.SUGGESTED, reason="")

    assert list(Document.objects.recently_cited(links=2)) == [newer, older]
    menu = client.get(reverse("tracker:recommendation_list")).content.decode()
    for document in (cited_first, older, newer):
        assert f'value="{document.slug}"' in menu
    assert f'value="{uncited.slug}"' not in menu


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's plan")
def test_the_latest_evidence_is_read_from_its_own_index():
    """The menu's latest evidence links come from the partial index of evidence
    (`link_evidence_latest`), newest first: through the primary key, PostgreSQL walks every
    newer link, and after `suggest` the newest are tens of thousands of suggestions.
    (SQLite chooses it from its statistics, which a test database has not got.)"""
    recommendation = make_recommendation()
    make_dated_link(recommendation, datetime.date(2024, 6, 1))
    for _ in range(3):
        make_link(
            recommendation=recommendation, review=Link.Review.SUGGESTED, relation="", reason=""
        )
    latest = Link.objects.evidence().order_by("-pk").values("action__factsheet_id")[:300]
    sql, params = latest.query.sql_with_params()
    with connection.cursor() as cursor:
        # A table this small would be read whole; the choice between its indexes is the test.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        assert "link_evidence_latest" in str(cursor.fetchall())
