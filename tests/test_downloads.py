import csv
import datetime
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from tracker.curation import review_links
from tracker.exports import LINK_COLUMNS, SCORECARD_COLUMNS

from .factories import make_action, make_factsheet, make_link, make_recommendation

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def tracker_data():
    council = make_recommendation(code="rejoin-council", title="Rejoin the Council")
    make_recommendation(code="close-guantanamo", title='=HYPERLINK("http://evil")')
    link = make_link(
        recommendation=council,
        action=make_action(text="We rejoined the Council.", section="-Section"),
        review="suggested",
        relation="",
        reason="",
    )
    review_links([link], review="accepted", relation="implements", reason="Rejoined in 2021.")
    return council


def read_csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body))), body


def test_scorecard_csv_streams_one_row_per_recommendation(client, tracker_data):
    rows, body = read_csv(client.get(reverse("tracker:scorecard_csv")))
    assert body.splitlines()[0] == ",".join(SCORECARD_COLUMNS)
    by_code = {row["code"]: row for row in rows}
    assert set(by_code) == {"rejoin-council", "close-guantanamo"}
    council = by_code["rejoin-council"]
    assert (council["status"], council["status_label"], council["evidence_count"]) == (
        "implemented",
        "Implemented",
        "1",
    )
    assert "Rejoined in 2021." in council["evidence"]
    assert council["evidence_urls"].startswith("https://www.whitehouse.gov/")
    assert council["last_changed"][:2] == "20"
    assert council["url"] == "http://127.0.0.1:8000/recommendations/rejoin-council/"


def test_formula_like_cells_are_neutralised(client, tracker_data):
    rows, _ = read_csv(client.get(reverse("tracker:scorecard_csv")))
    title = next(row["title"] for row in rows if row["code"] == "close-guantanamo")
    assert title == '\'=HYPERLINK("http://evil")'
    links, _ = read_csv(client.get(reverse("tracker:links_csv")))
    assert links[0]["section"] == "'-Section"


def test_scorecard_csv_honours_the_list_filters(client, tracker_data):
    rows, _ = read_csv(client.get(reverse("tracker:scorecard_csv"), {"status": "not_found"}))
    assert [row["code"] for row in rows] == ["close-guantanamo"]
    assert client.get(reverse("tracker:scorecard_csv"), {"status": "nope"}).status_code == 400


def test_links_csv_has_one_row_per_accepted_link(client, tracker_data):
    make_link(review="rejected", relation="", reason="")
    rows, body = read_csv(client.get(reverse("tracker:links_csv")))
    assert body.splitlines()[0] == ",".join(LINK_COLUMNS)
    assert len(rows) == 1
    assert rows[0]["recommendation_code"] == "rejoin-council"
    assert rows[0]["relation"] == "implements"
    assert rows[0]["reason"] == "Rejoined in 2021."


def test_links_csv_keeps_a_documents_links_together_on_a_shared_day(client):
    """Two documents of one day, each cited at its first and second action: the file lists
    the first document's links, then the second's (as imported), on every database, rather
    than interleaving them by position in whatever order the plan gives ties."""
    recommendation = make_recommendation(code="restore-funding")
    first, second = (make_factsheet(published=datetime.date(2025, 2, 4)) for _ in range(2))
    cited = []
    for document in (second, first):  # The links are made in the other order.
        for position in (2, 1):
            action = make_action(factsheet=document, position=position, text=f"{position}")
            cited.append(make_link(recommendation=recommendation, action=action))
    rows, _ = read_csv(client.get(reverse("tracker:links_csv")))
    assert [(row["factsheet_title"], row["action_text"]) for row in rows] == [
        (first.title, "1"),
        (first.title, "2"),
        (second.title, "1"),
        (second.title, "2"),
    ]


def test_scorecard_json_holds_the_same_rows(client, tracker_data):
    response = client.get(reverse("tracker:scorecard_json"))
    data = json.loads(b"".join(response.streaming_content))
    csv_rows, _ = read_csv(client.get(reverse("tracker:scorecard_csv")))
    assert [row["code"] for row in data] == [row["code"] for row in csv_rows]
    assert data[0]["evidence_count"] in (0, 1)


def test_the_command_writes_the_same_csv_as_the_download(client, tracker_data, capfdbinary):
    call_command("export_scorecard")
    command_output = capfdbinary.readouterr().out
    _, body = read_csv(client.get(reverse("tracker:scorecard_csv")))
    assert command_output == body.encode("utf-8")


def test_download_queries_do_not_grow_with_rows(client, tracker_data, django_assert_num_queries):
    # The data version (for the ETag), the administrations (for the end-of-term columns),
    # then one statement for every row: a SELECT on SQLite, a COPY on PostgreSQL (which
    # Django does not count).
    def fetch():
        response = client.get(reverse("tracker:scorecard_csv"))
        return b"".join(response.streaming_content)

    count = 2 if connection.vendor == "postgresql" else 3
    with django_assert_num_queries(count):
        fetch()
    for _ in range(20):
        make_link(recommendation=make_recommendation())
    with django_assert_num_queries(count):
        fetch()


def test_atom_feeds_list_status_changes(client, tracker_data):
    feed = ET.fromstring(client.get(reverse("tracker:feed")).content)
    titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
    assert titles == ["Rejoin the Council: No action found → Implemented"]

    own = client.get(reverse("tracker:recommendation_feed", args=["rejoin-council"]))
    assert own.status_code == 200 and b"Rejoined in 2021." in own.content
    other = ET.fromstring(
        client.get(reverse("tracker:recommendation_feed", args=["close-guantanamo"])).content
    )
    assert not list(other.iter(f"{ATOM}entry"))
    missing = client.get(reverse("tracker:recommendation_feed", args=["nope"]))
    assert missing.status_code == 404


@pytest.mark.parametrize("name", ["tracker:scorecard_csv", "tracker:links_csv"])
def test_excel_variant_has_a_byte_order_mark_and_the_plain_one_none(client, tracker_data, name):
    plain = b"".join(client.get(reverse(name)).streaming_content)
    excel = b"".join(client.get(reverse(name), {"excel": "1"}).streaming_content)
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert excel == b"\xef\xbb\xbf" + plain  # Same bytes, same columns, after the mark.


def test_scorecard_json_with_metadata_describes_itself_and_nests_evidence(client, tracker_data):
    response = client.get(reverse("tracker:scorecard_json"), {"metadata": "1"})
    document = json.loads(b"".join(response.streaming_content))
    metadata = document["metadata"]
    assert metadata["generated_at"] and "CC BY 4.0" in metadata["licence"]
    assert metadata["sources"]
    assert set(metadata["columns"]) - {"evidence_urls"} <= set(metadata["column_meanings"]) | {
        c for c in metadata["columns"] if c.startswith("status_end_")
    }
    rows = {row["code"]: row for row in document["recommendations"]}
    assert len(rows) == 2
    (evidence,) = rows["rejoin-council"]["evidence"]
    assert evidence["reason"] == "Rejoined in 2021."
    assert evidence["relation"] == "implements"
    assert set(evidence) == {
        "document",
        "date",
        "url",
        "working_url",
        "relation",
        "reason",
        "document_kind",
        "publisher",
    }
    # The published shape is unchanged: a bare array with flat evidence.
    plain = json.loads(b"".join(client.get(reverse("tracker:scorecard_json")).streaming_content))
    assert isinstance(plain, list) and isinstance(plain[0]["evidence"], str)
