"""Ranking-quality experiment (issue 11): editors' reasons, pseudo-relevance feedback and more.

Run against a copy of the whole-record database with the curation loaded:

    DATABASE_URL=sqlite:///record.sqlite3 SECRET_KEY=x DJANGO_SETTINGS_MODULE=bench.settings \
        PYTHONPATH=. nice -n 10 .venv/bin/python -m bench.reasons [--families ...] [--json FILE] \
        [--cross-validate K ...]

Same protocol as `evaluate_held_out(protocol="link")` and through the same `Ranking.ranked`
(its "shipped" row reproduces the command's figures): each labelled link is hidden in turn,
the recommendation keeps its other decisions; each family's weight is chosen on the curation's
tuning half (R@5 + R@10 + MRR), then reported on the test half of the curation and of the seed
labels. The hidden link's own data never reaches the ranking: its reason and its relation
leave with it (by action, so a seed label that is also a link loses its reason as well).

With `--cross-validate K [K ...]`, every variant is ranked on both halves once, then each is
chosen and read by cross-validation: on the tuning half and read on the test half, the other
way round, and by K-fold over recommendations (0: one recommendation out at a time), a tie
keeping the shipped engine. It prints every variant on both halves and the links each chosen
variant moves. The 32 links of the tuning half alone cannot tell a small term from none.

Families, each added to the shipped scores before document context, like Rocchio feedback:
- reasons: the editors' reasons of the recommendation's other accepted links, as one BM25
  query ("concat"), as the best of one BM25 query per reason ("max"), or as the cosine to
  their TF-IDF unit ("cos"); of evidence links only, or of every accepted link;
- prf: RM3-like pseudo-relevance feedback, the cosine to the centroid of the shipped
  ranking's top m unreviewed actions, for recommendations with at most `few` evidence links;
- related: the recommendation's related (and contrary) accepted actions as instances and
  accepted documents, or as a Rocchio centroid; every accepted link as peer evidence;
- fields: the recommendation's BM25 score against the action's document title, or its section
  heading, alone;
- documents: a bonus growing with the number of accepted actions in the action's document
  (also added after document context, so that it is not lent to the document's best).
"""

import argparse
import copy
import hashlib
import json
import os
import time
from collections import defaultdict

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.preprocessing import normalize  # noqa: E402

from tracker import matching  # noqa: E402
from tracker.management.commands.evaluate_suggestions import (  # noqa: E402
    DEFAULT_LABELS,
    read_curation_labels,
    read_labels,
)
from tracker.matching.evaluation import MISSED, _without  # noqa: E402
from tracker.matching.suggestions import _reviewed_pairs  # noqa: E402
from tracker.models import Action, Link  # noqa: E402

WEIGHTS = (0.05, 0.1, 0.25, 0.5, 1.0)


def reason_links():
    """{recommendation id: [(action id, relation, reason)]} of the accepted links."""
    by = defaultdict(list)
    rows = Link.objects.filter(review=Link.Review.ACCEPTED).order_by("pk")
    for pk, action_id, relation, reason in rows.values_list(
        "recommendation_id", "action_id", "relation", "reason"
    ):
        by[pk].append((action_id, relation, reason))
    return by


