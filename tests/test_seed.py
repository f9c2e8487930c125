import pytest
from django.conf import settings
from django.core.management import call_command

from tracker.curation import review_links, set_override
from tracker.importers.document_parser import PARSER_VERSION
from tracker.models import Action, Document, Link, Recommendation, StatusChange

# Each test imports the seeds or runs a property-based search: seconds each.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def snapshot():
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Document, Recommendation, Action, Link, StatusChange)
    }


def test_seed_imports_the_essay_recommendations_and_the_cited_documents(capsys):
    call_command("seed")

    cited = list((settings.SEEDS_DIR / "documents").rglob("*.md"))
    assert Document.objects.essays().count() == 1
    assert Document.objects.factsheets().count() == 2 + len(cited)
    assert Action.objects.filter(factsheet__slug="2024-09-24-un-accomplishments").count() == 49
    assert Action.objects.filter(factsheet__slug="2024-12-11-human-rights-day").count() == 52
    assert not Action.objects.filter(text="").exists()
    assert Recommendation.objects.count() >= 30
    out = capsys.readouterr().out
    assert f"{2 + len(cited)} imported ({2 + len(cited)} new, 0 updated)" in out
    # Recommendations and stages counted apart.
    recommendations = Recommendation.objects.count()
    assert f"Recommendations: {recommendations} created, 0 updated, 0 deleted\n" in out
    assert "Stages: 5 created, 0 updated, 0 deleted\n" in out
    # Loading the seeds is where the record starts, not news: no history, nothing "recent".
    assert not StatusChange.objects.exists()
    assert Recommendation.objects.exclude(status="not_found").count() > 30


def test_a_second_seed_creates_deletes_and_changes_nothing(capsys):
    call_command("seed")
    before = snapshot()

    call_command("seed")

    assert snapshot() == before
    out = capsys.readouterr().out
    assert "Recommendations: 0 created, 0 updated, 0 deleted" in out
    documents = Document.objects.factsheets().count()
    assert f"0 imported (0 new, 0 updated), {documents} unchanged, 0 failed" in out


def test_a_seed_after_a_parser_change_reads_the_seed_documents_again(capsys):
    call_command("seed")
    Document.objects.imported().update(parser_version=0)  # As stored before versions.
    before = snapshot()
    documents = Document.objects.factsheets().count()

    call_command("seed")

    out = capsys.readouterr().out
    assert f"{documents} unchanged ({documents} read again by parser version " in out
    assert not Document.objects.imported().exclude(parser_version=PARSER_VERSION).exists()
    Document.objects.imported().update(parser_version=0)
    assert snapshot() == before  # The seeds were read by this parser: the same actions.


def test_seeding_never_touches_editors_links_or_statuses(capsys):
    call_command("seed")
    recommendation = Recommendation.objects.get(code="rejoin-un-human-rights-council")
    action = Action.objects.get(text__startswith="We rejoined the UN Human Rights Council in 2021")
    # An editor disagrees with the shipped curation: the database decision must survive.
    link = Link.objects.get(recommendation=recommendation, action=action)
    review_links([link], review=Link.Review.REJECTED, reason="Editor's call.")
    other = Recommendation.objects.get(code="close-guantanamo")
    set_override(other, status=Recommendation.Status.CONTRARY, reason="An editor's reason.")
    before = snapshot()

    call_command("seed")

    assert snapshot() == before
    assert Link.objects.get(recommendation=recommendation, action=action).review == "rejected"
    out = capsys.readouterr().out
    assert "Decisions an editor made here after the file's, kept over it (1;" in out
    assert f"rejoin-un-human-rights-council / {action.factsheet.slug} / {action.key}): " in out
