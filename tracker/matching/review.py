"""Why a pair is suggested, for the review queue: matched words, concepts, decisions."""

from dataclasses import dataclass
from html import escape as escape_html

from django.db.models import F
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from ..models import Link
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


@dataclass(frozen=True)
class SameTextDecision:
    """An editor's decision on the same text for the same recommendation, under another
    document."""

    link: int
    review: str
    relation: str  # Empty for a rejection: the relation it may keep does not count.
    reason: str
    document: str

    @property
    def decision(self):
        return self.review, self.relation

    def __str__(self):
        state = "rejected"
        if self.review == Link.Review.ACCEPTED:
            state = f"accepted ({Link.Relation(self.relation).label.lower()})"
        said = f": {self.reason}" if self.reason else ""
        return f"{state} under {self.document}, link #{self.link}{said}"


def same_text_decisions(links):
    """{pk of each pending link: the editors' decisions on its text for its recommendation
    under other documents, newest first}, in one query for all the links (a queue page).
    The links' actions must be loaded (`select_related`)."""
    pending = [
        link for link in links if link.review == Link.Review.SUGGESTED and not link.source_changed
    ]
    if not pending:
        return {}
    decided = (
        Link.objects.reviewed()
        .keyed_by_their_text()
        # The page's recommendations and texts: the database starts from their links, not
        # from every decision (23 ms to 1.3 ms at the whole record). Pairs no link on the
        # page has are left out below.
        .filter(
            recommendation__in={link.recommendation_id for link in pending},
            action__key__in={link.action.key for link in pending},
        )
        .order_by(F("reviewed_at").desc(nulls_last=True), "-pk")
        .values_list(
            "pk",
            "recommendation_id",
            "action__key",
            "review",
            "relation",
            "reason",
            "action__factsheet__title",
            "action__factsheet__published",
        )
    )
    by_text = {}
    for pk, recommendation, key, review, relation, reason, title, published in decided:
        decision = SameTextDecision(
            link=pk,
            review=review,
            relation=relation if review == Link.Review.ACCEPTED else "",
            reason=reason,
            document=f"“{Truncator(title).chars(80)}” ({published:%Y-%m-%d})",
        )
        by_text.setdefault((recommendation, key), []).append(decision)
    # Each is under another document than the link's: under its own, it would be the link.
    return {
        link.pk: by_text[link.recommendation_id, link.action.key]
        for link in pending
        if (link.recommendation_id, link.action.key) in by_text
    }


def agreed_decision(decisions):
    """The decision every earlier one agrees on (the newest, for its reason), or None when
    there is none or they differ."""
    if len({decision.decision for decision in decisions}) == 1:
        return decisions[0]
    return None


def describe_same_text(decisions):
    if not decisions:
        return ""
    said = "; ".join(map(str, decisions))
    if agreed_decision(decisions) is None:
        return f"same text decided differently: {said}"
    return f"same text {said}"


def describe(link, same_text=()):
    """One line for the review queue: the editors' decisions on the same text under other
    documents (`same_text_decisions`), matched words, shared concepts, the decision that moved
    it, what in its document raised it, the other recommendation whose decision did, and the
    accepted action it is like (instance feedback), and the evidence it revokes."""
    parts = [
        describe_same_text(same_text),
        ", ".join(matched_words(link.recommendation, link.action)),
    ]
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
    revocation = explanation.get("revocation")
    if revocation:
        parts.append(
            f"raised {revocation['lift']:.2f}: revokes “{revocation['document']}”, which holds "
            f"accepted evidence (link #{revocation['link']})"
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
