"""The stored figures of each document set (`tracker.document_sets`) follow every write to the
documents, and the scope of the record read from them is the one counted from the documents."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max, Min
from django.urls import reverse

from bench.synthetic import scale_up
from tracker import document_sets, record
from tracker.curation import save_editor_source
from tracker.importers.document_import import import_documents
from tracker.models import Document, DocumentSet, EditorSource

from .factories import (
    make_action,
    make_administration,
    make_administrations,
    make_essay,
    make_factsheet,
    make_recommendation,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def counted_scope():
    """The scope of the record counted from every document, as `record.scope` did before it
    read the stored figures."""
    rows = (
        Document.objects.imported()
        .values_list("kind", "administration__name")
        .annotate(
            n=Count("pk"),
            first=Min("published"),
            last=Max("published"),
            imported=Max("updated_at"),
        )
        .order_by("kind", "first")
    )
    labels = dict(Document.Kind.choices)
    sets = [
        record.ScopeSet(kind, labels[kind], administration or "", n, first, last)
        for kind, administration, n, first, last, _ in rows
    ]
    latest_import = max((row[-1] for row in rows), default=None)
    return record.Scope(sets, latest_import, record.searched_record())


def assert_sets_current():
    """Every stored set is what its documents give now (every kind, the essay's included), and
    the scope read from them is the one counted."""
    counted = Document.objects.values_list("kind", "administration").annotate(
        n=Count("pk"), first=Min("published"), last=Max("published"), updated=Max("updated_at")
    )
    stored = DocumentSet.objects.values_list(
        "kind", "administration", "document_count", "first_published", "last_published",
        "last_updated",
    )  # fmt: skip
    assert {row[:2]: row[2:] for row in stored} == {row[:2]: row[2:] for row in counted}
    assert stored.count() == counted.count()  # No set stored twice.
    assert record.scope() == counted_scope()


@pytest.fixture
def administrations():
    return make_administrations()


def test_documents_created_one_by_one_and_in_bulk(administrations):
    biden, trump = administrations
    assert_sets_current()
    make_essay()
    make_factsheet(administration=biden, published=D(2022, 3, 1))
    make_factsheet(administration=biden, published=D(2021, 2, 1))
    make_factsheet(administration=trump, published=D(2025, 3, 1), kind="presidential_action")
    make_factsheet(administration=None, published=D(2020, 5, 1))
    make_factsheet(administration=None, published=D(2019, 5, 1))
    assert_sets_current()
    Document.objects.bulk_create(
        Document(kind="factsheet", administration=biden, slug=f"bulk-{n}", title=f"Bulk {n}",
                 published=D(2023, 1, n), source_path=f"bulk-{n}.md", checksum=str(n))
        for n in range(1, 6)
    )  # fmt: skip
    assert_sets_current()
    assert [(s.administration, s.count) for s in record.scope().sets] == [
        ("", 2),
        ("Biden administration", 7),
        ("Second Trump administration", 1),
    ]


def test_deleting_the_documents_that_hold_a_sets_dates_reads_them_again(administrations):
    biden, _ = administrations
    first = make_factsheet(administration=biden, published=D(2021, 2, 1))
    middle = make_factsheet(administration=biden, published=D(2022, 3, 1))
    last = make_factsheet(administration=biden, published=D(2024, 6, 10))
    latest_saved = make_factsheet(administration=biden, published=D(2023, 1, 1))
    earliest_of_none = make_factsheet(administration=None, published=D(2019, 5, 1))
    make_factsheet(administration=None, published=D(2020, 5, 1))
    # The latest save first, while its date is in the middle of the set's.
    for document in (latest_saved, first, last, earliest_of_none):
        document.delete()
        assert_sets_current()
    middle.delete()
    assert not DocumentSet.objects.filter(administration=biden).exists()
    Document.objects.all().delete()
    assert_sets_current()
    assert not DocumentSet.objects.exists()


def test_one_statement_that_empties_or_moves_whole_sets(administrations):
    biden, trump = administrations
    for day in (1, 2, 3):
        make_factsheet(administration=biden, published=D(2022, 3, day))
        make_factsheet(administration=trump, published=D(2025, 3, day))
    Document.objects.filter(administration=trump).update(administration=biden)
    assert_sets_current()
    Document.objects.filter(published__lt=D(2025, 1, 1)).delete()
    assert_sets_current()
    Document.objects.all().delete()
    assert_sets_current()


def test_redating_moving_and_resaving_documents(administrations):
    biden, trump = administrations
    first = make_factsheet(administration=biden, published=D(2021, 2, 1))
    others = [make_factsheet(administration=biden, published=D(2022, n, 1)) for n in (3, 4, 5)]
    make_factsheet(administration=biden, published=D(2021, 6, 1))
    make_factsheet(administration=biden, published=D(2024, 6, 1))
    first.published = D(2023, 1, 1)  # No longer the first.
    first.save()
    assert_sets_current()
    others[0].save()  # Saved again: the latest save.
    assert_sets_current()
    Document.objects.filter(pk__in=[others[1].pk, first.pk]).update(administration=trump)
    assert_sets_current()
    Document.objects.filter(pk=others[2].pk).update(administration=None, kind="essay")
    assert_sets_current()
    # A save time set back (only a direct update can): the set's latest save is read again.
    Document.objects.filter(pk=others[0].pk).update(
        updated_at=datetime.datetime(2021, 1, 1, tzinfo=datetime.UTC)
    )
    assert_sets_current()


def test_renamed_administrations_and_two_of_one_name(administrations):
    biden, trump = administrations
    make_factsheet(administration=biden, published=D(2022, 3, 1))
    make_factsheet(administration=trump, published=D(2025, 3, 1))
    again = make_administration(name="Second Trump administration", took_office=D(2029, 1, 20))
    make_factsheet(administration=again, published=D(2029, 3, 1))
    biden.name = "The Biden administration"
    biden.save()
    assert_sets_current()
    assert [(s.administration, s.count) for s in record.scope().sets] == [
        ("The Biden administration", 1),
        ("Second Trump administration", 2),
    ]


SHEET = (
    "---\ndate: '{date}'\nsource_url: https://www.whitehouse.gov/fs/\ntitle: Rights sheet\n"
    "---\n**Section**\n\n-   We rejoined the UN Human Rights Council.\n"
)
ORDER = (
    "---\ndate: '{date}'\ntags: presidential-actions\ntitle: Protecting Rivers\n---\n\n"
    "By the authority vested in me as President, it is hereby ordered:\n\n"
    "Section 1.  Policy.  It is the policy of the United States to protect rivers.\n"
)


def test_imports_new_unchanged_and_redated(write_file):
    sheet = write_file("rights.md", SHEET.format(date="2022-03-01"))
    order = write_file("rivers.md", ORDER.format(date="2025-03-01"))
    import_documents([sheet, order])
    assert_sets_current()
    import_documents([sheet, order])  # Unchanged: nothing saved.
    assert_sets_current()
    write_file("rights.md", SHEET.format(date="2021-06-01"))
    write_file("rivers.md", ORDER.format(date="2025-06-01"))

    import_documents([sheet, order])

    assert Document.objects.get(slug__contains="rights").published == D(2021, 6, 1)
    assert_sets_current()


def test_the_admins_correction_of_an_administration(client, administrations):
    biden, trump = administrations
    document = make_factsheet(administration=trump, published=D(2025, 1, 20))
    make_factsheet(administration=trump, published=D(2025, 3, 1))
    editor = get_user_model().objects.create_superuser("ed", password="an-editor-password-1")
    client.force_login(editor)

    response = client.post(
        reverse("admin:tracker_document_change", args=[document.pk]),
        {"administration": biden.pk},
    )

    assert response.status_code == 302
    assert_sets_current()


def test_editor_sources_are_stored_but_not_in_the_scope(administrations):
    source = EditorSource(
        title="A notice", publisher="Federal Register", url="https://example.org/notice",
        published=D(2022, 3, 1),
    )  # fmt: skip
    save_editor_source(source, passage="The notice.")
    source.published = D(2024, 6, 10)
    save_editor_source(source, passage="The notice.")
    assert_sets_current()
    assert DocumentSet.objects.filter(kind="editor_source").exists()
    assert record.scope().sets == []


def test_the_seeds(client):
    call_command("seed", verbosity=0)
    assert_sets_current()
    assert client.get(reverse("tracker:about")).status_code == 200


def test_the_benchmarks_bulk_scale_up(administrations):
    biden, trump = administrations
    recommendation = make_recommendation()
    essay = recommendation.stage.essay
    essay.body = "The administration should rejoin the council. It should do more."
    essay.save()
    for published, administration in [(D(2022, 3, 1), biden), (D(2025, 3, 1), trump)]:
        make_action(
            factsheet=make_factsheet(administration=administration, published=published),
            text="We rejoined the UN Human Rights Council and restored its funding in full. "
            "We sanctioned officials for gross violations of human rights abroad. "
            "We restored funding to the UN Population Fund and supported refugees.",
        )

    scale_up(factor=3, recommendations=3, links=2)

    assert Document.objects.factsheets().count() == 6
    assert_sets_current()


def test_install_counts_the_documents_already_there(administrations):
    make_factsheet(administration=administrations[0], published=D(2022, 3, 1))
    DocumentSet.objects.all().delete()

    document_sets.install(connection)

    assert_sets_current()
