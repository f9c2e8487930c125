"""Re-imports keep editors' work: the source may change under a curated link."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tracker.curation import review_links
from tracker.importers.document_import import import_factsheets
from tracker.models import Action, Document, Link

from .factories import make_recommendation

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
