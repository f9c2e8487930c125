"""The site in a real browser: headless Chromium (Debian's), driven by Playwright.

Skips, saying so, on a machine without Chromium; CI installs it. Screenshots
go to test-artifacts/.
"""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = settings.BASE_DIR / "test-artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM and not os.environ.get("REQUIRE_BROWSER"),
        reason="Chromium is not installed (apt install chromium); the browser test is skipped",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own
    # database calls are synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    call_command("seed", stdout=io.StringIO())
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        context = browser.new_context(
            viewport={"width": 1200, "height": 900}, accept_downloads=True
        )
        page = context.new_page()
        page.base_url = live_server.url
        page.console_errors = []
        page.on(
            "console",
            lambda message: message.type == "error" and page.console_errors.append(message.text),
        )
        yield page
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def shoot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_a_reader_browses_filters_opens_evidence_and_downloads(page):
    page.goto(page.base_url + "/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Scorecard")
    assert page.locator(".totals").get_by_text("No action found").is_visible()
    assert page.locator("svg.months").is_visible()  # The month-by-month chart, no script.
    assert page.get_by_text("Record reviewed through").is_visible()
    shoot(page, "scorecard")

    page.get_by_role("link", name="Recommendations", exact=True).first.click()
    # Rejoined in 2021, withdrawn from in 2025: Reversed on the whole record.
    page.get_by_label("Status").select_option("reversed")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/recommendations/?**status=reversed**")
    assert page.get_by_text("Status: Reversed").is_visible()
    shoot(page, "list-filtered")

    page.get_by_role("link", name="Rejoin the UN Human Rights Council").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Rejoin the UN Human Rights Council"
    assert page.get_by_text("We rejoined the UN Human Rights Council in 2021").first.is_visible()
    assert page.get_by_role("heading", name="Timeline").is_visible()
    # Done under Biden, undone in 2025: both are on the timeline.
    assert page.get_by_text("Second Trump administration").first.is_visible()
    shoot(page, "detail")

    evidence = page.locator(".evidence .source a").first
    factsheet_title = evidence.inner_text()
    evidence.click()
    assert page.get_by_role("heading", level=1).inner_text() == factsheet_title

    page.goto(page.base_url + "/essay/#q-close-guantanamo")
    assert page.locator("#q-close-guantanamo").is_visible()
    shoot(page, "essay")

    page.goto(page.base_url + "/recommendations/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    target = ARTIFACTS / "scorecard.csv"
    download.save_as(target)
    text = Path(target).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("code,stage,title,statement,quote,status")
    assert "close-guantanamo" in text
    # The pages satisfy their Content-Security-Policy: the browser refused nothing.
    assert page.console_errors == []


PUBLIC_PAGES = [
    "/",
    "/?as_of=2023-01-01",
    "/recommendations/",
    "/recommendations/?sort=title",
    "/recommendations/close-guantanamo/",
    "/recommendations/rejoin-un-human-rights-council/",
    "/stages/reengage/",
    "/stages/reverse-and-revoke/",
    "/documents/",
    "/essay/",
    "/about/",
    "/search/",
    "/search/?q=refugees",
    "/search/?q=ICC&group=actions",
]
# axe-core (MPL-2.0, Deque Systems), vendored from its npm package: tests/data/README.md.
AXE = Path(__file__).parent / "data" / "axe.min.js"


def public_pages(page):
    """Every kind of public page, plus the first document page the list links to."""
    page.goto(page.base_url + "/documents/")
    document = page.locator("main table tbody th a").first.get_attribute("href")
    return [*PUBLIC_PAGES, document]


def test_no_public_page_scrolls_sideways_on_a_phone(page):
    pages = public_pages(page)
    too_wide = []
    for width in (320, 360, 390):
        page.set_viewport_size({"width": width, "height": 800})
        for path in pages:
            response = page.goto(page.base_url + path)
            assert response.ok, path
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                too_wide.append(f"{path} at {width} px is {scroll_width} px wide")
        shoot(page, f"phone-{width}-last")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(page.base_url + "/")
    shoot(page, "phone-390-scorecard")
    assert too_wide == []
    assert page.console_errors == []


def test_public_pages_have_no_accessibility_violations(page):
    """axe-core's WCAG 2.x A and AA rules, at desktop and phone width."""
    axe = AXE.read_text(encoding="utf-8")
    violations = []
    for width in (1200, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in public_pages(page):
            page.goto(page.base_url + path)
            # Evaluated through the DevTools protocol, which the page's CSP does not govern.
            page.evaluate(axe)
            found = page.evaluate(
                """() => axe.run(document, {runOnly: {type: 'tag',
                    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
                    .then(r => r.violations.map(v => v.id + ': ' + v.nodes.length + ' ('
                        + v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(', ') + ')'))"""
            )
            violations += [f"{path} at {width} px: {v}" for v in found]
    assert violations == []


def test_an_editor_decides_a_row_in_place_at_1366_px(page):
    from django.contrib.auth import get_user_model

    from tracker.models import Link

    get_user_model().objects.create_superuser("editor", password="an-editor-password-1")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(page.base_url + "/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("an-editor-password-1")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Review queue").first.click()
    page.wait_for_url("**/admin/tracker/link/?coverage=no_evidence")
    shoot(page, "review-queue-1366")
    # Everything an editor decides on is on screen: no sideways scroll, the buttons in view.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    row = page.locator("#result_list tbody tr").first
    for name in ["Accept: implements", "Partial", "Related", "Goes against", "Reject"]:
        box = row.get_by_role("button", name=name).bounding_box()
        assert box and box["x"] + box["width"] <= 1366, name

    decision = row.locator(".decision")
    pk = int(decision.get_attribute("data-link"))
    page.evaluate("window.notReloaded = true")
    decision.get_by_label("Public reason (one line)").fill("Does part of what is asked.")
    decision.get_by_role("button", name="Partial").click()
    outcome = decision.locator(".outcome")
    outcome.filter(has_text="is now publicly").wait_for()
    assert page.evaluate("window.notReloaded") is True  # Decided in the background.
    assert decision.locator(".state").inner_text() == "Accepted: partly implements"
    link = Link.objects.select_related("recommendation").get(pk=pk)
    assert (link.review, link.relation) == ("accepted", "partial")
    assert outcome.inner_text().startswith(f"{link.recommendation.title} is now publicly ")
    shoot(page, "review-queue-decided")

    # Without the script (no JavaScript), the same buttons work as a plain form.
    context = page.context.browser.new_context(
        viewport={"width": 1366, "height": 768}, java_script_enabled=False
    )
    context.add_cookies(page.context.cookies())
    plain = context.new_page()
    plain.goto(page.base_url + "/admin/tracker/link/?coverage=no_evidence")
    row = plain.locator("#result_list tbody tr").first
    pk = int(row.locator(".decision").get_attribute("data-link"))
    row.get_by_role("button", name="Reject").click()
    plain.wait_for_load_state()
    assert plain.get_by_text("is now publicly").first.is_visible()
    assert Link.objects.get(pk=pk).review == "rejected"
    context.close()
    assert page.console_errors == []


def test_an_editor_enters_a_source_and_its_page_reads_well_on_a_phone(page):
    from django.contrib.auth import get_user_model

    from tracker.models import Recommendation

    get_user_model().objects.create_superuser("editor", password="an-editor-password-1")
    guantanamo = Recommendation.objects.get(code="close-guantanamo")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(page.base_url + "/admin/login/?next=/admin/tracker/editorsource/add/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("an-editor-password-1")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Title").fill("Transfer of detainees from the Guantánamo Bay naval station")
    page.get_by_label("Publisher").fill("Department of Defense")
    page.get_by_label("Published").fill("2021-07-19")
    page.get_by_label("Address").fill(
        "https://www.defense.gov/News/Releases/Release/Article/2698025/guantanamo-bay-transfer/"
    )
    page.get_by_label("Passage").fill("The Department of Defense announced the transfer.")
    page.get_by_label("Recommendation:").select_option(str(guantanamo.pk))
    page.get_by_label("Relation").select_option("partial")
    page.get_by_label("Public reason (one line)").fill("A first transfer out of Guantánamo.")
    page.get_by_role("button", name="Save", exact=True).click()
    messages = page.locator(".messagelist").inner_text()
    assert "Recommit to closing Guantánamo is now publicly Partly implemented" in messages

    path = guantanamo.get_absolute_url()
    axe = AXE.read_text(encoding="utf-8")
    for width in (1200, 390, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(page.base_url + path)
        assert page.get_by_text("Editor-entered source").first.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.evaluate(axe)
        assert page.evaluate("() => axe.run(document).then(r => r.violations.length)") == 0
    page.locator(".evidence .editor-source").first.scroll_into_view_if_needed()
    shoot(page, "editor-source-320")
