"""Store parsed fact sheets: one transaction per file, keyed so a re-import changes nothing."""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from tracker.models import Action, Document

from .errors import SourceError
from .factsheets import PUBLISHER, file_checksum, parse_factsheet, slug_for

ACTION_FIELDS = [
    "position",
    "section",
    "subheading",
    "lead_in",
    "text",
    "markdown",
    "has_local_links",
]
FACTSHEET_SUFFIXES = {".md", ".markdown"}


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class ImportSummary:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    actions: int = 0
    new_action_ids: list = field(default_factory=list)

    @property
    def imported(self):
        return len(self.created) + len(self.updated)

    def record(self, path, outcome):
        getattr(self, outcome).append(path)

    def __str__(self):
        return (
            f"{self.imported} imported ({len(self.created)} new, {len(self.updated)} updated), "
            f"{len(self.unchanged)} unchanged, {len(self.failed)} failed; "
            f"{self.actions} actions in the imported files"
        )


def factsheet_paths(paths):
    """Expand folders into the Markdown files they hold; keep named files as given."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(
                child
                for child in path.rglob("*")
                if child.is_file() and child.suffix.lower() in FACTSHEET_SUFFIXES
            )
        else:
            yield path


def import_factsheets(paths, *, dry_run=False, progress=iter):
    """Import every fact sheet under `paths`; a failing file is reported and writes nothing."""
    summary = ImportSummary()
    known = dict(Document.objects.factsheets().values_list("slug", "checksum"))
    for path in progress(list(factsheet_paths(paths))):
        try:
            if known.get(slug_for(path)) == file_checksum(path):
                summary.record(path, Outcome.UNCHANGED)
                continue
            parsed = parse_factsheet(path)
            outcome, new_ids = store_factsheet(parsed, dry_run=dry_run)
        except SourceError as error:
            summary.failed.append((path, str(error)))
            continue
        except OSError as error:
            summary.failed.append((path, f"{path}: cannot be read ({error.strerror})"))
            continue
        summary.record(path, outcome)
        summary.new_action_ids.extend(new_ids)
        if outcome != Outcome.UNCHANGED:
            summary.actions += len(parsed.actions)
    return summary


def store_factsheet(parsed, *, dry_run=False):
    """Create or update the fact sheet and its actions; return (outcome, new action ids)."""
    existing = Document.objects.filter(slug=parsed.slug).first()
    if existing and existing.kind != Document.Kind.FACTSHEET:
        raise SourceError(parsed.path, f"the slug {parsed.slug!r} is taken by another document")
    if existing and existing.checksum == parsed.checksum:
        return Outcome.UNCHANGED, []
    outcome = Outcome.UPDATED if existing else Outcome.CREATED
    if dry_run:
        return outcome, []
    with transaction.atomic():
        document = existing or Document(kind=Document.Kind.FACTSHEET, slug=parsed.slug)
        document.title = parsed.title
        document.publisher = PUBLISHER
        document.url = parsed.url
        document.published = parsed.published
        document.tags = parsed.tags
        document.source_path = parsed.path.name
        document.checksum = parsed.checksum
        document.licence = "U.S. government work (public domain)"
        document.save()
        return outcome, _store_actions(document, parsed.actions)


def _store_actions(document, parsed_actions):
    current = {action.key: action for action in document.actions.all()}
    to_create, to_update = [], []
    for position, parsed in enumerate(parsed_actions, start=1):
        values = {
            "position": position,
            "section": parsed.section,
            "subheading": parsed.subheading,
            "lead_in": parsed.lead_in,
            "text": parsed.text,
            "markdown": parsed.markdown,
            "has_local_links": parsed.has_local_links,
        }
        action = current.pop(parsed.key, None)
        if action is None:
            to_create.append(Action(factsheet=document, key=parsed.key, **values))
        elif action.withdrawn or any(
            getattr(action, name) != value for name, value in values.items()
        ):
            for name, value in values.items():
                setattr(action, name, value)
            action.withdrawn = False
            to_update.append(action)
    Action.objects.bulk_update(to_update, [*ACTION_FIELDS, "withdrawn"])
    created = Action.objects.bulk_create(to_create)
    _retire(current.values())
    return [action.pk for action in created]


def _retire(actions):
    """Delete actions gone from the source, but keep (flagged) those editors have linked."""
    gone = [action.pk for action in actions]
    linked = set(
        Action.objects.filter(pk__in=gone, links__isnull=False).values_list("pk", flat=True)
    )
    Action.objects.filter(pk__in=linked).update(withdrawn=True)
    Action.objects.filter(pk__in=set(gone) - linked).delete()
