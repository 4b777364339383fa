"""Ingestion on the real report, the fixture reports of other shapes and the malformed files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import BAD, CORPUS, REPORTS

from assistant.errors import CorpusError
from assistant.ingest import load_corpus, parse, read_text

REAL = CORPUS / "0600T.txt"
SPEC = ("Clinical & Coding Specifications", "Coding Specifications")

MODIFIERS = ["22", "23", "51", "52", "53", "62", "66", "78", "80", "81", "82", "AS", "QX"]
TAXONOMIES = ["208800000X", "208600000X", "207P00000X", "207L00000X", "207K00000X"]
ICD10 = ["C64.1", "C64.2", "C34.9", "C78.00", "C18.9"]
CPTS = ["32550", "49082", "76942", "77012", "99213"]


def _parse_file(path: Path):
    return parse(read_text(path), source=path.name)


def _rows(doc, code_type: str):
    return [c for c in doc.chunks if c.kind == "row" and c.code_type == code_type]


def _row(doc, code: str):
    found = [c for c in doc.chunks if c.kind == "row" and c.code == code]
    assert len(found) == 1, f"expected one row {code}, found {len(found)}"
    return found[0]


def _cells_of_line(line: str) -> list[str]:
    """Oracle: the cells of a pipe-table line as a reader sees them."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") else body
    return [c.strip() for c in body.split("|")]


@pytest.fixture(scope="module")
def doc():
    return _parse_file(REAL)


@pytest.fixture(scope="module")
def raw_lines() -> list[str]:
    return REAL.read_text(encoding="utf-8").splitlines()


# -- the real report -----------------------------------------------------------------------------


def test_title_and_code(doc):
    assert doc.code == "0600T"
    assert doc.title == "Percutaneous Irreversible Electroporation Tumor Ablation"
    assert doc.source == "0600T.txt"
    assert doc.issues == ()
    assert all(
        c.doc_code == "0600T" and c.doc_title == doc.title and c.source == "0600T.txt" for c in doc.chunks
    )


@pytest.mark.parametrize(
    ("code_type", "codes", "columns"),
    [
        ("modifier", MODIFIERS, ("Modifier", "Description", "When to Use")),
        ("taxonomy", TAXONOMIES, ("Taxonomy Code", "Specialty", "Notes")),
        ("icd10", ICD10, ("ICD-10 Code", "Description", "Clinical Relevance")),
        ("cpt", CPTS, ("CPT Code", "Description", "Relationship to This Procedure")),
    ],
)
def test_every_table_row_is_a_chunk_with_its_cells(doc, raw_lines, code_type, codes, columns):
    rows = _rows(doc, code_type)
    assert [r.code for r in rows] == codes
    for r in rows:
        assert r.columns == columns
        assert len(r.cells) == 3 and all(r.cells), r.cells
        # The chunk points at its line of the file and holds exactly that line's cells.
        assert r.cells == tuple(_cells_of_line(raw_lines[r.line - 1]))
        assert r.fields == dict(zip(columns, r.cells, strict=True))
        assert all(cell in r.text for cell in r.cells)


def test_row_counts(doc):
    rows = [c for c in doc.chunks if c.kind == "row"]
    assert len(rows) == 13 + 5 + 5 + 5
    assert len({r.code for r in rows}) == len(rows)


@pytest.mark.parametrize(
    ("code", "cells"),
    [
        (
            "53",
            (
                "53",
                "Discontinued procedure",
                "Use when the IRE was started but terminated for reasons unrelated to patient improvement "
                "(e.g., intra-procedural complication).",
            ),
        ),
        (
            "AS",
            (
                "AS",
                "Physician assistant, nurse practitioner, or clinical nurse specialist service as a "
                "substitute for surgeon",
                "Use when an advanced practice provider performs portions of the procedure in accordance "
                "with state scope of practice and payer rules.",
            ),
        ),
        (
            "82",
            (
                "82",
                "Assistant surgeon (when qualified resident not available)",
                "Use when a qualified resident would normally assist but is unavailable and a non-physician "
                "assistant performed the assistance per payer rules.",
            ),
        ),
        (
            "207L00000X",
            (
                "207L00000X",
                "Urology",
                "Performs percutaneous ablation for kidney or other genitourinary tumors.",
            ),
        ),
        (
            "C78.00",
            (
                "C78.00",
                "Secondary malignant neoplasm of lung, unspecified",
                "Metastatic lung lesions that may be targeted with percutaneous IRE for local control.",
            ),
        ),
        (
            "99213",
            (
                "99213",
                "Office/outpatient established patient visit, low to moderate complexity",
                "Typical pre-procedure or post-procedure outpatient evaluation and management visit "
                "related to IRE planning or follow-up.",
            ),
        ),
    ],
)
def test_exact_cells(doc, code, cells):
    row = _row(doc, code)
    assert row.cells == cells
    assert row.description == cells[1]


