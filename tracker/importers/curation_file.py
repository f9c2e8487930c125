"""Editors' decisions kept in the repository: seeds/curation.yaml, written and read back.

Export writes every accepted and rejected link and every status override,
with reasons, in a stable order. Loading never overrides a decision already
made in the database: it fills in pairs that are unreviewed there, and
overrides on recommendations that have none.
"""

from pathlib import Path

import yaml
from django.db import transaction

from tracker.curation import refresh_statuses, set_override
from tracker.models import Action, Link, Recommendation
from tracker.text import STATUS_REASON_MAX_LENGTH, check_editor_text

from .common import read_yaml
from .errors import SourceError

HEADER = (
    "# Editorial curation of the fact sheets against the essay's recommendations.\n"
    "# Written by `manage.py export_curation`, loaded by `manage.py seed`.\n"
)
TEXT_PREVIEW = 70
LOAD_REASON = "Loaded from seeds/curation.yaml."


def curation_data():
    links = (
        Link.objects.exclude(review=Link.Review.SUGGESTED)
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
            {"recommendation": r.code, "status": r.status_override, "reason": r.status_reason}
            for r in overrides
        ],
    }


def _preview(text):
    return text if len(text) <= TEXT_PREVIEW else text[: TEXT_PREVIEW - 1].rstrip() + "…"


def export_curation(path):
    """Write the curation file; return (links, overrides) counts."""
    data = curation_data()
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    Path(path).write_text(HEADER + body, encoding="utf-8")
    return len(data["links"]), len(data["overrides"])


def load_curation(path):
    """Load the curation file; return (links written, overrides written)."""
    path = Path(path)
    data = read_yaml(path) or {}
    entries, overrides = data.get("links") or [], data.get("overrides") or []
    recommendations = Recommendation.objects.in_bulk(field_name="code")
    actions = {
        (action.factsheet.slug, action.key): action
        for action in Action.objects.select_related("factsheet").filter(
            key__in={str(entry.get("action")) for entry in entries}
        )
    }
    with transaction.atomic():
        written = _load_links(path, entries, recommendations, actions)
        overridden = _load_overrides(path, overrides, recommendations)
    return len(written), overridden


def _load_links(path, entries, recommendations, actions):
    existing = {
        (link.recommendation_id, link.action_id): link
        for link in Link.objects.filter(action__in=[a.pk for a in actions.values()])
    }
    written = []
    for number, entry in enumerate(entries, start=1):
        recommendation = recommendations.get(entry.get("recommendation"))
        action = actions.get((entry.get("factsheet"), str(entry.get("action"))))
        if recommendation is None or action is None:
            missing = "recommendation" if recommendation is None else "action"
            raise SourceError(path, f"link #{number}: unknown {missing} ({_describe(entry)})")
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
        link = existing.get((recommendation.pk, action.pk))
        if link is not None and link.review != Link.Review.SUGGESTED:
            continue  # An editor's decision in the database wins over the file.
        link = link or Link(recommendation=recommendation, action=action)
        link.review, link.relation, link.reason = review, relation, reason
        link.save()
        written.append(link)
    refresh_statuses(written, reason=LOAD_REASON)
    return written


def _load_overrides(path, overrides, recommendations):
    count = 0
    for number, entry in enumerate(overrides, start=1):
        recommendation = recommendations.get(entry.get("recommendation"))
        status, reason = entry.get("status"), str(entry.get("reason") or "").strip()
        if recommendation is None or status not in Recommendation.Status.values or not reason:
            raise SourceError(path, f"override #{number}: needs a known code, status and reason")
        if problem := check_editor_text(
            reason, field="status reason", max_length=STATUS_REASON_MAX_LENGTH
        ):
            raise SourceError(path, f"override #{number}: {problem}")
        if recommendation.status_override:
            continue
        set_override(recommendation, status=status, reason=reason)
        count += 1
    return count


def _describe(entry):
    return f"{entry.get('recommendation')} / {entry.get('factsheet')} / {entry.get('action')}"
