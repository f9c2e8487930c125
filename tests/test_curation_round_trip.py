"""Everything editors did survives `export_curation` then `seed` into a fresh database (issue 14):
links with their reviewers, overrides, public reasons without an override, and the history with
its original dates, restored once."""

import datetime
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
import yaml
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tracker.curation import review_links, set_override
from tracker.importers.curation_file import export_curation, load_curation
from tracker.importers.errors import SourceError
from tracker.importers.seed import seed
from tracker.models import Action, Document, Link, Recommendation, StatusChange

from .factories import make_action, make_link, make_recommendation

pytestmark = pytest.mark.django_db

PAST = datetime.datetime(2025, 3, 4, 10, 30, 15, 123456, tzinfo=datetime.UTC)
ATOM = "{http://www.w3.org/2005/Atom}"


def editorial_record():
    """What editors' work left, in terms that hold in any database (codes, slugs, usernames)."""
    actions = {a.pk: (a.factsheet.slug, a.key) for a in Action.objects.select_related("factsheet")}
    links = {
        link.pk: (link.recommendation.code, *actions[link.action_id])
        for link in Link.objects.select_related("recommendation")
    }
    reviewed = set(
        Link.objects.reviewed().values_list(
            "recommendation__code",
            "action__factsheet__slug",
            "action__key",
            "review",
            "relation",
            "reason",
            "reviewed_by__username",
            "reviewed_at",
        )
    )
    statuses = {
        # Search text lists the evidence in link order, which a fresh database numbers anew.
        (*fields, tuple(sorted(search_text.split())))
        for *fields, search_text in Recommendation.objects.values_list(
            "code",
            "status",
            "status_override",
            "status_override_since",
            "status_reason",
            "search_text",
        )
    }
    history = [
        (
            change.recommendation.code,
            change.changed_at,
            change.changed_by and change.changed_by.username,
            change.from_status,
            change.to_status,
            change.reason,
            [
                (
                    links.get(s["link"]),
                    actions.get(s["action"]),
                    s["relation"],
                    s["review"],
                    s["reason"],
                )
                for s in change.links
            ],
        )
        for change in StatusChange.objects.select_related("recommendation", "changed_by").order_by(
            "changed_at", "pk"
        )
    ]
    return reviewed, statuses, history


def back_date(links, changes):
    """Make today's work look as if it was done in 2025, as an exported record would be."""
    for number, link in enumerate(links):
        Link.objects.filter(pk=link.pk).update(reviewed_at=PAST + datetime.timedelta(days=number))
    for number, pk in enumerate(changes):
        # The history refuses edits through save(); a test may rewrite the past with update().
        StatusChange.objects.filter(pk=pk).update(
            changed_at=PAST + datetime.timedelta(days=10 + number)
        )


def wipe():
    """A fresh database: the sources, the decisions and the accounts all gone."""
    StatusChange.objects.all().delete()
    Link.objects.all().delete()
    Recommendation.objects.all().delete()
    Document.objects.all().delete()
    get_user_model().objects.all().delete()


