"""An incremental run scores the new document only, and re-scores only what a decision changed."""

import gc

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracker.matching import (
    PARAMS,
    Model,
    action_rows,
    action_text,
    rank,
    suggest_all,
    suggest_for_actions,
    suggestions,
)
from tracker.matching.feedback import Decisions
from tracker.matching.index import Vocabulary, _recommendations, stored_index
from tracker.matching.suggestions import _scores
from tracker.models import (
    Action,
    Link,
    MatchingFeedback,
    MatchingIndex,
    byte_rows,
)

from .factories import make_action, make_recommendation

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_topics():
    council = make_recommendation(
        title="Rejoin the UN Human Rights Council",
        statement="Rejoin the Human Rights Council.",
        quote="rejoin the council",
    )
    refugees = make_recommendation(
        title="Raise the refugee admissions ceiling",
        statement="Resettle more refugees.",
        quote="refugee admissions",
    )
    for text in [
        "We rejoined the UN Human Rights Council.",
        "We stood for election to the Human Rights Council.",
        "The Council adopted a resolution we led.",
        "We raised the refugee admissions ceiling to 125,000.",
        "We rebuilt the refugee resettlement programme.",
        "Refugees from Afghanistan were resettled.",
    ]:
        make_action(text=text)
    suggest_all(top=2)
    return council, refugees


def pending_rows(recommendation):
    return {
        (pk, action_id, score, repr(explanation))
        for pk, action_id, score, explanation in Link.objects.filter(
            recommendation=recommendation, review=Link.Review.SUGGESTED
        ).values_list("pk", "action_id", "score", "explanation")
    }


def pending_reads(queries):
    """The reads of pending rows themselves (not their count nor the decided links)."""
    pending = '"tracker_link"."review" = \'suggested\''
    return [
        sql
        for sql in (q["sql"] for q in queries.captured_queries)
        if sql.startswith("SELECT")
        and pending in sql
        and f"NOT ({pending}" not in sql
        and "GROUP BY" not in sql
        and "JOIN" not in sql
    ]


def link_writes(queries):
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith(("UPDATE", "INSERT", "DELETE")) and "tracker_link" in q["sql"]
    ]


def test_a_new_document_leaves_other_recommendations_pending_rows_alone(two_topics, monkeypatch):
    council, refugees = two_topics
    analysed = []
    counts = Model.counts

    def recording_counts(model, texts):
        analysed.extend(texts)
        return counts(model, texts)

    monkeypatch.setattr(Model, "counts", recording_counts)
    before = pending_rows(refugees)
    council_before = pending_rows(council)
    new = make_action(text="The United States was elected to the Human Rights Council.")

    with CaptureQueriesContext(connection) as queries:
        created, updated, deleted = suggest_for_actions([new.pk], top=2)

    assert analysed == [action_text(new)]  # the pending actions are not read again
    assert (created, updated, deleted) == (1, 0, 1)  # it entered and pushed the weakest out
    assert pending_rows(refugees) == before
    kept = pending_rows(council) - council_before
    assert [row[1] for row in kept] == [new.pk]
    assert len(pending_rows(council) & council_before) == 1  # the strongest kept its row
    writes = link_writes(queries.captured_queries)
    assert len(writes) == 2 and not any(w.startswith("UPDATE") for w in writes)


def test_a_document_that_matches_nothing_writes_nothing(two_topics):
    new = make_action(text="We hosted the Our Ocean Conference in 2022.")

    with CaptureQueriesContext(connection) as queries:
        assert suggest_for_actions([new.pk], top=2) == (0, 0, 0)

    assert link_writes(queries.captured_queries) == []


