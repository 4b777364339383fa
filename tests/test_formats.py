"""Every format reads into the same Document: each fixture report written as Markdown, HTML, Word (styled
and unstyled) and PDF parses to the plain export's sections, table rows and sentences (issue 14)."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
import render
from conftest import BAD, CORPUS, HELDOUT_DIRS, REPORTS

from assistant.ingest import load_corpus, parse, parse_file, sentences
from assistant.models import Citation

PLAIN = [CORPUS / "0600T.txt", REPORTS / "0441T.txt", REPORTS / "0581T.txt"]
# Reports written by helpers who never saw these readers: the conversions are checked on them too.
HELDOUT = sorted(f for d in HELDOUT_DIRS for f in (d / "reports").glob("*.txt"))
FORMAT_OF = {"md": "markdown", "html": "html", "docx": "docx", "docx-plain": "docx", "pdf": "pdf"}


def _plain(path: Path):
    return parse(path.read_text(encoding="utf-8"), source=path.name)


def _assert_same(doc, plain) -> None:
    """Equal as the issue defines it: same sections, same table rows cell for cell, same sentences."""
    assert (doc.code, doc.title) == (plain.code, plain.title)
    assert [s.path for s in doc.sections] == [s.path for s in plain.sections]
    for got, want in zip(doc.sections, plain.sections, strict=True):
        assert got.paragraphs == want.paragraphs, got.path
    assert [(t.section, t.columns, t.rows) for t in doc.tables] == \
        [(t.section, t.columns, t.rows) for t in plain.tables]
    said = [s for c in plain.chunks if c.kind == "prose" for s in sentences(c.text)]
    assert [s for c in doc.chunks if c.kind == "prose" for s in sentences(c.text)] == said
    # Chunk ids come from code, section and text: a report keeps its ids (and eval gold) in any format.
    assert [c.id for c in doc.chunks] == [c.id for c in plain.chunks]


@pytest.mark.parametrize("rendering", render.RENDERINGS)
@pytest.mark.parametrize("report", PLAIN, ids=lambda p: p.stem)
def test_every_format_parses_like_the_plain_export(tmp_path, report, rendering):
    path = render.write(report.read_text(encoding="utf-8"), rendering, tmp_path, report.stem)
    doc = parse_file(path)
    assert doc.format == FORMAT_OF[rendering]
    assert doc.issues == ()
    _assert_same(doc, _plain(report))


@pytest.mark.parametrize("rendering", render.RENDERINGS)
@pytest.mark.parametrize("report", HELDOUT, ids=lambda p: p.stem)
def test_unseen_reports_convert_too(tmp_path, report, rendering):
    path = render.write(report.read_text(encoding="utf-8"), rendering, tmp_path, report.stem)
    _assert_same(parse_file(path), _plain(report))


def test_pdf_carries_pages_and_drops_running_text(tmp_path):
    path = render.write((CORPUS / "0600T.txt").read_text(encoding="utf-8"), "pdf", tmp_path, "0600T")
    doc = parse_file(path)
    assert doc.pages is not None and doc.pages >= 2
    assert all(c.page is not None and 1 <= c.page <= doc.pages for c in doc.chunks)
    assert {c.page for c in doc.chunks if c.kind == "row"} != {1}, "rows on later pages keep their page"
    text = " ".join(c.text for c in doc.chunks)
    assert "confidential" not in text and "Page " not in text
    cite = Citation(n=1, chunk_id="x", document="0600T", doc_title="t", source="0600T.pdf",
                    section=("Coding Specifications",), row="modifier table, row 53", quote="q", score=1.0, page=3)
    assert cite.label.endswith("row 53 (p. 3)")


@pytest.mark.parametrize("report", PLAIN[1:], ids=lambda p: p.stem)
def test_pdf_set_with_loose_line_spacing_keeps_its_paragraphs_whole(tmp_path, report):
    # Lines 1.48 x the font size apart: a wrapped line sits 0.48 x size below the one above, wider than the
    # usual wrap gap (0.2-0.45 x size) that tells a wrap from a paragraph break; the document's own wrap gap
    # (the gap below lines that run to the right margin) tells them apart instead.
    path = render.write(report.read_text(encoding="utf-8"), "pdf", tmp_path, report.stem, leading=1.48)
    _assert_same(parse_file(path), _plain(report))


def test_text_formats_have_no_pages(tmp_path):
    path = render.write((CORPUS / "0600T.txt").read_text(encoding="utf-8"), "docx", tmp_path, "0600T")
    assert all(c.page is None for c in parse_file(path).chunks)
    assert all(c.page is None for c in _plain(CORPUS / "0600T.txt").chunks)


# -- the shapes each parser must read ------------------------------------------------------------

MARKDOWN = """# HCPCS G0568: Caregiver Training Without the Patient

