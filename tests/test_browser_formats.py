"""Issue 14 in the browser: reports delivered as PDF, Word and HTML show in the Browse tab with their real
tables, and a PDF passage's citation names its page."""

from __future__ import annotations

import os
import re

import pytest
import render
from conftest import CORPUS, REPORTS, make_bot, serving
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, ask, last_bot

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:.*no_silent_downcasting:Warning"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:Warning")]


@pytest.fixture(scope="module")
def formats_page(embedder, tmp_path_factory):
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is missing: `apt-get install -y chromium` (never `playwright install`)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)

    base = tmp_path_factory.mktemp("formats")
    corpus = base / "corpus"
    corpus.mkdir()
    for report, rendering in ((CORPUS / "0600T.txt", "pdf"), (REPORTS / "0441T.txt", "docx"),
                              (REPORTS / "0581T.txt", "html")):
        render.write(report.read_text(encoding="utf-8"), rendering, corpus, report.stem)
    bot = make_bot(corpus, base / "index", embedder)
    expect.set_options(timeout=TIMEOUT_MS)
    with serving(bot) as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        expect(page.locator("#status-line")).to_contain_text("chunks indexed")
        yield page
        browser.close()


def test_browse_shows_every_format_with_its_tables(formats_page):
    from playwright.sync_api import expect

    page = formats_page
    page.get_by_role("tab", name="Browse").click()
    browse = page.locator("#browse")
    expect(browse.locator("section.report")).to_have_count(3)
    expect(browse).to_contain_text("0600T.pdf · PDF, 4 pages")
    expect(browse).to_contain_text("0441T.docx · Word")
    expect(browse).to_contain_text("0581T.html · HTML")
    expect(browse.locator("table")).to_have_count(12)
    for code, cell in (("208800000X", "Interventional Radiology"),
                       ("G57.31", "Lesion of medial popliteal nerve, right lower limb"),
                       ("C50.911", "Malignant neoplasm of unspecified site of right female breast")):
        # The row whose first cell is the code (an audit note elsewhere may name it too).
        expect(browse.get_by_role("row", name=re.compile(rf"^{re.escape(code)} "))).to_contain_text(cell)
    page.screenshot(path=str(ARTIFACTS / "browse-formats.png"), full_page=True)
    page.get_by_role("tab", name="Chat").click()


def test_pdf_citation_names_its_page(formats_page):
    from playwright.sync_api import expect

    ask(formats_page, "when do I use modifier 53 for 0600T?")
    expect(last_bot(formats_page)).to_contain_text("Discontinued procedure")
    expect(last_bot(formats_page)).to_contain_text(r"row 53 (p. ")
