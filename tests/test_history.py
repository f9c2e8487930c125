"""History that means something: a seed load records nothing, a reason rewrite says so."""

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tracker.curation import review_links, set_override
from tracker.importers.curation_file import load_curation
from tracker.models import Recommendation, StatusChange

from .factories import make_action, make_link, make_recommendation

pytestmark = pytest.mark.django_db


def test_loading_the_curation_file_sets_statuses_without_history(tmp_path):
    done = make_recommendation(code="done")
    overridden = make_recommendation(code="overridden")
    action = make_action(key="k1")
    path = tmp_path / "curation.yaml"
    path.write_text(
        f"links:\n- recommendation: done\n  factsheet: {action.factsheet.slug}\n  action: k1\n"
        "  relation: implements\n  review: accepted\n  reason: Done in 2021.\n"
        "overrides:\n- recommendation: overridden\n  status: contrary\n  reason: Undone.\n",
        encoding="utf-8",
    )

    load = load_curation(path)

    assert (load.links, load.overrides) == (1, 1)
    statuses = dict(Recommendation.objects.values_list("code", "status"))
    assert statuses == {"done": "implemented", "overridden": "contrary"}
    assert "Done in 2021." in Recommendation.objects.get(pk=done.pk).search_text
    assert not StatusChange.objects.exists()
    assert overridden.pk  # ...and an editor's later change is news again:
    set_override(Recommendation.objects.get(pk=overridden.pk), status="", reason="")
    assert list(StatusChange.objects.values_list("from_status", "to_status")) == [
        ("contrary", "not_found")
    ]


def test_a_related_link_or_a_reworded_link_reason_is_not_a_change():
    recommendation = make_recommendation()
    related = make_link(recommendation=recommendation, review="suggested", relation="", reason="")
    review_links([related], review="accepted", relation="related", reason="Same topic.")
    review_links([related], review="accepted", relation="related", reason="Same topic, reworded.")
    assert not StatusChange.objects.exists()


def test_a_rewritten_reason_is_shown_as_such(client):
    recommendation = make_recommendation(title="Close Guantánamo")
    set_override(recommendation, status="contrary", reason="Transfers resumed.")
    set_override(recommendation, status="contrary", reason="Transfers resumed in 2023.")

    page = client.get(recommendation.get_absolute_url()).content.decode()
    assert "No action found → <strong>Contrary action</strong>" in page
    assert "reason rewritten, status still <strong>Contrary action</strong>" in page
    assert "Contrary action → <strong>Contrary action</strong>" not in page
    home = client.get(reverse("tracker:scorecard")).content.decode()
    assert "reason rewritten, still <strong>Contrary action</strong>" in home
    feed = ET.fromstring(client.get(reverse("tracker:feed")).content)
    titles = [t.text for t in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Close Guantánamo: Reason rewritten (still Contrary action)" in titles
    assert "Close Guantánamo: No action found → Contrary action" in titles


def test_the_csv_last_changed_is_a_plain_date(client):
    recommendation = make_recommendation()
    link = make_link(recommendation=recommendation, review="suggested", relation="", reason="")
    review_links([link], review="accepted", relation="implements", reason="Done.")
    make_recommendation()

    response = client.get(reverse("tracker:scorecard_csv"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    values = [row["last_changed"] for row in csv.DictReader(io.StringIO(body))]
    assert sorted(values)[0] == ""
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", sorted(values)[1])


def test_a_record_without_changes_says_whose_changes_the_history_holds(client):
    # As the seed leaves it: statuses from dated links, no history entry.
    recommendation = make_recommendation(title="Close Guantánamo")
    make_link(recommendation=recommendation, reason="Done.")
    recommendation.refresh_status(record=False)
    assert not StatusChange.objects.exists()

    page = client.get(recommendation.get_absolute_url()).content.decode()
    assert "Unchanged since the tracker began" not in page
    assert (
        "No editor has changed this status since the record was loaded; the timeline above "
        "shows how the documents moved it." in page
    )
    home = client.get(reverse("tracker:scorecard")).content.decode()
    assert "No status has changed yet" not in home and "What changed recently" not in home
    assert "No editor has changed a status since the record was loaded" in home
    feed = ET.fromstring(client.get(reverse("tracker:feed")).content)
    subtitle = feed.find("{http://www.w3.org/2005/Atom}subtitle")
    assert subtitle is not None and "since the curated record was loaded" in subtitle.text