## Summary & Overview

CPT\u00ae-style reports sometimes use *emphasis* and `code`, and wrap
a paragraph over two source lines.

## Clinical & Coding Specifications

### Clinical Context

A 71-year-old pt with dementia; the caregiver is trained alone.

- Typical site of service: Office
  - Nested: home visit when documented
- Service type: Training

### Coding Specifications

| Modifier | Description | When to Use |
|:---|---|---:|
| 95 | Telehealth | Use when the session was \\| synchronous video. |

#### Related CPT Codes

| CPT Code | Description |
| --- | --- |
| 97550 | Caregiver training, first 30 minutes |
"""


def test_markdown_headings_bullets_and_tables(tmp_path):
    (tmp_path / "G0568.md").write_text(MARKDOWN, encoding="utf-8")
    doc = parse_file(tmp_path / "G0568.md")
    assert (doc.code, doc.title, doc.issues) == ("G0568", "Caregiver Training Without the Patient", ())
    assert [s.path for s in doc.sections] == [
        ("Summary & Overview",), ("Clinical & Coding Specifications",),
        ("Clinical & Coding Specifications", "Clinical Context"),
        ("Clinical & Coding Specifications", "Coding Specifications"),
        ("Clinical & Coding Specifications", "Coding Specifications", "Related CPT Codes")]
    summary = doc.sections[0].paragraphs[0]
    assert summary.startswith("CPT\u00ae-style reports sometimes use emphasis and code, and wrap a paragraph")
    context = doc.sections[2].paragraphs
    assert context[1:] == ("Typical site of service: Office", "Nested: home visit when documented",
                           "Service type: Training")
    mods, cpts = doc.tables
    assert mods.rows == (("95", "Telehealth", "Use when the session was | synchronous video."),)
    assert cpts.columns == ("CPT Code", "Description") and cpts.rows[0][0] == "97550"
    assert all("##" not in c.text for c in doc.chunks)


CODE_BULLETS = """# CPT 66984: Cataract Removal With Lens Insertion

## Site of Service

- POS 24 (Ambulatory Surgical Center): The most common setting; the ASC bills the facility fee.
- POS 22 (On Campus-Outpatient Hospital) and POS 19 (Off Campus-Outpatient Hospital): Used for patients who
  need hospital-level backup.
- POS 21 (Inpatient Hospital): Rarely appropriate.

## Medical Decision Making

- Problems (high): one acute illness posing a threat to life.
- Data (extensive): review of external notes.

## Tips