@pytest.mark.slow
def test_everything_editors_did_survives_export_and_seed_into_a_fresh_database(
    tmp_path, client, settings, capsys
):
    seeds = tmp_path / "seeds"
    shutil.copytree(django_settings.SEEDS_DIR, seeds)
    seed(seeds)
    users = get_user_model().objects
    alice = users.create_user("alice", password="pw-long-enough-1", is_staff=True)
    bob = users.create_user("bob", password="pw-long-enough-2", is_staff=True)
    recommendations = Recommendation.objects.in_bulk(field_name="code")
    # An override, its reason rewritten, and a public reason without an override.
    guantanamo = recommendations["close-guantanamo"]
    since = datetime.date(2025, 2, 1)
    set_override(
        guantanamo, status="contrary", reason="Transfers resumed.", since=since, user=alice
    )
    set_override(
        guantanamo, status="contrary", reason="Transfers resumed in 2025.", since=since, user=bob
    )
    set_override(
        recommendations["reject-unalienable-rights-commission"],
        status="",
        reason="The record is silent: no document names the commission after 2021.",
        user=bob,
    )
    # Accepted, rejected and contrary links by named editors, on suggestions for recommendations
    # the record is silent on, so that accepting them changes a status.
    pending = Link.objects.pending().order_by("-score", "pk")
    assert {"accept-upr-recommendations", "restore-targeted-killing-restrictions"} <= {
        code for code, r in recommendations.items() if r.status == "not_found"
    }
    accepted = pending.filter(recommendation__code="accept-upr-recommendations").first()
    rejected, contrary = pending.filter(
        recommendation__code="restore-targeted-killing-restrictions"
    )[:2]
    review_links([accepted], review="accepted", relation="implements", reason="Did it.", user=alice)
    review_links([rejected], review="rejected", reason="Another topic.", user=bob)
    review_links([contrary], review="accepted", relation="contrary", reason="Undid it.", user=alice)
    changes = list(StatusChange.objects.order_by("pk").values_list("pk", flat=True))
    assert len(changes) >= 4
    back_date([accepted, rejected, contrary], changes)
    export_curation(seeds / "curation.yaml")
    before = editorial_record()

    wipe()
    settings.SEEDS_DIR = seeds
    call_command("seed")

    assert editorial_record() == before
    out, err = capsys.readouterr()
    assert f"2 overrides, 1 status reasons, {len(changes)} history entries and" in out
    assert "created as inactive accounts without a password" in out
    assert re.search(r"log in\): (alice, bob|bob, alice)\n", out)
    assert "not loaded" not in err
    for user in users.all():
        assert not user.is_active and not user.has_usable_password()

    # The restored history is past news: shown where it was, nothing dated today.
    today, dates = timezone.localdate().isoformat(), {change[1].date() for change in before[2]}
    home = client.get(reverse("tracker:scorecard")).content.decode()
    recent = home[home.index('id="recent"') : home.index("</section>", home.index('id="recent"'))]
    shown = {datetime.date.fromisoformat(d[:10]) for d in re.findall(r'datetime="([^"]+)"', recent)}
    assert shown == dates
    reviewed_on = re.search(r'last reviewed by an editor on <time datetime="([^"]+)"', home)
    assert reviewed_on and reviewed_on.group(1) == max(dates).isoformat()
    for url in [
        reverse("tracker:feed"),
        reverse("tracker:recommendation_feed", args=[guantanamo.code]),
    ]:
        feed = client.get(url).content.decode()
        updated = [e.text for e in ET.fromstring(feed).iter(f"{ATOM}updated")]
        assert updated and today not in feed
        assert {datetime.date.fromisoformat(u[:10]) for u in updated} <= dates

    # A second seed changes nothing: no duplicate history, no rewritten row, no new account.
    versions = list(Link.objects.order_by("pk").values_list("pk", "version"))
    again = seed(seeds)

    assert editorial_record() == before
    assert (again.curation.links, again.curation.overrides, again.curation.reasons) == (0, 0, 0)
    assert (again.curation.history, again.curation.created_reviewers) == (0, [])
    assert list(Link.objects.order_by("pk").values_list("pk", "version")) == versions
    assert users.count() == 2


def test_history_is_restored_once_and_never_rewritten(tmp_path):
    editor = get_user_model().objects.create_user("editor")
    recommendation = make_recommendation(code="rejoin-council")
    link = make_link(recommendation=recommendation, review="suggested", relation="", reason="")
    review_links([link], review="accepted", relation="implements", reason="Done.", user=editor)
    set_override(recommendation, status="contrary", reason="Undone in 2025.", user=editor)
    back_date([link], StatusChange.objects.order_by("pk").values_list("pk", flat=True))
    path = tmp_path / "curation.yaml"
    export_curation(path)
    before = editorial_record()[2]
    StatusChange.objects.all().delete()

    assert load_curation(path).history == 2
    assert editorial_record()[2] == before
    StatusChange.objects.filter(to_status="contrary").update(reason="Edited in the database.")
    assert load_curation(path).history == 0
    reasons = StatusChange.objects.order_by("changed_at").values_list("reason", flat=True)
    assert list(reasons) == ["Done.", "Edited in the database."]


