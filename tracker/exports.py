"""The scorecard and the evidence as rows, for the downloads and the export command.

Rows are generated one at a time from database iterators, so a download
streams in constant memory however many rows there are.
"""

import csv
import datetime
import enum
import functools
import itertools
import json
import logging
import re
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import IntegerField, Value
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from . import scorecard_evidence
from .compiled import CompiledQuery, sqlite_literal
from .models import Administration, Document, Link, Recommendation
from .record import ARCHIVED_PATH, ARCHIVES, WHITE_HOUSE_HOSTS, working_url
from .status import STATUS_RELATIONS, StatusRecord, today

SCORECARD_COLUMNS = [
    "code",
    "stage",
    "title",
    "statement",
    "quote",
    "status",
    "status_label",
    "status_reason",
    "evidence_count",
    "evidence",
    "evidence_urls",
    "last_changed",
    "url",
    # Added with the whole record, after the original columns; then one
    # `status_end_<administration>` column per administration that has left office.
    "latest_action_date",
]
LINK_COLUMNS = [
    "recommendation_code",
    "recommendation_title",
    "relation",
    "factsheet_title",
    "factsheet_date",
    "factsheet_url",
    "section",
    "action_text",
    "reason",
    "recommendation_url",
    # Added with the whole record: after the original columns, never before.
    "document_kind",
    "administration",
    "working_url",
    # Added with editor-entered sources (document_kind `editor_source`).
    "publisher",
]
# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The same as UTF-8 first bytes; and the bytes that make a cell quoted, as the numbers that
# `bytes.__contains__` finds with memchr (a bytes operand is searched many times slower).
_FORMULA_BYTES = frozenset(prefix.encode() for prefix in FORMULA_PREFIXES)
_QUOTE, _COMMA, _LF, _CR = b'",\n\r'
CHUNK = 500
logger = logging.getLogger(__name__)