- Modifier RT (Right side): required on every line.
"""


def test_a_run_of_code_led_bullets_is_a_table_too(tmp_path):
    """"POS 24 (Ambulatory Surgical Center): …" bullets are the rows of a place-of-service table written as a
    list (a bullet naming two codes gives both); the bullets stay prose as well. Words in parentheses are
    no code, and one code-led bullet alone is no table."""
    (tmp_path / "66984.md").write_text(CODE_BULLETS, encoding="utf-8")
    doc = parse_file(tmp_path / "66984.md")
    (table,) = doc.tables
    assert table.section == ("Site of Service",) and table.columns == ("POS Code", "Description", "Notes")
    assert [r[:2] for r in table.rows] == [
        ("24", "Ambulatory Surgical Center"), ("22", "On Campus-Outpatient Hospital"),
        ("19", "Off Campus-Outpatient Hospital"), ("21", "Inpatient Hospital")]
    assert table.rows[1][2] == table.rows[2][2] == "Used for patients who need hospital-level backup."
    rows = [c for c in doc.chunks if c.kind == "row"]
    assert {c.code_type for c in rows} == {"pos"} and [c.code for c in rows] == ["24", "22", "19", "21"]
    prose = " ".join(c.text for c in doc.chunks if c.kind == "prose")
    assert "POS 21 (Inpatient Hospital): Rarely appropriate." in prose and "Problems (high)" in prose
    assert "Modifier RT (Right side)" in prose


def test_code_led_bullets_naming_the_code_after_a_dash_are_a_table_too(tmp_path):
    """An HTML export writes "<strong>POS 15 &ndash; Mobile Unit:</strong> notes": the name runs from the dash
    to the colon. A dash without a kind of code before it ("Note – …") leads no row."""
    (tmp_path / "77067.html").write_text(
        "<html><body><h1>CPT 77067: Screening Mammography</h1><h2>Site of Service</h2><ul>"
        "<li><strong>POS 11 &ndash; Office:</strong> Freestanding imaging centers bill globally.</li>"
        "<li><strong>POS 15 &ndash; Mobile Unit:</strong> Mobile coaches; the unit carries its own certificate.</li>"
        "<li>Note &ndash; Tip: Check the frequency limit.</li></ul></body></html>", encoding="utf-8")
    doc = parse_file(tmp_path / "77067.html")
    (table,) = doc.tables
    assert table.columns == ("POS Code", "Description", "Notes")
    assert table.rows == (("11", "Office", "Freestanding imaging centers bill globally."),
                          ("15", "Mobile Unit", "Mobile coaches; the unit carries its own certificate."))


def test_plain_export_saved_as_md_reads_as_plain(tmp_path):
    shutil.copy2(CORPUS / "0600T.txt", tmp_path / "0600T.md")
    doc = parse_file(tmp_path / "0600T.md")
    assert doc.format == "text"
    assert doc.issues == ()
    assert [(c.id, c.line) for c in doc.chunks] == [(c.id, c.line) for c in _plain(CORPUS / "0600T.txt").chunks]


HTML = """<html><head><style>.x{}</style><script>var leaked = "SCRIPT";</script></head><body>
<nav>Menu</nav>
<h1>CPT&reg; 99214: Office Visit</h1>
<h3>Billing Code Overview</h3><p>Established <b>pat</b>ient,
   moderate&nbsp;complexity.</p>