def test_a_reviewer_this_database_lacks_becomes_an_inactive_account_named_in_the_summary(
    tmp_path,
):
    make_recommendation(code="rejoin-council")
    action = make_action(key="k1")
    path = tmp_path / "curation.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "links": [
                    {
                        "recommendation": "rejoin-council",
                        "factsheet": action.factsheet.slug,
                        "action": "k1",
                        "relation": "implements",
                        "review": "accepted",
                        "reason": "Rejoined.",
                        "reviewed_by": "carol",
                        "reviewed_at": "2025-03-04T10:30:15+00:00",
                    }
                ]
            }
        )
    )

    load = load_curation(path)

    link = Link.objects.get()
    assert load.created_reviewers == ["carol"]
    assert (link.reviewed_by.username, link.reviewed_at) == (
        "carol",
        PAST.replace(second=15, microsecond=0),
    )
    assert not link.reviewed_by.is_active and not link.reviewed_by.has_usable_password()
    assert not link.reviewed_by.is_staff


def test_a_public_reason_without_an_override_loads_where_the_database_has_none(tmp_path):
    silent = make_recommendation(code="silent")
    explained = make_recommendation(code="explained")
    set_override(explained, status="", reason="The database's own reason.")
    path = tmp_path / "curation.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "reasons": [
                    {"recommendation": "silent", "reason": "Nothing in the record."},
                    {"recommendation": "explained", "reason": "The file's reason."},
                    {"recommendation": "unknown", "reason": "Nowhere."},
                ]
            }
        )
    )

    load = load_curation(path)

    assert (load.reasons, load.skipped) == (1, ["reason #3: unknown recommendation unknown"])
    silent.refresh_from_db()
    explained.refresh_from_db()
    assert (silent.status_override, silent.status_reason) == ("", "Nothing in the record.")
    assert "Nothing in the record." in silent.search_text
    assert explained.status_reason == "The database's own reason."
    assert not StatusChange.objects.exists()


def test_history_of_an_unknown_recommendation_is_named_and_the_rest_loads(tmp_path):
    make_recommendation(code="known")
    entry = {"changed_at": "2025-03-04T10:30:15+00:00", "from": "not_found", "to": "implemented"}
    path = tmp_path / "curation.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "history": [
                    {"recommendation": "gone", **entry},
                    {"recommendation": "known", **entry, "links": [{"action": "no-such-key"}]},
                ]
            }
        )
    )

    load = load_curation(path)

    assert (load.history, load.skipped) == (1, ["history #1: unknown recommendation gone"])
    change = StatusChange.objects.get()
    assert (change.recommendation.code, change.changed_at) == ("known", PAST.replace(microsecond=0))
    assert change.links == [
        {"link": None, "action": None, "relation": "", "review": "", "reason": ""}
    ]


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"to": "implemented"}, "history #1: from and to must be statuses"),
        ({"from": "not_found", "to": "implemented"}, "history #1: needs changed_at"),
        (
            {"from": "not_found", "to": "implemented", "changed_at": "2999-01-01T00:00:00"},
            "history #1: changed_at cannot be in the future",
        ),
        (
            {"from": "not_found", "to": "implemented", "changed_at": "last week"},
            r"history #1: changed_at must be a date and time \(ISO 8601\)",
        ),
    ],
)
def test_a_malformed_history_entry_refuses_the_file_naming_it(tmp_path, entry, message):
    make_recommendation(code="known")
    path = tmp_path / "curation.yaml"
    path.write_text(yaml.safe_dump({"history": [{"recommendation": "known", **entry}]}))
    with pytest.raises(SourceError, match=message):
        load_curation(path)
    assert not StatusChange.objects.exists()
