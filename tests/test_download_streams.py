"""Downloads near the database's speed, and downloads that fail visibly.

links.csv and scorecard.csv are computed by the database in one statement each (on
PostgreSQL its own COPY output; on SQLite text cells written by `exports._csv_line`); they
must be the same bytes as the Python writer, cell for cell (formula-neutralised, quoted
alike).
"""

import datetime
import random

import pytest
from django.db import DatabaseError, connection
from django.test import RequestFactory
from django.urls import reverse

from tracker import exports
from tracker.models import Document, Recommendation
from tracker.views import filtered_recommendations

from .factories import (
    make_action,
    make_administrations,
    make_factsheet,
    make_link,
    make_recommendation,
)

pytestmark = pytest.mark.django_db

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


@pytest.mark.parametrize("as_of", [None, datetime.date(2021, 2, 10)])
def test_the_database_writes_the_same_bytes_as_the_python_writer(as_of):
    awkward_record()
    copied = b"".join(
        line if isinstance(line, bytes) else line.encode()
        for line in exports.links_csv_lines(as_of)
    )
    expected = python_bytes(as_of)
    assert expected.count(b"\r\n") > 20
    assert copied.splitlines(keepends=True) == expected.splitlines(keepends=True)
    assert copied == expected


def test_the_download_streams_the_database_lines_and_matches(client):
    awkward_record()
    response = client.get(reverse("tracker:links_csv"))
    assert b"".join(response.streaming_content) == python_bytes()


ODD_ADDRESSES = [
    "https://WWW.WhiteHouse.gov/briefing-room/odd/",
    "https://www.whitehouse.gov:443/briefing-room/port/",
    "https://www.whitehouse.gov/briefing-room/empty-query/?",
    "https://www.whitehouse.gov/briefing-room/empty-query/?#part",
    "https://www.whitehouse.gov/briefing-room/empty-fragment/#",
    "https://www.whitehouse.gov/briefing-room/tab/\tinside",
    " https://www.whitehouse.gov/briefing-room/leading-space/",
    "HTTPS://whitehouse.gov/briefing-room/upper-scheme/",
    "https://www.whitehouse.gov/Briefing-Room/other-case-path/",
    "https://www.whitehouse.gov.example/briefing-room/other-host/",
]


@pytest.mark.parametrize("url", ODD_ADDRESSES)
def test_an_address_sql_cannot_move_alike_is_moved_by_python(client, url):
    # PostgreSQL writes the whole file in Python; SQLite hands that address to working_url.
    awkward_record()
    make_link(
        action=make_action(factsheet=make_factsheet(url=url, published=datetime.date(2022, 1, 1)))
    )
    if connection.vendor == "postgresql":
        assert not exports._copy_can_match()
    response = client.get(reverse("tracker:links_csv"))
    body = b"".join(response.streaming_content)
    assert body == python_bytes()
    if "WhiteHouse" in url:  # Moved all the same, by working_url itself.
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


def test_a_download_that_fails_mid_stream_says_so_and_aborts(client, monkeypatch):
    # The Python writer, which reads the links a chunk of recommendations at a time (on
    # PostgreSQL the download is one COPY statement, already planned when the table goes).
    monkeypatch.setattr(
        exports,
        "scorecard_csv_lines",
        lambda export: exports.csv_lines(export.rows(), export.columns),
    )
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


def dated_record(seed=15):
    """Recommendations with evidence, contrary actions and overrides on many dates, around the
    end of the Biden administration, with the awkward texts as reasons and titles."""
    rng = random.Random(seed)
    awkward_record()
    start = datetime.date(2021, 1, 20)
    days = [datetime.date(2025, 1, 19), datetime.date(2025, 1, 20), datetime.date(2021, 2, 1)]
    for _ in range(40):
        override = rng.choice(["", "", "", "implemented", "not_found", "contrary"])
        recommendation = make_recommendation(
            title=rng.choice(AWKWARD) or "untitled",
            status=override or rng.choice(Recommendation.Status.values),
            status_override=override,
            status_override_since=rng.choice([None, *days]) if override else None,
            status_reason="An editor's reason." if override else "",
        )
        for _ in range(rng.randint(0, 5)):
            published = rng.choice([*days, start + datetime.timedelta(days=rng.randint(0, 2000))])
            document = make_factsheet(
                title=rng.choice(AWKWARD) or "untitled",
                url=rng.choice(URLS[:3]),
                published=published,
            )
            make_link(
                recommendation=recommendation,
                action=make_action(factsheet=document, position=rng.randint(1, 3)),
                relation=rng.choice(["implements", "partial", "contrary", "related"]),
                reason=rng.choice(AWKWARD) or "-",
            )


