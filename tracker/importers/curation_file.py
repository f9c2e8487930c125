"""Editors' decisions kept in the repository: seeds/curation.yaml, written and read back.

Export writes, in a stable order, every accepted and rejected link (with its
reviewer and date; no pending one, see `curation_data`), every status override,
every public status reason written without an override, the status history, and
the editor-entered sources the links may cite (a notice or a filing outside the
documents searched). Loading never overrides a decision an editor made in the
database: it fills in pairs that are unreviewed there, overrides and reasons on
recommendations that have none and that no editor decided on here since the
file's record of them (a removal is a decision), and history entries the
database does not hold. A link decided here differently from the file takes the
file's decision only when the file's is the later one: the database holds an
earlier version of the file's decision (loaded, not stamped by an editor here,
or stamped no later than the file's entry), so the file corrects it, and that
correction is news, recorded in the history. An editor's later decision here is
kept and reported; putting a decided link back to review (`Link.is_reopened`) is
such a decision.
Otherwise loading writes no new history: a seed load is where the public record
starts, not news; the history it restores keeps its original dates.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tracker.cache import published_data_changed
from tracker.curation import CurationError, refresh_statuses, save_editor_source, set_override
from tracker.models import Action, Document, EditorSource, Link, Recommendation, StatusChange
from tracker.text import STATUS_REASON_MAX_LENGTH, check_editor_text

from .common import read_yaml
from .errors import SourceError

HEADER = (
    "# Editorial curation of the White House record against the essay's recommendations.\n"
    "# Written by `manage.py export_curation`, loaded by `manage.py seed`.\n"
)
TEXT_PREVIEW = 70


def curation_data():
    """The file's sections. Pending links are left out, those an editor reopened too: the
    file holds decisions on links, and a reopened link is waiting for one. A database
    seeded afresh from the file has no decision on it either (the suggester may suggest
    it again), so the old decision does not come back. A database that loaded an earlier
    file keeps that file's decision on it, since a missing entry overrides nothing: the
    reopening reaches it only through its own editors. Where the reopening moved a status,
    the history section holds it."""
    links = (
        Link.objects.reviewed()
        .select_related("recommendation", "action__factsheet", "reviewed_by")
        .order_by("recommendation__code", "action__factsheet__slug", "action__position", "pk")
    )
    overrides = Recommendation.objects.exclude(status_override="").order_by("code")
    reasons = (
        Recommendation.objects.filter(status_override="").exclude(status_reason="").order_by("code")
    )
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
                **({"reviewed_by": link.reviewed_by.get_username()} if link.reviewed_by else {}),
                **({"reviewed_at": _timestamp(link.reviewed_at)} if link.reviewed_at else {}),
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
        # Public reasons for a status the links decide (no override).
        "reasons": [{"recommendation": r.code, "reason": r.status_reason} for r in reasons],
        "history": history_data(),
        **editor_sources_data(),
    }


def history_data():
    """The status history, oldest first per recommendation; links by document slug and key."""
    changes = list(
        StatusChange.objects.select_related("recommendation", "changed_by").order_by(
            "recommendation__code", "changed_at", "pk"
        )
    )
    action_ids = {snapshot.get("action") for change in changes for snapshot in change.links}
    actions = Action.objects.select_related("factsheet").in_bulk(action_ids - {None})
    return [
        {
            "recommendation": change.recommendation.code,
            "changed_at": _timestamp(change.changed_at),
            **({"changed_by": change.changed_by.get_username()} if change.changed_by else {}),
            "from": change.from_status,
            "to": change.to_status,
            "reason": change.reason,
            **(
                {"links": [_history_link(s, actions.get(s.get("action"))) for s in change.links]}
                if change.links
                else {}
            ),
        }
        for change in changes
    ]


def _history_link(snapshot, action):
    where = {"factsheet": action.factsheet.slug, "action": action.key} if action else {}
    kept = {name: snapshot.get(name, "") for name in ("relation", "review", "reason")}
    return where | kept


def _timestamp(moment):
    return moment.astimezone(datetime.UTC).isoformat()


def _preview(text):
    return text if len(text) <= TEXT_PREVIEW else text[: TEXT_PREVIEW - 1].rstrip() + "…"


def export_curation(path):
    """Write the curation file; return the number of entries of each section, by name."""
    data = curation_data()
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    Path(path).write_text(HEADER + body, encoding="utf-8")
    return {section: len(entries) for section, entries in data.items()}


@dataclass
class CurationLoad:
    links: int
    overrides: int
    reasons: int = 0
    history: int = 0
    skipped: list = field(default_factory=list)  # One line each: which entry, and why.
    created_reviewers: list = field(default_factory=list)  # Usernames of inactive accounts made.
    sources: int = 0  # Editor-entered sources created.
    # One line each, the earlier decision and the later: decisions the file corrected here...
    corrected: list = field(default_factory=list)
    # ...and decisions an editor made here after the file's, kept over a different one.
    kept: list = field(default_factory=list)


def load_curation(path):
    """Load the curation file: what can be loaded is, and each entry that cannot is named.

    An entry naming a recommendation or an action this database does not hold (a
    document not imported here) is skipped and reported; a malformed entry refuses
    the whole file, naming it.
    """
    path = Path(path)
    data = read_yaml(path) or {}
    sections = {name: _section(path, data, name) for name in SECTIONS}
    named_actions = _named_actions(path, sections["links"], sections["history"])
    # One transaction: a file refused half-way leaves the database as it was.
    with transaction.atomic():
        # First: the links below may name them as they name any document.
        sources = _load_editor_sources(path, sections["sources"])
        load = _Load(path, named_actions, sections["history"])
        links = load.links(sections["links"])
        overrides = load.overrides(sections["overrides"])
        reasons = load.reasons(sections["reasons"])
        restored = load.history()
    return CurationLoad(
        links=links,
        overrides=overrides,
        reasons=reasons,
        history=restored,
        skipped=load.skipped,
        created_reviewers=load.reviewers.created,
        sources=sources,
        corrected=load.corrected,
        kept=load.kept,
    )


# The file's sections, each a list of mappings; the singular names its entries in messages.
SECTIONS = {
    "sources": "source",
    "links": "link",
    "overrides": "override",
    "reasons": "reason",
    "history": "history",
}


def _section(path, data, name):
    """The entries of one section, refused (naming the entry) unless a list of mappings."""
    if not isinstance(data, dict):
        raise SourceError(path, "must be a mapping of sections (links, overrides, ...)")
    entries = data.get(name) or []
    if not isinstance(entries, list):
        raise SourceError(path, f"{name}: must be a list of entries")
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise SourceError(path, f"{SECTIONS[name]} #{number}: must be a mapping")
    return entries


class Reviewers:
    """The editors the file names, by username, found in this database.

    A username this database lacks becomes an inactive account without a
    password (listed in `created`): who decided is part of the record, and the
    history is append-only, so its authors cannot be attached later. Such an
    account cannot log in until an administrator activates it and sets a password.
    """

    def __init__(self, path):
        self.path = path
        self.model = get_user_model()
        self.field = self.model._meta.get_field(self.model.USERNAME_FIELD)
        self.users = {}
        self.created = []

    def get(self, username, where):
        if username in (None, ""):
            return None
        username = str(username)
        if username not in self.users:
            self.users[username] = self._find_or_create(username, where)
        return self.users[username]

    def _find_or_create(self, username, where):
        user = self.model._default_manager.filter(**{self.field.name: username}).first()
        if user is not None:
            return user
        try:
            self.field.run_validators(username)
        except ValidationError as error:
            raise SourceError(
                self.path, f"{where}: username {username!r}: {error.messages[0]}"
            ) from None
        user = self.model(**{self.field.name: username, "is_active": False})
        user.set_unusable_password()
        user.save()
        self.created.append(username)
        return user


def _document(entry):
    return entry.get("document") or entry.get("factsheet")


def _named_actions(path, links, history):
    """The keys of the actions the links and the history's links name (checked before
    anything is loaded)."""
    snapshots = [
        snapshot
        for number, change in enumerate(history, start=1)
        for snapshot in _history_links(path, change, number)
    ]
    return {str(entry.get("action")) for entry in [*links, *snapshots]}


class _Load:
    """One load of the file's links, overrides, reasons and history, section by section.

    It holds what the sections are read against (this database's recommendations
    and actions, the file's reviewers, who decided since the file) and what they
    report: the entries skipped, the decisions corrected, and those kept.
    """

    def __init__(self, path, action_keys, history):
        self.path = path
        self.reviewers = Reviewers(path)
        self.skipped, self.corrected, self.kept = [], [], []
        self.history_entries = history
        self.actions = {
            (action.factsheet.slug, action.key): action
            for action in Action.objects.select_related("factsheet").filter(key__in=action_keys)
        }
        self.recommendations = Recommendation.objects.in_bulk(field_name="code")
        self.history_moments = _checked_history_moments(path, history)
        # Read before the links: the history a correction writes is the file's, not an
        # editor's decision here that the file's overrides and reasons must yield to.
        self.decided = Decided(history, self.history_moments)

    def links(self, entries):
        existing = {
            (link.recommendation_id, link.action_id): link
            for link in Link.objects.filter(action__in=[a.pk for a in self.actions.values()])
        }
        written, corrections = [], []
        for number, entry in enumerate(entries, start=1):
            review, relation = entry.get("review"), entry.get("relation") or ""
            reason = " ".join(str(entry.get("reason") or "").split())
            if review not in {Link.Review.ACCEPTED, Link.Review.REJECTED}:
                raise SourceError(self.path, f"link #{number}: review must be accepted or rejected")
            if review == Link.Review.ACCEPTED and (
                relation not in Link.Relation.values or not reason
            ):
                raise SourceError(
                    self.path, f"link #{number}: an accepted link needs a relation and a reason"
                )
            if problem := check_editor_text(
                reason, field="link reason", max_length=Link._meta.get_field("reason").max_length
            ):
                raise SourceError(self.path, f"link #{number}: {problem}")
            reviewed_at = _moment(
                self.path, f"link #{number}", "reviewed_at", entry.get("reviewed_at")
            )
            recommendation = self.recommendations.get(entry.get("recommendation"))
            action = self.actions.get((_document(entry), str(entry.get("action"))))
            if recommendation is None or action is None:
                missing = "recommendation" if recommendation is None else "action"
                self.skipped.append(f"link #{number}: unknown {missing} ({_describe(entry)})")
                continue
            link = existing.get((recommendation.pk, action.pk))
            # A link an editor reopened holds a decision (to review it again), as a rejection
            # does.
            correcting = link is not None and (
                link.review != Link.Review.SUGGESTED or link.is_reopened
            )
            if correcting:
                if _same_decision(link, review, relation, reason):
                    continue
                before, after = _decision(link.review, link.relation), _decision(review, relation)
                change = f"link #{number} ({_describe(entry)}): " + (
                    f"{before} → {after}" if before != after else f"{after}, reason reworded"
                )
                if not _file_decided_later(link, reviewed_at):
                    self.kept.append(change)  # An editor's later decision in the database wins.
                    continue
                self.corrected.append(change)
            link = link or Link(recommendation=recommendation, action=action)
            link.review, link.relation, link.reason = review, relation, reason
            link.reviewed_by = self.reviewers.get(entry.get("reviewed_by"), f"link #{number}")
            link.reviewed_at = reviewed_at
            (corrections if correcting else written).append(link)
        for link in written:
            link.save()
        # Loading the file is where the public record starts, not a change to it: no history.
        refresh_statuses(written, record=False)
        # Saved after: the status moves a correction makes are its own, not the fill-ins'.
        for link in corrections:
            link.save()
        for recommendation, links in _by_recommendation(corrections).items():
            # A correction changes what the public was shown: news, in the history as an edit
            # is, unless the file's own history records that change (restored below).
            record = not self.decided.file_records(recommendation, links)
            refresh_statuses(links, user=_common_reviewer(links), record=record)
        if written or corrections:
            published_data_changed()
        # Read again for the sections after: loading the links re-derived and saved some.
        self.recommendations = Recommendation.objects.in_bulk(field_name="code")
        return len(written) + len(corrections)

    def overrides(self, entries):
        count = 0
        for number, entry in enumerate(entries, start=1):
            status, reason = entry.get("status"), str(entry.get("reason") or "").strip()
            if status not in Recommendation.Status.values or not reason:
                raise SourceError(self.path, f"override #{number}: needs a status and a reason")
            if problem := check_editor_text(
                reason, field="status reason", max_length=STATUS_REASON_MAX_LENGTH
            ):
                raise SourceError(self.path, f"override #{number}: {problem}")
            since = _date(self.path, number, entry.get("since"))
            recommendation = self.recommendations.get(entry.get("recommendation"))
            if recommendation is None:
                self.skipped.append(
                    f"override #{number}: unknown recommendation {entry.get('recommendation')}"
                )
                continue
            if recommendation.status_override or self.decided.since_file(recommendation, since):
                continue  # The database's decision wins over the file.
            set_override(recommendation, status=status, reason=reason, since=since, record=False)
            count += 1
        return count

    def reasons(self, entries):
        """Public reasons for a status the links decide, on recommendations that have none."""
        count = 0
        for number, entry in enumerate(entries, start=1):
            reason = str(entry.get("reason") or "").strip()
            if not reason:
                raise SourceError(self.path, f"reason #{number}: needs a reason")
            if problem := check_editor_text(
                reason, field="status reason", max_length=STATUS_REASON_MAX_LENGTH
            ):
                raise SourceError(self.path, f"reason #{number}: {problem}")
            recommendation = self.recommendations.get(entry.get("recommendation"))
            if recommendation is None:
                self.skipped.append(
                    f"reason #{number}: unknown recommendation {entry.get('recommendation')}"
                )
                continue
            if (
                recommendation.status_override
                or recommendation.status_reason
                or self.decided.since_file(recommendation)
            ):
                continue  # The database's own reason (or its removal) wins over the file.
            set_override(recommendation, status="", reason=reason, record=False)
            count += 1
        return count

    def history(self):
        """Re-create the history entries this database lacks, with their dates and authors.

        Append-only: an entry the database holds (same recommendation, moment and
        change) is left as it is, so a second load adds nothing. A restored entry is
        past news, not today's: it keeps its date, so the pages and feeds show it where
        it was.
        """
        held = set(
            StatusChange.objects.values_list(
                "recommendation", "changed_at", "from_status", "to_status"
            )
        )
        links = dict(
            ((recommendation, action), pk)
            for pk, recommendation, action in Link.objects.filter(
                action__in=[a.pk for a in self.actions.values()]
            ).values_list("pk", "recommendation", "action")
        )
        restored = []
        numbered = zip(self.history_entries, self.history_moments, strict=True)
        for number, (entry, changed_at) in enumerate(numbered, start=1):
            where = f"history #{number}"
            from_status, to_status = entry.get("from"), entry.get("to")
            reason = str(entry.get("reason") or "")
            recommendation = self.recommendations.get(entry.get("recommendation"))
            if recommendation is None:
                self.skipped.append(
                    f"{where}: unknown recommendation {entry.get('recommendation')}"
                )
                continue
            if problem := check_editor_text(reason, field="reason"):
                # Published once, before today's rules perhaps: named, and the rest still loads.
                self.skipped.append(
                    f"{where} ({recommendation.code}, {changed_at:%Y-%m-%d}): {problem}"
                )
                continue
            key = (recommendation.pk, changed_at, from_status, to_status)
            if key in held:
                continue
            held.add(key)
            snapshots = [
                _restored_snapshot(snapshot, recommendation, self.actions, links)
                for snapshot in _history_links(self.path, entry, number)
            ]
            restored.append(
                StatusChange(
                    recommendation=recommendation,
                    changed_at=changed_at,
                    changed_by=self.reviewers.get(entry.get("changed_by"), where),
                    from_status=from_status,
                    to_status=to_status,
                    reason=reason,
                    links=snapshots,
                )
            )
        StatusChange.objects.bulk_create(sorted(restored, key=lambda change: change.changed_at))
        if restored:
            published_data_changed()
        return len(restored)


def _same_decision(link, review, relation, reason):
    # A rejection keeps the relation it was suggested with: only an acceptance's counts.
    relations_agree = review != Link.Review.ACCEPTED or link.relation == relation
    # The file's reasons are read with their spaces collapsed; a form keeps them as typed.
    reasons_agree = " ".join(link.reason.split()) == reason
    return link.review == review and relations_agree and reasons_agree


def _file_decided_later(link, file_moment):
    """Whether the file's decision is later than the database's.

    Every editor's decision here is stamped with its moment; a decision loaded
    from a file carries the file's (none in the shipped seeds). A decision stamped
    no later than the file's entry is the one the file was written from, or an
    earlier one, so a different file entry is its correction.
    """
    if link.reviewed_at is None:
        return True
    return file_moment is not None and file_moment >= link.reviewed_at


def _decision(review, relation):
    if review == Link.Review.SUGGESTED:
        return "reopened"
    return f"{review}, {relation}" if review == Link.Review.ACCEPTED else review


def _by_recommendation(links):
    grouped = {}
    for link in links:
        grouped.setdefault(link.recommendation, []).append(link)
    return grouped


def _common_reviewer(links):
    """Who the history names for a recommendation's corrections: their one reviewer."""
    reviewers = {link.reviewed_by for link in links}
    return reviewers.pop() if len(reviewers) == 1 else None


class Decided:
    """Which recommendations an editor decided on here after the file's record of them.

    An editor who removed an override or a reason made a decision (the history
    records it, as a deleted link is kept as a rejection): the file's override or
    reason, older, must not come back. The file's record of a recommendation ends
    at its latest history entry, or else where its override holds from (`since`).
    """

    def __init__(self, history, moments):
        self.file = {}
        for entry, moment in zip(history, moments, strict=True):
            code = entry.get("recommendation")
            if code not in self.file or moment > self.file[code]:
                self.file[code] = moment
        self.here = dict(
            StatusChange.objects.filter(changed_by__isnull=False)
            .values("recommendation")
            .annotate(latest=Max("changed_at"))
            .values_list("recommendation", "latest")
        )

    def file_records(self, recommendation, links):
        """Whether the file's history reaches the moment of the latest of these links'
        decisions: it then holds the status change they made, as exported with them."""
        moments = [link.reviewed_at for link in links if link.reviewed_at is not None]
        file_ends = self.file.get(recommendation.code)
        return bool(moments) and file_ends is not None and file_ends >= max(moments)

    def since_file(self, recommendation, since=None):
        latest_here = self.here.get(recommendation.pk)
        if latest_here is None:
            return False
        file_ends = self.file.get(recommendation.code) or (
            datetime.datetime.combine(since, datetime.time(), datetime.UTC) if since else None
        )
        return file_ends is None or latest_here > file_ends


def _checked_history_moments(path, entries):
    """Each history entry's moment, read once the entry's statuses are checked."""
    moments = []
    for number, entry in enumerate(entries, start=1):
        where = f"history #{number}"
        if not {entry.get("from"), entry.get("to")} <= set(Recommendation.Status.values):
            raise SourceError(path, f"{where}: from and to must be statuses")
        moments.append(_moment(path, where, "changed_at", entry.get("changed_at"), required=True))
    return moments


def _history_links(path, entry, number):
    """The links a history entry names (checked before anything is loaded)."""
    snapshots = entry.get("links") or []
    if not isinstance(snapshots, list) or not all(isinstance(s, dict) for s in snapshots):
        raise SourceError(path, f"history #{number}: links must be a list of mappings")
    return snapshots


def _restored_snapshot(snapshot, recommendation, actions, links):
    """`link_snapshot` of the link as this database numbers it (None where it lacks it)."""
    action = actions.get((_document(snapshot), str(snapshot.get("action"))))
    return {
        "link": links.get((recommendation.pk, action.pk)) if action else None,
        "action": action.pk if action else None,
        **{name: str(snapshot.get(name) or "") for name in ("relation", "review", "reason")},
    }


def _moment(path, where, name, value, *, required=False):
    """A past date and time from the file; one without a time zone is UTC."""
    if value in (None, ""):
        if required:
            raise SourceError(path, f"{where}: needs {name}")
        return None
    try:
        moment = (
            value
            if isinstance(value, datetime.datetime)
            else datetime.datetime.fromisoformat(str(value))
        )
    except ValueError:
        raise SourceError(path, f"{where}: {name} must be a date and time (ISO 8601)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    if moment > timezone.now():
        raise SourceError(path, f"{where}: {name} cannot be in the future")
    return moment


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


def _load_editor_sources(path, entries):
    """Create the sources this database lacks; one it holds (an editor may have edited it
    since) is left as it is. A malformed entry refuses the whole file, naming it."""
    existing = dict(Document.objects.filter(slug__in=_slugs(entries)).values_list("slug", "kind"))
    created = 0
    for number, entry in enumerate(entries, start=1):
        if not entry.get("slug"):
            raise SourceError(path, f"source #{number}: needs a slug")
        slug = str(entry["slug"])
        if not slug.startswith(EditorSource.SLUG_PREFIX):
            # Else a document of that file name, imported later, would be refused.
            raise SourceError(
                path, f"source #{number}: the slug must start with {EditorSource.SLUG_PREFIX!r}"
            )
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
    return [str(entry.get("slug")) for entry in entries]
