"""Ranking-quality experiment (issue 11): where the held-out links rank, and what re-ranks them.

Run against a database holding the whole record and the curation:

    DATABASE_URL=sqlite:////tmp/recall.sqlite3 SECRET_KEY=dev \
        nice -n 10 .venv/bin/python -m bench.recall [--embeddings] [--json out.json]

It reproduces `evaluate_held_out(protocol="link")` (each accepted link hidden in turn, the
recommendation keeps its other decisions as feedback and they leave the ranking), then scores
other methods on exactly the same trials, test split only for the figures, tuning split only
for anything learned:

- bm25 + feedback: the shipped engine (the reference figure);
- embeddings: wordllama cosine (recommendation vs action), with and without feedback;
- rrf: reciprocal rank fusion of the engine and the embeddings;
- rerank: logistic regression and gradient-boosted trees (scikit-learn) over features of the
  engine's top candidates;
- document boost: tracker/matching/context.py's document context, its two weights chosen on
  the tuning split (the seed labels also get the curation's choice, the one a product would
  ship).

Besides per-link recall@k (the engine's definition), it reports success@k per recommendation
held out cold (any of its accepted links in the top k) and the document-level hit (the hidden
link's document among the top k documents), because per-link recall penalises near-duplicate
actions of other documents that an editor would accept just as well.
"""

import argparse
import json
import os
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()

import numpy as np  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from tracker import matching  # noqa: E402
from tracker.management.commands.evaluate_suggestions import (  # noqa: E402
    DEFAULT_LABELS,
    read_curation_labels,
    read_labels,
)
from tracker.matching.evaluation import _without  # noqa: E402
from tracker.models import Action, Link  # noqa: E402

CUTOFFS = (5, 10, 20, 50, 100)
CANDIDATES = 300  # the re-ranker sees the first stage's top 300 per trial
RRF_K = 60


def rank_positions(scores, exclude_columns):
    """1-based rank of every column (ties broken by column, as a stable sort does)."""
    scores = scores.copy()
    if exclude_columns:
        scores[list(exclude_columns)] = -np.inf
    order = np.argsort(-scores, kind="stable")
    positions = np.empty(len(scores), dtype=np.int64)
    positions[order] = np.arange(1, len(scores) + 1)
    return positions


class Record:
    """Everything about the candidate actions that the methods need, loaded once."""

    def __init__(self):
        started = time.perf_counter()
        self.ranking = matching.rank(decisions=matching.Decisions({}, {}))
        self.fit_seconds = time.perf_counter() - started
        self.recommendations = self.ranking.recommendations
        self.action_ids = self.ranking.action_ids
        self.column = {int(a): i for i, a in enumerate(self.action_ids)}
        width = len(self.ranking.model.vectorizer.vocabulary_)
        self.unit = self.ranking.action_vectors[:, width:].tocsr()
        self.base = np.vstack(
            [self.ranking.scores(row) for row in range(len(self.recommendations))]
        )
        rows = Action.objects.filter(pk__in=[int(a) for a in self.action_ids]).values_list(
            "pk",
            "factsheet_id",
            "factsheet__kind",
            "factsheet__subtype",
            "factsheet__published",
            "factsheet__administration__slug",
            "factsheet__title",
            "section",
            "lead_in",
            "text",
        )
        info = {row[0]: row[1:] for row in rows}
        ordered = [info[int(a)] for a in self.action_ids]
        self.document = np.array([r[0] for r in ordered])
        self.kind = np.array([r[1] for r in ordered])
        self.subtype = np.array([r[2] or "" for r in ordered])
        self.year = np.array([r[3].year + r[3].timetuple().tm_yday / 366 for r in ordered])
        self.administration = np.array([r[4] or "" for r in ordered])
        self.title = [r[5] for r in ordered]
        self.section = [r[6] for r in ordered]
        self.texts = [" ".join(part for part in r[6:] if part) for r in ordered]
        self.length = np.array([len(r[8].split()) for r in ordered])
        self.decisions = matching.Decisions.load()
        # Every reviewed pair, related and contrary too: what the review queue leaves out.
        self.reviewed = defaultdict(set)
        for pk, action_id in Link.objects.exclude(review=Link.Review.SUGGESTED).values_list(
            "recommendation_id", "action_id"
        ):
            if action_id in self.column:
                self.reviewed[pk].add(self.column[action_id])
        self.title_score = self._field_scores(self.title)
        self.section_score = self._field_scores(self.section)

    def _field_scores(self, texts):
        """BM25 of each recommendation against one field alone (a title or a heading)."""
        unique = sorted(set(texts))
        where = {text: i for i, text in enumerate(unique)}
        model = self.ranking.model
        counts = model.counts([((1, text),) for text in unique])
        width = len(model.vectorizer.vocabulary_)
        queries = self.ranking.recommendation_vectors[:, :width]
        scores = (queries @ model.action_vectors(counts).T).toarray()
        return scores[:, [where[text] for text in texts]]

    def row_of(self, code):
        return next(i for i, r in enumerate(self.recommendations) if r.code == code)


