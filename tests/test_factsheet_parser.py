import pytest

from tracker.importers.document_parser import action_key, parse_factsheet

FRONT = (
    "---\ndate: '2024-05-01'\nsource_url: https://www.whitehouse.gov/fs/\n"
    "title: A fact sheet\n---\n"
)


@pytest.fixture(scope="module")
def un_sheet():
    from django.conf import settings

    return parse_factsheet(settings.SEEDS_DIR / "factsheets/2024-09-24-un-accomplishments.md")


@pytest.fixture(scope="module")
def rights_day_sheet():
    from django.conf import settings

    return parse_factsheet(settings.SEEDS_DIR / "factsheets/2024-12-11-human-rights-day.md")


def test_un_accomplishments_has_49_actions_in_six_sections(un_sheet):
    # Counted by reading: 3 introductory paragraphs, then 8 + 13 + 6 + 5 + 10 + 4 bullets.
    assert len(un_sheet.actions) == 49
    assert un_sheet.actions[0].text.startswith("Since his first day in office, President Biden")
    sections = list(dict.fromkeys(action.section for action in un_sheet.actions[3:]))
    assert sections[0] == "Responded to Threats to International Peace and Security"
    assert sections[-1] == "Strengthened American Presence at the United Nations"
    assert len(sections) == 6
    assert (
        un_sheet.title
        == "FACT SHEET: Biden-Harris Administration Accomplishments at the United Nations"
    )
    assert str(un_sheet.published) == "2024-09-24"


def test_human_rights_day_has_52_actions_and_no_empty_ones(rights_day_sheet):
    # One introductory paragraph and 53 bullets, two of which ("Expanded Tools for
    # Accountability.", "Administered International Justice.") only head the bullets after them.
    assert len(rights_day_sheet.actions) == 52
    assert all(action.text.strip() for action in rights_day_sheet.actions)
    assert "Expanded Tools for Accountability." not in [a.text for a in rights_day_sheet.actions]


def test_no_seed_action_is_empty_and_keys_are_unique(un_sheet, rights_day_sheet):
    for sheet in (un_sheet, rights_day_sheet):
        assert all(action.text and action.markdown for action in sheet.actions)
        assert len({action.key for action in sheet.actions}) == len(sheet.actions)


def test_underlined_italic_paragraphs_are_sections(rights_day_sheet):
    first = rights_day_sheet.actions[1]
    assert first.section == (
        "Protected Human Rights Defenders and Secured the Release of Political Prisoners"
    )
    assert first.lead_in == "Advocated for the Release of Unjustly Detained Individuals Globally."


def test_bold_only_bullets_head_the_bullets_after_them(rights_day_sheet):
    by_sub = {}
    for action in rights_day_sheet.actions:
        by_sub.setdefault(action.subheading, []).append(action.text)
    assert len(by_sub["Expanded Tools for Accountability."]) == 3
    justice = by_sub["Administered International Justice."]
    assert len(justice) == 3
    assert justice[0].startswith("The U.S. Department of Justice (DOJ) secured historic sentences")
    fought = next(
        a for a in rights_day_sheet.actions if a.lead_in == "Fought Political Repression."
    )
    assert fought.subheading == ""


def test_local_file_links_are_kept_as_text_and_flagged(rights_day_sheet):
    flagged = [action for action in rights_day_sheet.actions if action.has_local_links]
    assert len(flagged) == 2
    for action in flagged:
        assert "/Users/" not in action.markdown
        assert "INetCache" not in action.markdown
    assert "DOJ unsealed an indictment" in flagged[0].markdown


def test_web_links_keep_their_urls(rights_day_sheet):
    media = rights_day_sheet.actions[2]
    assert "[joint efforts with UNESCO](https://www.unesco.org/" in media.markdown
    assert media.markdown.startswith("**Empowered Journalists, Civil Society, Workers, and")


def test_nested_lists_become_actions_under_their_parent(write_file):
    path = write_file(
        "nested.md",
        FRONT + "**Section**\n\n-   **Parent item.** It did several things:\n"
        "    -   First child thing.\n    -   Second child thing.\n-   Sibling item.\n",
    )
    actions = parse_factsheet(path).actions
    assert [a.text for a in actions] == [
        "Parent item. It did several things:",
        "First child thing.",
        "Second child thing.",
        "Sibling item.",
    ]
    assert actions[1].subheading == "Parent item."
    assert actions[3].subheading == ""


def test_a_fact_sheet_without_bullets_yields_its_paragraphs(write_file):
    path = write_file(
        "prose.md",
        FRONT
        + "First paragraph of what was done.\n\n**A heading**\n\nSecond paragraph.\n\n\\###\n",
    )
    actions = parse_factsheet(path).actions
    assert [(a.section, a.text) for a in actions] == [
        ("", "First paragraph of what was done."),
        ("A heading", "Second paragraph."),
    ]


def test_html_entities_and_inline_html_become_plain_text(write_file):
    path = write_file(
        "entities.md", FRONT + "-   Fish &amp; chips for the 21<sup>st</sup> century.\n"
    )
    assert parse_factsheet(path).actions[0].text == "Fish & chips for the 21st century."


def test_relative_links_are_resolved_against_the_source(write_file):
    path = write_file("relative.md", FRONT + "-   Read [the memo](/briefing-room/memo/).\n")
    assert (
        "(https://www.whitehouse.gov/briefing-room/memo/)"
        in parse_factsheet(path).actions[0].markdown
    )


