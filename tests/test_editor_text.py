"""Editor text that cannot break pages: refused when saved, made harmless when shown."""

from xml.etree import ElementTree

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from tracker import markup, text
from tracker.curation import CurationError, review_links, set_override
from tracker.importers.curation_file import load_curation
from tracker.importers.errors import SourceError
from tracker.markup import render_markdown
from tracker.models import Link, Recommendation, StatusChange

from .factories import make_link, make_recommendation

pytestmark = pytest.mark.django_db

NESTED_40KB = "[" * 20_000 + "]" * 20_000
BRACKETS_100KB = "[" * 100_000
SCRIPT = "<script>alert(1)</script>"
IMG_ONERROR = "<img src=x onerror=alert(1)>"
ATOM = "{http://www.w3.org/2005/Atom}"


# Refused when saved


@pytest.mark.parametrize(
    "value",
    ["Pasted\x01 from a PDF", "nul\x00", "bell\x07", "\ufffe", "\uffff", "lone \ud800 surrogate"],
)
def test_xml_illegal_characters_are_refused(value):
    with pytest.raises(ValidationError, match=r"(?i)character U\+"):
        text.validate_editor_markdown(value)


def test_tab_newline_and_carriage_return_are_allowed():
    text.validate_editor_markdown("A\treason\r\nover [two](https://example.org) *lines*.\n")


@pytest.mark.parametrize("value", [NESTED_40KB[:2_000], BRACKETS_100KB[:2_000], "[a" * 300])
def test_markdown_that_would_not_render_in_bounded_time_is_refused(value):
    with pytest.raises(ValidationError, match="Markdown"):
        text.validate_editor_markdown(value)


def test_ordinary_markdown_with_links_and_emphasis_is_accepted():
    value = " ".join(
        f"**Step {n}**: see [the fact sheet](https://www.whitehouse.gov/fact-{n}/) and _its_ "
        "annex, which says what was done and when."
        for n in range(12)
    )
    assert len(value) < text.STATUS_REASON_MAX_LENGTH
    text.validate_editor_markdown(value)


def test_a_status_reason_is_capped_and_the_model_names_the_field():
    recommendation = make_recommendation()
    recommendation.status_reason = "x" * (text.STATUS_REASON_MAX_LENGTH + 1)
    with pytest.raises(ValidationError) as caught:
        recommendation.full_clean()
    assert list(caught.value.message_dict) == ["status_reason"]
    recommendation.status_reason = "Pasted\x01 from a PDF"
    with pytest.raises(ValidationError) as caught:
        recommendation.full_clean()
    assert "U+0001" in caught.value.message_dict["status_reason"][0]


def test_a_link_reason_with_a_control_character_is_refused_by_the_model():
    link = make_link()
    link.reason = "It does\x01 the thing."
    with pytest.raises(ValidationError) as caught:
        link.full_clean()
    assert list(caught.value.message_dict) == ["reason"]


def test_the_admin_refuses_a_status_reason_with_a_control_character(client):
    admin = get_user_model().objects.create_superuser("boss", password="pw-long-enough-1")
    recommendation = make_recommendation()
    client.force_login(admin)
    response = client.post(
        reverse("admin:tracker_recommendation_change", args=[recommendation.pk]),
        {
            "seen_version": recommendation.version,
            "status_override": "contrary",
            "status_reason": "Pasted\x01 from a PDF",
            "links-TOTAL_FORMS": 0,
            "links-INITIAL_FORMS": 0,
            "links-MIN_NUM_FORMS": 0,
            "links-MAX_NUM_FORMS": 1000,
        },
    )
    assert response.status_code == 200
    assert "U+0001" in response.content.decode()
    recommendation.refresh_from_db()
    assert recommendation.status_override == ""
    assert not recommendation.status_changes.exists()


@pytest.mark.parametrize("reason", ["Pasted\x01 from a PDF", "x" * 2_001, NESTED_40KB[:1_000]])
def test_set_override_refuses_bad_reasons_naming_the_field(reason):
    recommendation = make_recommendation()
    with pytest.raises(CurationError, match="status reason"):
        set_override(recommendation, status="contrary", reason=reason)
    assert not recommendation.status_changes.exists()


