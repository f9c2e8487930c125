"""Learned re-ranker experiment (issue 11): does a classifier over the shipped top N pay?

Run against a copy of the whole-record database with the curation loaded:

    DATABASE_URL=sqlite:///record.sqlite3 SECRET_KEY=x DJANGO_SETTINGS_MODULE=bench.settings \
        PYTHONPATH=. nice -n 10 .venv/bin/python -m bench.rerank --cache trials.pickle \
        [--folds 5 10 0] [--seed S] [--only "logistic regression"] [--json FILE]

The first run ranks every trial through `Ranking.ranked` exactly as
`evaluate_held_out(protocol="link")` does and writes them to `--cache` (about 4 CPU minutes
on the record, 40 MB); later runs read the cache and only train and score re-rankers (the
logistic regressions a few CPU seconds each, the boosted ones minutes). `--folds` are the
cross-validations over all recommendations (0: one recommendation out), `--seed` draws the
unreviewed negatives, `--only` keeps the variants whose name holds it.

A trial is one recommendation with one decided or labelled action hidden: the action leaves
the recommendation's feedback, accepted documents and reviewed pairs; every other pair the
recommendation reviewed leaves the ranking, the other recommendations' accepted links are
peer evidence. Trials hide each evidence link (implements, partial), each rejection, each
contrary link and each seed label. Each keeps the shipped top `TOP` with one row of features
per candidate (the shipped score and its parts, rank, shared features and concepts, the
document's kind, subtype, administration and date, the action's place in it, its length, the
recommendation's other decisions in the document, ...), computed with the hidden action
hidden. A re-ranker reorders the shipped top N (100 or 300) of a trial; an action beyond N
keeps its shipped rank, so the candidates and label sets are those of the command.

Training examples come from the trials of other recommendations only: the hidden action of
each (positive when it is an evidence link, negative when it was rejected; related and
contrary links are left out) and unreviewed candidates of its top N as negatives. So a
hidden link's own decision never reaches its features or its re-ranker's training. (As in
the shipped evaluation, other recommendations' decisions, including the measured one's, are
peer evidence of the training trials.) It prints, for each variant (logistic regression or
gradient boosting, N, negatives), the tuning half read with a re-ranker trained on the test
half and the reverse, and K-fold cross-validation over recommendations; the shipped row
first, which reproduces the command's.
"""

import argparse
import functools
import json
import os
import pickle
import time
from collections import defaultdict
from datetime import date

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()

import numpy as np  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from bench.reasons import objective  # noqa: E402
from bench.reasons import rank_figures as figures  # noqa: E402
from tracker import matching  # noqa: E402
from tracker.management.commands.evaluate_suggestions import (  # noqa: E402
    DEFAULT_LABELS,
    read_curation_labels,
    read_labels,
)
from tracker.matching import instances  # noqa: E402
from tracker.matching.evaluation import MISSED, _without  # noqa: E402
from tracker.matching.suggestions import _reviewed_pairs  # noqa: E402
from tracker.models import Action, Document, Link  # noqa: E402

TOP = 300
UNREVIEWED = 50  # unreviewed negatives drawn from each evidence trial
INAUGURATION = date(2021, 1, 20)
SUBTYPES = [s.value for s in Document.Subtype]
FEATURES = [
    "score", "rank", "log rank", "score / best", "bm25", "rocchio accepted", "rocchio rejected",
    "document share", "accepted document", "peers", "instances", "nearest accepted",
    "nearest rejected", "shared features", "shared concepts", "fact sheet",
    *(f"subtype {s}" for s in SUBTYPES), "biden", "years since 2021-01-20",
    "place in document", "log actions in document", "lead-in", "section", "log length",
    "accepted in document", "rejected in document", "accepted by others", "rejected by others",
]  # fmt: skip


