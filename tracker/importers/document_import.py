"""Store parsed documents (fact sheets and presidential actions): one transaction per file,
keyed so a re-import changes nothing.
"""

import re
from contextlib import suppress
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path

from django.db import transaction

from tracker.cache import published_data_changed
from tracker.curation import refresh_statuses
from tracker.models import Action, Document, Link

from .administrations import AdministrationFinder
from .document_parser import (
    PARSER_VERSION,
    PUBLISHER,
    distinct_slug,
    file_checksum,
    page_name,
    parse_factsheet,
    slug_for,
)
from .errors import SourceError

FACTSHEET_SUFFIXES = {".md", ".markdown"}
# How alike an action's old and new text must be to count as the same action revised.
REVISION_SIMILARITY = 0.85
# How many old actions on each side of a new one's place it is compared with.
REVISION_WINDOW = 25
# Of those, how many (the most alike by their words) are compared character by character,
# and the share of words they must have in common to be compared at all.
REVISION_CANDIDATES = 3
REVISION_WORD_OVERLAP = 0.5
# The share of its actions a file must share with a same-titled, same-dated fact sheet
# to be taken for a re-issue of it.
SAME_FACTSHEET_SHARE = 0.5


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    # The file is unchanged but was read by another version of the parser, which reads it
    # differently now: stored again as an updated file is.
    REPARSED = "reparsed"
    UNCHANGED = "unchanged"
    # The file is unchanged and another version of the parser read it: read again, it
    # yields what is stored, so only the version is recorded (an unchanged file, too).
    REREAD = "reread"
    DUPLICATE = "duplicates"


@dataclass
class ImportSummary:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    reparsed: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    reread: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    flagged: list = field(default_factory=list)
    actions: int = 0
    boilerplate: int = 0
    new_action_ids: list = field(default_factory=list)

    @property
    def imported(self):
        return len(self.created) + len(self.updated) + len(self.reparsed)

    def record(self, path, outcome):
        if outcome == Outcome.REREAD:
            self.unchanged.append(path)
        getattr(self, outcome).append(path)

    def __str__(self):
        # The files read again by a new parser are named only when there are some.
        reparsed = f", {len(self.reparsed)} re-parsed" if self.reparsed else ""
        reread = (
            f" ({len(self.reread)} read again by parser version {PARSER_VERSION}: the same)"
            if self.reread
            else ""
        )
        return (
            f"{self.imported} imported ({len(self.created)} new, {len(self.updated)} updated"
            f"{reparsed}), {len(self.unchanged)} unchanged{reread}, {len(self.failed)} failed; "
            f"{self.actions} actions in the imported files ({self.boilerplate} boilerplate); "
            f"{len(self.duplicates)} duplicates stored once, {len(self.flagged)} flagged for review"
        )


@dataclass(frozen=True)
class Batch:
    """The files of one import: their names, where they are, and their checksums."""

    names: frozenset = frozenset()
    files: frozenset = frozenset()
    checksums: frozenset = frozenset()


class Slugs:
    """The slugs the stored documents hold, read once for an import of many files and kept
    up to date as it stores them: the file name of the imported document that holds each,
    and the kind of any other document (its slug is not a file's to take)."""

    def __init__(self):
        self.file_names, self.other_kinds = {}, {}
        for slug, kind, file_name in Document.objects.values_list("slug", "kind", "source_path"):
            if kind in Document.IMPORTED_KINDS:
                self.file_names[slug] = file_name
            else:
                self.other_kinds[slug] = kind

    def stored(self, document):
        self.file_names[document.slug] = document.source_path


def factsheet_paths(paths):
    """Expand folders into the Markdown files they hold; keep named files as given.

    A folder's README describes the folder; it is not a document.
    """
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(
                child
                for child in path.rglob("*")
                if child.is_file()
                and child.suffix.lower() in FACTSHEET_SUFFIXES
                and child.stem.lower() != "readme"
            )
        else:
            yield path


