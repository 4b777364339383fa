"""Chunking: a parsed report's sections and tables → the chunks that are embedded and cited.

One chunk per table row (with its columns and cells) and per paragraph or bullet; a long paragraph is
cut at sentence boundaries. A chunk's id derives from its report, section and text, so it survives a
rebuild and a change of file format.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from .models import Chunk, CodeType, Table

# How a table row's cells are joined into its chunk's text (and split again where a cell is read alone).
CELL_SEPARATOR = " | "
PROSE_CHUNK_CHARS = 400  # small enough that a question's sentence is not drowned by its neighbours


def code_key(code: str) -> str:
    """The form codes are matched in: upper case, no dots or spaces (``c18 .9`` → ``C189``)."""
    return re.sub(r"[\s.]", "", code).upper()


def _named_type(column: str) -> CodeType | None:
    name = column.lower()
    # Place-of-service codes are two digits, like modifiers: only the column's name tells them apart.
    if re.search(r"\bpos\b|place of service", name):
        return "pos"
    for word, kind in (("modifier", "modifier"), ("taxonomy", "taxonomy"), ("icd", "icd10"),
                       ("hcpcs", "hcpcs"), ("cpt", "cpt")):
        if word in name:
            return kind  # type: ignore[return-value]
    return None


def column_code_type(column: str, first_cell: str) -> CodeType | None:
    """What kind of code a table holds, from its first column's name, else from the code's shape."""
    named = _named_type(column)
    if named:
        return named
    cell = code_key(first_cell)
    # A letter and four digits with no dot is HCPCS Level II (L3001, J9271): ICD-10-CM writes a code of more
    # than three characters with its dot (L30.1).
    if re.fullmatch(r"[A-Z][0-9]{4}", first_cell.strip().upper()):
        return "hcpcs"
    if re.fullmatch(r"[0-9A-Z]{2}", cell):
        return "modifier"
    if re.fullmatch(r"[0-9]{3}[0-9A-Z]{6}X", cell):
        return "taxonomy"
    if re.fullmatch(r"[A-Z][0-9][0-9A-Z]{1,5}", cell):
        return "icd10"
    if re.fullmatch(r"[0-9]{4}[0-9A-Z]", cell):
        return "cpt"
    return None


def _chunk_id(doc_code: str, section: Iterable[str], text: str) -> str:
    digest = hashlib.sha1(("\n".join(section) + "\n" + text).encode()).hexdigest()[:12]
    return f"{doc_code}-{digest}"


# A sentence ends at . ! or ? before a capital, digit or parenthesis, but not after an English title or
# Latin abbreviation ("Dr. Rao would bill…", "e.g. Aetna").
ABBREVIATED = ("Dr", "Mr", "Mrs", "Ms", "Prof", "St", "Jr", "Sr", "vs", "e.g", "i.e", "approx")
SENTENCE_RE = re.compile("".join(rf"(?<!\b{re.escape(a)}\.)" for a in ABBREVIATED)
                         + r"(?<=[.!?])\s+(?=[A-Z0-9(])")


def sentences(text: str) -> list[str]:
    """Sentences of prose, paragraphs kept apart; each is a verbatim span of ``text``."""
    return [s.strip() for para in text.split("\n\n") for s in SENTENCE_RE.split(para) if s.strip()]


def _pieces(paras: list[str]) -> list[tuple[str, int]]:
    """Paragraphs, with a long one cut at sentence boundaries into pieces of about PROSE_CHUNK_CHARS;
    each piece with the index of its paragraph."""
    out = []
    for k, para in enumerate(paras):
        if len(para) <= PROSE_CHUNK_CHARS:
            out.append((para, k))
            continue
        piece = ""
        for sent in SENTENCE_RE.split(para):
            if piece and len(piece) + 1 + len(sent) > PROSE_CHUNK_CHARS:
                out.append((piece, k))
                piece = sent
            else:
                piece = f"{piece} {sent}" if piece else sent
        if piece:
            out.append((piece, k))
    return out


def prose_chunks(code: str, title: str, source: str,
                  sections: dict[tuple[str, ...], tuple[int, int | None, list[str], list[int | None]]],
                  ) -> Iterable[Chunk]:
    """One chunk per paragraph or bullet (a bullet is often a field, "Typical site of service: …");
    a long paragraph is cut at sentence boundaries."""
    for path, (line_no, _, paras, pages) in sections.items():
        for body, k in _pieces(paras):
            yield Chunk(id=_chunk_id(code, path, body), doc_code=code, doc_title=title, source=source,
                        section=path, kind="prose", text=body, line=line_no, page=pages[k])


def code_column(table: Table) -> int:
    """The column holding a table's codes: the first, unless it names no kind of code and holds none
    while a later one does ("Component Test | Individual CPT Code | …")."""
    if column_code_type(table.columns[0], table.rows[0][0]):
        return 0
    for i, (column, cell) in enumerate(zip(table.columns, table.rows[0], strict=False)):
        if _named_type(column) and column_code_type(column, cell):
            return i
    return 0


def row_chunks(code: str, title: str, source: str, tables: list[Table]) -> Iterable[Chunk]:
    """One chunk per table row; its cells start with the code (its column moved first when it isn't),
    so a row's code and its description are found the same way in every table."""
    for table in tables:
        if not table.rows:
            continue
        at = code_column(table)
        first = [at, *(i for i in range(len(table.columns)) if i != at)]
        columns = tuple(table.columns[i] for i in first)
        code_type = column_code_type(columns[0], table.rows[0][at])
        label = f"{columns[0].lower()} table"
        pages = table.row_pages or (None,) * len(table.rows)
        for row, line_no, page in zip(table.rows, table.row_lines, pages, strict=True):
            body = CELL_SEPARATOR.join(row)
            cells = tuple(row[i] for i in first if i < len(row))
            yield Chunk(id=_chunk_id(code, table.section, body), doc_code=code, doc_title=title,
                        source=source, section=table.section, kind="row", text=body, line=line_no, page=page,
                        columns=columns, cells=cells, code=cells[0].upper(), code_type=code_type,
                        table=label)


