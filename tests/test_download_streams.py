"""Downloads near the database's speed, and downloads that fail visibly.

On PostgreSQL links.csv streams PostgreSQL's own COPY output; it must be the same
bytes as the Python writer, cell for cell (formula-neutralised, quoted alike).
"""

import datetime

import pytest
from django.db import DatabaseError, connection
from django.urls import reverse

from tracker import exports
from tracker.models import Document

from .factories import (
    make_action,
    make_administrations,
    make_factsheet,
    make_link,
    make_recommendation,
)

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="COPY is PostgreSQL's"
)

AWKWARD = [
    "plain",
    "",
    "comma, inside",
    'a "quoted" word',
    "two\nlines",
    "carriage\rreturn",
    "both\r\nends",
    "tab\there",
    "back\\slash \\n not a newline",
    '=HYPERLINK("http://evil")',
    "+1",
    "-1",
    "@SUM(A1)",
    "\tleading tab",
    "\rleading return",
    "'already quoted",
    "accents: Guantánamo, naïve — “curly”",
    " leading and trailing spaces ",
    "\x01control\x7f",
]
URLS = [
    "https://www.whitehouse.gov/briefing-room/statements-releases/2021/02/04/fact-sheet/",
    "http://whitehouse.gov/briefing-room/a/?utm=1#part",
    "https://www.whitehouse.gov/briefing-room/a/",  # dated after the Biden years: unmoved
    "https://www.whitehouse.gov/presidential-actions/2025/01/x/",
    "https://www.state.gov/briefing-room/x/",
    "",
]


def awkward_record():
    biden, trump = make_administrations()
    for number, text in enumerate(AWKWARD):
        recommendation = make_recommendation(title=text or "untitled", code=f"code-{number}")
        url = URLS[number % len(URLS)]
        published = (
            datetime.date(2025, 3, 1)
            if number % len(URLS) == 2
            else datetime.date(2021, 2, 1 + number)
        )
        document = make_factsheet(
            title=text or "untitled",
            url=url,
            published=published,
            administration=biden if number % 3 else None,
            subtype=[
                "",
                Document.Subtype.EXECUTIVE_ORDER,
                Document.Subtype.MEMORANDUM,
            ][number % 3],
            executive_order_number=14000 + number if number % 2 else None,
        )
        action = make_action(factsheet=document, text=text or "-", section=AWKWARD[-number - 1])
        make_link(
            recommendation=recommendation, action=action, reason=text or "-", relation="implements"
        )
        make_link(
            recommendation=recommendation,
            action=make_action(factsheet=document, text=text + " again"),
            reason="related",
            relation="related",
        )
    make_link(review="suggested", relation="", reason="")  # Not in links.csv.
    assert trump


def python_bytes(as_of=None):
    rows = exports.link_rows(as_of=as_of)
    return "".join(exports.csv_lines(rows, exports.LINK_COLUMNS)).encode()


@postgres_only
@pytest.mark.parametrize("as_of", [None, datetime.date(2021, 2, 10)])
def test_copy_writes_the_same_bytes_as_the_python_writer(as_of):
    awkward_record()
    assert exports._copy_can_match()
    copied = b"".join(
        line if isinstance(line, bytes) else line.encode()
        for line in exports.links_csv_lines(as_of)
    )
    expected = python_bytes(as_of)
    assert expected.count(b"\r\n") > 20
    assert copied.splitlines(keepends=True) == expected.splitlines(keepends=True)
    assert copied == expected


@postgres_only
def test_the_download_streams_copy_and_matches(client):
    awkward_record()
    response = client.get(reverse("tracker:links_csv"))
    assert b"".join(response.streaming_content) == python_bytes()


@postgres_only
def test_an_address_sql_cannot_move_alike_goes_through_python(client):
    awkward_record()
    make_link(
        action=make_action(
            factsheet=make_factsheet(
                url="https://WWW.WhiteHouse.gov/briefing-room/odd/",
                published=datetime.date(2022, 1, 1),
            )
        )
    )
    assert not exports._copy_can_match()
    response = client.get(reverse("tracker:links_csv"))
    body = b"".join(response.streaming_content)
    assert body == python_bytes()
    assert b"https://bidenwhitehouse.archives.gov/briefing-room/odd/" in body


@pytest.mark.parametrize(
    "name", ["tracker:links_csv", "tracker:scorecard_csv", "tracker:scorecard_json"]
)
def test_a_download_whose_first_query_fails_is_an_error_not_a_header(client, name):
    make_link()
    with connection.cursor() as cursor:  # The table is gone, as in an outage.
        cursor.execute("ALTER TABLE tracker_link RENAME TO tracker_link_gone")
    with pytest.raises(DatabaseError):
        client.get(reverse(name))


def test_a_download_that_fails_mid_stream_says_so_and_aborts(client):
    stage = make_recommendation().stage
    for _ in range(exports.CHUNK):  # More than one chunk of recommendations.
        make_recommendation(stage=stage)
    response = client.get(reverse("tracker:scorecard_csv"))
    assert response.status_code == 200
    chunks = iter(response.streaming_content)
    received = [next(chunks) for _ in range(exports.CHUNK)]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE tracker_link RENAME TO tracker_link_gone")
    with pytest.raises(DatabaseError):
        received.extend(chunks)
    assert received[-1].decode().strip().startswith("!!! This download broke off here")
