"""The eval set as code: validated questions, the accuracy gate, citation integrity, retrieval ablation."""

from __future__ import annotations

import collections
import functools
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CORPUS, HELDOUT_DIRS, HELDOUT_FILES, MULTI_FILES, ROOT, assert_citations_resolve

from assistant import evaluate, fitting
from assistant.audit import audit_chunks
from assistant.ingest import parse_file

QUESTIONS = ROOT / "eval" / "questions.jsonl"


@pytest.fixture(scope="module")
def items():
    return evaluate.load_items(QUESTIONS)


def test_items_are_valid_and_cover_every_kind(items):
    assert len(items) >= 150
    kinds = collections.Counter(i.kind for i in items)
    assert kinds["out_of_scope"] >= 20
    assert set(kinds) == set(evaluate.KINDS), set(kinds) ^ set(evaluate.KINDS)
    ids = [i.id for i in items]
    assert len(ids) == len(set(ids)), [k for k, n in collections.Counter(ids).items() if n > 1]
    for it in items:
        assert it.question.strip()
        if it.kind == "out_of_scope":
            assert it.answerable is False
        if it.kind == "followup":
            assert it.history, it.id
        if it.answerable:
            assert it.must or it.must_any, f"{it.id} checks nothing"


def test_bad_item_is_rejected_with_its_line(tmp_path):
    good = QUESTIONS.read_text(encoding="utf-8").splitlines()[0]
    bad = json.dumps(
        {"id": "x", "kind": "code_lookup", "question": "q", "answerable": "maybe", "surprise": 1}
    )
    path = tmp_path / "q.jsonl"
    path.write_text(f"{good}\n\n{bad}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"q\.jsonl:3"):
        evaluate.load_items(path)


@pytest.fixture(scope="module")
def results(bot, items):
    return evaluate.run(bot, items)


@pytest.mark.slow
def test_eval_gate_passes(results):
    summary = evaluate.summarize(results)
    report = evaluate.report(results, summary)
    print(report)
    # CI gates on the floor (the accuracy last measured); the targets are in evaluate.THRESHOLDS
    # and `assistant eval` reports against them.
    fails = evaluate.gate(summary, evaluate.load_floor())
    assert fails == [], "eval below its floor: " + "; ".join(fails) + "\n" + report


@pytest.mark.slow
def test_every_eval_citation_resolves(bot, results):
    problems = []
    for r in results:
        try:
            assert_citations_resolve(bot, r.answer)
            assert [c.n for c in r.answer.citations] == list(range(1, len(r.answer.citations) + 1))
            if r.answer.answered:
                assert r.answer.citations, "answered without a citation"
            else:
                # An abstention may show the passage that rules the question out, quoted in its text.
                assert all(f"“{c.quote}” [{c.n}]" in r.answer.text for c in r.answer.citations), \
                    "abstained citing a passage it doesn't show"
        except AssertionError as exc:
            problems.append(f"{r.item.id} {r.item.question!r}: {exc}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_hybrid_never_ranks_below_its_best_single_retriever(bot, items):
    """Differential: the shipped retriever (exact code match + fused BM25/dense) vs dense alone and
    BM25 alone over the eval items with gold rows. (Fusion without the exact stage trails BM25 at
    rank 1 on code questions, which is why the exact stage exists; the ablation table shows it.)"""
    metrics = evaluate.retrieval_metrics(bot, items)
    print(json.dumps(metrics, indent=2))
    assert metrics["hybrid"]["n"] >= 30
    for key in ("recall@1", "recall@5", "mrr"):
        best_single = max(metrics["dense"][key], metrics["bm25"][key])
        assert metrics["exact+hybrid"][key] >= best_single - 1e-9, (key, metrics)
    assert metrics["hybrid"]["recall@5"] >= max(metrics["dense"]["recall@5"], metrics["bm25"]["recall@5"])
    assert metrics["exact+hybrid"]["mrr"] >= metrics["hybrid"]["mrr"]


@pytest.mark.slow
def test_eval_on_three_report_corpus_is_clean(multi_bot, items):
    """Issue 5: the eval questions run against the three-report corpus too. Wording differs per
    report, so accuracy is not gated here; every answer must still cite verbatim, and a question
    that names no other report never abstains for lack of a 0600T-only code."""
    results = evaluate.run(multi_bot, items)
    problems = []
    for r in results:
        try:
            assert_citations_resolve(multi_bot, r.answer)
        except AssertionError as exc:
            problems.append(f"{r.item.id} {r.item.question!r}: {exc}")
    assert not problems, "\n".join(problems)
    lookups = [r for r in results if r.item.kind == "code_lookup"]
    assert all(r.answer.answered for r in lookups), [r.item.id for r in lookups if not r.answer.answered]
    for r in lookups:
        assert "0600T" in {c.document for c in r.answer.citations}, r.item.id


@pytest.mark.slow
def test_held_out_multi_report_eval_meets_its_floor(multi_bot):
    """eval/questions_multi.jsonl was written against the two fixture reports (and 0600T) and is not
    tuned on: it checks that answers generalise to reports the pipeline was not developed on."""
    _assert_meets_floor(multi_bot, evaluate.FLOOR_FILE.parent / "questions_multi.jsonl", "floor_multi.json")


def _assert_meets_floor(bot, questions, floor: str, results: list | None = None) -> None:
    """Run a held-out set (or take its ``results``): at least 60 items, every citation resolves,
    accuracy at or above its floor."""
    items = evaluate.load_items(questions)
    assert len(items) >= 60
    results = results if results is not None else evaluate.run(bot, items)
    assert [r.item.id for r in results] == [i.id for i in items]
    summary = evaluate.summarize(results)
    report = evaluate.report(results, summary)
    print(report)
    for r in results:
        assert_citations_resolve(bot, r.answer)
    fails = evaluate.gate(summary, evaluate.load_floor(evaluate.FLOOR_FILE.parent / floor))
    assert fails == [], f"{questions} below its floor: " + "; ".join(fails) + "\n" + report


@pytest.fixture(scope="module")
def full_corpus_results(heldout_bot) -> Callable[[str], list[evaluate.Result]]:
    """Each question set answered once on the full corpus by the shipped selector, when first asked for:
    its floor test and the LORO gate read the same answers (all the sets take about ten minutes)."""
    answered: dict[str, list[evaluate.Result]] = {}
    sets = fitting.eval_sets()

    def results(name: str) -> list[evaluate.Result]:
        if name not in answered:
            answered[name] = evaluate.run(heldout_bot, evaluate.load_items(sets[name]))
        return answered[name]

    return results


@pytest.mark.slow
@pytest.mark.parametrize("folder", HELDOUT_DIRS, ids=lambda d: d.name)
def test_heldout_report_eval_meets_its_floor(heldout_bot, full_corpus_results, folder):
    """eval/heldout*/: more reports (0627T, 64483, 20611, 43239, …) and 70 questions on each, written without
    sight of the pipeline; run against the corpus of all of them and gated on their own floors."""
    _assert_meets_floor(heldout_bot, folder / "questions.jsonl", f"floor_{folder.name}.json",
                        full_corpus_results(folder.name))


def test_every_heldout_folder_has_a_floor():
    assert len(HELDOUT_DIRS) >= 4
    for folder in HELDOUT_DIRS:
        assert (evaluate.FLOOR_FILE.parent / f"floor_{folder.name}.json").exists(), folder.name


@functools.cache
def _corpus_text(files: tuple[Path, ...]) -> str:
    """Everything an answer from ``files`` can say, lower-cased; read once per corpus (99 reports take
    about 18 s to parse, and every heldout set runs on the same ones)."""
    # Each report read as the corpus reads it (Word, PDF and HTML too): its title, headings, prose and rows.
    docs = [parse_file(f) for f in files]
    chunks = [c for d in docs for c in d.chunks]
    # An answer also carries the official code sets' words where a row disagrees with them (warnings).
    official = [f.message for f in audit_chunks(chunks)]
    read = [d.title for d in docs] + [" ".join((*c.section, c.text)) for c in chunks]
    return "\n".join([*read, *official]).lower()


@pytest.mark.parametrize(("questions", "files"), [("questions.jsonl", (CORPUS / "0600T.txt",)),
                                                  ("questions_multi.jsonl", MULTI_FILES),
                                                  *((f"{d.name}/questions.jsonl", HELDOUT_FILES)
                                                    for d in HELDOUT_DIRS)])
def test_expected_strings_are_in_the_reports(questions, files):
    """An expectation the reports can't satisfy would make an item unpassable by quoting: every
    must string, and one of an item's must_any strings, occurs in the corpus it runs on (as ``evaluate.says``
    reads an answer), and unanswerable items expect nothing."""
    text = _corpus_text(files)
    for item in evaluate.load_items(evaluate.FLOOR_FILE.parent / questions):
        missing = [m for m in item.must if not evaluate.says(text, m)]
        assert not missing, (item.id, missing)
        # One of the alternatives is enough to pass; the others may be wordings the report doesn't use.
        assert not item.must_any or any(evaluate.says(text, m) for m in item.must_any), (item.id, item.must_any)
        if not item.answerable:
            assert not item.must and not item.must_any, item.id


@pytest.mark.slow
def test_leave_one_report_out_meets_its_floor(heldout_bot, full_corpus_results):
    """Issue 13's yardstick, on the full corpus: every question set answered by the shipped selector and
    gated on eval/floor_loro.json (the last measured). The hand-set rules fit only the router, so their
    answers here are the ones the floor tests read, under the shipped router; `assistant eval --loro` also
    refits the router without each set (on 110 sets: 71.88 % mean against 71.93 % under the shipped router,
    fitted on the 64 oldest sets). A fitted selector is refitted without each set in turn (`assistant eval
    --loro` prints both arms)."""
    if heldout_bot.settings.selector == "rules":
        shipped = [fitting.fold(name, [(r.item.kind, r.ok) for r in full_corpus_results(name)])
                   for name in fitting.eval_sets()]
    else:
        shipped = fitting.loro(fitting.collect(heldout_bot, fitting.load_sets()))
    print(fitting.loro_report(shipped, f"{heldout_bot.settings.selector}, leave-one-report-out"))
    assert {f.set for f in shipped} == set(fitting.eval_sets())
    fails = fitting.gate(shipped, fitting.load_floor())
    assert fails == [], "LORO below its floor: " + "; ".join(fails) + "\n" + fitting.loro_report(shipped)


def test_a_code_or_number_is_checked_as_itself_not_inside_a_longer_one():
    """An answer listing "0581T" does not say "58"; "Assistant surgeon" does not say modifier "AS"; a
    longer phrase may be a stem of the answer's word."""
    assert not evaluate.says("the 0581t and 59400 reports", "58")
    assert evaluate.says("a 58-year-old man", "58")
    assert not evaluate.says("assistant surgeon", "AS")
    assert evaluate.says("modifier as (pa assistant)", "AS")
    assert evaluate.says("replacement of the insert", "replac")
    assert not evaluate.says("pos 119", "11") and evaluate.says("pos 11.", "11")
