import datetime
import shutil

import pytest
import yaml
from django.conf import settings
from django.utils import timezone

from tracker.curation import review_links, save_link_edits, set_override
from tracker.importers.curation_file import export_curation, load_curation
from tracker.importers.errors import SourceError
from tracker.importers.seed import seed
from tracker.models import Document, Link, Recommendation, StatusChange

from .factories import make_action, make_link, make_recommendation

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


def rewrite_entries(path, change):
    """Apply `change` to every link entry of the file for which it returns True."""
    data = yaml.safe_load(path.read_text())
    changed = [entry for entry in data["links"] if change(entry)]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return changed


def test_a_correction_in_the_file_reaches_a_database_seeded_from_its_earlier_version(
    seeds_copy,
):
    code = "rejoin-un-human-rights-council"
    seed(seeds_copy)
    assert Recommendation.objects.get(code=code).status == "reversed"

    def reject(entry):
        if entry["recommendation"] != code or entry["review"] != "accepted":
            return False
        entry.update(review="rejected", reason="Read again: not what was asked.")
        entry.pop("relation", None)
        return True

    corrected = rewrite_entries(seeds_copy / "curation.yaml", reject)
    result = seed(seeds_copy)

    assert len(result.curation.corrected) == len(corrected) > 0
    assert result.curation.kept == []
    assert (
        f"({code} / {corrected[0]['factsheet']} / {corrected[0]['action']}): accepted, "
        in (result.curation.corrected[0])
    )
    links = Link.objects.filter(recommendation__code=code)
    assert not links.filter(review="accepted").exists()
    recommendation = Recommendation.objects.get(code=code)
    assert recommendation.status == "not_found"
    # What the public was shown changed: the history says so, with the links that did it.
    change = recommendation.status_changes.get()
    assert (change.from_status, change.to_status) == ("reversed", "not_found")
    assert len(change.links) == len(corrected)
    assert change.reason == "Read again: not what was asked."
    # Applied once: the next seed finds the database as the file says.
    again = seed(seeds_copy)
    assert (again.curation.corrected, again.curation.links) == ([], 0)


def test_an_editors_later_decision_is_kept_over_the_files_and_reported(
    seeds_copy, django_user_model
):
    editor = django_user_model.objects.create_user("ed")
    seed(seeds_copy)
    link = Link.objects.filter(review="accepted", relation="implements").order_by("pk").first()
    review_links(
        [link], review="accepted", relation="partial", reason="An editor's call.", user=editor
    )
    key = (link.recommendation.code, link.action.factsheet.slug, link.action.key)

    def reword(entry):
        if (entry["recommendation"], entry["factsheet"], entry["action"]) != key:
            return False
        entry["reason"] = "The file's rewording."
        return True

    assert len(rewrite_entries(seeds_copy / "curation.yaml", reword)) == 1
    before = decisions()
    result = seed(seeds_copy)

    assert decisions() == before
    assert result.curation.corrected == []
    assert len(result.curation.kept) == 1
    assert result.curation.kept[0].endswith(
        f"({' / '.join(key)}): accepted, partial → accepted, implements"
    )


def test_a_file_entry_stamped_after_the_editors_decision_is_the_later_decision(
    seeds_copy, django_user_model
):
    editor = django_user_model.objects.create_user("ed")
    seed(seeds_copy)
    link = Link.objects.filter(review="accepted", relation="implements").order_by("pk").first()
    review_links([link], review="rejected", reason="An editor's first call.", user=editor)
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Link.objects.filter(pk=link.pk).update(reviewed_at=an_hour_ago)
    link.refresh_from_db()
    key = (link.recommendation.code, link.action.factsheet.slug, link.action.key)

    def restamp(entry):
        if (entry["recommendation"], entry["factsheet"], entry["action"]) != key:
            return False
        later = link.reviewed_at + datetime.timedelta(minutes=59)
        entry.update(reviewed_by="ed", reviewed_at=later.isoformat())
        return True

    rewrite_entries(seeds_copy / "curation.yaml", restamp)
    result = seed(seeds_copy)

    assert len(result.curation.corrected) == 1
    link.refresh_from_db()
    assert (link.review, link.relation) == ("accepted", "implements")
    assert link.reviewed_by == editor


def write_curation(path, data):
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path


def file_entry(link_or_pair, **fields):
    recommendation, action = link_or_pair
    return {
        "recommendation": recommendation.code,
        "factsheet": action.factsheet.slug,
        "action": action.key,
        **fields,
    }


def loaded_accepted(recommendation):
    """An accepted link as a seed load leaves it: unstamped, status derived, no history."""
    link = make_link(recommendation=recommendation)
    recommendation.refresh_status(record=False)
    assert Recommendation.objects.get(pk=recommendation.pk).status == "implemented"
    return link


def an_hour_ago():
    return (timezone.now() - datetime.timedelta(hours=1)).astimezone(datetime.UTC)


def rejected_elsewhere(link, moment):
    """The file's entry for `link`: rejected by "ed" in another database at `moment`."""
    return file_entry(
        (link.recommendation, link.action),
        review="rejected",
        reason="Read again.",
        reviewed_by="ed",
        reviewed_at=moment,
    )


