"""The PDF reader (pdfplumber): placeholder until the reader lands."""

from __future__ import annotations

from .errors import DocumentError
from .formats import Block


def read_pdf(raw: bytes, source: str) -> tuple[list[Block], int]:
    raise DocumentError(source, "PDF reading is not implemented yet")