def neutralise(value):
    """Make a cell inert in spreadsheets by prefixing a quote to formula-like text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def end_columns(administrations):
    """{column: last day} for each administration (slug, left_office) that has left office,
    oldest first."""
    return {
        f"status_end_{slug.replace('-', '_')}": left_office - datetime.timedelta(days=1)
        for slug, left_office in administrations
        if left_office and left_office <= today()
    }


def administration_terms():
    """(slug, left_office) of each administration, oldest first, for `end_columns`: every
    scorecard download reads them, so the statement is compiled once per process
    (`compiled.CompiledQuery`: building the queryset took about eight times as long as running
    it, a twentieth of an uncached scorecard.csv request at the record)."""
    return _ADMINISTRATION_TERMS()


_ADMINISTRATION_TERMS = CompiledQuery(
    lambda: Administration.objects.order_by("took_office").values_list("slug", "left_office")
)


class ScorecardExport:
    """The scorecard download: its columns and its rows, on a date (`as_of`) or today.

    `recommendations` come from `for_scorecard()`, filtered; None stands for every
    recommendation today, whose statement each process compiles once (`_every_rows_sql`,
    and on SQLite `_every_select_sql`).
    """

    def __init__(self, recommendations=None, as_of=None, site_url=None):
        self.filtered = recommendations
        self.as_of = as_of
        self.site_url = (site_url or settings.SITE_URL).rstrip("/")
        self.ends = end_columns(administration_terms())
        self.columns = [*SCORECARD_COLUMNS, *self.ends]

    @property
    def recommendations(self):
        if self.filtered is None:
            return Recommendation.objects.for_scorecard()
        return self.filtered

    def rows(self, nested=False):
        return scorecard_rows(self.recommendations, self.site_url, self.as_of, self.ends, nested)


def scorecard_rows(recommendations, site_url=None, as_of=None, ends=None, nested=False):
    """One dict per recommendation; `recommendations` comes from `for_scorecard()`.

    The links of each chunk of recommendations are read as plain values in one
    query: no model instance per link. With `as_of`, the recommendations carry
    `status_on_date` (`status.annotate_on`) and later documents are left out. `nested`:
    `evidence` is a list of objects (document, date, address, relation, reason) and
    `evidence_urls` is left out, for scorecard.json?metadata=1.
    """
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    chunk = []
    for recommendation in recommendations.iterator(chunk_size=CHUNK):
        chunk.append(recommendation)
        if len(chunk) == CHUNK:
            yield from _scorecard_chunk(chunk, site_url, as_of, ends or {}, nested)
            chunk = []
    yield from _scorecard_chunk(chunk, site_url, as_of, ends or {}, nested)


def _scorecard_chunk(recommendations, site_url, as_of, ends, nested=False):
    links = {}
    rows = (
        Link.objects.accepted()
        .filter(
            recommendation__in=[r.pk for r in recommendations],
            relation__in=STATUS_RELATIONS,
        )
        .order_by("action__factsheet__published", "action__position", "pk")
        .values_list(
            "recommendation_id",
            "relation",
            "action__factsheet__title",
            "action__factsheet__published",
            "action__factsheet__url",
            "reason",
            "action__factsheet__kind",
            "action__factsheet__subtype",
            "action__factsheet__executive_order_number",
            "action__factsheet__publisher",
        )
    )
    for recommendation_id, *fields in rows:
        if as_of is None or fields[2] <= as_of:
            links.setdefault(recommendation_id, []).append(fields)
    labels = dict(Recommendation.Status.choices)
    url_of = reverse("tracker:recommendation_detail", args=["CODE"]).replace("CODE", "{}")
    for recommendation in recommendations:
        dated = links.get(recommendation.pk, [])
        evidence = [link for link in dated if link[0] in Link.EVIDENCE_RELATIONS]
        record = StatusRecord(
            recommendation.status_override,
            recommendation.status_override_since,
            [(published, relation) for relation, _, published, *_ in dated],
        )
        status = recommendation.status_on_date if as_of else recommendation.status
        latest = record.latest_on(as_of or today())
        row = {
            "code": recommendation.code,
            "stage": recommendation.stage.name,
            "title": recommendation.title,
            "statement": recommendation.statement,
            "quote": recommendation.quote,
            "status": status,
            "status_label": labels[status],
            "status_reason": recommendation.status_reason
            if not recommendation.status_override or record.override_holds_on(as_of or today())
            else "",
            "evidence_count": recommendation.evidence_on_date
            if as_of
            else recommendation.evidence_count,
            **_evidence_cells(evidence, nested),
            "last_changed": (
                timezone.localdate(recommendation.last_changed).isoformat()
                if recommendation.last_changed
                else ""
            ),
            "url": site_url + url_of.format(recommendation.code),
            "latest_action_date": latest.isoformat() if latest else "",
            **{
                column: record.status_on(day) if as_of is None or day <= as_of else ""
                for column, day in ends.items()
            },
        }
        yield row


def _evidence_cells(evidence, nested):
    """JSON nests the evidence as objects; the CSV joins it into two cells."""
    if nested:
        return {"evidence": _evidence_objects(evidence)}
    return {
        "evidence": " | ".join(
            f"{_cited(title, kind, publisher)} ({published}): {reason}"
            for _, title, published, _, reason, kind, _, _, publisher in evidence
        ),
        "evidence_urls": " ".join(dict.fromkeys(url for _, _, _, url, *_ in evidence if url)),
    }


def _evidence_objects(evidence):
    return [
        {
            "document": title,
            "date": published,
            "url": url,
            "working_url": working_url(url, published),
            "relation": relation,
            "reason": reason,
            # Added with editor-entered sources: after the original keys.
            "document_kind": document_kind(kind, subtype, number),
            "publisher": publisher,
        }
        for relation, title, published, url, reason, kind, subtype, number, publisher in evidence
    ]


def _cited(title, kind, publisher):
    """A document as the evidence cell names it: its title, or for a source an editor
    entered, "Editor-entered source: <publisher>, <title>"."""
    if kind == Document.Kind.EDITOR_SOURCE:
        return f"{Document.Kind.EDITOR_SOURCE.label}: {publisher}, {title}"
    return title


def link_queryset(as_of=None, recommendations=None):
    """Accepted links as plain values, in essay order: the query behind links.csv.

    Each recommendation's links are in date order, a document's together in its own order
    (documents of one day in the order they were imported), so that every database writes
    the same file. With `as_of`, links to documents dated after it are left out; with
    `recommendations` (a queryset), only theirs are kept.
    """
    links = Link.objects.accepted()
    if recommendations is not None:
        links = links.filter(recommendation__in=recommendations.values("pk"))
    if as_of:
        links = links.filter(action__factsheet__published__lte=as_of)
    return links.order_by(
        "recommendation__stage__position",
        "recommendation__position",
        "action__factsheet__published",
        "action__factsheet_id",
        "action__position",
        "pk",
    ).values_list(
        "recommendation__code",
        "recommendation__title",
        "relation",
        "action__factsheet__title",
        "action__factsheet__published",
        "action__factsheet__url",
        "action__section",
        "action__text",
        "reason",
        "action__factsheet__kind",
        "action__factsheet__subtype",
        "action__factsheet__executive_order_number",
        "action__factsheet__administration__slug",
        "action__factsheet__publisher",
    )


# The CSV downloads' cells computed by the database, each as text, cell for cell as
# `link_rows`/`scorecard_rows` give them. PostgreSQL writes the lines too, through COPY's CSV
# format: each cell neutralised (`neutralise`) in SQL, fenced with OFFSET 0 so every cell is
# computed once. COPY quotes as Python's csv module quotes (a cell holding a comma, a double
# quote, CR or LF; quotes doubled) but also quotes an empty cell, which it leaves bare only
# when NULL: so an empty cell is sent as NULL. It ends each line with LF, and each line is a
# message of its own (the protocol sends one per row): `_copy_lines` ends it with CRLF.
# SQLite hands the cells over as rows and `_csv_line` writes the lines: SQLite's string
# functions do that slower than Python's (links.csv's lines took twice as long in SQL). It
# hands them over as UTF-8 bytes (a BLOB cast), which the response sends as they are: as
# text, each cell was decoded and each block of lines encoded again.
@dataclass(frozen=True)
class _Dialect:
    day: str  # the date {v} as YYYY-MM-DD
    date: str  # a date parameter


_POSTGRESQL = _Dialect(day="to_char({v}, 'YYYY-MM-DD')", date="%s::date")
_SQLITE = _Dialect(day="{v}", date="%s")  # SQLite keeps dates as YYYY-MM-DD text.
# The first character compared by its code (`ascii`): no first character copied out as text.
_FORMULA_CODES = ", ".join(str(ord(prefix)) for prefix in FORMULA_PREFIXES)
_NEUTRAL = "CASE WHEN ascii({v}) IN (" + _FORMULA_CODES + ") THEN '''' || {v} ELSE {v} END"
_LINK_FIELDS = (
    "code, title, relation, doc_title, published, url, section, text, reason, "
    "kind, subtype, number, administration, publisher"
)
# The addresses `working_url` moves, in the plain spelling SQL can move byte for byte: lower
# case scheme and host, no port, no white space, no empty query or fragment. On PostgreSQL a
# document with any other spelling of such an address sends links.csv through the Python
# writer; SQLite hands that one address to `working_url` itself (`_register_functions`).
_HOST = r"^https?://(www\.)?whitehouse\.gov"
_MOVABLE = _HOST + re.escape(ARCHIVED_PATH) + r"[^?#\s]*(\?[^#\s]+)?(#\S+)?$"
COPY_BLOCK = 64 * 1024
ROWS_PER_BLOCK = 100
_WORKING_URL = "tracker_working_url"
_registered = threading.local()


def _copy_csv_sql(values, source):
    """PostgreSQL: COPY of CSV lines over `source` (a FROM clause's text): each value as
    text, neutralised, empty as NULL; the values fenced with OFFSET 0."""
    texts = ", ".join(f"CAST(({value}) AS TEXT) AS v{n}" for n, value in enumerate(values))
    cells = ", ".join(f"nullif({_NEUTRAL.format(v=f'v{n}')}, '')" for n in range(len(values)))
    return (
        f"COPY (SELECT {cells} FROM (SELECT {texts} FROM {source} OFFSET 0) AS v) "
        "TO STDOUT (FORMAT csv)"
    )


def _cells_sql(values, source, named=""):
    """SQLite: SELECT of each value as text in UTF-8 bytes over `source` (a FROM clause's
    text, after the common table expressions in `named`)."""
    cells = ", ".join(
        f"CAST(coalesce(CAST(({value}) AS TEXT), '') AS BLOB) AS v{n}"
        for n, value in enumerate(values)
    )
    return f"{named}SELECT {cells} FROM {source}"


def _link_values_sql(site_url, dialect):
    """The text of each links.csv cell over `link_queryset`'s columns, and its params."""
    prefix, suffix = reverse("tracker:recommendation_detail", args=["CODE"]).split("CODE")
    moved, moved_params = _moved_url_postgresql() if dialect is _POSTGRESQL else _moved_url_sqlite()
    values = [
        "code",
        "title",
        "relation",
        "doc_title",
        dialect.day.format(v="published"),
        "url",
        "section",
        "text",
        "reason",
        "%s || code || %s",
        "CASE WHEN subtype = 'executive_order' AND coalesce(number, 0) <> 0 "
        "THEN subtype || ' ' || CAST(number AS TEXT) ELSE coalesce(nullif(subtype, ''), kind) END",
        "administration",
        moved,
        "publisher",
    ]
    return values, [site_url + prefix, suffix, *moved_params]


def _moved_url_postgresql():
    """`working_url` in SQL for the plain spellings `_MOVABLE` matches: the archive's host
    before the archived path, which in such an address right follows the host."""
    moves = " ".join(
        "WHEN published BETWEEN %s AND %s THEN %s || substr(url, strpos(url, %s))" for _ in ARCHIVES
    )
    params = [_MOVABLE]
    for took_office, left_office, host in ARCHIVES:
        params += [took_office, left_office, f"https://{host}", ARCHIVED_PATH]
    return f"CASE WHEN url ~ %s THEN CASE {moves} ELSE url END ELSE url END", params


def _moved_url_sqlite():
    """`working_url` in SQLite: a plain spelling (a White House host right before the archived
    path; no tab, CR or LF, which urlsplit drops; no empty query or fragment, which urlunsplit
    drops) moves by swapping its scheme and host; any other address that may name a White
    House host (case aside) goes through `working_url` itself."""
    hosts = sorted(WHITE_HOUSE_HOSTS)
    spellings = [
        f"{scheme}://{host}{ARCHIVED_PATH}*" for scheme in ("http", "https") for host in hosts
    ]
    plain = " OR ".join("url GLOB %s" for _ in spellings)
    moves = " ".join(
        "WHEN published BETWEEN %s AND %s THEN %s || substr(url, instr(url, %s))" for _ in ARCHIVES
    )
    params = list(spellings)
    for took_office, left_office, host in ARCHIVES:
        params += [took_office, left_office, f"https://{host}", ARCHIVED_PATH]
    params += [f"%{host}%" for host in hosts]
    sql = (
        f"CASE WHEN ({plain}) AND instr(url, char(9)) = 0 AND instr(url, char(10)) = 0 "
        "AND instr(url, char(13)) = 0 AND instr(url, '?#') = 0 "
        "AND substr(url, -1) NOT IN ('?', '#') "
        f"THEN CASE {moves} ELSE url END "
        f"WHEN {' OR '.join('url LIKE %s' for _ in hosts)} THEN {_WORKING_URL}(url, published) "
        "ELSE url END"
    )
    return sql, params


def _working_url_of_text(url, published):
    return working_url(url, datetime.date.fromisoformat(published))


def _register_functions():
    """Give this thread's SQLite connection the Python functions the downloads' SQL calls
    (once per connection: registering again would expire its cached statements)."""
    raw = connection.connection
    if getattr(_registered, "connection", None) is not raw:
        raw.create_function(_WORKING_URL, 2, _working_url_of_text, deterministic=True)
        _registered.connection = raw


# Whether a document has such an address: migration 0028's partial index holds exactly these
# documents (its condition is this one, word for word), so the question reads an empty index
# rather than every document's address.
_UNMOVABLE_SQL = (
    "SELECT EXISTS (SELECT 1 FROM tracker_document WHERE url ~* %s "
    "AND strpos(lower(url), %s) > 0 AND url !~ %s)"
)
_UNMOVABLE_PARAMS = (r"whitehouse\.gov", ARCHIVED_PATH, _MOVABLE)


def _copy_can_match():
    """False when a document's address is one `working_url` may move but not in the plain
    spelling the SQL moves (an upper-case host, a port, white space...)."""
    with connection.cursor() as cursor:
        cursor.execute(_UNMOVABLE_SQL, _UNMOVABLE_PARAMS)
        return not cursor.fetchone()[0]


def _plain(value):
    return value.value if isinstance(value, enum.Enum) else value


def copy_link_lines(as_of=None, site_url=None):
    """links.csv's data lines from PostgreSQL's COPY, in bytes blocks of whole lines."""
    return _copy_lines(*_links_copy_sql(as_of, site_url))


def _links_copy_sql(as_of=None, site_url=None):
    """The COPY statement of links.csv's data lines, and its params."""
    return _links_copy_sql_of((site_url or settings.SITE_URL).rstrip("/"), as_of)


def _links_select_sql(as_of=None, site_url=None):
    """SQLite: the SELECT of links.csv's data lines, and its params."""
    return _links_select_sql_of((site_url or settings.SITE_URL).rstrip("/"), as_of)


# The links.csv statements depend on nothing but their arguments, so each process compiles
# them once per site address and date rather than per request (compiling the queryset took
# a sixth of a download at the record). Any date may be asked for: only the latest are kept.
@functools.lru_cache(maxsize=64)
def _links_copy_sql_of(site_url, as_of):
    return _links_copy_sql_over(site_url, link_queryset(as_of))


@functools.lru_cache(maxsize=64)
def _links_select_sql_of(site_url, as_of):
    return written_in(*_links_select_sql_over(site_url, link_queryset(as_of)))


# A filtered download's statements are built per request: they hold the visitor's values.
def _links_copy_sql_over(site_url, links):
    """PostgreSQL: the COPY of links.csv's data lines over the queryset `links`, and its params."""
    inner, inner_params = links.query.sql_with_params()
    values, params = _link_values_sql(site_url, _POSTGRESQL)
    sql = _copy_csv_sql(values, f"({inner}) AS links({_LINK_FIELDS})")
    return sql, (*params, *map(_plain, inner_params))


def _links_select_sql_over(site_url, links):
    """SQLite: the SELECT of links.csv's data lines over the queryset `links`, and its params."""
    inner, inner_params = links.query.sql_with_params()
    values, params = _link_values_sql(site_url, _SQLITE)
    named = f"WITH links({_LINK_FIELDS}) AS ({inner}) "
    return _cells_sql(values, "links", named), [*map(_plain, inner_params), *params]


# SQLite prepares a statement again on every run when one of its parameters is compared with
# a column that a partial index's condition names (`review = ?` against `link_evidence_latest`'s
# `review = 'accepted'`): to see whether that index could serve this value. Both downloads
# compared `review` so: preparing scorecard.csv's statement again took about 0.3 ms a run at
# the record, a fifth of the request. The statements compiled once (links.csv's, and
# scorecard.csv's of every recommendation) hold only the code's own values and the site's
# address and dates, so they are written into the text: prepared once, then kept in the
# connection's statement cache.
_PARAMETER = re.compile(r"%s|%%")


def written_in(sql, params):
    """`sql` with each parameter written in (`compiled.sqlite_literal`) and `%%` as `%`, and
    no parameters: for the code's own values, the site's address and dates only."""
    values = iter(params)
    written = _PARAMETER.sub(
        lambda match: sqlite_literal(next(values)) if match[0] == "%s" else "%", sql
    )
    if next(values, written) is not written:
        raise ValueError("more parameters than placeholders")
    return written, ()


def _copy_lines(sql, params):
    """COPY's CSV lines with CRLF line ends, in bytes blocks of whole lines."""
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(sql, params) as copy,
    ):
        block, size = [], 0
        for line in copy:  # One line each, ending with LF; in quotes, LF or CR stay as they are.
            block.append(line[:-1])
            size += len(line)
            if size >= COPY_BLOCK:
                yield b"\r\n".join(block) + b"\r\n"
                block, size = [], 0
        if block:
            yield b"\r\n".join(block) + b"\r\n"


