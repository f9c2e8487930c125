"""Editors' decisions kept in the repository: seeds/curation.yaml, written and read back.

Export writes every accepted and rejected link and every status override,
with reasons, in a stable order. Loading never overrides a decision already
made in the database: it fills in pairs that are unreviewed there, and
overrides on recommendations that have none. Loading writes no status
history: a seed load is where the public record starts, not news.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from tracker.cache import published_data_changed
from tracker.curation import CurationError, refresh_statuses, save_editor_source, set_override
from tracker.models import Action, Document, EditorSource, Link, Recommendation
from tracker.text import STATUS_REASON_MAX_LENGTH, check_editor_text

from .common import read_yaml
from .errors import SourceError

HEADER = (
    "# Editorial curation of the White House record against the essay's recommendations.\n"
    "# Written by `manage.py export_curation`, loaded by `manage.py seed`.\n"
)
TEXT_PREVIEW = 70


def curation_data():
    links = (
        Link.objects.reviewed()
        .select_related("recommendation", "action__factsheet")
        .order_by("recommendation__code", "action__factsheet__slug", "action__position", "pk")
    )
    overrides = Recommendation.objects.exclude(status_override="").order_by("code")
    return {
        "links": [
            {
                "recommendation": link.recommendation.code,
                "factsheet": link.action.factsheet.slug,
                "action": link.action.key,
                "text": _preview(link.action.text),
                **({"relation": link.relation} if link.relation else {}),
                "review": link.review,
                "reason": link.reason,
            }
            for link in links
        ],
        "overrides": [
            {
                "recommendation": r.code,
                "status": r.status_override,
                **(
                    {"since": r.status_override_since.isoformat()}
                    if r.status_override_since
                    else {}
                ),
                "reason": r.status_reason,
            }
            for r in overrides
        ],
        **editor_sources_data(),
    }


def _preview(text):
    return text if len(text) <= TEXT_PREVIEW else text[: TEXT_PREVIEW - 1].rstrip() + "…"


def export_curation(path):
    """Write the curation file; return (links, overrides) counts."""
    data = curation_data()
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    Path(path).write_text(HEADER + body, encoding="utf-8")
    return len(data["links"]), len(data["overrides"])


@dataclass
class CurationLoad:
    links: int
    overrides: int
    skipped: list = field(default_factory=list)  # One line each: which entry, and why.
    sources: int = 0  # Editor-entered sources created.


def load_curation(path):
    """Load the curation file: what can be loaded is, and each entry that cannot is named.

    An entry naming a recommendation or an action this database does not hold (a
    document not imported here) is skipped and reported; a malformed entry refuses
    the whole file, naming it.
    """
    path = Path(path)
    data = read_yaml(path) or {}
    # First: the links below may name them as they name any document.
    sources = _load_editor_sources(path, data.get("sources") or [])
    entries, overrides = data.get("links") or [], data.get("overrides") or []
    recommendations = Recommendation.objects.in_bulk(field_name="code")
    actions = {
        (action.factsheet.slug, action.key): action
        for action in Action.objects.select_related("factsheet").filter(
            key__in={str(entry.get("action")) for entry in entries}
        )
    }
    skipped = []
    with transaction.atomic():
        written = _load_links(path, entries, recommendations, actions, skipped)
        overridden = _load_overrides(path, overrides, recommendations, skipped)
    return CurationLoad(len(written), overridden, skipped, sources)


def _document(entry):
    return entry.get("document") or entry.get("factsheet")


def _load_links(path, entries, recommendations, actions, skipped):
    existing = {
        (link.recommendation_id, link.action_id): link
        for link in Link.objects.filter(action__in=[a.pk for a in actions.values()])
    }
    written = []
    for number, entry in enumerate(entries, start=1):
        review, relation = entry.get("review"), entry.get("relation") or ""
        reason = " ".join(str(entry.get("reason") or "").split())
        if review not in {Link.Review.ACCEPTED, Link.Review.REJECTED}:
            raise SourceError(path, f"link #{number}: review must be accepted or rejected")
        if review == Link.Review.ACCEPTED and (relation not in Link.Relation.values or not reason):
            raise SourceError(
                path, f"link #{number}: an accepted link needs a relation and a reason"
            )
        if problem := check_editor_text(
            reason, field="link reason", max_length=Link._meta.get_field("reason").max_length
        ):
            raise SourceError(path, f"link #{number}: {problem}")
        recommendation = recommendations.get(entry.get("recommendation"))
        action = actions.get((_document(entry), str(entry.get("action"))))
        if recommendation is None or action is None:
            missing = "recommendation" if recommendation is None else "action"
            skipped.append(f"link #{number}: unknown {missing} ({_describe(entry)})")
            continue
        link = existing.get((recommendation.pk, action.pk))
        if link is not None and link.review != Link.Review.SUGGESTED:
            continue  # An editor's decision in the database wins over the file.
        link = link or Link(recommendation=recommendation, action=action)
        link.review, link.relation, link.reason = review, relation, reason
        link.save()
        written.append(link)
    # Loading the file is where the public record starts, not a change to it: no history.
    refresh_statuses(written, record=False)
    if written:
        published_data_changed()
    return written


def _load_overrides(path, overrides, recommendations, skipped):
    count = 0
    for number, entry in enumerate(overrides, start=1):
        status, reason = entry.get("status"), str(entry.get("reason") or "").strip()
        if status not in Recommendation.Status.values or not reason:
            raise SourceError(path, f"override #{number}: needs a status and a reason")
        if problem := check_editor_text(
            reason, field="status reason", max_length=STATUS_REASON_MAX_LENGTH
        ):
            raise SourceError(path, f"override #{number}: {problem}")
        since = _date(path, number, entry.get("since"))
        recommendation = recommendations.get(entry.get("recommendation"))
        if recommendation is None:
            skipped.append(
                f"override #{number}: unknown recommendation {entry.get('recommendation')}"
            )
            continue
        if recommendation.status_override:
            continue
        set_override(recommendation, status=status, reason=reason, since=since, record=False)
        count += 1
    return count


def _date(path, number, value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise SourceError(path, f"override #{number}: since must be a date (YYYY-MM-DD)") from None


def _describe(entry):
    return f"{entry.get('recommendation')} / {_document(entry)} / {entry.get('action')}"


# Editor-entered sources: each with its passage, under `sources:`; links name them by slug.


def editor_sources_data():
    """{"sources": [...]} for the file, or nothing when editors entered none."""
    sources = EditorSource.objects.prefetch_related("actions").order_by("slug")
    entries = [
        {
            "slug": source.slug,
            "title": source.title,
            "publisher": source.publisher,
            "date": source.published.isoformat(),
            "url": source.url,
            "passage": source.passage,
        }
        for source in sources
    ]
    return {"sources": entries} if entries else {}


@transaction.atomic
def _load_editor_sources(path, entries):
    """Create the sources this database lacks; one it holds (an editor may have edited it
    since) is left as it is. A malformed entry refuses the whole file, naming it."""
    existing = dict(Document.objects.filter(slug__in=_slugs(entries)).values_list("slug", "kind"))
    created = 0
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not entry.get("slug"):
            raise SourceError(path, f"source #{number}: needs a slug")
        slug = str(entry["slug"])
        if slug in existing:
            if existing[slug] != Document.Kind.EDITOR_SOURCE:
                raise SourceError(
                    path, f"source #{number}: the slug {slug!r} is taken by an imported document"
                )
            continue  # The database's version wins, as editors' decisions do.
        try:
            published = datetime.date.fromisoformat(str(entry.get("date")))
        except ValueError:
            raise SourceError(path, f"source #{number}: date must be a date (YYYY-MM-DD)") from None
        source = EditorSource(
            slug=slug,
            title=str(entry.get("title") or "").strip(),
            publisher=str(entry.get("publisher") or "").strip(),
            published=published,
            url=str(entry.get("url") or "").strip(),
        )
        try:
            save_editor_source(source, passage=str(entry.get("passage") or ""), record=False)
        except CurationError as error:
            raise SourceError(path, f"source #{number}: {error}") from None
        created += 1
    return created


def _slugs(entries):
    return [str(entry.get("slug")) for entry in entries if isinstance(entry, dict)]
