"""Markup the parser used to leave in actions, from patterns of the whole record's files."""

import pytest

from tracker.importers import document_parser, prose
from tracker.importers.document_parser import action_key, parse_factsheet

FRONT = (
    "---\ndate: '2024-05-01'\nsource_url: https://www.whitehouse.gov/fs/\n"
    "title: A fact sheet\n---\n\n"
)
MEMO_FRONT = (
    "---\ndate: '2023-02-20'\ntitle: Memorandum on Delegation of Authority\n"
    "tags: presidential-actions\n---\n\n"
)
# No-break spaces, as the pages indent a memorandum's header lines.
INDENT = "\xa0 \xa0 \xa0 \xa0 \xa0 "


def _texts(path):
    return [action.text for action in parse_factsheet(path).actions]


def test_a_link_whose_text_ends_in_a_blank_line_stays_one_link(write_file):
    # 2022-07-08-fact-sheet-president-biden-to-sign-executive-order-protecting-access-...
    path = write_file(
        "link.md",
        FRONT + "-   Protected access to care.\n\n"
        "*For up-to-date information on your right to access reproductive health\n"
        "care, visit* [*www.reproductiverights.gov  \n  \n"
        "*](http://www.reproductiverights.gov)\\###\n",
    )
    actions = parse_factsheet(path).actions
    assert [a.text for a in actions] == [
        "Protected access to care.",
        "For up-to-date information on your right to access reproductive health care, "
        "visit www.reproductiverights.gov",
    ]
    assert actions[1].markdown.endswith(
        "[*www.reproductiverights.gov*](http://www.reproductiverights.gov)"
    )


def test_the_text_after_a_link_split_so_joins_its_paragraph(write_file):
    # 2021-11-02-fact-sheet-new-strategy-outlines-five-priorities-for-reducing-military-...
    path = write_file(
        "link.md",
        FRONT + "These goals are outlined in a new national\nstrategy, [**“Reducing "
        "Suicide.”  \n  \n**](https://example.gov/strategy.pdf)The\n"
        "key components of this strategy are five priorities.\n",
    )
    assert _texts(path) == [
        # As the page wrote it: no space after the link.
        "These goals are outlined in a new national strategy, “Reducing Suicide.”"
        "The key components of this strategy are five priorities."
    ]


def test_a_link_whose_address_leaves_a_parenthesis_open_is_read_as_a_link(write_file):
    # 2022-08-02-fact-sheet-white-house-summit-on-building-lasting-eviction-prevention-reform:
    # a text fragment "The Right to Counsel (RTC" ... "Chicago.", its "(" never closed.
    path = write_file(
        "fragment.md",
        FRONT + "In July 2022, Chicago funds to adopt a [three-year Right to Counsel\n"
        "pilot](https://www.chicago.gov/rtc.html#:~:text=The%20Right%20to%20Counsel%20"
        "(RTC,eviction%20in%20Chicago.).\nThe city is collaborating with providers.\n",
    )
    (action,) = parse_factsheet(path).actions
    assert action.text == (
        "In July 2022, Chicago funds to adopt a three-year Right to Counsel pilot. "
        "The city is collaborating with providers."
    )
    assert action.markdown.endswith(
        "[three-year Right to Counsel pilot](https://www.chicago.gov/rtc.html"
        "#:~:text=The%20Right%20to%20Counsel%20%28RTC,eviction%20in%20Chicago.). "
        "The city is collaborating with providers."
    )


def test_balanced_parentheses_stay_in_a_links_address(write_file):
    path = write_file(
        "balanced.md",
        FRONT + "-   See [the plan](https://example.gov/plan_(2024)) and [the law]"
        '(https://example.gov/law "The law") now.\n',
    )
    (action,) = parse_factsheet(path).actions
    assert action.text == "See the plan and the law now."
    # Encoded, the parentheses cannot end the address early when the Markdown is read again.
    assert action.markdown == (
        "See [the plan](https://example.gov/plan_%282024%29) and "
        "[the law](https://example.gov/law) now."
    )


def test_a_paragraph_of_escaped_underscores_is_no_action(write_file):
    # 2022-07-12-fact-sheet-white-house-announces-over-40-billion-...: a rule drawn as "\_\_".
    # A short item of real content ("AT&T" in a list of companies) stays.
    path = write_file("rule.md", FRONT + "-   Grants announced.\n\n\\_\\_\n\n-   AT&T\n")
    assert _texts(path) == ["Grants announced.", "AT&T"]


def test_the_end_mark_is_not_glued_to_the_last_action(write_file):
    path = write_file(
        "end.md",
        FRONT + "-   The winners were featured\n    at the second Summit.  \n      \n    \\###\n",
    )
    (action,) = parse_factsheet(path).actions
    assert action.text == "The winners were featured at the second Summit."
    assert action.key == action_key("The winners were featured at the second Summit. ###")

    path = write_file(
        "end-after-link.md",
        FRONT + "*Read about the agenda here:*\n[https://example.gov/agenda/\n"
        "](https://example.gov/agenda/)\n\\###\n",
    )
    assert _texts(path) == ["Read about the agenda here: https://example.gov/agenda/"]