def _select_lines(sql, params):
    """SQLite: the rows of a SELECT of cells in bytes as CSV lines (`_csv_line`), in bytes
    blocks of whole lines."""
    with connection.cursor() as cursor:
        _register_functions()
        cursor.execute(sql, params or None)  # None: `sql` as it is, its `%` not placeholders.
        while rows := cursor.fetchmany(ROWS_PER_BLOCK):
            yield b"".join([_csv_line(row) for row in rows])


def _csv_line(cells):
    """UTF-8 cells as `csv_lines` writes them: each neutralised, then quoted when it holds a
    double quote, a comma, CR or LF (the csv module's minimal quoting), with the line end.
    Every byte tested is ASCII, which no other character's UTF-8 bytes contain."""
    line = []
    for text in cells:
        if text[:1] in _FORMULA_BYTES:
            text = b"'" + text
        if _QUOTE in text:
            text = b'"' + text.replace(b'"', b'""') + b'"'
        elif _COMMA in text or _LF in text or _CR in text:
            text = b'"' + text + b'"'
        line.append(text)
    return b",".join(line) + b"\r\n"


# scorecard.csv, cell for cell as `scorecard_rows` + `csv_lines` write it. The statuses at the
# end of each administration follow `status.status_on` in closed form: with D the day, c the
# latest contrary action by then, an override holding on D wins; then no link: not found; no
# evidence: contrary; no evidence after c (same day counts before it): reversed; an
# implementing link after c: implemented; else partly implemented.
_STATUS_ON = (
    "CASE WHEN override <> '' AND (since IS NULL OR since <= {d}) THEN override "
    "WHEN evidence_{n} IS NULL AND contrary_{n} IS NULL THEN 'not_found' "
    "WHEN evidence_{n} IS NULL THEN 'contrary' "
    "WHEN contrary_{n} IS NOT NULL AND evidence_{n} <= contrary_{n} THEN 'reversed' "
    "WHEN implements_{n} > contrary_{n} OR (contrary_{n} IS NULL AND implements_{n} IS NOT NULL) "
    "THEN 'implemented' ELSE 'partial' END"
)
_LINKS_OF = (
    "FROM tracker_link l JOIN tracker_action a ON a.id = l.action_id "
    "JOIN tracker_document d ON d.id = a.factsheet_id "
    "WHERE l.recommendation_id = r.pk AND l.review = %s"
)
# SQLite without statistics (nothing runs ANALYZE on a deployed file) reads a recommendation's
# links through the (review, relation) index, which holds every accepted link: all of them
# read again for each recommendation. The unary plus keeps `review` out of the choice of index,
# so only the recommendation's own links are read, through its index. Each link's action is
# read from the index `action_of_link` (its document and position), not from its row, which
# holds the action's text: at x10 that join was two fifths of the statement. SQLite looks the
# row up by id unless told (without statistics, and with them at the record).
_SQLITE_LINKS_OF = _LINKS_OF.replace("l.review", "+l.review").replace(
    "JOIN tracker_action a ON", "JOIN tracker_action a INDEXED BY action_of_link ON"
)
# `_cited`: an editor-entered source is named as such, with its publisher.
_CITED = (
    "CASE WHEN d.kind = %s THEN %s || ': ' || d.publisher || ', ' ELSE '' END || d.title "
    "|| ' (' || {published} || '): ' || l.reason"
)
_SCORECARD_FIELDS = (
    "pk, code, stage, title, statement, quote, status, reason, override, since, "
    "evidence_count, last_changed"
)