def trials(record, gold, split):
    """(row, hidden column, kept Decisions for the row, excluded columns) per hidden link."""
    for row, recommendation in enumerate(record.recommendations):
        expected = gold.get(recommendation.code)
        if not expected or matching.split_of(recommendation.code) != split:
            continue
        for hidden in sorted(expected):
            if hidden not in record.column:
                continue
            kept = matching.Decisions(
                {recommendation.pk: _without(record.decisions.accepted, recommendation, hidden)},
                {recommendation.pk: _without(record.decisions.rejected, recommendation, hidden)},
            )
            exclude = {record.column[a] for a in kept.action_ids() if a in record.column}
            yield row, record.column[hidden], kept, exclude


def feedback_scores(record, row, kept):
    feedback = matching.Feedback(record.ranking.model, [record.recommendations[row]], kept)
    return (feedback.matrix @ record.unit.T).toarray().ravel()


def accepted_columns(record, row, kept):
    pk = record.recommendations[row].pk
    return [record.column[a] for _, a in kept.accepted.get(pk, []) if a in record.column]


def rejected_columns(record, row, kept):
    pk = record.recommendations[row].pk
    return [record.column[a] for _, a in kept.rejected.get(pk, []) if a in record.column]


def summarise(positions):
    positions = np.asarray(positions)
    figures = {f"recall@{k}": float(np.mean(positions <= k)) for k in CUTOFFS}
    figures["mrr"] = float(np.mean(1 / positions))
    figures["median rank"] = float(np.median(positions))
    figures["links"] = len(positions)
    return figures


class Embeddings:
    def __init__(self, record):
        import wordllama
        from wordllama import WordLlama

        started = time.perf_counter()
        # The wheel ships the weights and tokenizer; pointing the cache at the package finds
        # both without the hub (0.4.0 looks for the tokenizer in "tokenizer/", ships "tokenizers/").
        self.model = WordLlama.load(
            cache_dir=Path(wordllama.__file__).parent, disable_download=True
        )
        self.load_seconds = time.perf_counter() - started
        cache = Path(os.environ.get("RECALL_EMBEDDINGS", "/tmp/recall_embeddings.npy"))
        started = time.perf_counter()
        if cache.exists() and np.load(cache, mmap_mode="r").shape[0] == len(record.texts):
            self.actions = np.load(cache)
        else:
            self.actions = self.model.embed(record.texts, norm=True, batch_size=256)
            self.actions = self.actions.astype(np.float32)
            np.save(cache, self.actions)
        self.embed_seconds = time.perf_counter() - started
        queries = [" ".join((r.title, r.statement, r.quote)) for r in record.recommendations]
        self.queries = self.model.embed(queries, norm=True).astype(np.float32)
        self.titles = self.model.embed(record.title, norm=True, batch_size=256).astype(np.float32)
        self.base = self.queries @ self.actions.T
        self.title_base = self.queries @ self.titles.T


