"""The record the tracker searched: its document sets, and the working address of each source."""

import datetime
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db.models import Max, Min, Sum

from .compiled import CompiledQuery
from .importers.manifest import manifest_summary
from .models import Document, DocumentSet

# In January 2025 the Biden White House's pages under whitehouse.gov/briefing-room/ moved to
# this archive, path for path. The original address stays in the data and the downloads.
ARCHIVES = [
    (datetime.date(2021, 1, 20), datetime.date(2025, 1, 20), "bidenwhitehouse.archives.gov"),
]
WHITE_HOUSE_HOSTS = {"whitehouse.gov", "www.whitehouse.gov"}
ARCHIVED_PATH = "/briefing-room/"


def working_url(url, published):
    """The address where a source can be read today: the archive's, for a moved Biden-era page.

    A `whitehouse.gov/briefing-room/` address of a document dated in the Biden
    administration (its last day included: the new administration's site has no
    briefing room) becomes the same path on bidenwhitehouse.archives.gov; any other
    address is returned unchanged.
    """
    if not url or published is None:
        return url
    parts = urlsplit(url)
    if parts.hostname not in WHITE_HOUSE_HOSTS or not parts.path.startswith(ARCHIVED_PATH):
        return url
    for took_office, left_office, host in ARCHIVES:
        if took_office <= published <= left_office:
            return urlunsplit(("https", host, parts.path, parts.query, parts.fragment))
    return url


@dataclass
class ScopeSet:
    """The documents of one kind and administration, as the scope shows them."""

    kind: str
    kind_label: str
    administration: str
    count: int
    first: datetime.date
    last: datetime.date


@dataclass
class Searched:
    """The whole record the editors searched, from seeds/corpus-manifest.csv."""

    count: int
    kinds: dict
    first: datetime.date
    last: datetime.date


@dataclass
class Scope:
    """What was searched: document sets by kind and administration, their dates and size."""

    sets: list
    last_imported: datetime.datetime | None
    searched: Searched | None = None

    @property
    def count(self):
        return sum(s.count for s in self.sets)

    @property
    def first(self):
        return min((s.first for s in self.sets), default=None)

    @property
    def reviewed_through(self):
        """The latest document date: the record is reviewed through it."""
        held = max((s.last for s in self.sets), default=None)
        if self.searched and (held is None or self.searched.last > held):
            return self.searched.last
        return held

    @property
    def searched_count(self):
        """How many documents "No action found" is scoped to."""
        return self.searched.count if self.searched else self.count

    last_document = reviewed_through


def scope():
    """The documents searched for actions, by kind and administration (one query of the stored
    figures, `tracker.document_sets`); not the sources editors entered by hand, which no search
    found."""
    labels = dict(Document.Kind.choices)
    sets, imported = [], []
    for kind, administration, n, first, last, latest_import in _DOCUMENT_SETS():
        sets.append(ScopeSet(kind, labels.get(kind, kind), administration or "", n, first, last))
        imported.append(latest_import)
    return Scope(sets, max(imported, default=None), searched_record())


def _document_sets():
    return (
        DocumentSet.objects.filter(kind__in=Document.IMPORTED_KINDS)
        # By the administration's name, as the page says it: two of one name are one set.
        .values_list("kind", "administration__name")
        .annotate(
            n=Sum("document_count"),
            first=Min("first_published"),
            last=Max("last_published"),
            imported=Max("last_updated"),
        )
        .order_by("kind", "first")
    )


# The same SQL on every page that states the scope: compiled once per process.
_DOCUMENT_SETS = CompiledQuery(_document_sets)


@lru_cache(maxsize=1)
def searched_record():
    """The manifest of the record the curation searched, if the repository has one."""
    path = settings.SEEDS_DIR / "corpus-manifest.csv"
    if not path.exists():
        return None
    kinds, (first, last) = manifest_summary(path)
    labels = dict(Document.Kind.choices)
    return Searched(
        count=sum(kinds.values()),
        kinds={labels.get(kind, kind): n for kind, n in sorted(kinds.items())},
        first=datetime.date.fromisoformat(first),
        last=datetime.date.fromisoformat(last),
    )
