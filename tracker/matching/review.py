"""Why a pair is suggested, for the review queue: matched words, concepts, decisions."""

from html import escape as escape_html

from django.utils.safestring import mark_safe

from .analysis import _plain, action_text, recommendation_text
from .thesaurus import ACRONYMS, STOP_WORDS, WORD, stem, stems


def matched_stems(recommendation, action):
    return set(stems(_plain(recommendation_text(recommendation)))) & set(
        stems(_plain(action_text(action)))
    )


def _is_match(word, wanted_stems):
    lowered = word.lower()
    return lowered not in STOP_WORDS and (
        stem(lowered) in wanted_stems
        or any(stem(part) in wanted_stems for part in ACRONYMS.get(lowered, "").split())
    )


def matched_words(recommendation, action):
    """The action's words that the recommendation shares: why it is suggested."""
    wanted = matched_stems(recommendation, action)
    words = (word.lower() for word in WORD.findall(_plain(action_text(action))))
    return sorted({word for word in words if _is_match(word, wanted)})


def describe(link):
    """One line for the review queue: matched words, shared concepts, the decision that moved
    it, what in its document raised it, the other recommendation whose decision did, and the
    accepted action it is like (instance feedback)."""
    parts = [", ".join(matched_words(link.recommendation, link.action))]
    explanation = link.explanation or {}
    if explanation.get("concepts"):
        parts.append("concepts: " + ", ".join(explanation["concepts"]))
    moved = explanation.get("feedback")
    if moved:
        direction = "raised" if moved["effect"] > 0 else "lowered"
        parts.append(f"{direction} by {moved['review']} link #{moved['link']}")
    document = explanation.get("document")
    if document:
        reasons = []
        if document["accepted_link"]:
            reasons.append(f"accepted link #{document['accepted_link']} is in its document")
        if document["action"]:
            reasons.append(f"action #{document['action']} of its document matches")
        parts.append(f"raised {document['lift']:.2f}: " + " and ".join(reasons))
    peer = explanation.get("peer")
    if peer:
        parts.append(
            f"raised {peer['lift']:.2f}: accepted for {peer['recommendation']} "
            f"(link #{peer['link']})"
        )
    instance = explanation.get("instance")
    if instance:
        parts.append(
            f"raised {instance['lift']:.2f}: like accepted action #{instance['action']} "
            f"(link #{instance['link']})"
        )
    return "; ".join(part for part in parts if part)


def highlight(text, wanted_stems):
    """HTML of `text` with the words whose stem is in `wanted_stems` marked."""
    pieces, last = [], 0
    for match in WORD.finditer(text):
        word = escape_html(match.group(0))
        pieces.append(escape_html(text[last : match.start()]))
        pieces.append(f"<mark>{word}</mark>" if _is_match(match.group(0), wanted_stems) else word)
        last = match.end()
    pieces.append(escape_html(text[last:]))
    return mark_safe("".join(pieces))  # Every piece is escaped above.
