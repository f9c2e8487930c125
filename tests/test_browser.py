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
