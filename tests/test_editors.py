import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from tracker.models import Link

from .factories import make_administrations, make_factsheet, make_link

pytestmark = pytest.mark.django_db

ADMIN_URL_NAMES = [
    ("admin:index", []),
    ("admin:tracker_link_changelist", []),
    ("admin:tracker_link_add", []),
    ("admin:tracker_recommendation_changelist", []),
    ("admin:tracker_action_changelist", []),
    ("admin:tracker_document_changelist", []),
    ("admin:tracker_stage_changelist", []),
    ("admin:tracker_statuschange_changelist", []),
    ("admin:auth_user_changelist", []),
    ("admin:auth_user_add", []),
    ("admin:auth_group_changelist", []),
]


@pytest.fixture
def editor():
    user = get_user_model().objects.create_user(
        "ed", password="an-editor-password-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_the_editors_group_has_exactly_the_curation_permissions():
    permissions = set(
        Group.objects.get(name="Editors").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    assert permissions == {
        ("tracker", "view_link"),
        ("tracker", "add_link"),
        ("tracker", "change_link"),
        ("tracker", "delete_link"),
        ("tracker", "view_recommendation"),
        ("tracker", "change_recommendation"),
        ("tracker", "view_action"),
        ("tracker", "view_document"),
        ("tracker", "change_document"),  # Its administration only: see below.
        ("tracker", "view_stage"),
        ("tracker", "view_statuschange"),
        ("tracker", "view_editorsource"),
        ("tracker", "add_editorsource"),
        ("tracker", "change_editorsource"),  # Not delete: see test_editor_sources.py.
    }


def test_an_editor_can_accept_a_suggestion(client, editor):
    link = make_link(review="suggested", relation="", reason="")
    client.force_login(editor)

    client.post(
        reverse("admin:tracker_link_changelist"),
        {
            "action": "accept_implements",
            "_selected_action": [link.pk],
            "reason": "It does it.",
            "index": 0,
        },
    )

    link.refresh_from_db()
    assert link.review == Link.Review.ACCEPTED
    assert link.recommendation.status == "implemented"


def test_an_editor_cannot_add_users_groups_or_documents(client, editor):
    client.force_login(editor)
    assert client.get(reverse("admin:auth_user_add")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "intruder",
            "password1": "x-Long-password-9",
            "password2": "x-Long-password-9",
        },
    )
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="intruder").exists()
    assert client.get(reverse("admin:tracker_document_add")).status_code == 403


@pytest.mark.parametrize(("name", "args"), ADMIN_URL_NAMES)
def test_anonymous_and_non_staff_users_are_sent_to_login(client, name, args):
    url = reverse(name, args=args)
    login = reverse("admin:login")

    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(login)

    member = get_user_model().objects.create_user("member", password="a-member-password-1")
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(login)


def test_an_editor_can_correct_a_documents_administration_and_nothing_else(client, editor):
    biden, trump = make_administrations()
    document = make_factsheet(administration=trump, title="Signed on the last morning")
    client.force_login(editor)
    url = reverse("admin:tracker_document_change", args=[document.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"administration": biden.pk, "title": "Renamed"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.administration, document.title) == (biden, "Signed on the last morning")
    listing = client.get(
        reverse("admin:tracker_document_changelist"), {"administration__id__exact": biden.pk}
    )
    assert "Signed on the last morning" in listing.content.decode()
    assert (
        client.get(reverse("admin:tracker_document_delete", args=[document.pk])).status_code == 403
    )