def test_modifier_rows_section_path(doc):
    for r in _rows(doc, "modifier"):
        assert r.section == SPEC
        assert r.section_path == "Clinical & Coding Specifications › Coding Specifications"
        assert r.table == "modifier table"


def test_row_lines(doc):
    assert _row(doc, "22").line == 18
    assert _row(doc, "QX").line == 30
    assert _row(doc, "208800000X").line == 33
    assert _row(doc, "C64.1").line == 41
    assert _row(doc, "99213").line == 53


def test_prose_chunks_carry_section_paths(doc):
    prose = [c for c in doc.chunks if c.kind == "prose"]
    assert prose
    sections = {c.section for c in prose}
    assert ("Summary & Overview",) in sections
    assert ("Billing Code Overview",) in sections
    assert ("Clinical & Coding Specifications", "Clinical Context") in sections
    for c in prose:
        assert c.section and all(c.section), c
        assert "|" not in c.text, "table text leaked into prose"
    clinical = " ".join(c.text for c in prose if c.section[-1] == "Clinical Context")
    assert "64-year-old patient" in clinical
    assert "Follow-up imaging and oncology consultation" in clinical
    billing = " ".join(c.text for c in prose if c.section == ("Billing Code Overview",))
    assert "Typical site of service: Hospital outpatient department or ambulatory surgical center" in billing
    summary = " ".join(c.text for c in prose if c.section == ("Summary & Overview",))
    assert "Key payers covered in this analysis include Aetna" in summary


def test_prose_is_verbatim_and_complete(doc):
    """Every prose piece is a verbatim span of the report; no sentence of the report is lost."""
    text = REAL.read_text(encoding="utf-8")
    prose = [c for c in doc.chunks if c.kind == "prose"]
    for c in prose:
        for para in c.text.split("\n\n"):
            assert para in text, para
    joined = "\n".join(c.text for c in prose)
    for key in (
        "Its national relevance stems",
        "Data not available in the input",
        "Imaging guidance is included",
        "Service type: Minimally invasive tumor ablation",
        "Short, high-voltage electrical pulses",
    ):
        assert key in joined


def test_headings_are_not_prose(doc):
    prose_paras = {p for c in doc.chunks if c.kind == "prose" for p in c.text.split("\n\n")}
    for heading in (
        "Summary & Overview",
        "Billing Code Overview",
        "Clinical & Coding Specifications",
        "Clinical Context",
        "Coding Specifications",
        "Related Diagnoses",
        "Related CPT Codes",
    ):
        assert heading not in prose_paras


def test_chunk_ids_unique_and_stable(doc):
    again = _parse_file(REAL)
    assert [c.id for c in again.chunks] == [c.id for c in doc.chunks]
    assert len({c.id for c in doc.chunks}) == len(doc.chunks)
    assert all(c.id.startswith("0600T-") for c in doc.chunks)


def test_chunk_ids_change_with_content(doc):
    text = REAL.read_text(encoding="utf-8")
    changed = parse(
        text.replace("intra-procedural complication", "intra-procedural hemorrhage"), source=REAL.name
    )
    before = {c.code: c.id for c in doc.chunks if c.kind == "row"}
    after = {c.code: c.id for c in changed.chunks if c.kind == "row"}
    assert after["53"] != before["53"]
    assert {k: v for k, v in after.items() if k != "53"} == {k: v for k, v in before.items() if k != "53"}
    prose_before = [c.id for c in doc.chunks if c.kind == "prose"]
    assert [c.id for c in changed.chunks if c.kind == "prose"] == prose_before


def test_chunk_ids_change_with_section(doc):
    text = REAL.read_text(encoding="utf-8")
    renamed = parse(text.replace("\nClinical Context\n", "\nClinical Scenario\n"), source=REAL.name)
    old = {c.id for c in doc.chunks if c.section[-1] == "Clinical Context"}
    new = {c.id for c in renamed.chunks if c.section[-1] == "Clinical Scenario"}
    assert old and new and not (old & new)


