"""Rank fact-sheet actions by how likely they implement each recommendation.

The system suggests, editors decide. Scores are TF-IDF cosine similarities
(scikit-learn) over stemmed words and word pairs (Snowball), with the action's
bold lead-in and section heading as extra signal. Suggestions are stored as
`Link` rows in review state `suggested`; a reviewed pair (accepted or
rejected) is never overwritten nor suggested again.
"""

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape as escape_html
from itertools import pairwise

import numpy as np
import snowballstemmer
from django.db import transaction
from django.utils.safestring import mark_safe
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from .models import Action, Link, MatchingIndex, Recommendation

DEFAULT_TOP = 10
BLOCK = 64
WORD = re.compile(r"[A-Za-z0-9]+")
# Words in nearly every sentence of both sources, that say nothing about the ask.
DOMAIN_STOP_WORDS = {
    "administration", "biden", "harris", "president", "trump", "united", "states", "u", "s",
    "us", "america", "american", "americans", "government", "including", "also", "new",
    "work", "worked", "efforts", "effort", "year", "years", "today", "first", "ever",
}  # fmt: skip
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS)
# Acronyms the fact sheets use for what the essay spells out, and the reverse.
ACRONYMS = {
    "icc": "international criminal court",
    "unfpa": "population fund",
    "unrwa": "relief works agency palestine refugees",
    "unesco": "educational scientific cultural organization",
    "hrc": "human rights council",
    "upr": "universal periodic review",
    "ohchr": "high commissioner human rights",
    "lgbtqi": "lgbt transgender",
    "lgbt": "lgbtqi",
    "crsv": "conflict related sexual violence",
    "gbv": "gender based violence",
    "csos": "civil society organizations",
    "hrds": "human rights defenders",
}
# A small thesaurus of this domain: words that name the same kind of action add a shared
# concept feature, so "coalition" meets "partnership ... endorsed by 42 countries".
CONCEPTS = {
    "coalition": "coalition alliance allies partnership partners endorsed joined "
    "multilateral initiative countries",
    "forum": "fora forum multilateral regional g7 g20 apec ministerial assembly council",
    "monitor": "rapporteur rapporteurs monitors invitation visit scrutiny",
    "sanction": "sanction sanctions sanctioning designated designation designations magnitsky "
    "visa restrictions ofac",
    "defender": "defenders dissidents activists journalists civil society prisoners",
    "online": "online internet digital spyware surveillance censorship misinformation "
    "technology technologies",
    "expression": "expression press media journalists journalism speech",
    "democracy": "democracy democratic backsliding autocracy authoritarian illiberalism",
}
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def stem(word):
    return _stemmer.stemWord(word)


def stems(text):
    """The text's content words, lower-cased, acronyms expanded, stemmed."""
    words = []
    for word in WORD.findall(text.lower()):
        words.extend(ACRONYMS.get(word, word).split() if word in ACRONYMS else [word])
    return [stem(word) for word in words if word not in STOP_WORDS and len(word) > 1]


@lru_cache(maxsize=1)
def _concept_of_stem():
    return {
        stem(word): f"concept:{concept}"
        for concept, words in CONCEPTS.items()
        for word in words.split()
        if word not in STOP_WORDS
    }


def concepts(tokens):
    concept_of = _concept_of_stem()
    return [concept_of[token] for token in tokens if token in concept_of]


def analyse(text):
    """Unigrams and bigrams of stems, and domain concepts: the features the ranking uses."""
    tokens = stems(text)
    # Concepts count twice: they carry the meaning that exact words miss.
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)] + concepts(tokens) * 2


def recommendation_text(recommendation):
    return " ".join(
        [recommendation.title, recommendation.title, recommendation.statement, recommendation.quote]
    )


def action_text(action):
    """The lead-in counts twice and the headings once, as extra signal beside the text."""
    return " ".join(
        [action.lead_in, action.lead_in, action.subheading, action.section, action.text]
    )


@dataclass
class Ranking:
    """Scores of every action (columns) for every recommendation (rows)."""

    recommendations: list
    action_ids: np.ndarray
    recommendation_vectors: object
    action_vectors: object

    def top(self, row, count, exclude=frozenset()):
        """[(action id, score)] best first for one recommendation, skipping `exclude`."""
        scores = (self.recommendation_vectors[row] @ self.action_vectors.T).toarray().ravel()
        return self._best(scores, count, exclude)

    def top_all(self, count, exclude_by_recommendation):
        """Yield (recommendation, [(action id, score)]) for all, a block of rows at a time."""
        actions_t = self.action_vectors.T.tocsc()
        for first in range(0, len(self.recommendations), BLOCK):
            block = (self.recommendation_vectors[first : first + BLOCK] @ actions_t).toarray()
            for offset, scores in enumerate(block):
                recommendation = self.recommendations[first + offset]
                exclude = exclude_by_recommendation.get(recommendation.pk, frozenset())
                yield recommendation, self._best(scores, count, exclude)

    def _best(self, scores, count, exclude):
        wanted = min(len(scores), count + len(exclude))
        if wanted == 0:
            return []
        best = np.argpartition(-scores, wanted - 1)[:wanted]
        best = best[np.argsort(-scores[best], kind="stable")]
        ranked = [
            (int(self.action_ids[i]), float(scores[i]))
            for i in best
            if scores[i] > 0 and int(self.action_ids[i]) not in exclude
        ]
        return ranked[:count]


