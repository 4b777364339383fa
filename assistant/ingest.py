"""Ingestion: a corpus folder → Documents (title and code, section tree, tables, chunks).

Each format's reader (``formats``, ``wordfile``, ``pdffile``) yields blocks; ``to_document`` builds
the one Document every later stage reads. The plain-text export is read here, line by line: headings
are bare short lines; the title line reads ``CPT 0600T: <title>``; prose paragraphs are single lines;
a bullet is a ``-`` line followed by its item (or ``- item``); a pipe table has a header row starting
with ``|``, a ``|---|`` separator, and data rows that may or may not start with ``|``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from . import progress
from .chunks import code_key as code_key
from .chunks import column_code_type as column_code_type
from .chunks import prose_chunks, row_chunks
from .chunks import sentences as sentences
from .errors import CorpusError, DocumentError
from .formats import MAX_BYTES as FORMAT_MAX_BYTES
from .formats import SUFFIX_FORMATS, Block, Format, read_blocks
from .formats import decode_text as decode_text
from .formats import read_text as read_text
from .models import Document, IngestIssue, Section, Table

SUFFIXES = tuple(SUFFIX_FORMATS)
MAX_BYTES = FORMAT_MAX_BYTES["text"]  # the plain export's; Word and PDF files may be larger

# "CPT 0600T: …", "CPT® code 99214 – …", "HCPCS Level II G0568: …": a CPT code (5 characters) or a
# HCPCS one (a letter and 4 digits). A few words may name the kind of document before a colon ("CPT 29881
# Coding Brief: Knee Arthroscopy…"); they are no part of the title.
TITLE_RE = re.compile(r"^(?:CPT\u00ae?|HCPCS(?:\s+Level\s+II)?)(?:\s+code)?\s+([0-9A-Z]{5})"
                      r"(?:\s*[:\u2013\u2014-]|(?:\s+[A-Za-z][\w/&'-]*){1,3}\s*:)\s*(\S.*)$", re.I)
# "CPT 29881 Knee Arthroscopy With Meniscectomy": the code and its name with no separator, in a short line
# that is no sentence.
BARE_TITLE_RE = re.compile(r"^(?:CPT\u00ae?|HCPCS(?:\s+Level\s+II)?)(?:\s+code)?\s+([0-9A-Z]{5})\s+"
                           r"([A-Z(][^.]*?)\s*$")
SEPARATOR_RE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
CODE_LIKE_RE = re.compile(r"^[0-9]{4}[0-9A-Z]$", re.I)
HEADING_MAX_WORDS = 12
# "POS 22 (On Campus-Outpatient Hospital): used when…": a bullet led by a code and its name in parentheses
# (or several: "POS 22 (…) and POS 19 (…): …"). A run of two or more is a table written as a list
# (Markdown and HTML exports list places of service so). A code has a digit, or follows its kind's name.
CODE_LABEL = r"(?i:POS|Place of Service|Modifier|CPT|HCPCS|ICD-10(?:-CM)?|Taxonomy)"
CODE_TOKEN = r"[0-9A-Z]{2,10}(?:\.[0-9A-Z]{1,4})?"
CODE_ITEM_RE = re.compile(rf"\**(?:({CODE_LABEL})\s+)?({CODE_TOKEN})\**"
                          rf"\s*\(([^()]{{2,80}})\)\**")
CODE_BULLET_RE = re.compile(rf"^((?:{CODE_ITEM_RE.pattern}(?:\s*(?:,|and|or|&)\s*)?)+)\s*[:\u2013\u2014-]\s*(\S.*)$")
# The other way a code's name is written in a bullet: after a dash, up to the colon ("POS 15 – Mobile Unit: …").
CODE_DASH_RE = re.compile(rf"^\**({CODE_LABEL})\s+({CODE_TOKEN})\s*[\u2013\u2014-]\s*"
                          rf"([^:()]{{2,80}}?)\**:\**\s*(\S.*)$")


def title_parts(line: str) -> tuple[str, str] | None:
    """(code, title) when ``line`` is a report's title line (see TITLE_RE and BARE_TITLE_RE)."""
    m = TITLE_RE.match(line)
    if m is None and len(line.split()) <= HEADING_MAX_WORDS + 2:
        m = BARE_TITLE_RE.match(line)
    return (m.group(1).upper(), m.group(2).strip()) if m else None


