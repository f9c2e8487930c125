import pytest
import yaml

from tracker.importers.errors import SourceError
from tracker.importers.essay import find_quote, normalise, parse_essay


@pytest.fixture(scope="module")
def essay_config():
    from django.conf import settings

    return yaml.safe_load((settings.SEEDS_DIR / "recommendations.yaml").read_text())["essay"]


@pytest.fixture(scope="module")
def essay(essay_config):
    from django.conf import settings

    raw = (settings.SEEDS_DIR / essay_config["file"]).read_text()
    return parse_essay(
        raw,
        name="essay.txt",
        repairs=essay_config["repairs"],
        keep_hyphens=set(essay_config["keep_hyphens"]),
    )


def test_headings_in_essay_order(essay):
    assert essay.headings == [
        "The Challenge",
        "Reverse and Revoke",
        "Reaffirm",
        "Rebuild",
        "Reengage",
        "Reconceptualize",
        "Conclusion",
    ]


def test_reconceptualize_sub_headings_are_found(essay):
    subsections = [p.subsection for p in essay.paragraphs if p.section == "Reconceptualize"]
    assert list(dict.fromkeys(filter(None, subsections))) == [
        "Building Creative Alliances and Solutions",
        "Rethinking U.S. positions on human rights",
        "Institutional Reform",
        "Expressive Freedoms",
    ]


def test_footnotes_are_kept_apart_from_the_body(essay):
    assert len(essay.footnotes) == 16
    assert essay.footnotes[0] == "Exec. Order No. 13798, 82 Fed. Reg. 21,675 (May 4, 2017)."
    assert essay.footnotes[1].endswith("(No. 16–499).")
    assert "Fed. Reg." not in essay.body
    assert "reproductive health, and reversed" in essay.body
    assert "ICC) personnel and launched" in essay.body


def test_hyphenation_and_run_together_words_are_repaired(essay):
    body = essay.body
    assert "competition for global power" in body
    assert "com-" not in body
    assert "zero-tolerance immigration policy" in body
    assert "reverse and revoke measures taken" in body
    assert "overdue U.S. reports" in body
    assert "theUnited" not in body


def test_sentences_continue_across_page_breaks(essay):
    assert "Smart use of sanctions, especially in coordination with other states" in essay.body


def test_a_quote_copied_from_the_raw_text_is_found(essay, essay_config):
    raw_copy = "competition for global power. In doing so, it needs to lead by example"
    offset, _ = find_quote(essay, raw_copy.replace("com", "com-\n", 1), essay_config["repairs"])
    assert offset >= 0


def test_a_quote_not_in_the_essay_is_not_found(essay):
    assert find_quote(essay, "close every embassy")[0] == -1


def test_normalise_collapses_white_space_and_joins_line_break_hyphens():
    assert normalise("admin-\nistration  of\n the   law") == "administration of the law"
    assert normalise("zero-\ntolerance", keep_hyphens={"zero-tolerance"}) == "zero-tolerance"


def test_an_empty_essay_is_refused():
    with pytest.raises(SourceError, match=r"empty\.txt: the essay is empty"):
        parse_essay("  \n", name="empty.txt")


def test_an_empty_heading_line_gives_no_empty_heading():
    from tracker.essay_text import annotated_blocks

    blocks = annotated_blocks("## \n\nFirst paragraph.\n\n## The Challenge\n\nMore.", [])
    assert [(b.kind, str(b.html)) for b in blocks if b.kind == "heading"] == [
        ("heading", "The Challenge")
    ]
    assert all(b.html for b in blocks)


@pytest.mark.django_db
def test_quotes_are_marked_with_escaped_badges():
    from django.utils.html import format_html

    from tracker.essay_text import annotated_blocks

    from .factories import make_recommendation

    hostile = "<b>Ban</b> & \"ban\" 'again'"
    asked = make_recommendation(title=hostile, quote="ban <it> & more", status="partial")
    text = 'First ban <it> & more, then "the rest".'
    (block,) = annotated_blocks(text, [asked])
    badge = format_html(  # As the badges were written before: Django's own escaping.
        '<a class="quote-badge status-{}" id="q-{}" href="{}">{}: {}</a> ',
        asked.status,
        asked.code,
        asked.get_absolute_url(),
        asked.title,
        asked.get_status_display(),
    )
    assert block.html == (
        f"First {badge}<mark>ban &lt;it&gt; &amp; more</mark>, then &quot;the rest&quot;."
    )
    assert "Partly implemented</a>" in block.html
