"""One import for every kind: fact sheets and presidential actions, their administration,
their sections and boilerplate, and the scrape's duplicates and mislabelled files."""

import datetime
import io

import pytest
from django.core.management import call_command

from tracker.importers.administrations import AdministrationFinder, import_administrations
from tracker.importers.document_import import import_documents
from tracker.importers.document_parser import parse_factsheet
from tracker.importers.errors import SourceError
from tracker.matching import rank
from tracker.models import Action, Administration, Document

from .test_corpus import CORPUS

pytestmark = pytest.mark.django_db

Kind, Subtype = Document.Kind, Document.Subtype


def front(title, date="2025-03-01", tags="presidential-actions", url="", published_time=""):
    lines = ["---", f"date: '{date}'", f"tags: {tags}", f"title: {title!r}"]
    if url:
        lines.append(f"source_url: {url}")
    if published_time:
        lines.append(f"published_time: {published_time}")
    return "\n".join([*lines, "---", ""]) + "\n"


ORDER = front("Protecting Rivers") + (
    "By the authority vested in me as President by the Constitution and the\n"
    "laws of the United States of America, it is hereby ordered:\n\n"
    '<span style="text-decoration: underline">Section 1.  Policy.</span>  It is the\n'
    "policy of the United States to protect rivers.\n\n"
    "**Sec. 2.  Implementation. ** (a)  The Secretary of the Interior shall\n"
    "report within 90 days, consistent with Executive Order 14008.\n\n"
    "(b)  The report shall be public.\n\n"
    # Four spaces would make this a code block in Markdown.
    "    Sec. 3.  Water Quality Monitoring.  The Administrator shall\n"
    "    monitor water quality.\n\n"
    "Sec. 4.  General Provisions.  (a)  Nothing in this order shall be\n"
    "construed to impair or otherwise affect the authority of an agency.\n\n"
    "DONALD J. TRUMP\n\nTHE WHITE HOUSE,\n\nMarch 1, 2025.\n"
)


def test_an_executive_order_is_a_preamble_numbered_sections_and_boilerplate(write_file):
    parsed = parse_factsheet(write_file("2025-03-01-protecting-rivers.md", ORDER))

    assert (parsed.kind, parsed.subtype, parsed.executive_order_number) == (
        Kind.PRESIDENTIAL_ACTION,
        Subtype.EXECUTIVE_ORDER,
        None,  # 14008 is cited, not this order's number
    )
    rows = [(a.section, a.is_boilerplate, a.text[:24]) for a in parsed.actions]
    assert rows == [
        ("", True, "By the authority vested "),
        ("Policy", False, "Section 1. Policy. It is"),
        ("Implementation", False, "Sec. 2. Implementation. "),
        ("Water Quality Monitoring", False, "Sec. 3. Water Quality Mo"),
        ("General Provisions", True, "Sec. 4. General Provisio"),
        ("", True, "DONALD J. TRUMP"),
        ("", True, "THE WHITE HOUSE,"),
        ("", True, "March 1, 2025."),
    ]
    # A section keeps all its paragraphs.
    assert "The report shall be public." in parsed.actions[2].text
    assert "**" not in parsed.actions[2].text


def test_boilerplate_is_stored_flagged_and_never_suggested(write_file):
    import_documents([write_file("2025-03-01-protecting-rivers.md", ORDER)])

    assert Action.objects.count() == 8
    assert Action.objects.filter(is_boilerplate=True).count() == 5
    boilerplate = set(Action.objects.filter(is_boilerplate=True).values_list("pk", flat=True))
    ranked = set(rank().action_ids.tolist()) if Action.objects.exists() else set()
    assert not ranked & boilerplate


