"""The features of a recommendation or an action, and the actions suggestions draw from."""

from itertools import pairwise

from ..models import Action, Document
from .thesaurus import CONCEPT_WEIGHT, concepts, stems


def analyse(document):
    """Unigrams and bigrams of stems, and domain concepts: the features the ranking uses.

    `document` is a text or a sequence of (weight, text) fields; a field's features count
    `weight` times, and no word pair spans two fields.
    """
    fields = [(1, document)] if isinstance(document, str) else document
    features = []
    for weight, text in fields:
        tokens = stems(text)
        field = tokens + [f"{a} {b}" for a, b in pairwise(tokens)]
        field += concepts(tokens) * CONCEPT_WEIGHT
        features += field * weight
    return features


def recommendation_text(recommendation):
    """The title counts twice, beside the statement and the quote."""
    return ((2, recommendation.title), (1, recommendation.statement), (1, recommendation.quote))


def action_text(action):
    """The lead-in counts twice and the headings once, as extra signal beside the text."""
    return (
        (2, action.lead_in),
        (1, action.subheading),
        (1, action.section),
        (1, action.text),
    )


def _plain(document):
    return " ".join(text for _, text in document)


# What `action_text` reads, and the document: load only these when analysing many actions.
ACTION_FIELDS = ("id", "factsheet", "lead_in", "subheading", "section", "text")


def candidate_actions():
    """The actions suggestions are drawn from: the one place to exclude kinds of action.

    The record searched only: an editor-entered source's passage is cited by the editor
    who entered it, never suggested.
    """
    return Action.objects.filter(
        withdrawn=False, is_boilerplate=False, factsheet__kind__in=Document.IMPORTED_KINDS
    )