def _scorecard_rows_sql(export, counted=True):
    """The query of the recommendations in the download's order, as the columns
    `_SCORECARD_FIELDS` names (`last_changed`: the day, in the current time zone). Not
    `counted`: today's `evidence_count` is left NULL, for a statement that counts the links it
    reads anyway."""
    if export.filtered is None and export.as_of is None:
        return _every_rows_sql(timezone.get_current_timezone_name(), counted)
    return _rows_sql(export.recommendations, export.as_of, counted)


@functools.cache
def _every_rows_sql(time_zone, counted=True):
    """`_rows_sql` of every recommendation today: the same text and params for every
    download in `time_zone` (which TruncDate names), so compiled once rather than per
    request (building and compiling the queryset took as long as running it, at the record)."""
    return _rows_sql(Recommendation.objects.for_scorecard(), None, counted)


def _rows_sql(recommendations, as_of, counted=True):
    status = "status_on_date" if as_of else "status"
    count = "evidence_on_date" if as_of else "evidence_count"
    if not (as_of or counted):
        recommendations = recommendations.annotate(
            uncounted=Value(None, output_field=IntegerField())
        )
        count = "uncounted"
    inner, params = recommendations.annotate(
        last_changed_on=TruncDate("last_changed")
    ).values_list(
        "pk", "code", "stage__name", "title", "statement", "quote", status, "status_reason",
        "status_override", "status_override_since", count, "last_changed_on",
    ).query.sql_with_params()  # fmt: skip
    return inner, tuple(map(_plain, params))