KINDS = {
    "numbered order": (
        front("Executive Order 14203: Imposing Sanctions"),
        "By the authority vested in me, it is hereby ordered:\n\nSection 1. Policy. Text.\n",
        (Kind.PRESIDENTIAL_ACTION, Subtype.EXECUTIVE_ORDER, 14203),
    ),
    "order citing another": (
        front("Clarification of Exceptions Under Executive Order 14257"),
        "By the authority vested in me, it is hereby ordered:\n\n"
        "Section 1. Background. Executive Order 14257 of April 2, 2025 imposed duties.\n",
        (Kind.PRESIDENTIAL_ACTION, Subtype.EXECUTIVE_ORDER, None),
    ),
    "number on its own line": (
        front("Delivering Vaccines"),
        "Executive Order 14420\n\nBy the authority vested in me, it is hereby ordered:\n\n"
        "Section 1. Purpose. Text.\n",
        (Kind.PRESIDENTIAL_ACTION, Subtype.EXECUTIVE_ORDER, 14420),
    ),
    "memorandum": (
        front("Memorandum on Rivers"),
        "MEMORANDUM FOR THE SECRETARY OF THE INTERIOR\n\nSUBJECT: Rivers\n\nProtect them.\n",
        (Kind.PRESIDENTIAL_ACTION, Subtype.MEMORANDUM, None),
    ),
    "memorandum by its text": (
        front("America First Trade Policy"),
        "MEMORANDUM FOR THE SECRETARY OF STATE\n\nSection 1. Background. Trade.\n",
        (Kind.PRESIDENTIAL_ACTION, Subtype.MEMORANDUM, None),
    ),
    "proclamation": (
        front("A National Day of Unity"),
        "A PROCLAMATION\n\nNOW, THEREFORE, I do hereby proclaim a day.\n",
        (Kind.PRESIDENTIAL_ACTION, Subtype.PROCLAMATION, None),
    ),
    "notice": (
        front("Notice on the Continuation of the National Emergency With Respect to Iran"),
        "The emergency continues, as declared in Executive Order 12170.\n",
        (Kind.PRESIDENTIAL_ACTION, Subtype.NOTICE, None),
    ),
    "letter": (
        front("Message to the Congress on Rivers"),
        "TO THE CONGRESS OF THE UNITED STATES:\n\nRivers matter.\n",
        (Kind.PRESIDENTIAL_ACTION, Subtype.LETTER, None),
    ),
    "dear speaker": (
        front("Text of a Letter from the President"),
        "Dear Mr. Speaker:\n\nRivers matter.\n",
        (Kind.PRESIDENTIAL_ACTION, Subtype.LETTER, None),
    ),
    "other": (
        front("Nominations Sent to the Senate"),
        "Jane Doe, of Ohio, to be a Judge.\n",
        (Kind.PRESIDENTIAL_ACTION, Subtype.OTHER, None),
    ),
    "fact sheet by tag": (
        front("FACT SHEET: Rivers", tags="statements-releases"),
        "-   One.\n",
        (Kind.FACTSHEET, "", None),
    ),
    "fact sheet without tags": (
        "---\ndate: '2024-05-01'\ntitle: Rivers\n---\n-   One.\n",
        "",
        (Kind.FACTSHEET, "", None),
    ),
}


@pytest.mark.parametrize("case", KINDS)
def test_kind_subtype_and_order_number(case, write_file):
    head, body, expected = KINDS[case]
    parsed = parse_factsheet(write_file("2025-03-01-doc.md", head + body))
    assert (parsed.kind, parsed.subtype, parsed.executive_order_number) == expected


# Administrations


def test_administrations_load_idempotently_from_the_seeds():
    first = import_administrations()
    second = import_administrations()

    assert first.created == ["biden", "trump-2"]
    assert second.unchanged == ["biden", "trump-2"] and not second.updated
    biden = Administration.objects.get(slug="biden")
    assert (biden.took_office, biden.left_office) == (
        datetime.date(2021, 1, 20),
        datetime.date(2025, 1, 20),
    )


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("administrations:\n  - slug: a\n    name: A\n    president: P\n", 2, "no took_office"),
        (
            "administrations:\n  - slug: a\n    name: A\n    president: P\n    took_office: soon\n",
            5,
            "took_office is not a date",
        ),
        (
            "administrations:\n  - slug: a\n    name: A\n    president: P\n"
            "    took_office: 2021-01-20\n    left_office: 2020-01-01\n",
            6,
            "left_office must be after took_office",
        ),
        ("administrations:\n  - slug: a\n    nme: A\n", 3, "unknown field 'nme'"),
        ("administrations: [unclosed\n", 2, "malformed YAML"),
    ],
)
def test_a_malformed_administration_is_refused_with_file_and_line(
    content, line, message, write_file
):
    path = write_file("administrations.yaml", content)
    with pytest.raises(SourceError) as error:
        import_administrations(path)
    assert str(error.value).startswith(f"{path}:{line}: ") and message in str(error.value)
    assert not Administration.objects.exists()


