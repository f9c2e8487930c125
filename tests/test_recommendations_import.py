import shutil

import pytest
import yaml

from tracker.importers.errors import SourceError
from tracker.importers.recommendations import import_recommendations
from tracker.models import Document, Link, Recommendation, Stage

from .factories import make_action, make_link

pytestmark = pytest.mark.django_db

STAGES = ["Reverse and Revoke", "Reaffirm", "Rebuild", "Reengage", "Reconceptualize"]


@pytest.fixture
def seed_copy(tmp_path, seeds_dir):
    """A writable copy of the recommendations file and the essay beside it."""
    shutil.copytree(seeds_dir / "essays", tmp_path / "essays")
    shutil.copy(seeds_dir / "recommendations.yaml", tmp_path)
    return tmp_path / "recommendations.yaml"


def edit(path, change):
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def test_seed_recommendations_import_with_stages_in_essay_order(seeds_dir):
    import_recommendations(seeds_dir / "recommendations.yaml")

    assert list(Stage.objects.values_list("name", flat=True)) == STAGES
    entries = yaml.safe_load((seeds_dir / "recommendations.yaml").read_text())["recommendations"]
    assert Recommendation.objects.count() == len(entries)
    assert 30 <= len(entries) <= 50
    for stage in Stage.objects.all():
        assert stage.recommendations.exists(), stage.name
    essay = Document.objects.essays().get()
    assert essay.checksum and len(essay.footnotes) == 16


def test_asks_the_fact_sheets_never_mention_are_included(seeds_dir):
    import_recommendations(seeds_dir / "recommendations.yaml")
    quotes = " ".join(Recommendation.objects.values_list("quote", flat=True))
    for ask in ["Guantánamo", "death penalty", "Criminal Court", "refugee", "Works Agency"]:
        assert ask in quotes, ask


def test_every_stored_quote_is_verbatim_in_the_stored_essay(seeds_dir):
    import_recommendations(seeds_dir / "recommendations.yaml")
    flowing = " ".join(Document.objects.essays().get().body.split())
    for recommendation in Recommendation.objects.all():
        assert recommendation.quote in flowing, recommendation.code


def test_sub_headings_are_recorded_for_reconceptualize(seeds_dir):
    import_recommendations(seeds_dir / "recommendations.yaml")
    subsections = set(
        Recommendation.objects.filter(stage__slug="reconceptualize").values_list(
            "subsection", flat=True
        )
    )
    assert {"Institutional Reform", "Expressive Freedoms"} <= subsections


def test_a_quote_missing_from_the_essay_fails_naming_the_code_and_writes_nothing(seed_copy):
    def break_quote(data):
        data["recommendations"][3]["quote"] = "the administration should close every embassy"

    edit(seed_copy, break_quote)
    code = yaml.safe_load(seed_copy.read_text())["recommendations"][3]["code"]

    with pytest.raises(SourceError, match=f"recommendation {code}: the quote is not in the essay"):
        import_recommendations(seed_copy)
    assert not Recommendation.objects.exists()
    assert not Document.objects.exists()


def test_a_stage_that_is_not_a_heading_is_refused(seed_copy):
    edit(seed_copy, lambda data: data["essay"]["stages"].append("Rethink Everything"))
    with pytest.raises(SourceError, match="'Rethink Everything' is not a heading"):
        import_recommendations(seed_copy)


def test_duplicate_codes_are_refused(seed_copy):
    def duplicate(data):
        data["recommendations"][1]["code"] = data["recommendations"][0]["code"]

    edit(seed_copy, duplicate)
    with pytest.raises(SourceError, match="appears twice"):
        import_recommendations(seed_copy)


def test_malformed_yaml_names_the_line(seed_copy):
    seed_copy.write_text("essay:\n  title: [unclosed\n")
    with pytest.raises(SourceError, match=r"recommendations.yaml:\d+: malformed YAML"):
        import_recommendations(seed_copy)


def test_a_second_import_changes_nothing(seeds_dir):
    import_recommendations(seeds_dir / "recommendations.yaml")
    before = list(Recommendation.objects.values())

    summary = import_recommendations(seeds_dir / "recommendations.yaml")

    assert not summary.changed
    assert list(Recommendation.objects.values()) == before


def test_an_edited_title_updates_the_same_row(seed_copy):
    import_recommendations(seed_copy)
    first = Recommendation.objects.order_by("stage__position", "position").first()
    edit(seed_copy, lambda data: data["recommendations"][0].update(title="A new title"))
    code = yaml.safe_load(seed_copy.read_text())["recommendations"][0]["code"]

    summary = import_recommendations(seed_copy)

    assert summary.updated == [code]
    assert Recommendation.objects.get(code=code).title == "A new title"
    assert Recommendation.objects.filter(pk=first.pk).exists()


def test_dropping_a_reviewed_recommendation_is_refused(seed_copy):
    import_recommendations(seed_copy)
    entries = yaml.safe_load(seed_copy.read_text())["recommendations"]
    make_link(
        recommendation=Recommendation.objects.get(code=entries[0]["code"]), action=make_action()
    )
    edit(seed_copy, lambda data: data["recommendations"].pop(0))

    with pytest.raises(SourceError, match="editors have reviewed its links"):
        import_recommendations(seed_copy)
    assert Recommendation.objects.filter(code=entries[0]["code"]).exists()


def test_dropping_a_recommendation_never_reviewed_deletes_it(seed_copy):
    import_recommendations(seed_copy)
    entries = yaml.safe_load(seed_copy.read_text())["recommendations"]
    unlinked, suggested = entries[0]["code"], entries[1]["code"]
    make_link(
        recommendation=Recommendation.objects.get(code=suggested),
        action=make_action(),
        review=Link.Review.SUGGESTED,
        relation="",
        reason="",
    )
    edit(seed_copy, lambda data: data.update(recommendations=data["recommendations"][2:]))

    summary = import_recommendations(seed_copy)

    assert sorted(summary.deleted) == sorted([unlinked, suggested])
    assert not Recommendation.objects.filter(code__in=[unlinked, suggested]).exists()