def _end_days(export):
    """{n: day} of the administrations' last days the download states a status on (not after
    as_of); n numbers the `ends` column and its source's evidence_n, contrary_n, implements_n."""
    return {
        n: day
        for n, day in enumerate(export.ends.values())
        if export.as_of is None or day <= export.as_of
    }


def _scorecard_values(export, dialect, count="evidence_count"):
    """The text of each scorecard.csv cell over its source's columns (`_SCORECARD_FIELDS`,
    evidence, urls, latest, and those of `_end_days`; the evidence count from `count`), and
    its params."""
    prefix, suffix = reverse("tracker:recommendation_detail", args=["CODE"]).split("CODE")
    labels = " ".join("WHEN %s THEN %s" for _ in Recommendation.Status.choices)
    values = [
        "code",
        "stage",
        "title",
        "statement",
        "quote",
        "status",
        f"CASE status {labels} END",
        f"CASE WHEN override = '' OR since IS NULL OR since <= {dialect.date} "
        "THEN reason ELSE '' END",
        count,
        "evidence",
        "urls",
        dialect.day.format(v="last_changed"),
        "%s || code || %s",
        dialect.day.format(v="latest"),
    ]
    params = [value for choice in Recommendation.Status.choices for value in choice]
    params += [export.as_of or today(), export.site_url + prefix, suffix]
    days = _end_days(export)
    for n in range(len(export.ends)):
        if n in days:
            values.append(_STATUS_ON.format(d=dialect.date, n=n))
            params.append(days[n])
        else:
            values.append("''")
    return values, params