def test_load_corpus_real(tmp_path):
    shutil.copy2(REAL, tmp_path / REAL.name)
    docs, issues = load_corpus(tmp_path)
    assert [d.code for d in docs] == ["0600T"]
    assert issues == []
    assert docs[0].chunks == _parse_file(REAL).chunks


# -- fixture reports of other shapes -------------------------------------------------------------


def test_fixture_0441t():
    d = _parse_file(REPORTS / "0441T.txt")
    assert d.code == "0441T"
    assert d.title == "Percutaneous Cryoablation of Lower Extremity Distal/Peripheral Nerve"
    assert d.issues == ()
    assert [r.code for r in _rows(d, "modifier")] == ["22", "51", "52", "53", "59", "62", "LT", "RT"]
    assert [r.code for r in _rows(d, "taxonomy")] == ["2085R0204X", "208VP0014X", "207LP2900X", "213ES0103X"]
    assert [r.code for r in _rows(d, "icd10")] == ["G57.61", "G57.62", "G57.6", "M79.2", "G89.29", "G57.31"]
    assert [r.code for r in _rows(d, "cpt")] == ["64624", "64640", "76942", "77002"]
    r53 = _row(d, "53")
    assert r53.line == 21 and r53.section == SPEC
    assert "freeze cycle" in r53.cells[2]
    assert _row(d, "G57.31").cells[1] == "Lesion of medial popliteal nerve, right lower limb"


def test_fixture_0581t_fully_piped_and_reordered():
    path = REPORTS / "0581T.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    d = _parse_file(path)
    assert d.code == "0581T"
    assert d.title == "Percutaneous Cryoablation of Malignant Breast Tumor"
    assert d.issues == ()
    rows = [c for c in d.chunks if c.kind == "row"]
    assert len(rows) == 5 + 4 + 6 + 3
    for r in rows:
        assert lines[r.line - 1].startswith("|"), r.line
        assert r.cells == tuple(_cells_of_line(lines[r.line - 1]))
        assert all(r.cells) and len(r.cells) == 3
    assert [r.code for r in _rows(d, "modifier")] == ["22", "51", "53", "59", "76", "79"]
    assert [r.code for r in _rows(d, "icd10")] == ["C50.911", "C50.912", "C50.411", "D05.11", "C50.9"]
    assert [r.code for r in _rows(d, "cpt")] == ["19105", "19083", "76942", "77012"]
    assert [r.code for r in _rows(d, "taxonomy")] == ["2086X0206X", "2085R0202X", "207L00000X"]
    # Different section order: the diagnosis table comes before the overview and the modifiers.
    order = [s.path[-1] for s in d.sections]
    assert (
        order.index("Related Diagnoses")
        < order.index("Billing Code Overview")
        < order.index("Coding Specifications")
    )
    assert all(r.section[-1] == "Related Diagnoses" for r in _rows(d, "icd10"))
    assert all(r.section[-1] == "Related CPT Codes" for r in _rows(d, "cpt"))
    assert all(r.section == SPEC for r in _rows(d, "modifier"))
    r77012 = _row(d, "77012")
    assert r77012.line == 20
    assert r77012.cells[1].startswith("Computed tomography guidance for needle placement")
    assert _row(d, "C50.9").line == 13
    prose = {c.section for c in d.chunks if c.kind == "prose"}
    assert ("Billing Code Overview",) in prose
    assert ("Clinical & Coding Specifications", "Clinical Context") in prose


def test_fixture_ids_differ_across_reports():
    """The same modifier in two reports is two chunks with two ids."""
    a = _row(_parse_file(REPORTS / "0441T.txt"), "53")
    b = _row(_parse_file(REAL), "53")
    assert a.id != b.id


# -- bad files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("empty.txt", None, "empty"),
        ("blank.txt", None, "empty"),
        ("binary.txt", 1, "binary"),
    ],
)
def test_bad_file_is_an_error_and_the_rest_loads(tmp_path, name, line, words):
    shutil.copy2(BAD / name, tmp_path / name)
    shutil.copy2(REPORTS / "0441T.txt", tmp_path / "0441T.txt")
    docs, issues = load_corpus(tmp_path)
    assert [d.code for d in docs] == ["0441T"]
    errors = [i for i in issues if i.level == "error"]
    assert len(errors) == 1, issues
    err = errors[0]
    assert Path(err.path).name == name
    assert err.line == line
    assert words.lower() in err.reason.lower()
    assert name in str(err)
    if line is not None:
        assert f"{name}:{line}" in str(err)


