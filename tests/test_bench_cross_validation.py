"""bench/reasons.py's cross-validation: a variant is chosen on some recommendations' links and
read on the others', so a gain confined to a few recommendations is not mistaken for one that
generalises."""

from bench.reasons import best_variant, k_fold, moves, two_fold
from tracker.matching import split_of
from tracker.matching.evaluation import MISSED

CODES = [f"recommendation-{n}" for n in range(40)]
TUNE = [code for code in CODES if split_of(code) == "tune"][:3]
TEST = [code for code in CODES if split_of(code) == "test"][:3]


def links(ranks_by_code):
    """`positions`' shape from {code: (shipped rank, rank with the bonus)}, one link each."""
    return [(code, {"shipped": a, "bonus": b}) for code, (a, b) in ranks_by_code.items()]


def test_a_tie_keeps_the_shipped_engine():
    found = links({TUNE[0]: (3, 3), TEST[0]: (12, 12)})

    assert best_variant(found, ["shipped", "bonus"]) == "shipped"


def test_a_gain_on_one_half_only_is_read_as_no_gain_on_the_other():
    found = links({TUNE[0]: (3, 3), TUNE[1]: (8, 8), TEST[0]: (12, 4), TEST[1]: (6, 6)})

    chosen_on_tune, chosen_on_test = two_fold(found, [], ["shipped", "bonus"])

    assert chosen_on_tune["chosen"] == "shipped"
    assert chosen_on_test["chosen"] == "bonus"
    read = chosen_on_test["curation"]
    assert read["bonus"] == read["shipped"]


def test_one_recommendation_out_keeps_a_gain_shared_by_the_others():
    found = links({code: (12, 4) for code in TUNE + TEST})

    held = k_fold(found, [], ["shipped", "bonus"], 0)

    assert set(held["choices"].values()) == {"bonus"}
    assert held["curation"]["cross-validated"]["recall@5"] == 1.0
    assert held["curation"]["shipped"]["recall@5"] == 0.0


def test_one_recommendation_out_drops_a_gain_of_one_recommendation_only():
    found = links({TUNE[0]: (12, 4), **{code: (2, 2) for code in TUNE[1:] + TEST}})
    seeds = links({TUNE[0]: (MISSED, 7)})

    held = k_fold(found, seeds, ["shipped", "bonus"], 0)

    assert held["choices"][TUNE[0]] == "shipped"
    assert held["curation"]["cross-validated"] == held["curation"]["shipped"]
    assert held["seed labels"]["cross-validated"]["recall@10"] == 0.0
    assert moves(found, "bonus") == {TUNE[0]: [(12, 4)]}