class Record:
    """The shipped fit, decisions and per-action facts, read once."""

    def __init__(self):
        self.ranking = matching.rank(decisions=matching.Decisions({}, {}))
        self.params = self.ranking.params
        self.decisions = matching.Decisions.load()
        self.ranking = self.ranking.with_peers(self.decisions)
        self.model = self.ranking.model
        width = len(self.model.vectorizer.vocabulary_)
        self.present = self.ranking.action_vectors[:, :width].tocsr()
        self.present.data[:] = 1
        concept = np.array(
            [f.startswith("concept:") for f in self.model.vectorizer.get_feature_names_out()]
        )
        self.concept = concept.astype(np.float32)
        self.units = self.ranking.action_units
        self.reviewed = _reviewed_pairs()
        self.static = self._static()
        self.links = defaultdict(list)  # {action id: [(recommendation id, review)]}
        for pk, action_id, review in Link.objects.exclude(review=Link.Review.SUGGESTED).values_list(
            "recommendation_id", "action_id", "review"
        ):
            self.links[action_id].append((pk, review))

    def _static(self):
        """Per column: the action's and its document's facts (FEATURES from "fact sheet")."""
        ids = self.ranking.action_ids.tolist()
        rows = dict(
            (pk, rest)
            for pk, *rest in Action.objects.filter(pk__in=ids).values_list(
                "pk",
                "position",
                "lead_in",
                "section",
                "text",
                "factsheet__kind",
                "factsheet__subtype",
                "factsheet__administration__slug",
                "factsheet__published",
            )
        )
        documents = self.ranking.documents
        sizes = np.diff(np.append(documents.starts, len(documents)))[documents.run_of]
        place = np.arange(len(ids)) - documents.starts[documents.run_of]
        static = []
        for column, pk in enumerate(ids):
            _, lead_in, section, text, kind, subtype, administration, published = rows[pk]
            static.append(
                [
                    kind == Document.Kind.FACTSHEET,
                    *(subtype == s for s in SUBTYPES),
                    "biden" in (administration or ""),
                    (published - INAUGURATION).days / 365.25,
                    place[column] / max(sizes[column] - 1, 1),
                    np.log(sizes[column]),
                    bool(lead_in),
                    bool(section),
                    np.log(1 + len(text)),
                ]
            )
        return np.array(static, dtype=np.float64)

    def trial(self, row, recommendation, hidden):
        """One hidden action, ranked as `evaluate_held_out` ranks it: (hidden's shipped rank,
        top ids, their features, hidden's features)."""
        ranking, decisions = self.ranking, self.decisions
        kept = matching.Decisions(
            {recommendation.pk: _without(decisions.accepted, recommendation, hidden)},
            {recommendation.pk: _without(decisions.rejected, recommendation, hidden)},
        )
        feedback = matching.Feedback(self.model, [recommendation], kept)
        width = feedback.matrix.shape[1]
        base = ranking.scores(row)
        scores = base + (feedback.matrix @ ranking.action_vectors[:, -width:].T).toarray().ravel()
        exclude = self.reviewed.get(recommendation.pk, set()) - {hidden}
        accepted = kept.accepted_links().get(recommendation.pk, {})
        ranked = ranking.ranked(
            scores, len(scores), exclude, accepted, recommendation_id=recommendation.pk
        )
        ids = [a for a, _, _ in ranked]
        final = np.array([s for _, s, _ in ranked])
        rank_of_hidden = ids.index(hidden) + 1 if hidden in ids else MISSED
        top = min(TOP, len(ids))
        columns = [ranking.column[a] for a in ids[:top]]
        ranks, finals = list(range(1, top + 1)), final[:top].tolist()
        beyond = TOP < rank_of_hidden < MISSED  # ranked, below the top: its row apart
        if beyond:
            columns.append(ranking.column[hidden])
            ranks.append(rank_of_hidden)
            finals.append(final[rank_of_hidden - 1])
        features = self._features(
            row, recommendation, kept, scores, base, exclude, accepted,
            np.array(columns, dtype=np.int64), np.array(ranks, dtype=np.float64),
            np.array(finals), final[0] if len(final) else 1.0,
        )  # fmt: skip
        return rank_of_hidden, ids[:top], features[:top], features[-1] if beyond else None

    def _features(self, row, recommendation, kept, scores, base, exclude, accepted, columns,
                  ranks, finals, best):  # fmt: skip
        ranking, params = self.ranking, self.params
        pk = recommendation.pk
        cos = {}
        for kind, decided in (("accepted", kept.accepted), ("rejected", kept.rejected)):
            actions = [ranking.column[a] for _, a in decided.get(pk, []) if a in ranking.column]
            cos[kind] = (
                (self.units[actions] @ self.units[columns].T).toarray().T
                if actions
                else np.zeros((len(columns), 0))
            )

        def mean(kind):
            return cos[kind].mean(axis=1) if cos[kind].shape[1] else np.zeros(len(columns))

        def nearest(kind):
            return cos[kind].max(axis=1) if cos[kind].shape[1] else np.zeros(len(columns))

        lifts = (
            instances.nearest_mean(cos["accepted"], [0])[:, 0]
            if cos["accepted"].shape[1]
            else np.zeros(len(columns))
        )
        documents = ranking.documents
        lending = np.maximum(scores, 0.0)
        excluded = [ranking.column[a] for a in exclude if a in ranking.column]
        lending[excluded] = 0.0
        share = params.document_weight * np.maximum.reduceat(lending, documents.starts)
        doc = documents.document_ids[columns]
        accepted_docs = {ranking.document_of(a) for a in accepted}
        rejected_docs = [ranking.document_of(a) for _, a in kept.rejected.get(pk, [])]
        peer_columns, sums = ranking.peers.evidence(pk)
        peer = dict(zip(peer_columns.tolist(), sums.tolist(), strict=True))
        query = ranking.recommendation_vectors[row, : self.present.shape[1]].toarray().ravel() > 0
        shared = self.present[columns] @ np.stack([query, query * self.concept], axis=1)
        others = [[(p, r) for p, r in self.links[int(ranking.action_ids[c])] if p != pk]
                  for c in columns]  # fmt: skip
        own = np.column_stack(
            [
                finals,
                ranks,
                np.log(ranks),
                finals / best if best > 0 else finals,
                base[columns],
                params.accepted_weight * mean("accepted"),
                -params.rejected_weight * mean("rejected"),
                share[documents.run_of[columns]],
                [d in accepted_docs for d in doc],
                [params.peer_weight * peer.get(int(c), 0.0) for c in columns],
                params.instance_weight * lifts,
                nearest("accepted"),
                nearest("rejected"),
                shared,
                self.static[columns],
                [sum(ranking.document_of(a) == d for a in accepted) for d in doc],
                [rejected_docs.count(d) for d in doc],
                [sum(r == Link.Review.ACCEPTED for _, r in o) for o in others],
                [sum(r == Link.Review.REJECTED for _, r in o) for o in others],
            ]
        )
        return own.astype(np.float32)


