"""The query page in a real browser (Chromium via Playwright), with and without JavaScript.

Skipped on a workstation without Chromium, failed in CI (CI=1), like tests/test_browser.py.
"""

from __future__ import annotations

import pytest

from tests.test_browser import browser  # noqa: F401  (the shared Chromium fixture)


@pytest.mark.parametrize("javascript", [True, False])
def test_a_reader_runs_an_example_and_downloads_the_answer(browser, live_server, javascript):  # noqa: F811
    context = browser.new_context(java_script_enabled=javascript, locale="en-US")
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server}/sparql?lang=en")
    page.locator("a[href='/sparql?example=meetings-of-person']").click()
    assert page.locator("#param-person").input_value() == "id/person/nurdaulet-kilybay"
    page.locator("#param-person").fill("id/person/wu-jingkei")
    if javascript:
        page.locator("textarea").focus()
        page.keyboard.press("Control+Enter")
    else:
        page.get_by_role("button", name="Run query").click()
    page.wait_for_selector("table.sparql-table")
    cells = page.locator("table.sparql-table tbody tr").first.locator("td")
    assert "Beijing" in cells.nth(1).inner_text()
    assert page.locator("table.sparql-table a[href='/id/person/nurdaulet-kilybay']").first.inner_text() == (
        "Nurdaulet Kilybay"
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "answer.csv"
    assert all(url.startswith(live_server) for url in requests), "the page fetched something elsewhere"
    context.close()