def import_documents(paths, *, dry_run=False, progress=iter):
    """Import every document under `paths`; a failing file is reported and writes nothing.

    A file is skipped when it is unchanged since its import by this version of the parser;
    one stored by another version is read again (`store_factsheet`).
    """
    summary = ImportSummary()
    known = {
        slug: (checksum, version)
        for slug, checksum, version in Document.objects.imported().values_list(
            "slug", "checksum", "parser_version"
        )
    }
    finder = AdministrationFinder()
    slugs = Slugs()
    paths = list(factsheet_paths(paths))
    checksums = {}
    for path in paths:
        with suppress(OSError):  # Refused with its reason when it is read below.
            checksums[path] = file_checksum(path)
    batch = Batch(
        names=frozenset(path.name for path in paths),
        files=frozenset(_location(path) for path in paths),
        checksums=frozenset(checksums.values()),
    )
    for path in progress(paths):
        try:
            # A page with a distinct slug (`_slug_beside`) is not skipped here: it is read,
            # and found unchanged when stored.
            if known.get(slug_for(path)) == (checksums.get(path), PARSER_VERSION):
                summary.record(path, Outcome.UNCHANGED)
                continue
            parsed = parse_factsheet(path)
            outcome, new_ids = store_factsheet(
                parsed, dry_run=dry_run, finder=finder, batch=batch, slugs=slugs
            )
        except SourceError as error:
            summary.failed.append((path, str(error)))
            continue
        except OSError as error:
            summary.failed.append((path, f"{path}: cannot be read ({error.strerror})"))
            continue
        except RecursionError:
            summary.failed.append((path, f"{path}: nested too deeply to parse"))
            continue
        except MemoryError:
            summary.failed.append((path, f"{path}: too large to parse in memory"))
            continue
        summary.record(path, outcome)
        summary.new_action_ids.extend(new_ids)
        if parsed.needs_review:
            summary.flagged.append((path, parsed.needs_review))
        if outcome not in {Outcome.UNCHANGED, Outcome.REREAD, Outcome.DUPLICATE}:
            summary.actions += len(parsed.actions)
            summary.boilerplate += sum(action.is_boilerplate for action in parsed.actions)
    return summary


# The command's first name, kept: every kind goes through the same import.
import_factsheets = import_documents


def find_factsheet(parsed, batch=Batch()):
    """The stored fact sheet this file is a version of.

    The same slug, or else the same content (title and actions), or else a
    fact sheet with the same title and date whose actions are mostly the same
    (re-issued under a new address and file name): its actions must not be
    duplicated. Two different fact sheets that share a title and a date stay
    apart, and so do two files that are both present (in the same batch, or
    the stored one's file still where it was read in another folder), so
    neither replaces the other. Only imported documents are candidates: an
    editor-entered source is never a version of a file.
    """
    factsheets = Document.objects.imported()
    same_name = factsheets.filter(slug=parsed.slug).first()
    if same_name:
        return same_name
    same_content = factsheets.filter(content_hash=parsed.content_hash).first()
    if same_content:
        return same_content
    keys = {action.key for action in parsed.actions}
    same_title = factsheets.filter(title=parsed.title, published=parsed.published)
    for candidate in same_title.exclude(source_path__in=batch.names - {parsed.path.name}):
        if _held_by_another_file(candidate, parsed.path, batch):
            continue
        shared = candidate.actions.filter(key__in=keys).count()
        if shared >= SAME_FACTSHEET_SHARE * len(keys):
            return candidate
    return None


