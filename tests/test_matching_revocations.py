"""Revocations: an action revoking, by its title, a document that holds accepted evidence is
suggested against the recommendation, and says which."""

import datetime

import pytest

from tracker.matching import (
    PARAMS,
    describe,
    evaluate_held_out,
    split_of,
    suggest_all,
    suggest_for_actions,
    without_revocations,
)
from tracker.matching.revocations import Revocations, named_titles, title_key
from tracker.models import Document, Link

from .factories import make_action, make_factsheet, make_link, make_recommendation
from .test_matching_peers import full_run_with_the_stored_fit, pending, stored

MEMORANDUM = "Memorandum on Protecting Women’s Health at Home and Abroad"
REVOKING = (
    "I hereby revoke the Presidential Memorandum of January 28, 2021, for the Secretary of "
    "State (Protecting Women’s Health at Home and Abroad), and reinstate the Presidential "
    "Memorandum of January 23, 2017 (The Mexico City Policy)."
)


def presidential_action(title, published):
    return make_factsheet(kind=Document.Kind.PRESIDENTIAL_ACTION, title=title, published=published)


def test_a_title_is_compared_without_its_kind_of_instrument_case_accents_or_punctuation():
    assert title_key(MEMORANDUM) == "protecting womens health at home and abroad"
    assert title_key("Executive Order On Advancing Racial Equity") == "advancing racial equity"
    assert title_key("A Proclamation on Ending Discriminatory Bans") == "ending discriminatory bans"
    assert title_key("Executive Order on the Establishment of a Task Force") == (
        title_key("Establishment of a Task Force")
    )
    assert named_titles(REVOKING) == {
        "protecting womens health at home and abroad",
        "mexico city policy",
    }
    # Parentheses without a word of revoking, or too short to be a title, name nothing.
    assert named_titles("We restored funding (Protecting Women’s Health at Home).") == set()
    assert named_titles("The following are hereby revoked: (a) Order (USRAP).") == set()


@pytest.fixture
def gag_rule():
    """A recommendation whose evidence is an action of a memorandum, and filler actions that
    match its words, for a revocation sharing none of them to rank among."""
    recommendation = make_recommendation(
        title="Rescind the global gag rule",
        statement="Rescind the global gag rule on family planning funding.",
        quote="rescind the global gag rule",
        code=next(f"gag-rule-{n}" for n in range(50) if split_of(f"gag-rule-{n}") == "test"),
    )
    memorandum = presidential_action(MEMORANDUM, datetime.date(2021, 1, 28))
    evidence = make_action(
        factsheet=memorandum, text="The global gag rule on family planning is rescinded."
    )
    for n in range(12):
        make_action(text=f"Family planning funding report {n} on the global rule.")
    return recommendation, memorandum, evidence


@pytest.mark.django_db
def test_a_revocation_of_accepted_evidence_is_suggested_and_names_it(gag_rule):
    recommendation, _, evidence = gag_rule
    link = make_link(recommendation=recommendation, action=evidence)
    revocation = make_action(
        factsheet=presidential_action(
            "Memorandum on the Mexico City Policy", datetime.date(2025, 1, 24)
        ),
        text=REVOKING,
    )

    suggest_all(top=10)

    suggested = pending(recommendation)[revocation.pk]
    assert suggested.explanation["revocation"] == {
        "lift": PARAMS.revocation_weight,
        "document": MEMORANDUM,
        "link": link.pk,
    }
    assert describe(suggested).endswith(
        f"revokes “{MEMORANDUM}”, which holds accepted evidence (link #{link.pk})"
    )


@pytest.mark.django_db
def test_only_a_revocation_dated_after_the_evidence_of_that_recommendation_is_raised(gag_rule):
    recommendation, memorandum, evidence = gag_rule
    other = make_recommendation()
    make_link(recommendation=recommendation, action=evidence, relation=Link.Relation.RELATED)
    later = make_action(
        factsheet=presidential_action("Memorandum on Policy", datetime.date(2025, 1, 24)),
        text=REVOKING,
    )
    earlier = make_action(
        factsheet=presidential_action("Memorandum on Older Policy", datetime.date(2020, 1, 24)),
        text=REVOKING,
    )
    make_link(recommendation=other, action=make_action(factsheet=memorandum))

    suggest_all(top=10)

    # A related link is not evidence; the other recommendation's evidence is in the memorandum
    # but the revocation before it revokes an older instrument of the same title, if any.
    assert later.pk not in pending(recommendation)
    assert later.pk in pending(other)
    assert earlier.pk not in pending(other)


