import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tracker.exports import SCORECARD_COLUMNS, neutralise

from .factories import make_link, make_recommendation

pytestmark = pytest.mark.django_db


def test_export_scorecard_prints_one_row_per_recommendation():
    implemented = make_recommendation(code="rejoin-council", status="implemented")
    make_link(recommendation=implemented, reason="Rejoined in 2021.")
    make_recommendation(code="close-guantanamo")
    out = io.StringIO()

    call_command("export_scorecard", stdout=out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == SCORECARD_COLUMNS
    by_code = {row["code"]: row for row in rows}
    assert set(by_code) == {"rejoin-council", "close-guantanamo"}
    assert by_code["rejoin-council"]["evidence_count"] == "1"
    assert "Rejoined in 2021." in by_code["rejoin-council"]["evidence"]
    assert by_code["close-guantanamo"]["status_label"] == "No action found"
    assert by_code["close-guantanamo"]["url"].endswith("/recommendations/close-guantanamo/")


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_cells_are_neutralised(cell):
    assert neutralise(cell) == "'" + cell


def test_ensure_admin_uses_the_environment_password_once(monkeypatch, capsys):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-test-password")
    call_command("ensure_admin")
    call_command("ensure_admin")

    users = get_user_model().objects.filter(is_superuser=True)
    assert users.count() == 1
    assert users.get().check_password("a-long-test-password")
    assert "a-long-test-password" not in capsys.readouterr().out


def test_ensure_admin_prints_a_random_password_when_none_is_given(monkeypatch, capsys):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    call_command("ensure_admin")

    out = capsys.readouterr().out
    username = out.split("superuser '")[1].split("'")[0]
    password = out.split("password: ")[1].split()[0]
    assert len(password) >= 20
    assert get_user_model().objects.get(username=username).check_password(password)


def test_ensure_admin_never_names_the_first_superuser_admin_by_default(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    call_command("ensure_admin", stdout=io.StringIO())

    (user,) = get_user_model().objects.filter(is_superuser=True)
    assert user.username != "admin"
    assert user.username.startswith("curator-")


def test_ensure_admin_takes_the_name_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "ana.editor")
    call_command("ensure_admin", stdout=io.StringIO())

    assert get_user_model().objects.get(is_superuser=True).username == "ana.editor"
