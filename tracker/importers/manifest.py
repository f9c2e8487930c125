"""What was searched: a manifest of every corpus document the curation read.

One CSV row per file (its path inside the corpus, date, kind and SHA-256),
kept in `seeds/corpus-manifest.csv`, so the public scope of "No action found" is
on record even where the corpus itself is not, and can be checked against it.
"""

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .document_import import factsheet_paths
from .document_parser import read_metadata, read_source, split_front_matter
from .errors import SourceError
from .kinds import document_kind

COLUMNS = ["path", "date", "kind", "sha256"]


def manifest_rows(corpus_dir):
    """One row per Markdown file under `corpus_dir`, in path order; unreadable files say why."""
    corpus_dir = Path(corpus_dir)
    for path in factsheet_paths([corpus_dir]):
        relative = path.relative_to(corpus_dir).as_posix()
        try:
            text, checksum = read_source(path)
            meta, _, _ = split_front_matter(text, path)
            title, published, _, tags = read_metadata(meta, text, path)
            kind = document_kind(tags, title)
        except SourceError as error:
            checksum = hashlib.sha256(path.read_bytes()).hexdigest()
            yield [relative, "", f"refused: {error.message}"[:200], checksum]
            continue
        yield [relative, published.isoformat(), kind, checksum]


def write_manifest(corpus_dir, output):
    rows = list(manifest_rows(corpus_dir))
    with Path(output).open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return len(rows)


@dataclass
class ManifestCheck:
    missing: list  # in the manifest, not in the corpus
    unlisted: list  # in the corpus, not in the manifest
    changed: list  # in both, with another checksum

    @property
    def ok(self):
        return not (self.missing or self.unlisted or self.changed)


def read_manifest(path):
    with Path(path).open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def check_manifest(manifest, corpus_dir):
    """Compare the manifest with the corpus as it is now."""
    listed = {row["path"]: row["sha256"] for row in read_manifest(manifest)}
    corpus_dir = Path(corpus_dir)
    present = {
        path.relative_to(corpus_dir).as_posix(): path for path in factsheet_paths([corpus_dir])
    }
    changed = [
        relative
        for relative, path in present.items()
        if relative in listed and hashlib.sha256(path.read_bytes()).hexdigest() != listed[relative]
    ]
    return ManifestCheck(
        missing=sorted(set(listed) - set(present)),
        unlisted=sorted(set(present) - set(listed)),
        changed=sorted(changed),
    )


def manifest_summary(path):
    """{kind: count} and the date range of the documents the manifest lists."""
    rows = [row for row in read_manifest(path) if row["date"]]
    kinds = {}
    for row in rows:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    dates = sorted(row["date"] for row in rows)
    return kinds, (dates[0], dates[-1]) if dates else (None, None)
