"""The real archive of 1,244 fact sheets, read in place beside the project (not committed)."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tracker.importers.factsheet_import import factsheet_paths, import_factsheets
from tracker.models import Action

CORPUS = Path(
    os.environ.get(
        "CORPUS_DIR", settings.BASE_DIR.parent / "shared/corpus/whitehouse-factsheets-2021-2025"
    )
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.corpus,
    pytest.mark.django_db,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}"),
]


def test_every_corpus_file_is_imported_or_refused_with_a_reason():
    paths = list(factsheet_paths([CORPUS]))

    summary = import_factsheets([CORPUS])

    assert len(paths) == 1244
    assert summary.imported + len(summary.failed) == len(paths)
    assert summary.imported >= 1240
    for path, reason in summary.failed:
        assert reason.startswith(str(path)) and "\n" not in reason
    # A few fact sheets were published twice under two file names: stored once.
    assert 0.98 * summary.actions <= Action.objects.count() <= summary.actions
    assert not Action.objects.filter(text="").exists()
