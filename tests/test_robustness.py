"""Bad input never breaks the assistant: property tests on ask and ingestion, hostile strings, threads."""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import assert_citations_resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import Answer
from assistant.errors import DocumentError
from assistant.ingest import load_corpus, parse

# -- ingestion -----------------------------------------------------------------------------------

TABLEISH = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Summary & Overview",
                "CPT 0600T: Title",
                "HCPCS C9999 - T",
                "Coding Specifications",
                "| Modifier | Description | When to Use |",
                "|---|---|---|",
                "|---|",
                "| --- | :---: |",
                "53 | Discontinued | Use |",
                "| 22 | a | b |",
                "a | b",
                "|",
                "||",
                " | ",
                "-",
                "- item",
                "* item",
                "",
                "   ",
                "\t",
                "x" * 120,
                "Typical site of service: office",
            ]
        ),
        st.text(max_size=30),
    ),
    max_size=25,
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_raises_only_document_error(text):
    try:
        doc = parse(text, source="fuzz.txt")
    except DocumentError:
        return
    assert doc.code
    for c in doc.chunks:
        assert c.text
        if c.kind == "row":
            assert len(c.cells) == len(c.columns)


@settings(max_examples=300, deadline=None)
@given(TABLEISH)
def test_parse_report_shaped_text(text):
    try:
        doc = parse(text, source="fuzz.txt")
    except DocumentError:
        return
    ids = [c.id for c in doc.chunks]
    assert all(i.startswith(f"{doc.code}-") for i in ids)
    for c in doc.chunks:
        if c.kind == "row":
            assert c.cells and c.cells[0]
            assert len(c.cells) == len(c.columns)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_load_corpus_never_raises_on_bytes(data):
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "report.txt").write_bytes(data)
        docs, issues = load_corpus(Path(tmp))
        assert len(docs) + sum(i.level == "error" for i in issues) == 1
        for i in issues:
            assert "report.txt" in i.path


# -- asking --------------------------------------------------------------------------------------

ASK_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = st.sampled_from(
    [
        "modifier",
        "mod",
        "53",
        "52",
        "25",
        "AS",
        "as",
        "qx",
        "-80",
        "and",
        "what",
        "about",
        "0600T",
        "0441t",
        "cpt",
        "icd",
        "C64.1",
        "c18 .9",
        "208800000X",
        "77012",
        "taxonomy",
        "list",
        "all",
        "which",
        "vs",
        "or",
        "compare",
        "it",
        "that",
        "pay",
        "aetna",
        "site",
        "service",
        "example",
        "?",
        "|",
        "'",
        "\u202e",
        "😀",
        "\x00",
        "**",
        "<b>",
    ]
)
QUESTIONS = st.one_of(st.text(), st.lists(st.one_of(WORDS, st.text(max_size=6)), max_size=10).map(" ".join))


@pytest.mark.slow
@ASK_SETTINGS
@given(question=st.text())
def test_ask_never_raises(bot, question):
    ans = bot.ask(question)
    assert isinstance(ans, Answer)
    assert isinstance(ans.text, str) and ans.text
    assert_citations_resolve(bot, ans)


@pytest.mark.slow
@ASK_SETTINGS
@given(
    question=QUESTIONS,
    history=st.lists(QUESTIONS, max_size=3),
    document=st.one_of(st.none(), st.sampled_from(["0600T", "0441T", "0581T", "9999T", "", "0600t"])),
)
def test_ask_with_history_and_scope_never_raises(multi_bot, question, history, document):
    ans = multi_bot.ask(question, history=history, document=document)
    assert isinstance(ans, Answer)
    assert_citations_resolve(multi_bot, ans)
    if document and document.upper() in {"0600T", "0441T", "0581T"}:
        assert {c.document for c in ans.citations} <= {document.upper()}


HOSTILE = [
    "\x00\x01\x02\x1b[31mmodifier 53\x7f",
    "modifier\u200b53",
    "\ufeffwhen do I use modifier 53?",
    "😀 modifier 53 🎉🔥",
    "🙂" * 500,
    "ما هو المعدل 53؟",
    "\u202emodifier 53\u202c",
    "מה זה 53 modifier",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)> modifier 53",
    "[click me](javascript:alert(1)) **modifier 53**",
    "'; DROP TABLE x; --",
    "modifier 53' OR '1'='1",
    "{{7*7}} ${7*7} %s %n",
    "../../../../etc/passwd",
    "C:\\Windows\\system32",
    "modifier " + "53 " * 600,
    "\n" * 1000 + "modifier 53",
    "\ud800 lone surrogate modifier 53",
]


@pytest.mark.slow
@pytest.mark.parametrize("question", HOSTILE)
def test_hostile_strings(bot, question):
    ans = bot.ask(question)
    assert isinstance(ans, Answer)
    assert isinstance(ans.answered, bool)
    assert_citations_resolve(bot, ans)
    # The answer body never reflects markup the user typed.
    for markup in ("<script", "<img", "javascript:", "onerror"):
        assert markup not in ans.text.lower()


@pytest.mark.slow
@pytest.mark.parametrize("question", HOSTILE[:8])
def test_hostile_history(bot, question):
    ans = bot.ask("and 52?", history=[question])
    assert isinstance(ans, Answer)
    assert_citations_resolve(bot, ans)


@pytest.mark.slow
def test_concurrent_asks_match_serial(multi_bot):
    questions = [
        "modifier 53",
        "modifier 53 for 0441T",
        "cpt 77012",
        "what does Aetna pay for 0600T?",
        "what is the typical site of service for 0441T?",
        "modifier 25",
        "list all modifiers",
        "which modifier for an assistant surgeon?",
        "C50.911",
        "give me a clinical example",
    ] * 4
    serial = [multi_bot.ask(q) for q in questions]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(multi_bot.ask, questions))
    for q, a, b in zip(questions, serial, parallel, strict=True):
        assert a == b, q
