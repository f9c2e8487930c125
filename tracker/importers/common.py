"""Helpers the importers share: reading a YAML source, and an upsert that says what it did."""

from pathlib import Path

import yaml

from .errors import SourceError


def read_yaml(path):
    """The YAML document at `path`; bad YAML or text is a SourceError naming the line."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise SourceError(
            path,
            f"malformed YAML: {getattr(error, 'problem', error)}",
            mark.line + 1 if mark else None,
        ) from None
    except UnicodeDecodeError:
        raise SourceError(path, "not UTF-8 text") from None
    except (ValueError, TypeError, OverflowError) as error:
        raise SourceError(path, f"malformed YAML: {error}") from None


def upsert(model, lookup, values):
    """Create or update one row; return (row, "created" | "updated" | "unchanged")."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **values), "created"
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return row, "unchanged"
    for name in changed:
        setattr(row, name, values[name])
    row.save()
    return row, "updated"
