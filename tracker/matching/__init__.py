"""Rank fact-sheet actions by how likely they implement each recommendation.

The system suggests, editors decide. Features are stemmed words, word pairs
(Snowball) and thesaurus concepts (tracker/data/thesaurus.yaml), with the
action's bold lead-in and section heading as extra signal; scores are BM25 over
scikit-learn's sparse count matrix (TF-IDF cosine is kept for comparison). Suggestions are stored as
`Link` rows in review state `suggested`; a reviewed pair (accepted or
rejected) is never overwritten nor suggested again.

- `thesaurus`: the validated thesaurus file, stems and concepts;
- `analysis`: the features of a recommendation and of an action;
- `index`: the fitted weights (`Model`), the stored index and the `Ranking`;
- `context`: document context, an action raised by the rest of its document;
- `feedback`: editors' decisions as relevance feedback;
- `peers`: other recommendations' accepted actions as evidence;
- `revocations`: actions revoking, by title, a document that holds accepted evidence;
- `suggestions`: the full and incremental runs that store pending suggestions;
- `evaluation`: recall and MRR, held out, and the tuning grid;
- `review`: matched words, highlighting and the decisions on the same text under other
  documents, for the review queue.
"""

from .analysis import action_text, analyse, candidate_actions, recommendation_text
from .context import Documents, accepted_documents
from .evaluation import (
    CONTEXT_GRID,
    SHIPPED,
    SMALL_GRID,
    TUNING_GRID,
    describe_params,
    evaluate,
    evaluate_held_out,
    evaluation_report,
    split_of,
    tune,
    without_context,
    without_instances,
    without_peers,
    without_revocations,
)
from .feedback import Decisions, Feedback
from .index import PARAMS, Model, Params, Queries, Ranking, action_rows, index_key, rank
from .peers import Peers
from .review import (
    agreed_decision,
    describe,
    highlight,
    matched_stems,
    matched_words,
    same_text_decisions,
)
from .suggestions import DEFAULT_TOP, explain, ranking_rows, suggest_all, suggest_for_actions
from .thesaurus import (
    ACRONYMS,
    CONCEPTS,
    STOP_WORDS,
    WORD,
    ThesaurusError,
    clear_caches,
    concept_table,
    concepts,
    load_thesaurus,
    stem,
    stems,
)

__all__ = [
    "ACRONYMS",
    "CONCEPTS",
    "CONTEXT_GRID",
    "DEFAULT_TOP",
    "PARAMS",
    "SHIPPED",
    "SMALL_GRID",
    "STOP_WORDS",
    "TUNING_GRID",
    "WORD",
    "Decisions",
    "Documents",
    "Feedback",
    "Model",
    "Params",
    "Peers",
    "Queries",
    "Ranking",
    "ThesaurusError",
    "accepted_documents",
    "action_rows",
    "action_text",
    "agreed_decision",
    "analyse",
    "candidate_actions",
    "clear_caches",
    "concept_table",
    "concepts",
    "describe",
    "describe_params",
    "evaluate",
    "evaluate_held_out",
    "evaluation_report",
    "explain",
    "highlight",
    "index_key",
    "load_thesaurus",
    "matched_stems",
    "matched_words",
    "rank",
    "ranking_rows",
    "recommendation_text",
    "same_text_decisions",
    "split_of",
    "stem",
    "stems",
    "suggest_all",
    "suggest_for_actions",
    "tune",
    "without_context",
    "without_instances",
    "without_peers",
    "without_revocations",
]