@pytest.mark.django_db
def test_a_hidden_revocation_is_found_through_the_revoked_evidence(gag_rule):
    recommendation, _, evidence = gag_rule
    make_link(recommendation=recommendation, action=evidence)
    revocation = make_action(
        factsheet=presidential_action("Memorandum on Policy", datetime.date(2025, 1, 24)),
        text=REVOKING,
    )
    make_link(recommendation=recommendation, action=revocation, relation=Link.Relation.CONTRARY)
    gold = {recommendation.code: {revocation.pk}}

    shipped = evaluate_held_out(gold, split="test")
    without = evaluate_held_out(gold, without_revocations(PARAMS), split="test")

    assert (shipped["recall@10"], without["recall@10"]) == (1.0, 0.0)


@pytest.mark.django_db
def test_a_new_revoking_document_is_suggested_by_the_incremental_run(gag_rule):
    recommendation, _, evidence = gag_rule
    link = make_link(recommendation=recommendation, action=evidence)
    suggest_all(top=10)
    revocation = make_action(
        factsheet=presidential_action("Memorandum on Policy", datetime.date(2025, 1, 24)),
        text=REVOKING,
    )

    suggest_for_actions([revocation.pk], top=10)

    assert pending(recommendation)[revocation.pk].explanation["revocation"]["link"] == link.pk
    incremental = stored()
    full_run_with_the_stored_fit(top=10)
    assert stored() == incremental


@pytest.mark.django_db
def test_a_yearly_instrument_superseding_last_years_of_the_same_title_revokes_it():
    """`_latest` picks the revoker's own document (same title, dated no later than itself),
    then `among` discards it: the earlier instrument it names is never found."""
    title = "Executive Order on Adjustments of Certain Rates of Pay"
    last_year = presidential_action(title, datetime.date(2023, 12, 21))
    this_year = presidential_action(title, datetime.date(2024, 12, 23))
    superseding = make_action(
        factsheet=this_year,
        text="Executive Order 14113 of December 21, 2023 (Adjustments of Certain Rates of "
        "Pay), is superseded as of the effective date of this order.",
    )

    revocations = Revocations.among([superseding])

    assert revocations.revoked == {0: (last_year.pk,)}


def test_a_title_an_action_builds_on_is_not_revoked_by_a_rescission_elsewhere_in_it():
    """The module says a title counts "beside a word of revoking"; the code takes every
    parenthesised title of a text with such a word anywhere (record: action 970, EO 14036
    Sec. 5, which implements "my Memorandum of January 20, 2021 (Modernizing Regulatory
    Review)" and asks an agency elsewhere to consider whether to rescind a rule)."""
    text = (
        "The Administrator shall incorporate into the recommendations required by my "
        "Memorandum of January 20, 2021 (Modernizing Regulatory Review), the policies of "
        "this order. (d) The Secretary shall consider whether to rescind the 2019 rule."
    )
    assert named_titles(text) == set()


@pytest.mark.django_db
def test_incremental_revocation_lift_agrees_with_full_run_for_non_candidate_evidence(gag_rule):
    """Evidence accepted on a withdrawn action: the full run does not count its document
    (`document_of` is None for a non-candidate), the incremental run does."""
    recommendation, _, evidence = gag_rule
    make_link(recommendation=recommendation, action=evidence)
    evidence.withdrawn = True
    evidence.save()
    suggest_all(top=20)
    revocation = make_action(
        factsheet=presidential_action("Memorandum on Policy", datetime.date(2025, 1, 24)),
        text=REVOKING,
    )

    suggest_for_actions([revocation.pk], top=20)

    incremental = stored()
    full_run_with_the_stored_fit(top=20)
    assert stored() == incremental
