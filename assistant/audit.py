"""Audit: check every code a report lists against the official code sets, offline.

- **ICD-10-CM** (PyPI ``simple-icd-10-cm``, CDC/NCHS data): does the code exist, is it billable (a leaf),
  and does the report's description agree with the official one?
- **NUCC provider taxonomy** (``assistant/data/nucc_taxonomy.csv``, version 26.1): does the code exist,
  and does the report's specialty agree with NUCC's classification, specialization or display name?
- **CPT / HCPCS**: format only. CPT descriptors are AMA-copyrighted and not shipped. HCPCS Level I *is*
  CPT and reports mix both in one table, so a row of either type may hold either format.
- **Modifiers**: not checked; no official modifier list is shipped.

When do a report's words "agree" with the official text? A report may reword, reorder or leave out
words ("lung, unspecified" for "unspecified lung"): the code is what staff copy onto a claim, and a
shorter text is less specific, not wrong. It may not *add* a qualifier the official text lacks ("upper
pole", "medial", "right" for left): that describes another condition. So every content word of the
report must be found, fuzzily (plurals, typos), among the words of the official text. A whole-string
fuzzy score can't draw this line: one swapped word in a long description still scores in the 90s.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterable
from functools import cache
from importlib import metadata, resources
from typing import TYPE_CHECKING, Literal

from rapidfuzz import fuzz

from .icd import icd_module, icd_release
from .models import Chunk, CodeWarning, Frozen

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

Kind = Literal["unknown_code", "not_billable", "description_mismatch", "bad_format"]

NUCC_VERSION = "26.1"
NUCC_FILE = "nucc_taxonomy.csv"
# A report word is "found" in the official text when its best rapidfuzz ratio against an official word
# reaches this. Measured on corpus/0600T.txt and tests/data/reports/*.txt (see tests/data/README.md),
# row score = its worst word's: every true match scores 100 (the reworded C34.9 and C78.00 included);
# the mismatches score ≤ 48 (ICD: C64.1 "upper" 36, C64.2 "right" 43, G57.31 "medial" 46; NUCC: the
# five 0600T labels 26–48, 0581T's "Breast Surgery" 29). Whole-string token_set_ratio on the ICD rows:
# true matches 100, mismatches 75–92, and a left/right swap in S72.001A's long description 96 — no
# threshold works. 90 sits above near-misses the data lacks ("neurology"/"urology" 88, "hyperthyroidism"/
# "hypothyroidism" 89.7, "hyperglycemia"/"hypoglycemia" 88) and admits plurals ("neoplasms" 94, "kidneys" 92).
WORD_MATCH = 90
STOPWORDS = frozenset({"a", "an", "and", "or", "of", "the", "in", "on", "to", "for", "by", "at", "as"})
MAX_LISTED = 5  # billable codes named in a not_billable warning before "…"
CPT_RE = re.compile(r"[0-9]{5}|[0-9]{4}[FTU]")
HCPCS_RE = re.compile(r"[A-Z][0-9]{4}")
FORMAT_RULE = "CPT: 5 digits, or 4 digits + F, T or U; HCPCS Level II: a letter + 4 digits"
PARENTHETICAL_RE = re.compile(r"\([^)]*\)")


class Finding(Frozen):
    """One disagreement between a report's table row and an official code set."""

    document: str
    source: str
    line: int
    chunk_id: str
    code: str
    code_type: str
    kind: Kind
    report_says: str
    official: str
    source_set: str
    message: str

    def warning(self) -> CodeWarning:
        """The form an ``Answer`` carries."""
        return CodeWarning(code=self.code, kind=self.kind, document=self.document, report_says=self.report_says,
                           official=self.official, source=self.source_set, message=self.message)


def audit_chunks(chunks: Iterable[Chunk]) -> list[Finding]:
    """Findings for every table row among ``chunks``, in their order; prose chunks are skipped."""
    return [f for chunk in chunks if chunk.kind == "row" and chunk.code for f in audit_chunk(chunk)]


def audit_chunk(chunk: Chunk) -> list[Finding]:
    """Findings for one table row (none for modifiers, prose and untyped rows)."""
    check = _CHECKS.get(chunk.code_type or "")
    return check(chunk) if check and chunk.code else []


def codeset_versions() -> dict[str, str]:
    """Versions of the code sets the audit uses, for the index manifest (a change means re-audit)."""
    year, release = icd_release()
    return {"icd10cm": year, "icd10cm_release": release, "simple_icd_10_cm": metadata.version("simple_icd_10_cm"),
            "nucc_taxonomy": NUCC_VERSION, "nucc_sha256": hashlib.sha256(_nucc_path().read_bytes()).hexdigest(),
            "cpt_hcpcs": "format only", "modifier": "not checked"}


def icd_source() -> str:
    """E.g. ``ICD-10-CM 2026 (April 1, 2026 release; simple-icd-10-cm 1.5.0)``."""
    year, release = icd_release()
    return f"ICD-10-CM {year} ({release} release; simple-icd-10-cm {metadata.version('simple_icd_10_cm')})"


