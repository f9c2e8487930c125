"""The real White House record, four folders read in place beside the project (not committed)."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tracker.importers.document_import import factsheet_paths, import_documents
from tracker.models import Action, Document


def _corpus():
    """CORPUS_DIR, else shared/corpus beside the project or beside its worktree folder."""
    if "CORPUS_DIR" in os.environ:
        return Path(os.environ["CORPUS_DIR"])
    candidates = [
        settings.BASE_DIR.parent / "shared/corpus",
        settings.BASE_DIR.parents[1] / "shared/corpus",
    ]
    return next((path for path in candidates if path.is_dir()), candidates[0])


CORPUS = _corpus()
# folder: (files, at least imported or stored once, kind)
FOLDERS = {
    "whitehouse-factsheets-2021-2025": (1244, 1240, Document.Kind.FACTSHEET),
    "whitehouse-presidential-actions-2021-2025": (1748, 1745, Document.Kind.PRESIDENTIAL_ACTION),
    "whitehouse-2025-2026/fact-sheets": (353, 350, Document.Kind.FACTSHEET),
    "whitehouse-2025-2026/presidential-actions": (636, 630, Document.Kind.PRESIDENTIAL_ACTION),
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.corpus,
    pytest.mark.django_db,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}"),
]


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_corpus_file_is_imported_or_refused_with_a_reason(folder):
    files, at_least, kind = FOLDERS[folder]
    paths = list(factsheet_paths([CORPUS / folder]))

    summary = import_documents([CORPUS / folder])

    assert len(paths) == files
    assert summary.imported + len(summary.duplicates) + len(summary.failed) == len(paths)
    assert summary.imported + len(summary.duplicates) >= at_least
    for path, reason in summary.failed:
        assert reason.startswith(str(path)) and "\n" not in reason
    # Pages scraped twice are stored once; a few fact sheets were re-issued under a new name.
    assert 0.98 * summary.actions <= Action.objects.count() <= summary.actions
    assert Document.objects.factsheets().count() == summary.imported - len(summary.updated)
    assert not Action.objects.filter(text="").exists()
    # A few fact sheets sit in the presidential-actions folders ("Fact Sheet: ..." titles).
    assert Document.objects.filter(kind=kind).count() >= 0.98 * Document.objects.count()
    # Only the few files carrying another page's text are flagged.
    assert len(summary.flagged) <= 12