def _scorecard_copy_sql(export):
    """The COPY statement of scorecard.csv's data lines, and its params."""
    as_of = export.as_of
    on, up_to = as_of or today(), as_of or datetime.date.max
    inner, inner_params = _scorecard_rows_sql(export)
    evidence_relations = list(map(_plain, Link.EVIDENCE_RELATIONS))
    accepted = _plain(Link.Review.ACCEPTED)
    contrary, implements = _plain(Link.Relation.CONTRARY), _plain(Link.Relation.IMPLEMENTS)
    # Per end day: the latest evidence, contrary action and implementing link by then.
    per_day, day_params = [], []
    for n, day in _end_days(export).items():
        for name, relations in (
            ("evidence", evidence_relations),
            ("contrary", [contrary]),
            ("implements", [implements]),
        ):
            per_day.append(
                f"max(d.published) FILTER (WHERE l.relation = ANY(%s) AND d.published <= %s) "
                f"AS {name}_{n}"
            )
            day_params += [relations, day]
    values, params = _scorecard_values(export, _POSTGRESQL)
    cited = _CITED.format(published=_POSTGRESQL.day.format(v="d.published"))
    source = (
        "(SELECT row_number() OVER () AS n, r.* FROM ("
        f"{inner}) AS r({_SCORECARD_FIELDS})) AS r "
        f"LEFT JOIN LATERAL (SELECT string_agg({cited}, ' | ' ORDER BY d.published, "
        "a.position, l.id) FILTER (WHERE l.relation = ANY(%s) AND d.published <= %s) "
        "AS evidence, max(d.published) FILTER (WHERE d.published <= %s) AS latest"
        f"{''.join(', ' + column for column in per_day)} "
        f"{_LINKS_OF} AND l.relation = ANY(%s)) AS links ON true "
        "LEFT JOIN LATERAL (SELECT string_agg(url, ' ' ORDER BY published, position, id) AS urls "
        "FROM (SELECT DISTINCT ON (d.url) d.url, d.published, a.position, l.id "
        f"{_LINKS_OF} AND l.relation = ANY(%s) AND d.published <= %s AND d.url <> '' "
        "ORDER BY d.url, d.published, a.position, l.id) AS first_cited) AS cited ON true "
        "ORDER BY r.n"
    )
    sql = _copy_csv_sql(values, source)
    statuses = list(map(_plain, STATUS_RELATIONS))
    params = [
        *params,
        *inner_params,
        _plain(Document.Kind.EDITOR_SOURCE), str(Document.Kind.EDITOR_SOURCE.label),
        evidence_relations, up_to, on, *day_params, accepted, statuses,
        accepted, evidence_relations, up_to,
    ]  # fmt: skip
    return sql, params


def _scorecard_select_sql(export):
    """SQLite: the SELECT of scorecard.csv's data lines, and its params: for every
    recommendation today, the statement this process compiled first (`_every_select_sql`)."""
    if export.filtered is None and export.as_of is None:
        ends, time_zone = tuple(export.ends.items()), timezone.get_current_timezone_name()
        return _every_select_sql(export.site_url, ends, today(), time_zone)
    return _scorecard_select_sql_of(export)


@dataclass(frozen=True)
class _EveryRecommendationToday:
    """What `_scorecard_select_sql_of` reads of a `ScorecardExport` naming no filter, no date."""

    site_url: str
    ends: dict
    filtered: None = None
    as_of: None = None


# Every download that names no filter runs the same statement on a given day, so each process
# compiles it once per site address, administrations' end days, day and time zone (the day:
# statuses and the latest action are stated on it; `_every_rows_sql` names the time zone).
@functools.lru_cache(maxsize=64)
def _every_select_sql(site_url, ends, day, time_zone):
    sql, params = _scorecard_select_sql_of(_EveryRecommendationToday(site_url, dict(ends)))
    return written_in(sql, params)