<ol><li>Time: 30-39 minutes <ul><li>Nested detail</li></ul></li></ol>
<h3>Coding Specifications</h3>
<table><tr><td><b>Modifier</b></td><td>Description</td></tr>
<tr><td>25</td><td>Significant, separately<br>identifiable <a href="#">E/M</a></td></tr></table>
<script>document.write("<p>INJECTED</p>")</script><noscript>NOSCRIPT</noscript>
</body></html>"""


def test_html_keeps_text_only(tmp_path):
    (tmp_path / "99214.html").write_text(HTML, encoding="utf-8")
    doc = parse_file(tmp_path / "99214.html")
    assert (doc.code, doc.title, doc.format) == ("99214", "Office Visit", "html")
    assert [s.path for s in doc.sections] == [("Overview",), ("Billing Code Overview",), ("Coding Specifications",)]
    assert doc.sections[1].paragraphs == ("Established patient, moderate complexity.", "Time: 30-39 minutes",
                                          "Nested detail")
    (table,) = doc.tables
    assert table.columns == ("Modifier", "Description") and table.rows == (("25", "Significant, separately "
                                                                           "identifiable E/M"),)
    text = " ".join(c.text for c in doc.chunks)
    for leaked in ("SCRIPT", "INJECTED", "NOSCRIPT", ".x{}"):
        assert leaked not in text


def test_docx_merged_cells_and_outline_levels(tmp_path):
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = docx.Document()
    title = d.add_paragraph("CPT 0600T: Percutaneous IRE")
    # Templates put the title in a content control: <w:sdt><w:sdtContent><w:p>…</w:p></w:sdtContent></w:sdt>.
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    title._p.addprevious(sdt)
    sdt.append(content)
    content.append(title._p)
    head = d.add_paragraph("Coding Specifications")  # Normal style, outline level 1 set on the paragraph
    lvl = OxmlElement("w:outlineLvl")
    lvl.set(qn("w:val"), "0")
    head._p.get_or_add_pPr().append(lvl)
    t = d.add_table(rows=4, cols=3)
    for r, row in enumerate([("Modifier", "Description", "When to Use"), ("22", "Increased", "Harder work."),
                             ("52", "Reduced", "Cut short."), ("53", "Discontinued", "Stopped.")]):
        for c, cell in enumerate(row):
            t.cell(r, c).text = cell
    merged = t.cell(2, 2).merge(t.cell(3, 2))  # one "When to Use" spans rows 52 and 53
    merged.text = "Partly done."
    d.save(str(tmp_path / "0600T.docx"))
    doc = parse_file(tmp_path / "0600T.docx")
    assert (doc.code, doc.title, doc.issues) == ("0600T", "Percutaneous IRE", ())
    assert doc.sections[0].path == ("Coding Specifications",)
    assert doc.tables[0].rows == (("22", "Increased", "Harder work."), ("52", "Reduced", "Partly done."),
                                  ("53", "Discontinued", "Partly done."))


# -- bad files: a named reason, skipped; the rest index ------------------------------------------


def _pdf_bytes(**kw) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, **kw)
    c.drawString(72, 720, "CPT 0600T: Secret report")
    c.drawString(72, 700, "Some words on the page.")
    c.save()
    return buf.getvalue()


def _scanned_pdf() -> bytes:
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (200, 100), "white")
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawImage(ImageReader(img), 72, 600, width=400, height=200)
    c.save()
    return buf.getvalue()


def _zip_of_other() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("photos/readme.txt", "not a Word document")
    return buf.getvalue()


def _utf8_report(tail: str) -> str:
    text = (REPORTS / "0441T.txt").read_text(encoding="utf-8")
    return text.replace("Summary & Overview", f"Summary & Overview{tail}", 1)


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * 210_000_000)
    return buf.getvalue()


BAD_FILES = {
    "bomb.docx": (_zip_bomb, "unpacks to 210,000,000 bytes"),
    "encrypted.pdf": (lambda: _pdf_bytes(encrypt="secret"), "encrypted PDF: save an unencrypted copy"),
    "scanned.pdf": (_scanned_pdf, "no text layer: needs OCR first"),
    "broken.pdf": (lambda: b"%PDF-1.4\n%garbage that is not a pdf body\n", "not a readable PDF"),
    "photos.docx": (_zip_of_other, "is not a Word document"),
    "notzip.docx": (lambda: b"plain words, not a zip", "is not a .docx (zip) file"),
    "huge.html": (lambda: b"<p>" + b"x" * 5_000_001 + b"</p>", "the limit for a html report is 5,000,000"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_named_reason_and_the_rest_index(tmp_path, name):
    make, reason = BAD_FILES[name]
    (tmp_path / name).write_bytes(make())
    shutil.copy2(REPORTS / "0441T.txt", tmp_path / "0441T.txt")
    docs, issues = load_corpus(tmp_path)
    assert [d.code for d in docs] == ["0441T"]
    (err,) = [i for i in issues if i.level == "error"]
    assert Path(err.path).name == name and reason in err.reason, err


@pytest.mark.parametrize(("encoding", "prefix", "warned"), [
    ("utf-16", b"", "UTF-16"),            # with its byte-order mark
    ("utf-16-le", b"", "UTF-16"),         # without one
    ("utf-16-be", b"", "UTF-16"),
    ("cp1252", b"", "Windows-1252"),
    ("utf-8", b"\xef\xbb\xbf", None),     # a UTF-8 byte-order mark is read silently
])
def test_other_encodings_are_read(tmp_path, encoding, prefix, warned):
    text = _utf8_report("\u2019s \u00e9")
    (tmp_path / "0441T.txt").write_bytes(prefix + text.encode(encoding))
    docs, issues = load_corpus(tmp_path)
    assert [d.code for d in docs] == ["0441T"]
    assert docs[0].sections[0].path == ("Summary & Overview\u2019s \u00e9",)
    plain = _plain(REPORTS / "0441T.txt")
    assert [t.rows for t in docs[0].tables] == [t.rows for t in plain.tables]
    warnings = [i.reason for i in issues]
    assert (warned is None and warnings == []) or (len(warnings) == 1 and warned in warnings[0]), warnings


def test_latin1_fixture_is_read_as_cp1252_with_a_warning(tmp_path):
    shutil.copy2(BAD / "latin1.txt", tmp_path / "latin1.txt")
    docs, issues = load_corpus(tmp_path)
    assert [d.code for d in docs] == ["0998T"] and "Cryothérapie" in docs[0].title
    assert [(i.level, i.line) for i in issues] == [("warning", 2)] and "save it as UTF-8" in issues[0].reason


def test_crlf_line_ends_parse_the_same(tmp_path):
    text = (CORPUS / "0600T.txt").read_text(encoding="utf-8")
    (tmp_path / "0600T.txt").write_bytes(text.replace("\n", "\r\n").encode())
    (doc,), issues = load_corpus(tmp_path)
    assert issues == [] and [c.id for c in doc.chunks] == [c.id for c in _plain(CORPUS / "0600T.txt").chunks]


def test_a_corpus_of_every_format_indexes_every_report(tmp_path):
    for report, rendering in zip(PLAIN, ("pdf", "docx", "html"), strict=True):
        render.write(report.read_text(encoding="utf-8"), rendering, tmp_path, report.stem)
    (tmp_path / "scanned.pdf").write_bytes(_scanned_pdf())
    docs, issues = load_corpus(tmp_path)
    assert sorted((d.code, d.format) for d in docs) == [("0441T", "docx"), ("0581T", "html"), ("0600T", "pdf")]
    assert [Path(i.path).name for i in issues] == ["scanned.pdf"]


# -- conversions by other programs ---------------------------------------------------------------

FORMATS = Path(__file__).parent / "data" / "formats"


@pytest.mark.parametrize("path", sorted(FORMATS.iterdir()), ids=lambda p: p.name)
def test_files_made_by_other_programs(path):
    """LibreOffice's PDF export (tables broken across pages, hyphenated words wrapped in cells) and
    pandoc's Word and HTML writers (their own styles and list numbering); see tests/data/README.md."""
    doc = parse_file(path)
    assert doc.issues == ()
    _assert_same(doc, _plain(REPORTS / f"{path.name[:5]}.txt"))


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("pandoc") and shutil.which("soffice")), reason="needs pandoc and LibreOffice")
def test_pandoc_and_libreoffice_conversions(tmp_path):
    """Every report through pandoc (Markdown → Word, HTML) and LibreOffice (Word → PDF)."""
    import subprocess

    reports = [*PLAIN, *HELDOUT]
    (tmp_path / "word").mkdir()
    (tmp_path / "pandoc").mkdir()
    for report in reports:
        md = render.write(report.read_text(encoding="utf-8"), "md", tmp_path, report.stem)
        render.write(report.read_text(encoding="utf-8"), "docx", tmp_path / "word", report.stem)
        for suffix, extra in ((".docx", []), (".html", ["-s", "--metadata", "pagetitle=report"])):
            out = tmp_path / "pandoc" / f"{report.stem}{suffix}"
            subprocess.run(["pandoc", str(md), "-f", "gfm", *extra, "-o", str(out)], check=True, timeout=60)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path / "pdf"), *map(str, sorted((tmp_path / "word").iterdir()))],
                   check=True, timeout=300, capture_output=True)
    differ = []
    for report in reports:
        for path in (tmp_path / "pandoc" / f"{report.stem}.docx", tmp_path / "pandoc" / f"{report.stem}.html",
                     tmp_path / "pdf" / f"{report.stem}.pdf"):
            try:
                _assert_same(parse_file(path), _plain(report))
            except AssertionError:
                differ.append(path.relative_to(tmp_path))
    # LibreOffice breaks a word too long for its column mid-word with no hyphen (43239's
    # "Esophagogastroduoden|oscopy"); nothing on the page tells that break from a space.
    assert [str(p) for p in differ] in ([], ["pdf/43239.pdf"]), differ


