import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from tracker.matching import evaluate, highlight, matched_words, suggest_all, suggest_for_actions
from tracker.models import Link

from .factories import make_action, make_link, make_recommendation
from .test_matching_peers import full_run_with_the_stored_fit, pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    council = make_recommendation(
        code="rejoin-council",
        title="Rejoin the UN Human Rights Council",
        statement="Re-join the UN Human Rights Council that the last administration left.",
        quote="should re-join the UN Human Rights Council",
    )
    unfpa = make_recommendation(
        code="restore-unfpa",
        title="Restore funding to the UN Population Fund",
        statement="Restore the funding cut from the UN Population Fund.",
        quote="cut funding for the UN Population Fund",
    )
    actions = {
        "council": make_action(text="We rejoined the UN Human Rights Council in 2021."),
        "unfpa": make_action(text="A memorandum restored funding to the UNFPA."),
        "climate": make_action(text="We rejoined the Paris Agreement on climate."),
        "ocean": make_action(text="We hosted the Our Ocean Conference."),
    }
    return council, unfpa, actions


def suggested(recommendation):
    return list(
        recommendation.links.filter(review="suggested")
        .order_by("-score")
        .values_list("action__text", flat=True)
    )


def test_the_best_match_comes_first_and_acronyms_count(corpus):
    council, unfpa, actions = corpus
    suggest_all(top=2)

    assert suggested(council)[0] == actions["council"].text
    assert suggested(unfpa)[0] == actions["unfpa"].text
    assert all(len(suggested(r)) <= 2 for r in (council, unfpa))
    assert Link.objects.filter(review="suggested", score__isnull=True).count() == 0


def test_reviewed_links_are_never_overwritten_and_rejected_pairs_never_return(corpus):
    council, _, actions = corpus
    accepted = make_link(recommendation=council, action=actions["council"], reason="Rejoined.")
    rejected = make_link(
        recommendation=council, action=actions["climate"], review="rejected", relation=""
    )

    suggest_all(top=3, recompute=True)

    accepted.refresh_from_db()
    rejected.refresh_from_db()
    assert (accepted.review, accepted.reason) == ("accepted", "Rejoined.")
    assert rejected.review == "rejected"
    assert actions["climate"].text not in suggested(council)
    assert actions["council"].text not in suggested(council)


def test_a_rerun_keeps_pending_rows_and_recompute_rebuilds_them(corpus):
    council, _, _ = corpus
    suggest_all(top=2)
    first_ids = set(council.links.values_list("pk", flat=True))

    assert suggest_all(top=2) == (0, 0, 0)
    assert set(council.links.values_list("pk", flat=True)) == first_ids

    created, _, deleted = suggest_all(top=2, recompute=True)
    assert created == deleted > 0
    assert not set(council.links.values_list("pk", flat=True)) & first_ids


def test_incremental_suggestions_only_score_the_new_actions(corpus):
    council, unfpa, _ = corpus
    suggest_all(top=2)
    before = dict(Link.objects.values_list("pk", "score"))
    new = make_action(text="The United States was elected to the Human Rights Council.")

    created, _, deleted = suggest_for_actions([new.pk], top=2)

    assert Link.objects.filter(action=new, recommendation=council).exists()
    assert created >= 1 and deleted >= 1  # it pushed a weaker suggestion out of the top 2
    unchanged = {pk: score for pk, score in Link.objects.values_list("pk", "score") if pk in before}
    assert all(before[pk] == score for pk, score in unchanged.items())
    assert all(len(suggested(r)) <= 2 for r in (council, unfpa))


def test_suggest_csv_prints_the_ranking_regardless_of_review_state(corpus):
    council, _, actions = corpus
    make_link(recommendation=council, action=actions["council"])
    out = io.StringIO()

    call_command("suggest", "--format", "csv", "--top", "2", stdout=out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == [
        "recommendation_code",
        "rank",
        "score",
        "action_id",
        "factsheet_title",
        "action_text",
    ]
    council_rows = [row for row in rows if row["recommendation_code"] == "rejoin-council"]
    assert council_rows[0]["action_id"] == str(actions["council"].pk)
    assert [row["rank"] for row in council_rows] == ["1", "2"]


def test_evaluate_reports_recall_and_mrr(corpus):
    _, _, actions = corpus
    perfect = evaluate({"rejoin-council": {actions["council"].pk}})
    assert perfect["recall@5"] == perfect["mrr"] == 1.0

    wrong = evaluate({"restore-unfpa": {actions["ocean"].pk}})
    assert wrong["mrr"] < 1.0


def test_matched_terms_explain_a_suggestion(corpus):
    council, _, actions = corpus
    words = matched_words(council, actions["council"])
    assert {"rejoined", "council"} <= set(words)
    html = highlight("We rejoined the <b>Council</b>", {"rejoin", "council"})
    assert str(html) == "We <mark>rejoined</mark> the &lt;b&gt;<mark>Council</mark>&lt;/b&gt;"


def test_importing_fact_sheets_suggests_for_their_new_actions(corpus, write_file):
    council, _, _ = corpus
    path = write_file(
        "new.md",
        "---\ntitle: New\ndate: '2024-01-01'\n---\n"
        "-   We rejoined the UN Human Rights Council as a voting member.\n",
    )
    call_command("import_factsheets", str(path), verbosity=0, stdout=io.StringIO())
    assert council.links.filter(
        action__text__startswith="We rejoined the UN Human Rights Council as"
    ).exists()


def test_a_link_an_editor_reopened_is_never_deleted_by_the_suggester(corpus):
    council, _, actions = corpus
    # Decided once, then put back to review by an editor: stamped, pending, far from the top.
    reopened = make_link(
        recommendation=council,
        action=actions["ocean"],
        review="suggested",
        reviewed_at=timezone.now(),
    )

    suggest_all(top=1)
    suggest_all(top=1, recompute=True)
    suggest_for_actions([make_action(text="We rejoined the Human Rights Council.").pk], top=1)

    reopened.refresh_from_db()
    assert (reopened.review, reopened.relation, reopened.reason) == (
        "suggested",
        "implements",
        "It does the thing.",
    )
    assert council.links.filter(review="suggested", reviewed_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_incremental_run_skips_a_recommendation_whose_top_holds_a_scoreless_reopened_link():
    """`_weakest_pending` counts a reopened link without a score toward a full top, while
    Min(score) ignores it: the recommendation is judged unchanged (`_unchanged`) and a new
    action the full run suggests is not."""
    recommendation = make_recommendation(
        title="Rescind the global gag rule",
        statement="Rescind the global gag rule on family planning funding.",
        quote="rescind the global gag rule",
    )
    make_action(text="The global gag rule on family planning funding is rescinded.")
    for n in range(3):
        make_action(text=f"Tariffs on steel report {n}.")
    suggest_all(top=3)
    assert len(pending(recommendation)) == 1
    for text in ("Shipping lanes were dredged.", "Ports were modernised."):
        # Decided by hand (no score), then put back to review by an editor.
        make_link(
            recommendation=recommendation,
            action=make_action(text=text),
            review=Link.Review.SUGGESTED,
            relation="",
            reason="",
            reviewed_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        )
    new = make_action(text="A report on family planning.")

    suggest_for_actions([new.pk], top=3)
    incremental = set(pending(recommendation))
    full_run_with_the_stored_fit(top=3)
    assert new.pk in set(pending(recommendation))  # the full run suggests it
    assert set(pending(recommendation)) == incremental
