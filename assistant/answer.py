"""Answers from templates: every word about a code is quoted from the report, every quote is cited."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .ingest import sentences
from .models import Answer, Chunk, Citation, Hit
from .query import Query

NOT_COVERED = "The report doesn't cover that."


class _Cites:
    """Numbers citations in order of first use; a chunk quoted twice keeps its number."""

    def __init__(self) -> None:
        self.items: list[Citation] = []

    def add(self, chunk: Chunk, quote: str, score: float) -> int:
        assert quote in chunk.text, "a quote must be a verbatim span of its chunk"
        for c in self.items:
            if c.chunk_id == chunk.id and c.quote == quote:
                return c.n
        n = len(self.items) + 1
        self.items.append(Citation(
            n=n, chunk_id=chunk.id, document=chunk.doc_code, doc_title=chunk.doc_title, source=chunk.source,
            section=chunk.section, row=f"{chunk.table}, row {chunk.cells[0]}" if chunk.kind == "row" else None,
            quote=quote, score=round(score, 4), page=chunk.page))
        return n


def _sentence(cell: str) -> str:
    return cell if cell.endswith((".", "!", "?")) else f"{cell}."


def _extra_cells(chunk: Chunk) -> str:
    """The row's cells after the description; labelled with their column unless they read as it."""
    out = []
    for col, cell in zip(chunk.columns[2:], chunk.cells[2:], strict=False):
        if not cell:
            continue
        first = cell.split()[0].lower().strip(",.;:")
        out.append(cell if first in col.lower().split() else f"*{col}:* {cell}")
    return " ".join(out)


def _row_quote(chunk: Chunk) -> str:
    """The span of the row an answer shows: from the description to the end."""
    return chunk.text[chunk.text.index(chunk.cells[1]):] if len(chunk.cells) > 1 else chunk.text


def _kind_named(chunk: Chunk) -> str:
    """A row's code as a list line shows it: a place of service with its kind, since its two digits are also
    a modifier's ("POS 22", not "22")."""
    return f"POS {chunk.cells[0]}" if _is_pos(chunk) else chunk.cells[0]


def _headed(chunk: Chunk) -> str:
    """A row's code as an answer's heading shows it: after its column's name ("Modifier 53"), a place of service
    as billing staff and claim forms write it ("POS 22", whether the column says "POS Code" or "Place of Service")."""
    return f"POS {chunk.cells[0]}" if _is_pos(chunk) else f"{chunk.columns[0]} {chunk.cells[0]}"


def _is_pos(chunk: Chunk) -> bool:
    return chunk.code_type == "pos" and chunk.cells[0].isdigit()


def _report_prefix(chunk: Chunk, many: bool) -> str:
    return f"*{chunk.doc_code} report:* " if many else ""


# Reports whose rows one answer shows when the question names none of them: a code or kind of row many reports
# list ("mod 59", "all dx codes") is shown from the few the question is most about, the others named or counted.
MAX_REPORTS = 3


def _few_reports(query: Query, hits: Sequence[Hit]) -> tuple[list[Hit], list[str]]:
    """The hits of the ``MAX_REPORTS`` reports the question is most about (by the router's probability, then in
    the order of the hits), and the other reports the hits are from."""
    reports = list(dict.fromkeys(h.chunk.doc_code for h in hits))
    if len(reports) <= MAX_REPORTS:
        return list(hits), []
    reports.sort(key=lambda r: -query.routing.get(r, 0.0))
    shown = set(reports[:MAX_REPORTS])
    return [h for h in hits if h.chunk.doc_code in shown], reports[MAX_REPORTS:]


def _others_note(query: Query, others: Sequence[str], what: str) -> str:
    """The line naming (or, past ``ALSO_NAMED``, counting) the other reports that also list ``what``; named
    all the same when the question asks which reports do ("which reports list modifier 59")."""
    many = len(others) > 1
    if len(others) <= ALSO_NAMED or query.intent == "reports":
        return (f"The {', '.join(others)} report{'s' * many} also {'list' if many else 'lists'} {what}: add the "
                f"code to the question to see {'theirs' if many else 'its'}.")
    return f"{len(others)} other reports also list {what}: add a report’s code to the question to see theirs."