def collect(path):
    """Rank every trial once and pickle them: [{code, split, hidden, labels, rank, ids,
    features, hidden features}]."""
    started = time.process_time()
    record = Record()
    print(f"fit {time.process_time() - started:.0f} CPU s", flush=True)
    labels = {
        "curation": read_curation_labels(),
        "contrary": read_curation_labels(relations=("contrary",)),
        "seeds": read_labels(DEFAULT_LABELS)[0],
    }
    trials = []
    for row, recommendation in enumerate(record.ranking.recommendations):
        pk, code = recommendation.pk, recommendation.code
        decided = {a: "accepted" for _, a in record.decisions.accepted.get(pk, [])}
        decided |= {a: "rejected" for _, a in record.decisions.rejected.get(pk, [])}
        hidden_ids = set(decided) | {a for gold in labels.values() for a in gold.get(code, ())}
        for hidden in sorted(hidden_ids):
            rank, ids, features, hidden_features = record.trial(row, recommendation, hidden)
            trials.append(
                {
                    "code": code,
                    "split": matching.split_of(code),
                    "hidden": hidden,
                    "decision": decided.get(hidden),
                    "labels": [
                        name for name, gold in labels.items() if hidden in gold.get(code, ())
                    ],
                    "rank": rank,
                    "ids": ids,
                    "features": features,
                    "hidden features": hidden_features,
                }
            )
        print(f"{code}: {len(hidden_ids)} trials, {time.process_time() - started:.0f} CPU s",
              flush=True)  # fmt: skip
    with open(path, "wb") as out:
        pickle.dump(trials, out)
    return trials


def learners():
    return {
        "logistic regression": lambda: make_pipeline(
            StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)
        ),
        "gradient boosting": lambda: HistGradientBoostingClassifier(
            max_iter=150,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            l2_regularization=1.0,
            random_state=0,
        ),
    }


def training_set(trials, codes, top, negatives, seed=0):
    """(X, y, weights) from the trials of the recommendations `codes`: each hidden evidence
    link a positive; `negatives` "rejected" (each hidden rejection), "unreviewed" (`UNREVIEWED`
    unreviewed actions of each evidence trial's top `top`, drawn at random) or both. Classes
    weigh the same in total."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for trial in trials:
        if trial["code"] not in codes or trial["decision"] is None:
            continue
        evidence = "curation" in trial["labels"]
        if not evidence and (trial["decision"] != "rejected" or negatives == "unreviewed"):
            continue  # related and contrary links are neither
        if trial["rank"] <= len(trial["features"]):
            rows.append(trial["features"][trial["rank"] - 1])
        elif trial["hidden features"] is not None:
            rows.append(trial["hidden features"])
        else:
            continue  # not ranked at all (no positive score)
        labels.append(evidence)
        if evidence and negatives != "rejected":
            others = [i for i, a in enumerate(trial["ids"][:top]) if a != trial["hidden"]]
            for i in rng.choice(others, size=min(UNREVIEWED, len(others)), replace=False):
                rows.append(trial["features"][i])
                labels.append(False)
    X, y = np.array(rows), np.array(labels)
    weights = np.where(y, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    return X, y, weights


def reranked(trial, classifier, top):
    """The hidden action's rank after `classifier` reorders the shipped top `top`."""
    if trial["rank"] > top:
        return trial["rank"]
    features = trial["features"][:top]
    probability = classifier.predict_proba(features)[:, 1]
    order = np.lexsort((np.arange(len(features)), -probability))
    return int(np.flatnonzero(order == trial["rank"] - 1)[0]) + 1