@pytest.mark.parametrize("reason", ["It does\x01 it.", "[" * 300])
def test_review_links_refuses_bad_reasons_naming_the_field(reason):
    link = make_link(review="suggested", relation="", reason="")
    with pytest.raises(CurationError, match="link reason"):
        review_links([link], review="accepted", relation="implements", reason=reason)
    link.refresh_from_db()
    assert link.review == Link.Review.SUGGESTED


def write_curation(write_file, *, links=(), overrides=()):
    return write_file("curation.yaml", yaml.safe_dump({"links": links, "overrides": overrides}))


def test_the_curation_loader_refuses_a_bad_override_reason_with_file_and_entry(write_file):
    make_recommendation(code="close-guantanamo")
    path = write_curation(
        write_file,
        overrides=[
            {"recommendation": "close-guantanamo", "status": "contrary", "reason": "Fine."},
            {"recommendation": "close-guantanamo", "status": "contrary", "reason": "Bad\x01."},
        ],
    )
    with pytest.raises(SourceError, match=r"curation\.yaml: override #2: status reason") as caught:
        load_curation(path)
    assert "U+0001" in str(caught.value)
    assert not Recommendation.objects.exclude(status_override="").exists()


def test_the_curation_loader_refuses_a_bad_link_reason_with_file_and_entry(write_file):
    link = make_link(review="suggested", relation="", reason="")
    entry = {
        "recommendation": link.recommendation.code,
        "factsheet": link.action.factsheet.slug,
        "action": link.action.key,
        "relation": "implements",
        "review": "accepted",
    }
    path = write_curation(write_file, links=[entry | {"reason": "[" * 300}])
    with pytest.raises(SourceError, match=r"curation\.yaml: link #1: link reason.*Markdown"):
        load_curation(path)
    link.refresh_from_db()
    assert link.review == Link.Review.SUGGESTED


# Harmless when shown, whatever is stored

STORED_PAYLOADS = {
    "control": "Pasted\x01 from a PDF, \x0b and \ufffe too.",
    "nested-40kb": NESTED_40KB,
    "brackets-100kb": BRACKETS_100KB,
    "script": SCRIPT,
    "img-onerror": IMG_ONERROR,
    "reason-1mb": ("A long reason, written once and never trimmed. " * 21_000)[:1_000_000],
}
# Text whose Markdown would take long to parse: it must never reach the parser.
COSTLY = {"nested-40kb", "brackets-100kb", "reason-1mb"}


@pytest.fixture
def parsed(monkeypatch):
    """Every text handed to the Markdown parser (bounded time is checked by what reaches
    it, not by a clock that a loaded machine would make flaky)."""
    texts = []
    parse = markup.markdown.markdown

    def recording(source, **options):
        texts.append(source)
        return parse(source, **options)

    monkeypatch.setattr(markup.markdown, "markdown", recording)
    return texts


def reached_parser(texts, payload):
    return any(text.strip_illegal(payload)[:1_000] in source for source in texts)


def store_unchecked(reason):
    """A recommendation overridden with `reason`, and two history rows holding it, unvalidated."""
    recommendation = make_recommendation()
    Recommendation.objects.filter(pk=recommendation.pk).update(
        status="contrary", status_override="contrary", status_reason=reason
    )
    StatusChange.objects.bulk_create(
        StatusChange(recommendation=recommendation, from_status=old, to_status=new, reason=reason)
        for old, new in [("not_found", "implemented"), ("implemented", "contrary")]
    )
    # The append-only history can still be rewritten in bulk: it is how bad text got there.
    StatusChange.objects.filter(recommendation=recommendation).update(reason=reason)
    return Recommendation.objects.get(pk=recommendation.pk)