def _vectorizer():
    # A feature seen in a single text can never match another; dropping it keeps the index small.
    return TfidfVectorizer(analyzer=analyse, sublinear_tf=True, min_df=2, dtype=np.float32)


def _recommendations():
    return list(Recommendation.objects.order_by("stage__position", "position"))


def _recommendations_key(recommendations):
    digest = hashlib.sha256()
    for recommendation in recommendations:
        digest.update(f"{recommendation.pk}\x00{recommendation_text(recommendation)}\x01".encode())
    return digest.hexdigest()


def rank(*, store_index=False):
    """Fit TF-IDF on every current action and the recommendations.

    With `store_index`, keep the fitted vocabulary and recommendation vectors
    so that later incremental runs score new actions without refitting.
    """
    recommendations = _recommendations()
    actions = list(
        Action.objects.filter(withdrawn=False, is_boilerplate=False).only(
            "id", "lead_in", "subheading", "section", "text"
        )
    )
    empty = Ranking([], np.array([], dtype=np.int64), None, None)
    if not (recommendations and actions):
        return empty
    texts = [recommendation_text(r) for r in recommendations]
    texts += [action_text(action) for action in actions]
    vectorizer = _vectorizer()
    try:
        vectors = vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # No word is shared by two texts: nothing can match.
        return empty
    ranking = Ranking(
        recommendations=recommendations,
        action_ids=np.array([action.pk for action in actions], dtype=np.int64),
        recommendation_vectors=vectors[: len(recommendations)],
        action_vectors=vectors[len(recommendations) :],
    )
    if store_index:
        MatchingIndex.store(
            _recommendations_key(recommendations), vectorizer, ranking.recommendation_vectors
        )
    return ranking


def rank_new(actions):
    """Score new actions with the stored index (fast); refit everything if it is stale."""
    recommendations = _recommendations()
    index = MatchingIndex.objects.order_by("-pk").first()
    if index is None or index.recommendations_key != _recommendations_key(recommendations):
        ranking = rank(store_index=True)
        wanted = {action.pk for action in actions}
        keep = np.array([action_id in wanted for action_id in ranking.action_ids], dtype=bool)
        if ranking.action_vectors is not None:
            ranking.action_vectors = ranking.action_vectors[keep]
            ranking.action_ids = ranking.action_ids[keep]
        return ranking
    vectorizer, recommendation_vectors = index.load()
    return Ranking(
        recommendations=recommendations,
        action_ids=np.array([action.pk for action in actions], dtype=np.int64),
        recommendation_vectors=recommendation_vectors,
        action_vectors=vectorizer.transform([action_text(a) for a in actions]).tocsr(),
    )


def _reviewed_pairs():
    reviewed = {}
    pairs = Link.objects.exclude(review=Link.Review.SUGGESTED).values_list(
        "recommendation_id", "action_id"
    )
    for recommendation_id, action_id in pairs:
        reviewed.setdefault(recommendation_id, set()).add(action_id)
    return reviewed


def suggest_all(top=DEFAULT_TOP, *, recompute=False):
    """Store the top `top` unreviewed actions per recommendation as pending suggestions.

    With `recompute`, every pending suggestion is rebuilt; otherwise pending
    rows that stay in the top keep their identity and get the new score.
    Returns (created, updated, deleted).
    """
    ranking = rank(store_index=True)
    wanted = {
        (recommendation.pk, action_id): score
        for recommendation, ranked in ranking.top_all(top, _reviewed_pairs())
        for action_id, score in ranked
    }
    with transaction.atomic():
        pending = Link.objects.filter(review=Link.Review.SUGGESTED)
        if recompute:
            deleted, _ = pending.delete()
            existing = {}
        else:
            existing = {
                (link.recommendation_id, link.action_id): link
                for link in pending.only("id", "recommendation_id", "action_id", "score")
            }
            stale = [link.pk for pair, link in existing.items() if pair not in wanted]
            deleted = _delete(stale)
        return (*_store(wanted, existing), deleted)


