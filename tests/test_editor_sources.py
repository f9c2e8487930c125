"""Editor-entered sources: evidence from outside the documents searched (a Federal Register
notice, a State Department release, a court filing), entered by an editor, linked like any
action, marked on the public pages, exported, and left alone by imports."""

import csv
import datetime
import io
import json
import shutil

import pytest
import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse

from tracker import record
from tracker.curation import CurationError, cite_editor_source, save_editor_source, set_override
from tracker.importers.curation_file import export_curation, load_curation
from tracker.importers.document_import import import_documents
from tracker.importers.errors import SourceError
from tracker.importers.seed import seed
from tracker.matching import candidate_actions
from tracker.models import (
    Action,
    Administration,
    Document,
    EditorSource,
    Link,
    Recommendation,
    StatusChange,
)
from tracker.status import status_records

from .factories import make_administrations, make_factsheet, make_recommendation

pytestmark = pytest.mark.django_db

NOTICE = {
    "title": "Rescission of the Mexico City Policy",
    "publisher": "Federal Register",
    "published": datetime.date(2025, 3, 1),
    "url": "https://www.federalregister.gov/documents/2025/03/01/2025-01234/rescission",
}
PASSAGE = "The Department hereby rescinds the policy in full, effective immediately."
SHEET = (
    "---\ndate: '2025-03-01'\nsource_url: https://www.whitehouse.gov/fs/\n"
    "title: Rescission of the Mexico City Policy\n---\n**Section**\n\n"
    "-   The Department hereby rescinds the policy in full, effective immediately.\n"
)


def enter_source(**fields):
    return save_editor_source(EditorSource(**(NOTICE | fields)), passage=PASSAGE)


