"""End-to-end: the Gradio app in-process, driven by Debian's Chromium through Playwright.

One server and one browser serve the whole module; each test opens a fresh page (a new Gradio session).
Screenshots go to artifacts/ for a human look: chat.png, sources.png, browse.png, practice.png.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from conftest import serving

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # Raised inside gradio's queue (pandas 3 deprecations), not by this code.
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting:Warning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:Warning"),
]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is missing: `apt-get install -y chromium` (never `playwright install`)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="module")
def feedback_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "nested" / "feedback.jsonl"


@pytest.fixture(scope="module")
def served(tmp_path_factory, feedback_file):
    """(url, bot): the app on a free loopback port, over a copy of the corpus and a fresh index."""
    env = {"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
           "TRANSFORMERS_OFFLINE": "1", "ASSISTANT_FEEDBACK": str(feedback_file)}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    from assistant import Assistant, Settings

    corpus = tmp_path_factory.mktemp("corpus")
    for f in (ROOT / "corpus").iterdir():
        if f.is_file():
            shutil.copy2(f, corpus / f.name)
    bot = Assistant.load(Settings(corpus_dir=corpus, index_dir=tmp_path_factory.mktemp("index")))
    try:
        with serving(bot) as (url, _):
            yield url, bot
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, served):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(served[0])
    expect(pg.locator("#status-line")).to_contain_text("chunks indexed")
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def ask(pg, question: str) -> None:
    """Type a question, send it, and wait until its answer is the last bot message."""
    bots = pg.locator("#chat [data-testid='bot']")
    before = bots.count()
    box = pg.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    pg.wait_for_function("n => document.querySelectorAll(\"#chat [data-testid='bot']\").length > n",
                         arg=before, timeout=TIMEOUT_MS)


def last_bot(pg):
    return pg.locator("#chat [data-testid='bot']").last


def test_status_line(page, served):
    from playwright.sync_api import expect

    m = served[1].index.manifest
    status = page.locator("#status-line")
    expect(status).to_contain_text(f"{m.n_chunks} chunks indexed")
    expect(status).to_contain_text(m.model)
    expect(status).to_contain_text(m.built_at[:10])


def test_answer_cites_its_source_and_follow_up_uses_history(page):
    from playwright.sync_api import expect

    ask(page, "when do I use modifier 53?")
    answer = last_bot(page)
    expect(answer).to_contain_text("Discontinued procedure")
    expect(answer).to_contain_text("[1]")
    expect(answer).to_contain_text("Coding Specifications — modifier table, row 53")
    expect(page.locator("#source-card")).to_contain_text("modifier table, row 53")

    ask(page, "and 81?")
    expect(last_bot(page)).to_contain_text("Minimum assistant surgeon")
    expect(page.locator("#source-card")).to_contain_text("row 81")
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)


def test_source_panel_shows_the_whole_row_with_the_quote_marked(page, served):
    from playwright.sync_api import expect

    ask(page, "when do I use modifier 53?")
    page.locator("#source-pick label").filter(has_text="[1]").click()
    card = page.locator("#source-card")
    expect(card).to_contain_text("[1] 0600T report")
    mark = card.locator("mark").first
    expect(mark).to_contain_text("Discontinued procedure")
    row = next(c for c in served[1].index.chunks if c.code_type == "modifier" and c.cells[0] == "53")
    for cell in row.cells:  # the whole row, not only the quoted span
        expect(card).to_contain_text(cell)
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "sources.png"), full_page=True)


def test_example_buttons_ask_their_questions(page):
    from playwright.sync_api import expect

    page.locator("button.example").filter(has_text="c18.9 icd").click()
    expect(last_bot(page)).to_contain_text("Malignant neoplasm of colon, unspecified")
    page.locator("button.example").filter(has_text="what about oncology").click()
    expect(page.locator("#chat [data-testid='user']").last).to_contain_text("what about oncology")
    expect(page.locator("#chat")).to_contain_text("Interventional Radiology")
    expect(last_bot(page)).to_contain_text("Oncology")
    page.locator("button.example").filter(has_text="cut short partway").click()
    expect(last_bot(page)).to_contain_text("Discontinued procedure")
    expect(last_bot(page).locator(".not-covered")).to_have_count(0)


def test_every_example_answers_except_the_uncovered_one(served):
    """A trainer's demo must not open on a "not covered" for an example that should be answered."""
    import app

    bot = served[1]
    for label, questions in app.EXAMPLES:
        history: list[str] = []
        for q in questions:
            ans = bot.ask(q, history=history)
            history.append(q)
        assert ans.answered == (label != "Not in the report"), (label, questions, ans.text)


def test_uncovered_question_is_marked_not_covered(page):
    from playwright.sync_api import expect

    ask(page, "what does Aetna pay for 0600T?")
    marker = last_bot(page).locator(".not-covered")
    expect(marker).to_be_visible()
    expect(marker).to_contain_text("Not covered in the report")
    expect(page.locator("#source-pick label")).to_have_count(0)
    expect(page.locator("#source-card")).to_contain_text("quotes no passage")

    page.locator("#ask").click()  # empty input: a prompt to type a question, not "not covered"
    expect(last_bot(page).locator(".notice")).to_contain_text("Please type a question")
    page.locator("#question textarea").fill("   ")
    page.locator("#question textarea").press("Enter")
    expect(page.locator("#chat .notice")).to_have_count(2)
    expect(page.locator("#chat [data-testid='user']")).to_have_count(1)


