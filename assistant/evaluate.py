"""The eval runner: answer checks per kind, retrieval metrics, and the thresholds that gate CI."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .assistant import Assistant
from .models import Answer

KINDS = ("code_lookup", "paraphrase", "definition", "site_of_service", "list", "reverse", "clinical_context",
         "payer", "followup", "typo", "out_of_scope")
THRESHOLDS = {"overall": 0.97, "code_lookup": 1.0, "out_of_scope": 0.95, "min_kind": 0.90}


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


def check(item: EvalItem, answer: Answer) -> list[str]:
    """Why an answer fails its item (empty when it passes)."""
    text = answer.text.lower()
    reasons = []
    if answer.answered != item.answerable:
        reasons.append(f"answered={answer.answered}, expected {item.answerable}")
    reasons += [f"missing {m!r}" for m in item.must if m.lower() not in text]
    if item.must_any and not any(m.lower() in text for m in item.must_any):
        reasons.append(f"none of {item.must_any}")
    reasons += [f"contains {m!r}" for m in item.must_not if m.lower() in text]
    return reasons


def run(bot: Assistant, items: list[EvalItem]) -> list[Result]:
    out = []
    for item in items:
        ans = bot.ask(item.question, history=item.history)
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


def gate(summary: dict) -> list[str]:
    """Thresholds the eval must meet; each failure is a sentence."""
    fails = []
    if summary["overall"] < THRESHOLDS["overall"]:
        fails.append(f"overall {summary['overall']:.1%} < {THRESHOLDS['overall']:.0%}")
    for kind, s in summary["kinds"].items():
        need = THRESHOLDS.get(kind, THRESHOLDS["min_kind"])
        if s["accuracy"] < need:
            fails.append(f"{kind} {s['accuracy']:.1%} < {need:.0%}")
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
