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


# Longer than a slug: pages whose names differ only after the cut (three presidential
# permits of one title and day whose addresses end "-1c3", "-215" and "-9ef").
LONG_NAME = "2024-05-01-presidential-permit-" + "-".join(["pipeline-facilities-at-the-border"] * 6)


def permit(suffix, text, modified=""):
    """A permit page named `LONG_NAME-suffix` whose own text is `text`."""
    url = f"https://x.gov/presidential-actions/{LONG_NAME[11:]}-{suffix}/"
    return page(url, title="Presidential Permit: Pipeline Facilities", modified=modified).replace(
        BODY, f"{text}\n\nThis permit takes effect on its signature.\n"
    )


def test_pages_whose_names_differ_only_after_the_slugs_length_are_stored_apart(
    tmp_path, write_file
):
    names = [f"{LONG_NAME}-{suffix}.md" for suffix in ("1c3", "215", "9ef")]
    files = [
        write_file(f"record/{name}", permit(name[-6:-3], f"The permit of {year}."))
        for name, year in zip(names, (1994, 1998, 2017), strict=True)
    ]

    first_round = import_documents([tmp_path / "record"])
    slugs = dict(Document.objects.values_list("source_path", "slug"))
    again = import_documents([tmp_path / "record"])

    assert first_round.created == files and first_round.duplicates == []
    assert slugs[names[0]] == LONG_NAME[:200]
    assert len(set(slugs.values())) == 3
    assert all(len(slug) <= 200 for slug in slugs.values())
    assert (again.unchanged, again.updated, again.duplicates) == (files, [], [])
    assert dict(Document.objects.values_list("source_path", "slug")) == slugs


def test_the_stored_page_keeps_its_slug_when_a_page_cut_to_it_sorts_before_it(tmp_path, write_file):
    later = write_file(f"record/{LONG_NAME}-9ef.md", permit("9ef", "The permit of 2017."))
    import_documents([later])
    earlier = write_file(f"record/{LONG_NAME}-1c3.md", permit("1c3", "The permit of 1994."))

    summary = import_documents([tmp_path / "record"])

    assert (summary.created, summary.unchanged) == ([earlier], [later])
    assert Document.objects.get(source_path=later.name).slug == LONG_NAME[:200]
    assert Document.objects.get(source_path=earlier.name).slug != LONG_NAME[:200]


def test_a_page_with_a_distinct_slug_in_two_folders_is_stored_once_and_stays_put(
    tmp_path, write_file
):
    write_file(f"a/{LONG_NAME}-1c3.md", permit("1c3", "The permit of 1994."))
    write_file(f"a/{LONG_NAME}-215.md", permit("215", "The permit of 1998."))
    copy = write_file(
        f"b/{LONG_NAME}-215.md", permit("215", "The permit of 1998.", modified="2024-05-02")
    )

    first_round = import_folder_by_folder(tmp_path / "a", tmp_path / "b")
    again = import_folder_by_folder(tmp_path / "a", tmp_path / "b")

    assert [len(summary.created) for summary in first_round] == [2, 0]
    assert first_round[1].duplicates == [copy]
    assert [len(summary.unchanged) for summary in again] == [2, 0]
    assert [summary.duplicates for summary in again] == [[], [copy]]
    assert not any(summary.updated for summary in again)
    assert Document.objects.imported().count() == 2


def test_the_file_named_for_a_distinct_slug_takes_its_page_back_from_a_re_issue(
    tmp_path, write_file
):
    write_file(f"record/{LONG_NAME}-1c3.md", permit("1c3", "The permit of 1994."))
    named = write_file(f"record/{LONG_NAME}-215.md", permit("215", "The permit of 1998."))
    import_documents([tmp_path / "record"])
    slug = Document.objects.get(source_path=named.name).slug
    named.unlink()
    reissue = write_file(
        "record/2024-05-01-presidential-permit-reissued.md", permit("r", "The permit of 1998.")
    )
    import_documents([tmp_path / "record"])
    write_file(f"record/{named.name}", permit("215", "The permit of 1998."))

    summary = import_documents([tmp_path / "record"])
    again = import_documents([tmp_path / "record"])

    assert (summary.updated, summary.duplicates) == ([named], [reissue])
    assert Document.objects.get(slug=slug).source_path == named.name
    assert (again.updated, again.duplicates) == ([], [reissue])