def scorecard_bytes(lines):
    return b"".join(line if isinstance(line, bytes) else line.encode() for line in lines)


@pytest.mark.parametrize(
    "as_of",
    [None, datetime.date(2021, 2, 1), datetime.date(2025, 1, 19), datetime.date(2025, 3, 1)],
)
def test_the_database_writes_the_same_scorecard_bytes_as_the_python_writer(as_of):
    dated_record()
    recommendations = Recommendation.objects.for_scorecard()
    if as_of:
        from tracker.status import annotate_on, status_records

        recommendations = annotate_on(recommendations, status_records(), as_of)
    export = exports.ScorecardExport(recommendations, as_of)
    assert len(export.ends) == 1
    copied = scorecard_bytes(exports.scorecard_csv_lines(export))
    expected = scorecard_bytes(exports.csv_lines(export.rows(), export.columns))
    assert expected.count(b"\r\n") > 50
    assert as_of or expected.count(b",reversed") > 3  # At the end of the Biden years, or today.
    assert copied.splitlines(keepends=True) == expected.splitlines(keepends=True)
    assert copied == expected


@pytest.mark.parametrize(
    "query",
    [{"status": "implemented", "sort": "evidence"}, {"q": "quoted"}, {"q": "!!!"}, {}],
)
def test_the_scorecard_download_streams_in_the_filtered_order(client, query):
    dated_record()
    for_scorecard = Recommendation.objects.for_scorecard
    response = client.get(reverse("tracker:scorecard_csv"), query)
    body = b"".join(response.streaming_content)  # Read first: COPY holds the connection.
    filterset = filtered_recommendations(RequestFactory().get("/", query), for_scorecard())
    export = exports.ScorecardExport(filterset.qs)
    expected = scorecard_bytes(exports.csv_lines(export.rows(), export.columns))
    assert body == expected
    assert body.count(b"\r\n") > (0 if query.get("q") == "!!!" else 3)


def test_downloads_that_name_no_filter_share_one_compiled_statement(client):
    # Compiling the queryset cost as much as running it: every unfiltered download (with
    # or without ?excel=1) reuses the statement compiled first; a filter compiles its own.
    dated_record()
    exports._every_rows_sql.cache_clear()
    exports._every_select_sql.cache_clear()

    def download(query):
        response = client.get(reverse("tracker:scorecard_csv"), query)
        return b"".join(response.streaming_content)

    plain, excel = download({}), download({"excel": "1"})
    reversed_only = download({"status": "reversed"})
    assert excel == "\ufeff".encode() + plain
    assert 1 < reversed_only.count(b"\r\n") < plain.count(b"\r\n")
    # SQLite keeps the whole statement (`_every_select_sql`); PostgreSQL its rows' part.
    compiled = (
        exports._every_select_sql if connection.vendor == "sqlite" else exports._every_rows_sql
    )
    info = compiled.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_the_statement_compiled_once_follows_the_administrations_end_days(client):
    # The administrations are read on every download, so one that leaves office gets its
    # status column at once, though the statement without it was compiled first.
    dated_record()
    _, trump = make_administrations()

    def download():
        response = client.get(reverse("tracker:scorecard_csv"))
        return b"".join(response.streaming_content)

    def expected():
        export = exports.ScorecardExport()
        return scorecard_bytes(exports.csv_lines(export.rows(), export.columns))

    assert exports.administration_terms() == [
        ("biden", datetime.date(2025, 1, 20)),
        ("trump-2", None),
    ]
    before = download()
    assert before == expected()
    assert before.split(b"\r\n")[0].endswith(b",status_end_biden")
    trump.left_office = datetime.date(2026, 1, 1)
    trump.save()
    after = download()
    assert after == expected()
    assert after.split(b"\r\n")[0].endswith(b",status_end_biden,status_end_trump_2")
    assert after.count(b"\r\n") == before.count(b"\r\n")


