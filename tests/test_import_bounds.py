"""Imports bounded in time and memory (issue 14): each hostile file is refused on one line,
or imported, quickly, and the batch goes on."""

import time

import pytest

from tracker.importers import document_parser
from tracker.importers.document_import import import_documents
from tracker.models import Action, Document

pytestmark = pytest.mark.django_db

HEAD = "---\ndate: '2024-05-01'\ntitle: Bounds\n---\n"
GOOD = HEAD + "-   A good action.\n"
# Generous: each case takes well under a second when bounded, minutes when not.
LIMIT = 10


def import_timed(paths):
    start = time.perf_counter()
    summary = import_documents(paths)
    return summary, time.perf_counter() - start


def assert_refused_alone(summary, path, message, good):
    failed = dict(summary.failed)
    assert list(failed) == [path]
    assert message in failed[path] and "\n" not in failed[path]
    assert failed[path].startswith(str(path))
    assert summary.created == [good]  # the batch went on


BILLION_LAUGHS = (
    "---\ndate: '2024-05-01'\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d]\n"
    "f: &f [*e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g]\n"
    "i: &i [*h, *h, *h, *h, *h, *h]\ntitle: *i\n---\n-   Item.\n"
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BILLION_LAUGHS, "YAML anchor or alias"),
        (
            "---\ndate: '2024-05-01'\nt: &t https://example.org/\ntitle: T\nsource_url: *t\n---\n"
            "-   Item.\n",
            "YAML anchor or alias",
        ),
        ("---\ndate: '2024-05-01'\ntitle: {a: 1}\n---\n-   Item.\n", "not a plain value"),
    ],
)
def test_yaml_aliases_and_structures_are_refused(content, message, write_file):
    bad, good = write_file("a-bad.md", content), write_file("b-good.md", GOOD)
    summary, seconds = import_timed([bad, good])
    assert seconds < LIMIT
    assert_refused_alone(summary, bad, message, good)


def test_a_file_over_the_size_cap_is_refused(write_file):
    bad = write_file("a-big.md", HEAD + "-   Item.\n" * (document_parser.MAX_FILE_BYTES // 10 + 1))
    good = write_file("b-good.md", GOOD)
    summary, seconds = import_timed([bad, good])
    assert seconds < LIMIT
    assert_refused_alone(summary, bad, "file too large", good)


def test_a_file_over_the_action_cap_is_refused(write_file):
    items = "".join(f"-   Action number {i}.\n" for i in range(document_parser.MAX_ACTIONS + 1))
    bad, good = write_file("a-many.md", HEAD + items), write_file("b-good.md", GOOD)
    summary, seconds = import_timed([bad, good])
    assert seconds < LIMIT
    assert_refused_alone(summary, bad, "too many actions", good)
    assert not Document.objects.filter(source_path="a-many.md").exists()


@pytest.mark.parametrize("size", [1_000, 4_000])
def test_a_long_run_of_brackets_parses_in_bounded_time(size, write_file):
    path = write_file("brackets.md", HEAD + "-   " + "[" * size + " end.\n")
    summary, seconds = import_timed([path])
    assert seconds < LIMIT
    assert summary.created == [path]
    assert Action.objects.get().text.endswith("end.")
