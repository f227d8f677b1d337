"""The built site in a real browser: Debian's Chromium, driven by Playwright.

Skipped with a reason where Chromium is absent; .ci/run installs it, and under CI a missing
browser fails instead. Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.docs_examples import ROOT, copy_project
from tests.servers import static_site
from tests.test_site import SITE_PATH, mkdocs_build
from tests.test_zensical import zensical_build

DOWNLOAD_COMMANDS = ("tests/llms.py", "tests/starter.py", "tests/skill.py")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "build" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def builder(request: pytest.FixtureRequest) -> str:
    """Material for MkDocs, and Zensical, its successor (Material's end of life: 2027-05-05)."""
    return str(request.param)


@pytest.fixture(scope="module")
def site_url(builder: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    project = tmp_path_factory.mktemp(builder)
    site = project / "site"
    # Under the published site's path, with its 404 page, as GitHub Pages serves it.
    with static_site(site, SITE_PATH) as url:
        if builder == "mkdocs":
            result = mkdocs_build(ROOT / "mkdocs.yml", site, site_url=url)
            assert result.returncode == 0, result.stderr
        else:
            copy_project(project, "docs", "snippets", "tests")
            config = project / "mkdocs.yml"
            config.write_text(
                re.sub(r"(?m)^site_url: .*$", f"site_url: {url}", config.read_text())
            )
            result = zensical_build(project)
            assert result.returncode == 0, result.stdout + result.stderr
            # Zensical runs no MkDocs hooks: the downloads come from their commands.
            for command in DOWNLOAD_COMMANDS:
                subprocess.run(
                    [sys.executable, command, "site"], cwd=project, check=True
                )
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        reason = "Chromium is not installed here (.ci/run installs Debian's chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}, and CI must not skip it")
        pytest.skip(reason)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def problems() -> list[str]:
    return []


@pytest.fixture
def page(browser: Browser, site_url: str, problems: list[str]) -> Iterator[Page]:
    """A page that records console errors, failed requests and requests leaving the site."""
    context = browser.new_context()
    page = context.new_page()
    page.on(
        "console",
        lambda msg: msg.type == "error" and problems.append(f"console: {msg.text}"),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on(
        "request",
        lambda request: (
            request.url.startswith((site_url, "data:", "blob:"))
            or problems.append(f"left the site: {request.url}")
        ),
    )
    yield page
    context.close()


def test_home_page_renders_offline_with_no_console_errors(
    page: Page, site_url: str, problems: list[str]
) -> None:
    page.goto(site_url)
    assert "Async PostgreSQL" in page.title()
    assert page.locator("article h1").first.is_visible()
    page.goto(site_url + "mistakes/")
    assert problems == []


def test_search_finds_the_mistakes_entry_by_its_error(
    page: Page, site_url: str, builder: str
) -> None:
    page.goto(site_url)
    if builder == "mkdocs":
        page.locator("label.md-search__icon, .md-search__input").first.click()
        search = page.locator("input.md-search__input")
        results = "li.md-search-result__item a"
    else:  # a dialog in a shadow root, which Playwright's CSS selectors enter
        page.locator(".md-search__button").first.click()
        search = page.locator("input[role=combobox]")
        results = "ol[role=listbox] a[role=option]"
    # Links carry the highlight query: mistakes/?h=missinggreenlet#missing-greenlet-...
    entry = page.locator(
        f"{results}[href*='/mistakes/?'][href$='#missing-greenlet-lazy-load']"
    )
    # The index loads in a web worker; a query typed before it is ready finds nothing, and
    # the list re-renders while it settles, so wait for this entry itself, retyping if needed.
    for _attempt in range(10):
        search.fill("")
        search.press_sequentially("MissingGreenlet")
        try:
            entry.first.wait_for(state="attached", timeout=5000)
            break
        except PlaywrightTimeout:
            continue
    assert entry.count() >= 1


def test_a_content_tab_switches_every_linked_tab_on_the_page(
    page: Page, site_url: str
) -> None:
    page.goto(site_url + "queries/reading/")
    # Exactly "PostgreSQL": a tab of a version's output ("PostgreSQL, SQLAlchemy 2.0") has
    # another label, and Material links tabs by label.
    postgres_tabs = page.locator(".tabbed-labels label").filter(
        has_text=re.compile(r"^\s*PostgreSQL\s*$")
    )
    assert postgres_tabs.count() >= 2
    postgres_tabs.first.click()
    # Linked tabs: every tab set on the page now shows its PostgreSQL tab.
    for i in range(postgres_tabs.count()):
        radio_id = postgres_tabs.nth(i).get_attribute("for")
        assert page.locator(f"input[id='{radio_id}']").is_checked()


def test_the_copy_button_copies_code_without_the_output_lines(
    browser: Browser, site_url: str
) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(site_url + "setup/engine-and-sessions/")
    block = page.locator("article .highlight", has_text="#>").first
    shown = block.locator("code").inner_text()
    assert "#> AsyncAdaptedQueuePool" in shown
    block.hover()
    block.locator(
        "button.md-code__button[data-md-type=copy], button.md-clipboard"
    ).first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    context.close()
    assert "print(type(engine.pool).__name__)" in copied
    assert "#>" not in copied
    expected = [
        line for line in shown.splitlines() if not line.lstrip().startswith("#>")
    ]
    assert copied.rstrip("\n").splitlines() == expected


@pytest.mark.parametrize(
    ("name", "width", "height"), [("phone", 390, 844), ("desktop", 1440, 900)]
)
def test_screenshots_at_phone_and_desktop_width(
    browser: Browser, site_url: str, name: str, width: int, height: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(site_url + "mistakes/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"mistakes-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    context.close()
    assert path.stat().st_size > 10_000


def test_a_missing_page_gets_the_styled_404_page(
    page: Page, site_url: str, problems: list[str]
) -> None:
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed.append(r.url))
    response = page.goto(site_url + "no/such/page/")
    assert response is not None
    assert response.status == 404
    assert page.locator("article h1").inner_text() == "404 - Not found"
    # Styled and navigable: the theme's stylesheet and the navigation loaded from the site.
    assert page.locator(".md-header").evaluate(
        "header => getComputedStyle(header).position"
    ) in {"sticky", "fixed"}
    assert page.locator("nav.md-nav--primary a", has_text="Common mistakes").count()
    # Only the missing page itself failed (Chromium logs that 404 on the console too).
    assert failed == [site_url + "no/such/page/"]
    assert problems == [
        "console: Failed to load resource: the server responded with a status of 404 "
        "(Not Found)"
    ]


def test_instant_navigation_changes_page_without_reloading(
    page: Page, site_url: str, problems: list[str]
) -> None:
    page.goto(site_url)
    # Instant navigation takes over links once it has read the site's sitemap.xml.
    page.wait_for_load_state("networkidle")
    page.evaluate("window.loadedOnce = true")
    page.locator("nav.md-nav--primary a", has_text="Common mistakes").first.click()
    page.wait_for_url(site_url + "mistakes/")
    # The address changes before the new content is in: wait for the heading.
    expect(page.locator("article h1").first).to_contain_text("Common mistakes")
    # A full page load would have cleared the marker.
    assert page.evaluate("window.loadedOnce") is True
    assert problems == []


def test_a_code_annotation_opens_its_note(page: Page, site_url: str) -> None:
    page.goto(site_url + "pooling/")
    block = page.locator("article .highlight", has_text="application_name").first
    code = block.locator("pre > code").inner_text()
    assert '"application_name": "api",' in code
    assert "(1)!" not in code  # the marker comment becomes a button
    block.locator(".md-annotation").first.click()
    note = page.locator(".md-tooltip--active, .md-annotation__inner.md-tooltip").first
    note.wait_for(state="visible")
    assert "pg_stat_activity" in note.inner_text()


def test_the_palette_toggle_switches_to_dark_and_back(
    page: Page, site_url: str
) -> None:
    page.goto(site_url)
    body = page.locator("body")
    assert body.get_attribute("data-md-color-scheme") == "default"
    page.locator("label[title='Dark mode']").first.click()
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
    page.locator("label[title='Light mode']").first.click()
    expect(body).to_have_attribute("data-md-color-scheme", "default")


def test_the_home_page_downloads_are_served(page: Page, site_url: str) -> None:
    page.goto(site_url)
    # The resolved addresses: the theme may rewrite the attribute to an absolute one.
    hrefs = page.locator("article a").evaluate_all("links => links.map(a => a.href)")
    downloads = sorted({h for h in hrefs if h.endswith((".zip", ".txt"))})
    names = ["llms-full.txt", "llms.txt", "skill.zip", "starter.zip"]
    assert downloads == [site_url + name for name in names]
    for href in downloads:
        response = page.request.get(href)
        assert response.status == 200, href
        assert len(response.body()) > 1000, href