def store_factsheet(parsed, *, dry_run=False, finder=None, batch=Batch(), slugs=None):
    """Create or update the document and its actions; return (outcome, new action ids).

    A file that is a version of a stored document (`find_factsheet`) but not
    the file it was stored from is a duplicate and writes nothing while that
    file is still there: in the same batch (the same page scraped twice, or
    saved in two sub-folders), or where it was read in another folder (the
    same page in two folders). Otherwise it is a re-issue and updates the
    stored document. One exception keeps the better name: a file whose name
    is the document's slug takes the document over from one whose name is
    not (a file the scrape overwrote with this page), once. A file whose name is cut
    to the slug of a stored page of another name takes a distinct slug (`_slug_beside`).

    An unchanged file that another version of the parser read is stored again
    as a changed one is (re-parsed); if it yields what is stored, only the
    version that read it is recorded (re-read).

    `slugs` are the stored documents' (`Slugs`): an import of many files passes the
    ones it read, which this keeps up to date; a file stored on its own reads them.
    """
    slugs = slugs or Slugs()
    if not parsed.needs_review:
        holder_name = slugs.file_names.get(parsed.slug)
        parsed = replace(parsed, slug=_slug_beside(parsed.path, holder_name))
    if taken_by := slugs.other_kinds.get(parsed.slug):
        raise SourceError(
            parsed.path,
            f"the slug {parsed.slug!r} is taken by the {Document.Kind(taken_by).label.lower()}",
        )
    existing = find_factsheet(parsed, batch)
    if (
        existing
        and existing.checksum != parsed.checksum
        and _held_by_another_file(existing, parsed.path, batch)
        and not _takes_the_name_back(existing, parsed.path)
    ):
        return Outcome.DUPLICATE, []
    if existing and existing.checksum == parsed.checksum:
        if existing.parser_version == PARSER_VERSION:
            return Outcome.UNCHANGED, []
        outcome = Outcome.REREAD if _yields_what_is_stored(existing, parsed) else Outcome.REPARSED
    else:
        outcome = Outcome.UPDATED if existing else Outcome.CREATED
    if dry_run:
        return outcome, []
    if outcome == Outcome.REREAD:  # Nothing published changes: no save, no new page version.
        Document.objects.filter(pk=existing.pk).update(
            parser_version=PARSER_VERSION, source_file=_location(parsed.path)
        )
        return outcome, []
    with transaction.atomic():
        document = existing or Document(slug=parsed.slug)
        redated = existing is not None and existing.published != parsed.published
        for name, value in _document_values(parsed).items():
            setattr(document, name, value)
        if document.administration_id is None:  # Editors may have corrected it: keep theirs.
            finder = finder or AdministrationFinder()
            document.administration = finder.find(
                parsed.published, parsed.url, parsed.published_time
            )
        document.parser_version = PARSER_VERSION
        document.source_file = _location(parsed.path)
        document.save()
        new_ids = _store_actions(document, parsed.actions)
        if redated:  # Its links now count from the new date.
            refresh_statuses(
                list(Link.objects.accepted().filter(action__factsheet=document)),
                reason=f"Document redated: {document.title}.",
            )
        published_data_changed()
    slugs.stored(document)
    return outcome, new_ids


def _location(path):
    return str(Path(path).resolve())


def _slug_beside(path, holder):
    """The slug of the file at `path`, given the file name `holder` of the imported document
    that has the slug the file's name gives (None if none has it).

    A name longer than a slug is cut, so two pages whose names differ only after the cut
    (three presidential permits of one title and day) would be one: the page that comes
    second takes a distinct slug, and the stored document keeps its own. The same name is
    the same page (one page in two folders), whatever its address's section.
    """
    slug = slug_for(path)
    if holder and slug_for(holder) == slug and page_name(holder) != page_name(path):
        return distinct_slug(path)
    return slug


def _named_for(path, slug):
    return slug in {slug_for(path), distinct_slug(path)}


def _takes_the_name_back(document, path):
    """Whether the file at `path` is named for `document` (its slug) while the file the
    document was stored from is not: a file the scrape overwrote with this page."""
    return _named_for(path, document.slug) and not _named_for(document.source_path, document.slug)


def _held_by_another_file(document, path, batch):
    """Whether the file `document` was stored from is another file than `path` and still
    there: in this batch, or in a folder of another name than `path`'s.

    A file in a folder of the same name that is not in the batch does not hold it:
    imported alone, a file with a new name is that folder's re-issue of the page, and
    a folder moved or checked out elsewhere is the same folder. A document stored before
    locations were recorded is held by a file of the batch with its checksum.
    """
    if not document.source_file:
        return document.checksum in batch.checksums
    location = _location(path)
    if document.source_file == location:
        return False
    if document.source_file in batch.files:
        return True
    stored = Path(document.source_file)
    return stored.parent.name != Path(location).parent.name and stored.is_file()


def _document_values(parsed):
    """What a document stores of its file."""
    return {
        "kind": parsed.kind,
        "subtype": parsed.subtype,
        "executive_order_number": parsed.executive_order_number,
        "content_hash": parsed.content_hash,
        "needs_review": parsed.needs_review,
        "title": parsed.title,
        "publisher": PUBLISHER,
        "url": parsed.url,
        "published": parsed.published,
        "tags": parsed.tags,
        "source_path": parsed.path.name,
        "checksum": parsed.checksum,
        "licence": "U.S. government work (public domain)",
    }