def test_the_document_import_loads_administrations_when_there_are_none(write_file):
    path = write_file("2024-05-01-rivers.md", front("FACT SHEET: Rivers", date="2024-05-01"))
    path.write_text(path.read_text() + "-   One.\n")

    import_documents([path])

    assert Administration.objects.count() == 2
    assert Document.objects.get().administration.slug == "biden"


@pytest.mark.parametrize(
    ("url", "published_time", "expected"),
    [
        (
            "https://bidenwhitehouse.archives.gov/briefing-room/x/",
            "2025-01-20 16:00:00-05:00",
            "biden",
        ),
        (
            "https://www.whitehouse.gov/presidential-actions/x/",
            "2025-01-20 09:30:00-05:00",
            "biden",
        ),
        (
            "https://www.whitehouse.gov/presidential-actions/x/",
            "2025-01-20 14:40:00-05:00",
            "trump-2",
        ),
        ("https://www.whitehouse.gov/presidential-actions/x/", "", "trump-2"),
    ],
)
def test_on_inauguration_day_the_address_or_the_time_decides(
    url, published_time, expected, write_file
):
    head = front("A Proclamation on Rivers", "2025-01-20", url=url, published_time=published_time)
    import_documents([write_file("2025-01-20-rivers.md", head + "A day for rivers.\n")])

    assert Document.objects.get().administration.slug == expected


def test_an_editors_correction_of_the_administration_survives_a_reimport(write_file):
    path = write_file("2024-05-01-rivers.md", front("A Proclamation", "2024-05-01") + "One.\n")
    import_documents([path])
    trump = Administration.objects.get(slug="trump-2")
    Document.objects.update(administration=trump)
    path.write_text(path.read_text() + "\nTwo.\n")

    import_documents([path])

    assert Document.objects.get().administration == trump


def test_finder_outside_any_term():
    finder = AdministrationFinder()
    assert finder.find(datetime.date(2020, 5, 1)) is None
    assert finder.find(datetime.date(2026, 5, 1)).slug == "trump-2"


# The imperfect scrape


def test_the_same_page_scraped_twice_is_stored_once(write_file):
    body = front("A Proclamation on Rivers", url="https://www.whitehouse.gov/a/") + "One.\n"
    first = write_file("2025-03-01-a-proclamation-on-rivers.md", body)
    second = write_file("2025-03-01-a-proclamation-on-rivers-2.md", body.replace("/a/", "/a-2/"))

    summary = import_documents([first.parent])
    again = import_documents([first.parent])

    assert len(summary.created) == 1 and len(summary.duplicates) == 1
    assert Document.objects.count() == 1 and Action.objects.count() == 1
    assert again.unchanged == summary.created and again.duplicates == summary.duplicates
    assert {*summary.created, *summary.duplicates} == {first, second}


MISLABELLED = (
    "2025-02-05-fact-sheet-president-donald-j-trump-withdraws-from-anti-american-un-"
    "organizations.md"
)


def test_a_file_whose_title_disagrees_with_its_name_is_imported_under_its_title(write_file):
    head = front(
        "Fact Sheet: President Donald J. Trump Protects Safety, Fairness, and Dignity in "
        "Women’s Sports",
        "2025-02-05",
        tags="fact-sheets",
    )
    path = write_file(MISLABELLED, head + "-   Keeps men out of women’s sports.\n")

    summary = import_documents([path])

    document = Document.objects.get()
    assert document.slug == (
        "2025-02-05-fact-sheet-president-donald-j-trump-protects-safety-fairness-and-dignity-"
        "in-womens-sports"
    )
    assert document.needs_review.startswith("title disagrees with the file name")
    assert "withdraws" in document.needs_review
    assert summary.flagged == [(path, document.needs_review)]


@pytest.mark.parametrize(
    ("name", "title"),
    [
        (
            "2021-09-16-a-proclamation-on-national-pow-mia-recognition-day-2021.md",
            "A Proclamation on National POW/MIA Recognition Day, 2021",
        ),
        (
            "2021-06-07-fact-sheet-u-s-guatemala-cooperation.md",
            "FACT SHEET: U.S. – Guatemala Cooperation",
        ),
        ("2025-03-19-test.md", "Achieving Efficiency Through State and Local Preparedness"),
        (
            "2021-03-31-a-proclamation-on-cesar-chavez-day-2021.md",
            "A Proclamation on César Chávez Day, 2021",
        ),
    ],
)
def test_titles_that_agree_with_their_file_name_are_not_flagged(name, title, write_file):
    parsed = parse_factsheet(write_file(name, front(title) + "One.\n"))
    assert parsed.needs_review == ""


