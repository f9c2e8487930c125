"""Generated and mutated input for the importers: imported, or refused in one line; never a
traceback, never a partial write."""

import random

import pytest
from django.conf import settings
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tracker.importers.document_import import import_factsheets
from tracker.importers.document_parser import parse_factsheet
from tracker.importers.errors import SourceError
from tracker.importers.essay import parse_essay
from tracker.models import Action, Document

# Each test imports the seeds or runs a property-based search: seconds each.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]
FUZZ = hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SEEDS = [
    (settings.SEEDS_DIR / "factsheets" / name).read_bytes()
    for name in ("2024-09-24-un-accomplishments.md", "2024-12-11-human-rights-day.md")
]

words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
inline = st.one_of(
    words,
    words.map(lambda w: f"**{w}**"),
    words.map(lambda w: f"*<u>{w}</u>*"),
    st.tuples(words, words).map(lambda p: f"[{p[0]}]({p[1]})"),
    words.map(lambda w: f"[x](/Users/someone/AppData/{w})"),
    st.sampled_from(["<!-- -->", "\\###", "<sup>st</sup>", "&amp;", "&#0;", "<br>", "***", "\\"]),
)
line = st.lists(inline, max_size=6).map(" ".join)
block = st.one_of(
    line,
    st.lists(line, min_size=1, max_size=5).map(lambda items: "\n".join(f"-   {i}" for i in items)),
    st.lists(line, min_size=1, max_size=3).map(
        lambda items: "\n".join(f"    -   {i}" for i in items)
    ),
    line.map(lambda text: f"## {text}"),
    line.map(lambda text: f"<div>{text}</div>"),
)
front_value = st.one_of(
    words,
    st.sampled_from(
        ["'2024-05-01'", "2024-13-45", "2024-02-30", "[1, 2]", "{a: b}", "null", "*anchor", "'",
         "!!python/object:os.system ls", "2024-05-01 25:61:00"]
    ),
)  # fmt: skip
front_matter = st.fixed_dictionaries(
    {},
    optional={
        "title": front_value,
        "date": front_value,
        "source_url": front_value,
        "tags": front_value,
    },
).map(lambda d: "".join(f"{k}: {v}\n" for k, v in d.items()))
document = st.tuples(front_matter, st.lists(block, max_size=8)).map(
    lambda parts: f"---\n{parts[0]}---\n" + "\n\n".join(parts[1])
)


def check_import(path):
    """Import one file; it is stored whole, or refused in one line and not stored at all."""
    Document.objects.all().delete()
    summary = import_factsheets([path])
    if summary.failed:
        [(failed, reason)] = summary.failed
        assert failed == path and "\n" not in reason and reason.startswith(str(path))
        assert not Document.objects.exists()
        return
    parsed = parse_factsheet(path)
    assert Action.objects.count() == len(parsed.actions) > 0
    assert not Action.objects.filter(text="").exists()


@FUZZ
@given(text=document)
@example(text="---\ntitle: T\ndate: 2024-13-45\n---\n-   An action.\n")
@example(text="---\ntitle: T\ndate: '2024-05-01'\npublished_time: 2024-05-01 25:61:00\n---\n- a\n")
def test_generated_markdown(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("generated") / "sheet.md"
    path.write_text(text, encoding="utf-8")
    check_import(path)


@FUZZ
@given(data=st.binary(max_size=3000))
def test_random_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bytes") / "sheet.md"
    path.write_bytes(data)
    check_import(path)


@FUZZ
@given(which=st.integers(0, 1), seed=st.integers(0, 2**32 - 1), edits=st.integers(1, 30))
def test_mutated_seed_fact_sheets(tmp_path_factory, which, seed, edits):
    rng = random.Random(seed)
    data = bytearray(SEEDS[which])
    for _ in range(edits):
        position = rng.randrange(len(data))
        action = rng.choice(["flip", "delete", "insert", "truncate", "duplicate"])
        if action == "flip":
            data[position] = rng.randrange(256)
        elif action == "delete":
            del data[position : position + rng.randrange(1, 50)]
        elif action == "insert":
            data[position:position] = rng.choice(
                [b"---\n", b"**", b"\n-   ", b"<!--", b"\x00", b"\xff", b"'"]
            )
        elif action == "truncate":
            del data[position:]
        else:
            data[position:position] = data[max(0, position - 200) : position]
        if not data:
            break
    path = tmp_path_factory.mktemp("mutated") / "sheet.md"
    path.write_bytes(bytes(data))
    check_import(path)


@FUZZ
@given(text=st.text(max_size=3000))
def test_the_essay_parser_takes_any_text(text):
    try:
        essay = parse_essay(text, name="essay.txt")
    except SourceError as error:
        assert "\n" not in str(error) and str(error).startswith("essay.txt")
        return
    assert essay.paragraphs
