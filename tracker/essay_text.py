"""The essay as HTML blocks, each recommendation's quote highlighted where it stands."""

import functools
import html
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple, Protocol

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from .addresses import slug_address


class Quoted(Protocol):
    """What marking needs of a recommendation: a `Recommendation`, or the essay page's rows."""

    code: str
    title: str
    status: str
    quote: str


class Quote(NamedTuple):
    """A recommendation as the essay page reads it: only what its badge and quote need."""

    code: str
    title: str
    status: str
    quote: str


@dataclass
class Block:
    kind: str  # "heading" or "paragraph"
    html: str
    anchor: str = ""


def annotated_blocks(body: str, recommendations: Iterable[Quoted]) -> list[Block]:
    """Split the stored body ("## Heading" lines and paragraphs) and mark every quote in it.

    Quotes may overlap (two asks in one sentence): each stretch of text is
    marked once, and each quote starts with a link to its recommendation. A quote
    is marked where it first stands in each paragraph that holds it whole.
    """
    chunks = body.split("\n\n")
    spans = _quote_spans(body, chunks, recommendations)
    blocks = []
    for number, chunk in enumerate(chunks):
        if chunk.startswith("## ") or chunk.strip() == "##":
            heading = chunk[3:].strip()
            if heading:  # An empty "## " line would be an empty heading: nothing to show.
                blocks.append(Block("heading", escape(heading), anchor=slugify(heading)))
        elif number in spans:
            blocks.append(Block("paragraph", _mark_quotes(chunk, spans[number])))
        else:  # As `escape`, without its check for lazy text.
            blocks.append(Block("paragraph", mark_safe(html.escape(chunk))))
    return blocks


def blocks_html(blocks: Iterable[Block]) -> SafeString:
    """The blocks as the essay page shows them, one element a line."""
    return mark_safe(  # Every block's HTML is escaped or built safely, and so is its anchor.
        "".join(
            f'\n    <h2 id="{html.escape(block.anchor)}">{block.html}</h2>\n  '
            if block.kind == "heading"
            else f"\n    <p>{block.html}</p>\n  "
            for block in blocks
        )
    )


Span = tuple[int, int, Quoted]


def _quote_spans(body: str, chunks: list[str], recommendations: Iterable[Quoted]) -> dict:
    """{chunk number: [(start, end, recommendation)] in the chunk}, in the recommendations'
    order: a quote's first place in each chunk that holds it whole. Found by searching the
    whole body once a quote rather than every paragraph for every quote."""
    starts, offset = [], 0
    for chunk in chunks:
        starts.append(offset)
        offset += len(chunk) + 2
    spans: dict[int, list[Span]] = {}
    for recommendation in recommendations:
        quote = recommendation.quote
        found = body.find(quote)
        while found >= 0:
            number = bisect_right(starts, found) - 1
            start = found - starts[number]
            if start + len(quote) <= len(chunks[number]):  # Not across a paragraph break.
                spans.setdefault(number, []).append((start, start + len(quote), recommendation))
            if number + 1 == len(chunks):
                break
            found = body.find(quote, starts[number + 1])
    return spans


def _mark_quotes(text: str, spans: list[Span]) -> str:
    starts: dict[int, list[Quoted]] = {}
    for start, _, recommendation in spans:
        starts.setdefault(start, []).append(recommendation)
    cuts = sorted({0, len(text)} | {s for s, _, _ in spans} | {e for _, e, _ in spans})
    pieces: list[str] = []
    for left, right in pairwise(cuts):
        pieces.extend(_badge(r) for r in starts.get(left, []))
        segment = html.escape(text[left:right])  # As `escape`, without its check for lazy text.
        covered = any(start <= left and right <= end for start, end, _ in spans)
        pieces.append(f"<mark>{segment}</mark>" if covered else segment)
    return mark_safe("".join(pieces))  # Every piece is escaped or built safely.


def _badge(recommendation: Quoted) -> str:
    """The link that starts a quote. Written with `html.escape` rather than `format_html`,
    whose checks for lazy and safe text were most of the essay's marking: every value here
    is a plain string from the database."""
    status = recommendation.status
    values = (
        status,
        recommendation.code,
        slug_address("tracker:recommendation_detail", recommendation.code),
        recommendation.title,
        _status_labels().get(status, status),  # As get_status_display().
    )
    return '<a class="quote-badge status-{}" id="q-{}" href="{}">{}: {}</a> '.format(
        *(html.escape(str(value)) for value in values)
    )


@functools.cache
def _status_labels() -> dict[str, str]:
    from .models import Recommendation

    return dict(Recommendation.Status.choices)