def test_all_bad_files_together(tmp_path):
    for f in BAD.iterdir():
        shutil.copy2(f, tmp_path / f.name)
    shutil.copy2(REAL, tmp_path / REAL.name)
    docs, issues = load_corpus(tmp_path)
    assert {d.code for d in docs} >= {"0600T", "0999T"}
    errored = {Path(i.path).name for i in issues if i.level == "error"}
    # latin1.txt is read as Windows-1252, with a warning (issue 14): see test_formats.py.
    assert errored == {"empty.txt", "blank.txt", "binary.txt"}
    assert next(d for d in docs if d.code == "0600T").chunks == _parse_file(REAL).chunks


def test_broken_table_warns_with_lines(tmp_path):
    shutil.copy2(BAD / "broken_table.txt", tmp_path / "broken_table.txt")
    docs, issues = load_corpus(tmp_path)
    assert [d.code for d in docs] == ["0999T"]
    warnings = [i for i in issues if i.level == "warning"]
    assert sorted(i.line for i in warnings) == [17, 30]
    for w in warnings:
        assert Path(w.path).name == "broken_table.txt"
        assert f"broken_table.txt:{w.line}" in str(w)
        assert "cells" in w.reason
    by_line = {w.line: w.reason for w in warnings}
    assert "4" in by_line[17] and "3" in by_line[17]
    assert "2" in by_line[30] and "3" in by_line[30]
    d = docs[0]
    codes = {c.code for c in d.chunks if c.kind == "row"}
    assert {"22", "59", "2085R0204X", "C64.1", "76942"} <= codes
    assert "77012" not in codes  # too few cells: not served with a missing column


def test_no_title_warns_and_loads(tmp_path):
    shutil.copy2(BAD / "no_title.txt", tmp_path / "no_title.txt")
    docs, issues = load_corpus(tmp_path)
    assert len(docs) == 1 and docs[0].chunks
    assert [i.level for i in issues] == ["warning"]
    assert Path(issues[0].path).name == "no_title.txt"
    assert "title" in issues[0].reason


def test_duplicate_report_is_reported(tmp_path):
    shutil.copy2(REPORTS / "0441T.txt", tmp_path / "0441T.txt")
    shutil.copy2(REPORTS / "0441T.txt", tmp_path / "0441T-copy.txt")
    docs, issues = load_corpus(tmp_path)
    assert [d.code for d in docs] == ["0441T"]
    errors = [i for i in issues if i.level == "error"]
    assert len(errors) == 1 and "0441T" in errors[0].reason
    # Files load in name order; the error names the skipped one and the reason names the kept one.
    skipped, kept = Path(errors[0].path).name, docs[0].source
    assert {skipped, kept} == {"0441T.txt", "0441T-copy.txt"}
    assert kept in errors[0].reason


def test_other_suffix_ignored_with_warning(tmp_path):
    shutil.copy2(REAL, tmp_path / REAL.name)
    (tmp_path / "notes.rtf").write_bytes(b"{\\rtf1 notes}")  # .pdf is read since issue 14
    docs, issues = load_corpus(tmp_path)
    assert [d.code for d in docs] == ["0600T"]
    assert [(Path(i.path).name, i.level) for i in issues] == [("notes.rtf", "warning")]