def features(record, embeddings, row, kept, first_stage, columns):
    """One row of features per candidate column."""
    base = record.base[row, columns]
    feedback = first_stage[columns] - base
    accepted = accepted_columns(record, row, kept)
    rejected = rejected_columns(record, row, kept)
    document = record.document[columns]
    accepted_documents = set(record.document[accepted]) if accepted else set()
    rejected_documents = set(record.document[rejected]) if rejected else set()
    # Document-level evidence: the best base score of any action of the same document.
    best_in_document = defaultdict(float)
    for column in np.argsort(-record.base[row])[:2000]:
        d = record.document[column]
        best_in_document[d] = max(best_in_document[d], record.base[row, column])
    columns_rank = np.argsort(np.argsort(-first_stage[columns]))
    rows = [
        base,
        feedback,
        first_stage[columns],
        np.log1p(columns_rank),
        np.array([best_in_document.get(d, 0.0) for d in document]),
        np.array([d in accepted_documents for d in document], dtype=float),
        np.array([d in rejected_documents for d in document], dtype=float),
        (record.kind[columns] == "factsheet").astype(float),
        (record.subtype[columns] == "executive_order").astype(float),
        (record.subtype[columns] == "proclamation").astype(float),
        (record.subtype[columns] == "memorandum").astype(float),
        (record.subtype[columns] == "letter").astype(float),
        record.year[columns],
        np.array([a.startswith("biden") for a in record.administration[columns]], dtype=float),
        np.log1p(record.length[columns]),
        np.full(len(columns), len(accepted), dtype=float),
        record.title_score[row, columns],
        record.section_score[row, columns],
    ]
    unit = record.unit[columns]
    if accepted:
        cosine = (unit @ record.unit[accepted].T).toarray()
        rows += [cosine.max(axis=1), (cosine > 0.8).any(axis=1).astype(float)]
    else:
        rows += [np.zeros(len(columns)), np.zeros(len(columns))]
    if rejected:
        rows.append((unit @ record.unit[rejected].T).toarray().max(axis=1))
    else:
        rows.append(np.zeros(len(columns)))
    if embeddings is not None:
        action_vectors = embeddings.actions[columns]
        rows += [embeddings.base[row, columns], embeddings.title_base[row, columns]]
        if accepted:
            similarity = action_vectors @ embeddings.actions[accepted].T
            rows += [similarity.max(axis=1), similarity.mean(axis=1)]
        else:
            rows += [np.zeros(len(columns)), np.zeros(len(columns))]
        if rejected:
            rows.append((action_vectors @ embeddings.actions[rejected].T).max(axis=1))
        else:
            rows.append(np.zeros(len(columns)))
    return np.column_stack(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embeddings", action="store_true")
    parser.add_argument("--json")
    parser.add_argument("--analysis", help="write the misses' error analysis here (text)")
    arguments = parser.parse_args()

    record = Record()
    print(f"fit: {record.fit_seconds:.1f} s, {len(record.action_ids)} candidate actions")
    labels = {
        "curation": read_curation_labels(),
        "seed labels": read_labels(DEFAULT_LABELS)[0],
    }
    embeddings = None
    if arguments.embeddings:
        import resource

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        embeddings = Embeddings(record)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"wordllama: load {embeddings.load_seconds:.1f} s, embed {len(record.texts)} "
            f"actions {embeddings.embed_seconds:.1f} s, "
            f"peak RSS +{(after - before) / 1024:.0f} MB, "
            f"action matrix {embeddings.actions.nbytes / 2**20:.0f} MB"
        )

    report, chosen_on_curation, capped = {}, None, {}
    for name, gold in labels.items():
        per_split = {}
        for split in ("tune", "test"):
            per_split[split] = list(trials(record, gold, split))
        results = defaultdict(list)
        cold = defaultdict(list)
        training_x, training_y, training_groups = [], [], []
        boosted_positions = defaultdict(list)
        test_candidates = []
        for split, split_trials in per_split.items():
            for row, hidden, kept, exclude in split_trials:
                first_stage = record.base[row] + feedback_scores(record, row, kept)
                engine = rank_positions(first_stage, exclude)
                position = int(engine[hidden])
                if split == "test":
                    results["bm25 + feedback (engine)"].append(position)
                    results["bm25, no feedback"].append(
                        int(rank_positions(record.base[row], exclude)[hidden])
                    )
                    documents = document_rank(record, first_stage, exclude, hidden)
                    results["bm25 + feedback, document hit"].append(documents)
                    queue = exclude | (record.reviewed[record.recommendations[row].pk] - {hidden})
                    results["bm25 + feedback, every reviewed link out"].append(
                        int(rank_positions(first_stage, queue)[hidden])
                    )
                    boosted = document_boost(
                        record, row, kept, first_stage, queue, *rerank_weights()
                    )
                    results["+ document context, every reviewed link out"].append(
                        int(rank_positions(boosted, queue)[hidden])
                    )
                if embeddings is not None and split == "test":
                    semantic = embeddings.base[row].copy()
                    results["wordllama cosine"].append(
                        int(rank_positions(semantic, exclude)[hidden])
                    )
                    accepted = accepted_columns(record, row, kept)
                    if accepted:
                        semantic = semantic + 0.5 * (
                            embeddings.actions @ embeddings.actions[accepted].mean(axis=0)
                        )
                    semantic_rank = rank_positions(semantic, exclude)
                    results["wordllama + feedback"].append(int(semantic_rank[hidden]))
                    fused = 1 / (RRF_K + engine) + 1 / (RRF_K + semantic_rank)
                    results["rrf(bm25+fb, wordllama+fb)"].append(
                        int(rank_positions(fused, exclude)[hidden])
                    )
                for weights in DOCUMENT_GRID:
                    boosted = document_boost(record, row, kept, first_stage, exclude, *weights)
                    boosted_positions[(split, weights)].append(
                        int(rank_positions(boosted, exclude)[hidden])
                    )
                order = np.argsort(engine)[:CANDIDATES]
                x = features(record, embeddings, row, kept, first_stage, order)
                y = (order == hidden).astype(int)
                if split == "tune":
                    training_x.append(x)
                    training_y.append(y)
                    training_groups.append(row)
                else:
                    test_candidates.append((x, order, hidden, position))
        if per_split["tune"]:
            chosen = max(
                DOCUMENT_GRID,
                key=lambda w: objective(boosted_positions[("tune", w)]),
            )
            results[f"document boost {chosen} (tuned)"] = boosted_positions[("test", chosen)]
            chosen_on_curation = chosen_on_curation or chosen
            if chosen != chosen_on_curation:
                results[f"document boost {chosen_on_curation} (curation-tuned)"] = (
                    boosted_positions[("test", chosen_on_curation)]
                )
            for weights in DOCUMENT_GRID:
                print(
                    f"  document boost {weights}: "
                    f"tune {objective(boosted_positions[('tune', weights)]):.3f}"
                    f" test {objective(boosted_positions[('test', weights)]):.3f}"
                )
        for row, recommendation in enumerate(record.recommendations):
            expected = gold.get(recommendation.code)
            if not expected or matching.split_of(recommendation.code) != "test":
                continue
            columns = [record.column[a] for a in expected if a in record.column]
            positions = rank_positions(record.base[row], set())[columns]
            cold["success@k per recommendation, held out cold"].append(int(positions.min()))
            for k in (5, 10):
                hits, possible = capped.get((name, k), (0, 0))
                capped[(name, k)] = (
                    hits + int((positions <= k).sum()),
                    possible + min(k, len(columns)),
                )

        if training_x:
            x, y = np.vstack(training_x), np.concatenate(training_y)
            for model_name, model in {
                "rerank: logistic regression": make_pipeline(
                    StandardScaler(), LogisticRegression(max_iter=2000, C=1.0)
                ),
                "rerank: gradient boosting": HistGradientBoostingClassifier(
                    max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=0
                ),
            }.items():
                if y.sum() == 0:
                    continue
                model.fit(x, y)
                for features_x, order, hidden, position in test_candidates:
                    if hidden not in order:
                        results[model_name].append(position)
                        continue
                    probability = model.predict_proba(features_x)[:, 1]
                    reranked = order[np.argsort(-probability, kind="stable")]
                    results[model_name].append(int(np.where(reranked == hidden)[0][0]) + 1)
        report[name] = {method: summarise(p) for method, p in results.items()}
        report[name].update({method: summarise(p) for method, p in cold.items()})
        report[name]["recall capped at min(k, links), held out cold"] = {
            f"recall@{k}": capped[(name, k)][0] / capped[(name, k)][1] for k in (5, 10)
        }
        print(
            f"\n{name}: test split ({len(per_split['test'])} hidden links; tuning split "
            f"{len(per_split['tune'])})"
        )
        print(f"  {'method':44} " + " ".join(f"R@{k:<4}" for k in CUTOFFS) + "  MRR    median")
        for method, figures in report[name].items():
            if "mrr" not in figures:
                print(f"  {method:44} " + " ".join(f"{v:.3f}" for v in figures.values()))
                continue
            print(
                f"  {method:44} "
                + " ".join(f"{figures[f'recall@{k}']:.3f}" for k in CUTOFFS)
                + f"  {figures['mrr']:.3f}  {figures['median rank']:.0f}  ({figures['links']})"
            )
        if arguments.analysis and name == "curation":
            write_analysis(arguments.analysis, record, per_split["test"], embeddings)
    if arguments.json:
        Path(arguments.json).write_text(json.dumps(report, indent=2), encoding="utf-8")