class Experiment:
    def __init__(self):
        started = time.perf_counter()
        self.ranking = matching.rank(decisions=matching.Decisions({}, {}))
        self.params = self.ranking.params
        self.decisions = matching.Decisions.load()
        self.ranking = self.ranking.with_peers(self.decisions)
        self.model = self.ranking.model
        self.width = len(self.model.vectorizer.vocabulary_)
        self.base_actions = self.ranking.action_vectors[:, : self.width].tocsr()
        self.units = self.ranking.action_units
        self.reviewed = _reviewed_pairs()
        self.reasons = reason_links()
        # Peer evidence from every accepted link, related and contrary ones too.
        links = {
            pk: dict.fromkeys((action_id for action_id, _, _ in kept), 0)
            for pk, kept in self.reasons.items()
        }
        self.row_of = {r.pk: row for row, r in enumerate(self.ranking.recommendations)}
        self.field_vectors = {}
        for field in ("factsheet__title", "section"):
            values = dict(
                Action.objects.filter(pk__in=self.ranking.action_ids.tolist()).values_list(
                    "pk", field
                )
            )
            texts = [values[int(a)] or "" for a in self.ranking.action_ids]
            unique = sorted(set(texts))
            where = {text: i for i, text in enumerate(unique)}
            vectors = self.model.action_vectors(self.model.counts([((1, t),) for t in unique]))
            self.field_vectors[field] = (vectors, np.array([where[t] for t in texts]))
        self.wide_peers = self.ranking.with_peers(self.decisions)
        self.wide_peers.peers = matching.Peers(
            self.model.similarity_units(self.ranking.recommendation_vectors[:, : self.width]),
            self.ranking.recommendations,
            links,
            self.ranking.column,
        )
        print(f"fit {time.perf_counter() - started:.0f} s", flush=True)

    def trials(self, gold, split=None):
        """(recommendation, hidden action id, scores, exclude, accepted) per hidden link, of
        the recommendations of `split` (by default both halves)."""
        ranking = self.ranking
        for row, recommendation in enumerate(ranking.recommendations):
            expected = gold.get(recommendation.code)
            if not expected or split not in (None, matching.split_of(recommendation.code)):
                continue
            base = ranking.scores(row)
            for hidden in sorted(expected):
                kept = matching.Decisions(
                    {recommendation.pk: _without(self.decisions.accepted, recommendation, hidden)},
                    {recommendation.pk: _without(self.decisions.rejected, recommendation, hidden)},
                )
                feedback = matching.Feedback(self.model, [recommendation], kept)
                width = feedback.matrix.shape[1]
                unit = ranking.action_vectors[:, -width:]
                scores = base + (feedback.matrix @ unit.T).toarray().ravel()
                exclude = self.reviewed.get(recommendation.pk, set()) - {hidden}
                accepted = kept.accepted_links().get(recommendation.pk, {})
                yield recommendation, hidden, scores, exclude, accepted

    def reason_scores(self, recommendation, hidden, relations, mode):
        texts = [
            reason
            for action_id, relation, reason in self.reasons.get(recommendation.pk, [])
            if action_id != hidden and relation in relations and reason.strip()
        ]
        if not texts:
            return None
        if mode == "concat":
            counts = self.model.counts([" ".join(texts)])
            query = self.model.query_vectors(counts)
            return (query @ self.base_actions.T).toarray().ravel()
        if mode == "max":
            query = self.model.query_vectors(self.model.counts(texts))
            return (query @ self.base_actions.T).toarray().max(axis=0)
        counts = self.model.counts([" ".join(texts)])
        return (self.model.unit(counts) @ self.units.T).toarray().ravel()

    def prf_scores(self, scores, exclude, accepted, recommendation, m):
        top = self.ranking.ranked(scores, m, exclude, accepted, recommendation_id=recommendation.pk)
        columns = [self.ranking.column[a] for a, _, _ in top]
        if not columns:
            return None
        centroid = sparse.csr_matrix(self.units[columns].mean(axis=0))
        centroid = normalize(centroid)
        return (centroid @ self.units.T).toarray().ravel()


def positions(experiment, gold, split, variants):
    """[(recommendation code, {variant name: rank of the hidden action})] per hidden link of
    `split` (None: both halves); every variant sees the same trials."""
    found = []
    for recommendation, hidden, scores, exclude, accepted in experiment.trials(gold, split):
        cache = {}
        ranks = {}
        for name, extra in variants.items():
            lifted = extra(experiment, recommendation, hidden, scores, exclude, accepted, cache)
            if isinstance(lifted, tuple):
                lifted, given, ranking = lifted
            else:
                given, ranking = accepted, experiment.ranking
            ranked = ranking.ranked(
                lifted,
                len(lifted),
                exclude,
                given,
                recommendation_id=recommendation.pk,
            )
            ranks[name] = next((i for i, (a, _, _) in enumerate(ranked, 1) if a == hidden), MISSED)
        found.append((recommendation.code, ranks))
    return found


