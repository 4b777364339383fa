"""The eval runner: answer checks per kind, retrieval metrics, and the thresholds that gate CI."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .assistant import Assistant
from .models import Answer

KINDS = ("code_lookup", "paraphrase", "definition", "site_of_service", "list", "reverse", "clinical_context",
         "payer", "followup", "typo", "out_of_scope")
# The targets of the accuracy issue. ``eval/floor.json`` holds the floor CI enforces meanwhile: the
# accuracy last measured, so an answer that regresses fails the build.
THRESHOLDS = {"overall": 0.97, "code_lookup": 1.0, "out_of_scope": 0.95, "min_kind": 0.90}
FLOOR_FILE = Path(__file__).resolve().parent.parent / "eval" / "floor.json"


def load_floor(path: Path = FLOOR_FILE) -> dict[str, float]:
    return json.loads(path.read_text(encoding="utf-8"))


class EvalItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    kind: str
    question: str
    history: list[str] = Field(default_factory=list)
    answerable: bool
    must: list[str] = Field(default_factory=list)
    must_any: list[str] = Field(default_factory=list)
    must_not: list[str] = Field(default_factory=list)
    gold: list[str] = Field(default_factory=list, description="codes of the rows that answer it, if any")


class Result(BaseModel):
    item: EvalItem
    ok: bool
    reasons: list[str]
    answer: Answer


def load_items(path: Path) -> list[EvalItem]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(EvalItem.model_validate_json(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{n}: not a valid eval item: {exc}") from exc
    return items


def says(text: str, expected: str) -> bool:
    """Whether the lower-cased answer ``text`` says ``expected``. A code, a number or a short value ("AS",
    "58", "11") counts only as itself, not inside a longer one ("0581T", "Assistant", "POS 119"); a longer
    phrase may be a stem ("replac" for "replacement")."""
    want = expected.lower()
    if any(ch.isdigit() for ch in want) or len(want) <= 3:
        return re.search(rf"(?<![a-z0-9]){re.escape(want)}(?![a-z0-9])", text) is not None
    return want in text


def check(item: EvalItem, answer: Answer) -> list[str]:
    """Why an answer fails its item (empty when it passes)."""
    # What the user reads: the answer body and the code-set warning lines under it.
    text = "\n".join([answer.text, *(w.message for w in answer.warnings)]).lower()
    reasons = []
    if answer.answered != item.answerable:
        reasons.append(f"answered={answer.answered}, expected {item.answerable}")
    reasons += [f"missing {m!r}" for m in item.must if not says(text, m)]
    if item.must_any and not any(says(text, m) for m in item.must_any):
        reasons.append(f"none of {item.must_any}")
    reasons += [f"contains {m!r}" for m in item.must_not if says(text, m)]
    return reasons


def run(bot: Assistant, items: list[EvalItem], document: str | None = None) -> list[Result]:
    """Ask every item (from ``document`` only, as the app's "Answer from" choice does, when given)."""
    out = []
    for item in items:
        ans = bot.ask(item.question, history=item.history, document=document)
        reasons = check(item, ans)
        out.append(Result(item=item, ok=not reasons, reasons=reasons, answer=ans))
    return out


def summarize(results: list[Result]) -> dict:
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        by_kind[r.item.kind].append(r.ok)
    kinds = {k: {"n": len(v), "accuracy": sum(v) / len(v)} for k, v in sorted(by_kind.items())}
    overall = sum(r.ok for r in results) / max(len(results), 1)
    return {"overall": overall, "n": len(results), "kinds": kinds}


def gate(summary: dict, thresholds: dict[str, float] | None = None) -> list[str]:
    """Thresholds the eval must meet (the targets unless given); each failure is a sentence."""
    thresholds = thresholds or THRESHOLDS
    fails = []
    if summary["overall"] < thresholds["overall"]:
        fails.append(f"overall {summary['overall']:.1%} < {thresholds['overall']:.1%}")
    for kind, s in summary["kinds"].items():
        need = thresholds.get(kind, thresholds["min_kind"])
        if s["accuracy"] < need:
            fails.append(f"{kind} {s['accuracy']:.1%} < {need:.1%}")
    return fails


def report(results: list[Result], summary: dict) -> str:
    lines = [f"{'kind':<18}{'n':>5}{'accuracy':>10}"]
    for kind, s in summary["kinds"].items():
        lines.append(f"{kind:<18}{s['n']:>5}{s['accuracy']:>10.1%}")
    lines.append(f"{'overall':<18}{summary['n']:>5}{summary['overall']:>10.1%}")
    fails = [r for r in results if not r.ok]
    if fails:
        lines.append(f"\n{len(fails)} failure(s):")
        for r in fails:
            hist = f" (after {r.item.history})" if r.item.history else ""
            lines.append(f"- {r.item.id} {r.item.question!r}{hist}: {'; '.join(r.reasons)}\n    answer: "
                         + r.answer.text.replace("\n", " ")[:300])
    return "\n".join(lines)


def write_json(path: Path, results: list[Result], summary: dict) -> None:
    path.write_text(json.dumps({"summary": summary, "results": [
        {"id": r.item.id, "kind": r.item.kind, "ok": r.ok, "reasons": r.reasons,
         "answer": r.answer.model_dump(mode="json")} for r in results]}, indent=2), encoding="utf-8")


def gold_ids(bot: Assistant, item: EvalItem) -> set[str]:
    """Chunks that answer an item: the rows whose code the item requires (``gold`` or ``must``)."""
    from .ingest import code_key

    wanted = item.gold or [m for m in item.must if code_key(m) in bot.catalog.by_key]
    return {bot.index.chunks[i].id for m in wanted for i in bot.catalog.by_key.get(code_key(m), [])}


def retrieval_metrics(bot: Assistant, items: list[EvalItem]) -> dict[str, dict[str, float]]:
    """recall@1, recall@5 and MRR per retriever over the answerable items with gold rows.

    ``exact+hybrid`` is what answers use: exact code matches first, then the fused ranking.
    """
    from .query import parse

    graded = [(it, gold_ids(bot, it)) for it in items if it.answerable]
    graded = [(it, g) for it, g in graded if g]
    out: dict[str, dict[str, float]] = {}
    for mode in ("dense", "bm25", "hybrid", "exact+hybrid"):
        r1 = r5 = mrr = 0.0
        for it, gold in graded:
            q = parse(it.question, bot.catalog, it.history)
            ranked = [h.chunk.id for h in bot.retriever.search(q.retrieval_text, k=20,
                                                                mode="hybrid" if mode == "exact+hybrid" else mode)]
            if mode == "exact+hybrid":
                exact = [bot.index.chunks[i].id for c in q.codes for i in bot.catalog.by_key.get(c.key, [])]
                ranked = exact + [r for r in ranked if r not in exact]
            ranks = [n for n, cid in enumerate(ranked, 1) if cid in gold]
            r1 += bool(ranks and ranks[0] == 1)
            r5 += bool(ranks and ranks[0] <= 5)
            mrr += 1 / ranks[0] if ranks else 0.0
        n = max(len(graded), 1)
        out[mode] = {"n": len(graded), "recall@1": r1 / n, "recall@5": r5 / n, "mrr": mrr / n}
    return out


def ablation(bot: Assistant, items: list[EvalItem]) -> str:
    """The retrieval metrics table plus answer accuracy with each retriever behind the answers."""
    metrics = retrieval_metrics(bot, items)
    lines = [f"{'retriever':<14}{'n':>5}{'R@1':>8}{'R@5':>8}{'MRR':>8}{'answers':>10}"]
    saved = bot.retriever.mode
    try:
        for mode, m in metrics.items():
            bot.retriever.mode = "hybrid" if mode == "exact+hybrid" else mode  # type: ignore[assignment]
            acc = summarize(run(bot, items))["overall"] if mode != "hybrid" else None
            acc_s = f"{acc:>10.1%}" if acc is not None else f"{'(=exact+)':>10}"
            lines.append(f"{mode:<14}{m['n']:>5}{m['recall@1']:>8.3f}{m['recall@5']:>8.3f}{m['mrr']:>8.3f}{acc_s}")
    finally:
        bot.retriever.mode = saved
    lines.append("answers: eval accuracy with that retriever behind the answer logic (exact code lookup always on)")
    return "\n".join(lines)


def feedback_path() -> Path:
    """Where the chat page appends votes (``ASSISTANT_FEEDBACK`` or ``feedback/feedback.jsonl``)."""
    import os

    return Path(os.environ.get("ASSISTANT_FEEDBACK") or FLOOR_FILE.parent.parent / "feedback" / "feedback.jsonl")


def feedback_candidates(path: Path) -> tuple[list[EvalItem], list[str]]:
    """Down-voted answers as eval items to complete (``must``… are left for a person to fill in),
    plus a message per line that could not be read. Repeated questions appear once."""
    items: list[EvalItem] = []
    problems: list[str] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            vote = json.loads(line)
            if vote.get("vote") != "down":
                continue
            question, history = str(vote["question"]), [str(h) for h in vote.get("history") or []]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append(f"{path}:{n}: not a feedback record ({exc})")
            continue
        key = (question, tuple(history))
        if key in seen:
            continue
        seen.add(key)
        items.append(EvalItem(id=f"feedback-{len(items) + 1:03d}", kind="followup" if history else "triage",
                              question=question, history=history,
                              answerable=not bool(vote.get("answered", True))))
    return items, problems
