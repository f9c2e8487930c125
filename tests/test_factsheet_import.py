import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tracker.importers.document_import import import_factsheets
from tracker.models import Action, Document

from .factories import make_link, make_recommendation

pytestmark = pytest.mark.django_db

GOOD = (
    "---\ndate: '2024-05-01'\nsource_url: https://www.whitehouse.gov/fs/\ntitle: Good sheet\n---\n"
    "**Section**\n\n-   First action.\n-   Second action.\n"
)

BAD_INPUTS = {
    "front matter": (
        "---\ndate: '2024-05-01'\ntitle: [unclosed\n---\n-   Item.\n",
        r"bad.md:\d+: malformed front matter",
    ),
    "no front matter": ("-   Item.\n", r"bad.md:1: no YAML front matter"),
    "missing title": (
        "---\ndate: '2024-05-01'\n---\n-   Item.\n",
        r"bad.md:1: the front matter has no title",
    ),
    "missing date": (
        "---\ntitle: T\n---\n-   Item.\n",
        r"bad.md:1: the front matter has no valid date",
    ),
    "bad date": (
        "---\ntitle: T\ndate: 'soon'\n---\n-   Item.\n",
        r"bad.md:3: the front matter has no valid date",
    ),
    "empty body": ("---\ntitle: T\ndate: '2024-05-01'\n---\n \n\n", r"bad.md:5: the body is empty"),
    "not utf-8": (
        b"---\ntitle: T\ndate: '2024-05-01'\n---\n-   Caf\xe9\n",
        r"bad.md:5: not UTF-8 text",
    ),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"bad.md:3: binary file"),
    "html page": (
        "<!DOCTYPE html>\n<html><body><p>Hi</p></body></html>\n",
        r"bad.md:1: an HTML page, not a Markdown fact sheet",
    ),
    "only images": (
        "---\ntitle: T\ndate: '2024-05-01'\n---\n<figure><img src=\"a.jpg\" /></figure>\n",
        r"bad.md:5: no actions found",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_reported_on_one_line_and_writes_nothing(case, write_file):
    content, message = BAD_INPUTS[case]
    path = write_file("bad.md", content)

    summary = import_factsheets([path])

    assert summary.imported == 0
    [(failed_path, reason)] = summary.failed
    assert failed_path == path
    assert "\n" not in reason
    assert reason.startswith(str(path.parent))
    assert re.search(message, reason), reason
    assert not Document.objects.exists()


def test_the_command_exits_non_zero_and_names_the_file(write_file, capsys):
    bad = write_file("bad.md", BAD_INPUTS["missing title"][0])
    good = write_file("good.md", GOOD)

    with pytest.raises(CommandError, match="1 file"):
        call_command("import_factsheets", str(bad), str(good), verbosity=0)

    err = capsys.readouterr().err
    assert f"{bad}:1: the front matter has no title" in err
    # The failing file does not stop the good one.
    assert Document.objects.get().title == "Good sheet"


def test_folders_are_searched_and_summarised(write_file, capsys):
    write_file("sheets/a.md", GOOD)
    write_file("sheets/sub/b.md", GOOD.replace("Good sheet", "Other sheet"))
    write_file("sheets/notes.txt", "not a fact sheet")

    third = write_file("sheets/c.md", GOOD.replace("Good sheet", "Third sheet"))
    call_command("import_factsheets", str(Path(third).parent), verbosity=0)

    out = capsys.readouterr().out
    assert "3 imported (3 new, 0 updated), 0 unchanged, 0 failed; 6 actions" in out
    assert Action.objects.count() == 6


def test_dry_run_writes_nothing(write_file, capsys):
    path = write_file("good.md", GOOD)
    call_command("import_factsheets", str(path), "--dry-run", verbosity=0)
    assert "Dry run, nothing written: 1 imported (1 new" in capsys.readouterr().out
    assert not Document.objects.exists()


def test_reimporting_an_unchanged_file_changes_nothing(write_file):
    path = write_file("good.md", GOOD)
    import_factsheets([path])
    before = list(Action.objects.values())

    summary = import_factsheets([path])

    assert summary.unchanged == [path]
    assert list(Action.objects.values()) == before


def test_a_changed_file_keeps_rows_and_links_of_unchanged_actions(write_file):
    path = write_file("good.md", GOOD)
    import_factsheets([path])
    first = Action.objects.get(text="First action.")
    link = make_link(recommendation=make_recommendation(), action=first)

    write_file("good.md", GOOD.replace("Second action.", "Second action, revised.\n-   Third."))
    summary = import_factsheets([path])

    assert summary.updated == [path]
    assert Action.objects.get(text="First action.").pk == first.pk
    assert list(Action.objects.values_list("text", flat=True)) == [
        "First action.",
        "Second action, revised.",
        "Third.",
    ]
    link.refresh_from_db()
    assert link.action_id == first.pk


def test_an_action_gone_upstream_is_kept_and_flagged_when_linked(write_file):
    path = write_file("good.md", GOOD)
    import_factsheets([path])
    second = Action.objects.get(text="Second action.")
    make_link(action=second)

    write_file("good.md", GOOD.replace("-   Second action.\n", ""))
    import_factsheets([path])

    second.refresh_from_db()
    assert second.withdrawn
    assert Action.objects.filter(withdrawn=False).count() == 1


def test_new_action_ids_are_reported_for_incremental_work(write_file):
    summary = import_factsheets([write_file("good.md", GOOD)])
    assert sorted(summary.new_action_ids) == sorted(Action.objects.values_list("pk", flat=True))