def evaluate(trials, train_codes_of, measured_codes, variant, seed=0):
    """{label set: figures} of `variant` over the links of `measured_codes`, each read with a
    re-ranker trained on `train_codes_of(code)`'s trials (None: the shipped ranks); `seed`
    draws the unreviewed negatives."""
    ranks = defaultdict(list)
    classifiers = {}
    for trial in trials:
        if trial["code"] not in measured_codes or not trial["labels"]:
            continue
        rank = trial["rank"]
        if variant:
            learner, top, negatives = variant
            codes = frozenset(train_codes_of(trial["code"]))
            if codes not in classifiers:
                X, y, weights = training_set(trials, codes, top, negatives, seed)
                classifier = learners()[learner]()
                step = "logisticregression__" if learner.startswith("logistic") else ""
                classifiers[codes] = classifier.fit(X, y, **{f"{step}sample_weight": weights})
            rank = reranked(trial, classifiers[codes], top)
        for name in trial["labels"]:
            ranks[name].append(rank)
    return {name: figures(found) for name, found in sorted(ranks.items())}


def folds(codes, k):
    """K folds of recommendation codes, fixed by their SHA-256 order (0: one out)."""
    ordered = sorted(codes, key=lambda c: matching.evaluation.hashlib.sha256(c.encode()).digest())
    k = k or len(ordered)
    return [set(ordered[i::k]) for i in range(k)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", required=True, help="Pickle of the trials (made if missing).")
    parser.add_argument("--folds", type=int, nargs="+", default=[5])
    parser.add_argument("--json", dest="json_path")
    parser.add_argument("--only", default="", help="Only the variants whose name holds this.")
    parser.add_argument("--seed", type=int, default=0, help="Draw of the unreviewed negatives.")
    args = parser.parse_args()
    if os.path.exists(args.cache):
        with open(args.cache, "rb") as cached:
            trials = pickle.load(cached)
    else:
        trials = collect(args.cache)
    codes = {t["code"] for t in trials}
    halves = {h: {c for c in codes if matching.split_of(c) == h} for h in ("tune", "test")}
    variants = {"shipped": None} | {
        f"{learner}, top {top}, {negatives} negatives": (learner, top, negatives)
        for learner in learners()
        for top in (100, 300)
        for negatives in ("rejected", "unreviewed", "rejected and unreviewed")
    }
    variants = {n: v for n, v in variants.items() if v is None or args.only in n}
    run = functools.partial(evaluate, seed=args.seed)
    results = {}
    for name, variant in variants.items():
        started = time.process_time()
        tuning = folds(halves["tune"], 5)
        tuning_fold = {c: i for i, fold in enumerate(tuning) for c in fold}
        result = {
            "tuning half, 5-fold within it": run(
                trials, lambda c, s=tuning, f=tuning_fold: halves["tune"] - s[f[c]], halves["tune"],
                variant),
            "tuning half (trained on the test half)": run(
                trials, lambda c: halves["test"], halves["tune"], variant),
            "test half (trained on the tuning half)": run(
                trials, lambda c: halves["tune"], halves["test"], variant),
        }  # fmt: skip
        for k in args.folds:
            split = folds(codes, k)
            fold_of = {c: i for i, fold in enumerate(split) for c in fold}
            result[f"{k or 'one-out'}-fold, all links"] = run(
                trials, lambda c, s=split, f=fold_of: codes - s[f[c]], codes, variant
            )
        results[name] = result
        print(f"\n{name} ({time.process_time() - started:.0f} CPU s)")
        for protocol, by_labels in result.items():
            cells = "  ".join(
                f"{labels} {f['recall@5']:.3f}/{f['recall@10']:.3f}/{f['mrr']:.3f} ({f['links']})"
                for labels, f in by_labels.items()
            )
            print(f"  {protocol:40} {cells}", flush=True)
    chosen = max(  # the shipped engine first: a tie keeps it
        results,
        key=lambda name: objective(results[name]["tuning half, 5-fold within it"]["curation"]),
    )
    print(f"\nchosen on the tuning half (5-fold within it, curation R@5 + R@10 + MRR): {chosen}")
    for name in dict.fromkeys(("shipped", chosen)):
        for protocol, by_labels in results[name].items():
            print(f"  {name:60} {protocol:40} {objective(by_labels['curation']):.3f}")
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
