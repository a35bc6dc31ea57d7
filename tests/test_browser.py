"""A person in a real browser: Debian's Chromium driven by Playwright, against `publisher serve`.

Opens the landing page, follows the trip to a meeting, to the agreement signed there, to an
organization, switches language, and checks what a reader sees (not the markup), on a desktop
and on a phone, with and without JavaScript. Screenshots go to tests/artifacts/.

Without Chromium the test is skipped on a workstation, but fails in CI (CI=1, set by .ci/run).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        executable = None
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI needs Chromium (apt-get install chromium) and Playwright (pip install playwright)"
            )
        pytest.skip("Chromium or Playwright not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_reader_follows_the_trip_to_a_meeting_an_agreement_and_an_organization(browser, live_server):
    context = browser.new_context(locale="en-GB", viewport={"width": 1200, "height": 900})
    page = context.new_page()

    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "en"  # from the browser's Accept-Language
    assert (
        page.locator("h1").inner_text() == "Official meetings and agreements of the Akim of Mangystau Region"
    )
    timeline = page.locator("ol.timeline > li")
    assert timeline.count() == 6
    assert "Meetings: 6" in page.locator("ul.counts").inner_text()
    assert page.get_by_role("link", name="Query with SPARQL").get_attribute("href") == "/sparql"
    shot(page, "01-landing")

    page.get_by_role("link", name="Working trip of the Akim of Mangystau Region to China").first.click()
    assert page.url.endswith("/id/trip/akim-working-trip-to-china")
    assert page.locator(".kind").inner_text().lower() == "working trip"
    shot(page, "02-trip")

    page.locator("ol.timeline h3 a", has_text="in Suizhou").click()
    assert page.url.endswith("/id/meeting/chengli-and-hua-an-suizhou")
    facts = page.locator("dl.facts").inner_text()
    assert "29 July (year not stated in the source)" in facts
    assert "Suizhou, Hubei Province, People's Republic of China" in facts
    assert "Special-purpose vehicle manufacturing" in facts
    who = page.locator("ul.people").inner_text()
    assert "Nurdaulet Kilybay — Akim of Mangystau Region" in who
    assert page.locator("blockquote").first.inner_text().startswith("29 июля в городе Суйчжоу")
    shot(page, "03-meeting")

    page.get_by_role("link", name="Trilateral protocol of intent").first.click()
    assert page.url.endswith("/id/agreement/trilateral-protocol-of-intent")
    facts = page.locator("dl.facts").inner_text()
    assert "Number of parties\n3" in facts or "Number of parties 3" in facts
    assert facts.count("not named in the source") == 3  # parties, signatories, subject
    shot(page, "04-agreement")

    page.locator("dl.facts a", has_text="in Suizhou").click()
    page.locator("ul.people a", has_text="ChengLi Special Automobile Co., Ltd.").last.click()
    assert page.url.endswith("/id/organization/chengli-special-automobile")
    body = page.locator("main").inner_text()
    assert "Meetings and trips its people attended" in body
    assert "Signed at these meetings: Trilateral protocol of intent" in body
    shot(page, "05-organization")

    page.get_by_role("link", name="Русский").click()
    assert page.locator("html").get_attribute("lang") == "ru"
    body = page.locator("main").inner_text()
    assert "Встречи и поездки с участием её представителей" in body
    assert "Подписаны на этих встречах: Трехсторонний протокол о намерениях" in body
    shot(page, "06-organization-ru")
    context.close()


def test_kazakh_names_where_they_exist(browser, live_server):
    context = browser.new_context(locale="kk-KZ")
    page = context.new_page()
    page.goto(live_server + "/id/organization/akimat-of-mangystau-region")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.locator("h1").inner_text() == "Маңғыстау облысының әкімдігі"
    assert page.locator("nav.languages strong").inner_text() == "Қазақша"
    shot(page, "07-akimat-kk")
    context.close()


def test_readable_on_a_phone_without_javascript(browser, live_server):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        java_script_enabled=False,
    )
    page = context.new_page()
    page.goto(live_server + "/id/meeting/tianjin-final-day?lang=ru")
    assert "Участники" in page.locator("main").inner_text()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "no sideways scrolling on a phone"
    # the raw statements open without JavaScript (<details>)
    page.get_by_text("Показать все утверждения об этом ресурсе").click()
    assert page.locator("section.statements table").is_visible()
    shot(page, "08-meeting-phone")
    context.close()