def test_import_documents_and_its_alias_import_factsheets(write_file):
    path = write_file("2025-03-01-protecting-rivers.md", ORDER)
    out = io.StringIO()

    call_command("import_documents", str(path), "--no-suggest", verbosity=0, stdout=out)
    call_command("import_factsheets", str(path), "--no-suggest", verbosity=0, stdout=out)

    assert "1 imported (1 new, 0 updated)" in out.getvalue()
    assert "0 imported (0 new, 0 updated), 1 unchanged" in out.getvalue()
    assert Document.objects.get().kind == Kind.PRESIDENTIAL_ACTION


# Real documents from the corpus, when it is beside the project

needs_corpus = pytest.mark.skipif(
    not (CORPUS / "whitehouse-2025-2026").is_dir(), reason=f"corpus not found at {CORPUS}"
)


@needs_corpus
def test_real_documents():
    biden = CORPUS / "whitehouse-presidential-actions-2021-2025"
    trump = CORPUS / "whitehouse-2025-2026"

    ethics = parse_factsheet(
        biden / "2021-01-20-executive-order-ethics-commitments-by-executive-branch-personnel.md"
    )
    assert ethics.subtype == Subtype.EXECUTIVE_ORDER
    assert [a.section for a in ethics.actions if not a.is_boilerplate] == [
        "Ethics Pledge",
        "Definitions",
        "Waiver",
        "Administration",
        "Enforcement",
    ]
    assert [a.text for a in ethics.actions if a.is_boilerplate][-2:] == [
        "JOSEPH R. BIDEN JR.",
        "THE WHITE HOUSE, January 20, 2021.",
    ]

    unity = parse_factsheet(biden / "2021-01-20-a-national-day-of-unity.md")
    assert unity.subtype == Subtype.PROCLAMATION
    assert [a.is_boilerplate for a in unity.actions] == [True, True] + [False] * 7 + [True] * 2

    vaccines = parse_factsheet(
        trump / "presidential-actions/2026-08-10-delivering-gold-standard-childhood-vaccine-"
        "recommendations-for-americans.md"
    )
    assert (vaccines.subtype, vaccines.executive_order_number) == (Subtype.EXECUTIVE_ORDER, 14420)
    assert "Purpose and Policy" in [a.section for a in vaccines.actions]

    mislabelled = parse_factsheet(trump / "fact-sheets" / MISLABELLED)
    assert "Women’s Sports" in mislabelled.title and mislabelled.needs_review
    real = parse_factsheet(trump / "fact-sheets" / MISLABELLED.replace("02-05", "02-04"))
    assert not real.needs_review


def test_a_folders_readme_is_not_a_document(tmp_path):
    from tracker.importers.document_import import factsheet_paths

    (tmp_path / "README.md").write_text("# What this folder holds\n")
    (tmp_path / "kind").mkdir()
    (tmp_path / "kind" / "2021-02-01-a.md").write_text("---\ntitle: A\ndate: 2021-02-01\n---\n")
    assert [p.name for p in factsheet_paths([tmp_path])] == ["2021-02-01-a.md"]


def numbered_page(number, revised=False):
    report = f"The Administrator shall report on {number}" + (" soon.\n" if revised else ".\n")
    return front(f"Page {number}", date=f"2025-03-{number:02d}") + (
        f"The Secretary shall do thing {number}.\n\n{report}"
    )


def test_the_stored_slugs_are_read_once_per_import_not_once_per_file(
    write_file, django_assert_num_queries
):
    import_documents([write_file("2025-02-01-protecting-rivers.md", ORDER)])  # Administrations.
    paths = [write_file(f"2025-03-{n:02d}-page-{n}.md", numbered_page(n)) for n in (1, 2, 3)]

    # Per import: the stored checksums, the administrations (2), the stored slugs; per new
    # file, none for its slug: the fact sheet it may be a version of (3), its savepoint (2),
    # its document, its actions read and written (2).
    with django_assert_num_queries(4 + 3 * 8):
        import_documents(paths)
    for number, path in enumerate(paths, start=1):
        path.write_text(numbered_page(number, revised=True), encoding="utf-8")
    # Per changed file: the fact sheet it is, its savepoint (2), its document, its actions
    # read and the changed one written (2), the links of that revised action.
    with django_assert_num_queries(4 + 3 * 7):
        summary = import_documents(paths)
    assert len(summary.updated) == 3