@pytest.fixture
def editor():
    user = get_user_model().objects.create_user(
        "ed", password="an-editor-password-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def overridden():
    """The issue's scenario: "Implemented" by override, with no evidence in the record."""
    make_administrations()
    recommendation = make_recommendation(code="rescind-gag-rule", title="Rescind the gag rule")
    set_override(recommendation, status="implemented", reason="Rescinded by notice.")
    return recommendation


@pytest.fixture
def cited(overridden):
    source = enter_source()
    cite_editor_source(
        source, overridden, relation="implements", reason="The notice rescinds the rule."
    )
    return overridden, source


def detail(client, recommendation, **query):
    cache.clear()
    return client.get(recommendation.get_absolute_url(), query).content.decode()


def read_csv(client, name, **query):
    response = client.get(reverse(name), query)
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_an_override_with_an_editor_source_shows_it_as_evidence(client, editor, overridden):
    before = detail(client, overridden)
    history = StatusChange.objects.filter(recommendation=overridden).count()
    assert "Evidence of implementation" in before and "No action found." in before

    client.force_login(editor)
    response = client.post(
        reverse("admin:tracker_editorsource_add"),
        {
            **NOTICE,
            "published": "2025-03-01",
            "passage": PASSAGE,
            "recommendation": overridden.pk,
            "relation": "implements",
            "reason": "The notice rescinds the rule.",
        },
    )
    assert response.status_code == 302, response.content.decode()
    client.logout()

    page = detail(client, overridden)
    status_line = page[
        page.index('class="status-line"') : page.index("</p>", page.index('class="status-line"'))
    ]
    assert ">Implemented</span>" in status_line
    assert "No action found." not in page  # Below "Implemented", the source is the evidence.
    evidence = page[page.index("Evidence of implementation") :]
    assert "Editor-entered source</strong>: Federal Register, " in evidence
    assert NOTICE["title"] in evidence and "1 March 2025" in evidence
    assert PASSAGE in evidence and NOTICE["url"] in evidence
    timeline = page[page.index('id="timeline"') : page.index("Evidence of implementation")]
    assert "Editor-entered source" in timeline and "Second Trump administration" in timeline
    link = Link.objects.get(recommendation=overridden)
    assert (link.review, link.relation, link.reviewed_by) == ("accepted", "implements", editor)
    # Implemented by override before and after: no change of public status, no history entry.
    assert StatusChange.objects.filter(recommendation=overridden).count() == history


def test_its_own_page_and_the_documents_list_mark_it(client, cited):
    _, source = cited
    cache.clear()
    page = client.get(source.get_absolute_url()).content.decode()
    assert "<strong>Editor-entered source</strong>: evidence the tracker" in page
    assert "Federal Register" in page and PASSAGE in page and NOTICE["url"] in page
    listed = client.get(reverse("tracker:document_list"), {"kind": "editor_source"})
    assert [document.pk for document in listed.context["page"]] == [source.pk]


def test_status_over_time_counts_the_source_from_its_date(client, cited):
    recommendation, source = cited
    set_override(recommendation, status="", reason="")  # The evidence decides now.
    recommendation.refresh_from_db()
    assert recommendation.status == "implemented"
    record_ = status_records(Recommendation.objects.filter(pk=recommendation.pk))[recommendation.pk]
    assert record_.status_on(datetime.date(2025, 2, 28)) == "not_found"
    assert record_.status_on(datetime.date(2025, 3, 1)) == "implemented"
    assert "No action found." in detail(client, recommendation, as_of="2025-02-28")

    source.published = datetime.date(2025, 4, 1)  # An editor corrects the date.
    save_editor_source(source, passage=PASSAGE)
    assert not Link.objects.get(action__factsheet=source).source_changed  # Same words.
    record_ = status_records(Recommendation.objects.filter(pk=recommendation.pk))[recommendation.pk]
    assert record_.status_on(datetime.date(2025, 3, 15)) == "not_found"
    assert Document.objects.get(pk=source.pk).administration.slug == "trump-2"

    source.published = datetime.date(2024, 12, 1)  # Into the previous administration.
    save_editor_source(source, passage=PASSAGE + " As amended.")
    assert Document.objects.get(pk=source.pk).administration.slug == "biden"
    assert Link.objects.get(action__factsheet=source).source_changed  # New words: review again.
    assert list(Recommendation.objects.search("amended")) == [recommendation]


def test_the_downloads_carry_it(client, cited):
    (row,) = read_csv(client, "tracker:links_csv")
    assert row["document_kind"] == "editor_source"
    assert row["publisher"] == "Federal Register"
    assert row["factsheet_title"] == NOTICE["title"] and row["factsheet_date"] == "2025-03-01"
    assert row["factsheet_url"] == row["working_url"] == NOTICE["url"]
    assert row["action_text"] == PASSAGE and row["administration"] == "trump-2"

    (row,) = read_csv(client, "tracker:scorecard_csv")
    assert row["evidence"] == (
        f"Editor-entered source: Federal Register, {NOTICE['title']} (2025-03-01): "
        "The notice rescinds the rule."
    )
    assert row["evidence_urls"] == NOTICE["url"] and row["evidence_count"] == "1"

    response = client.get(reverse("tracker:scorecard_json"), {"metadata": "1"})
    (evidence,) = json.loads(b"".join(response.streaming_content))["recommendations"][0]["evidence"]
    assert evidence["document_kind"] == "editor_source"
    assert evidence["publisher"] == "Federal Register" and evidence["date"] == "2025-03-01"


def test_the_curation_file_round_trips_it(tmp_path, cited):
    recommendation, source = cited
    path = tmp_path / "curation.yaml"
    export_curation(path)
    (entry,) = yaml.safe_load(path.read_text())["sources"]
    assert entry == {
        "slug": source.slug,
        "title": NOTICE["title"],
        "publisher": "Federal Register",
        "date": "2025-03-01",
        "url": NOTICE["url"],
        "passage": PASSAGE,
    }
    Document.objects.filter(pk=source.pk).delete()  # Its action and link go with it.

    load = load_curation(path)

    assert load.sources == 1 and load.skipped == []
    restored = EditorSource.objects.get(slug=source.slug)
    assert restored.passage == PASSAGE and restored.administration.slug == "trump-2"
    link = Link.objects.get(action__factsheet=restored)
    assert (link.recommendation, link.relation, link.reason) == (
        recommendation,
        "implements",
        "The notice rescinds the rule.",
    )
    assert load_curation(path).sources == 0  # Held already: the database's version wins.


def test_a_malformed_source_in_the_curation_file_refuses_the_file(write_file):
    entry = {"slug": "editor-x", "title": "X", "date": "2025-03-01", "url": NOTICE["url"]}
    path = write_file("curation.yaml", yaml.safe_dump({"sources": [entry | {"passage": "P"}]}))
    with pytest.raises(SourceError, match="source #1: publisher"):
        load_curation(path)
    bad = entry | {"publisher": "FR", "passage": "Pasted\x01from a PDF"}
    path = write_file("curation.yaml", yaml.safe_dump({"sources": [bad]}))
    with pytest.raises(SourceError, match="source #1: passage: Character U\\+0001"):
        load_curation(path)
    assert not Document.objects.exists()


def test_imports_never_match_update_or_count_it(write_file, cited):
    _, source = cited
    before = list(Document.objects.filter(pk=source.pk).values())
    actions_before = list(Action.objects.filter(factsheet=source).values())
    # A file with the same title, date and words: a document of its own, not a version.
    summary = import_documents([write_file("2025-03-01-rescission.md", SHEET)])
    assert len(summary.created) == 1
    assert import_documents([write_file("2025-03-01-rescission.md", SHEET)]).unchanged
    # A file whose name is the source's slug is refused, not stored over it.
    clash = import_documents([write_file(f"{source.slug}.md", SHEET)])
    assert "taken by the editor-entered source" in clash.failed[0][1]

    assert list(Document.objects.filter(pk=source.pk).values()) == before
    assert list(Action.objects.filter(factsheet=source).values()) == actions_before
    assert Link.objects.get(action__factsheet=source).review == "accepted"
    scope = record.scope()
    assert scope.count == 1 and [s.kind for s in scope.sets] == ["factsheet"]
    assert not candidate_actions().filter(factsheet=source).exists()  # Never suggested.


def test_the_database_requires_a_publisher_and_an_address_and_a_file_for_the_rest():
    with transaction.atomic(), pytest.raises(IntegrityError):
        Document.objects.create(
            kind="editor_source", slug="s", title="T", published=NOTICE["published"], url="x"
        )
    with transaction.atomic(), pytest.raises(IntegrityError):
        make_factsheet(source_path="")


def test_the_admin_validates_like_other_editor_text(client, editor, overridden):
    client.force_login(editor)
    response = client.post(
        reverse("admin:tracker_editorsource_add"),
        {
            "title": "A notice",
            "publisher": "",
            "published": "2999-01-01",
            "url": "not an address",
            "passage": "Pasted\x0bfrom a PDF",
            "recommendation": overridden.pk,
            "relation": "implements",
            "reason": "",
        },
    )
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"publisher", "published", "url", "passage", "reason"}
    assert not Document.objects.filter(kind="editor_source").exists()


