"""Other recommendations' decisions: an action accepted for a similar recommendation.

Measured on the whole record (README, *How good the suggestions are*): 39 of the curation's
135 evidence links are actions that editors also accepted for another recommendation, and
the lexical ranking misses many of them. So a candidate action gains `Params.peer_weight`
times the sum, over the other recommendations that accepted it, of their similarity to the
ranked one: the cosine of the two recommendations' TF-IDF vectors (`Model.similarity_units`).
Similarity matters: the same lift for any accepted action, whatever accepted it, ranks the
popular actions first and loses half the recall.

A recommendation's own decisions never count here (they are its feedback and its accepted
documents, and its reviewed pairs leave its ranking). The lift is added after document
context and lends nothing to the action's neighbours: a decision moves only the action it
names, for every other recommendation, which an incremental run rescores.
"""

import numpy as np
from scipy import sparse

# Below this an explanation names no peer: the lift does not move a rank visibly.
SHOWN_LIFT = 0.01


class Peers:
    """Every recommendation's accepted actions among ranked columns, as evidence for the others.

    `units` are the recommendations' unit rows (`Model.similarity_units`) in the order of
    `recommendations`; `accepted_links` is `Decisions.accepted_links()`; `column` maps the
    ranked actions' ids to their columns: an accepted action outside them is left out.
    """

    def __init__(self, units, recommendations, accepted_links, column):
        self.recommendations = recommendations
        self.row_of = {r.pk: row for row, r in enumerate(recommendations)}
        rows, columns, self.link = [], [], {}
        for recommendation_id, links in accepted_links.items():
            row = self.row_of.get(recommendation_id)
            for action_id, link_id in links.items():
                where = column.get(action_id)
                if row is not None and where is not None:
                    rows.append(row)
                    columns.append(where)
                    self.link[(row, where)] = link_id
        self.columns = np.unique(np.asarray(columns, dtype=np.int64))
        self.accepting_rows = np.unique(np.asarray(rows, dtype=np.int64))
        # (accepted column, accepting recommendation) pairs: a column's accepters are a slice.
        self.accepters = sparse.csr_matrix(
            (
                np.ones(len(rows)),
                (
                    np.searchsorted(self.columns, columns).astype(np.int64),
                    np.searchsorted(self.accepting_rows, rows).astype(np.int64),
                ),
            ),
            shape=(len(self.columns), len(self.accepting_rows)),
        )
        # Every recommendation's cosine to each accepting one, in one product (per row, the
        # sparse products cost more than the rest of the run's peer evidence together); 0 to
        # itself, whose own decisions are not peer evidence.
        units = sparse.csr_matrix(units)
        self.similarity = (units @ units[self.accepting_rows].T).toarray()
        self.similarity[self.accepting_rows, np.arange(len(self.accepting_rows))] = 0.0

    def __bool__(self):
        return bool(len(self.columns))

    def evidence(self, recommendation_id):
        """(columns, sums): the accepted columns and, for each, the summed similarity of the
        other recommendations that accepted it (before `Params.peer_weight`)."""
        return self.columns, self.accepters @ self.similarity[self.row_of[recommendation_id]]

    def evidence_rows(self):
        """`evidence` of every recommendation at once: columns, and a row of sums for each."""
        return self.columns, (self.accepters @ self.similarity.T).T

    def why(self, recommendation_id, column, weight):
        """The peer decision that raised `column` most, as `explain` stores it: the lift, and
        the other recommendation's code and accepted link; None below `SHOWN_LIFT`."""
        at = np.searchsorted(self.columns, column)
        if not weight or at == len(self.columns) or self.columns[at] != column:
            return None
        start, end = self.accepters.indptr[at], self.accepters.indptr[at + 1]
        accepters = self.accepters.indices[start:end]
        similarity = self.similarity[self.row_of[recommendation_id], accepters]
        lift = weight * float(similarity.sum())
        if lift < SHOWN_LIFT:
            return None
        # The first recommendation wins a tie, so every run names the same one.
        rows = self.accepting_rows[accepters]
        strongest = int(rows[np.lexsort((rows, -similarity))[0]])
        return {
            "lift": round(lift, 4),
            "recommendation": self.recommendations[strongest].code,
            "link": self.link[(strongest, column)],
        }
