"""The PDF reader (pdfplumber): text lines in reading order → headings, paragraphs, bullets; ruled tables.

A PDF holds positioned characters, not paragraphs, so structure is read from the page: a heading is a
line set larger than the body text (its size ranks its level) or a short bold line at body size; a new
paragraph starts where the gap above a line is wider than line spacing; a bullet starts at a bullet
glyph. Tables are found by their ruling lines, a cell wrapped over several lines is joined, and a
table continued on the next page (its header repeated or not) is one table. Running headers and
footers (a line repeated in the top or bottom margin of most pages) and page numbers are dropped.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from .errors import DocumentError
from .formats import Block, clean

# Typed, not fitted: these describe page layout conventions, and there are too few real PDFs here to fit
# them. Running headers and footers sit in the top and bottom 8 % of a page (Word's and LibreOffice's
# default 1.25-2.5 cm margins on a 27.9 cm page); a heading is at least half a point larger than the body
# text (sizes come rounded to 0.1 pt); a wrapped line's gap to the one above is leading minus size
# (about 0.2 x size) while a paragraph break adds its spacing (0.5 x size or more), so 0.45 x size parts them.
# A document set with looser leading shows it: the gap below a line that runs to the right margin is a wrap,
# and when that gap is the same on most such lines it is the document's own wrap gap; any gap up to it plus
# WRAP_SLACK x size is then a wrap too (measured on the 21 PDF reports here: wrap gaps 0.20-0.47 x size,
# paragraph breaks 0.56 x size or more beside them).
MARGIN = 0.08
HEADING_STEP = 0.5
PARAGRAPH_GAP = 0.45
WRAP_SLACK = 0.1
PAGE_NUMBER_RE = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$|^[-–—]\s*\d{1,4}\s*[-–—]$", re.I)
# A bullet glyph: a real one, Word's Symbol-font bullet (a private-use character), or an unmapped
# glyph from a symbol font that pdfminer can only name "(cid:N)".
BULLET_RE = re.compile(r"^(?:[•◦▪‣–*·\-\uf0a7\uf0b7\uf076\uf0d8]|\(cid:\d+\))(?:\s+|$)")
HEADING_MAX_WORDS = 14


def _open(raw: bytes, source: str):
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    try:
        return pdfplumber.open(io.BytesIO(raw))
    except Exception as exc:  # noqa: BLE001 — pdfminer raises many types; each maps to one named reason
        inner = exc.__cause__ or exc.__context__ or exc
        if isinstance(exc, PDFPasswordIncorrect | PDFEncryptionError) or isinstance(
                inner, PDFPasswordIncorrect | PDFEncryptionError) or "password" in str(exc).lower():
            raise DocumentError(source, "encrypted PDF: save an unencrypted copy") from exc
        raise DocumentError(source, f"is not a readable PDF ({type(exc).__name__}); export it again") from exc


def _unwrap(text: str) -> str:
    """Wrapped lines joined: with a space, except after a word's hard hyphen ("non-" + "physician",
    "99214-" + "25")."""
    return re.sub(r"(?<=[A-Za-z0-9]-)\n(?=[A-Za-z0-9])", "", text).replace("\n", " ")


def _code_like(cell: str) -> bool:
    """A cell that reads as a code (22, AS, C64.1, 208800000X), never as a column name."""
    return bool(re.fullmatch(r"[A-Z0-9][A-Z0-9.\-]{1,11}", cell)) and (len(cell) <= 3 or any(c.isdigit() for c in cell))


def _style(line: dict) -> tuple[float, bool]:
    chars = [c for c in line["chars"] if c["text"].strip()]
    if not chars:
        return 0.0, False
    size = Counter(round(c["size"], 1) for c in chars).most_common(1)[0][0]
    bold = all(re.search(r"bold|black|heavy|semibold", c["fontname"], re.I) for c in chars)
    return size, bold


def _page_lines(page, page_no: int) -> tuple[list[dict], list[dict]]:
    """The page's text lines outside tables (with style), and its tables (rows of joined cells)."""
    tables = []
    found = page.find_tables()  # default strategy: ruling lines
    for t in found:
        rows = [tuple(clean(_unwrap(c or "")) for c in row) for row in t.extract()]
        rows = [r for r in rows if any(r)]
        if rows:
            first = page.crop(t.rows[0].bbox).chars
            bold = bool(first) and all(re.search(r"bold|black|heavy", c["fontname"], re.I) for c in first
                                       if c["text"].strip())
            tables.append({"top": t.bbox[1], "rows": rows, "page": page_no, "bold_head": bold})
    boxes = [t.bbox for t in found]

    def outside(obj: dict) -> bool:
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    text_page = page.filter(lambda o: o.get("object_type") != "char" or outside(o)) if boxes else page
    lines = []
    for line in text_page.extract_text_lines(return_chars=True):
        text = clean(line["text"])
        if text:
            size, bold = _style(line)
            lines.append({"text": text, "top": line["top"], "bottom": line["bottom"], "x0": line["x0"],
                          "x1": line["x1"], "size": size, "bold": bold, "page": page_no,
                          "height": float(page.height)})
    return lines, tables


