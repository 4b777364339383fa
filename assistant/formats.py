"""Readers: a report's bytes in any supported format → a neutral list of blocks.

Each reader keeps only text: a title line, headings (with a level when the format has one), paragraphs,
bullets and tables with their header row, each with where it was found (a line, a block number, a page).
``ingest.to_document`` turns the blocks into the one ``Document`` every later stage reads.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .errors import DocumentError

Format = Literal["text", "markdown", "html", "docx", "pdf"]
SUFFIX_FORMATS: dict[str, Format] = {".txt": "text", ".md": "markdown", ".markdown": "markdown",
                                     ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}
# Markup and binary containers carry more bytes for the same text than the plain export (5 MB).
MAX_BYTES: dict[Format, int] = {"text": 5_000_000, "markdown": 5_000_000, "html": 5_000_000,
                                "docx": 20_000_000, "pdf": 20_000_000}
MD_HEADING_RE = re.compile(r"^ {0,3}#{1,6}\s+\S", re.M)


class Block(BaseModel):
    """One unit of a report as read: heading, paragraph, bullet or table.

    ``level`` is None for a heading whose format gives no level (a bare line, a bold paragraph):
    ``to_document`` then nests it as the plain export does. ``line`` is a line number for text
    formats, a block number for HTML and DOCX, a line of the page for PDF.
    """

    model_config = ConfigDict(frozen=True)
    kind: Literal["title", "heading", "paragraph", "bullet", "table"]
    text: str = ""
    level: int | None = None
    line: int
    page: int | None = None
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    row_lines: tuple[int, ...] = ()
    row_pages: tuple[int | None, ...] = ()


def clean(text: str) -> str:
    """One line of text: runs of whitespace (wrapped lines, non-breaking spaces) become one space."""
    return " ".join(text.replace("\u00a0", " ").split())


# -- bytes → text ---------------------------------------------------------------------------------


def _utf16_without_bom(raw: bytes) -> str | None:
    """Mostly-ASCII UTF-16 has a NUL in every other byte: the side the NULs are on gives the byte order."""
    if len(raw) < 4 or len(raw) % 2:
        return None
    half = len(raw) // 2
    for nuls, codec in ((raw[1::2], "utf-16-le"), (raw[0::2], "utf-16-be")):
        if nuls.count(0) > 0.6 * half:
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def decode_text(raw: bytes, source: str) -> tuple[str, list[tuple[int, str]]]:
    """A text report's characters, and warnings (line, reason) for an encoding that had to be guessed.

    UTF-8 (with or without a byte-order mark) is read silently; UTF-16 and Windows-1252 are read with a
    warning, since the report should be saved as UTF-8; anything else is refused.
    """
    warnings: list[tuple[int, str]] = []
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = raw.decode("utf-16")
        warnings.append((1, "is UTF-16 (byte-order mark); read as UTF-16 — save it as UTF-8"))
    elif (guess := _utf16_without_bom(raw)) is not None:
        text = guess
        warnings.append((1, "is UTF-16 without a byte-order mark; read as UTF-16 — save it as UTF-8"))
    else:
        if b"\x00" in raw[:65536]:
            line = raw[: raw.index(b"\x00")].count(b"\n") + 1
            raise DocumentError(source, "is binary (NUL byte), not a text report", line)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            try:
                # Word's and Notepad's "ANSI" on Western Windows: the encoding a non-UTF-8 report most
                # likely has. Five byte values are undefined in it; a file holding one is refused.
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                raise DocumentError(source, f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); "
                                    "save it as UTF-8", line) from exc
            warnings.append((line, f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); read as Windows-1252 "
                             "(cp1252) — check its accented letters and save it as UTF-8"))
    if not text.strip():
        raise DocumentError(source, "is empty")
    return text, warnings


def _check_size(raw: bytes, source: str, fmt: Format) -> None:
    if len(raw) > MAX_BYTES[fmt]:
        raise DocumentError(source, f"is {len(raw):,} bytes; the limit for a {fmt} report is {MAX_BYTES[fmt]:,}")
    if not raw.strip():
        raise DocumentError(source, "is empty")


def read_text(path: Path) -> str:
    """Read one plain-text corpus file, or raise DocumentError saying why it can't be."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(str(path), f"cannot be read ({exc.strerror or exc})") from exc
    _check_size(raw, str(path), "text")
    return decode_text(raw, str(path))[0]


def read_blocks(raw: bytes, source: str, fmt: Format,
                ) -> tuple[list[Block], list[tuple[int, str]], str, Format, int | None]:
    """Blocks, warnings, decoded text (text formats), the format read, and the page count (PDF).

    For the plain export the blocks are left to ``ingest.parse``, which reads its lines itself.
    """
    _check_size(raw, source, fmt)
    if fmt == "docx":
        from .wordfile import read_docx

        return read_docx(raw, source), [], "", fmt, None
    if fmt == "pdf":
        from .pdffile import read_pdf

        blocks, pages = read_pdf(raw, source)
        return blocks, [], "", fmt, pages
    text, warnings = decode_text(raw, source)
    if fmt == "markdown" and not is_markdown(text):
        fmt = "text"
    if fmt == "markdown":
        return read_markdown(text), warnings, text, fmt, None
    if fmt == "html":
        from .htmlfile import read_html

        return read_html(text), warnings, text, fmt, None
    return [], warnings, text, "text", None


# -- Markdown ------------------------------------------------------------------------------------


def is_markdown(text: str) -> bool:
    """A ``.md`` file holding the plain export (no ``#`` headings) is read by the plain reader:
    CommonMark would merge its unspaced lines into one paragraph."""
    return bool(MD_HEADING_RE.search(text))


def _inline(token) -> str:
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content if child.type != "html_inline" else "")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return clean("".join(parts))


def read_markdown(text: str) -> list[Block]:
    """CommonMark with GFM tables (markdown-it-py): headings of any level, nested bullets, tables."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks: list[Block] = []
    list_depth, i = 0, 0
    while i < len(tokens):
        tok = tokens[i]
        line = (tok.map[0] + 1) if tok.map else (blocks[-1].line if blocks else 1)
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif tok.type == "heading_open":
            blocks.append(Block(kind="heading", text=_inline(tokens[i + 1]), level=int(tok.tag[1]), line=line))
            i += 2
        elif tok.type == "paragraph_open":
            body = _inline(tokens[i + 1])
            if body:
                blocks.append(Block(kind="bullet" if list_depth else "paragraph", text=body, line=line))
            i += 2
        elif tok.type == "table_open":
            i = _md_table(tokens, i, blocks)
            continue
        i += 1
    return blocks


def _md_table(tokens, i: int, blocks: list[Block]) -> int:
    header: list[str] = []
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    start = tokens[i].map[0] + 1 if tokens[i].map else 1
    row: list[str] = []
    in_head = False
    while tokens[i].type != "table_close":
        tok = tokens[i]
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            row = []
            row_line = tok.map[0] + 1 if tok.map else start
        elif tok.type == "inline":
            row.append(_inline(tok))
        elif tok.type == "tr_close":
            if in_head:
                header = row
            else:
                rows.append(tuple(row))
                lines.append(row_line)
        i += 1
    blocks.append(Block(kind="table", line=start, columns=tuple(header), rows=tuple(rows), row_lines=tuple(lines)))
    return i + 1
