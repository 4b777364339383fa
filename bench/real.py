"""The real corpus: index build, cold starts (CLI and app), warm `ask` and the naive baseline."""

from __future__ import annotations

import shutil
import statistics
import sys
from pathlib import Path

import probes
from common import (
    CODE_Q,
    OUT,
    PARA_Q,
    ROOT,
    Plan,
    ask_rows,
    breakdown,
    encode_floor,
    folder_bytes,
    live_folder,
    manifest,
    store_note,
    timed_asks,
)
from stats import Table, human_bytes, latency, pct, spread, verdict


def real_corpus(plan: Plan, t: Table, res: dict) -> tuple[Path, Path]:
    work = OUT / "real"
    shutil.rmtree(work, ignore_errors=True)
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(ROOT / "corpus", corpus)
    runs = []
    for _ in range(plan.builds):
        shutil.rmtree(index, ignore_errors=True)
        run = probes.build(corpus, index)
        m = manifest(index)
        runs.append(
            {
                "wall": run.seconds,
                "rss": run.rss_mb,
                "build_seconds": m["build_seconds"],
                "n": m["n_chunks"],
                "bytes": folder_bytes(live_folder(index)),
                "type": m["index_type"],
            }
        )
    res["real_build"] = runs
    n = runs[0]["n"]
    s = "real corpus build"
    t.add(s, f"`assistant build` from scratch, fresh process ({n} chunks)", spread([r["wall"] for r in runs], " s"))
    t.add(
        s,
        "of which index.build (manifest build_seconds; includes model load)",
        spread([r["build_seconds"] for r in runs], " s"),
    )
    t.add(s, "chunks/s (n_chunks / build_seconds)", spread([r["n"] / r["build_seconds"] for r in runs], "", 1))
    t.add(s, "peak RSS of the build process", spread([r["rss"] for r in runs], " MB", 0))
    t.add(s, f"index folder on disk ({runs[0]['type']})", f"{human_bytes(runs[0]['bytes'])} · {store_note(index)}")
    return corpus, index


def cold_start(plan: Plan, corpus: Path, index: Path, t: Table, res: dict) -> None:
    s = "cold start (real corpus)"
    for label, q, limit in (("code question", CODE_Q, 3.0), ("paraphrase", PARA_Q, 8.0)):
        runs = [probes.cold_ask(corpus, index, q) for _ in range(plan.cold)]
        secs = [r.seconds for r in runs]
        res[f"cold_{label}"] = secs
        t.add(s, f"`assistant ask` {label}: “{q}”", spread(secs, " s"), verdict(statistics.median(secs), limit, " s"))
        t.add(s, f"  peak RSS ({label})", spread([r.rss_mb for r in runs], " MB", 0))
        if plan.breakdowns:
            ph = probes.phases(corpus, index, q)
            res[f"cold_phases_{label}"] = ph
            t.add(s, f"  where the time goes ({label}, one run)", breakdown(ph))
    if plan.breakdowns:
        imports = {
            m: probes.timed([sys.executable, "-c", f"import {m}"]).seconds
            for m in ("torch", "transformers", "sentence_transformers", "gradio")
        }
        res["import_seconds"] = imports
        t.add(s, "  fresh-process import time (one run each)", " · ".join(f"{m} {v:.2f}s" for m, v in imports.items()))
    app = [probes.app_start(corpus, index) for _ in range(plan.app)]
    res["app_start"] = app
    t.add(s, "`python app.py` launch → page HTTP 200", spread(app, " s"), verdict(statistics.median(app), 10, " s"))


def warm_real(plan: Plan, corpus: Path, index: Path, t: Table, res: dict):
    from baseline import Baseline

    from assistant import Assistant, Settings
    from assistant.evaluate import check, load_items
    from assistant.query import parse

    bot = Assistant.load(Settings(corpus_dir=corpus, index_dir=index), warm=True)
    bot.ask("warm up: modifier 22")
    items = load_items(ROOT / "eval" / "questions.jsonl")
    if plan.eval_stride > 1:
        items = items[:: plan.eval_stride]
    exact = [bool(parse(it.question, bot.catalog, it.history).codes) for it in items]
    qs = [(it.question, it.history) for it in items]
    timings, answers = timed_asks(lambda q, h: bot.ask(q, history=h), qs, plan.passes, bot.embedder.clear_queries)
    ours_acc = sum(not check(it, a) for it, a in zip(items, answers, strict=True)) / len(items)
    s = f"warm ask, real corpus ({len(items)} eval questions × {plan.passes} passes, query cache cleared per pass)"
    every = [x for p in timings for x in p]
    ask_rows(
        t, s, timings, [("exact-code", exact), ("other", [not e for e in exact]), ("all", [True] * len(items))], 10
    )
    floor = encode_floor(bot.embedder, [q for q, _ in qs])
    t.add(s, "query embedding alone (Embedder.encode of one question)", latency(floor))
    import torch

    # What-if: one intra-op thread for a one-question batch (no thread hand-off, no spinning on a busy core).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        floor1 = encode_floor(bot.embedder, [q for q, _ in qs])
    finally:
        torch.set_num_threads(threads)
    t.add(s, "  the same with torch.set_num_threads(1) (what-if, not what ships)", latency(floor1))
    res["warm_real"] = {
        "timings": timings,
        "exact": exact,
        "accuracy": ours_acc,
        "encode_ms": floor,
        "encode_1thread_ms": floor1,
    }

    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))]
    base = Baseline(bot.embedder, texts)
    b_timings, b_answers = timed_asks(lambda q, h: base.ask(q), qs, plan.passes, lambda: None)
    base_acc = sum(not check(it, a) for it, a in zip(items, b_answers, strict=True)) / len(items)
    b_every = [x for p in b_timings for x in p]
    res["baseline_real"] = {
        "timings": b_timings,
        "accuracy": base_acc,
        "chunks": len(base.chunks),
        "build_seconds": base.build_seconds,
    }
    s = "naive baseline, real corpus (500-char pieces, dense top-1)"
    t.add(s, f"build ({len(base.chunks)} pieces, warm model)", f"{base.build_seconds:.2f} s (n=1)")
    t.add(s, "ask latency, all questions", latency(b_every, b_timings))
    t.add(
        s,
        "eval accuracy: ours vs baseline",
        f"{ours_acc:.1%} vs {base_acc:.1%} "
        f"(ratio ours/baseline {ours_acc / base_acc if base_acc else float('inf'):.2f}×)",
    )
    t.add(
        s,
        "latency p50 ratio ours/baseline",
        f"{pct(every, 50) / pct(b_every, 50):.2f}× "
        f"({pct(every, 50):.1f} vs {pct(b_every, 50):.1f} ms); p95 {pct(every, 95) / pct(b_every, 95):.2f}×",
    )
    return bot, items
