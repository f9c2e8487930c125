"""What was searched: seeds/corpus-manifest.csv lists the corpus the curation read."""

import pytest
from django.conf import settings

from tracker.importers.manifest import check_manifest, manifest_summary, write_manifest

from .test_corpus import CORPUS

MANIFEST = settings.SEEDS_DIR / "corpus-manifest.csv"


def test_the_manifest_lists_four_folders_of_dated_documents():
    kinds, (first, last) = manifest_summary(MANIFEST)
    assert sum(kinds.values()) == 3981
    assert set(kinds) == {"factsheet", "presidential_action"}
    assert (first, last) == ("2021-01-15", "2026-08-20")


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
def test_the_manifest_matches_the_corpus_file_for_file():
    check = check_manifest(MANIFEST, CORPUS)
    assert check.ok, (check.missing[:5], check.unlisted[:5], check.changed[:5])


def test_a_changed_or_new_file_is_reported(write_file, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    head = "---\ntitle: A fact sheet\ndate: 2021-02-01\n---\n\n-   It did a thing.\n"
    (corpus / "a.md").write_text(head)
    manifest = tmp_path / "manifest.csv"
    assert write_manifest(corpus, manifest) == 1
    assert check_manifest(manifest, corpus).ok
    (corpus / "a.md").write_text(head + "-   And another.\n")
    (corpus / "b.md").write_text(head)
    check = check_manifest(manifest, corpus)
    assert (check.changed, check.unlisted, check.missing) == (["a.md"], ["b.md"], [])
