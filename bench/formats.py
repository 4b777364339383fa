"""Reader choice by measurement: each format of the fixture reports read by our readers (time, and whether
the Document equals the plain export's), beside the alternatives that were weighed for HTML and PDF.

    .venv/bin/python bench/formats.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import render  # noqa: E402

from assistant.ingest import parse, parse_file  # noqa: E402

REPORTS = [ROOT / "corpus" / "0600T.txt", ROOT / "tests/data/reports/0441T.txt", ROOT / "tests/data/reports/0581T.txt"]


def _ms(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def _same(doc, plain) -> bool:
    return ([(s.path, s.paragraphs) for s in doc.sections], [(t.section, t.columns, t.rows) for t in doc.tables]) == \
        ([(s.path, s.paragraphs) for s in plain.sections], [(t.section, t.columns, t.rows) for t in plain.tables])


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    print(f"{'rendering':<11} {'read ms (median, 3 reports)':>28}  equal to plain")
    files: dict[str, list[Path]] = {}
    for rendering in render.RENDERINGS:
        paths = [render.write(r.read_text(encoding="utf-8"), rendering, tmp, f"{r.stem}-{rendering}") for r in REPORTS]
        files[rendering] = paths
        ms = [_ms(lambda p=p: parse_file(p)) for p in paths]
        equal = sum(_same(parse_file(p), parse(r.read_text(encoding="utf-8"), r.name))
                    for p, r in zip(paths, REPORTS, strict=True))
        print(f"{rendering:<11} {statistics.median(ms):>28.1f}  {equal}/{len(paths)}")

    html = files["html"][0].read_text(encoding="utf-8")
    print("\nHTML parsers on the 0600T rendition (parse and walk to text, ms):")
    from selectolax.lexbor import LexborHTMLParser

    print(f"  selectolax (lexbor)       {_ms(lambda: LexborHTMLParser(html).body.text(), 20):7.2f}")
    try:
        from bs4 import BeautifulSoup

        for parser in ("html.parser", "lxml"):
            print(f"  BeautifulSoup {parser:<11} {_ms(lambda p=parser: BeautifulSoup(html, p).get_text(), 20):7.2f}")
    except ImportError:
        print("  BeautifulSoup not installed (pip install beautifulsoup4 lxml)")

    pdf = files["pdf"][0]
    print("\nPDF libraries on the 0600T rendition (ms; what they give):")
    print(f"  pdfplumber (our reader)   {_ms(lambda: parse_file(pdf), 3):7.1f}  "
          "positions, fonts, ruling lines → tables")
    try:
        import pypdf

        def pypdf_text() -> str:
            return "\n".join(p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages)

        text = pypdf_text()
        row = "53 | Discontinued procedure"
        print(f"  pypdf extract_text        {_ms(pypdf_text, 3):7.1f}  text only; a row as one line: "
              f"{row.replace(' | ', ' ') in text}")
    except ImportError:
        print("  pypdf not installed")


if __name__ == "__main__":
    main()