# (weight of the best score in the action's document, bonus for a document already accepted)
DOCUMENT_GRID = [(a, b) for a in (0.0, 0.25, 0.5, 1.0) for b in (0.0, 0.05, 0.1, 0.2)]


def rerank_weights():
    return matching.PARAMS.document_weight, matching.PARAMS.accepted_document_bonus


def objective(positions):
    positions = np.asarray(positions)
    return float(np.mean(positions <= 5) + np.mean(positions <= 10) + np.mean(1 / positions))


def document_boost(record, row, kept, first_stage, exclude, document_weight, accepted_bonus):
    accepted = accepted_columns(record, row, kept)
    params = replace(
        matching.PARAMS, document_weight=document_weight, accepted_document_bonus=accepted_bonus
    )
    boosted, _ = record.ranking.documents.boost(
        first_stage, params, list(exclude), set(record.document[accepted].tolist())
    )
    return boosted


def document_rank(record, scores, exclude, hidden):
    """Rank of the hidden link's document when documents are ranked by their best action."""
    positions = rank_positions(scores, exclude)
    seen, target = [], record.document[hidden]
    for column in np.argsort(positions)[:5000]:
        document = record.document[column]
        if document not in seen:
            seen.append(document)
            if document == target:
                return len(seen)
    return 10**6


