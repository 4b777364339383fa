"""Pydantic models passed between pipeline stages: documents, chunks, hits, citations, answers."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CodeType = Literal["modifier", "taxonomy", "icd10", "cpt", "hcpcs", "pos"]
# CPT and HCPCS codes share a report's related-codes table ("Related CPT/HCPCS Codes"), and staff call
# either by either name: for finding rows they are one kind.
PROCEDURE_KINDS: tuple[CodeType, ...] = ("cpt", "hcpcs")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IngestIssue(Frozen):
    """A problem found while reading a corpus file; `level` error means the file was skipped."""

    path: str
    line: int | None = None
    level: Literal["warning", "error"]
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{self.level}: {where}: {self.reason}"


class Chunk(Frozen):
    """The unit of retrieval: one table row, or one (part of a) prose section."""

    id: str
    doc_code: str
    doc_title: str
    source: str
    section: tuple[str, ...]
    kind: Literal["row", "prose"]
    text: str
    line: int
    columns: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()
    code: str | None = None
    code_type: CodeType | None = None
    table: str | None = None
    # PDF only: the page the row or paragraph is on (``line`` is then a line of that page's text).
    page: int | None = None

    @property
    def section_path(self) -> str:
        return " › ".join(self.section)

    @property
    def fields(self) -> dict[str, str]:
        return dict(zip(self.columns, self.cells, strict=False))

    @property
    def description(self) -> str:
        return self.cells[1] if len(self.cells) > 1 else ""

    @property
    def name(self) -> str:
        """What the row's code is called: its description, and for a provider taxonomy its specialization
        too, as the NUCC code set names a code by classification and specialization ("Pediatrics,
        Pediatric Gastroenterology" is not the code called "Pediatrics")."""
        refined = [cell for col, cell in zip(self.columns[2:3], self.cells[2:3], strict=False)
                   if re.fullmatch(r"speciali[sz]ation", col.strip(), re.I) and re.search(r"[a-z]{3}", cell)
                   and not re.fullmatch(r"\W*(none|n/?a|not applicable)\W*", cell, re.I)]
        return ", ".join([self.description, *refined])


class Section(Frozen):
    path: tuple[str, ...]
    line: int
    paragraphs: tuple[str, ...] = ()
    page: int | None = None
    paragraph_pages: tuple[int | None, ...] = ()


class Table(Frozen):
    section: tuple[str, ...]
    line: int
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    row_lines: tuple[int, ...]
    page: int | None = None
    row_pages: tuple[int | None, ...] = ()


class Document(Frozen):
    """One parsed report."""

    code: str
    title: str
    source: str
    content_hash: str
    sections: tuple[Section, ...]
    tables: tuple[Table, ...]
    chunks: tuple[Chunk, ...]
    issues: tuple[IngestIssue, ...] = ()
    # What the file was read as: text (the plain export), markdown, html, docx or pdf.
    format: str = "text"
    pages: int | None = None

    @property
    def label(self) -> str:
        return f"{self.code} report"


class Hit(Frozen):
    chunk: Chunk
    score: float
    dense: float = 0.0
    lexical: float = 0.0
    exact: bool = False


class Citation(Frozen):
    """Where a quoted span comes from: document, section, row and the verbatim text."""

    n: int
    chunk_id: str
    document: str
    doc_title: str
    source: str
    section: tuple[str, ...]
    row: str | None = None
    quote: str
    score: float
    page: int | None = None

    @property
    def label(self) -> str:
        where = " › ".join((f"{self.document} report", *self.section))
        where = f"{where} — {self.row}" if self.row else where
        return f"{where} (p. {self.page})" if self.page else where


class CodeWarning(Frozen):
    """An official code-set fact that contradicts or qualifies what a report says."""

    code: str
    kind: str
    document: str
    report_says: str
    official: str
    source: str
    message: str


class Answer(Frozen):
    question: str
    text: str
    answered: bool
    citations: list[Citation] = Field(default_factory=list)
    warnings: list[CodeWarning] = Field(default_factory=list)
    intent: str = "lookup"
    resolved: str = ""

    def markdown(self) -> str:
        """Answer body, warnings and the numbered source list, as the chat shows it."""
        parts = [self.text]
        parts += [f"> {w.message}" for w in self.warnings]
        if self.citations:
            parts.append("\n".join(f"[{c.n}] {c.label}" for c in self.citations))
        return "\n\n".join(parts)
