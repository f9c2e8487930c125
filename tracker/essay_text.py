"""The essay as HTML blocks, each recommendation's quote highlighted where it stands."""

import functools
import html
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import slugify

if TYPE_CHECKING:
    from .models import Recommendation


@dataclass
class Block:
    kind: str  # "heading" or "paragraph"
    html: str
    anchor: str = ""


def annotated_blocks(body: str, recommendations: Iterable["Recommendation"]) -> list[Block]:
    """Split the stored body ("## Heading" lines and paragraphs) and mark every quote in it.

    Quotes may overlap (two asks in one sentence): each stretch of text is
    marked once, and each quote starts with a link to its recommendation.
    """
    blocks = []
    for chunk in body.split("\n\n"):
        if chunk.startswith("## ") or chunk.strip() == "##":
            heading = chunk[3:].strip()
            if heading:  # An empty "## " line would be an empty heading: nothing to show.
                blocks.append(Block("heading", escape(heading), anchor=slugify(heading)))
        else:
            blocks.append(Block("paragraph", _mark_quotes(chunk, recommendations)))
    return blocks


def _mark_quotes(text: str, recommendations: Iterable["Recommendation"]) -> str:
    spans: list[tuple[int, int, Recommendation]] = []
    for recommendation in recommendations:
        start = text.find(recommendation.quote)
        if start >= 0:
            spans.append((start, start + len(recommendation.quote), recommendation))
    if not spans:
        return escape(text)
    starts: dict[int, list[Recommendation]] = {}
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


def _badge(recommendation: "Recommendation") -> str:
    """The link that starts a quote. Written with `html.escape` rather than `format_html`,
    whose checks for lazy and safe text were most of the essay's marking: every value here
    is a plain string from the database."""
    status = recommendation.status
    values = (
        status,
        recommendation.code,
        recommendation.get_absolute_url(),
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
