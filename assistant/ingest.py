"""Ingestion: a report's plain-text export → sections, tables and chunks.

The export format: headings are bare short lines; the title line reads ``CPT 0600T: <title>``;
prose paragraphs are single lines; a bullet is a ``-`` line followed by its item (or ``- item``);
a pipe table has a header row starting with ``|``, a ``|---|`` separator, and data rows that may
or may not start with ``|``. Every table row becomes its own chunk.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from .errors import CorpusError, DocumentError
from .models import Chunk, CodeType, Document, IngestIssue, Section, Table

MAX_BYTES = 5_000_000
PROSE_CHUNK_CHARS = 400  # small enough that a question's sentence is not drowned by its neighbours
SUFFIXES = (".txt", ".md")

TITLE_RE = re.compile(r"^(?:CPT|HCPCS)(?:\s+code)?\s+([0-9A-Z]{5})\s*[:\u2013\u2014-]\s*(\S.*)$", re.I)
SEPARATOR_RE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
CODE_LIKE_RE = re.compile(r"^[0-9]{4}[0-9A-Z]$", re.I)
HEADING_MAX_WORDS = 12


def code_key(code: str) -> str:
    """The form codes are matched in: upper case, no dots or spaces (``c18 .9`` → ``C189``)."""
    return re.sub(r"[\s.]", "", code).upper()


def column_code_type(column: str, first_cell: str) -> CodeType | None:
    """What kind of code a table holds, from its first column's name, else from the code's shape."""
    name = column.lower()
    for word, kind in (("modifier", "modifier"), ("taxonomy", "taxonomy"), ("icd", "icd10"),
                       ("hcpcs", "hcpcs"), ("cpt", "cpt")):
        if word in name:
            return kind  # type: ignore[return-value]
    cell = code_key(first_cell)
    if re.fullmatch(r"[0-9A-Z]{2}", cell):
        return "modifier"
    if re.fullmatch(r"[0-9]{3}[0-9A-Z]{6}X", cell):
        return "taxonomy"
    if re.fullmatch(r"[A-Z][0-9][0-9A-Z]{1,5}", cell):
        return "icd10"
    if re.fullmatch(r"[0-9]{4}[0-9A-Z]", cell):
        return "cpt"
    return None


def read_text(path: Path) -> str:
    """Read one corpus file as UTF-8 text, or raise DocumentError saying why it can't be."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(str(path), f"cannot be read ({exc.strerror or exc})") from exc
    if len(raw) > MAX_BYTES:
        raise DocumentError(str(path), f"is {len(raw):,} bytes; the limit for a report is {MAX_BYTES:,}")
    if b"\x00" in raw[:65536]:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise DocumentError(str(path), "is binary (NUL byte), not a text report", line)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DocumentError(str(path), f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); "
                            "save it as UTF-8", line) from exc
    if not text.strip():
        raise DocumentError(str(path), "is empty")
    return text


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


def _chunk_id(doc_code: str, section: Iterable[str], text: str) -> str:
    digest = hashlib.sha1(("\n".join(section) + "\n" + text).encode()).hexdigest()[:12]
    return f"{doc_code}-{digest}"