def test_missing_corpus_folder(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(CorpusError, match="nowhere"):
        load_corpus(missing)


def test_repeated_row_gets_unique_ids_or_a_warning():
    text = REAL.read_text(encoding="utf-8")
    row = next(li for li in text.splitlines() if li.startswith("53 |"))
    doc = parse(text.replace(row, f"{row}\n{row}"), source=REAL.name)
    ids = [c.id for c in doc.chunks]
    duplicated = len(ids) != len(set(ids))
    warned = any(i.line == 23 for i in doc.issues)
    assert not duplicated or warned, "two chunks share an id and no warning names line 23"


LAB = """Summary & Overview
CPT 80053: Comprehensive metabolic panel
CPT code 80053 reports a panel of fourteen chemistry tests.
Panel Components
| Component Test | Individual CPT Code | What It Measures |
|---|---|---|
| Albumin | 82040 | Main serum protein. |
| Potassium | 84132 | Heart and muscle function. |
Coding Specifications
| Modifier | Description | When to Use |
|---|---|---|
91 | Repeat clinical diagnostic laboratory test | Use when the test is repeated the same day. |
"""


def test_a_tables_codes_are_found_in_whichever_column_names_them():
    doc = parse(LAB, "80053.txt")
    rows = {c.code: c for c in doc.chunks if c.kind == "row"}
    assert set(rows) == {"82040", "84132", "91"}
    potassium = rows["84132"]
    # The code column comes first and the test's name is its description; the row text stays verbatim.
    assert potassium.code_type == "cpt" and potassium.description == "Potassium"
    assert potassium.columns == ("Individual CPT Code", "Component Test", "What It Measures")
    assert potassium.text == "Potassium | 84132 | Heart and muscle function."
    assert rows["91"].cells[0] == "91" and rows["91"].code_type == "modifier"


def test_a_place_of_service_table_is_not_read_as_modifiers():
    """Two-digit place-of-service codes look like modifiers; only the column's name tells them apart."""
    text = LAB + """| POS Code | Place of Service | Notes |
|---|---|---|
81 | Independent Laboratory | Reference lab billing the panel. |
11 | Office | Physician office laboratory. |
"""
    rows = {(c.code, c.code_type) for c in parse(text, "80053.txt").chunks if c.kind == "row"}
    assert {("81", "pos"), ("11", "pos"), ("91", "modifier")} <= rows
    for header in ("POS", "Place of Service", "place of service code"):
        assert parse(text.replace("POS Code", header), "80053.txt").chunks[-1].code_type == "pos", header


def test_reading_a_table_differently_makes_the_index_stale():
    from assistant.index import corpus_hash

    doc = parse(LAB, "80053.txt")
    first_column = doc.model_copy(update={"chunks": tuple(
        c.model_copy(update={"code": c.text.split(" | ")[0].upper()}) if c.kind == "row" else c for c in doc.chunks)})
    assert corpus_hash([doc]) != corpus_hash([first_column])


def test_a_title_or_latin_abbreviation_does_not_end_a_sentence():
    from assistant.chunks import sentences

    text = ("Had the study been done in the hospital echo lab, Dr. Rao would bill 93306-26. Some plans "
            "(e.g. Aetna) vary. The claim follows.")
    assert sentences(text) == ["Had the study been done in the hospital echo lab, Dr. Rao would bill 93306-26.",
                               "Some plans (e.g. Aetna) vary.", "The claim follows."]


def _untitled(path: Path) -> list[str]:
    """A report's lines without its title line."""
    return [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("CPT 0441T:")]


@pytest.mark.parametrize(("first", "title"), [
    ("CPT 0441T Coding Brief: Percutaneous Cryoablation of Nerve", "Percutaneous Cryoablation of Nerve"),
    ("CPT 0441T Percutaneous Cryoablation of Nerve", "Percutaneous Cryoablation of Nerve"),
    ("CPT® code 0441T – Percutaneous Cryoablation of Nerve", "Percutaneous Cryoablation of Nerve"),
])
def test_a_title_line_naming_its_code_is_read_however_it_is_punctuated(tmp_path, first, title):
    """Exports title a report "CPT <code>: <name>", "CPT <code> Coding Brief: <name>" (words naming the kind
    of document before the colon are no part of the title) or "CPT <code> <name>"."""
    path = tmp_path / "report.txt"
    path.write_text("\n".join([first, *_untitled(REPORTS / "0441T.txt")]), encoding="utf-8")
    docs, issues = load_corpus(tmp_path)
    assert not issues and docs[0].code == "0441T" and docs[0].title == title


def test_a_sentence_naming_the_code_is_no_title(tmp_path):
    """A report opening with prose about its code has no title line: the file name gives the code."""
    path = tmp_path / "0441T.txt"
    path.write_text("\n".join(["CPT 0441T reports the percutaneous cryoablation of a lower extremity nerve.",
                               *_untitled(REPORTS / "0441T.txt")]), encoding="utf-8")
    docs, issues = load_corpus(tmp_path)
    assert docs[0].code == "0441T" and docs[0].title == "0441T" and "title" in issues[0].reason
