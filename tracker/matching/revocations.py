"""Revocations: an action that revokes, by its title, a document accepted as evidence.

The next administration undid much of the record by revoking its instruments by name: "The
following executive actions are hereby revoked: Executive Order 13985 of January 20, 2021
(Advancing Racial Equity and Support for Underserved Communities Through the Federal
Government); ...", "I hereby revoke the Presidential Memorandum of January 28, 2021, ...
(Protecting Women's Health at Home and Abroad)". Such an action is mostly a list of titles
and shares few words with the ask it undoes: measured on the whole record (README, *How good
the suggestions are*), most of the curation's contrary links outside their recommendation's
top 10 were revocations. So an action that names, in parentheses and after a word of
revoking (or before one in the same sentence), the title of a presidential action dated no
later than its own document gains `Params.revocation_weight` for every recommendation with
an accepted evidence action in the revoked document: the editors' decision that the
instrument implemented the ask is what makes its revocation a candidate against it.

Like peer evidence, the lift is added after document context and lends nothing to the
action's neighbours. An incremental run lifts the revocations in the documents it scores (a
new revoking document); a revoker of a document accepted later is lifted by the next full run.
"""

import re
import unicodedata
from bisect import bisect_right

import numpy as np

from ..models import Document

REVOKING = re.compile(r"\b(?:revok|rescind|rescission|supersed)", re.IGNORECASE)
# A sentence ends at a full stop after a small letter, a digit or a bracket, before a capital
# or a lettered item's bracket (not inside "U.S. Refugee Admissions").
SENTENCE_END = re.compile(r"(?<=[a-z0-9)])\.\s+(?=[A-Z(])")
# A title as a revocation names it: in parentheses, after its number and date.
NAMED = re.compile(r"\(([^()]{12,300})\)")
# What a presidential action's page title adds before the title the instrument itself bears.
INSTRUMENT = re.compile(
    r"^(?:a )?(?:presidential )?(?:national security )?"
    r"(?:executive order|memorandum|proclamation|notice|message)(?: on| regarding)? "
)
# Dropped from both sides: a page says "Executive Order on the Establishment of ...", the
# revocation "(Establishment of ...)".
ARTICLE = re.compile(r"^the ")
NOT_A_WORD = re.compile(r"[^a-z0-9]+")
# Fewer words than this is an abbreviation or an aside, not an instrument's title.
TITLE_WORDS = 3


def title_key(title):
    """A title folded for comparison: no accents, case or punctuation, no leading kind of
    instrument ("Executive Order on ...", "Memorandum on ...") nor article."""
    plain = title.replace("’", "").replace("'", "")
    if not plain.isascii():  # Most titles are: decomposing every one cost most of the time.
        decomposed = unicodedata.normalize("NFKD", plain)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = NOT_A_WORD.sub(" ", plain.lower()).strip()
    return ARTICLE.sub("", INSTRUMENT.sub("", words))


def named_titles(text):
    """The keys of the titles `text` names in parentheses as revoked: after a word of
    revoking (a list of revoked orders), or before one in the same sentence ("... (Title),
    are hereby revoked"). A title elsewhere may be one the action builds on."""
    keys = set()
    for named in NAMED.finditer(text):
        before = REVOKING.search(text, 0, named.start())
        end = SENTENCE_END.search(text, named.end())
        after = REVOKING.search(text, named.end(), end.start() if end else len(text))
        if before or after:
            keys.add(title_key(named.group(1)))
    return {key for key in keys if len(key.split()) >= TITLE_WORDS}


class Revocations:
    """The ranked actions (columns) that revoke an earlier presidential action by its title.

    `revoked` maps a column to the ids of the documents it revokes.
    """

    def __init__(self, revoked, titles=None):
        by_document = {}
        for column, documents in revoked.items():
            for document in documents:
                by_document.setdefault(document, []).append(column)
        self.revokers = {d: np.array(sorted(c), dtype=np.int64) for d, c in by_document.items()}
        self.revoked = revoked
        self.titles = titles or {}  # {document id: title}, for the review queue

    @classmethod
    def among(cls, actions):
        """Of `actions`, the ranked columns in order, each with its `text` and `factsheet_id`."""
        named = {}
        for column, action in enumerate(actions):
            if keys := named_titles(action.text):
                named[column] = keys
        if not named:
            return cls({})
        instruments, titles = _instruments()
        dated = dict(
            Document.objects.filter(
                pk__in={actions[column].factsheet_id for column in named}
            ).values_list("pk", "published")
        )
        revoked = {}
        for column, keys in named.items():
            own = actions[column].factsheet_id
            documents = {
                # Not its own document: this year's order superseding last year's of one title.
                _latest(
                    [(day, pk) for day, pk in instruments.get(key, ()) if pk != own], dated.get(own)
                )
                for key in keys
            }
            documents.discard(None)
            if documents:
                revoked[column] = tuple(sorted(documents))
        return cls(revoked, {d: titles[d] for ds in revoked.values() for d in ds})

    def __bool__(self):
        return bool(self.revoked)

    def columns(self, accepted_documents):
        """The columns that revoke one of `accepted_documents` (document ids), in order."""
        found = [self.revokers[d] for d in accepted_documents if d in self.revokers]
        return np.unique(np.concatenate(found)) if found else np.array([], dtype=np.int64)

    def why(self, column, accepted_links, weight):
        """The revoked document that lifts `column`, as `explain` stores it: the lift, its
        title and the accepted link in it (`accepted_links`: {document id: link id}); None
        when it revokes none of them."""
        documents = [d for d in self.revoked.get(column, ()) if d in accepted_links]
        if not weight or not documents:
            return None
        document = documents[0]  # the lowest id, so every run names the same one
        return {
            "lift": round(weight, 4),
            "document": self.titles.get(document, ""),
            "link": accepted_links[document],
        }


def _instruments():
    """({title key: [(date, document id)] by date}, {document id: title}) of the presidential
    actions."""
    instruments, titles = {}, {}
    for pk, title, published in (
        Document.objects.filter(kind=Document.Kind.PRESIDENTIAL_ACTION)
        .order_by("published", "pk")
        .values_list("pk", "title", "published")
    ):
        instruments.setdefault(title_key(title), []).append((published, pk))
        titles[pk] = title
    return instruments, titles


def _latest(dated_documents, on):
    """The latest of the (date, id) pairs dated no later than `on`: a recurring title (a
    yearly proclamation) names the instrument in force when it was revoked."""
    if on is None or not dated_documents:
        return None
    at = bisect_right(dated_documents, (on, float("inf")))
    return dated_documents[at - 1][1] if at else None
