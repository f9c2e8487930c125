"""Imports bounded in time and memory (issue 14): each hostile file is refused on one line,
or imported, and the batch goes on.

The bounds are checked by the work the parser is handed, not by the clock: the text Python-
Markdown's inline parser receives (its cost grows with delimiters times length) and the
comparisons a re-import makes to pair revised actions.
"""

import markdown
import pytest
from markdown.util import AtomicString

from tracker.importers import document_import, document_parser
from tracker.importers.document_import import import_documents
from tracker.models import Action, Document

pytestmark = pytest.mark.django_db

HEAD = "---\ndate: '2024-05-01'\ntitle: Bounds\n---\n"
GOOD = HEAD + "-   A good action.\n"


@pytest.fixture
def inline_texts(monkeypatch):
    """Every text Python-Markdown's inline parser is given, and every source it converts."""
    seen = {"texts": [], "sources": []}
    run, convert = markdown.treeprocessors.InlineProcessor.run, markdown.Markdown.convert

    def recording_run(self, tree, ancestors=None):
        for element in tree.iter():
            if element.text and not isinstance(element.text, AtomicString):
                seen["texts"].append(element.text)
            if element.tail:
                seen["texts"].append(element.tail)
        return run(self, tree, ancestors)

    def recording_convert(self, source):
        seen["sources"].append(source)
        return convert(self, source)

    monkeypatch.setattr(markdown.treeprocessors.InlineProcessor, "run", recording_run)
    monkeypatch.setattr(markdown.Markdown, "convert", recording_convert)
    return seen


def assert_inline_work_bounded(seen):
    assert seen["sources"]  # the parser ran
    work = [document_parser.inline_work(text) for text in seen["texts"]]
    assert max(work, default=0) <= document_parser.MAX_INLINE_WORK
    assert sum(work) <= document_parser.MAX_FILE_INLINE_WORK
    # The raw HTML reader scans from an unclosed "<" to the end: none reaches it.
    assert not any(document_parser.UNCLOSED_TAG.search(source) for source in seen["sources"])


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
    summary = import_documents([bad, good])
    assert_refused_alone(summary, bad, message, good)