def test_prose_between_lists_is_kept_but_not_a_list_introduction(write_file):
    from tracker.importers.document_parser import parse_factsheet

    path = write_file(
        "2021-01-20-mixed.md",
        "---\ntitle: Mixed\ndate: 2021-01-20\n---\n\n"
        "**Reverse the Muslim Ban**  \nThe president will sign an order ending the ban.\n\n"
        "The Administration has:\n\n-   Rejoined the Paris Agreement.\n",
    )
    texts = [action.text for action in parse_factsheet(path).actions]
    assert texts == [
        "Reverse the Muslim Ban The president will sign an order ending the ban.",
        "Rejoined the Paris Agreement.",
    ]


def test_sections_marked_only_by_a_line_break_and_an_indent_are_split(write_file):
    from tracker.importers.document_parser import parse_factsheet

    indent = "\xa0 \xa0 \xa0 \xa0  "
    path = write_file(
        "2021-03-08-executive-order-on-a-council.md",
        "---\ntitle: Executive Order on a Council\ndate: 2021-03-08\n"
        "tags: presidential-actions\n---\n\n"
        f"{indent}By the authority vested in me as President, it is hereby ordered:  \n"
        f'{indent}<span style="text-decoration: underline">Section</span> 1. Policy. '
        "Equity is a matter of human rights.  \n"
        f"{indent}Sec. 2. Council. There is established a council.  \n",
    )
    actions = parse_factsheet(path).actions
    assert [(a.is_boilerplate, a.text[:14]) for a in actions] == [
        (True, "By the authori"),
        (False, "Section 1. Pol"),
        (False, "Sec. 2. Counci"),
    ]


# As the source wrote it, and as Markdown reads it as bold. Pandoc wrote many bold lead-ins
# with a space inside a delimiter, which Markdown leaves as literal asterisks.
LOOSE_BOLD_BULLETS = [
    (
        "**Extend Student Loan Pause ** Borrowers owe.",
        "**Extend Student Loan Pause** Borrowers owe.",
    ),
    ("**Repealing the Ban. **On his first day.", "**Repealing the Ban.** On his first day."),
    ("** Expanding Access**: new clinics opened.", "**Expanding Access**: new clinics opened."),
    ("__Clean Water __Pipes replaced.", "__Clean Water__ Pipes replaced."),
    ("***Made in America. ***Factories opened.", "***Made in America.*** Factories opened."),
    ("**Housing  \n    **Rents capped.", "**Housing** Rents capped."),
]


def _fields(path):
    return [
        (a.section, a.subheading, a.lead_in, a.text, a.markdown)
        for a in parse_factsheet(path).actions
    ]


@pytest.mark.parametrize(("loose", "tight"), LOOSE_BOLD_BULLETS)
def test_bold_with_a_space_inside_its_delimiters_is_a_lead_in(write_file, loose, tight):
    loose_path = write_file("loose.md", FRONT + f"-   {loose}\n")
    assert _fields(loose_path) == _fields(write_file("tight.md", FRONT + f"-   {tight}\n"))
    (action,) = parse_factsheet(loose_path).actions
    assert action.lead_in
    assert not {"*", "_"} & set(action.text + action.lead_in)
    # Its identity is unchanged: the key reads the words, and they are the same.
    assert action.key == action_key(loose)


def test_loose_bold_headings_head_what_follows_as_tight_ones_do(write_file):
    loose = (
        "**Tools and Resources **\n\n-   **Student Loans: **\n"
        "    -   Paused payments.\n-   Doubled Pell Grants.\n"
    )
    tight = loose.replace(" **", "**")
    fields = _fields(write_file("loose.md", FRONT + loose))
    assert fields == _fields(write_file("tight.md", FRONT + tight))
    assert [(section, subheading, text) for section, subheading, _, text, _ in fields] == [
        ("Tools and Resources", "Student Loans", "Paused payments."),
        ("Tools and Resources", "Student Loans", "Doubled Pell Grants."),
    ]


def test_single_asterisks_stay_and_no_words_are_joined(write_file):
    texts = [
        "Grants of $5 million** went to 12 states* and more ** were pledged.",
        "Rated A * B * C by the panel.",
        "Words stay apart: foo**bar **baz.",
        "Words stay apart: ** foo**bar.",
        "Code `**x **` stays.",
    ]
    path = write_file("literal.md", FRONT + "".join(f"-   {text}\n" for text in texts))
    actions = parse_factsheet(path).actions
    # Unpaired "**" runs are markup (pandoc writes an asterisk of the text as "\\*").
    assert [a.text for a in actions] == [
        "Grants of $5 million went to 12 states* and more were pledged.",
        texts[1],
        "Words stay apart: foo bar baz.",
        "Words stay apart: foo bar.",
        "Code **x ** stays.",
    ]
    assert [a.key for a in actions] == [action_key(text) for text in texts]


def test_a_delimiter_that_closes_an_open_bold_is_not_taken_to_open_one(write_file):
    path = write_file(
        "closing.md", FRONT + "-   **Lead, *in part* italic** ends, a stray ** mark.\n"
    )
    (action,) = parse_factsheet(path).actions
    assert action.lead_in == "Lead, in part italic"
    assert action.text == "Lead, in part italic ends, a stray mark."


def test_loose_bold_section_headings_of_orders_lose_their_asterisks(write_file):
    path = write_file(
        "2021-01-20-executive-order-on-equity.md",
        "---\ntitle: Executive Order on Equity\ndate: 2021-01-20\n"
        "tags: presidential-actions\n---\n\n"
        "By the authority vested in me as President, it is hereby ordered:\n\n"
        "**Sec. 6. Allocating Federal Resources to Advance Fairness and\n"
        "Opportunity. ** The Federal Government should allocate resources.\n",
    )
    action = parse_factsheet(path).actions[-1]
    assert action.text == (
        "Sec. 6. Allocating Federal Resources to Advance Fairness and Opportunity. "
        "The Federal Government should allocate resources."
    )
    assert action.section == "Allocating Federal Resources to Advance Fairness and Opportunity"
