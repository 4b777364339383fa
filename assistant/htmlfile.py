"""The HTML reader (selectolax's Lexbor parser): h1–h6, p, ul/ol items and tables → blocks."""

from __future__ import annotations

from .formats import Block, clean

# Never text: scripts, styles and embedded objects are dropped with everything inside them.
HTML_SKIP = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
BREAKING = {"br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "table"}

def read_html(text: str) -> list[Block]:
    """h1–h6, p, ul/ol items and tables (thead, else the first row, as header); only text is kept.

    selectolax (Lexbor) builds the tree without running anything; script and style subtrees are dropped.
    Block numbers stand in for lines.
    """
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(text)
    root = tree.body or tree.root
    blocks: list[Block] = []
    if root is not None:
        _html_walk(root, blocks, in_list=False)
    return blocks


def _html_text(node) -> str:
    return clean(node.text(deep=True, separator=" "))


def _html_walk(node, blocks: list[Block], in_list: bool) -> None:
    loose: list[str] = []

    def flush() -> None:
        if text := clean("".join(loose)):
            blocks.append(Block(kind="bullet" if in_list else "paragraph", text=text, line=len(blocks) + 1))
        loose.clear()

    child = node.child
    while child is not None:
        tag = child.tag
        if tag == "-text":
            loose.append(child.text_content or "")
        elif tag in HTML_SKIP or tag.startswith("-"):
            pass
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            flush()
            if text := _html_text(child):
                blocks.append(Block(kind="heading", text=text, level=int(tag[1]), line=len(blocks) + 1))
        elif tag == "table":
            flush()
            _html_table(child, blocks)
        elif tag in ("ul", "ol"):
            flush()
            _html_walk(child, blocks, in_list=True)
        elif tag == "li" or tag in ("p", "div", "section", "article", "main", "blockquote", "dd", "dt",
                                    "header", "footer", "nav", "aside", "figure", "figcaption", "pre"):
            flush()
            _html_walk(child, blocks, in_list=in_list)
        elif tag == "br":
            loose.append(" ")
        else:  # inline markup (b, a, span, em…): its text belongs to the running paragraph
            loose.extend(_visible_text(child))
        child = child.next
    flush()


def _visible_text(node) -> list[str]:
    """The text under ``node``; a line break or a block element inside it (a cell's ``<br>`` or
    ``<p>``) parts words, inline markup (``<b>``, ``<a>``) does not."""
    out = []
    child = node.child
    while child is not None:
        if child.tag == "-text":
            out.append(child.text_content or "")
        elif child.tag not in HTML_SKIP and not child.tag.startswith("-"):
            apart = " " if child.tag in BREAKING else ""
            out.extend([apart, *_visible_text(child), apart])
        child = child.next
    return ["".join(out)]


def _html_table(table, blocks: list[Block]) -> None:
    rows = []
    header: tuple[str, ...] = ()
    for tr in table.css("tr"):
        cells = tuple(clean(" ".join(_visible_text(c))) for c in tr.iter() if c.tag in ("td", "th"))
        if not cells:
            continue
        in_head = tr.parent is not None and tr.parent.tag == "thead"
        if not header and (in_head or not rows):
            header = cells
        else:
            rows.append(cells)
    n = len(blocks) + 1
    blocks.append(Block(kind="table", line=n, columns=header, rows=tuple(rows),
                        row_lines=tuple(range(n + 1, n + 1 + len(rows)))))


