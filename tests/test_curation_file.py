import datetime
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
    result = seed()
    assert result.curation.skipped == []  # Every cited document ships in seeds/documents/.
    status = dict(Recommendation.objects.values_list("code", "status"))
    # Done under Biden, undone in 2025.
    for reversed_ in ["rejoin-un-human-rights-council", "restore-unfpa-funding"]:
        assert status[reversed_] == "reversed"
    # Barred by law in March 2024, an editor's dated override.
    assert status["restore-unrwa-funding"] == "reversed"
    # Where the record is silent, it says so.
    for silent in ["close-guantanamo", "reject-unalienable-rights-commission"]:
        assert status[silent] == "not_found"
    assert status["reform-human-rights-council"] == "contrary"  # Rejoining is not reform.
    for link in Link.objects.filter(review="accepted"):
        assert link.reason and "\n" not in link.reason and link.relation
        assert not link.reason.startswith("States ")


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
    assert result.curation.links == 0
    assert (decisions(), StatusChange.objects.count()) == before


def test_a_link_to_an_unknown_action_is_named_and_the_rest_still_loads(seeds_copy):
    path = seeds_copy / "curation.yaml"
    data = yaml.safe_load(path.read_text())
    data["links"][0]["action"] = "no-such-key"
    path.write_text(yaml.safe_dump(data))
    result = seed(seeds_copy)
    assert result.curation.skipped == [
        f"link #1: unknown action ({data['links'][0]['recommendation']} / "
        f"{data['links'][0]['factsheet']} / no-such-key)"
    ]
    assert result.curation.links == len(data["links"]) - 1


def test_a_malformed_entry_refuses_the_file_naming_it(seeds_copy):
    seed(seeds_copy)
    path = seeds_copy / "curation.yaml"
    data = yaml.safe_load(path.read_text())
    data["links"][2]["review"] = "maybe"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SourceError, match="link #3: review must be accepted or rejected"):
        load_curation(path)


def test_an_override_keeps_its_date_through_export_and_load(seeds_copy, tmp_path):

    seed(seeds_copy)
    code = "restore-unrwa-funding"
    set_override(
        Recommendation.objects.get(code=code),
        status="reversed",
        reason="Barred by law.",
        since=datetime.date(2024, 3, 23),
    )
    exported = tmp_path / "curation.yaml"
    export_curation(exported)
    entry = next(
        o for o in yaml.safe_load(exported.read_text())["overrides"] if o["recommendation"] == code
    )
    assert entry["since"] == "2024-03-23"
    Recommendation.objects.filter(code=code).update(
        status_override="", status_override_since=None, status="not_found"
    )
    load_curation(exported)
    recommendation = Recommendation.objects.get(code=code)
    assert (recommendation.status_override, recommendation.status_override_since) == (
        "reversed",
        datetime.date(2024, 3, 23),
    )


@pytest.mark.parametrize("section", ["links", "overrides", "reasons", "history", "sources"])
def test_a_section_that_is_not_a_list_of_mappings_refuses_the_file(write_file, section):
    for malformed, where in [(["x"], "#1"), ("x", "must be a list"), ({"a": 1}, "must be a list")]:
        path = write_file("curation.yaml", yaml.safe_dump({section: malformed}))
        with pytest.raises(SourceError, match=f"curation.yaml.*{where}"):
            load_curation(path)


def test_an_override_or_a_reason_an_editor_removed_stays_removed(seeds_copy, django_user_model):
    editor = django_user_model.objects.create_user("ed")
    seed(seeds_copy)
    gitmo = Recommendation.objects.get(code="close-guantanamo")
    set_override(gitmo, status="", reason="Nothing in the record closes it.", user=editor)
    export_curation(seeds_copy / "curation.yaml")
    unrwa = Recommendation.objects.get(code="restore-unrwa-funding")
    set_override(unrwa, status="", reason="", user=editor)
    set_override(gitmo, status="", reason="", user=editor)
    before = decisions()

    seed(seeds_copy)

    assert decisions() == before
    # Each removal is in the history, the decision the next seed respects.
    assert list(gitmo.status_changes.values_list("reason", flat=True)) == ["Reason removed."]
    assert unrwa.status_changes.first().reason == "Override removed."