def suggest_for_actions(action_ids, top=DEFAULT_TOP):
    """Incremental: score only the new actions, merging them into each recommendation's top.

    Pending suggestions are read as plain values: at the scale of an archive
    there are tens of thousands, and the ones that stay are left untouched.
    """
    new_actions = list(
        Action.objects.filter(pk__in=action_ids, withdrawn=False, is_boilerplate=False)
    )
    if not new_actions:
        return 0, 0, 0
    ranking = rank_new(new_actions)
    if ranking.action_vectors is None or not len(ranking.action_ids):
        return 0, 0, 0
    pending = {}
    rows = Link.objects.filter(review=Link.Review.SUGGESTED).values_list(
        "pk", "recommendation_id", "action_id", "score"
    )
    for pk, recommendation_id, action_id, score in rows:
        pending.setdefault(recommendation_id, {})[action_id] = (pk, score or 0.0)
    created, stale = [], []
    for recommendation, ranked in ranking.top_all(top, _reviewed_pairs()):
        current = pending.get(recommendation.pk, {})
        candidates = {action_id: score for action_id, (_, score) in current.items()}
        candidates.update(ranked)
        kept = dict(sorted(candidates.items(), key=lambda item: -item[1])[:top])
        created += [
            Link(recommendation=recommendation, action_id=action_id, score=round(score, 6))
            for action_id, score in kept.items()
            if action_id not in current
        ]
        stale += [pk for action_id, (pk, _) in current.items() if action_id not in kept]
    with transaction.atomic():
        deleted = _delete(stale)
        Link.objects.bulk_create(created, batch_size=1000)
    return len(created), 0, deleted


def _delete(link_ids):
    deleted = 0
    for first in range(0, len(link_ids), 1000):
        deleted += Link.objects.filter(pk__in=link_ids[first : first + 1000]).delete()[0]
    return deleted


def _store(wanted, existing):
    to_create, to_update = [], []
    for (recommendation_id, action_id), score in wanted.items():
        link = existing.get((recommendation_id, action_id))
        if link is None:
            to_create.append(
                Link(
                    recommendation_id=recommendation_id, action_id=action_id, score=round(score, 6)
                )
            )
        elif link.score is None or abs(link.score - score) > 1e-6:
            link.score = round(score, 6)
            to_update.append(link)
    Link.objects.bulk_create(to_create, batch_size=1000)
    Link.objects.bulk_update(to_update, ["score"], batch_size=1000)
    return len(to_create), len(to_update)


def ranking_rows(top=DEFAULT_TOP):
    """The engine's ranking for every recommendation, regardless of review state."""
    rows = [
        (recommendation, position, action_id, score)
        for recommendation, ranked in rank().top_all(top, {})
        for position, (action_id, score) in enumerate(ranked, start=1)
    ]
    actions = Action.objects.select_related("factsheet").in_bulk([row[2] for row in rows])
    for recommendation, position, action_id, score in rows:
        action = actions[action_id]
        yield {
            "recommendation_code": recommendation.code,
            "rank": position,
            "score": f"{score:.4f}",
            "action_id": action_id,
            "factsheet_title": action.factsheet.title,
            "action_text": action.text,
        }


def evaluate(gold):
    """Recall@5, recall@10 (over gold links) and MRR (over recommendations with gold links).

    `gold` maps recommendation codes to sets of action ids that implement them.
    """
    ranking = rank()
    found_at = {5: 0, 10: 0}
    reciprocal_ranks = []
    total = 0
    for row, recommendation in enumerate(ranking.recommendations):
        expected = gold.get(recommendation.code)
        if not expected:
            continue
        ranked = [action_id for action_id, _ in ranking.top(row, len(ranking.action_ids))]
        positions = {action_id: index for index, action_id in enumerate(ranked, start=1)}
        total += len(expected)
        for cutoff in found_at:
            found_at[cutoff] += sum(1 for a in expected if positions.get(a, 10**9) <= cutoff)
        first = min((positions.get(a, 10**9) for a in expected), default=10**9)
        reciprocal_ranks.append(1 / first if first < 10**9 else 0.0)
    return {
        "gold_links": total,
        "recommendations": len(reciprocal_ranks),
        "recall@5": found_at[5] / total if total else 0.0,
        "recall@10": found_at[10] / total if total else 0.0,
        "mrr": sum(reciprocal_ranks) / len(reciprocal_ranks) if reciprocal_ranks else 0.0,
    }


def matched_stems(recommendation, action):
    return set(stems(recommendation_text(recommendation))) & set(stems(action_text(action)))


def _is_match(word, wanted_stems):
    lowered = word.lower()
    return lowered not in STOP_WORDS and (
        stem(lowered) in wanted_stems
        or any(stem(part) in wanted_stems for part in ACRONYMS.get(lowered, "").split())
    )


def matched_words(recommendation, action):
    """The action's words that the recommendation shares: why it is suggested."""
    wanted = matched_stems(recommendation, action)
    words = (word.lower() for word in WORD.findall(action_text(action)))
    return sorted({word for word in words if _is_match(word, wanted)})


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