def test_unpaired_bold_delimiters_are_dropped_without_changing_keys(write_file):
    sources = [
        "Lowering junk fees. ** **The Bureau is lowering fees.",
        "Expanded the child care workforce.****",
        "Sec. 3.** **President’s Council on Sports. There is established a council.",
        "***Making More Homes Available to Families",
        # Pandoc escapes an asterisk of the text: it stays.
        "Rated \\*\\* (two stars) by the panel.",
    ]
    path = write_file("stray.md", FRONT + "".join(f"-   {text}\n" for text in sources))
    actions = parse_factsheet(path).actions
    assert [a.text for a in actions] == [
        "Lowering junk fees. The Bureau is lowering fees.",
        "Expanded the child care workforce.",
        "Sec. 3. President’s Council on Sports. There is established a council.",
        "Making More Homes Available to Families",
        "Rated ** (two stars) by the panel.",
    ]
    assert not any("**" in a.markdown.replace("\\*", "") for a in actions)
    assert [a.key for a in actions] == [action_key(text) for text in sources]


def test_a_memorandum_subject_broken_over_indented_lines_is_one_line(write_file):
    # 2023-02-20-memorandum-on-delegation-of-authority-under-sections-506a1-and-552c2-...
    path = write_file(
        "2023-02-20-memorandum-on-delegation.md",
        MEMO_FRONT + "MEMORANDUM FOR THE SECRETARY OF STATE\n\n"
        f"SUBJECT:\xa0 \xa0 \xa0 Delegation of Authority Under Sections 506(a)(1)  \n"
        f"{INDENT} and 552(c)(2) of the Foreign Assistance Act  \n"
        f"{INDENT} of 1961\n\n"
        "I hereby delegate to the Secretary of State the authority under section 506(a)(1).  \n"
        f"{INDENT}You are authorized and directed to publish this memorandum.\n",
    )
    actions = parse_factsheet(path).actions
    assert [(a.is_boilerplate, a.text) for a in actions] == [
        (True, "MEMORANDUM FOR THE SECRETARY OF STATE"),
        (
            True,
            "SUBJECT: Delegation of Authority Under Sections 506(a)(1) and 552(c)(2) "
            "of the Foreign Assistance Act of 1961",
        ),
        (
            False,
            "I hereby delegate to the Secretary of State the authority under section 506(a)(1).",
        ),
        (False, "You are authorized and directed to publish this memorandum."),
    ]


def test_a_memorandum_subject_given_a_paragraph_per_line_is_one_line(write_file):
    # 2025-09-25-enforcing-the-death-penalty-laws-in-the-district-of-columbia-...
    path = write_file(
        "2025-09-25-memorandum-on-the-death-penalty.md",
        MEMO_FRONT + "SUBJECT:\xa0\xa0\xa0 Enforcing the Death Penalty Laws in the\n\n"
        f"{INDENT} District of Columbia to Deter and Punish\n\n"
        f"{INDENT} the Most Heinous Crimes\n\n"
        "Purpose.\n\n"
        "By the authority vested in me as President, I hereby direct:\n",
    )
    assert [(a.is_boilerplate, a.text) for a in parse_factsheet(path).actions] == [
        (
            True,
            "SUBJECT: Enforcing the Death Penalty Laws in the District of Columbia to Deter "
            "and Punish the Most Heinous Crimes",
        ),
        (False, "Purpose."),
        (True, "By the authority vested in me as President, I hereby direct:"),
    ]


def test_a_determination_number_and_a_numeric_date_are_header_lines(write_file):
    # 2024-06-28-memorandum-on-presidential-determination-...-child-soldiers-...-3 and
    # 2025-01-24-memorandum-for-the-secretary-of-state-...: header lines, like a dated line.
    path = write_file(
        "2024-06-28-memorandum-on-presidential-determination.md",
        MEMO_FRONT + " \nPresidential Determination  \n  \n"
        "No.\xa0 \xa0 \xa0 2024-06\xa0 \xa0 \n\n01/24/25\n\n"
        "Pursuant to section 404 of the Act, I exempt these headings of the HTSUS:\n\n"
        # Short lines of real content stay (2025-04-11-clarification-of-exceptions-...).
        "·\xa0 \xa0 \xa0 8471\n\n·\xa0 \xa0 \xa0 847330\n",
    )
    actions = parse_factsheet(path).actions
    assert [(a.is_boilerplate, a.text) for a in actions] == [
        (True, "Presidential Determination No. 2024-06"),
        (True, "01/24/25"),
        (False, "Pursuant to section 404 of the Act, I exempt these headings of the HTSUS:"),
        (False, "· 8471"),
        (False, "· 847330"),
    ]


@pytest.mark.parametrize("marker", ["\\_\\_", "** **", "•", "—"])
def test_a_markup_only_item_is_no_action_but_its_nested_items_are(marker, write_file):
    path = write_file(
        "nested.md",
        FRONT + "-   A first real action.\n"
        f"-   {marker}\n"
        "    -   The Department will fund the program.\n"
        "    -   It will hire staff.\n",
    )
    assert _texts(path) == [
        "A first real action.",
        "The Department will fund the program.",
        "It will hire staff.",
    ]


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (document_parser.LINK_TEXT_BREAK, "[*www.x.gov" + " " * 6 + "\n\n*](http://x.gov)"),
        (prose.INDENTED_AFTER_BREAK, "SUBJECT: Delegation" + " " * 6 + "\n      of Authority"),
    ],
)
def test_blank_run_patterns_start_only_where_the_run_starts(pattern, text):
    # Started inside a run of blanks, each attempt would scan the rest of the run again:
    # quadratic in its length (100,000 spaces took 8 s). Where the run starts it matches.
    run_start = text.index("  ")
    assert pattern.match(text, run_start)
    assert all(
        pattern.match(text, inside) is None for inside in range(run_start + 1, run_start + 6)
    )