def parse(text: str, source: str, content_hash: str | None = None) -> Document:
    """Parse one report's text. Problems that don't stop parsing are returned in ``issues``."""
    lines = text.splitlines()
    issues: list[IngestIssue] = []
    code, title = "", ""
    path: tuple[str, ...] = ()
    prev_heading = False
    sections: dict[tuple[str, ...], tuple[int, list[str]]] = {}
    tables: list[Table] = []
    i, bullet_next = 0, False

    def warn(line_no: int, reason: str) -> None:
        issues.append(IngestIssue(path=source, line=line_no, level="warning", reason=reason))

    def add_paragraph(line_no: int, para: str) -> None:
        sections.setdefault(path or ("Overview",), (line_no, []))[1].append(para)

    while i < len(lines):
        line, line_no = lines[i].strip(), i + 1
        i += 1
        if not line:
            continue
        if not code and i <= 5 and (m := TITLE_RE.match(line)):
            code, title = m.group(1).upper(), m.group(2).strip()
            prev_heading = False
            continue
        if _starts_table(lines, i - 1):
            columns = tuple(_cells(line))
            rows, row_lines = [], []
            i += 1
            while i < len(lines) and "|" in lines[i] and not _starts_table(lines, i):
                cells, n = _cells(lines[i]), i + 1
                i += 1
                if len(cells) > len(columns):
                    warn(n, f"table row has {len(cells)} cells, the header has {len(columns)}; "
                         "extra cells were joined into the last column")
                    cells = cells[: len(columns) - 1] + [" | ".join(cells[len(columns) - 1:])]
                elif len(cells) < len(columns):
                    warn(n, f"table row has {len(cells)} cells, the header has {len(columns)}; row skipped")
                    continue
                if not cells[0]:
                    warn(n, "table row has an empty first cell; row skipped")
                    continue
                rows.append(tuple(cells))
                row_lines.append(n)
            if not rows:
                warn(line_no, "table has a header but no data rows")
            tables.append(Table(section=path or ("Overview",), line=line_no, columns=columns,
                                rows=tuple(rows), row_lines=tuple(row_lines)))
            prev_heading = False
            continue
        if "|" in line and SEPARATOR_RE.match(line):
            warn(line_no, "table separator without a header row above it; ignored")
            continue
        if line == "-":
            bullet_next = True
            continue
        if bullet_next or line.startswith("- ") or line.startswith("* "):
            item = line if bullet_next else line[2:].strip()
            bullet_next = False
            add_paragraph(line_no, item)
            prev_heading = False
            continue
        if _is_heading(line):
            if prev_heading:
                path = (*path, line)
            elif len(path) >= 2:
                path = (*path[:-1], line)
            else:
                path = (line,)
            sections.setdefault(path, (line_no, []))
            prev_heading = True
            continue
        add_paragraph(line_no, line)
        prev_heading = False

    if not code:
        stem = Path(source).stem.upper()
        code = stem if CODE_LIKE_RE.match(stem) else stem[:20]
        warn(1, f"no title line like 'CPT 0600T: <title>' in the first 5 lines; using '{code}' from "
             "the file name")
    title = title or code
    if not any(paras for _, paras in sections.values()) and not any(t.rows for t in tables):
        raise DocumentError(source, "has no prose or table rows")
    doc_hash = content_hash or hashlib.sha256(text.encode()).hexdigest()
    chunks = []
    for chunk in [*_prose_chunks(code, title, source, sections), *_row_chunks(code, title, source, tables)]:
        if any(c.id == chunk.id for c in chunks):
            warn(chunk.line, "repeats an earlier row or paragraph of the same section word for word; "
                 "the repeat was skipped")
            continue
        chunks.append(chunk)
    return Document(
        code=code, title=title, source=source, content_hash=doc_hash,
        sections=tuple(Section(path=p, line=n, paragraphs=tuple(ps)) for p, (n, ps) in sections.items()),
        tables=tuple(tables), chunks=tuple(chunks), issues=tuple(issues),
    )


SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")


def sentences(text: str) -> list[str]:
    """Sentences of prose, paragraphs kept apart; each is a verbatim span of ``text``."""
    return [s.strip() for para in text.split("\n\n") for s in SENTENCE_RE.split(para) if s.strip()]


def _pieces(paras: list[str]) -> list[str]:
    """Paragraphs, with a long one cut at sentence boundaries into pieces of about PROSE_CHUNK_CHARS."""
    out = []
    for para in paras:
        if len(para) <= PROSE_CHUNK_CHARS:
            out.append(para)
            continue
        piece = ""
        for sent in SENTENCE_RE.split(para):
            if piece and len(piece) + 1 + len(sent) > PROSE_CHUNK_CHARS:
                out.append(piece)
                piece = sent
            else:
                piece = f"{piece} {sent}" if piece else sent
        if piece:
            out.append(piece)
    return out


def _prose_chunks(code: str, title: str, source: str,
                  sections: dict[tuple[str, ...], tuple[int, list[str]]]) -> Iterable[Chunk]:
    """One chunk per paragraph or bullet (a bullet is often a field, "Typical site of service: …");
    a long paragraph is cut at sentence boundaries."""
    for path, (line_no, paras) in sections.items():
        for body in _pieces(paras):
            yield Chunk(id=_chunk_id(code, path, body), doc_code=code, doc_title=title, source=source,
                        section=path, kind="prose", text=body, line=line_no)


def _row_chunks(code: str, title: str, source: str, tables: list[Table]) -> Iterable[Chunk]:
    for table in tables:
        if not table.rows:
            continue
        code_type = column_code_type(table.columns[0], table.rows[0][0])
        label = f"{table.columns[0].lower()} table"
        for cells, line_no in zip(table.rows, table.row_lines, strict=True):
            body = " | ".join(cells)
            yield Chunk(id=_chunk_id(code, table.section, body), doc_code=code, doc_title=title,
                        source=source, section=table.section, kind="row", text=body, line=line_no,
                        columns=table.columns, cells=cells, code=cells[0].upper(), code_type=code_type,
                        table=label)


def load_corpus(folder: Path) -> tuple[list[Document], list[IngestIssue]]:
    """Parse every report in ``folder``. A bad file is reported and skipped; the rest still load."""
    if not folder.is_dir():
        raise CorpusError(f"corpus folder {folder} does not exist; create it and add a report (.txt or .md)")
    docs: list[Document] = []
    issues: list[IngestIssue] = []
    seen: dict[str, str] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        rel = str(path)
        if path.suffix.lower() not in SUFFIXES:
            issues.append(IngestIssue(path=rel, level="warning", reason="not a .txt or .md file; ignored"))
            continue
        try:
            text = read_text(path)
            doc = parse(text, source=path.name, content_hash=hashlib.sha256(path.read_bytes()).hexdigest())
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