def figures(found, name):
    """Recall@5, recall@10 and MRR of variant `name` over `found` (`positions`' links)."""
    return rank_figures([by_name[name] for _, by_name in found])


def rank_figures(ranks):
    """Recall@5, recall@10 and MRR of hidden links found at `ranks` (MISSED: not ranked)."""
    total = len(ranks) or 1
    return {
        "links": len(ranks),
        "recall@5": sum(r <= 5 for r in ranks) / total,
        "recall@10": sum(r <= 10 for r in ranks) / total,
        "mrr": sum(1 / r for r in ranks if r < MISSED) / total,
    }


def measure(experiment, gold, split, variants):
    """{variant name: figures} over the trials of `split`."""
    found = positions(experiment, gold, split, variants)
    return {name: figures(found, name) for name in variants}


EVIDENCE = ("implements", "partial")
ACCEPTED = ("implements", "partial", "related", "contrary")


def shipped(*args):
    return args[3]


def with_reasons(relations, mode, weight):
    def extra(experiment, recommendation, hidden, scores, exclude, accepted, cache):
        key = ("reasons", relations, mode)
        if key not in cache:
            cache[key] = experiment.reason_scores(recommendation, hidden, relations, mode)
        found = cache[key]
        return scores if found is None else scores + weight * found

    return extra


def with_prf(m, few, weight):
    def extra(experiment, recommendation, hidden, scores, exclude, accepted, cache):
        if len(accepted) > few:
            return scores
        key = ("prf", m)
        if key not in cache:
            cache[key] = experiment.prf_scores(scores, exclude, accepted, recommendation, m)
        found = cache[key]
        return scores if found is None else scores + weight * found

    return extra


def other_accepted(recommendation, hidden, experiment, relations):
    return {
        action_id: 0
        for action_id, relation, _ in experiment.reasons.get(recommendation.pk, [])
        if action_id != hidden and relation in relations
    }


def with_related(relations, bonus, rocchio, wide_peers):
    """Related (and contrary) accepted actions as instances and accepted documents (`bonus`),
    as a Rocchio centroid (`rocchio` weight), and/or every accepted link as peer evidence."""

    def extra(experiment, recommendation, hidden, scores, exclude, accepted, cache):
        others = other_accepted(recommendation, hidden, experiment, relations)
        given = dict(accepted)
        if bonus:
            for action_id in others:
                given.setdefault(action_id, 0)
        if rocchio and others:
            columns = [
                experiment.ranking.column[a] for a in others if a in experiment.ranking.column
            ]
            if columns:
                centroid = sparse.csr_matrix(experiment.units[columns].mean(axis=0))
                scores = scores + rocchio * (centroid @ experiment.units.T).toarray().ravel()
        ranking = experiment.wide_peers if wide_peers else experiment.ranking
        return scores, given, ranking

    return extra


def with_field(field, weight):
    """The recommendation's BM25 score against one field of the action alone (the title of its
    document, or its section heading)."""

    def extra(experiment, recommendation, hidden, scores, exclude, accepted, cache):
        if field not in cache:
            vectors, index = experiment.field_vectors[field]
            query = experiment.ranking.recommendation_vectors[
                experiment.row_of[recommendation.pk], : experiment.width
            ]
            cache[field] = (query @ vectors.T).toarray().ravel()[index]
        return scores + weight * cache[field]

    return extra