def test_user_html_is_shown_as_text(page):
    from playwright.sync_api import expect

    ask(page, "modifier 22 <img src=x onerror=\"window.pwned=1\"><b id=injected>bold</b>")
    user = page.locator("#chat [data-testid='user']").last
    expect(user).to_contain_text("<img src=x")
    expect(page.locator("#chat img[src='x'], #chat #injected")).to_have_count(0)
    assert page.evaluate("window.pwned") is None


def test_document_selector_restricts_the_answer(page, served):
    from playwright.sync_api import expect

    code = served[1].documents()[0].code
    page.locator("#document-select input").click()
    page.get_by_role("option", name=re.compile(f"^{re.escape(code)} ")).click()
    ask(page, "when do I use modifier 53?")
    expect(last_bot(page)).to_contain_text("Discontinued procedure")
    expect(page.locator("#source-card")).to_contain_text(f"{code} report")


def test_thumbs_up_appends_feedback(page, feedback_file):
    from playwright.sync_api import expect

    ask(page, "when do I use modifier 53?")
    expect(last_bot(page)).to_contain_text("Discontinued procedure")
    before = feedback_file.read_text(encoding="utf-8").splitlines() if feedback_file.exists() else []
    page.locator("#chat").get_by_role("button", name="Like", exact=True).last.click()
    deadline = time.monotonic() + 10
    lines = before
    while time.monotonic() < deadline and len(lines) <= len(before):
        time.sleep(0.1)
        lines = feedback_file.read_text(encoding="utf-8").splitlines() if feedback_file.exists() else []
    assert len(lines) == len(before) + 1, "no feedback line was written"
    entry = json.loads(lines[-1])
    assert entry["vote"] == "up"
    assert entry["question"] == "when do I use modifier 53?"
    assert "Discontinued procedure" in entry["answer"]
    assert entry["citations"] and entry["citations"][0]["label"].endswith("modifier table, row 53")
    assert entry["citations"][0]["chunk_id"]
    assert entry["history"] == [] and entry["time"]


def _expected_answer(bot, prompt: str) -> str:
    """The answer to a generated quiz question, looked up in the corpus rows the question quotes."""
    quoted = re.search(r"“(.+?)”", prompt)
    for c in bot.index.chunks:
        if c.kind != "row":
            continue
        if quoted and quoted.group(1) in c.cells[1:]:
            return c.cells[0]
        if not quoted and re.search(rf"\b{re.escape(c.cells[0])}\b", prompt):
            return c.cells[1]
    raise AssertionError(f"no corpus row answers {prompt!r}")


def test_practice_generates_checks_and_moves_on(page, served):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Practice").click()
    question = page.locator("#quiz-question")
    expect(question).to_contain_text("Question 1.")
    first = question.inner_text()
    expected = _expected_answer(served[1], first)
    page.locator("#quiz-answer textarea").fill(expected.lower().replace(".", ""))
    page.locator("#quiz-check").click()
    result = page.locator("#quiz-result")
    expect(result.locator(".quiz-correct")).to_contain_text("Correct")
    expect(result).to_contain_text(" report › ")  # the row's citation label
    page.screenshot(path=str(ARTIFACTS / "practice.png"), full_page=True)

    page.locator("#quiz-next").click()
    expect(question).to_contain_text("Question 2.")
    assert question.inner_text() != first
    expect(page.locator("#quiz-answer textarea")).to_have_value("")
    page.locator("#quiz-answer textarea").fill("definitely not a code")
    page.locator("#quiz-check").click()
    expect(result.locator(".quiz-incorrect")).to_contain_text("Incorrect")
    expect(result.locator("mark").first).to_be_visible()


def test_browse_filter_keeps_matching_rows_only(page):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Browse").click()
    browse = page.locator("#browse")
    expect(browse.locator("table").first).to_be_visible()
    expect(browse).to_contain_text("207L00000X")
    expect(browse.locator("h2").first).to_be_visible()
    page.locator("#browse-filter textarea, #browse-filter input").first.fill("C18.9")
    expect(browse.get_by_text("207L00000X")).to_have_count(0)
    row = browse.locator("tr").filter(has_text="C18.9")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Malignant neoplasm of colon, unspecified")
    expect(browse.locator(".browse-summary")).to_contain_text("1 table row")
    page.screenshot(path=str(ARTIFACTS / "browse.png"), full_page=True)


def test_api_ask_with_gradio_client(served):
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    from gradio_client import Client

    client = Client(served[0], verbose=False)
    out = client.predict("when do I use modifier 53?", [], "", api_name="/ask")
    assert out["answered"] is True
    assert "Discontinued procedure" in out["text"]
    assert out["citations"][0]["label"].endswith("modifier table, row 53")
    follow = client.predict("and 81?", "when do I use modifier 53?", "", api_name="/ask")
    assert "Minimum assistant surgeon" in follow["text"]
    scoped = client.predict("when do I use modifier 53?", '["taxonomy for urology"]', "0600T",
                            api_name="/ask")
    assert {c["document"] for c in scoped["citations"]} == {"0600T"}
    uncovered = client.predict("what does Aetna pay for 0600T?", [], "", api_name="/ask")
    assert uncovered["answered"] is False and uncovered["citations"] == []


def test_code_set_warning_in_chat_and_browse(page):
    """Issue 8: the report's answer stays, the official fact follows distinctly, Browse marks the row."""
    from playwright.sync_api import expect

    ask(page, "207L00000X")
    answer = last_bot(page)
    expect(answer).to_contain_text("Urology")
    expect(answer.locator(".code-warning")).to_contain_text("Anesthesiology")
    page.get_by_role("tab", name="Browse").click()
    flagged = page.locator("#browse tr.flagged").filter(has_text="207L00000X")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("NUCC 26.1")
    page.screenshot(path=str(ARTIFACTS / "warning.png"), full_page=True)
