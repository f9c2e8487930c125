"""The same page saved as two files (in two folders, two sub-folders, or under a name the
scrape gave another page) is stored once, and importing the files again changes nothing."""

import pytest

from tracker.importers.document_import import import_documents
from tracker.models import Document, Link

from .factories import make_link

pytestmark = pytest.mark.django_db

BODY = (
    "**Protecting rivers**\n\n"
    "-   We restored protections for small streams.\n"
    "-   We funded clean-up of the Great Lakes.\n"
    "-   We listed two rivers as wild and scenic.\n"
)


def page(url, title="Fact Sheet: Protecting Rivers", modified=""):
    """The page as the scrape saved it: the same text, its front matter as it was that day."""
    lines = ["---", "date: '2024-05-01'", f"source_url: {url}", f"title: '{title}'"]
    if modified:
        lines.append(f"modified_time: {modified}")
    return "\n".join([*lines, "tags: fact-sheets", "---", "", BODY])


def import_folder_by_folder(*folders):
    """As `bench/measure.py import_record` does: one import per folder, in order."""
    return [import_documents([folder]) for folder in folders]


def stored():
    document = Document.objects.imported().get()
    return document.slug, document.source_path, document.version, document.checksum


def test_the_same_page_in_two_folders_is_stored_once_and_stays_put(
    tmp_path, write_file, django_capture_on_commit_callbacks
):
    first = write_file("a/2024-05-01-fact-sheet-protecting-rivers.md", page("https://x.gov/a/"))
    second = write_file("b/2024-05-01-fact-sheet-rivers-protected.md", page("https://x.gov/b/"))
    import_folder_by_folder(tmp_path / "a", tmp_path / "b")
    link = make_link(action=Document.objects.get().actions.first())
    before = stored()

    with django_capture_on_commit_callbacks() as published:  # The page cache's version.
        again = import_folder_by_folder(tmp_path / "a", tmp_path / "b")

    assert [len(summary.updated) for summary in again] == [0, 0]
    assert [summary.unchanged for summary in again] == [[first], []]
    assert [summary.duplicates for summary in again] == [[], [second]]
    assert stored() == before
    assert before[:2] == ("2024-05-01-fact-sheet-protecting-rivers", first.name)
    assert published == []
    link.refresh_from_db()
    assert not link.source_changed


def test_the_second_folder_reports_the_page_as_a_duplicate_the_first_time(tmp_path, write_file):
    write_file("a/2024-05-01-fact-sheet-protecting-rivers.md", page("https://x.gov/a/"))
    second = write_file("b/2024-05-01-fact-sheet-rivers-protected.md", page("https://x.gov/b/"))

    first_round = import_folder_by_folder(tmp_path / "a", tmp_path / "b")

    assert [len(summary.created) for summary in first_round] == [1, 0]
    assert first_round[1].duplicates == [second] and not first_round[1].updated
    assert Document.objects.get().url == "https://x.gov/a/"


def test_one_name_in_two_sub_folders_is_stored_once_and_stays_put(tmp_path, write_file):
    name = "2024-05-01-fact-sheet-protecting-rivers.md"
    first = write_file(f"record/fact-sheets/{name}", page("https://x.gov/a/"))
    second = write_file(f"record/actions/{name}", page("https://x.gov/a/", modified="2024-05-02"))
    created = import_documents([tmp_path / "record"])
    before = stored()

    again = import_documents([tmp_path / "record"])

    assert (created.created, created.duplicates) == ([second], [first])  # "actions" sorts first
    assert (again.updated, again.unchanged, again.duplicates) == ([], [second], [first])
    assert stored() == before


def test_the_file_named_for_the_page_keeps_it_from_one_the_scrape_overwrote(tmp_path, write_file):
    # Sorted first, the overwritten file stores the page; the page's own file takes it over.
    overwritten = write_file(
        "record/2024-05-01-fact-sheet-honoring-small-business-owners.md", page("https://x.gov/b/")
    )
    named = write_file(
        "record/2024-05-01-fact-sheet-protecting-rivers.md", page("https://x.gov/rivers/")
    )
    first_round = import_documents([tmp_path / "record"])
    before = stored()

    again = import_documents([tmp_path / "record"])

    assert (first_round.created, first_round.updated) == ([overwritten], [named])
    assert first_round.duplicates == []
    assert before[:2] == ("2024-05-01-fact-sheet-protecting-rivers", named.name)
    assert (again.updated, again.unchanged, again.duplicates) == ([], [named], [overwritten])
    assert stored() == before


def test_a_page_whose_stored_file_is_gone_is_a_re_issue_from_another_folder(tmp_path, write_file):
    first = write_file("a/2024-05-01-fact-sheet-protecting-rivers.md", page("https://x.gov/a/"))
    second = write_file("b/2024-05-01-fact-sheet-rivers-protected.md", page("https://x.gov/b/"))
    import_documents([tmp_path / "a"])
    first.unlink()

    summary = import_documents([tmp_path / "b"])

    assert summary.updated == [second]
    document = Document.objects.get()
    assert (document.slug, document.source_path, document.url) == (
        "2024-05-01-fact-sheet-protecting-rivers",
        second.name,
        "https://x.gov/b/",
    )


def test_a_document_stored_before_locations_were_recorded_is_held_by_its_file(tmp_path, write_file):
    name = "2024-05-01-fact-sheet-protecting-rivers.md"
    write_file(f"record/fact-sheets/{name}", page("https://x.gov/a/"))
    write_file(f"record/actions/{name}", page("https://x.gov/a/", modified="2024-05-02"))
    import_documents([tmp_path / "record"])
    Document.objects.update(source_file="")
    before = stored()

    again = import_documents([tmp_path / "record"])

    assert (len(again.updated), len(again.unchanged), len(again.duplicates)) == (0, 1, 1)
    assert stored() == before


def test_a_different_text_of_the_page_in_another_folder_stays_apart_while_both_are_there(
    tmp_path, write_file
):
    write_file("a/2024-05-01-fact-sheet-protecting-rivers.md", page("https://x.gov/a/"))
    revised = page("https://x.gov/b/").replace("two rivers", "three rivers")
    write_file("b/2024-05-01-fact-sheet-rivers-protected.md", revised)

    rounds = import_folder_by_folder(tmp_path / "a", tmp_path / "b")
    again = import_folder_by_folder(tmp_path / "a", tmp_path / "b")

    assert [len(summary.created) for summary in rounds] == [1, 1]
    assert Document.objects.count() == 2
    assert not any(summary.updated or summary.duplicates for summary in again)
    assert not Link.objects.filter(source_changed=True).exists()


def test_a_folder_checked_out_elsewhere_is_the_same_folder(tmp_path, write_file):
    name = "2024-05-01-fact-sheet-protecting-rivers.md"
    write_file(f"checkout/seeds/{name}", page("https://x.gov/a/"))
    import_documents([tmp_path / "checkout" / "seeds"])
    edited = write_file(
        f"other-checkout/seeds/{name}", page("https://x.gov/a/").replace("two", "2")
    )

    summary = import_documents([tmp_path / "other-checkout" / "seeds"])

    assert summary.updated == [edited]
    assert Document.objects.imported().get().source_file == str(edited.resolve())