def _scorecard_select_sql_of(export):
    """SQLite: the SELECT of scorecard.csv's data lines, and its params.

    A recommendation's links are read once by one subquery whose aggregates (each with its
    FILTER) hand their values over as one JSON array: a scalar subquery gives one value, and
    a subquery per aggregate read the links six times. Today the evidence, its addresses and
    its count are the stored ones (`tracker.scorecard_evidence`, kept by triggers): building
    them was about half of the statement at the record; the links are still read for the
    latest action and the statuses at the administrations' ends, which depend on the day.
    On a date, the evidence is aggregated here as it is stored (`evidence_aggregates`)."""
    as_of = export.as_of
    on = as_of or today()
    inner, inner_params = _scorecard_rows_sql(export, counted=as_of is not None)
    if as_of is None:
        statuses, status_params = _among(STATUS_RELATIONS)
        links = f"SELECT l.relation, d.published {_SQLITE_LINKS_OF} AND l.{statuses}"
        links_params = [_plain(Link.Review.ACCEPTED), *status_params]
        aggregates = []
    else:
        links, links_params = cited_links_sql(as_of)
        aggregates = evidence_aggregates()
    # (name, aggregate of the links, its params)
    aggregates.append(("latest", "max(published) FILTER (WHERE published <= %s)", [on]))
    # Per end day: the latest evidence, contrary action and implementing link by then.
    for n, day in _end_days(export).items():
        for name, relations in (
            ("evidence", Link.EVIDENCE_RELATIONS),
            ("contrary", [Link.Relation.CONTRARY]),
            ("implements", [Link.Relation.IMPLEMENTS]),
        ):
            which, which_params = _among(relations)
            aggregates.append(
                (f"{name}_{n}", f"max(published) FILTER (WHERE {which} AND published <= %s)",
                 [*which_params, day])
            )  # fmt: skip
    array = ", ".join(aggregate for _, aggregate, _ in aggregates)
    extracted = ", ".join(json_value_sql(n, name) for n, (name, _, _) in enumerate(aggregates))
    stored = ""
    if as_of is None:
        stored_values = "e.evidence, e.urls, coalesce(e.evidence_count, 0) AS evidence_total"
        extracted = f"{stored_values}, {extracted}"
        stored = f"LEFT JOIN {scorecard_evidence.TABLE} AS e ON e.recommendation_id = r.pk "
    values, params = _scorecard_values(
        export, _SQLITE, "evidence_total" if as_of is None else "evidence_count"
    )
    named = f"WITH recommendations({_SCORECARD_FIELDS}) AS ({inner}) "
    # OFFSET: SQLite never merges such a subquery into the query around it, so the links are
    # read once, and each value taken out of them once, however many cells read it.
    source = (
        f"(SELECT r.*, {extracted} FROM (SELECT r.*, (SELECT json_array({array}) FROM "
        f"({links})) AS links FROM recommendations AS r LIMIT -1 OFFSET 0) AS r "
        f"{stored}LIMIT -1 OFFSET 0) AS r"
    )
    sql = _cells_sql(values, source, named)
    aggregate_params = [param for _, _, params in aggregates for param in params]
    return sql, [*inner_params, *params, *aggregate_params, *links_params]


def _among(relations):
    relations = list(map(_plain, relations))
    return f"relation IN ({', '.join(['%s'] * len(relations))})", relations


def json_value_sql(number, name, array="links"):
    """The value `name` at `number` in the JSON array `array`; `urls`, a JSON array of
    addresses, as the addresses joined with spaces."""
    if name == "urls":
        return f"(SELECT group_concat(value, ' ') FROM json_each({array}, '$[{number}]')) AS {name}"
    return f"json_extract({array}, '$[{number}]') AS {name}"


def cited_links_sql(up_to=None):
    """SQLite: the accepted status links of the recommendation `r.pk`, in evidence order, with
    each one's evidence cell, and whether it is evidence (and a cited address) by `up_to`
    (no limit: None), and its params."""
    up_to = up_to or datetime.date.max
    evidence, evidence_params = _among(Link.EVIDENCE_RELATIONS)
    statuses, status_params = _among(STATUS_RELATIONS)
    cited = _CITED.format(published=_SQLITE.day.format(v="d.published"))
    links = (
        "SELECT relation, published, url, cell, counted, evidence "
        f"FROM (SELECT l.relation, d.published, d.url, a.position, l.id, {cited} AS cell, "
        f"l.{evidence} AND d.published <= %s AND d.url <> '' AS counted, "
        f"l.{evidence} AND d.published <= %s AS evidence "
        f"{_SQLITE_LINKS_OF} AND l.{statuses}) ORDER BY published, position, id"
    )
    params = [
        _plain(Document.Kind.EDITOR_SOURCE), str(Document.Kind.EDITOR_SOURCE.label),
        *evidence_params, up_to, *evidence_params, up_to, _plain(Link.Review.ACCEPTED),
        *status_params,
    ]  # fmt: skip
    return links, params


def evidence_aggregates():
    """(name, aggregate, params) of the evidence cell and its addresses over
    `cited_links_sql`. group_concat follows the order of the rows its subquery hands it
    (SQLite keeps a subquery's ORDER BY under such an aggregate). An address is in `urls`
    where it is first cited as evidence: a DISTINCT aggregate keeps the first of each value
    in the order its rows come, in a JSON array (the one aggregate that takes DISTINCT and
    keeps every address whole), which `json_each` reads back in order to join with spaces
    (a fifth fewer instructions than numbering each address's links with a window function)."""
    return [
        ("evidence", "group_concat(cell, ' | ') FILTER (WHERE evidence)", []),
        ("urls", "json_group_array(DISTINCT url) FILTER (WHERE counted)", []),
    ]


def scorecard_csv_lines(export):
    """scorecard.csv: its lines built by the database (PostgreSQL's COPY, SQLite's cursor)."""
    try:
        if connection.vendor == "postgresql":
            lines = _copy_lines(*_scorecard_copy_sql(export))
        else:
            lines = _select_lines(*_scorecard_select_sql(export))
    except EmptyResultSet:  # Filters no row can match (a search of punctuation only).
        return iter([csv_header(export.columns)])
    return _after(csv_header(export.columns), lines)


