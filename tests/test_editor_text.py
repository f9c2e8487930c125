"""Editor text that cannot break pages: refused when saved, made harmless when shown."""

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from tracker import text
from tracker.curation import CurationError, review_links, set_override
from tracker.importers.curation_file import load_curation
from tracker.importers.errors import SourceError
from tracker.models import Link, Recommendation

from .factories import make_link, make_recommendation

pytestmark = pytest.mark.django_db

NESTED_40KB = "[" * 20_000 + "]" * 20_000
BRACKETS_100KB = "[" * 100_000
SCRIPT = "<script>alert(1)</script>"
IMG_ONERROR = "<img src=x onerror=alert(1)>"


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