@pytest.mark.parametrize(
    "lines",
    [
        lambda: exports.links_csv_lines(),
        lambda: exports.scorecard_csv_lines(exports.ScorecardExport()),
    ],
    ids=["links", "scorecard"],
)
def test_the_database_hands_over_its_lines_as_bytes(lines):
    # Encoded once, by the database: no cell decoded, no block of lines encoded again.
    awkward_record()
    header, *blocks = lines()
    assert header.startswith(("recommendation_code,", "code,"))
    assert blocks and all(isinstance(block, bytes) for block in blocks)


def test_the_scorecard_reads_each_recommendations_links_through_its_index():
    # On SQLite without statistics (as deployed), not every accepted link per recommendation.
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL has its own statement")
    awkward_record()
    sql, params = exports._scorecard_select_sql(exports.ScorecardExport())
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = [row[-1] for row in cursor.fetchall()]
    links = [step for step in plan if step.startswith("SEARCH l ")]
    assert links and all("(recommendation_id=?)" in step for step in links), plan


def test_the_scorecard_reads_each_recommendations_links_once_and_actions_from_an_index():
    # The links are read once per recommendation (today's evidence count is counted from
    # them, not by a subquery of its own over every link), and each action's document and
    # position come from `action_of_link`, not from the action's row (its text makes it
    # long): SQLite looks rows up by id unless the statement names the index.
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL has its own statement")
    from tracker.status import annotate_on, status_records

    awkward_record()
    on = datetime.date(2021, 2, 10)
    recommendations = Recommendation.objects.for_scorecard()
    dated = annotate_on(recommendations, status_records(), on)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tracker_link'"
        )
        link_indexes = {name for (name,) in cursor.fetchall()}
        for export in (
            exports.ScorecardExport(),
            exports.ScorecardExport(recommendations.filter(status="implemented")),
            exports.ScorecardExport(dated, on),
        ):
            sql, params = exports._scorecard_select_sql(export)
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params or None)
            plan = [row[-1] for row in cursor.fetchall()]
            actions = [step for step in plan if step.startswith("SEARCH a ")]
            assert actions and all("COVERING INDEX action_of_link" in step for step in actions)
            reads = [
                step for step in plan if any(f"INDEX {name} " in step for name in link_indexes)
            ]
            assert len(reads) == 1, plan


@pytest.mark.parametrize(
    "lines",
    [
        lambda: exports.links_csv_lines(),
        lambda: exports.links_csv_lines(datetime.date(2021, 2, 10)),
        lambda: exports.scorecard_csv_lines(exports.ScorecardExport()),
        lambda: exports.scorecard_csv_lines(
            exports.ScorecardExport(
                Recommendation.objects.for_scorecard().filter(status="implemented")
            )
        ),
    ],
    ids=["links", "links-as-of", "scorecard", "scorecard-filtered"],
)
def test_a_download_statement_is_prepared_once_not_on_every_run(lines):
    # SQLite prepares a statement again on each run when a parameter is compared with a
    # column a partial index's condition names (`review`, `link_evidence_latest`): the
    # statements compiled once have their values written in, and a filtered scorecard no
    # longer compares `review` with a parameter (today's evidence count is counted from the
    # links it reads), so a second run prepares nothing.
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's statement cache")
    awkward_record()
    connection.ensure_connection()
    raw = connection.connection
    prepared = []

    def authorizer(*args):  # Called while a statement is prepared, not while it runs.
        prepared.append(args)
        return 0  # SQLITE_OK

    raw.set_authorizer(authorizer)  # (Expires every cached statement.)
    try:
        first = scorecard_bytes(lines())
        assert prepared
        prepared.clear()
        again = scorecard_bytes(lines())
    finally:
        raw.set_authorizer(None)
    assert again == first
    assert not prepared, f"{len(prepared)} authorizer calls: the statement was prepared again"


def test_whether_an_address_sql_cannot_move_is_read_from_an_index():
    # Every download of links.csv asks; testing each document's address took ~40 ms at x10.
    if connection.vendor != "postgresql":
        pytest.skip("SQLite hands such an address to working_url row by row")
    awkward_record()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + exports._UNMOVABLE_SQL, exports._UNMOVABLE_PARAMS)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using document_unmovable_white_house_url" in plan, plan