def _joined(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def row_answer(query: Query, hits: Sequence[Hit], note: str = "") -> Answer:
    """One row (or the same code in several reports): code — description — guidance, each cited."""
    hits, others = _few_reports(query, hits)
    cites = _Cites()
    many = len({h.chunk.doc_code for h in hits}) > 1
    lines = []
    for h in hits:
        c = h.chunk
        n = cites.add(c, _row_quote(c), h.score)
        desc = c.cells[1] if len(c.cells) > 1 else ""
        head = f"**{_headed(c)} — {desc.rstrip('.')}.**" if desc else f"**{_headed(c)}**"
        lines.append(f"{_report_prefix(c, many)}{head} {_extra_cells(c)} [{n}]".replace("  ", " "))
    named = {_headed(h.chunk) for h in hits}
    also = _others_note(query, others, named.pop() if len(named) == 1 else "these codes") if others else ""
    text = _joined(*lines, also, note)
    return Answer(question=query.original, text=text, answered=True, citations=cites.items, intent=query.intent,
                  resolved=query.retrieval_text)


def list_answer(query: Query, hits: Sequence[Hit], detail: bool,
                note: str = "") -> Answer:
    """One line per row; with ``detail`` the guidance cells follow the description."""
    hits, others = _few_reports(query, hits)
    cites = _Cites()
    many = len({h.chunk.doc_code for h in hits}) > 1
    lines = []
    for h in hits:
        c = h.chunk
        n = cites.add(c, _row_quote(c) if detail else c.description, h.score)
        extra = f": {_extra_cells(c)}" if detail and _extra_cells(c) else ""
        lines.append(f"- {_report_prefix(c, many)}**{_kind_named(c)}** — {c.description}{extra} [{n}]")
    also = _others_note(query, others, "codes of this kind") if others else ""
    return Answer(question=query.original, text=_joined("\n".join(lines), also, note), answered=True,
                  citations=cites.items, intent="list", resolved=query.retrieval_text)


def section_answer(query: Query, chunks: Sequence[Chunk]) -> Answer:
    """Every entry of one section, in the report's order, one line and one citation each: a row's code and
    its other cells, a passage whole."""
    cites = _Cites()
    lines = []
    for c in chunks:
        quote = _row_quote(c) if c.kind == "row" else c.text
        n = cites.add(c, quote, 1.0)
        lines.append(f"- **{c.cells[0]}** — {' | '.join(c.cells[1:])} [{n}]" if c.kind == "row"
                     else f"- “{c.text}” [{n}]")
    prefix = f"*{chunks[0].doc_code} report* › " if len(query.reports) != 1 else ""
    body = f"{prefix}*{chunks[0].section_path}:*\n" + "\n".join(lines)
    return Answer(question=query.original, text=body, answered=True, citations=cites.items, intent="list",
                  resolved=query.retrieval_text)


def compare_answer(query: Query, hits: Sequence[Hit], note: str = "") -> Answer:
    """Rows side by side in one table when they share columns; else one line each."""
    if len({h.chunk.columns for h in hits}) != 1:
        return list_answer(query, hits, detail=True, note=note)
    hits, others = _few_reports(query, hits)
    note = _joined(_others_note(query, others, "these codes") if others else "", note)
    cites = _Cites()
    many = len({h.chunk.doc_code for h in hits}) > 1
    cols = (["Report"] if many else []) + list(hits[0].chunk.columns) + [""]
    rows = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for h in hits:
        c = h.chunk
        n = cites.add(c, _row_quote(c), h.score)
        cells = ([c.doc_code] if many else []) + [x.replace("|", "\\|") for x in c.cells] + [f"[{n}]"]
        rows.append("| " + " | ".join(cells) + " |")
    text = "\n".join(rows) + (f"\n\n{note}" if note else "")
    return Answer(question=query.original, text=text, answered=True, citations=cites.items, intent="compare",
                  resolved=query.retrieval_text)


def describes(code: str, sentence: str) -> bool:
    """Whether ``sentence`` is a descriptor of ``code``: the code is its subject ("CPT code 0441T reports…")."""
    return re.match(rf"(?:(?:CPT|HCPCS)(?:®)?(?: code)?\s+)?{re.escape(code)}\b", sentence, re.I) is not None


ALSO_NAMED = 6  # other reports with the quoted section that an answer names one by one; more are counted


def prose_answer(query: Query, hit: Hit, quotes: list[str],
                 also: Sequence[str] = ()) -> Answer:
    """One to three sentences of a prose chunk, quoted verbatim, with the section path. ``also``
    names other reports with the same section, so one report's wording is never taken for all."""
    chunk = hit.chunk
    ordered = [s for s in sentences(chunk.text) if s in quotes]
    cites = _Cites()
    quote = " ".join(ordered)
    # Neighbouring sentences make one verbatim span; otherwise each sentence is its own quote.
    if quote in chunk.text:
        body = f"*{chunk.section_path}:* “{quote}” [{cites.add(chunk, quote, hit.score)}]"
    else:
        body = f"*{chunk.section_path}:* " + " … ".join(f"“{s}” [{cites.add(chunk, s, hit.score)}]" for s in ordered)
    if len(query.reports) != 1:
        body = f"*{chunk.doc_code} report* › {body}"
    elif query.intent == "definition" and query.reports == (chunk.doc_code,) and describes(chunk.doc_code, ordered[0]):
        # "what is 11721": the report's title is the code's descriptor ("Debridement of nail(s) by any
        # method(s); 6 or more"); the summary's sentence says it in the report's words.
        body = f"**{chunk.doc_code} — {chunk.doc_title}**\n\n{body}"
    if also:
        many = len(also) > 1
        article = "an" if chunk.section[-1][:1].lower() in tuple("aeiou") else "a"
        # A few are named; a section most reports have ("Billing Code Overview") is counted, not listed.
        named = len(also) <= ALSO_NAMED
        who = f"The {', '.join(also)} report{'s' * many}" if named else f"{len(also)} other reports"
        body += (f"\n\n{who} also {'have' if many else 'has'} {article} “{chunk.section[-1]}” section: add "
                 f"{'the' if named else 'a report’s'} code to the question to see {'theirs' if many else 'its'}.")
    return Answer(question=query.original, text=body, answered=True, citations=cites.items,
                  intent=query.intent, resolved=query.retrieval_text)


def with_items(answer: Answer, items: Sequence[Chunk]) -> Answer:
    """An answer whose last quote introduces a list ("Documentation should include:") with the list's
    items quoted after it, one line and one citation each, before any note that follows the quote."""
    cites = _Cites()
    cites.items = list(answer.citations)
    score = answer.citations[-1].score
    lines = [f"- “{c.text}” [{cites.add(c, c.text, score)}]" for c in items]
    head, sep, tail = answer.text.partition("\n\n")
    return answer.model_copy(update={"text": "\n".join([head, *lines]) + sep + tail, "citations": cites.items})


def abstain_citing(query: Query, message: str, hit: Hit, quote: str) -> Answer:
    """Not an answer, but the passage that says why (it names the asked-about thing to rule it out)."""
    cites = _Cites()
    n = cites.add(hit.chunk, quote, hit.score)
    text = f"{message}\n\n*{hit.chunk.doc_code} report* › *{hit.chunk.section_path}:* “{quote}” [{n}]"
    return Answer(question=query.original, text=text, answered=False, citations=cites.items, intent=query.intent,
                  resolved=query.retrieval_text)


def abstain_quoting(answer: Answer, message: str, cite: Citation) -> Answer:
    """An answer turned into an abstention that keeps one of its passages: the one that says why."""
    cite = cite.model_copy(update={"n": 1})
    text = f"{message}\n\n*{cite.document} report* › *{' › '.join(cite.section)}:* “{cite.quote}” [1]"
    return answer.model_copy(update={"text": text, "answered": False, "citations": [cite]})


def abstain(query: Query, message: str) -> Answer:
    return Answer(question=query.original, text=message, answered=False, intent=query.intent,
                  resolved=query.retrieval_text)