def _drop_running(lines: list[dict], pages: int) -> list[dict]:
    """Lines in the top/bottom margin that recur (digits aside) on several pages, and page numbers."""
    def key(ln: dict) -> str:
        return re.sub(r"\d+", "#", ln["text"].lower())

    def in_margin(ln: dict) -> bool:
        return ln["top"] < MARGIN * ln["height"] or ln["bottom"] > (1 - MARGIN) * ln["height"]

    counts = Counter(key(ln) for ln in lines if in_margin(ln))
    need = max(2, (pages + 1) // 2)
    return [ln for ln in lines if not (in_margin(ln) and (PAGE_NUMBER_RE.match(ln["text"]) or
                                                         (pages > 1 and counts[key(ln)] >= need)))]


def read_pdf(raw: bytes, source: str) -> tuple[list[Block], int]:
    """The report's blocks and its page count; DocumentError for an encrypted, scanned or broken PDF."""
    with _open(raw, source) as pdf:
        try:
            per_page = [_page_lines(p, n) for n, p in enumerate(pdf.pages, start=1)]
            images = sum(len(p.images) for p in pdf.pages)
        except Exception as exc:  # noqa: BLE001 — a broken stream surfaces while reading a page
            raise DocumentError(source, f"is not a readable PDF ({type(exc).__name__}); export it again") from exc
        pages = len(pdf.pages)
    lines = [ln for page_lines, _ in per_page for ln in page_lines]
    tables = [t for _, page_tables in per_page for t in page_tables]
    if not lines and not tables:
        if images:
            raise DocumentError(source, "no text layer: needs OCR first (it holds only page images)")
        raise DocumentError(source, "has no text")
    lines = _drop_running(lines, pages)
    return _blocks(lines, tables), pages


def _blocks(lines: list[dict], tables: list[dict]) -> list[Block]:
    sizes: Counter[float] = Counter()
    for ln in lines:
        sizes[ln["size"]] += len(ln["text"])
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    bigger = sorted({ln["size"] for ln in lines if ln["size"] > body + HEADING_STEP}, reverse=True)
    items = sorted([("line", ln["page"], ln["top"], ln) for ln in lines]
                   + [("table", t["page"], t["top"], t) for t in tables], key=lambda x: (x[1], x[2]))
    blocks: list[Block] = []
    cur: dict | None = None  # the block being gathered: kind, texts, first line, page, last line
    page_line = Counter[int]()  # lines (and table rows) counted per page: a block's ``line`` on its page

    def flush() -> None:
        nonlocal cur
        if cur is not None:
            blocks.append(Block(kind=cur["kind"], text=clean(_unwrap("\n".join(cur["texts"]))), level=cur["level"],
                                line=cur["line"], page=cur["page"]))
        cur = None

    full_width = max((ln["x1"] for ln in lines if ln["size"] == body), default=0.0)
    gap_limit = max(PARAGRAPH_GAP, _wrap_gap(lines, body, full_width) + WRAP_SLACK)
    for kind, page, _, obj in items:
        if kind == "table":
            flush()
            _add_table(blocks, obj, page_line)
            continue
        ln = obj
        page_line[page] += 1
        heading = ln["size"] > body + HEADING_STEP or (ln["bold"] and len(ln["text"].split()) <= HEADING_MAX_WORDS)
        level = bigger.index(ln["size"]) + 1 if ln["size"] in bigger else None
        text, bullet = ln["text"], False
        if not heading and (m := BULLET_RE.match(text)):
            text, bullet = text[m.end():].strip(), True
        if cur is not None and not bullet and _continues(cur, ln, heading, full_width, gap_limit):
            cur["texts"].append(text)
            cur["last"] = ln
            continue
        flush()
        if text:
            cur = {"kind": "heading" if heading else "bullet" if bullet else "paragraph", "texts": [text],
                   "level": level if heading else None, "line": page_line[page], "page": page, "last": ln,
                   "heading": heading}
    flush()
    return blocks


def _wrap_gap(lines: list[dict], body: float, full_width: float) -> float:
    """The document's gap (as a fraction of the font size) below a body line that runs to the right margin,
    when most such lines show the same one; 0 when there are too few to tell."""
    gaps = Counter(round((b["top"] - a["bottom"]) / a["size"], 2) for a, b in zip(lines, lines[1:], strict=False)
                   if a["page"] == b["page"] and a["size"] == b["size"] == body and a["bold"] == b["bold"]
                   and a["x1"] >= full_width - 2 * a["size"])
    if not gaps:
        return 0.0
    gap, n = gaps.most_common(1)[0]
    return gap if n >= 3 and 2 * n > gaps.total() and 0 <= gap < 1 else 0.0


def _continues(cur: dict, ln: dict, heading: bool, full_width: float, gap_limit: float) -> bool:
    """Whether a line carries on the block being gathered (a wrapped line, even across a page)."""
    last = cur["last"]
    if heading != cur["heading"] or ln["size"] != last["size"] or ln["bold"] != last["bold"]:
        return False
    if ln["page"] != last["page"]:
        # Across a page break a paragraph goes on when its last line ran to the right margin, or stopped
        # mid-sentence, or the new line starts in lower case; a bullet only in the first case.
        full = last["x1"] >= full_width - 2 * last["size"]
        if heading or cur["kind"] == "bullet":
            return not heading and full
        return full or not last["text"].endswith((".", "!", "?", ":")) or ln["text"][:1].islower()
    gap = ln["top"] - last["bottom"]
    return gap < gap_limit * max(ln["size"], 1.0)


def _add_table(blocks: list[Block], table: dict, page_line: Counter[int]) -> None:
    rows, page = table["rows"], table["page"]
    prev = blocks[-1] if blocks else None
    start = page_line[page] + 1
    page_line[page] += len(rows)
    # The previous table continued at the top of a new page: its header repeated, a row broken over the
    # page (an empty first cell), or a first row that is data (a code, not bold) rather than a header.
    if prev is not None and prev.kind == "table" and prev.page is not None and prev.page < page and \
            len(rows[0]) == len(prev.columns) and (rows[0] == prev.columns or (start == 1 and (
                not rows[0][0] or (not table["bold_head"] and _code_like(rows[0][0]))))):
        body = list(rows[1:] if rows[0] == prev.columns else rows)
        kept, lines, pages = list(prev.rows), list(prev.row_lines), list(prev.row_pages)
        if body and not body[0][0] and kept:  # the rest of the last row: its cells joined to it
            kept[-1] = tuple(clean(_unwrap(f"{a}\n{b}")) for a, b in zip(kept[-1], body.pop(0), strict=True))
        first = start + len(rows) - len(body)
        blocks[-1] = prev.model_copy(update={"rows": tuple(kept + body),
                                             "row_lines": tuple(lines) + tuple(range(first, first + len(body))),
                                             "row_pages": tuple(pages) + (page,) * len(body)})
        return
    body = rows[1:]
    blocks.append(Block(kind="table", line=start, page=page, columns=rows[0], rows=tuple(body),
                        row_lines=tuple(range(start + 1, start + 1 + len(body))), row_pages=(page,) * len(body)))
