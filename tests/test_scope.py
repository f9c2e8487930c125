"""Honest about scope: what was searched, and the working address of moved sources."""

import datetime

import pytest
from django.urls import reverse

from tracker import record as record_module
from tracker.record import working_url

from .factories import make_administrations, make_factsheet, make_recommendation

pytestmark = pytest.mark.django_db
D = datetime.date
BRIEFING = "https://www.whitehouse.gov/briefing-room/statements-releases/2024/09/24/fact-sheet/"


@pytest.mark.parametrize(
    ("url", "published", "working"),
    [
        (
            BRIEFING,
            D(2024, 9, 24),
            "https://bidenwhitehouse.archives.gov/briefing-room/statements-releases/2024/09/24/fact-sheet/",
        ),
        (
            "http://whitehouse.gov/briefing-room/presidential-actions/2021/01/20/x/?a=1",
            D(2021, 1, 20),
            "https://bidenwhitehouse.archives.gov/briefing-room/presidential-actions/2021/01/20/x/?a=1",
        ),
        # Biden's last day still belongs to his site.
        (
            BRIEFING,
            D(2025, 1, 20),
            BRIEFING.replace("www.whitehouse.gov", "bidenwhitehouse.archives.gov"),
        ),
        # Outside the Biden years, other paths and other hosts are left alone.
        (BRIEFING, D(2020, 12, 1), BRIEFING),
        (BRIEFING, D(2025, 1, 21), BRIEFING),
        (
            "https://www.whitehouse.gov/fact-sheets/2025/02/x/",
            D(2025, 2, 1),
            "https://www.whitehouse.gov/fact-sheets/2025/02/x/",
        ),
        (
            "https://www.whitehouse.gov/presidential-actions/2024/x/",
            D(2024, 1, 1),
            "https://www.whitehouse.gov/presidential-actions/2024/x/",
        ),
        (
            "https://example.org/briefing-room/x/",
            D(2024, 1, 1),
            "https://example.org/briefing-room/x/",
        ),
        ("", D(2024, 1, 1), ""),
    ],
)
def test_the_working_address_rule(url, published, working):
    assert working_url(url, published) == working


@pytest.fixture
def record():
    biden, trump = make_administrations()
    make_recommendation()
    make_factsheet(administration=biden, published=D(2021, 3, 1))
    make_factsheet(administration=biden, published=D(2024, 12, 11))
    make_factsheet(
        administration=trump,
        kind="presidential_action",
        subtype="memorandum",
        published=D(2026, 8, 20),
    )


def test_the_scorecard_and_about_page_say_what_was_searched(client, record, monkeypatch):
    # Without a manifest of the whole record, the scope is what the site holds.
    monkeypatch.setattr(record_module, "searched_record", lambda: None)
    for name in ("tracker:scorecard", "tracker:about"):
        content = client.get(reverse(name)).content.decode()
        assert "3 documents dated 1 March 2021 to 20 August 2026" in content, name
        assert "Record reviewed through 2026-08-20" in content
        assert "Fact sheets of the Biden administration: 2, 1 Mar 2021 to 11 Dec 2024" in content
        assert "Presidential actions of the Second Trump administration: 1" in content
        assert "none in these 3 documents" in content
    content = client.get(reverse("tracker:scorecard")).content.decode()
    assert "<small>in the 3 documents searched</small>" in content


def test_with_the_manifest_no_action_found_is_scoped_to_the_whole_record(client, record):
    record_module.searched_record.cache_clear()
    content = client.get(reverse("tracker:about")).content.decode()
    assert (
        "editors read the 3,981 White House documents dated 15 January 2021 to 20 August 2026"
        in content
    )
    assert "1,601 fact sheets, 2,380 presidential actions" in content
    assert "This site holds 3 of them" in content
    assert "none in these 3,981 documents" in content
    content = client.get(reverse("tracker:scorecard")).content.decode()
    assert "<small>in the 3981 documents searched</small>" in content
