"""The code-set audit on the real report and the fixture reports (tests/data/README.md lists their errors).

Expected facts are checked against the shipped data itself (the NUCC CSV read with ``csv``, ICD-10-CM
through ``simple_icd_10_cm``), so a finding is verifiable, not just present.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from importlib import metadata, resources
from pathlib import Path

import pytest
from conftest import CORPUS, REPORTS

from assistant.audit import (
    NUCC_VERSION,
    Finding,
    audit_chunk,
    audit_chunks,
    audit_summary_table,
    codeset_versions,
    icd_source,
)
from assistant.ingest import load_corpus, parse, read_text
from assistant.models import Chunk, CodeWarning

DATA = resources.files("assistant") / "data"


def _chunks(path: Path) -> list[Chunk]:
    return list(parse(read_text(path), source=path.name).chunks)


def _row(chunks: list[Chunk], code: str) -> Chunk:
    (row,) = [c for c in chunks if c.kind == "row" and c.code == code]
    return row


def _by_code(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.code, []).append(f)
    return out


@pytest.fixture(scope="module")
def nucc() -> dict[str, dict[str, str]]:
    """Oracle: the shipped CSV, read independently of the module under test."""
    with (DATA / "nucc_taxonomy.csv").open(encoding="utf-8", newline="") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def real() -> list[Finding]:
    docs, _ = load_corpus(CORPUS)
    return audit_chunks(c for d in docs if d.code == "0600T" for c in d.chunks)


@pytest.fixture(scope="module")
def chunks_0441t() -> list[Chunk]:
    return _chunks(REPORTS / "0441T.txt")


@pytest.fixture(scope="module")
def chunks_0581t() -> list[Chunk]:
    return _chunks(REPORTS / "0581T.txt")


# -- the real report (issue 8) ----------------------------------------------------------------


def test_real_report_findings_are_exactly_the_known_ones(real):
    assert sorted((f.code, f.kind) for f in real) == sorted([
        ("208800000X", "description_mismatch"), ("208600000X", "description_mismatch"),
        ("207P00000X", "description_mismatch"), ("207L00000X", "description_mismatch"),
        ("207K00000X", "description_mismatch"),
        ("C64.1", "description_mismatch"), ("C64.2", "description_mismatch"), ("C34.9", "not_billable"),
    ])
    assert all(f.document == "0600T" and f.source == "0600T.txt" and f.message.startswith("⚠ ") for f in real)


def test_207L00000X_is_anesthesiology_and_urology_is_208800000X(real, nucc):
    (f,) = _by_code(real)["207L00000X"]
    assert (f.report_says, f.official, f.source_set, f.line) == ("Urology", "Anesthesiology", "NUCC 26.1", 36)
    assert f.message == "⚠ NUCC 26.1: 207L00000X is Anesthesiology; Urology is 208800000X."
    assert nucc["207L00000X"]["classification"] == "Anesthesiology"
    assert nucc["208800000X"]["classification"] == "Urology"


def test_every_taxonomy_label_of_the_real_report_disagrees_with_nucc(real, nucc):
    tax = [f for f in real if f.code_type == "taxonomy"]
    assert len(tax) == 5
    for f in tax:
        row = nucc[f.code]
        assert f.official == (row["specialization"] or row["classification"])
        assert f.report_says not in (row["classification"], row["specialization"], row["display_name"])
    assert _by_code(real)["207K00000X"][0].message == (
        "⚠ NUCC 26.1: 207K00000X is Allergy & Immunology; Surgical Oncology is 2086X0206X.")
    # NUCC has no label equal to "Interventional Radiology" (2085R0204X is Vascular & Interventional
    # Radiology), so no code is named for it.
    assert _by_code(real)["208800000X"][0].message == (
        "⚠ NUCC 26.1: 208800000X is Urology, not Interventional Radiology.")


def test_C64_1_upper_pole_is_a_description_mismatch(real):
    (f,) = _by_code(real)["C64.1"]
    assert f.report_says == "Malignant neoplasm of upper pole of right kidney"
    assert f.official == "Malignant neoplasm of right kidney, except renal pelvis"
    assert f.source_set == icd_source()
    assert f.message == ("⚠ ICD-10-CM: C64.1 is “Malignant neoplasm of right kidney, except renal pelvis”; "
                         "the report says “Malignant neoplasm of upper pole of right kidney”.")


def test_C64_2_names_the_left_kidney_officially(real):
    (f,) = _by_code(real)["C64.2"]
    assert f.official == "Malignant neoplasm of left kidney, except renal pelvis"


def test_C34_9_is_not_billable_and_lists_its_billable_codes(real):
    (f,) = _by_code(real)["C34.9"]  # the reworded description alone is not a finding
    assert f.kind == "not_billable"
    assert f.message == ("⚠ ICD-10-CM: C34.9 is a subcategory, not a billable code — "
                         "billable: C34.90, C34.91, C34.92.")


def test_reworded_but_right_descriptions_pass(real):
    """C78.00 "lung, unspecified" for "unspecified lung": same words, so no finding (module docstring)."""
    assert "C78.00" not in _by_code(real) and "C18.9" not in _by_code(real)


def test_modifiers_and_well_formed_cpt_codes_raise_nothing(real):
    assert {f.code_type for f in real} == {"taxonomy", "icd10"}


# -- fixture reports ----------------------------------------------------------------------------


def test_0441T_finds_exactly_its_two_deliberate_errors(chunks_0441t):
    found = _by_code(audit_chunks(chunks_0441t))
    assert sorted(found) == ["G57.31", "G57.6"]
    (g576,) = found["G57.6"]
    assert (g576.kind, g576.line) == ("not_billable", 37)
    assert g576.message.endswith("billable: G57.60, G57.61, G57.62, G57.63.")
    (g5731,) = found["G57.31"]
    assert (g5731.kind, g5731.line) == ("description_mismatch", 40)
    assert g5731.official == "Lesion of lateral popliteal nerve, right lower limb"


def test_0581T_finds_exactly_its_two_deliberate_errors(chunks_0581t):
    found = _by_code(audit_chunks(chunks_0581t))
    assert sorted(found) == ["207L00000X", "C50.9"]
    (tax,) = found["207L00000X"]
    assert (tax.kind, tax.line, tax.official) == ("description_mismatch", 43, "Anesthesiology")
    assert tax.message == "⚠ NUCC 26.1: 207L00000X is Anesthesiology, not Breast Surgery."
    (c509,) = found["C50.9"]
    assert (c509.kind, c509.line) == ("not_billable", 13)
    assert c509.message.endswith("billable: C50.911, C50.912, C50.919, C50.921, C50.922, ….")


@pytest.mark.parametrize("code", ["G57.61", "G57.62", "M79.2", "G89.29",
                                  "2085R0204X", "208VP0014X", "207LP2900X", "213ES0103X"])
def test_correct_0441T_rows_raise_no_finding(chunks_0441t, code):
    assert audit_chunk(_row(chunks_0441t, code)) == []


@pytest.mark.parametrize("code", ["C50.911", "C50.912", "C50.411", "D05.11", "2086X0206X", "2085R0202X"])
def test_correct_0581T_rows_raise_no_finding(chunks_0581t, code):
    assert audit_chunk(_row(chunks_0581t, code)) == []


# -- synthetic rows: formats and unknown codes --------------------------------------------------

SYNTHETIC = """Summary & Overview
CPT 0998T: Fictional report for the audit tests
Related CPT Codes
| CPT Code | Description | Relationship |
|---|---|---|
| 7701 | Too short | x |
| ABCDE | Letters | x |
| 0600T | Category III | x |
| 99213 | Office visit | x |
| 0001U | PLA code | x |
| J1234 | A HCPCS code in a CPT table | x |
Related HCPCS Codes
| HCPCS Code | Description | Relationship |
|---|---|---|
| J123 | Too short | x |
| G0500 | Moderate sedation | x |
Related Diagnoses
| ICD-10 Code | Description | Clinical Relevance |
|---|---|---|
| C64.7 | Not a code | x |
Taxonomy
| Taxonomy Code | Specialty | Notes |
|---|---|---|
| 123456789X | Made up | x |
| 207Y00000X | Otolaryngology (ENT) | x |
"""


@pytest.fixture(scope="module")
def synthetic() -> dict[str, list[Finding]]:
    return _by_code(audit_chunks(parse(SYNTHETIC, source="synthetic.txt").chunks))


def test_bad_cpt_and_hcpcs_formats_are_found(synthetic):
    assert {code for code, fs in synthetic.items() if fs[0].kind == "bad_format"} == {"7701", "ABCDE", "J123"}
    (f,) = synthetic["7701"]
    assert f.code_type == "cpt" and f.message.startswith("⚠ CPT: 7701 is not a valid code format")
    assert synthetic["J123"][0].message.startswith("⚠ HCPCS: J123")


def test_unknown_codes_are_found_and_a_parenthetical_gloss_is_ignored(synthetic):
    assert synthetic["C64.7"][0].kind == "unknown_code"
    assert synthetic["123456789X"][0].kind == "unknown_code"
    assert synthetic["123456789X"][0].message == "⚠ NUCC 26.1: 123456789X is not a provider taxonomy code."
    assert sorted(synthetic) == ["123456789X", "7701", "ABCDE", "C64.7", "J123"]  # 207Y00000X passes


# -- data, versions, output ---------------------------------------------------------------------


def test_code_sets_load_offline_with_their_versions():
    """The autouse conftest fixture blocks the network: everything here is read from installed files."""
    versions = codeset_versions()
    assert versions["nucc_taxonomy"] == NUCC_VERSION == "26.1"
    assert versions["simple_icd_10_cm"] == metadata.version("simple_icd_10_cm")
    assert versions["icd10cm"].isdigit() and len(versions["icd10cm"]) == 4
    assert icd_source().startswith(f"ICD-10-CM {versions['icd10cm']} (")
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    package = f"simple-icd-10-cm` {versions['simple_icd_10_cm']}"
    for fact in (f"version {NUCC_VERSION}", versions["nucc_sha256"], package, f"FY{versions['icd10cm']}"):
        assert fact in sources, f"SOURCES.md does not record {fact!r}"


def test_importing_the_module_loads_no_code_set():
    code = "import sys, assistant.audit; print('simple_icd_10_cm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_summary_table_and_warnings(real):
    table = audit_summary_table(real)
    head = table.splitlines()[0].split()
    assert head[:3] == ["document", "line", "code"] and head[-1] == "kind"
    for f in real:
        assert f.code in table and f.report_says in table and f.official in table
    assert "8 finding(s)" in table
    assert audit_summary_table([]).startswith("No findings.")
    w = real[0].warning()
    assert isinstance(w, CodeWarning) and (w.code, w.source, w.message) == (real[0].code, real[0].source_set,
                                                                             real[0].message)


def test_icd10cm_names_conditions_a_row_does_not_describe():
    """The check behind "the closest code it lists does not describe …", against ICD-10-CM itself."""
    from assistant.icd import icd_unlisted
    from assistant.vocab import tokenize

    def unlisted(asked: str, row: str) -> set[str]:
        return icd_unlisted(set(tokenize(asked)), set(tokenize(row)))

    sleep_apnea = "Obstructive sleep apnea (adult) (pediatric)"
    assert unlisted("central sleep apnea", sleep_apnea) == set(tokenize("central"))  # G47.31 exists
    assert unlisted("obstructive sleep apnea", sleep_apnea) == set()
    assert unlisted("bipolar disorder", "Major depressive disorder, single episode, moderate") == {"bipolar"}
    # Lacking only qualifiers on thousands of items (left, acute) is no evidence of another condition.
    assert unlisted("acute left", "Calculus of gallbladder with chronic cholecystitis") == set()
    # Words no item holds together (a lay phrase, a patient's situation) leave the row to the ranking.
    assert unlisted("central sleep apnea in a pt getting cpap shots", sleep_apnea) == set()


def test_a_condition_is_matched_as_icd10cm_writes_it():
    """"preeclampsia" typed closed is ICD-10-CM's "pre-eclampsia", and a "3rd" trimester its "third": so
    the code set knows "severe preeclampsia 3rd trimester" (O14.13), which a gestational hypertension row
    does not describe; a row writing it either way does."""
    from assistant.icd import icd_unlisted
    from assistant.vocab import tokenize

    def unlisted(asked: str, row: str) -> set[str]:
        return icd_unlisted(set(tokenize(asked)), set(tokenize(row)))

    asked = "severe preeclampsia 3rd trimester"
    hypertension = "Gestational [pregnancy-induced] hypertension without significant proteinuria, third trimester"
    assert unlisted(asked, hypertension) >= set(tokenize("severe pre-eclampsia"))
    assert unlisted(asked, "Severe pre-eclampsia, third trimester") == set()
    assert unlisted(asked, "Severe preeclampsia, 3rd trimester") == set()


def test_icd10cm_names_a_code_by_its_inclusion_terms_and_its_subcategory_s():
    from assistant.icd import icd_names
    from assistant.vocab import tokenize

    names = icd_names(["R55", "T78.2XXA", "K80.00", "NOT.A.CODE"])
    assert set(tokenize("fainting blackout syncope")) <= names["R55"]
    # T78.2XXA's own terms say "Anaphylactic shock"; its subcategory T78.2 also calls it "Anaphylaxis".
    assert set(tokenize("anaphylaxis")) <= names["T78.2XXA"]
    assert not set(tokenize("adverse effects")) & names["T78.2XXA"]  # the category T78's, not its name
    assert all(w.isalpha() for w in names["K80.00"])  # "listed in K80.2" names no code
    assert names["NOT.A.CODE"] == frozenset()


def test_icd10cm_s_neoplasm_categories_give_the_organs():
    """The one-word sites of chapter 2's categories ("Malignant neoplasm of liver and intrahepatic bile ducts")
    are organs; its residual wording ("other and unspecified sites") and many-word sites are not."""
    from assistant.icd import icd_words
    from assistant.vocab import tokenize

    sites = icd_words().sites
    for organ in ("liver", "lung", "kidney", "prostate", "breast", "pancreas", "skin"):
        assert set(tokenize(organ)) <= sites, organ
    assert not set(tokenize("other unspecified sites ill-defined intrahepatic bile ducts vein")) & sites
    assert 30 <= len(sites) <= 80


def test_the_icd10cm_word_index_is_cached_and_a_bad_cache_file_is_rebuilt(tmp_path, monkeypatch):
    from assistant import icd as audit

    monkeypatch.setenv("ASSISTANT_CACHE", str(tmp_path))
    audit.icd_words.cache_clear()
    try:
        built = audit.icd_words()
        (path,) = (tmp_path / "icd10cm").glob("words-*.npz")
        path.write_bytes(b"not an npz file")
        audit.icd_words.cache_clear()
        rebuilt = audit.icd_words()
        assert rebuilt.items == built.items > 90_000
        assert list(rebuilt.words["apnea"]) == list(built.words["apnea"])
        assert path.read_bytes()[:2] == b"PK"  # written again as a numpy archive
    finally:
        audit.icd_words.cache_clear()