def test_a_stale_edit_is_refused_and_a_linked_source_is_kept(client, admin_client, editor, cited):
    _, source = cited
    url = reverse("admin:tracker_editorsource_change", args=[source.pk])
    client.force_login(editor)
    seen = source.version
    save_editor_source(EditorSource.objects.get(pk=source.pk), passage=PASSAGE + " Amended.")
    response = client.post(
        url,
        {
            **NOTICE,
            "published": "2025-03-01",
            "passage": PASSAGE,
            "seen_version": seen,
        },
    )
    assert response.status_code == 200 and "Someone else changed" in response.content.decode()
    assert EditorSource.objects.get(pk=source.pk).passage == PASSAGE + " Amended."
    assert admin_client.get(url).context["has_delete_permission"] is False
    unlinked = enter_source(title="Not cited")
    delete = reverse("admin:tracker_editorsource_change", args=[unlinked.pk])
    assert admin_client.get(delete).context["has_delete_permission"] is True
    response = admin_client.post(  # A bulk delete from the list keeps the linked one.
        reverse("admin:tracker_editorsource_changelist"),
        {"action": "delete_selected", "_selected_action": [source.pk], "post": "yes", "index": 0},
    )
    assert EditorSource.objects.filter(pk=source.pk).exists()
    admin_client.post(
        reverse("admin:tracker_editorsource_changelist"),
        {"action": "delete_selected", "_selected_action": [unlinked.pk], "post": "yes", "index": 0},
    )
    assert not EditorSource.objects.filter(pk=unlinked.pk).exists()
    with pytest.raises(CurationError, match="Quote the passage"):
        save_editor_source(source, passage="  ")


def test_the_page_takes_the_same_queries_with_editor_sources(
    client, cited, django_assert_num_queries
):
    recommendation, _ = cited
    cache.clear()
    with django_assert_num_queries(4):
        client.get(recommendation.get_absolute_url())
    for number in range(3):
        source = enter_source(title=f"Notice {number}")
        cite_editor_source(source, recommendation, relation="partial", reason="Partly.")
    cache.clear()
    with django_assert_num_queries(4):
        client.get(recommendation.get_absolute_url())