def with_document_count(weight, shape, lent=True):
    """A bonus growing with the number of the recommendation's accepted actions in the
    action's document (the shipped bonus is the same for one or seven): none for one, then
    `weight` x log(n) or x (n - 1). `lent`: added before document context, so that it also
    raises the document's best score, which every action of the document gets a share of;
    else added after it, to the document's actions only."""

    def extra(experiment, recommendation, hidden, scores, exclude, accepted, cache):
        ranking = experiment.ranking
        documents = [ranking.document_of(a) for a in accepted]
        found, counts = np.unique([d for d in documents if d is not None], return_counts=True)
        if not len(found):
            return scores
        lift = {"log": np.log(counts), "linear": counts - 1.0}[shape]
        at = np.searchsorted(found, ranking.documents.document_ids)
        at = np.minimum(at, len(found) - 1)
        hit = found[at] == ranking.documents.document_ids
        by_column = weight * np.where(hit, lift[at], 0.0)
        if lent:
            return scores + by_column
        after = copy.copy(ranking)
        after.documents = _AfterContext(ranking.documents, by_column)
        return scores, accepted, after

    return extra


class _AfterContext:
    """A ranking's `Documents` whose boosted scores gain a fixed lift per column after
    document context (what each action lends its document is unchanged)."""

    def __init__(self, documents, lift):
        self.documents, self.lift = documents, lift

    def boost(self, scores, params, exclude=(), accepted_documents=()):
        boosted, lending = self.documents.boost(scores, params, exclude, accepted_documents)
        return boosted + self.lift, lending

    def __getattr__(self, name):
        return getattr(self.documents, name)


def reasons_family():
    found = {}
    for relations, label in ((EVIDENCE, "evidence"), (ACCEPTED, "accepted")):
        for mode in ("concat", "max", "cos"):
            for weight in WEIGHTS:
                found[f"reasons {label} {mode} {weight}"] = with_reasons(relations, mode, weight)
    return found


def prf_family():
    found = {}
    for m in (3, 10):
        for few in (0, 2, 1000):
            for weight in (0.1, 0.25, 0.5):
                found[f"prf top{m} few<={few} {weight}"] = with_prf(m, few, weight)
    return found


def related_family():
    found = {}
    for relations in (("related",), ("related", "contrary")):
        label = "+".join(relations)
        found[f"{label} as instances and documents"] = with_related(relations, True, 0, False)
        for weight in (0.1, 0.25):
            found[f"{label} rocchio {weight}"] = with_related(relations, False, weight, False)
    found["every accepted link as peer evidence"] = with_related((), False, 0, True)
    found["related as instances + every accepted link as peers"] = with_related(
        ("related",), True, 0, True
    )
    return found


def fields_family():
    return {
        f"field {field} {weight}": with_field(field, weight)
        for field in ("factsheet__title", "section")
        for weight in (0.05, 0.1, 0.25, 0.5)
    }


def documents_family():
    return {
        f"document count {shape}{'' if lent else ' after context'} {weight}": (
            with_document_count(weight, shape, lent)
        )
        for lent in (True, False)
        for shape in ("log", "linear")
        for weight in (0.01, 0.02, 0.03, 0.05, 0.1)
    }


FAMILIES = {
    "reasons": reasons_family,
    "prf": prf_family,
    "related": related_family,
    "fields": fields_family,
    "documents": documents_family,
}


def objective(figures):
    return figures["recall@5"] + figures["recall@10"] + figures["mrr"]


def best_variant(found, names):
    """The variant of `names` with the best objective over `found`; a tie keeps the earlier
    name (the shipped engine first), so an addition must win to be chosen."""
    best = names[0]
    for name in names[1:]:
        if objective(figures(found, name)) > objective(figures(found, best)) + 1e-9:
            best = name
    return best


def fold_of(code, folds):
    """A recommendation's fold among `folds`, by the SHA-256 of its code (its second byte:
    the first gives the tuning and test halves); 0 folds: one per recommendation."""
    if not folds:
        return code
    return hashlib.sha256(code.encode()).digest()[1] % folds


def halves(found):
    """`found` split into the tuning and the test half."""
    return {
        half: [(c, r) for c, r in found if matching.split_of(c) == half]
        for half in ("tune", "test")
    }