def test_a_new_decision_rescores_that_recommendation_only(two_topics):
    council, refugees = two_topics
    index = MatchingIndex.objects.get()
    refugees_before = pending_rows(refugees)
    _, queries_before = index.load()
    before_scores = dict(
        council.links.filter(review=Link.Review.SUGGESTED).values_list("action_id", "score")
    )
    rejected = council.links.filter(review=Link.Review.SUGGESTED).order_by("-score").first()
    rejected.review, rejected.reason = Link.Review.REJECTED, "Not this."
    rejected.save()
    new = make_action(text="We hosted the Our Ocean Conference in 2022.")

    suggest_for_actions([new.pk], top=2)

    assert MatchingIndex.objects.get().pk == index.pk  # no refit
    _, queries_after = MatchingIndex.objects.get().load()
    rows = {pk: row for row, pk in enumerate(queries_after.recommendation_ids)}
    changed = queries_after.feedback[rows[council.pk]] - queries_before.feedback[rows[council.pk]]
    same = queries_after.feedback[rows[refugees.pk]] - queries_before.feedback[rows[refugees.pk]]
    assert changed.count_nonzero() > 0 and same.count_nonzero() == 0
    assert pending_rows(refugees) == refugees_before
    model, _ = index.load()  # scores come from the stored fit and the council's new row
    for link in council.links.filter(review=Link.Review.SUGGESTED):
        vector = action_rows(model, model.counts([action_text(link.action)]))
        expected = (queries_after.combined()[rows[council.pk]] @ vector.T).toarray()[0, 0]
        # Alone in its document, an action lends its own score to itself.
        expected *= 1 + PARAMS.document_weight
        assert link.score == pytest.approx(expected, abs=1e-5)
        assert link.score != before_scores.get(link.action_id)
        assert link.explanation["feedback"]["link"] == rejected.pk


def decide_the_top_suggestion(recommendation, review):
    top = recommendation.links.filter(review=Link.Review.SUGGESTED).order_by("-score").first()
    top.review, top.reason = review, "The editor's reason."
    if review == Link.Review.ACCEPTED:
        top.relation = Link.Relation.IMPLEMENTS
    top.save()
    return top


def test_a_decision_rewrites_its_recommendations_feedback_row_only(two_topics):
    council, refugees = two_topics
    decide_the_top_suggestion(refugees, Link.Review.ACCEPTED)
    suggest_all(top=2)  # a fit with a stored feedback row for the refugees
    index = MatchingIndex.objects.get()
    refugees_row = MatchingFeedback.objects.get(index=index, recommendation=refugees)
    decide_the_top_suggestion(council, Link.Review.REJECTED)
    new = make_action(text="We hosted the Our Ocean Conference in 2022.")

    with CaptureQueriesContext(connection) as queries:
        suggest_for_actions([new.pk], top=2)

    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(("UPDATE", "INSERT", "DELETE")) and "tracker_matching" in q["sql"]
    ]
    assert not [sql for sql in writes if "tracker_matchingindex" in sql]  # the fit stays
    assert len(writes) == 2  # the council's row: its old one (none) deleted, the new inserted
    assert bytes(MatchingIndex.objects.get().vectorizer) == bytes(index.vectorizer)
    rows = MatchingFeedback.objects.filter(index=index)
    assert {row.recommendation_id for row in rows} == {council.pk, refugees.pk}
    assert rows.get(recommendation=refugees).pk == refugees_row.pk  # not rewritten


def test_the_stored_feedback_rows_load_as_the_fit_built_them(two_topics):
    council, refugees = two_topics
    accepted = decide_the_top_suggestion(refugees, Link.Review.ACCEPTED)
    rejected = decide_the_top_suggestion(council, Link.Review.REJECTED)

    ranking = rank(store_index=True)

    _, queries = MatchingIndex.objects.get().load()
    assert (queries.feedback != ranking.feedback.matrix).nnz == 0
    assert queries.feedback.nnz > 0
    assert queries.decided == {
        council.pk: ((), ((rejected.pk, rejected.action_id),)),
        refugees.pk: (((accepted.pk, accepted.action_id),), ()),
    }
    assert MatchingFeedback.objects.count() == 2


def test_byte_columns_read_back_byte_for_byte_as_one_counted_query():
    every_byte = bytes(range(256)) * 3
    index = MatchingIndex.objects.create(
        recommendations_key="k", vectorizer=every_byte, recommendation_vectors=b""
    )
    rows = MatchingIndex.objects.filter(pk=index.pk).values_list(
        "pk", "vectorizer", "recommendation_vectors"
    )

    with CaptureQueriesContext(connection) as queries:
        read = byte_rows(rows)

    assert [tuple(row) for row in read] == [(index.pk, every_byte, b"")]
    assert len(queries) == 1  # Logged and counted like the ORM's own queries.


def test_the_newest_index_is_checked_before_its_fit_is_read(two_topics):
    rank(store_index=True)
    MatchingIndex.objects.update(recommendations_key="stale")

    recommendations = _recommendations()

    with CaptureQueriesContext(connection) as queries:
        assert stored_index(recommendations) is None

    assert len(queries) == 1
    assert "vectorizer" not in queries[0]["sql"]


