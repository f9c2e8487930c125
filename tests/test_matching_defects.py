"""Defects found in review of the suggester (issue 11, issue 9): each test failed before its fix."""

import pytest
import sklearn

from tracker import matching
from tracker.matching import analyse, concepts, rank, stems, suggest_all, suggest_for_actions
from tracker.models import Link, MatchingIndex

from .factories import make_action, make_recommendation


@pytest.fixture(autouse=True)
def fresh_thesaurus():
    """Tests that change the thesaurus must not leave its cached table behind."""
    yield
    clear = getattr(matching, "clear_caches", None)
    if clear:
        clear()


def test_a_term_listed_under_two_concepts_is_refused_by_name():
    with pytest.raises(matching.ThesaurusError, match=r"multilateral.*coalition.*forum"):
        matching.concept_table({"coalition": ["multilateral"], "forum": ["fora", "multilateral"]})


@pytest.mark.parametrize("word", ["multilateral", "journalists"])
def test_every_shipped_term_names_one_concept(word):
    matching.concept_table(matching.CONCEPTS)  # raises on any duplicate
    owners = [name for name, terms in matching.CONCEPTS.items() if word in terms]
    assert len(owners) == 1


def test_lgbt_and_lgbtqi_share_their_words():
    shared = set(stems("LGBT")) & set(stems("LGBTQI+"))
    assert shared >= {matching.stem(word) for word in ["lesbian", "gay", "bisexual", "transgender"]}


def test_a_multi_word_entry_matches_only_as_a_phrase():
    assert concepts(stems("a society that lifts restrictions on trade")) == []
    assert concepts(stems("we met civil society")) == ["concept:defender"]
    assert concepts(stems("imposed visa restrictions on officials")) == ["concept:sanction"]


@pytest.mark.django_db
def test_weighting_a_field_does_not_join_its_end_to_its_start():
    recommendation = make_recommendation(title="Rejoin the Human Rights Council")
    action = make_action(text="Joined the Council.", lead_in="Rejoined Council")
    features = analyse(matching.recommendation_text(recommendation))
    assert "council rejoin" not in features
    assert features.count("rejoin") == 2  # the title still counts twice
    action_features = analyse(matching.action_text(action))
    assert "council rejoin" not in action_features
    assert action_features.count("rejoin council") == 2


@pytest.mark.django_db
def test_a_concept_alone_ranks_an_action_with_no_word_in_common():
    """Fails with the thesaurus weight at 0: nothing else links these texts."""
    sanctions = make_recommendation(
        title="Impose sanctions on abusers", statement="Impose sanctions.", quote="sanctions"
    )
    make_recommendation(title="Protect refugees", statement="Protect refugees.", quote="refugees")
    designated = make_action(text="Treasury designated twelve officials under Magnitsky.")
    make_action(text="Treasury hosted refugees.")
    make_action(text="Officials protect refugees.")

    suggest_all(top=3)

    assert list(sanctions.links.values_list("action", flat=True)) == [designated.pk]


@pytest.mark.django_db
def test_incremental_scores_all_come_from_one_fit():
    council = make_recommendation(
        title="Rejoin the Human Rights Council",
        statement="Rejoin the Council.",
        quote="rejoin the council",
    )
    make_recommendation(title="Fund the UNFPA", statement="Fund UNFPA.", quote="fund")
    for text in ["Rejoined the Human Rights Council.", "Funded the UNFPA.", "Hosted the Council."]:
        make_action(text=text)
    suggest_all(top=3)
    council.statement = "Rejoin the Human Rights Council and stand for election."
    council.save()  # the stored index is now stale: the next run refits
    new = make_action(text="Elected to the Human Rights Council.")

    suggest_for_actions([new.pk], top=3)

    ranking = rank()
    fresh = {
        (recommendation.pk, action_id): score
        for recommendation, ranked in ranking.top_all(10, {})
        for action_id, score, _ in ranked
    }
    pending = Link.objects.filter(review=Link.Review.SUGGESTED)
    assert pending.filter(action=new).exists()
    for link in pending:
        expected = fresh[(link.recommendation_id, link.action_id)]
        assert link.score == pytest.approx(expected, abs=1e-5)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        lambda monkeypatch: monkeypatch.setitem(matching.CONCEPTS, "new", ["elected"]),
        lambda monkeypatch: monkeypatch.setattr(
            matching.thesaurus, "STOP_WORDS", matching.STOP_WORDS | {"council"}
        ),
        lambda monkeypatch: monkeypatch.setattr(sklearn, "__version__", "0.0.1"),
    ],
    ids=["thesaurus", "stop words", "scikit-learn"],
)
def test_the_stored_index_is_refitted_when_its_analysis_changes(monkeypatch, change):
    make_recommendation(title="Rejoin the Human Rights Council")
    make_action(text="Rejoined the Human Rights Council.")
    make_action(text="Left the Human Rights Council.")
    suggest_all(top=2)
    stored = MatchingIndex.objects.get()

    change(monkeypatch)
    new = make_action(text="Elected to the Human Rights Council.")
    suggest_for_actions([new.pk], top=2)

    assert MatchingIndex.objects.get().pk != stored.pk