def two_fold(found, seeds, names):
    """The variant chosen on one half of the curation, read on the other half of both label
    sets, each way. `found` and `seeds` are `positions` over both halves."""
    curation, seed_halves = halves(found), halves(seeds)
    result = []
    for chosen_on, read_on in (("tune", "test"), ("test", "tune")):
        chosen = best_variant(curation[chosen_on], names)
        row = {"chosen on": chosen_on, "read on": read_on, "chosen": chosen}
        for label, links in (
            ("curation", curation[read_on]),
            ("seed labels", seed_halves[read_on]),
        ):
            row[label] = {name: figures(links, name) for name in dict.fromkeys((names[0], chosen))}
        result.append(row)
    return result


def k_fold(found, seeds, names, folds):
    """K-fold over recommendations (`folds`, 0 for one recommendation out at a time): for each
    fold, the variant is chosen on the curation's other folds and its ranks in that fold are
    kept; the kept ranks of every fold are read as one set, beside the shipped engine's."""
    held = {"curation": [], "seed labels": []}
    choices = {}
    for fold in sorted({fold_of(c, folds) for c, _ in found + seeds}, key=str):
        chosen = best_variant([(c, r) for c, r in found if fold_of(c, folds) != fold], names)
        choices[str(fold)] = chosen
        for label, links in (("curation", found), ("seed labels", seeds)):
            held[label] += [
                (c, {"cross-validated": r[chosen], names[0]: r[names[0]]})
                for c, r in links
                if fold_of(c, folds) == fold
            ]
    return {
        "folds": folds,
        "choices": choices,
        **{
            label: {name: figures(links, name) for name in ("cross-validated", names[0])}
            for label, links in held.items()
        },
    }


def row(figures_by_label):
    return " | ".join(
        f"{f['recall@5']:.3f} / {f['recall@10']:.3f} / {f['mrr']:.3f}" for f in figures_by_label
    )


