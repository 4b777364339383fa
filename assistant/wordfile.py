"""The Word (.docx) reader: python-docx paragraphs and tables → blocks."""

from __future__ import annotations

import io
import re
import zipfile

from .errors import DocumentError
from .formats import Block, clean

BULLET_RE = re.compile(r"^[•◦▪‣·\uf0a7\uf0b7]\s+")
# A .docx is a zip: its parts are inflated in memory, so a small file that unpacks to gigabytes is refused.
MAX_UNPACKED = 200_000_000
WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(raw: bytes, source: str) -> list[Block]:
    """Word: headings by style (Heading N, Title), else by outline level, else bold short paragraphs;
    list paragraphs as bullets; tables with merged cells repeated into every row they span.
    Paragraph numbers stand in for lines."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if zipfile.is_zipfile(io.BytesIO(raw)):
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
        if unpacked > MAX_UNPACKED:
            raise DocumentError(source, f"unpacks to {unpacked:,} bytes; the limit for a Word report is "
                                f"{MAX_UNPACKED:,}")
    try:
        document = docx.Document(io.BytesIO(raw))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        reason = "is not a Word document" if zipfile.is_zipfile(io.BytesIO(raw)) else "is not a .docx (zip) file"
        raise DocumentError(source, f"{reason} ({type(exc).__name__}); save it from Word as .docx") from exc
    blocks: list[Block] = []
    for n, item in enumerate(_body_items(document), start=1):
        if hasattr(item, "rows"):
            _docx_table(item, n, blocks)
            continue
        text = clean(item.text)
        if not text:
            continue
        level = _docx_heading_level(item)
        if level is not None:
            blocks.append(Block(kind="heading", text=text, level=level or None, line=n))
        elif _docx_is_list(item):
            blocks.append(Block(kind="bullet", text=text, line=n))
        elif m := BULLET_RE.match(text):  # a template without list styles: the bullet typed as a glyph
            blocks.append(Block(kind="bullet", text=text[m.end():], line=n))
        else:
            blocks.append(Block(kind="paragraph", text=text, line=n))
    return blocks


def _body_items(document):
    """The body's paragraphs and tables in order, also those inside content controls (``w:sdt``), where
    templates often put the title and cover text and ``iter_inner_content`` does not look."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    def walk(element):
        for child in element.iterchildren():
            if child.tag == f"{WORD_NS}p":
                yield Paragraph(child, document._body)
            elif child.tag == f"{WORD_NS}tbl":
                yield Table(child, document._body)
            elif child.tag == f"{WORD_NS}sdt":
                content = child.find(f"{WORD_NS}sdtContent")
                if content is not None:
                    yield from walk(content)

    yield from walk(document.element.body)


def _docx_heading_level(par) -> int | None:
    """1… for a styled heading, 0 for a bold short paragraph (level left to ``to_document``), else None."""
    style = par.style
    name = (style.name or "") if style is not None else ""
    if m := re.fullmatch(r"(?:Heading|heading)\s*(\d)", name):
        return int(m.group(1))
    if name == "Title":
        return 1
    chain, style = [], par.style
    while style is not None:  # an outline level on the paragraph or on any style it is based on
        chain.append(style.element.pPr)
        style = style.base_style
    for ppr in (par._p.pPr, *chain):
        lvl = ppr.find(f"{WORD_NS}outlineLvl") if ppr is not None else None
        if lvl is not None and (v := lvl.get(f"{WORD_NS}val", "")).isdigit() and int(v) < 9:
            return int(v) + 1
    runs = [r for r in par.runs if r.text.strip()]
    text = par.text.strip()
    bold = runs and all(r.bold or (r.bold is None and par.style is not None and par.style.font.bold) for r in runs)
    if bold and len(text.split()) <= 12 and text[-1] not in ".,;:":
        return 0
    return None


def _docx_is_list(par) -> bool:
    name = (par.style.name or "") if par.style is not None else ""
    ppr = par._p.pPr
    return "List" in name or (ppr is not None and ppr.find(f"{WORD_NS}numPr") is not None)


def _docx_table(table, n: int, blocks: list[Block]) -> None:
    # python-docx returns a vertically merged cell in every row it spans and a horizontally merged one
    # in every grid column it spans: the cell's text is repeated, as the issue asks.
    grid = [tuple(clean(c.text) for c in row.cells) for row in table.rows]
    grid = [r for r in grid if any(r)]
    if not grid:
        return
    rows = tuple(grid[1:])
    blocks.append(Block(kind="table", line=n, columns=grid[0], rows=rows, row_lines=(n,) * len(rows)))
