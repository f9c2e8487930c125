"""Import the essay and its editorial extraction of recommendations (seeds/recommendations.yaml).

Every quote must be found in the essay's text (after the normalisation that
`essay.normalise` applies to both), or nothing is written.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from tracker import tally
from tracker.cache import published_data_changed
from tracker.models import Document, Link, Recommendation, Stage

from .common import read_yaml, upsert
from .errors import SourceError
from .essay import find_quote, parse_essay

ESSAY_KEYS = {"file", "title", "author", "publisher", "url", "published", "licence", "stages"}
RECOMMENDATION_KEYS = {"code", "stage", "title", "statement", "quote"}
CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class SeedSummary:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    deleted: list = field(default_factory=list)

    @property
    def changed(self):
        return bool(self.created or self.updated or self.deleted)

    def counts(self, stages):
        """ "N created, N updated, N deleted" for the stages, or for the recommendations."""
        counts = [
            sum(1 for entry in entries if entry.startswith("stage ") == stages)
            for entries in (self.created, self.updated, self.deleted)
        ]
        return "{} created, {} updated, {} deleted".format(*counts)

    def __str__(self):
        return f"recommendations {self.counts(False)}; stages {self.counts(True)}"


def import_recommendations(path, *, dry_run=False):
    """Verify and import the essay and recommendations described by the YAML file at `path`."""
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("essay"), dict):
        raise SourceError(path, "expected an 'essay' mapping and a 'recommendations' list")
    meta = data["essay"]
    missing = ESSAY_KEYS - meta.keys()
    if missing:
        raise SourceError(path, f"the essay block lacks {', '.join(sorted(missing))}")
    essay_path = path.parent / meta["file"]
    try:
        raw_bytes = essay_path.read_bytes()
        raw = raw_bytes.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(essay_path, f"cannot read the essay ({error})") from None
    repairs = meta.get("repairs") or {}
    keep_hyphens = set(meta.get("keep_hyphens") or ())
    essay = parse_essay(raw, name=essay_path, repairs=repairs, keep_hyphens=keep_hyphens)

    stages = _stages(meta["stages"], essay, path)
    recommendations = _recommendations(data.get("recommendations"), essay, stages, meta, path)
    if dry_run:
        return SeedSummary()
    with transaction.atomic():
        document, outcome = _store_essay(
            meta, essay, essay_path, hashlib.sha256(raw_bytes).hexdigest()
        )
        summary = _store(document, stages, recommendations, path)
        if outcome != "unchanged" or summary.changed:
            published_data_changed()
        return summary


def _stages(names, essay, path):
    headings = essay.headings
    unknown = [name for name in names if name not in headings]
    if unknown:
        raise SourceError(path, f"stage {unknown[0]!r} is not a heading of the essay")
    ordered = [heading for heading in headings if heading in names]
    return {slugify(name): (position, name) for position, name in enumerate(ordered, start=1)}


def _recommendations(entries, essay, stages, meta, path):
    if not isinstance(entries, list) or not entries:
        raise SourceError(path, "'recommendations' must be a non-empty list")
    repairs, keep_hyphens = meta.get("repairs") or {}, set(meta.get("keep_hyphens") or ())
    found, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise SourceError(path, f"recommendation #{number} is not a mapping")
        code = str(entry.get("code", f"#{number}"))
        missing = RECOMMENDATION_KEYS - {key for key, value in entry.items() if value}
        if missing:
            raise SourceError(path, f"recommendation {code} lacks {', '.join(sorted(missing))}")
        if not CODE.match(code) or len(code) > 60:
            raise SourceError(path, f"recommendation code {code!r} is not a lowercase slug")
        if code in seen:
            raise SourceError(path, f"recommendation code {code} appears twice")
        seen.add(code)
        if entry["stage"] not in stages:
            raise SourceError(path, f"recommendation {code}: unknown stage {entry['stage']!r}")
        offset, quote = find_quote(essay, entry["quote"], repairs, keep_hyphens)
        if offset < 0:
            raise SourceError(
                path, f"recommendation {code}: the quote is not in the essay: {quote[:80]!r}"
            )
        found.append(
            {
                "code": code,
                "stage_slug": entry["stage"],
                "title": " ".join(str(entry["title"]).split()),
                "statement": " ".join(str(entry["statement"]).split()),
                "quote": quote,
                "is_implied": _implied(entry, code, path),
                "position": offset,
                "subsection": essay.paragraph_at(offset).subsection,
            }
        )
    return found


def _implied(entry, code, path):
    implied = entry.get("implied", False)
    if not isinstance(implied, bool):
        raise SourceError(path, f"recommendation {code}: implied must be true or false")
    return implied


def _store_essay(meta, essay, essay_path, checksum):
    published = meta["published"]
    if not isinstance(published, datetime.date):
        published = datetime.date.fromisoformat(str(published))
    values = {
        "kind": Document.Kind.ESSAY,
        "title": meta["title"],
        "author": meta["author"],
        "publisher": meta["publisher"],
        "url": meta["url"],
        "published": published,
        "licence": meta["licence"],
        "source_path": essay_path.name,
        "checksum": checksum,
        "body": essay.body,
        "footnotes": essay.footnotes,
    }
    return upsert(Document, {"slug": slugify(essay_path.stem)}, values)


def _store(document, stages, recommendations, path):
    summary = SeedSummary()
    stage_objects = {}
    for slug, (position, name) in stages.items():
        stage, outcome = upsert(
            Stage, {"slug": slug}, {"essay": document, "name": name, "position": position}
        )
        stage_objects[slug] = stage
        summary_list(summary, outcome).append(f"stage {slug}")
    codes = {entry["code"] for entry in recommendations}
    _delete_dropped(document, codes, path, summary)
    for entry in recommendations:
        values = {key: value for key, value in entry.items() if key not in {"code", "stage_slug"}}
        values["stage"] = stage_objects[entry["stage_slug"]]
        recommendation, outcome = upsert(Recommendation, {"code": entry["code"]}, values)
        if outcome != "unchanged":
            recommendation.refresh_status()
        summary_list(summary, outcome).append(entry["code"])
    for stage in Stage.objects.filter(essay=document).exclude(slug__in=stages):
        stage.delete()
        summary.deleted.append(f"stage {stage.slug}")
    return summary


def _delete_dropped(document, codes, path, summary):
    dropped = Recommendation.objects.filter(stage__essay=document).exclude(code__in=codes)
    reviewed = dropped.filter(pk__in=Link.objects.reviewed().values("recommendation")).values_list(
        "code", flat=True
    )
    if reviewed:
        raise SourceError(
            path,
            f"recommendation {reviewed[0]} is gone from the file but editors have reviewed "
            "its links; restore it or remove its links first",
        )
    summary.deleted.extend(dropped.values_list("code", flat=True))
    tally.forget(dropped)
    dropped.delete()


def summary_list(summary, outcome):
    return {"created": summary.created, "updated": summary.updated}.get(outcome, [])
