"""The held-out evaluation and BM25's arithmetic."""

import io
import json

import numpy as np
import pytest
from django.core.management import call_command

from tracker.matching import (
    PARAMS,
    SMALL_GRID,
    Model,
    Params,
    describe_params,
    evaluate_held_out,
    split_of,
    tune,
)

from .factories import make_action, make_link, make_recommendation


def test_bm25_weights_match_the_formula():
    texts = ["court court", "court", "treaty court", "treaty"]
    model = Model(Params("bm25", k1=1.2, b=0.75), texts, action_count=3)
    vocabulary = model.vectorizer.vocabulary_
    vectors = model.action_vectors(model.counts(texts[1:]))
    lengths = np.asarray(model.counts(texts[1:]).sum(axis=1)).ravel()
    average = sum(lengths) / 3
    df = 2  # "court" is in two of the three actions (the first text is the query)
    idf = np.log1p((3 - df + 0.5) / (df + 0.5))
    expected = idf * 1 * 2.2 / (1 + 1.2 * (1 - 0.75 + 0.75 * lengths[1] / average))
    assert vectors[1, vocabulary["court"]] == pytest.approx(expected, rel=1e-5)
    query = model.query_vectors(model.counts(texts[:1]))
    best = (query.multiply(model.bm25_idf * 2.2)).sum()
    assert best == pytest.approx(1.0)  # a query's best possible score is 1


def test_the_split_is_fixed_by_the_code():
    assert {split_of(f"code-{n}") for n in range(20)} == {"tune", "test"}
    assert split_of("rejoin-council") == split_of("rejoin-council")


@pytest.mark.django_db
def test_a_tie_in_the_tuning_goes_to_the_shipped_setting_then_to_the_grids_order():
    make_recommendation(title="Rejoin the Council", statement="Rejoin.", quote="rejoin")
    make_action(text="We rejoined the Council.")
    tfidf, other = Params("tfidf", 1.2, 0.75), Params("bm25", 1.6, 0.3)

    tuned = tune({}, [tfidf, other, PARAMS])  # No labels: every setting scores 0.

    assert [params for _, params in tuned] == [PARAMS, tfidf, other]
    assert [params for _, params in tune({}, [other, tfidf])] == [other, tfidf]


@pytest.mark.django_db
def test_a_hidden_link_is_recovered_through_the_recommendations_other_decisions():
    code = next(f"defenders-{n}" for n in range(50) if split_of(f"defenders-{n}") == "test")
    recommendation = make_recommendation(
        code=code, title="Stand with defenders", statement="Defenders.", quote="defenders"
    )
    make_recommendation(title="Fund the UNFPA", statement="Fund UNFPA.", quote="fund")
    known = make_action(text="Lifeline grants to embattled journalists in exile.")
    hidden = make_action(text="Lifeline grants to journalists abroad.")
    for n in range(6):
        make_action(text=f"Defenders met officials, round {n}.")
    make_link(recommendation=recommendation, action=known)
    make_link(recommendation=recommendation, action=hidden)
    gold = {code: {hidden.pk}}

    cold = evaluate_held_out(gold, split="test", protocol="recommendation")
    warm = evaluate_held_out(gold, split="test", protocol="link")

    assert cold["recall@10"] == 0.0  # shares no word with the ask
    assert warm["recall@10"] == 1.0  # found through the accepted link it resembles


@pytest.mark.django_db
def test_the_command_reports_both_label_sets_on_the_test_split(write_file):
    recommendation = make_recommendation(code="rejoin-council", title="Rejoin the Council")
    action = make_action(text="We rejoined the Council.")
    make_action(text="We hosted a summit.")
    make_link(recommendation=recommendation, action=action)
    labels = write_file(
        "labels.csv",
        "recommendation_code,factsheet,action_key,relation\n"
        f"rejoin-council,{action.factsheet.slug},{action.key},implements\n",
    )
    out = io.StringIO()

    call_command("evaluate_suggestions", "--labels", str(labels), stdout=out)

    text = out.getvalue()
    assert "recall@5  1.000" in text
    assert (
        "seed labels, test split" in text
        and "shipped: bm25 + feedback + document context + peers + instances + revocations "
        "(link held out)"
        in text
    )
    assert "bm25 + feedback + document context, no peers (link held out)" in text


@pytest.mark.django_db
def test_the_command_tunes_on_one_split_and_reports_contrary_links_apart(write_file, tmp_path):
    recommendation = make_recommendation(code="rejoin-council", title="Rejoin the Council")
    action = make_action(text="We rejoined the Council.")
    left = make_action(text="We left the Council again.")
    make_action(text="We hosted a summit.")
    labels = write_file(
        "labels.csv",
        "recommendation_code,factsheet,action_key,relation\n"
        f"rejoin-council,{action.factsheet.slug},{action.key},implements\n",
    )
    curation = write_file(
        "curation.yaml",
        "links:\n"
        + "".join(
            f"- {{recommendation: {recommendation.code}, factsheet: {a.factsheet.slug}, "
            f"action: {a.key}, relation: {relation}, review: accepted, reason: r}}\n"
            for a, relation in [(action, "implements"), (left, "contrary")]
        ),
    )
    output = tmp_path / "evaluation.json"
    out = io.StringIO()

    call_command(
        "evaluate_suggestions",
        "--labels",
        str(labels),
        "--curation",
        str(curation),
        "--tune",
        "--json",
        str(output),
        stdout=out,
    )

    figures = json.loads(output.read_text())
    assert len(figures["tuning"]) == len(SMALL_GRID)
    assert figures["params"] == describe_params(Params(**figures["tuning"][0]["params"]))
    report = figures["test split"]
    assert set(report) == {
        "seed labels",
        "curation: implements, partial",
        "curation: contrary (apart)",
    }
    test_split = split_of("rejoin-council") == "test"
    assert report["curation: contrary (apart)"][
        "tf-idf, no feedback, no context (recommendation held out)"
    ]["gold_links"] == (1 if test_split else 0)
    assert "Tuning split, curation evidence" in out.getvalue()
