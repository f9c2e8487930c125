"""Re-imports keep editors' work: the source may change under a curated link."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse

from tracker.curation import review_links
from tracker.importers.document_import import import_factsheets
from tracker.importers.document_parser import PARSER_VERSION, action_key
from tracker.models import Action, Document, Link

from .factories import make_essay, make_link, make_recommendation

pytestmark = pytest.mark.django_db

SHEET = (
    "---\ndate: '2024-05-01'\nsource_url: https://www.whitehouse.gov/fs/\ntitle: Rights sheet\n"
    "---\n**Section**\n\n-   We rejoined the UN Human Rights Council in 2021.\n"
    "-   We restored funding to the UN Population Fund.\n-   We hosted a water conference.\n"
)


@pytest.fixture
def curated(write_file):
    path = write_file("rights.md", SHEET)
    import_factsheets([path])
    council = Action.objects.get(text__startswith="We rejoined")
    recommendation = make_recommendation(code="rejoin-council")
    link = Link.objects.create(recommendation=recommendation, action=council)
    review_links([link], review="accepted", relation="implements", reason="Rejoined in 2021.")
    link.refresh_from_db()
    return path, council, link


def test_no_change_upstream_changes_nothing(curated):
    path, _, _ = curated
    before = list(Action.objects.values()), list(Link.objects.values())
    summary = import_factsheets([path])
    assert summary.unchanged == [path]
    assert (list(Action.objects.values()), list(Link.objects.values())) == before


def test_a_typo_fixed_upstream_keeps_the_row_and_its_links(curated, write_file):
    path, council, link = curated
    write_file("rights.md", SHEET.replace("rejoined the UN", "re-joined the UN"))

    import_factsheets([path])

    council.refresh_from_db()
    link.refresh_from_db()
    assert council.text == "We re-joined the UN Human Rights Council in 2021."
    assert Action.objects.count() == 3
    assert (link.action_id, link.review, link.reason) == (
        council.pk,
        "accepted",
        "Rejoined in 2021.",
    )
    assert link.source_changed


def test_an_action_removed_upstream_keeps_its_links_flagged_for_editors(
    curated, write_file, client
):
    path, council, link = curated
    write_file(
        "rights.md", SHEET.replace("-   We rejoined the UN Human Rights Council in 2021.\n", "")
    )

    import_factsheets([path])

    council.refresh_from_db()
    link.refresh_from_db()
    assert council.withdrawn
    assert link.review == "accepted" and link.source_changed
    editor = get_user_model().objects.create_superuser("ed", password="a-long-password-1")
    client.force_login(editor)
    queue = client.get(reverse("admin:tracker_link_changelist"), {"source_changed": "yes"})
    assert "rejoin-council" in queue.content.decode()


def test_a_new_review_clears_the_flag(curated, write_file):
    path, _, link = curated
    write_file("rights.md", SHEET.replace("in 2021", "in early 2021"))
    import_factsheets([path])
    link.refresh_from_db()
    assert link.source_changed
    review_links([link], review="accepted", relation="implements", reason="Still rejoined.")
    link.refresh_from_db()
    assert not link.source_changed


def test_two_different_fact_sheets_with_one_title_and_date_stay_apart(curated, write_file):
    other = SHEET.split("**Section**")[0] + "**Section**\n\n-   Something else entirely.\n"
    import_factsheets([write_file("another-file.md", other)])
    assert Document.objects.factsheets().count() == 2


def test_a_fact_sheet_reissued_at_a_new_address_is_not_duplicated(curated, write_file):
    _, council, link = curated
    reissued = write_file(
        "reissued-under-another-name.md",
        SHEET.replace("https://www.whitehouse.gov/fs/", "https://bidenwhitehouse.archives.gov/fs/"),
    )

    summary = import_factsheets([reissued])

    assert summary.updated == [reissued]
    assert Document.objects.factsheets().count() == 1
    assert Action.objects.count() == 3
    assert Document.objects.factsheets().get().url == "https://bidenwhitehouse.archives.gov/fs/"
    link.refresh_from_db()
    assert link.action_id == council.pk and not link.source_changed


# Bold with a space inside its delimiters, which version 0 of the parser read as text: the
# heading was an action, and the lead-ins were not found.
LOOSE_SHEET = (
    "---\ndate: '2024-06-01'\nsource_url: https://www.whitehouse.gov/fs2/\ntitle: Loose bold\n"
    "---\n** Justice**\n\n-   **Courts: **We expanded legal aid.\n"
    "-   **Police: **We funded training.\n"
)
VERSION_0_TEXTS = [
    "** Justice**",
    "**Courts: **We expanded legal aid.",
    "**Police: **We funded training.",
]


def store_as_version_0(document, texts=()):
    """Make `document` what version 0 of the parser stored: its version, and its actions'
    `texts` in order (each found by its key, the words, or added); returns the actions."""
    Document.objects.filter(pk=document.pk).update(parser_version=0)
    return [
        Action.objects.update_or_create(
            factsheet=document,
            key=action_key(text),
            defaults={"position": position, "section": "", "lead_in": "", "text": text},
        )[0]
        for position, text in enumerate(texts, start=1)
    ]


@pytest.fixture
def loose(write_file):
    """LOOSE_SHEET as version 0 stored it, an editor's accepted link and a suggestion on the
    heading it read as an action, and one on a bullet."""
    path = write_file("loose.md", LOOSE_SHEET)
    import_factsheets([path])
    document = Document.objects.get(source_path="loose.md")
    heading, courts, _ = store_as_version_0(document, VERSION_0_TEXTS)
    on_heading = make_link(action=heading, reason="Justice.")
    suggested = make_link(action=heading, review=Link.Review.SUGGESTED, reason="")
    on_courts = make_link(action=courts, reason="Legal aid.")
    return path, document, (on_heading, suggested, on_courts)


def test_a_file_read_by_an_older_parser_is_read_again_keeping_its_actions(loose):
    path, document, (_, _, on_courts) = loose
    before = dict(document.actions.values_list("key", "pk"))

    summary = import_factsheets([path])

    assert summary.reparsed == [path] and summary.imported == 1 and not summary.unchanged
    current = document.actions.filter(withdrawn=False).order_by("position")
    assert list(current.values_list("section", "lead_in", "text")) == [
        ("Justice", "Courts:", "Courts: We expanded legal aid."),
        ("Justice", "Police:", "Police: We funded training."),
    ]
    assert {key: before[key] for key, _ in current.values_list("key", "pk")} == dict(
        current.values_list("key", "pk")
    )
    document.refresh_from_db()
    assert document.parser_version == PARSER_VERSION
    on_courts.refresh_from_db()  # Its action kept its key: the link is untouched.
    assert on_courts.action.text == "Courts: We expanded legal aid."
    assert not on_courts.source_changed


def test_an_action_the_new_parser_does_not_read_is_retired_as_for_a_changed_file(loose):
    path, _, (on_heading, suggested, _) = loose

    import_factsheets([path])

    on_heading.refresh_from_db()
    assert on_heading.action.withdrawn
    assert on_heading.review == "accepted" and on_heading.source_changed
    assert not Link.objects.filter(pk=suggested.pk).exists()


def test_a_file_read_by_the_current_parser_is_skipped(loose):
    path, _, _ = loose
    import_factsheets([path])
    before = list(Document.objects.values()), list(Action.objects.values())
    before_links = list(Link.objects.values())

    summary = import_factsheets([path])

    assert summary.unchanged == [path] and not summary.reparsed and not summary.reread
    assert (list(Document.objects.values()), list(Action.objects.values())) == before
    assert list(Link.objects.values()) == before_links


def test_a_file_an_older_parser_read_the_same_way_only_records_the_version(write_file):
    path = write_file("loose.md", LOOSE_SHEET)
    import_factsheets([path])
    document = Document.objects.get()
    store_as_version_0(document)
    actions = list(Action.objects.values())

    summary = import_factsheets([path])

    assert summary.reread == [path] and summary.unchanged == [path] and not summary.imported
    assert "0 imported (0 new, 0 updated), 1 unchanged (1 read again by parser" in str(summary)
    saved = Document.objects.get()
    assert saved.parser_version == PARSER_VERSION
    assert (saved.version, saved.updated_at) == (document.version, document.updated_at)
    assert list(Action.objects.values()) == actions


def test_the_summary_counts_the_files_read_again(loose):
    path, _, _ = loose
    out = StringIO()

    call_command("import_documents", str(path), "--no-suggest", stdout=out)
    call_command("import_documents", str(path), "--no-suggest", stdout=out)

    first, second = out.getvalue().splitlines()
    assert first.startswith("1 imported (0 new, 0 updated, 1 re-parsed), 0 unchanged, 0 failed")
    assert second.startswith("0 imported (0 new, 0 updated), 1 unchanged, 0 failed")


def test_a_dry_run_tells_what_a_new_parser_would_change_and_writes_nothing(loose):
    path, document, _ = loose

    summary = import_factsheets([path], dry_run=True)

    assert summary.reparsed == [path]
    assert Document.objects.get(pk=document.pk).parser_version == 0


def test_only_documents_the_parser_reads_carry_its_version():
    with pytest.raises(IntegrityError):
        make_essay(parser_version=PARSER_VERSION)
