"""Gradio front end for the coding-report assistant: chat with sources, browse the reports, practise codes.

    python app.py [--host 127.0.0.1] [--port 7860] [--corpus corpus/] [--index index/]
    (without --host/--port: $GRADIO_SERVER_NAME / $GRADIO_SERVER_PORT, else 127.0.0.1:7860)

Importing this module starts nothing and loads no model: ``main`` loads the assistant, ``build_ui``
turns it into a ``gr.Blocks``. Every piece of user text that ends up in HTML goes through
``html.escape``; corpus text does too, since a report is data, not markup.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import os
import random
import re
import secrets
import threading
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import gradio as gr

    from assistant import Answer, Assistant

log = logging.getLogger("app")
ROOT = Path(__file__).resolve().parent
ALL_REPORTS = "all"
EXAMPLES: list[tuple[str, list[str]]] = [
    ("Modifier lookup", ["when do I use modifier 53?"]),
    ("Describe a situation", ["the procedure got cut short partway bc of a complication, what modifier"]),
    ("Filtered list", ["which modifiers need a second surgeon"]),
    ("Follow-up pair", ["taxonomy for interventional radiology", "what about oncology"]),
    ("ICD-10 code", ["c18.9 icd"]),
    ("Not in the report", ["what does Aetna pay for 0600T?"]),
]
CSS = """
.app-title h1 {margin-bottom: 0;}
.status-line {font-size: 0.85rem; color: var(--body-text-color-subdued);}
.not-covered {border-left: 4px solid #b45309; background: #fffbeb; color: #78350f;
              padding: 0.2rem 0.8rem; border-radius: 6px;}