def test_a_file_over_the_size_cap_is_refused(write_file):
    bad = write_file("a-big.md", HEAD + "-   Item.\n" * (document_parser.MAX_FILE_BYTES // 10 + 1))
    good = write_file("b-good.md", GOOD)
    summary = import_documents([bad, good])
    assert_refused_alone(summary, bad, "file too large", good)


def test_a_file_over_the_action_cap_is_refused(write_file):
    items = "".join(f"-   Action number {i}.\n" for i in range(document_parser.MAX_ACTIONS + 1))
    bad, good = write_file("a-many.md", HEAD + items), write_file("b-good.md", GOOD)
    summary = import_documents([bad, good])
    assert_refused_alone(summary, bad, "too many actions", good)
    assert not Document.objects.filter(source_path="a-many.md").exists()


@pytest.mark.parametrize("size", [1_000, 4_000])
def test_a_long_run_of_brackets_parses_in_bounded_time(size, write_file, inline_texts):
    path = write_file("brackets.md", HEAD + "-   " + "[" * size + " end.\n")
    summary = import_documents([path])
    assert_inline_work_bounded(inline_texts)
    assert summary.created == [path]
    assert Action.objects.get().text.endswith("end.")


def nested_list(depth):
    return HEAD + "".join("    " * level + f"-   Level {level}.\n" for level in range(depth))


def test_a_list_nested_a_thousand_deep_is_refused_quickly(write_file):
    bad, good = write_file("a-deep.md", nested_list(1_000)), write_file("b-good.md", GOOD)
    summary = import_documents([bad, good])
    assert_refused_alone(summary, bad, "nested too deeply", good)


def test_quotes_nested_a_thousand_deep_are_refused_quickly(write_file):
    bad = write_file("a-quotes.md", HEAD + ">" * 1_000 + " Deep.\n")
    good = write_file("b-good.md", GOOD)
    summary = import_documents([bad, good])
    assert_refused_alone(summary, bad, "nested too deeply", good)


def test_a_list_nested_a_few_levels_still_imports(write_file):
    path = write_file("nested.md", nested_list(6))
    summary = import_documents([path])
    assert summary.created == [path]
    assert Action.objects.count() == 6


@pytest.mark.parametrize(
    "line",
    [
        "[" * 100_000,
        "[a" * 50_000,
        "[" * 20_000 + "x" + "]" * 20_000,
        "[a](" * 25_000,
        "<a" * 50_000,
        "*a" * 50_000,
        "`a" * 50_000,
        "\\[" * 50_000,
    ],
    ids=["run", "spaced", "nested", "links", "tags", "emphasis", "code", "escaped"],
)
def test_100_kb_of_markup_delimiters_import_in_bounded_time(line, write_file, inline_texts):
    path = write_file("delimiters.md", HEAD + "-   " + line + " end.\n")
    summary = import_documents([path])
    assert_inline_work_bounded(inline_texts)
    assert summary.created == [path]
    assert Action.objects.get().text.endswith("end.")


def test_links_and_emphasis_of_real_items_are_still_parsed(write_file):
    items = "".join(
        f"-   **Lead {i}.** Did [thing {i}](https://example.org/{i}) and <u>more</u>.\n"
        for i in range(300)
    )
    path = write_file("links.md", HEAD + items)
    import_documents([path])
    action = Action.objects.get(position=7)
    assert action.lead_in == "Lead 6."
    assert action.text == "Lead 6. Did thing 6 and more."
    assert "[thing 6](https://example.org/6)" in action.markdown


def reworded(count, word):
    return HEAD + "".join(
        f"-   The administration {word} program number {i} for the people of district {i}.\n"
        for i in range(count)
    )


def test_reimporting_two_thousand_reworded_items_is_near_linear(write_file, monkeypatch):
    path = write_file("reworded.md", reworded(2_000, "funded"))
    import_documents([path])
    before = dict(Action.objects.values_list("position", "pk"))
    path.write_text(reworded(2_000, "expanded"), encoding="utf-8")
    comparisons = {"words": 0, "characters": 0}

    def counting(name, function):
        def counted(*args, **kwargs):
            comparisons[name] += 1
            return function(*args, **kwargs)

        return counted

    monkeypatch.setattr(document_import, "_overlap", counting("words", document_import._overlap))
    monkeypatch.setattr(
        document_import, "SequenceMatcher", counting("characters", document_import.SequenceMatcher)
    )

    summary = import_documents([path])

    # Each new item is compared with a window of old ones, never with all 2,000 (4 million
    # comparisons, 39 s, before the window).
    window = 2 * document_import.REVISION_WINDOW + 1
    assert 2_000 <= comparisons["words"] <= 2_000 * window
    assert 2_000 <= comparisons["characters"] <= 2_000 * document_import.REVISION_CANDIDATES
    assert summary.updated == [path]
    # Each item is paired with its own earlier wording: the same rows, revised.
    assert dict(Action.objects.values_list("position", "pk")) == before
    assert Action.objects.get(position=5).text.startswith("The administration expanded")


def test_two_files_with_one_title_and_date_but_different_content_stay_apart(write_file):
    shared = "-   Shared action one.\n-   Shared action two.\n"
    first = write_file("a-first.md", HEAD + shared + "-   Only in the first.\n")
    second = write_file("b-second.md", HEAD + shared + "-   Only in the second.\n")

    summary = import_documents([first, second])
    again = import_documents([first, second])

    assert (summary.created, summary.updated) == ([first, second], [])
    assert (again.updated, again.unchanged) == ([], [first, second])
    texts = {
        document.source_path: set(document.actions.values_list("text", flat=True))
        for document in Document.objects.all()
    }
    assert texts["a-first.md"] >= {"Only in the first."}
    assert "Only in the second." not in texts["a-first.md"]
    assert texts["b-second.md"] >= {"Only in the second."}
