"""The fact-sheet parser reads two Python-Markdown internals; this pins them knowingly.

`document_parser` resolves the placeholders Python-Markdown leaves for raw HTML and
entities (`markdown.util.HTML_PLACEHOLDER`, `AMP_SUBSTITUTE`) through
`Markdown.htmlStash.rawHtmlBlocks`. Neither is public API, so the dependency is pinned in
pyproject.toml and these tests fail, naming the internal, if an upgrade changes either.
"""

import tomllib
from importlib.metadata import version

import markdown
from markdown.util import AMP_SUBSTITUTE, HTML_PLACEHOLDER

from tracker.importers.document_parser import PLACEHOLDER, ActionExtractor
from tracker.settings import BASE_DIR

UPGRADE = (
    "Python-Markdown's internals changed: the fact-sheet parser "
    "(tracker/importers/document_parser.py) must be checked before upgrading"
)


def test_the_installed_markdown_is_the_pinned_one():
    pyproject = tomllib.loads((BASE_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in pyproject["project"]["dependencies"] if d.startswith("Markdown")]
    assert pins == [f"Markdown=={version('Markdown')}"], UPGRADE


def test_raw_html_and_entities_are_stashed_behind_the_placeholder():
    md = markdown.Markdown()
    md.convert("<u>Lead</u> Human rights &mdash; first & foremost")
    stash = md.htmlStash.rawHtmlBlocks
    assert isinstance(stash, list), UPGRADE
    assert "<u>" in stash and "&mdash;" in stash, UPGRADE
    placeholder = HTML_PLACEHOLDER % stash.index("<u>")
    assert PLACEHOLDER.fullmatch(placeholder)[1] == str(stash.index("<u>")), UPGRADE


def test_the_parser_resolves_them_into_text_and_an_underlined_lead_in():
    extractor = ActionExtractor()
    body = "- <u>Protecting defenders</u>: sanctions &mdash; R&amp;D &amp; visas<br>more\n"
    (action,) = extractor.extract(body)
    assert action.text == "Protecting defenders: sanctions — R&D & visas more", UPGRADE
    assert HTML_PLACEHOLDER[:2] not in action.text and AMP_SUBSTITUTE not in action.text