.notice {border-left: 4px solid #64748b; background: #f1f5f9; padding: 0.2rem 0.8rem; border-radius: 6px;}
.app-error {border-left: 4px solid #b91c1c; background: #fef2f2; color: #7f1d1d;
            padding: 0.2rem 0.8rem; border-radius: 6px;}
.browse tr.flagged td {background: #fff7ed;}
.browse td.audit {color: #7c2d12; font-size: 0.85rem;}
.code-warning {border-left: 4px solid #d97706; background: #fff7ed; color: #7c2d12;
               padding: 0.1rem 0.8rem; margin-top: 0.5rem; border-radius: 6px;}
.answer-sources {font-size: 0.85rem; color: #475569; border-top: 1px solid #e2e8f0;
                 margin-top: 0.5rem; padding-top: 0.3rem;}
.source-card {border: 1px solid #e2e8f0; border-radius: 8px; padding: 0.7rem 0.9rem; background: #fff;}
.source-label {font-weight: 600; margin-bottom: 0.3rem;}
.source-meta {font-size: 0.8rem; color: #64748b; margin-bottom: 0.5rem;}
.source-card table, .report table {border-collapse: collapse; width: 100%; font-size: 0.9rem;}
.source-card th, .source-card td, .report th, .report td {border: 1px solid #e2e8f0; padding: 0.3rem 0.5rem;
                                                          text-align: left; vertical-align: top;}
.source-card th, .report th {background: #f8fafc; white-space: nowrap;}
.source-text {margin: 0; padding: 0.4rem 0.7rem; border-left: 3px solid #cbd5e1; background: #f8fafc;}
mark {background: #fde68a; color: inherit; padding: 0 1px;}
.report {margin-bottom: 1.5rem;}
.report h4 {margin: 1rem 0 0.3rem;}
.report caption {text-align: left; font-weight: 600; padding: 0.3rem 0;}
.quiz-question {font-size: 1.1rem;}
.quiz-correct, .quiz-incorrect {padding: 0.4rem 0.8rem; border-radius: 6px;}
.quiz-correct {border-left: 4px solid #15803d; background: #f0fdf4; color: #14532d;}
.quiz-incorrect {border-left: 4px solid #b91c1c; background: #fef2f2; color: #7f1d1d;}
.muted {color: #64748b;}
"""


# -- answers in the chat ---------------------------------------------------------------------------

MARKDOWN_CHARS = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def plain_text(text: str) -> str:
    """User text for a markdown message, shown as typed: no HTML, no markdown links or images, no
    auto-linked URLs (the page never renders a link or fetches an image a user typed)."""
    out = MARKDOWN_CHARS.sub(r"\\\1", html.escape(text, quote=False))
    return out.replace("://", ":&#47;&#47;").replace("www.", "www&#46;")


def _block(css_class: str, markdown: str) -> str:
    """Wrap markdown in a styled div; the blank lines keep the markdown inside it rendered."""
    return f'<div class="{css_class}">\n\n{markdown}\n\n</div>'


def _is_prompt(question: str, answer: Answer) -> bool:
    """Whether an unanswered reply is about the question's form (blank, too long), not the reports."""
    from assistant.assistant import MAX_QUESTION_CHARS

    return not answer.answered and (not question.strip() or len(question.strip()) > MAX_QUESTION_CHARS)


def render_answer(question: str, answer: Answer) -> str:
    """The chat message for an answer: body, warnings and numbered sources; report text is escaped."""
    body = html.escape(answer.text, quote=False)
    if _is_prompt(question, answer):
        return _block("notice", body)
    if not answer.answered:
        parts = [_block("not-covered", f"**Not covered in the report.**\n\n{body}")]
    else:
        parts = [_block("answer", body)]
    parts += [_block("code-warning", f"⚠ {html.escape(w.message, quote=False)}") for w in answer.warnings]
    if answer.citations:
        lines = "  \n".join(f"[{c.n}] {html.escape(c.label, quote=False)}" for c in answer.citations)
        parts.append(_block("answer-sources", f"**Sources**  \n{lines}"))
    return "\n\n".join(parts)


def _marked(text: str, start: int, end: int) -> str:
    """``text`` escaped, with ``text[start:end]`` inside <mark>."""
    if end <= start:
        return html.escape(text)
    return (html.escape(text[:start]) + "<mark>" + html.escape(text[start:end]) + "</mark>"
            + html.escape(text[end:]))


NO_SOURCE = "Ask a question: the passages its answer quotes appear here."


def render_source(citation: dict | None, chunk: Any | None, empty: str = NO_SOURCE) -> str:
    """One citation: its label and the whole row or paragraph it quotes, the quote highlighted."""
    if citation is None:
        return f'<p class="muted">{html.escape(empty)}</p>'
    label = f"[{citation['n']}] {citation['label']}"
    meta = f"{citation['source']} · chunk {citation['chunk_id']}"
    head = (f'<div class="source-card"><div class="source-label">{html.escape(label)}</div>'
            f'<div class="source-meta">{html.escape(meta)}</div>')
    if chunk is None:
        quote = html.escape(citation["quote"])
        return head + f'<blockquote class="source-text"><mark>{quote}</mark></blockquote></div>'
    text, quote = chunk.text, citation["quote"]
    q0 = text.find(quote)
    q1 = q0 + len(quote) if q0 >= 0 else -1
    if chunk.kind == "row" and chunk.cells:
        rows, cursor = [], 0
        for col, cell in zip(chunk.columns, chunk.cells, strict=False):
            c0 = text.find(cell, cursor)
            if c0 < 0:
                break
            cursor = c0 + len(cell)
            lo, hi = max(c0, q0), min(cursor, q1)
            rows.append(f"<tr><th>{html.escape(col)}</th><td>{_marked(cell, lo - c0, hi - c0)}</td></tr>")
        else:
            return head + f'<table class="source-row">{"".join(rows)}</table></div>'
    return head + f'<blockquote class="source-text">{_marked(text, q0, q1)}</blockquote></div>'


def _citation_choices(citations: list[dict]) -> list[tuple[str, str]]:
    return [(f"[{c['n']}] {c['document']} · {c['row'] or ' › '.join(c['section'])}", str(c["n"]))
            for c in citations]


# -- browse ----------------------------------------------------------------------------------------

def _norm_code(text: str) -> str:
    return re.sub(r"[\s.\-]", "", text).upper()


def _matches(text: str, needle: str) -> bool:
    if not needle:
        return True
    if needle.lower() in text.lower():
        return True
    # Codes are written with and without dots ("C18.9", "c189"); only code-like filters get this leeway.
    return any(ch.isdigit() for ch in needle) and _norm_code(needle) in _norm_code(text)


def _highlight(text: str, needle: str) -> str:
    if not needle:
        return html.escape(text)
    out, pos, low, n = [], 0, text.lower(), needle.lower()
    while (i := low.find(n, pos)) >= 0:
        out += [html.escape(text[pos:i]), "<mark>", html.escape(text[i:i + len(n)]), "</mark>"]
        pos = i + len(n)
    return "".join(out) + html.escape(text[pos:])


FORMAT_NAMES = {"text": "plain-text export", "markdown": "Markdown", "html": "HTML", "docx": "Word", "pdf": "PDF"}


def render_documents(docs: list, needle: str = "", findings: dict | None = None) -> str:
    """Every report's headings, paragraphs and tables as HTML; with ``needle``, only what matches it.
    ``findings`` maps (report code, row code) to code-set warnings; those rows are marked."""
    needle = (needle or "").strip()
    findings = findings or {}
    parts, n_rows, n_paras = [], 0, 0
    for doc in docs:
        body = []
        paths = [s.path for s in doc.sections]
        orphans = [t for t in doc.tables if t.section not in paths]
        for sec in doc.sections:
            paras = [p for p in sec.paragraphs if _matches(p, needle)]
            tables = []
            here = [t for t in doc.tables if t.section == sec.path]
            here += orphans if sec is doc.sections[-1] else []
            for t in here:
                rows = [r for r in t.rows if _matches(" | ".join(r), needle)]
                if not rows:
                    continue
                n_rows += len(rows)
                flags = [findings.get((doc.code, r[0].upper()), []) for r in rows]
                audit_col = any(flags)
                head = "".join(f"<th>{html.escape(c)}</th>" for c in t.columns)
                head += "<th>Code-set check</th>" if audit_col else ""
                trs = "".join(
                    ('<tr class="flagged">' if flag else "<tr>")
                    + "".join(f"<td>{_highlight(c, needle)}</td>" for c in r)
                    + (f'<td class="audit">{"<br>".join("⚠ " + html.escape(m) for m in flag)}</td>'
                       if audit_col else "")
                    + "</tr>"
                    for r, flag in zip(rows, flags, strict=True))
                caption = html.escape(f"{t.columns[0]} table" if t.columns else "Table")
                tables.append(f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
                              f"<tbody>{trs}</tbody></table>")
            n_paras += len(paras)
            if needle and not paras and not tables:
                continue
            level = min(3 + len(sec.path) - 1, 6)
            body.append(f"<h{level}>{html.escape(' › '.join(sec.path))}</h{level}>")
            body += [f"<p>{_highlight(p, needle)}</p>" for p in paras] + tables
        if body or not needle:
            title = f"{doc.code} — {doc.title}"
            kind = FORMAT_NAMES.get(doc.format, doc.format) + (f", {doc.pages} pages" if doc.pages else "")
            parts.append(f'<section class="report"><h2>{html.escape(title)}</h2>'
                         f'<p class="muted">{html.escape(f"{doc.source} · {kind}")}</p>{"".join(body)}</section>')
    if needle:
        shown = html.escape(needle)
        summary = (f"{n_rows} table row{'s' * (n_rows != 1)} and {n_paras} paragraph{'s' * (n_paras != 1)} "
                   f"match “{shown}”." if n_rows or n_paras else f"Nothing matches “{shown}”.")
        parts.insert(0, f'<p class="muted browse-summary">{summary}</p>')
    return "".join(parts)


# -- practice --------------------------------------------------------------------------------------

def quiz_items(chunks: list, many_reports: bool) -> list[dict]:
    """Quiz questions generated from the corpus's table rows, one per row, by the row's code type."""
    items = []
    for c in chunks:
        if c.kind != "row" or len(c.cells) < 2 or not c.cells[0]:
            continue
        code, desc = c.cells[0], c.cells[1]
        where = f" ({c.doc_code} report)" if many_reports else ""
        name = c.columns[0] if c.columns else "code"
        if c.code_type == "taxonomy":
            prompt, answer, is_code = f"What is taxonomy code {code}?{where}", desc, False
        elif c.code_type == "modifier" and len(c.cells) > 2 and c.cells[2]:
            prompt, answer, is_code = f"Which modifier applies?{where} “{c.cells[2]}”", code, True
        else:  # ICD-10, CPT and any other code table: the code for a description
            prompt, answer, is_code = f"Which {name} is “{desc}”?{where}", code, True
        items.append({"prompt": prompt, "answer": answer, "is_code": is_code, "chunk_id": c.id})
    # Two rows can yield the same question (one code in two tables): accept either answer.
    for it in items:
        it["accept"] = sorted({o["answer"] for o in items if o["prompt"] == it["prompt"]})
    return items


def _norm_answer(text: str, is_code: bool) -> str:
    if is_code:
        return _norm_code(text)
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("&", " and ")))


def check_answer(item: dict, given: str) -> bool:
    """Case-insensitive; codes compare without dots and spaces, text also without a parenthesised part."""
    got = _norm_answer(given, item["is_code"])
    if not got:
        return False
    accepted = set()
    for a in item["accept"]:
        accepted |= {_norm_answer(a, item["is_code"]),
                     _norm_answer(re.sub(r"\(.*?\)", "", a), item["is_code"])}
    return got in accepted


# -- the app ---------------------------------------------------------------------------------------

def _history(value: Any) -> list[str]:
    """Earlier questions as a list, from JSON, a list, or newline-separated text."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.lstrip().startswith("[") else value.splitlines()
        except json.JSONDecodeError:
            value = value.splitlines()
    return [str(v) for v in value if str(v).strip()] if isinstance(value, list) else [str(value)]


def _document(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if not value or value.lower() in (ALL_REPORTS, "all reports") else value


def _feedback_path() -> Path:
    from assistant.evaluate import feedback_path

    return feedback_path()


def status_line(bot: Assistant) -> str:
    m = bot.index.manifest
    built = m.built_at.replace("T", " ").replace("+00:00", " UTC")
    docs = len(m.documents)
    return (f"**{docs}** report{'s' * (docs != 1)} · **{m.n_chunks}** chunks indexed · "
            f"index built {built} · model `{m.model}` ({m.index_type})")


def build_ui(bot: Assistant) -> gr.Blocks:
    """The whole app around a loaded assistant: Chat, Browse and Practice tabs and the ``/ask`` API."""
    import gradio as gr

    from assistant import AssistantError

    docs = bot.documents()
    chunks = {c.id: c for c in bot.index.chunks}
    flagged: dict[tuple[str, str], list[str]] = {}
    for f in bot.index.manifest.findings:
        flagged.setdefault((f.document, f.code.upper()), []).append(f.message.removeprefix("⚠ "))
    lock = threading.Lock()
    pool = quiz_items(bot.index.chunks, len(docs) > 1)
    doc_choices = [("All reports", ALL_REPORTS)] + [(f"{d.code} — {d.title}", d.code) for d in docs]

    def ask(question: str, history: list[str], document: str | None) -> Answer:
        with lock:  # one question at a time: the embedder and BM25 state are shared
            return bot.ask(question, history=history, document=document)

    def sources_update(citations: list[dict], selected: str | None = None, empty: str = NO_SOURCE):
        choice = selected if selected and any(str(c["n"]) == selected for c in citations) else (
            str(citations[0]["n"]) if citations else None)
        cite = next((c for c in citations if str(c["n"]) == choice), None)
        card = render_source(cite, chunks.get(cite["chunk_id"]) if cite else None, empty)
        return gr.update(choices=_citation_choices(citations), value=choice), card

    def respond(question: str, document: str, chat: list, session: dict):
        question = question or ""
        chat, session = list(chat or []), {**session, "turns": dict(session["turns"])}
        history = list(session["questions"])
        try:
            answer = ask(question, history, _document(document))
            reply, record = render_answer(question, answer), answer.model_dump(mode="json")
            for c, ci in zip(record["citations"], answer.citations, strict=True):
                c["label"] = ci.label
        except AssistantError as exc:
            reply, record = _block("app-error", f"**The assistant could not answer.** "
                                                f"{html.escape(str(exc), quote=False)}"), None
        except Exception as exc:  # a request must never take the chat down; the traceback goes to the log
            log.exception("answering %r failed", question)
            reply, record = _block("app-error", f"**Something went wrong while answering** "
                                                f"({html.escape(type(exc).__name__)}: "
                                                f"{html.escape(str(exc), quote=False)}). Please try again or "
                                                "rephrase; the details are in the server log."), None
        if question.strip():
            chat.append({"role": "user", "content": plain_text(question)})
            session["questions"] = [*history, question]
        chat.append({"role": "assistant", "content": reply})
        citations = record["citations"] if record else []
        session["turns"][len(chat) - 1] = {"question": question, "history": history,
                                           "document": _document(document), "answer": record}
        session["last"] = citations
        radio, card = sources_update(citations, empty="The last answer quotes no passage of the reports.")
        return "", chat, session, radio, card

    def run_examples(questions: list[str], document: str, chat: list, session: dict):
        out = None
        for q in questions:
            out = respond(q, document, chat, session)
            chat, session = out[1], out[2]
        return out

    def show_source(selected: str, session: dict):
        return sources_update(session.get("last", []), selected)[1]

    def select_message(session: dict, evt: gr.SelectData):
        turn = session["turns"].get(evt.index if isinstance(evt.index, int) else evt.index[0])
        if not turn or not turn["answer"]:
            return gr.update(), gr.update(), session
        session = {**session, "last": turn["answer"]["citations"]}
        radio, card = sources_update(session["last"])
        return radio, card, session

    def vote(session: dict, data: gr.LikeData):
        index = data.index if isinstance(data.index, int) else data.index[0]
        turn = session["turns"].get(index)
        if turn is None or turn["answer"] is None or data.liked is None:
            return
        answer = turn["answer"]
        line = {"question": turn["question"], "history": turn["history"], "document": turn["document"],
                "answer": answer["text"], "answered": answer["answered"],
                "citations": [{"chunk_id": c["chunk_id"], "label": c["label"]} for c in answer["citations"]],
                "vote": {True: "up", False: "down"}.get(data.liked, str(data.liked)),
                "time": datetime.now(UTC).isoformat(timespec="seconds")}
        path = _feedback_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with lock, path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise gr.Error(f"Could not save the feedback to {path}: {exc.strerror or exc}; "
                           "set ASSISTANT_FEEDBACK to a writable file.") from exc
        gr.Info("Thanks — your feedback was saved.")

    # Gradio finds event-data parameters by their annotation; under postponed annotations it cannot
    # resolve "gr.LikeData" (gradio is imported in this function only), so give it the classes.
    vote.__annotations__["data"] = gr.LikeData
    select_message.__annotations__["evt"] = gr.SelectData

    def api_ask(question: str, history: list[str] | str | None = None, document: str | None = "") -> dict:
        """Answer one question about the coding reports, with citations.

        Args:
            question: the question, e.g. "when do I use modifier 53?".
            history: the conversation's earlier user questions, oldest first, as a JSON list or
                newline-separated text; empty for a new conversation.
            document: a report code (e.g. "0600T") to answer from that report only; empty for all reports.

        Returns:
            The Answer as JSON: question, text (markdown), answered (False when the reports don't cover it),
            citations (n, chunk_id, document, section, row, quote, label...), warnings, intent.
        """
        try:
            answer = ask(question or "", _history(history), _document(document))
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc
        out = answer.model_dump(mode="json")
        for c, ci in zip(out["citations"], answer.citations, strict=True):
            c["label"] = ci.label
        return out

    # -- practice callbacks --
    def quiz_show(state: dict):
        item = pool[state["order"][state["n"] % len(pool)]] if pool else None
        text = (f"**Question {state['n'] + 1}.** {html.escape(item['prompt'], quote=False)}" if item
                else "The reports have no tables to practise on.")
        return {**state, "item": item}, text, "", ""

    def quiz_start():
        seed = secrets.randbits(32)
        order = random.Random(seed).sample(range(len(pool)), len(pool))
        return quiz_show({"seed": seed, "order": order, "n": 0})

    def quiz_next(state: dict):
        return quiz_show({**state, "n": state["n"] + 1})

    def quiz_check(given: str, state: dict):
        item = state.get("item")
        if not item:
            return ""
        if not (given or "").strip():
            return '<div class="notice">Type an answer first.</div>'
        chunk = chunks.get(item["chunk_id"])
        ok = check_answer(item, given)
        verdict = ("✓ <b>Correct.</b>" if ok else
                   f"✗ <b>Incorrect.</b> You answered “{html.escape(given.strip())}”; the report says "
                   f"<b>{html.escape(' or '.join(item['accept']))}</b>.")
        from assistant import Citation

        # The row's citation, built as the library builds one, with the answer's cell as the quote.
        cell = chunk.cells[0] if item["is_code"] else chunk.cells[1]
        cite = Citation(n=1, chunk_id=chunk.id, document=chunk.doc_code, doc_title=chunk.doc_title,
                        source=chunk.source, section=chunk.section, quote=cell, score=1.0,
                        row=f"{chunk.table}, row {chunk.cells[0]}", page=chunk.page)
        card = render_source({**cite.model_dump(), "label": cite.label}, chunk)
        return f'<div class="{"quiz-correct" if ok else "quiz-incorrect"}">{verdict}</div><br>{card}'

    with gr.Blocks(title="Coding report assistant") as demo:
        session = gr.State({"questions": [], "turns": {}, "last": []})
        quiz = gr.State({})
        gr.Markdown("# Coding report assistant", elem_classes="app-title")
        gr.Markdown(status_line(bot), elem_classes="status-line", elem_id="status-line")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        document = gr.Dropdown(doc_choices, value=ALL_REPORTS, label="Answer from",
                                               elem_id="document-select")
                        chatbot = gr.Chatbot(label="Conversation", show_label=False, height=480,
                                             sanitize_html=True, elem_id="chat", layout="bubble",
                                             placeholder="Ask about a modifier, taxonomy, ICD-10 or CPT code "
                                                         "in the reports. Every answer cites its source.")
                        with gr.Row():
                            question = gr.Textbox(placeholder="e.g. when do I use modifier 53?", scale=5,
                                                  show_label=False, container=False, elem_id="question",
                                                  max_lines=4)
                            ask_btn = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                        gr.Markdown("**Examples**")
                        with gr.Row():
                            example_btns = [(gr.Button(" → ".join(qs), size="sm", elem_classes="example"), qs)
                                            for _, qs in EXAMPLES]
                        clear = gr.Button("New conversation", size="sm", variant="secondary")
                    with gr.Column(scale=2, elem_id="sources-panel"):
                        gr.Markdown("### Sources")
                        source_pick = gr.Radio([], label="Citation", elem_id="source-pick")
                        source_card = gr.HTML(render_source(None, None), elem_id="source-card")
            with gr.Tab("Browse", id="browse"):
                browse_filter = gr.Textbox(label="Filter", placeholder="a code (C18.9) or a word (urology)",
                                           elem_id="browse-filter")
                browse = gr.HTML(render_documents(docs, findings=flagged), elem_id="browse", elem_classes="browse")
            with gr.Tab("Practice", id="practice"):
                gr.Markdown("Questions drawn at random from the reports' tables. Codes may be typed with or "
                            "without dots.")
                quiz_q = gr.Markdown(elem_id="quiz-question", elem_classes="quiz-question")
                quiz_answer = gr.Textbox(label="Your answer", elem_id="quiz-answer")
                with gr.Row():
                    check_btn = gr.Button("Check", variant="primary", elem_id="quiz-check")
                    next_btn = gr.Button("Next question", elem_id="quiz-next")
                quiz_result = gr.HTML(elem_id="quiz-result")

        chat_io = dict(outputs=[question, chatbot, session, source_pick, source_card],
                       api_visibility="private")
        question.submit(respond, [question, document, chatbot, session], **chat_io)
        ask_btn.click(respond, [question, document, chatbot, session], **chat_io)
        for btn, qs in example_btns:
            btn.click(partial(run_examples, qs), [document, chatbot, session], **chat_io)
        clear.click(lambda: ([], {"questions": [], "turns": {}, "last": []}, *sources_update([])), None,
                    [chatbot, session, source_pick, source_card], api_visibility="private")
        source_pick.input(show_source, [source_pick, session], source_card, api_visibility="private")
        chatbot.select(select_message, [session], [source_pick, source_card, session],
                       api_visibility="private")
        chatbot.like(vote, [session], None, api_visibility="private")
        browse_filter.change(lambda s: render_documents(docs, s, flagged), browse_filter, browse,
                             trigger_mode="always_last", api_visibility="private")
        quiz_io = dict(outputs=[quiz, quiz_q, quiz_answer, quiz_result], api_visibility="private")
        demo.load(quiz_start, None, **quiz_io)
        next_btn.click(quiz_next, quiz, **quiz_io)
        check_btn.click(quiz_check, [quiz_answer, quiz], quiz_result, api_visibility="private")
        quiz_answer.submit(quiz_check, [quiz_answer, quiz], quiz_result, api_visibility="private")
        gr.api(api_ask, api_name="ask")
    return demo


def theme():
    """A plain theme with system fonts: the default ones would fetch web fonts from Google."""
    import gradio as gr

    sans = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
    return gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=sans,
                          font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"])


def launch_options() -> dict[str, Any]:
    """Styling for ``demo.launch`` (Gradio 6 takes theme and CSS there, not in ``gr.Blocks``), and a
    size cap on Gradio's always-mounted upload route: this page takes no files."""
    return {"theme": theme(), "css": CSS, "max_file_size": "1mb"}


def server_address(host: str | None, port: int | None, environ: dict[str, str] | None = None) -> tuple[str, int]:
    """Where to listen: ``--host``/``--port`` when given, else Gradio's own ``GRADIO_SERVER_NAME`` /
    ``GRADIO_SERVER_PORT``, else loopback on 7860 (the app is shared only when someone says so)."""
    env = os.environ if environ is None else environ
    name = host or env.get("GRADIO_SERVER_NAME") or "127.0.0.1"
    if port is None:
        raw = env.get("GRADIO_SERVER_PORT") or "7860"
        try:
            port = int(raw)
        except ValueError:
            raise SystemExit(f"GRADIO_SERVER_PORT={raw!r} is not a port number; set it to e.g. 7860 "
                             "or pass --port") from None
    return name, port


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Serve the coding-report assistant as a Gradio app.")
    p.add_argument("--host", help="address to bind (default: $GRADIO_SERVER_NAME, else 127.0.0.1; "
                   "0.0.0.0 shares it on the network)")
    p.add_argument("--port", type=int, help="port (default: $GRADIO_SERVER_PORT, else 7860)")
    p.add_argument("--corpus", help="corpus folder (default: corpus/)")
    p.add_argument("--index", help="index folder (default: index/)")
    args = p.parse_args(argv)
    # Before gradio is imported: keep the server and the model loader off the network.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    # bm25s sets its own logger to DEBUG when imported; a handler level keeps that out of the console.
    handler = logging.StreamHandler()
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    log.setLevel(logging.INFO)
    for noisy in ("bm25s", "faiss", "sentence_transformers", "transformers", "httpx"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    from assistant import Assistant, AssistantError, Settings

    overrides = {k: Path(v) for k, v in (("corpus_dir", args.corpus), ("index_dir", args.index)) if v}
    settings = Settings(**overrides)
    log.info("loading %s (index %s) and warming the model", settings.corpus_dir, settings.index_dir)
    try:
        bot = Assistant.load(settings)
    except AssistantError as exc:
        log.error("cannot start: %s", exc)
        return 2
    demo = build_ui(bot)
    try:
        host, port = server_address(args.host, args.port)
        demo.launch(server_name=host, server_port=port, **launch_options())
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