def links_csv_lines(as_of=None, site_url=None, recommendations=None):
    """links.csv: its lines built by the database (SQLite's cursor; PostgreSQL's COPY where it
    writes the same bytes, else Python's writer row by row). With `recommendations` (a
    download's filters), only their links."""
    header = csv_header(LINK_COLUMNS)
    if connection.vendor == "postgresql" and not _copy_can_match():
        return csv_lines(link_rows(site_url, as_of, recommendations), LINK_COLUMNS)
    if recommendations is None:  # The statements compiled once.
        if connection.vendor == "sqlite":
            return _after(header, _select_lines(*_links_select_sql(as_of, site_url)))
        return _after(header, copy_link_lines(as_of, site_url))
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    links = link_queryset(as_of, recommendations)
    try:
        if connection.vendor == "sqlite":
            return _after(header, _select_lines(*_links_select_sql_over(site_url, links)))
        return _after(header, _copy_lines(*_links_copy_sql_over(site_url, links)))
    except EmptyResultSet:  # Filters no row can match (a search of punctuation only).
        return iter([header])


def _after(first, rest):
    yield first
    yield from rest


def link_rows(site_url=None, as_of=None, recommendations=None):
    """One dict per accepted link (plain values: no model instances)."""
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    url_of = reverse("tracker:recommendation_detail", args=["CODE"]).replace("CODE", "{}")
    rows = link_queryset(as_of, recommendations).iterator(chunk_size=CHUNK * 4)
    for row in rows:
        code, title, relation, factsheet, published, url, section, text, reason = row[:9]
        kind, subtype, number, administration, publisher = row[9:]
        yield {
            "recommendation_code": code,
            "recommendation_title": title,
            "relation": relation,
            "factsheet_title": factsheet,
            "factsheet_date": published.isoformat(),
            "factsheet_url": url,
            "section": section,
            "action_text": text,
            "reason": reason,
            "recommendation_url": site_url + url_of.format(code),
            "document_kind": document_kind(kind, subtype, number),
            "administration": administration or "",
            "working_url": working_url(url, published),
            "publisher": publisher,
        }


def document_kind(kind, subtype, number):
    """`factsheet`, `presidential_action`, or the subtype: `executive_order 14203`, `memorandum`."""
    if subtype == Document.Subtype.EXECUTIVE_ORDER and number:
        return f"{subtype} {number}"
    return subtype or kind


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer."""

    def write(self, value):
        return value


def csv_header(columns):
    return csv.writer(_Echo(), lineterminator="\r\n").writerow(columns)


def csv_lines(rows, columns):
    """Yield the header, then each row, as CSV text lines (cells neutralised)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow([neutralise(row[column]) for column in columns])


def json_chunks(rows, metadata=None):
    """Yield a JSON array of the rows, one element at a time; with `metadata`, an object
    {"metadata": ..., "recommendations": [rows]}."""
    if metadata is not None:
        yield (
            '{"metadata": ' + json.dumps(metadata, cls=DjangoJSONEncoder) + ',\n"recommendations": '
        )
    yield "[\n"
    for number, row in enumerate(rows):
        yield ("" if number == 0 else ",\n") + json.dumps(row, cls=DjangoJSONEncoder)
    yield "\n]" + ("}" if metadata is not None else "") + "\n"


SCORECARD_MEANINGS = {
    "code": "stable identifier of the recommendation",
    "stage": "the essay's stage of work",
    "title": "short title",
    "statement": "the ask in plain words",
    "quote": "the essay's words",
    "status": "implemented, partial, not_found, contrary or reversed (on as_of if given)",
    "status_label": "the status in words",
    "status_reason": "the editor's reason, when an override holds",
    "evidence_count": "accepted implementing and partial links",
    "evidence": "list of objects: document, date, url (original address), working_url "
    "(where it can be read today), relation (implements, partial, contrary), reason, "
    "document_kind (editor_source: entered by the tracker's editors, not one of the "
    "documents searched), publisher",
    "last_changed": "when the public status last changed",
    "url": "the recommendation's page",
    "latest_action_date": "date of the latest evidence or reversal",
    "status_end_<administration>": "the status on the last day of each administration "
    "that has left office; empty if that day is after as_of",
}


def scorecard_metadata(export, request_url):
    """What scorecard.json?metadata=1 says about itself."""
    return {
        "title": "Human rights agenda tracker: scorecard",
        "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "as_of": export.as_of,
        "url": request_url,
        "licence": "Recommendations quoted from Sarah H. Cleveland, 'A Human Rights Agenda "
        "for the Biden Administration', AJIL Unbound 115 (2021), CC BY 4.0; White House "
        "documents are US government works in the public domain.",
        "sources": [
            "https://doi.org/10.1017/aju.2020.82",
            export.site_url + reverse("tracker:about"),
        ],
        "columns": [*SCORECARD_MEANINGS][:-1] + list(export.ends),
        "column_meanings": SCORECARD_MEANINGS,
    }


def write_csv(rows, columns, stream):
    for line in csv_lines(rows, columns):
        stream.write(line)


BROKEN = "\r\n!!! This download broke off here because of a server error: it is incomplete.\r\n"


def started(chunks):
    """Run a download up to its first data row before the response is answered, so a
    failing first query is a server error rather than a 200 with only a header row; a
    later failure is logged, ends the body with a line saying it is incomplete, and aborts
    the stream (no clean end of a chunked response)."""
    chunks = iter(chunks)
    first = list(itertools.islice(chunks, 2))
    return _guarded(first, chunks)


def _guarded(first, rest):
    yield from first
    try:
        yield from rest
    except Exception:
        logger.exception("A download broke off mid-stream")
        yield BROKEN
        raise
