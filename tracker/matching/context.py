"""Document context: an action is read with the rest of its document.

Measured on the whole record (bench/recall.py, held-out test split of the curation): most
accepted links the lexical ranking misses are bullets of a document that other bullets already
tie to the recommendation. Two terms, weighed by `Params`, raise them:

- a share of the best score of any action of the same document (a fact sheet about the
  landmine policy lends its weight to its bullet "destroy all APL stockpiles");
- a fixed bonus when editors already accepted an action of that document for the
  recommendation (the next bullet of an accepted fact sheet is worth a look).

An action's score therefore depends on every action of its document: the full run scores
them all anyway; an incremental run scores the whole of each document it touches.
"""

import numpy as np


class Documents:
    """The documents of a row of actions (columns), which must come grouped by document.

    Grouped, each document is one run of columns and its best score one `reduceat`: the full
    run boosts every row of every recommendation, so this must stay linear and vectorised.
    """

    def __init__(self, document_ids):
        self.document_ids = np.asarray(document_ids, dtype=np.int64)
        if np.any(np.diff(self.document_ids) < 0):
            raise ValueError("Actions must be ordered by document.")
        self.starts = np.flatnonzero(np.diff(self.document_ids, prepend=-1))
        self.run_documents = self.document_ids[self.starts]
        self.run_of = np.cumsum(np.diff(self.document_ids, prepend=-1) != 0) - 1

    def __len__(self):
        return len(self.document_ids)

    def runs(self, document_ids):
        """The runs of `document_ids` that are among these documents."""
        wanted = np.asarray(sorted(document_ids), dtype=np.int64)
        where = np.searchsorted(self.run_documents, wanted)
        where = where[where < len(self.run_documents)]
        return where[np.isin(self.run_documents[where], wanted)]

    def boost(self, scores, params, exclude=(), accepted_documents=()):
        """(scores raised by each action's document, what each action lends its document).

        Columns in `exclude` (decided actions) lend nothing: a decided action must not lift
        its neighbours by its own score. `accepted_documents` (document ids) hold an action
        editors accepted for this recommendation: their actions get the bonus.
        """
        boosted, lending = self.boost_rows(
            np.asarray(scores, dtype=np.float64)[np.newaxis],
            params,
            (np.zeros(len(exclude), dtype=np.int64), np.fromiter(exclude, dtype=np.int64)),
            {0: accepted_documents},
        )
        return boosted[0], lending[0]

    def boost_rows(self, scores, params, exclude, accepted_documents):
        """`boost` for a matrix, one row per recommendation, in one vectorised pass.

        `exclude` is (rows, columns) of the decided pairs, `accepted_documents` maps rows to
        the document ids with an accepted action.
        """
        scores = np.asarray(scores, dtype=np.float64)
        lending = np.maximum(scores, 0.0)
        rows, columns = exclude
        if len(rows):
            lending[np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)] = 0.0
        if not scores.shape[1]:
            return scores, lending
        lift = params.document_weight * np.maximum.reduceat(lending, self.starts, axis=1)
        if params.accepted_document_bonus:
            for row, documents in accepted_documents.items():
                if len(documents):
                    lift[row, self.runs(documents)] += params.accepted_document_bonus
        return scores + lift[:, self.run_of], lending

    def why(self, column, lending, params, accepted_links, action_ids):
        """Why `column` was raised, as `explain` stores it: the action its document's share
        comes from (when not itself) and the accepted link of its document; None when neither,
        or when the lift is below 0.01.

        `lending` is `boost`'s, `accepted_links` maps document ids to an accepted link of this
        recommendation (`accepted_documents`), `action_ids` names the columns.
        """
        run = self.run_of[column]
        start = self.starts[run]
        end = self.starts[run + 1] if run + 1 < len(self.starts) else len(self.document_ids)
        lender = start + int(np.argmax(lending[start:end]))
        link = accepted_links.get(int(self.document_ids[column]))
        lift = params.document_weight * float(lending[lender])
        if link is not None:
            lift += params.accepted_document_bonus
        lent = lender != column and lending[lender] > 0
        if lift < 0.01 or not (lent or link):  # Lifted by its own score only: nothing to name.
            return None
        return {
            "lift": round(lift, 4),
            "action": int(action_ids[lender]) if lent else None,
            "accepted_link": link,
        }


def accepted_documents(accepted_links, document_of):
    """{document id: accepted link id} from {action id: link id}; `document_of` gives an
    action's document, or None when it is not a candidate. The lowest link id names a
    document with several, so every run names the same one."""
    documents = {}
    for action_id, link_id in sorted(accepted_links.items(), key=lambda item: -item[1]):
        document = document_of(action_id)
        if document is not None:
            documents[document] = link_id
    return documents