def public_urls(recommendation):
    return [
        recommendation.get_absolute_url(),
        reverse("tracker:recommendation_feed", args=[recommendation.code]),
        reverse("tracker:feed"),
        reverse("tracker:scorecard"),
        reverse("tracker:recommendation_list"),
        reverse("tracker:recommendation_list") + "?q=thing",
        recommendation.stage.get_absolute_url(),
        reverse("tracker:scorecard_csv"),
        reverse("tracker:scorecard_json"),
        reverse("tracker:links_csv"),
    ]


def fetch(client, url):
    response = client.get(url)
    return response, b"".join(response) if response.streaming else response.content


@pytest.mark.parametrize("name", STORED_PAYLOADS)
def test_every_page_and_feed_showing_stored_text_answers_without_parsing_costly_markdown(
    client, parsed, name
):
    reason = STORED_PAYLOADS[name]
    recommendation = store_unchecked(reason)
    for url in public_urls(recommendation):
        response, content = fetch(client, url)
        assert response.status_code == 200, url
        assert reached_parser(parsed, reason) == (name not in COSTLY), url
        if "/feed/" in url:
            feed = ElementTree.fromstring(content)  # Well-formed XML, or this raises.
            assert feed.findall(f"{ATOM}entry"), url


def test_the_admin_pages_showing_stored_text_answer_without_parsing_it(client, parsed):
    recommendation = store_unchecked(NESTED_40KB + "\x01")
    client.force_login(
        get_user_model().objects.create_superuser("boss", password="pw-long-enough-1")
    )
    change = recommendation.status_changes.first()
    for url in [
        reverse("admin:tracker_recommendation_change", args=[recommendation.pk]),
        reverse("admin:tracker_statuschange_change", args=[change.pk]),
        reverse("admin:tracker_statuschange_changelist") + "?q=PDF",
    ]:
        response, _ = fetch(client, url)
        assert response.status_code == 200, url
        assert not reached_parser(parsed, NESTED_40KB), url


def test_illegal_characters_are_dropped_from_pages_and_feeds(client):
    recommendation = store_unchecked("Pasted\x01 from a PDF.")
    Recommendation.objects.filter(pk=recommendation.pk).update(title="A title\x02 pasted")
    page, *feeds = public_urls(recommendation)[:3]
    assert "Pasted from a PDF." in client.get(page).content.decode()
    for url in feeds:
        content = client.get(url).content.decode()
        assert "\x01" not in content, url
        assert "\x02" not in content, url
        assert "Pasted from a PDF." in content, url
        assert "A title pasted" in content, url


@pytest.mark.parametrize("payload", [NESTED_40KB, BRACKETS_100KB, "- a\n" + " " * 400 + "- b"])
def test_markdown_too_costly_to_render_is_shown_as_escaped_plain_text(parsed, payload):
    html = render_markdown(payload + "\n\n<b>bold?</b>\x01")
    assert parsed == []
    assert payload.splitlines()[-1].strip()[:100] in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "\x01" not in html


def test_ordinary_markdown_still_renders():
    html = render_markdown("See [the fact sheet](https://example.org/) and **this**.\x01")
    assert '<a href="https://example.org/"' in html
    assert "<strong>this</strong>" in html
    assert "\x01" not in html


# Feed summaries are sanitised HTML, like the pages


@pytest.mark.parametrize("reason", [SCRIPT, IMG_ONERROR, f"**Why**: {SCRIPT} {IMG_ONERROR}"])
def test_feed_summaries_are_the_pages_sanitised_html(client, reason):
    recommendation = store_unchecked(reason)
    for url in public_urls(recommendation)[1:3]:
        feed = ElementTree.fromstring(client.get(url).content)
        summaries = feed.findall(f"{ATOM}entry/{ATOM}summary")
        assert summaries, url
        for summary in summaries:
            assert summary.get("type") == "html"
            html = summary.text or ""  # What a feed reader renders, once unescaped.
            assert "<script" not in html.lower(), url
            assert "onerror" not in html.lower(), url
            if reason.startswith("**"):
                assert "<strong>Why</strong>" in html, url
