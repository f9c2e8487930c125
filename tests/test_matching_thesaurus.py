"""The thesaurus is a validated data file: one concept per term, phrases, acronyms both ways."""

import pytest

from tracker import matching
from tracker.matching import ThesaurusError, concepts, load_thesaurus, stems, suggest_all

from .factories import make_action, make_recommendation

VALID = """\
stop_words: [biden]
acronyms:
  ICC: International Criminal Court
concepts:
  coalition: [coalition, partners]
  sanction: [sanctions, visa restrictions]
"""


def test_the_shipped_thesaurus_loads():
    stop_words, acronyms, concepts = load_thesaurus()
    assert "biden" in stop_words and "the" in stop_words
    assert acronyms["icc"] == "international criminal court"
    assert "visa restrictions" in concepts["sanction"]


def test_a_valid_file_loads(write_file):
    stop_words, acronyms, concepts = load_thesaurus(write_file("t.yaml", VALID))
    assert "biden" in stop_words and acronyms == {"icc": "international criminal court"}
    assert concepts == {"coalition": ["coalition", "partners"], "sanction": VALID_SANCTION}


VALID_SANCTION = ["sanctions", "visa restrictions"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("sanction: [sanctions,", "sanction: [partner, sanctions,"),
            r"t\.yaml: term 'partner' is listed under two concepts: 'coalition' \(as 'partners'\)"
            r" and 'sanction'",
        ),
        (("  sanction:", "  coalition: [allies]\n  sanction:"), "'coalition' is listed twice"),
        (("ICC: International Criminal Court", "ICC: ''"), "acronym 'ICC' must be one word"),
        (("concepts:", "concept:"), "expected exactly stop_words, acronyms and concepts"),
        (("[coalition, partners]", "[coalition, the]"), "term 'the' has no content word"),
    ],
    ids=["term in two concepts", "concept twice", "empty acronym", "unknown key", "stop word"],
)
def test_an_inconsistent_file_is_refused_with_a_message(write_file, edit, message):
    path = write_file("t.yaml", VALID.replace(*edit))
    with pytest.raises(ThesaurusError, match=message):
        load_thesaurus(path)


def test_acronyms_match_both_ways():
    assert stems("the ICC") == stems("the International Criminal Court")
    assert "icc" in stems("joined the International Criminal Court")
    assert set(stems("International Criminal Court")) >= set(stems("criminal court"))


def test_phrases_are_matched_as_phrases_only():
    assert concepts(stems("imposed visa restrictions")) == ["concept:sanction"]
    assert concepts(stems("restrictions on a visa")) == []


@pytest.mark.django_db
def test_an_acronym_in_an_action_meets_the_words_in_a_recommendation():
    icc = make_recommendation(
        title="Cooperate with the International Criminal Court",
        statement="Support the International Criminal Court.",
        quote="International Criminal Court",
    )
    make_recommendation(title="Protect refugees", statement="Refugees.", quote="refugees")
    action = make_action(text="We shared evidence with the ICC.")
    make_action(text="We protected refugees.")
    make_action(text="We welcomed refugees.")

    suggest_all(top=1)

    assert list(icc.links.values_list("action", flat=True)) == [action.pk]
    assert matching.ACRONYMS["icc"] == "international criminal court"
