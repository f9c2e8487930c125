"""Presidential administrations from seeds/administrations.yaml, and whose a document is.

Upserted on the slug, so a re-run changes nothing. A malformed entry is
refused with the file and line.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import yaml
from django.conf import settings
from django.db import transaction

from tracker.models import Administration

from .errors import SourceError

FIELDS = ("slug", "name", "president", "took_office", "left_office")
REQUIRED = ("slug", "name", "president", "took_office")
EASTERN = ZoneInfo("America/New_York")
# On an inauguration day the oath is taken at noon, Eastern time.
OATH_HOUR = 12


@dataclass
class AdministrationsSummary:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)

    def __str__(self):
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


def default_path():
    return settings.SEEDS_DIR / "administrations.yaml"


def read_administrations(path):
    """Return the entries as dicts, each with its line; raise `SourceError` on a bad one."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except OSError as error:
        raise SourceError(path, f"cannot be read ({error.strerror})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        raise SourceError(path, "malformed YAML", mark.line + 1 if mark else None) from None
    entries_node = _entries_node(root, path)
    entries, slugs = [], set()
    for node in entries_node.value:
        line = node.start_mark.line + 1
        entry = _entry(node, path, line)
        if entry["slug"] in slugs:
            raise SourceError(path, f"administration {entry['slug']!r} is listed twice", line)
        slugs.add(entry["slug"])
        entries.append(entry)
    return entries


def _entries_node(root, path):
    if not isinstance(root, yaml.MappingNode):
        raise SourceError(path, "expected a mapping with an 'administrations' list", 1)
    for key, value in root.value:
        if key.value == "administrations":
            if not isinstance(value, yaml.SequenceNode):
                raise SourceError(path, "'administrations' must be a list", key.start_mark.line + 1)
            return value
    raise SourceError(path, "no 'administrations' list", 1)


def _entry(node, path, line):
    if not isinstance(node, yaml.MappingNode):
        raise SourceError(path, "an administration must be a mapping of fields", line)
    raw = {}
    for key, value in node.value:
        if key.value not in (*FIELDS, "archive_hosts"):
            raise SourceError(path, f"unknown field {key.value!r}", key.start_mark.line + 1)
        raw[key.value] = (value, value.start_mark.line + 1)
    for name in REQUIRED:
        if name not in raw or raw[name][0].value in ("", None):
            raise SourceError(path, f"an administration has no {name}", line)
    entry = {"line": line}
    for name in ("slug", "name", "president"):
        value, value_line = raw[name]
        if not isinstance(value, yaml.ScalarNode) or not str(value.value).strip():
            raise SourceError(path, f"{name} must be text", value_line)
        entry[name] = str(value.value).strip()
    for name in ("took_office", "left_office"):
        value, value_line = raw.get(name, (None, line))
        entry[name] = _date(value, path, name, value_line)
    if entry["left_office"] and entry["left_office"] <= entry["took_office"]:
        raise SourceError(path, "left_office must be after took_office", raw["left_office"][1])
    hosts, hosts_line = raw.get("archive_hosts", (None, line))
    if hosts is not None and not (
        isinstance(hosts, yaml.SequenceNode)
        and all(isinstance(host, yaml.ScalarNode) for host in hosts.value)
    ):
        raise SourceError(path, "archive_hosts must be a list of host names", hosts_line)
    entry["archive_hosts"] = [host.value.lower() for host in hosts.value] if hosts else []
    return entry


def _date(node, path, name, line):
    if node is None or (isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null")):
        if name == "took_office":
            raise SourceError(path, "an administration has no took_office", line)
        return None
    try:
        return datetime.date.fromisoformat(str(node.value).strip())
    except (ValueError, TypeError):
        raise SourceError(path, f"{name} is not a date (YYYY-MM-DD)", line) from None


def import_administrations(path=None):
    """Create or update every administration in the file; keyed on the slug."""
    path = path or default_path()
    summary = AdministrationsSummary()
    entries = read_administrations(path)
    with transaction.atomic():
        for entry in entries:
            values = {name: entry[name] for name in FIELDS if name != "slug"}
            current = Administration.objects.filter(slug=entry["slug"]).first()
            if current is None:
                Administration.objects.create(slug=entry["slug"], **values)
                summary.created.append(entry["slug"])
            elif any(getattr(current, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(current, name, value)
                current.save()
                summary.updated.append(entry["slug"])
            else:
                summary.unchanged.append(entry["slug"])
    return summary


class AdministrationFinder:
    """Whose document is this: the administration in office on its date.

    On an inauguration day both are in office: a page on the outgoing
    administration's archive host, or published before noon Eastern, is the
    outgoing one's; otherwise the incoming one's.
    """

    def __init__(self, path=None):
        path = path or default_path()
        if not Administration.objects.exists() and path.exists():
            import_administrations(path)
        self.administrations = list(Administration.objects.order_by("took_office"))
        hosts = {}
        try:
            for entry in read_administrations(path):
                hosts[entry["slug"]] = set(entry["archive_hosts"])
        except SourceError:  # Already loaded from the database; the hosts are a refinement.
            pass
        self.archive_hosts = hosts

    def find(self, date, url="", published_time=None):
        current = [
            a
            for a in self.administrations
            if a.took_office <= date and (a.left_office is None or a.left_office >= date)
        ]
        if len(current) < 2:
            return current[0] if current else None
        outgoing, incoming = current[0], current[-1]
        host = (urlsplit(url).hostname or "").lower()
        if host and host in self.archive_hosts.get(outgoing.slug, set()):
            return outgoing
        moment = _eastern(published_time)
        if moment is not None and moment.date() == date and moment.hour < OATH_HOUR:
            return outgoing
        return incoming


def _eastern(value):
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=EASTERN)
    return value.astimezone(EASTERN)
