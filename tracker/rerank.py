"""Document context on top of the lexical ranking: an action is read with its document.

Measured on the whole record (bench/recall.py, held-out test split of the curation): most
accepted links the lexical ranking misses are bullets of a document that other bullets already
tie to the recommendation. Two terms, tuned on the tuning split, raise them:

- a share of the best score of any candidate action of the same document (a fact sheet about
  the landmine policy lends its weight to its bullet "destroy all APL stockpiles");
- a fixed bonus when editors already accepted an action of that document for the
  recommendation (the next bullet of an accepted fact sheet is worth a look).

Pure functions over one recommendation's score row, so the full run, the incremental run and
the evaluation can share them.
"""

import numpy as np

# Chosen on the tuning split of the curation (grid: 0, 0.25, 0.5, 1 x 0, 0.05, 0.1, 0.2).
DOCUMENT_WEIGHT = 0.25
ACCEPTED_DOCUMENT_BONUS = 0.1


def document_boost(
    scores,
    document_index,
    *,
    exclude=(),
    accepted_documents=(),
    document_weight=DOCUMENT_WEIGHT,
    accepted_bonus=ACCEPTED_DOCUMENT_BONUS,
):
    """Scores raised by each action's document: its best action and editors' acceptances.

    `scores` and `document_index` are aligned per action (`document_index` numbers the
    documents 0..n-1). Actions in `exclude` (positions) lend nothing to their document: an
    action already decided must not lift its neighbours by its own score. `accepted_documents`
    are document numbers with an accepted link for this recommendation.
    """
    scores = np.asarray(scores, dtype=np.float64)
    document_index = np.asarray(document_index, dtype=np.int64)
    lending = scores.copy()
    if len(exclude):
        lending[np.asarray(list(exclude))] = 0.0
    best = np.zeros(int(document_index.max()) + 1 if len(document_index) else 0)
    np.maximum.at(best, document_index, np.maximum(lending, 0.0))
    boosted = scores + document_weight * best[document_index]
    if len(accepted_documents) and accepted_bonus:
        boosted = boosted + accepted_bonus * np.isin(document_index, list(accepted_documents))
    return boosted


def document_numbers(action_ids):
    """Each action's document, numbered 0..n-1, aligned with `action_ids` (candidates)."""
    from .matching import candidate_actions  # The matching package imports this module.

    documents = dict(candidate_actions().values_list("pk", "factsheet_id"))
    _, numbers = np.unique(
        np.array([documents[int(a)] for a in action_ids], dtype=np.int64), return_inverse=True
    )
    return numbers


def with_document_context(scores, documents, columns, exclude, accepted):
    """`document_boost` for one recommendation, given action ids: the evaluation's hook.

    `columns` maps action ids to positions in `scores`; `exclude` are the decided action ids
    (they lend nothing), `accepted` the accepted ones (their documents get the bonus).
    """
    return document_boost(
        scores,
        documents,
        exclude={columns[a] for a in exclude if a in columns},
        accepted_documents={documents[columns[a]] for a in accepted if a in columns},
    )