def _cells(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|"):
        body = body[:-1]
    return [c.strip() for c in body.split("|")]


def _starts_table(lines: list[str], i: int) -> bool:
    """A header row: starts with ``|`` and is followed by a ``|---|`` separator."""
    return (lines[i].lstrip().startswith("|") and i + 1 < len(lines)
            and bool(SEPARATOR_RE.match(lines[i + 1].strip())))


def _is_heading(line: str) -> bool:
    if "|" in line or line.startswith("-") or len(line) > 90:
        return False
    if line[-1] in ".,;:!?)" or not (line[0].isupper() or line[0].isdigit()):
        return False
    return len(line.split()) <= HEADING_MAX_WORDS


def plain_blocks(text: str) -> tuple[list[Block], list[tuple[int, str]]]:
    """The plain export's lines as blocks, and the warnings (line, reason) of lines that were ignored."""
    lines = text.splitlines()
    blocks: list[Block] = []
    warnings: list[tuple[int, str]] = []
    have_title, bullet_next, i = False, False, 0
    while i < len(lines):
        line, line_no = lines[i].strip(), i + 1
        i += 1
        if not line:
            continue
        if not have_title and i <= 5 and title_parts(line):
            blocks.append(Block(kind="title", text=line, line=line_no))
            have_title = True
            continue
        if _starts_table(lines, i - 1):
            rows, row_lines = [], []
            i += 1
            while i < len(lines) and "|" in lines[i] and not _starts_table(lines, i):
                rows.append(tuple(_cells(lines[i])))
                row_lines.append(i + 1)
                i += 1
            blocks.append(Block(kind="table", line=line_no, columns=tuple(_cells(line)), rows=tuple(rows),
                                row_lines=tuple(row_lines)))
            continue
        if "|" in line and SEPARATOR_RE.match(line):
            warnings.append((line_no, "table separator without a header row above it; ignored"))
            continue
        if line == "-":
            bullet_next = True
            continue
        if bullet_next or line.startswith("- ") or line.startswith("* "):
            blocks.append(Block(kind="bullet", text=line if bullet_next else line[2:].strip(), line=line_no))
            bullet_next = False
            continue
        kind = "heading" if _is_heading(line) else "paragraph"
        blocks.append(Block(kind=kind, text=line, line=line_no))
    return blocks, warnings


def parse(text: str, source: str, content_hash: str | None = None) -> Document:
    """Parse one report's plain-text export. Problems that don't stop parsing are returned in ``issues``."""
    blocks, warnings = plain_blocks(text)
    return to_document(blocks, source, content_hash or hashlib.sha256(text.encode()).hexdigest(),
                       warnings=warnings)


def _valid_rows(block: Block, warn) -> tuple[list[tuple[str, ...]], list[int], list[int | None]]:
    """A table's rows fitted to its header: extra cells joined into the last, short or keyless rows skipped."""
    width = len(block.columns)
    rows, lines, pages = [], [], []
    pages_in = block.row_pages or (block.page,) * len(block.rows)
    for cells, n, page in zip(block.rows, block.row_lines, pages_in, strict=True):
        cells = list(cells)
        if len(cells) > width:
            warn(n, f"table row has {len(cells)} cells, the header has {width}; "
                 "extra cells were joined into the last column")
            cells = cells[: width - 1] + [" | ".join(cells[width - 1:])]
        elif len(cells) < width:
            warn(n, f"table row has {len(cells)} cells, the header has {width}; row skipped")
            continue
        if not cells[0]:
            warn(n, "table row has an empty first cell; row skipped")
            continue
        rows.append(tuple(cells))
        lines.append(n)
        pages.append(page)
    return rows, lines, pages


def _dashes(cells: tuple[str, ...]) -> bool:
    """A row of ``---`` cells: a Markdown separator carried into a table, never data."""
    return bool(cells) and all(re.fullmatch(r":?-{3,}:?", c.strip()) for c in cells)


def _inner_header(rows: tuple[tuple[str, ...], ...], i: int, kind: str | None) -> bool:
    """Whether row ``i`` heads a table of its own that an export ran on from the one above: a ``|---|``
    row follows it, or it names a kind of code other than the table's ("Taxonomy Code | Specialty | Notes"
    under a table of modifiers) in short cells holding no code."""
    row = rows[i]
    if i + 1 < len(rows) and _dashes(rows[i + 1]) and not _dashes(row):
        return True
    named = column_code_type(row[0], "") if row else None
    return (named is not None and named != kind and not re.search(r"\d", re.sub(r"(?i)icd-?10(-cm)?", "", row[0]))
            and all(len(c.split()) <= 4 and not c.rstrip().endswith(".") for c in row))


def _split_tables(blocks: list[Block]) -> list[Block]:
    """``blocks`` with each table cut where a row heads a table of its own (see ``_inner_header``), and
    ``---`` rows dropped: a Word, HTML or PDF export can hold two of a report's tables as one grid."""
    out: list[Block] = []
    for b in blocks:
        if b.kind != "table" or not b.rows:
            out.append(b)
            continue
        pages = b.row_pages or (b.page,) * len(b.rows)
        kind = column_code_type(b.columns[0], b.rows[0][0]) if b.columns else None
        head, body = b, []  # the block whose header the rows gathered in ``body`` (row, line, page) sit under
        for i, (row, line, page) in enumerate(zip(b.rows, b.row_lines, pages, strict=True)):
            if _dashes(row):
                continue
            if i > 0 and _inner_header(b.rows, i, kind):
                out.append(_with_rows(head, body))
                kind = column_code_type(row[0], b.rows[i + 1][0] if i + 1 < len(b.rows) else "")
                head, body = Block(kind="table", line=line, page=page, columns=row), []
                continue
            body.append((row, line, page))
        out.append(_with_rows(head, body))
    return out


def _with_rows(head: Block, body: list[tuple[tuple[str, ...], int, int | None]]) -> Block:
    """The table ``head`` with the (row, line, page) triples of ``body`` as its rows."""
    rows, lines, pages = zip(*body, strict=True) if body else ((), (), ())
    return head.model_copy(update={"rows": rows, "row_lines": lines, "row_pages": pages})


def _code_bullet(text: str) -> tuple[str, list[tuple[str, str]], str] | None:
    """(kind label, [(code, name)…], notes) of a code-led bullet; None for any other text."""
    m = CODE_BULLET_RE.match(text)
    if not m:
        dash = CODE_DASH_RE.match(text)
        return (dash.group(1), [(dash.group(2), dash.group(3).strip())], dash.group(4).strip()) if dash else None
    items = list(CODE_ITEM_RE.finditer(m.group(1)))
    label = items[0].group(1) or ""
    if any((i.group(1) or label).lower() != label.lower() for i in items):
        return None
    if not all(any(ch.isdigit() for ch in i.group(2)) or label for i in items):
        return None  # "Problems (high): …" is a word, not a code
    return label, [(i.group(2), i.group(3).strip()) for i in items], m.group(CODE_BULLET_RE.groups).strip()


def _code_lists(blocks: list[Block]) -> list[Block]:
    """``blocks`` with each run of two or more code-led bullets of one kind ("POS 22 (…): …") as the table
    it is: a row per code (the name in parentheses, the rest of the bullet as notes), under its section."""
    out: list[Block] = []
    run: list[tuple[Block, tuple[str, list[tuple[str, str]], str]]] = []

    def flush() -> None:
        if len(run) >= 2:
            label, first = run[0][1][0], run[0][0]
            rows = [((code, name, notes), b) for b, (_, items, notes) in run for code, name in items]
            out.append(Block(kind="table", line=first.line, page=first.page,
                             columns=(f"{label} Code" if label else "Code", "Description", "Notes"),
                             rows=tuple(r for r, _ in rows), row_lines=tuple(b.line for _, b in rows),
                             row_pages=tuple(b.page for _, b in rows)))
        out.extend(b for b, _ in run)  # the bullets stay prose too: what they say is quoted as written
        run.clear()

    for b in blocks:
        item = _code_bullet(b.text) if b.kind == "bullet" else None
        if item is None or (run and item[0].lower() != run[0][1][0].lower()):
            flush()
        if item is None:
            out.append(b)
        else:
            run.append((b, item))
    flush()
    return out


def to_document(blocks: list[Block], source: str, content_hash: str, fmt: Format = "text",
                warnings: Iterable[tuple[int, str]] = (), pages: int | None = None) -> Document:
    """Turn any reader's blocks into the Document: title and code, section tree, tables, chunks.

    A heading with a level sits at its level's rank among the levels the report uses (so ``##``/``###``
    under a ``#`` title make the same two-deep tree as the plain export); one without a level nests
    under a heading right above it, else replaces the deepest heading, as the plain export reads.
    """
    issues = [IngestIssue(path=source, line=n, level="warning", reason=r) for n, r in warnings]
    code, title = "", ""
    if fmt != "text":  # the title is the first of the first few blocks that reads like one
        for b in blocks[:5]:
            if b.kind in ("heading", "paragraph") and title_parts(b.text):
                blocks = [b.model_copy(update={"kind": "title"}) if x is b else x for x in blocks]
                break
    blocks = _code_lists(_split_tables(blocks))
    ranks = {lvl: r for r, lvl in enumerate(sorted({b.level for b in blocks if b.kind == "heading" and b.level}), 1)}
    path: tuple[str, ...] = ()
    prev_heading = False
    # path → (line, page, paragraphs, their pages)
    sections: dict[tuple[str, ...], tuple[int, int | None, list[str], list[int | None]]] = {}
    tables: list[Table] = []

    def warn(line_no: int, reason: str) -> None:
        issues.append(IngestIssue(path=source, line=line_no, level="warning", reason=reason))

    for b in blocks:
        if b.kind == "title":
            if not code:
                code, title = title_parts(b.text)  # type: ignore[misc]
            prev_heading = False
        elif b.kind == "table":
            if not b.columns:
                warn(b.line, "table has no header row; ignored")
                continue
            rows, row_lines, row_pages = _valid_rows(b, warn)
            if not rows:
                warn(b.line, "table has a header but no data rows")
            tables.append(Table(section=path or ("Overview",), line=b.line, page=b.page, columns=b.columns,
                                rows=tuple(rows), row_lines=tuple(row_lines), row_pages=tuple(row_pages)))
            prev_heading = False
        elif b.kind == "heading":
            if b.level:
                path = (*path[: ranks[b.level] - 1], b.text)
            elif prev_heading:
                path = (*path, b.text)
            elif len(path) >= 2:
                path = (*path[:-1], b.text)
            else:
                path = (b.text,)
            sections.setdefault(path, (b.line, b.page, [], []))
            prev_heading = True
        else:
            entry = sections.setdefault(path or ("Overview",), (b.line, b.page, [], []))
            entry[2].append(b.text)
            entry[3].append(b.page)
            prev_heading = False

    if not code:
        stem = Path(source).stem.upper()
        code = stem if CODE_LIKE_RE.match(stem) else stem[:20]
        warn(1, f"no title line like 'CPT 0600T: <title>' in the first 5 lines; using '{code}' from "
             "the file name")
    title = title or code
    if not any(paras for _, _, paras, _ in sections.values()) and not any(t.rows for t in tables):
        raise DocumentError(source, "has no prose or table rows")
    chunks = []
    for chunk in [*prose_chunks(code, title, source, sections), *row_chunks(code, title, source, tables)]:
        if any(c.id == chunk.id for c in chunks):
            warn(chunk.line, "repeats an earlier row or paragraph of the same section word for word; "
                 "the repeat was skipped")
            continue
        chunks.append(chunk)
    return Document(
        code=code, title=title, source=source, content_hash=content_hash, format=fmt, pages=pages,
        sections=tuple(Section(path=p, line=n, page=pg, paragraphs=tuple(ps), paragraph_pages=tuple(pps))
                       for p, (n, pg, ps, pps) in sections.items()),
        tables=tuple(tables), chunks=tuple(chunks), issues=tuple(issues),
    )


def parse_file(path: Path) -> Document:
    """Read one corpus file in whichever supported format its suffix names; raise DocumentError if it can't be."""
    fmt = SUFFIX_FORMATS[path.suffix.lower()]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(str(path), f"cannot be read ({exc.strerror or exc})") from exc
    digest = hashlib.sha256(raw).hexdigest()
    blocks, warnings, text, fmt, pages = read_blocks(raw, path.name, fmt)
    if fmt == "text":
        doc = parse(text, source=path.name, content_hash=digest)
        extra = tuple(IngestIssue(path=path.name, line=n, level="warning", reason=r) for n, r in warnings)
        return doc.model_copy(update={"issues": extra + doc.issues}) if extra else doc
    return to_document(blocks, path.name, digest, fmt=fmt, warnings=warnings, pages=pages)


def load_corpus(folder: Path) -> tuple[list[Document], list[IngestIssue]]:
    """Parse every report in ``folder``. A bad file is reported and skipped; the rest still load."""
    if not folder.is_dir():
        raise CorpusError(f"corpus folder {folder} does not exist; create it and add a report "
                          f"({', '.join(SUFFIXES)})")
    docs: list[Document] = []
    issues: list[IngestIssue] = []
    seen: dict[str, str] = {}
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    for done, path in enumerate(files, start=1):
        progress.report("reports parsed", done, len(files))
        rel = str(path)
        if path.suffix.lower() not in SUFFIXES:
            issues.append(IngestIssue(path=rel, level="warning",
                                      reason=f"not a report file ({', '.join(SUFFIXES)}); ignored"))
            continue
        try:
            doc = parse_file(path)
        except DocumentError as exc:
            issues.append(IngestIssue(path=rel, line=exc.line, level="error", reason=f"{exc.reason}; skipped"))
            continue
        if doc.code in seen:
            issues.append(IngestIssue(path=rel, line=1, level="error",
                                      reason=f"a second report for {doc.code} (first: {seen[doc.code]}); skipped"))
            continue
        seen[doc.code] = path.name
        docs.append(doc)
        issues.extend(doc.issues)
    return docs, issues