def test_a_correction_beside_a_filled_in_link_is_in_the_history(tmp_path):
    """The status move a correction makes must be recorded even when the same load also
    fills in another link of the same recommendation."""
    recommendation = make_recommendation()
    link = loaded_accepted(recommendation)
    other = make_action()
    path = write_curation(
        tmp_path / "c.yaml",
        {
            "links": [
                file_entry((recommendation, link.action), review="rejected", reason="Read again."),
                file_entry((recommendation, other), review="rejected", reason="Not it."),
            ]
        },
    )
    result = load_curation(path)
    assert len(result.corrected) == 1
    assert Recommendation.objects.get(pk=recommendation.pk).status == "not_found"
    assert StatusChange.objects.filter(recommendation=recommendation).count() == 1


def test_a_correction_exported_with_its_history_is_recorded_once(tmp_path, django_user_model):
    """Another database's editor corrected the link at t and exported: the file carries
    the link (reviewed_at t) and the history entry (changed_at t). Loading it must not
    record the same move twice (once restored at t, once new at now)."""
    django_user_model.objects.create_user("ed")
    recommendation = make_recommendation()
    link = loaded_accepted(recommendation)
    moment = an_hour_ago().isoformat()
    path = write_curation(
        tmp_path / "c.yaml",
        {
            "links": [rejected_elsewhere(link, moment)],
            "history": [
                {
                    "recommendation": recommendation.code,
                    "changed_at": moment,
                    "changed_by": "ed",
                    "from": "implemented",
                    "to": "not_found",
                    "reason": "Read again.",
                    "links": [
                        {
                            "factsheet": link.action.factsheet.slug,
                            "action": link.action.key,
                            "relation": "implements",
                            "review": "rejected",
                            "reason": "Read again.",
                        }
                    ],
                }
            ],
        },
    )
    result = load_curation(path)
    assert len(result.corrected) == 1
    changes = list(
        StatusChange.objects.filter(recommendation=recommendation).values_list(
            "changed_at", "from_status", "to_status"
        )
    )
    assert len(changes) == 1, changes


def test_export_then_load_into_the_same_database_corrects_nothing(tmp_path, django_user_model):
    """A reason saved through an admin form keeps inner double spaces (not normalised);
    the load normalises the file's: a plain round trip reports a 'correction'."""
    editor = django_user_model.objects.create_user("ed")
    recommendation = make_recommendation()
    link = make_link(
        recommendation=recommendation,
        reason="It does  the thing.",
        reviewed_by=editor,
        reviewed_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    path = tmp_path / "c.yaml"
    export_curation(path)
    version = Link.objects.get(pk=link.pk).version
    result = load_curation(path)
    assert (result.corrected, result.kept) == ([], [])
    assert Link.objects.get(pk=link.pk).version == version


def test_a_corrections_own_history_does_not_block_the_files_override(tmp_path, django_user_model):
    """The file (exported elsewhere) corrects a link and overrides the status of its
    recommendation. The correction's new history entry (by the file's reviewer, now) must
    not count as 'an editor decided here since the file', which skips the override."""
    django_user_model.objects.create_user("ed")
    recommendation = make_recommendation()
    link = loaded_accepted(recommendation)
    moment = an_hour_ago()
    path = write_curation(
        tmp_path / "c.yaml",
        {
            "links": [rejected_elsewhere(link, moment.isoformat())],
            "overrides": [
                {
                    "recommendation": recommendation.code,
                    "status": "partial",
                    "since": (moment.date() - datetime.timedelta(days=1)).isoformat(),
                    "reason": "Partly done, by other means.",
                }
            ],
        },
    )
    result = load_curation(path)
    assert len(result.corrected) == 1
    recommendation.refresh_from_db()
    assert (result.overrides, recommendation.status_override) == (1, "partial")


def test_a_file_entry_later_than_an_editors_reopening_decides_the_link(tmp_path, django_user_model):
    """Reopening a link (back to review) is a decision the file corrects as it does any
    other: only when the file's entry is the later one; the correction is in the history."""
    editor = django_user_model.objects.create_user("ed")
    recommendation = make_recommendation()
    link = loaded_accepted(recommendation)
    link.review = "suggested"
    save_link_edits([link], user=editor)
    reopened_at = an_hour_ago()
    Link.objects.filter(pk=link.pk).update(reviewed_at=reopened_at)

    def accepted_at(moment):
        entry = file_entry(
            (recommendation, link.action),
            review="accepted",
            relation="partial",
            reason="Read again: partly.",
            reviewed_by="ed",
            reviewed_at=moment.isoformat(),
        )
        return write_curation(tmp_path / f"{moment:%H%M%S}.yaml", {"links": [entry]})

    earlier = load_curation(accepted_at(reopened_at - datetime.timedelta(minutes=30)))
    assert earlier.kept == [
        f"link #1 ({recommendation.code} / {link.action.factsheet.slug} / {link.action.key}): "
        "reopened → accepted, partial"
    ]
    assert Link.objects.get(pk=link.pk).review == "suggested"

    later = load_curation(accepted_at(reopened_at + datetime.timedelta(minutes=30)))
    assert len(later.corrected) == 1 and later.kept == []
    link.refresh_from_db()
    assert (link.review, link.relation) == ("accepted", "partial")
    latest = StatusChange.objects.filter(recommendation=recommendation).order_by("pk").last()
    assert (latest.from_status, latest.to_status) == ("not_found", "partial")
    assert latest.reason == "Read again: partly."