def print_cross_validation(found, seeds, names, two, k_folds):
    curation, seed_halves = halves(found), halves(seeds)
    print(
        f"\nEvery variant (curation: tuning half {len(curation['tune'])} links, test half "
        f"{len(curation['test'])}; seed labels {len(seed_halves['tune'])} / "
        f"{len(seed_halves['test'])})"
    )
    print(
        "| variant | curation tune obj. | curation test obj. | curation tune R@5 / R@10 / MRR"
        " | curation test | seeds tune | seeds test |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in names:
        parts = [
            figures(links[h], name) for links in (curation, seed_halves) for h in ("tune", "test")
        ]
        print(f"| {name} | {objective(parts[0]):.3f} | {objective(parts[1]):.3f} | {row(parts)} |")
    print("\nTwo-fold (chosen on one half of the curation, read on the other)")
    print("| chosen on | variant | read on | curation R@5 / R@10 / MRR (obj.) | seed labels |")
    print("|---|---|---|---|---|")
    for each in two:
        for name in dict.fromkeys((names[0], each["chosen"])):
            c, s = each["curation"][name], each["seed labels"][name]
            label = name if name == each["chosen"] else f"{name} (beside)"
            print(
                f"| {each['chosen on']} | {label} | {each['read on']} | {row([c])} "
                f"({objective(c):.3f}) | {row([s])} ({objective(s):.3f}) |"
            )
    print(
        "\n| folds over recommendations | folds choosing each variant | read | curation "
        "R@5 / R@10 / MRR (obj.) | seed labels |"
    )
    print("|---|---|---|---|---|")
    for k in k_folds:
        chosen = defaultdict(int)
        for name in k["choices"].values():
            chosen[name] += 1
        kind = f"{k['folds']}" if k["folds"] else "one recommendation out"
        for name in ("cross-validated", names[0]):
            c, s = k["curation"][name], k["seed labels"][name]
            print(
                f"| {kind} | {dict(chosen)} | {name} | {row([c])} ({objective(c):.3f}) | "
                f"{row([s])} ({objective(s):.3f}) |"
            )


def moves(found, name, shipped_name="shipped"):
    """{recommendation code: [(shipped rank, rank with `name`)]} of the links `name` moves: a
    gain spread over many recommendations generalises, one confined to a few does not."""
    moved = defaultdict(list)
    for code, ranks in found:
        if ranks[name] != ranks[shipped_name]:
            moved[code].append((ranks[shipped_name], ranks[name]))
    return dict(moved)


def accepted_in_document(experiment, gold):
    """{number of the recommendation's other accepted actions in the hidden link's document:
    hidden links}: the shipped bonus raises n >= 1, a count bonus tells n >= 2 apart."""
    spread = defaultdict(int)
    for _, hidden, _, _, accepted in experiment.trials(gold):
        document = experiment.ranking.document_of(hidden)
        spread[sum(experiment.ranking.document_of(a) == document for a in accepted)] += 1
    return dict(sorted(spread.items()))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--json")
    parser.add_argument("--families", nargs="+", choices=sorted(FAMILIES), default=list(FAMILIES))
    parser.add_argument(
        "--cross-validate",
        type=int,
        nargs="+",
        metavar="K",
        help="choose among the shipped engine and every variant of --families by two-fold "
        "cross-validation over the halves and by K-fold over recommendations (0: one "
        "recommendation out at a time), and print every variant on both halves",
    )
    arguments = parser.parse_args()
    experiment = Experiment()
    seeds, _ = read_labels(DEFAULT_LABELS)
    label_sets = {"curation": read_curation_labels(), "seed labels": seeds}
    every = {"shipped": shipped}
    for family in arguments.families:
        every.update(FAMILIES[family]())
    if arguments.cross_validate is not None:
        started = time.perf_counter()
        found = positions(experiment, label_sets["curation"], None, every)
        seed_found = positions(experiment, label_sets["seed labels"], None, every)
        print(f"both halves {time.perf_counter() - started:.0f} s", flush=True)
        names = list(every)
        result = {
            "two-fold": two_fold(found, seed_found, names),
            "k-fold": [k_fold(found, seed_found, names, k) for k in arguments.cross_validate],
        }
        print_cross_validation(found, seed_found, names, result["two-fold"], result["k-fold"])
        spread = {
            label: accepted_in_document(experiment, gold) for label, gold in label_sets.items()
        }
        print(f"\nHidden links by the other accepted actions in their document: {spread}")
        chosen = {each["chosen"] for each in result["two-fold"]}
        chosen |= {name for k in result["k-fold"] for name in k["choices"].values()}
        for name in sorted(chosen - {"shipped"}):
            print(f"\nLinks moved by {name} (shipped rank, rank), by recommendation:")
            for label, links in (("curation", found), ("seed labels", seed_found)):
                for code, moved in moves(links, name).items():
                    print(f"- {label}, {matching.split_of(code)} half, {code}: {moved}")
        if arguments.json:
            with open(arguments.json, "w") as out:
                json.dump(
                    {"curation": found, "seed labels": seed_found, "result": result}, out, indent=1
                )
        return
    started = time.perf_counter()
    tuning = measure(experiment, label_sets["curation"], "tune", every)
    print(f"tuning half {time.perf_counter() - started:.0f} s", flush=True)
    # The best weight of each family (variant name without its weight), on the tuning half.
    families = {}
    for name, measured in tuning.items():
        family = name.rsplit(" ", 1)[0] if name != "shipped" else name
        if family not in families or objective(measured) > objective(tuning[families[family]]):
            families[family] = name
    chosen = {name: every[name] for name in families.values()}
    test = {label: measure(experiment, gold, "test", chosen) for label, gold in label_sets.items()}
    print(
        "| variant (weight chosen on the tuning half) | tune R@5+R@10+MRR | "
        "curation R@5 | R@10 | MRR | seed R@5 | R@10 | MRR |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in chosen:
        c, s = test["curation"][name], test["seed labels"][name]
        print(
            f"| {name} | {objective(tuning[name]):.3f} | {c['recall@5']:.3f} | "
            f"{c['recall@10']:.3f} | {c['mrr']:.3f} | {s['recall@5']:.3f} | "
            f"{s['recall@10']:.3f} | {s['mrr']:.3f} |"
        )
    if arguments.json:
        with open(arguments.json, "w") as out:
            json.dump({"tuning": tuning, "test": test}, out, indent=1)


if __name__ == "__main__":
    main()