def test_a_lost_feedback_row_is_rebuilt_from_the_decisions(two_topics):
    council, _ = two_topics
    decide_the_top_suggestion(council, Link.Review.REJECTED)
    fitted = rank(store_index=True)
    MatchingFeedback.objects.all().delete()
    new = make_action(text="We hosted the Our Ocean Conference in 2022.")

    suggest_for_actions([new.pk], top=2)

    _, queries = MatchingIndex.objects.get().load()
    assert queries.feedback.nnz > 0
    assert (queries.feedback != fitted.feedback.matrix).nnz == 0
    assert queries.decided == {pk: fitted.decisions.of(pk) for pk in queries.recommendation_ids}


def test_the_stored_fit_loads_a_compact_vocabulary_that_counts_as_the_fitted_one(two_topics):
    stored, _ = MatchingIndex.objects.get().load()
    fitted = rank().model  # the same actions: the same vocabulary, kept as a dict
    texts = [action_text(action) for action in Action.objects.all()]
    texts.append("The Council resettled refugees, an unheard-of zyzzyva.")

    assert isinstance(stored.vectorizer.vocabulary_, Vocabulary)
    assert dict(stored.vectorizer.vocabulary_) == fitted.vectorizer.vocabulary_
    assert (stored.counts(texts) != fitted.counts(texts)).nnz == 0
    with pytest.raises(KeyError):
        stored.vectorizer.vocabulary_["zyzzyva"]


def test_a_new_document_reads_the_pending_rows_of_the_recommendations_it_touches_only(two_topics):
    council, _ = two_topics  # the refugees' pending rows are not read
    new = make_action(text="The United States was elected to the Human Rights Council.")

    with CaptureQueriesContext(connection) as queries:
        suggest_for_actions([new.pk], top=2)

    reads = pending_reads(queries)
    assert reads and all(f'"recommendation_id" IN ({council.pk})' in sql for sql in reads)


def test_a_recommendation_whose_weakest_suggestion_no_new_action_beats_is_not_read(two_topics):
    council, refugees = two_topics
    before = pending_rows(council) | pending_rows(refugees)
    new = make_action(text="The Council adopted a resolution.")  # like the council's third

    with CaptureQueriesContext(connection) as queries:
        assert suggest_for_actions([new.pk], top=2) == (0, 0, 0)

    assert pending_reads(queries) == []
    assert pending_rows(council) | pending_rows(refugees) == before


def test_the_other_documents_are_scored_for_the_rescored_recommendations_only(two_topics):
    model, queries = MatchingIndex.objects.get().load()
    actions = list(Action.objects.order_by("pk"))
    vectors = action_rows(model, model.counts([action_text(a) for a in actions]))
    whole = (queries.combined() @ vectors.T).toarray()
    in_new = np.arange(len(actions)) >= len(actions) - 2  # the last two as the new ones

    scores = _scores(queries.combined(), vectors, in_new, [1])

    assert (scores[:, in_new] == whole[:, in_new]).all()  # the same products, to the bit
    assert (scores[1] == whole[1]).all()
    assert not scores[0, ~in_new].any() and whole[0, ~in_new].any()


def test_the_garbage_collector_is_paused_for_an_incremental_run_only(two_topics, monkeypatch):
    council, _ = two_topics
    decide_the_top_suggestion(council, Link.Review.REJECTED)
    collecting = []
    load = Decisions.load.__func__

    def recording_load(cls, *args, **kwargs):
        collecting.append(gc.isenabled())
        return load(cls, *args, **kwargs)

    monkeypatch.setattr(Decisions, "load", classmethod(recording_load))
    new = make_action(text="The United States was elected to the Human Rights Council.")

    suggest_for_actions([new.pk], top=2)

    assert collecting == [False]  # reading the decisions, the run's most numerous rows
    assert gc.isenabled()
    full_run = []
    monkeypatch.setattr(suggestions, "suggest_all", lambda top: full_run.append(gc.isenabled()))
    MatchingIndex.objects.update(recommendations_key="stale")

    suggest_for_actions([new.pk], top=2)

    assert full_run == [True]  # a full run (the fit is stale) collects as usual