def _action_values(parsed, position):
    """What an action stores of its place in the file."""
    return {
        "position": position,
        "section": parsed.section,
        "subheading": parsed.subheading,
        "lead_in": parsed.lead_in,
        "text": parsed.text,
        "markdown": parsed.markdown,
        "has_local_links": parsed.has_local_links,
        "is_boilerplate": parsed.is_boilerplate,
        "withdrawn": False,
    }


def _yields_what_is_stored(document, parsed):
    """Whether storing the file again would change nothing: the same document fields, and
    the same actions (keys and values) in the same order. Withdrawn actions are left out:
    they stay withdrawn either way."""
    if any(getattr(document, name) != value for name, value in _document_values(parsed).items()):
        return False
    stored = list(document.actions.filter(withdrawn=False).order_by("position"))
    if len(stored) != len(parsed.actions):
        return False
    for position, (action, new) in enumerate(zip(stored, parsed.actions, strict=True), start=1):
        values = {"key": new.key, **_action_values(new, position)}
        if any(getattr(action, name) != value for name, value in values.items()):
            return False
    return True


def _store_actions(document, parsed_actions):
    current = {action.key: action for action in document.actions.all()}
    unmatched = [parsed for parsed in parsed_actions if parsed.key not in current]
    new_keys = {parsed.key for parsed in parsed_actions}
    revisions = _pair_revisions(unmatched, [a for key, a in current.items() if key not in new_keys])
    to_create, changes, revised = [], {}, []  # changes: {action pk: {field: new value}}
    for position, parsed in enumerate(parsed_actions, start=1):
        values = _action_values(parsed, position)
        action = current.pop(parsed.key, None)
        if action is None and parsed.key in revisions:
            action = current.pop(revisions[parsed.key].key)
            values["key"] = parsed.key
            revised.append(action.pk)
        if action is None:
            to_create.append(Action(factsheet=document, key=parsed.key, **values))
            continue
        changed = {name: value for name, value in values.items() if getattr(action, name) != value}
        if changed:
            changes[action.pk] = changed
    # Row by row, only what changed: `bulk_update` builds a CASE per row and field, and
    # its time grows as a square of them.
    for pk, changed in changes.items():
        Action.objects.filter(pk=pk).update(**changed)
    created = Action.objects.bulk_create(to_create)
    Link.objects.reviewed().filter(action__in=revised).update(source_changed=True)
    _retire(current.values())
    return [action.pk for action in created]


def _pair_revisions(new, old, threshold=REVISION_SIMILARITY):
    """{new key: old action} for texts that are the same action revised (a typo fixed).

    Exact keys are paired before this; the leftovers are compared only with the
    old actions near the same place in the list (a revision seldom moves far),
    first by their sets of words (cheap), then the few most alike by their
    characters: the work grows with the number of actions, not its square.
    """
    pairs, taken = {}, set()
    old_words = [_words(action.text) for action in old]
    for index, parsed in enumerate(new):
        start = round(index * len(old) / len(new)) if new else 0
        low = max(0, start - REVISION_WINDOW)
        words = _words(parsed.text)
        alike = sorted(
            (
                (_overlap(words, old_words[position]), -abs(position - start), position)
                for position in range(low, min(len(old), start + REVISION_WINDOW + 1))
                if old[position].pk not in taken
            ),
            reverse=True,
        )
        for overlap, _, position in alike[:REVISION_CANDIDATES]:
            if overlap < REVISION_WORD_OVERLAP:
                break
            action = old[position]
            matcher = SequenceMatcher(None, action.text, parsed.text, autojunk=False)
            if matcher.quick_ratio() >= threshold and matcher.ratio() >= threshold:
                pairs[parsed.key] = action
                taken.add(action.pk)
                break
    return pairs


def _words(text):
    return frozenset(re.findall(r"\w+", text.lower()))


def _overlap(a, b):
    return len(a & b) / len(a | b) if a or b else 1.0


def _retire(actions):
    """Delete actions gone from the source, but keep (flagged) those editors have linked."""
    gone = [action.pk for action in actions]
    linked = set(
        Action.objects.filter(pk__in=gone, links__isnull=False).values_list("pk", flat=True)
    )
    Action.objects.filter(pk__in=linked).update(withdrawn=True)
    Link.objects.reviewed().filter(action__in=linked).update(source_changed=True)
    Link.objects.pending().filter(action__in=linked).delete()
    Action.objects.filter(pk__in=set(gone) - linked).delete()