def audit_summary_table(findings: Iterable[Finding]) -> str:
    """A plain-text table of findings for the CLI, with the code sets checked against as a footer."""
    rows = [(f.document, str(f.line), f.code, f.report_says, f.official, f.kind) for f in findings]
    footer = (f"Checked against {icd_source()} and NUCC {NUCC_VERSION}; CPT/HCPCS by format only; "
              "modifiers not checked.")
    if not rows:
        return f"No findings.\n{footer}"
    head = ("document", "line", "code", "the report says", "the official set says", "kind")
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in (head, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join([*lines, "", f"{len(rows)} finding(s). {footer}"])


def words(text: str) -> list[str]:
    """Content words: lower case, ``&`` read as "and", punctuation stripped, stopwords dropped."""
    text = re.sub(r"[^\w\s]", " ", text.lower().replace("&", " and "))
    return [w for w in text.split() if w not in STOPWORDS]


def support(said: list[str], official: list[str]) -> float:
    """How well the official words back the report's: the worst report word's best rapidfuzz ratio."""
    if not said:
        return 100.0
    return min(max((fuzz.ratio(w, o) for o in official), default=0.0) for w in said)


# ICD-10-CM


def _check_icd10(chunk: Chunk) -> list[Finding]:
    cm, code, says = icd_module(), chunk.code or "", chunk.description
    if not cm.is_valid_item(code):
        return [_finding(chunk, "unknown_code", "not in ICD-10-CM", icd_source(),
                         f"⚠ ICD-10-CM: {code} is not an ICD-10-CM code.")]
    official = cm.get_description(code)
    found = []
    if not cm.is_leaf(code):
        leaves = [d for d in cm.get_descendants(code) if cm.is_leaf(d)]
        listed = ", ".join(leaves[:MAX_LISTED]) + (", …" if len(leaves) > MAX_LISTED else "")
        what = ("category" if cm.is_category(code) else "subcategory" if cm.is_subcategory(code)
                else "chapter or block")
        found.append(_finding(chunk, "not_billable", f"{what}, not billable — billable: {listed}", icd_source(),
                              f"⚠ ICD-10-CM: {code} is a {what}, not a billable code — billable: {listed}."))
    if support(words(says), words(official)) < WORD_MATCH:
        found.append(_finding(chunk, "description_mismatch", official, icd_source(),
                              f"⚠ ICD-10-CM: {code} is “{official}”; the report says “{says}”."))
    return found


# NUCC provider taxonomy


def _nucc_path() -> Traversable:
    return resources.files("assistant") / "data" / NUCC_FILE


@cache
def _nucc() -> dict[str, dict[str, str]]:
    with _nucc_path().open(encoding="utf-8", newline="") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}


def _labels(row: dict[str, str]) -> list[str]:
    return [t for t in (row["classification"], row["specialization"], row["display_name"]) if t]


def _label(row: dict[str, str]) -> str:
    return row["specialization"] or row["classification"]


def _named(said: list[str], grouping: str) -> str | None:
    """The NUCC code whose own label says the same as the report (same grouping first), if any."""
    same = [
        row for row in _nucc().values()
        if any(min(support(said, w := words(t)), support(w, said)) >= WORD_MATCH
               for t in (_label(row), row["display_name"]))
    ]
    same.sort(key=lambda row: row["grouping"] != grouping)  # stable: NUCC order within each
    return same[0]["code"] if same else None


def _check_taxonomy(chunk: Chunk) -> list[Finding]:
    code, says, source_set = chunk.code or "", chunk.description, f"NUCC {NUCC_VERSION}"
    row = _nucc().get(code)
    if row is None:
        return [_finding(chunk, "unknown_code", f"not in NUCC {NUCC_VERSION}", source_set,
                         f"⚠ NUCC {NUCC_VERSION}: {code} is not a provider taxonomy code.")]
    said = words(PARENTHETICAL_RE.sub(" ", says))  # "Otolaryngology (ENT)": the gloss is not NUCC's wording
    if max(support(said, words(t)) for t in _labels(row)) >= WORD_MATCH:
        return []
    other = _named(said, row["grouping"])
    tail = f"; {says} is {other}." if other and other != code else f", not {says}."
    return [_finding(chunk, "description_mismatch", _label(row), source_set,
                     f"⚠ NUCC {NUCC_VERSION}: {code} is {_label(row)}{tail}")]


# CPT / HCPCS


def _check_format(chunk: Chunk) -> list[Finding]:
    code = chunk.code or ""
    if CPT_RE.fullmatch(code) or HCPCS_RE.fullmatch(code):
        return []
    name = "CPT" if chunk.code_type == "cpt" else "HCPCS"
    return [_finding(chunk, "bad_format", FORMAT_RULE, f"{name} format (descriptors not shipped)",
                     f"⚠ {name}: {code} is not a valid code format ({FORMAT_RULE}).")]


def _finding(chunk: Chunk, kind: Kind, official: str, source_set: str, message: str) -> Finding:
    return Finding(document=chunk.doc_code, source=chunk.source, line=chunk.line, chunk_id=chunk.id,
                   code=chunk.code or "", code_type=chunk.code_type or "", kind=kind,
                   report_says=chunk.description, official=official, source_set=source_set, message=message)


_CHECKS: dict[str, Callable[[Chunk], list[Finding]]] = {
    "icd10": _check_icd10, "taxonomy": _check_taxonomy, "cpt": _check_format, "hcpcs": _check_format,
}
