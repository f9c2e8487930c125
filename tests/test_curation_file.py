import shutil

import pytest
import yaml
from django.conf import settings

from tracker.curation import review_links, set_override
from tracker.importers.curation_file import export_curation, load_curation
from tracker.importers.errors import SourceError
from tracker.importers.seed import seed
from tracker.models import Document, Link, Recommendation, StatusChange

# Each test imports the seeds or runs a property-based search: seconds each.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def decisions():
    links = Link.objects.exclude(review="suggested").values_list(
        "recommendation__code",
        "action__factsheet__slug",
        "action__key",
        "review",
        "relation",
        "reason",
    )
    statuses = Recommendation.objects.values_list(
        "code", "status", "status_override", "status_reason"
    )
    return set(links), set(statuses)


def wipe():
    StatusChange.objects.all().delete()
    Link.objects.all().delete()
    Recommendation.objects.all().delete()
    Document.objects.all().delete()


@pytest.fixture
def seeds_copy(tmp_path):
    copy = tmp_path / "seeds"
    shutil.copytree(settings.SEEDS_DIR, copy)
    return copy


def test_the_shipped_curation_gives_honest_statuses():
    seed()
    status = dict(Recommendation.objects.values_list("code", "status"))
    assert status["rejoin-un-human-rights-council"] == "implemented"
    assert status["restore-unfpa-funding"] == "implemented"
    for silent in ["close-guantanamo", "halt-federal-death-penalty", "restore-unrwa-funding"]:
        assert status[silent] == "not_found"
    for link in Link.objects.filter(review="accepted"):
        assert link.reason and "\n" not in link.reason and link.relation


def test_export_then_fresh_database_then_seed_round_trips(seeds_copy):
    seed(seeds_copy)
    suggestion = Link.objects.filter(review="suggested").order_by("-score").first()
    review_links([suggestion], review="accepted", relation="related", reason="Relevant context.")
    set_override(
        Recommendation.objects.get(code="close-guantanamo"),
        status="contrary",
        reason="An editor's reason.",
    )
    export_curation(seeds_copy / "curation.yaml")
    before = decisions()

    wipe()
    seed(seeds_copy)

    assert decisions() == before


def test_export_is_stable_and_diff_friendly(tmp_path):
    seed()
    export_curation(tmp_path / "a.yaml")
    export_curation(tmp_path / "b.yaml")
    text = (tmp_path / "a.yaml").read_text()
    assert text == (tmp_path / "b.yaml").read_text()
    data = yaml.safe_load(text)
    keys = [(e["recommendation"], e["factsheet"]) for e in data["links"]]
    assert keys == sorted(keys)


def test_seeding_twice_loads_the_curation_once(seeds_copy):
    seed(seeds_copy)
    before = (decisions(), StatusChange.objects.count())
    result = seed(seeds_copy)
    assert result.curated_links == 0
    assert (decisions(), StatusChange.objects.count()) == before


def test_a_link_to_an_unknown_action_names_the_entry(seeds_copy):
    seed(seeds_copy)
    path = seeds_copy / "curation.yaml"
    data = yaml.safe_load(path.read_text())
    data["links"][0]["action"] = "no-such-key"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SourceError, match="link #1: unknown action"):
        load_curation(path)
