"""Write a plain-export report in the other formats, as a word processor or a converter would.

The outline comes from the plain reader's own blocks, with each heading's depth replayed by the plain
rule (a heading right under a heading nests; otherwise it replaces the deepest one), so a rendition has
the same sections, paragraphs, bullets and table rows as the export it was written from.
"""

from __future__ import annotations

import html
from pathlib import Path

from assistant.ingest import plain_blocks

RENDERINGS = ("md", "html", "docx", "docx-plain", "pdf")
SUFFIX = {"md": ".md", "html": ".html", "docx": ".docx", "docx-plain": ".docx", "pdf": ".pdf"}


def outline(text: str) -> list[dict]:
    """The plain report as items: title, heading (with depth), paragraph, bullet, table."""
    blocks, _ = plain_blocks(text)
    items, path_len, prev_heading = [], 0, False
    for b in blocks:
        if b.kind == "heading":
            path_len = path_len + 1 if prev_heading else (path_len if path_len >= 2 else 1)
            items.append({"kind": "heading", "text": b.text, "depth": path_len})
            prev_heading = True
            continue
        prev_heading = False
        if b.kind == "table":
            items.append({"kind": "table", "columns": list(b.columns), "rows": [list(r) for r in b.rows]})
        else:
            items.append({"kind": b.kind, "text": b.text})
    # A title line first, as documents open; the plain rule gives the same tree either way.
    titles = [i for i in items if i["kind"] == "title"]
    return titles + [i for i in items if i["kind"] != "title"]


def to_markdown(items: list[dict]) -> str:
    out = []
    for it in items:
        k = it["kind"]
        if k == "title":
            out.append(f"# {it['text']}")
        elif k == "heading":
            out.append(f"{'#' * (it['depth'] + 1)} {it['text']}")
        elif k == "paragraph":
            out.append(it["text"])
        elif k == "bullet":
            out.append(f"- {it['text']}")
        else:
            def row(cells: list[str]) -> str:
                return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
            out.append("\n".join([row(it["columns"]), "|" + "---|" * len(it["columns"]),
                                  *(row(r) for r in it["rows"])]))
    return "\n\n".join(out) + "\n"


def to_html(items: list[dict]) -> str:
    e = html.escape
    out = ["<!DOCTYPE html><html><head><title>report</title><style>p{color:red}</style>"
           "<script>document.write('SCRIPT TEXT')</script></head><body>"]
    in_list = False
    for it in items:
        k = it["kind"]
        if k != "bullet" and in_list:
            out.append("</ul>")
            in_list = False
        if k == "title":
            out.append(f"<h1>{e(it['text'])}</h1>")
        elif k == "heading":
            n = it["depth"] + 1
            out.append(f"<h{n}>{e(it['text'])}</h{n}>")
        elif k == "paragraph":
            out.append(f"<p>{e(it['text'])}</p>")
        elif k == "bullet":
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{e(it['text'])}</li>")
        else:
            head = "".join(f"<th>{e(c)}</th>" for c in it["columns"])
            body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in it["rows"])
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    out.append("</ul>" if in_list else "")
    out.append("<script>alert('x')</script><noscript>NOSCRIPT TEXT</noscript></body></html>")
    return "\n".join(out)


def to_docx(items: list[dict], path: Path, styled: bool = True) -> None:
    """Word: real Heading styles and List Bullet paragraphs; or (``styled`` False) a template with no
    heading or list styles, where headings are bold short paragraphs and bullets start with '•'."""
    import docx

    d = docx.Document()
    for it in items:
        k = it["kind"]
        if k in ("title", "heading"):
            if styled:
                d.add_heading(it["text"], 0 if k == "title" else it["depth"])
            else:
                d.add_paragraph().add_run(it["text"]).bold = True
        elif k == "paragraph":
            d.add_paragraph(it["text"])
        elif k == "bullet":
            if styled:
                d.add_paragraph(it["text"], style="List Bullet")
            else:
                d.add_paragraph(f"• {it['text']}")
        else:
            t = d.add_table(rows=1 + len(it["rows"]), cols=len(it["columns"]))
            t.style = "Table Grid"
            for r, cells in enumerate([it["columns"], *it["rows"]]):
                for c, cell in enumerate(cells):
                    t.cell(r, c).text = cell
            d.add_paragraph()  # as in Word, where two tables with nothing between them become one
    d.save(str(path))


def to_pdf(items: list[dict], path: Path, header: str = "Coding report — confidential",
           leading: float | None = None) -> None:
    """reportlab: bigger bold fonts for headings, ruled tables whose cells wrap, a running header and
    a 'Page N of M'-style footer on every page. ``leading``, a multiple of each font's size, sets the line
    spacing of every text style instead of reportlab's usual 1.2-1.3."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    e = html.escape
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=12.5, spaceAfter=7)
    cell = ParagraphStyle("cell", fontName="Helvetica", fontSize=9, leading=11)
    head_cell = ParagraphStyle("hcell", fontName="Helvetica-Bold", fontSize=9, leading=11)
    heads = {0: ParagraphStyle("t", fontName="Helvetica-Bold", fontSize=18, leading=22, spaceAfter=10),
             1: ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=15, leading=19, spaceBefore=8, spaceAfter=6),
             2: ParagraphStyle("h2", fontName="Helvetica-Bold", fontSize=12.5, leading=16, spaceBefore=6,
                               spaceAfter=5),
             3: ParagraphStyle("h3", fontName="Helvetica-Bold", fontSize=11.5, leading=14.5, spaceBefore=5,
                               spaceAfter=4)}
    if leading is not None:
        for style in (body, cell, head_cell, *heads.values()):
            style.leading = style.fontSize * leading
    story: list = []
    for it in items:
        k = it["kind"]
        if k == "title":
            story.append(Paragraph(e(it["text"]), heads[0]))
        elif k == "heading":
            story.append(Paragraph(e(it["text"]), heads[min(it["depth"], 3)]))
        elif k == "paragraph":
            story.append(Paragraph(e(it["text"]), body))
        elif k == "bullet":
            story.append(ListFlowable([ListItem(Paragraph(e(it["text"]), body), bulletColor=colors.black)],
                                      bulletType="bullet", start="•", leftIndent=14))
        else:
            data = [[Paragraph(e(c), head_cell) for c in it["columns"]]]
            data += [[Paragraph(e(c), cell) for c in r] for r in it["rows"]]
            n = len(it["columns"])
            widths = [70] + [(468 - 70) / (n - 1)] * (n - 1) if n > 1 else [468]
            t = Table(data, colWidths=widths, repeatRows=1)
            t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [t, Spacer(1, 8)]

    def running(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(72, letter[1] - 40, header)
        canvas.drawRightString(letter[0] - 72, 30, f"Page {doc.page}")
        canvas.restoreState()

    SimpleDocTemplate(str(path), pagesize=letter, topMargin=72, bottomMargin=72).build(
        story, onFirstPage=running, onLaterPages=running)


def write(text: str, rendering: str, folder: Path, stem: str, **options) -> Path:
    """Write ``text`` (a plain export) as ``rendering`` into ``folder``; the path written. ``options`` go to
    the PDF writer."""
    items = outline(text)
    path = folder / f"{stem}{SUFFIX[rendering]}"
    if rendering == "md":
        path.write_text(to_markdown(items), encoding="utf-8")
    elif rendering == "html":
        path.write_text(to_html(items), encoding="utf-8")
    elif rendering in ("docx", "docx-plain"):
        to_docx(items, path, styled=rendering == "docx")
    else:
        to_pdf(items, path, **options)
    return path