@pytest.mark.slow
def test_export_then_seed_into_a_fresh_database_keeps_it(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(settings.SEEDS_DIR, seeds)
    seed(seeds)
    guantanamo = Recommendation.objects.get(code="close-guantanamo")
    source = enter_source(
        title="Transfer of detainees", publisher="Department of Defense", url=NOTICE["url"]
    )
    cite_editor_source(source, guantanamo, relation="partial", reason="Transfers resumed.")
    export_curation(seeds / "curation.yaml")

    StatusChange.objects.all().delete()
    Link.objects.all().delete()
    Recommendation.objects.all().delete()
    Document.objects.all().delete()
    seed(seeds)

    restored = EditorSource.objects.get(slug=source.slug)
    assert restored.passage == PASSAGE
    guantanamo = Recommendation.objects.get(code="close-guantanamo")
    assert guantanamo.status == "partial"
    assert Link.objects.get(action__factsheet=restored, recommendation=guantanamo).is_evidence
    assert seed(seeds).curation.sources == 0  # A second run changes nothing.


def test_a_refused_curation_file_leaves_no_source_behind(write_file):
    source = {"slug": "editor-x", "title": "X", "publisher": "FR", "date": "2025-03-01"}
    source |= {"url": NOTICE["url"], "passage": PASSAGE}
    bad_link = {"recommendation": "r", "factsheet": "editor-x", "action": "p", "review": "maybe"}
    path = write_file("curation.yaml", yaml.safe_dump({"sources": [source], "links": [bad_link]}))
    with pytest.raises(SourceError, match="link #1: review"):
        load_curation(path)
    assert not Document.objects.exists()


def test_the_source_form_never_overwrites_a_decided_link(client, editor, cited):
    recommendation, source = cited
    client.force_login(editor)
    response = client.post(
        reverse("admin:tracker_editorsource_change", args=[source.pk]),
        {
            **NOTICE,
            "published": "2025-03-01",
            "passage": PASSAGE,
            "seen_version": source.version,
            "recommendation": recommendation.pk,
            "relation": "contrary",
            "reason": "A stale form says otherwise.",
        },
    )
    errors = response.context["adminform"].form.errors
    assert "the link's own page" in errors["recommendation"][0]
    link = Link.objects.get(action__factsheet=source)
    assert (link.relation, link.reason) == ("implements", "The notice rescinds the rule.")
    Link.objects.filter(pk=link.pk).update(review="rejected", reason="Deleted by ed.")
    with pytest.raises(CurationError, match=r"link.s own page"):
        cite_editor_source(source, recommendation, relation="implements", reason="Back again.")
    assert Link.objects.get(pk=link.pk).review == "rejected"


@pytest.mark.parametrize("page", ["tracker:scorecard", "tracker:about"])
def test_the_public_wording_names_editor_entered_sources(client, page):
    make_administrations()
    cache.clear()
    text = client.get(reverse(page)).content.decode()
    assert "editor-entered source" in text
    assert "by the White House’s own documents" not in text


def test_a_source_slug_keeps_the_editor_prefix(write_file):
    make_administrations()
    assert enter_source().slug.startswith("editor-2025-03-01-")
    source = {"slug": "fs-2026-01-01", "title": "X", "publisher": "FR", "date": "2025-03-01"}
    path = write_file("curation.yaml", yaml.safe_dump({"sources": [source]}))
    with pytest.raises(SourceError, match=r"source #1: .*must start with 'editor-'"):
        load_curation(path)
    assert not Document.objects.filter(slug="fs-2026-01-01").exists()


def test_an_administration_an_editor_corrected_stays_until_the_date_changes():
    make_administrations()
    source = enter_source()
    Document.objects.filter(pk=source.pk).update(
        administration=Administration.objects.get(slug="biden")
    )
    source = EditorSource.objects.get(pk=source.pk)
    save_editor_source(source, passage=PASSAGE + " Amended.")
    assert Document.objects.get(pk=source.pk).administration.slug == "biden"
    source.published = datetime.date(2025, 3, 2)
    save_editor_source(source, passage=PASSAGE)
    assert Document.objects.get(pk=source.pk).administration.slug == "trump-2"