def write_analysis(path, record, test_trials, embeddings):
    lines, misses = [], defaultdict(int)
    for row, hidden, kept, exclude in test_trials:
        first_stage = record.base[row] + feedback_scores(record, row, kept)
        positions = rank_positions(first_stage, exclude)
        position = int(positions[hidden])
        top = np.argsort(positions)[:3]
        if position > 10:
            misses["misses"] += 1
            bucket = next(b for b in (20, 50, 100, 1000, 10**9) if position <= b)
            misses[f"rank <= {bucket}"] += 1
            misses[f"kind {record.kind[hidden]}/{record.subtype[hidden]}"] += 1
            misses[f"administration {record.administration[hidden]}"] += 1
            if record.base[row, hidden] == 0:
                misses["no shared feature with the recommendation (base score 0)"] += 1
            top10 = np.argsort(positions)[:10]
            if (record.document[top10] == record.document[hidden]).any():
                misses["another action of the same document is in the top 10"] += 1
            above = np.where(positions < position)[0]
            similarity = (record.unit[above] @ record.unit[hidden].T).toarray().ravel()
            if (similarity > 0.8).any():
                misses["a near-duplicate (tf-idf cosine > 0.8) ranks above it"] += 1
            if not accepted_columns(record, row, kept):
                misses["no other accepted link to learn from"] += 1
            if (
                embeddings is not None
                and rank_positions(embeddings.base[row], exclude)[hidden] <= 10
            ):
                misses["wordllama alone has it in the top 10"] += 1
        lines.append(
            f"{record.recommendations[row].code} | rank {position} "
            f"| base {record.base[row, hidden]:.3f} "
            f"| fb {first_stage[hidden] - record.base[row, hidden]:.3f} | {record.kind[hidden]}/"
            f"{record.subtype[hidden]} {record.year[hidden]:.0f} {record.administration[hidden]} "
            f"| accepted kept {len(accepted_columns(record, row, kept))}"
            + (
                f" | emb rank {int(rank_positions(embeddings.base[row], exclude)[hidden])}"
                if embeddings
                else ""
            )
            + f"\n    TITLE {record.title[hidden][:120]}\n    TEXT {record.texts[hidden][:300]}\n"
            + "".join(
                f"    top{i + 1} {first_stage[c]:.3f} {record.texts[c][:140]}\n"
                for i, c in enumerate(top)
            )
        )
    summary = [f"{key}: {value}" for key, value in sorted(misses.items())]
    Path(path).write_text("\n".join([*summary, "", *lines]), encoding="utf-8")
    print("\nmisses of the engine (rank > 10), test split:\n  " + "\n  ".join(summary))


if __name__ == "__main__":
    main()