def _grid(rows: list[tuple[str, ...]]) -> str:
    cells = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr><th>Modifier</th><th>Description</th><th>When to Use</th></tr>{cells}</table>"


@pytest.mark.parametrize("separator", [True, False], ids=["dash-row", "header-only"])
def test_a_table_run_on_from_another_is_cut_at_its_header(tmp_path, separator):
    """An export that wrote two tables as one grid (the taxonomy header and its ``---`` row carried in as
    rows, as a PDF built from the plain export did) still gives two tables, each row under its own columns."""
    rows = [("26", "Professional component", "Reading only."), ("TC", "Technical component", "Equipment only."),
            ("Taxonomy Code", "Specialty", "Notes"), *([("---", "---", "---")] if separator else []),
            ("2085R0202X", "Radiology, Diagnostic Radiology", "Reads the study."),
            ("2085N0700X", "Radiology, Neuroradiology", "Subspecialty reader.")]
    (tmp_path / "70553.html").write_text(f"<h1>CPT 70553: MRI brain</h1><h2>Coding Specifications</h2>{_grid(rows)}",
                                         encoding="utf-8")
    doc = parse_file(tmp_path / "70553.html")
    assert [(t.columns, [r[0] for r in t.rows]) for t in doc.tables] == [
        (("Modifier", "Description", "When to Use"), ["26", "TC"]),
        (("Taxonomy Code", "Specialty", "Notes"), ["2085R0202X", "2085N0700X"])]
    assert {c.code: c.code_type for c in doc.chunks if c.kind == "row"}["2085N0700X"] == "taxonomy"
    assert not doc.issues


def test_a_row_naming_a_code_of_another_kind_stays_a_row(tmp_path):
    """A related-code row written with its kind ("HCPCS G0121") is data: it holds a code, so it heads nothing."""
    grid = ("<table><tr><th>CPT Code</th><th>Description</th><th>Relationship</th></tr>"
            "<tr><td>45380</td><td>Colonoscopy with biopsy</td><td>Instead when biopsied.</td></tr>"
            "<tr><td>HCPCS G0121</td><td>Screening colonoscopy</td><td>Medicare screening.</td></tr></table>")
    (tmp_path / "45378.html").write_text(f"<h1>CPT 45378: Colonoscopy</h1><h2>Related Codes</h2>{grid}",
                                         encoding="utf-8")
    (table,) = parse_file(tmp_path / "45378.html").tables
    assert [r[0] for r in table.rows] == ["45380", "HCPCS G0121"]
