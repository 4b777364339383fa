"""The benchmark of issue 6: one command, one table of medians and spreads.

    .venv/bin/python bench/run.py [--quick] [--scale N] [--big]

Sections: cold start (CLI and app), warm ``ask`` on the real corpus against a naive baseline,
index build on the real corpus, a synthetic corpus of N reports (build, incremental rebuild, ask),
exact versus HNSW search at several sizes, and raw ``model.encode`` throughput as the build's limit.
Everything is written under ``bench/out/`` (git-ignored); the table also goes to
``bench/out/results.md`` and every raw figure to ``bench/out/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

import probes
import synth
from stats import Table, human_bytes, latency, pct, spread, verdict

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CODE_Q = "when do I use modifier 53?"
PARA_Q = "the procedure got cut short partway, what modifier"


@dataclass
class Plan:
    n_reports: int
    cold: int = 5
    app: int = 3
    builds: int = 3
    passes: int = 3
    scale_builds: int = 1
    incremental: int = 3
    ann_sizes: tuple[int, ...] = (5_000, 20_000, 40_000)
    ann_repeats: int = 3
    limit_reports: int = 25
    limit_repeats: int = 3
    baseline_sample: int = 512

    @classmethod
    def make(cls, quick: bool, scale: int | None, big: bool) -> Plan:
        n = scale or (10_000 if big else 100 if quick else 1_000)
        if quick:
            return cls(n, cold=2, app=1, builds=1, passes=1, incremental=1, ann_sizes=(1_000, 2_000, 4_000),
                       ann_repeats=1, limit_reports=5, limit_repeats=1, baseline_sample=128)
        sizes = (5_000, 20_000, 40_000, 100_000) if n > 2_000 else (5_000, 20_000, 40_000)
        return cls(n, ann_sizes=sizes)


def live_folder(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text(encoding="utf-8").strip()


def manifest(index_dir: Path) -> dict:
    return json.loads((live_folder(index_dir) / "manifest.json").read_text(encoding="utf-8"))


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def breakdown(phases: dict) -> str:
    keys = [k for k, v in phases.items() if isinstance(v, float) and k not in ("build_seconds", "process seconds",
                                                                                 "peak RSS MB")]
    return " · ".join(f"{k.strip()} {phases[k]:.2f}s" for k in keys if phases[k] >= 0.005)


def timed_asks(ask, questions: list[tuple[str, list[str]]], passes: int, clear) -> tuple[list[list[float]], list]:
    """Milliseconds per question, per pass; the query-embedding cache is cleared before each pass so
    every pass measures questions the process has not seen. Returns (per-pass timings, first-pass answers)."""
    timings, answers = [], []
    for n in range(passes):
        clear()
        this = []
        for question, history in questions:
            start = time.perf_counter()
            ans = ask(question, history)
            this.append((time.perf_counter() - start) * 1000)
            if n == 0:
                answers.append(ans)
        timings.append(this)
    return timings, answers


def pick(timings: list[list[float]], mask: list[bool]) -> tuple[list[float], list[list[float]]]:
    per_pass = [[t for t, m in zip(p, mask, strict=True) if m] for p in timings]
    return [t for p in per_pass for t in p], per_pass


def p99_verdict(samples: list[float]) -> str:
    if not samples:
        return ""
    p50, p99 = pct(samples, 50), pct(samples, 99)
    return f"p99 ≤ 3×p50: {'met' if p99 <= 3 * p50 else 'MISSED'} ({p99 / p50:.1f}×)"


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
        runs.append({"wall": run.seconds, "rss": run.rss_mb, "build_seconds": m["build_seconds"],
                     "n": m["n_chunks"], "bytes": folder_bytes(live_folder(index)), "type": m["index_type"]})
    res["real_build"] = runs
    n = runs[0]["n"]
    s = "real corpus build"
    t.add(s, f"`assistant build` from scratch, fresh process ({n} chunks)", spread([r["wall"] for r in runs], " s"))
    t.add(s, "of which index.build (manifest build_seconds; includes model load)",
          spread([r["build_seconds"] for r in runs], " s"))
    t.add(s, "chunks/s (n_chunks / build_seconds)", spread([r["n"] / r["build_seconds"] for r in runs], "", 1))
    t.add(s, "peak RSS of the build process", spread([r["rss"] for r in runs], " MB", 0))
    t.add(s, f"index folder on disk ({runs[0]['type']})", human_bytes(runs[0]["bytes"]))
    return corpus, index


def cold_start(plan: Plan, corpus: Path, index: Path, t: Table, res: dict) -> None:
    s = "cold start (real corpus)"
    for label, q, limit in (("code question", CODE_Q, 3.0), ("paraphrase", PARA_Q, 8.0)):
        runs = [probes.cold_ask(corpus, index, q) for _ in range(plan.cold)]
        secs = [r.seconds for r in runs]
        res[f"cold_{label}"] = secs
        t.add(s, f"`assistant ask` {label}: “{q}”", spread(secs, " s"), verdict(statistics.median(secs), limit, " s"))
        t.add(s, f"  peak RSS ({label})", spread([r.rss_mb for r in runs], " MB", 0))
        ph = probes.phases(corpus, index, q)
        res[f"cold_phases_{label}"] = ph
        t.add(s, f"  where the time goes ({label}, one run)", breakdown(ph))
    app = [probes.app_start(corpus, index) for _ in range(plan.app)]
    res["app_start"] = app
    t.add(s, "`python app.py` launch → page HTTP 200", spread(app, " s"), verdict(statistics.median(app), 10, " s"))


def warm_real(plan: Plan, corpus: Path, index: Path, t: Table, res: dict):
    from assistant import Assistant, Settings
    from assistant.evaluate import check, load_items
    from assistant.query import parse

    from baseline import Baseline

    bot = Assistant.load(Settings(corpus_dir=corpus, index_dir=index), warm=True)
    bot.ask("warm up: modifier 22")
    items = load_items(ROOT / "eval" / "questions.jsonl")
    exact = [bool(parse(it.question, bot.catalog, it.history).codes) for it in items]
    qs = [(it.question, it.history) for it in items]
    timings, answers = timed_asks(lambda q, h: bot.ask(q, history=h), qs, plan.passes,
                                  bot.embedder._cached.cache_clear)
    ours_acc = sum(not check(it, a) for it, a in zip(items, answers, strict=True)) / len(items)
    s = f"warm ask, real corpus ({len(items)} eval questions × {plan.passes} passes)"
    every = [x for p in timings for x in p]
    for label, mask in (("exact-code", exact), ("other", [not e for e in exact]), ("all", [True] * len(items))):
        samples, per_pass = pick(timings, mask)
        p50 = pct(samples, 50)
        t.add(s, f"{label} ({sum(mask)} questions)", latency(samples, per_pass),
              f"p50 {verdict(p50, 10, ' ms')}; {p99_verdict(samples)}")
    res["warm_real"] = {"timings": timings, "exact": exact, "accuracy": ours_acc}

    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))]
    base = Baseline(bot.embedder, texts)
    b_timings, b_answers = timed_asks(lambda q, h: base.ask(q), qs, plan.passes, lambda: None)
    base_acc = sum(not check(it, a) for it, a in zip(items, b_answers, strict=True)) / len(items)
    b_every = [x for p in b_timings for x in p]
    res["baseline_real"] = {"timings": b_timings, "accuracy": base_acc, "chunks": len(base.chunks),
                            "build_seconds": base.build_seconds}
    s = "naive baseline, real corpus (500-char pieces, dense top-1)"
    t.add(s, f"build ({len(base.chunks)} pieces, warm model)", f"{base.build_seconds:.2f} s (n=1)")
    t.add(s, "ask latency, all questions", latency(b_every, b_timings))
    t.add(s, "eval accuracy: ours vs baseline", f"{ours_acc:.1%} vs {base_acc:.1%} "
          f"(ratio ours/baseline {ours_acc / base_acc if base_acc else float('inf'):.2f}×)")
    t.add(s, "latency p50 ratio ours/baseline", f"{pct(every, 50) / pct(b_every, 50):.2f}× "
          f"({pct(every, 50):.1f} vs {pct(b_every, 50):.1f} ms); p95 {pct(every, 95) / pct(b_every, 95):.2f}×")
    return bot, items


def change_report(path: Path, original: str, k: int) -> None:
    """Edit one modifier row and the first paragraph, as an author revising a report would."""
    text = original.replace(" | Use when ", f" | Use (revision {k}) when ", 1)
    text = text.replace(" with imaging guidance included.", f" with imaging guidance included (revision {k}).", 1)
    text = text.replace(" with image guidance included.", f" with image guidance included (revision {k}).", 1)
    path.write_text(text, encoding="utf-8")


def scale(plan: Plan, t: Table, res: dict):
    from assistant import Assistant, Settings
    from assistant import index as idx
    from assistant.ingest import load_corpus
    from assistant.query import parse

    from baseline import Baseline, split

    start = time.perf_counter()
    corpus = synth.generate(plan.n_reports)
    res["synth_seconds"] = time.perf_counter() - start
    index = OUT / f"scale-n{plan.n_reports}" / "index"
    s = f"scale: {plan.n_reports:,} synthetic reports"
    runs = []
    for _ in range(plan.scale_builds):
        shutil.rmtree(index, ignore_errors=True)
        run = probes.build(corpus, index)
        m = manifest(index)
        runs.append({"wall": run.seconds, "rss": run.rss_mb, "build_seconds": m["build_seconds"],
                     "n": m["n_chunks"], "bytes": folder_bytes(live_folder(index)), "type": m["index_type"]})
    res["scale_build"] = runs
    n_chunks = runs[0]["n"]
    t.add(s, f"full `assistant build`, fresh process ({n_chunks:,} chunks)", spread([r["wall"] for r in runs], " s", 1))
    t.add(s, "chunks/s (n_chunks / manifest build_seconds)", spread([r["n"] / r["build_seconds"] for r in runs], "", 1))
    t.add(s, "peak RSS of the build process", spread([r["rss"] for r in runs], " MB", 0))
    t.add(s, "index folder on disk · index type in manifest", f"{human_bytes(runs[0]['bytes'])} · {runs[0]['type']}")

    qs = synth.questions(corpus, 60)
    code_q = next(q for q, g in qs if g == "code+report")
    cold = [probes.cold_ask(corpus, index, code_q) for _ in range(max(1, plan.cold - 2))]
    t.add(s, f"cold `assistant ask` “{code_q}”", spread([r.seconds for r in cold], " s"),
          verdict(statistics.median([r.seconds for r in cold]), 3.0, " s"))
    t.add(s, "  peak RSS (cold ask)", spread([r.rss_mb for r in cold], " MB", 0))
    ph = probes.phases(corpus, index, code_q)
    res["scale_cold"] = {"seconds": [r.seconds for r in cold], "phases": ph}
    t.add(s, "  where the time goes (one run)", breakdown(ph))

    start = time.perf_counter()
    bot = Assistant.load(Settings(corpus_dir=corpus, index_dir=index), warm=True)
    t.add(s, "in-process Assistant.load + warm_up (parse, catalog, BM25, model)",
          f"{time.perf_counter() - start:.1f} s (n=1)")
    bot.ask("warm up: modifier 22")
    groups = [g for _, g in qs]
    exact = [bool(parse(q, bot.catalog).codes) for q, _ in qs]
    timings, answers = timed_asks(lambda q, h: bot.ask(q), [(q, []) for q, _ in qs], plan.passes,
                                  bot.embedder._cached.cache_clear)
    res["scale_ask"] = {"questions": qs, "timings": timings, "exact": exact,
                        "answered": [a.answered for a in answers], "citations": [len(a.citations) for a in answers]}
    every = [x for p in timings for x in p]
    for label, mask in (("exact-code", exact), ("other", [not e for e in exact]), ("all", [True] * len(qs))):
        samples, per_pass = pick(timings, mask)
        t.add(s, f"warm ask {label} ({sum(mask)} q × {plan.passes})", latency(samples, per_pass),
              f"p50 {verdict(pct(samples, 50), 30, ' ms')}; {p99_verdict(samples)}")
    for g in ("code", "paraphrase"):
        mask = [x == g for x in groups]
        samples, per_pass = pick(timings, mask)
        cites = [len(a.citations) for a, m in zip(answers, mask, strict=True) if m]
        t.add(s, f"  of which {g} without a report code ({sum(mask)} q)", latency(samples, per_pass),
              f"answer cites up to {max(cites, default=0)} rows")

    # Incremental rebuild: one report changed; a fresh process (what `assistant build --if-needed` pays)…
    target = sorted(corpus.glob("*.txt"))[len(list(corpus.glob("*.txt"))) // 2]
    original = target.read_text(encoding="utf-8")
    inc = []
    try:
        for k in range(plan.incremental):
            if k == plan.incremental - 1:
                target.write_text(original, encoding="utf-8")  # the last change restores the report
            else:
                change_report(target, original, k + 1)
            inc.append(probes.phases(corpus, index))
    finally:
        target.write_text(original, encoding="utf-8")
    res["incremental"] = inc
    loads = [p["Assistant.load"] for p in inc]
    t.add(s, f"incremental rebuild, 1 report changed: Assistant.load in a fresh process "
          f"(embedded {', '.join(str(p['embedded']) for p in inc)})", spread(loads, " s"),
          verdict(statistics.median(loads), 3.0, " s"))
    t.add(s, "  of which index.build (manifest build_seconds)", spread([p["build_seconds"] for p in inc], " s"))
    t.add(s, "  where the time goes (median run)", breakdown(sorted(inc, key=lambda p: p["Assistant.load"])[len(inc) // 2]))
    # …and in a process whose model is already loaded (the floor of the current design).
    warm_inc = []
    try:
        for k in (1, 0):
            if k:
                change_report(target, original, 99)
            else:
                target.write_text(original, encoding="utf-8")
            start = time.perf_counter()
            docs, issues = load_corpus(corpus)
            parsed = time.perf_counter() - start
            previous = idx.load(index)
            loaded = time.perf_counter() - start - parsed
            built = idx.build(docs, issues, bot.embedder, index, previous=previous)
            warm_inc.append({"total": time.perf_counter() - start, "parse": parsed, "read": loaded,
                             "build": built.manifest.build_seconds, "embedded": built.manifest.embedded})
    finally:
        target.write_text(original, encoding="utf-8")
    res["incremental_warm_model"] = warm_inc
    t.add(s, "incremental rebuild with the model already loaded (parse + read index + index.build)",
          spread([w["total"] for w in warm_inc], " s"), verdict(statistics.median([w["total"] for w in warm_inc]), 3.0, " s"))
    t.add(s, "  parse corpus · read index · index.build", " · ".join(
        spread([w[k] for w in warm_inc], " s") for k in ("parse", "read", "build")))

    # The baseline at this size: pieces of the raw text; its build rate is measured on a sample and
    # its flat search runs over as many vectors as it would hold (flat search cost does not depend on them).
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))]
    pieces = [x for text in texts for x in split(text)]
    sample = random.Random(3).sample(pieces, min(plan.baseline_sample, len(pieces)))
    start = time.perf_counter()
    vecs = bot.embedder.encode(sample)
    rate = len(sample) / (time.perf_counter() - start)
    tiled = np.ascontiguousarray(np.resize(vecs, (len(pieces), vecs.shape[1])))
    base = Baseline(bot.embedder, texts, vectors=tiled)
    b_timings, _ = timed_asks(lambda q, h: base.ask(q), [(q, []) for q, _ in qs], plan.passes, lambda: None)
    b_every = [x for p in b_timings for x in p]
    res["baseline_scale"] = {"pieces": len(pieces), "rate": rate, "timings": b_timings}
    t.add(s, f"naive baseline: {len(pieces):,} pieces; embed rate on {len(sample)} of them",
          f"{rate:.1f} pieces/s → full build ≈ {len(pieces) / rate:.0f} s (projected)")
    t.add(s, "naive baseline ask latency", latency(b_every, b_timings),
          f"ours/baseline p50 {pct(every, 50) / pct(b_every, 50):.2f}×")
    return bot, corpus, qs


def approximate(plan: Plan, bot, eval_items, qs, t: Table, res: dict) -> None:
    import ann
    from assistant import index as idx

    vectors = bot.index.vectors
    rng = random.Random(5)
    questions = [it.question for it in rng.sample(eval_items, min(100, len(eval_items)))]
    q_vecs = bot.embedder.encode(questions)
    c_vecs = vectors[rng.sample(range(len(vectors)), min(200 - len(questions), len(vectors)))]
    queries = np.vstack([q_vecs, c_vecs])
    sizes = sorted({min(n, len(vectors)) for n in plan.ann_sizes} | {len(vectors)})
    rows = ann.measure(vectors, queries, sizes, plan.ann_repeats)
    res["ann"] = rows
    s = f"flat vs HNSW ({len(queries)} queries: {len(questions)} eval questions + {len(c_vecs)} chunks)"
    for r in rows:
        t.add(s, f"{r['n']:,} vectors: recall@10 of HNSW vs exact (mean · worst query)",
              f"{r['recall']:.4f} · {r['recall_min']:.1f}", verdict(r["recall"], 0.98, "", lower_is_better=False))
        t.add(s, f"{r['n']:,} vectors: build flat · HNSW", f"{spread(r['build_flat'], ' s', 3)} · "
              f"{spread(r['build_hnsw'], ' s', 1)}")
        t.add(s, f"{r['n']:,} vectors: 1-query search p50/p95 flat · HNSW · numpy matmul",
              f"{pct(r['flat_ms'], 50):.2f}/{pct(r['flat_ms'], 95):.2f} · {pct(r['hnsw_ms'], 50):.2f}/"
              f"{pct(r['hnsw_ms'], 95):.2f} · {pct(r['numpy_ms'], 50):.2f}/{pct(r['numpy_ms'], 95):.2f} ms")
    t.add(s, "threshold in use (index.HNSW_THRESHOLD)", f"{idx.HNSW_THRESHOLD:,} chunks")


def limit(plan: Plan, bot, corpus: Path, t: Table, res: dict) -> None:
    from assistant import index as idx
    from assistant.embed import embed_text
    from assistant.ingest import load_corpus

    work = OUT / "limit"
    shutil.rmtree(work, ignore_errors=True)
    (work / "corpus").mkdir(parents=True)
    for p in sorted(corpus.glob("*.txt"))[: plan.limit_reports]:
        shutil.copy(p, work / "corpus" / p.name)
    docs, issues = load_corpus(work / "corpus")
    texts = [embed_text(c) for d in docs for c in d.chunks]
    model, emb = bot.embedder._model, bot.embedder
    raw, built = [], []
    for k in range(plan.limit_repeats):
        for which in (("raw", "build") if k % 2 == 0 else ("build", "raw")):
            start = time.perf_counter()
            if which == "raw":
                model.encode(texts, batch_size=emb.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                             show_progress_bar=False)
                raw.append(len(texts) / (time.perf_counter() - start))
            else:
                shutil.rmtree(work / "index", ignore_errors=True)
                idx.build(docs, issues, emb, work / "index")
                built.append(len(texts) / (time.perf_counter() - start))
    res["limit"] = {"chunks": len(texts), "raw": raw, "build": built}
    s = f"the limit: raw model.encode vs index.build ({len(texts):,} chunks of {plan.limit_reports} reports, batch {emb.batch_size})"
    share = statistics.median(built) / statistics.median(raw)
    t.add(s, "raw model.encode chunks/s", spread(raw, "", 1))
    t.add(s, "index.build chunks/s (model loaded, no previous index)", spread(built, "", 1))
    t.add(s, "build throughput as share of raw encode", f"{share:.0%}", verdict(share, 0.8, "", lower_is_better=False))
    scale_runs = res.get("scale_build", [])
    if scale_runs:
        r = scale_runs[0]
        t.add(s, f"scale build ({r['n']:,} chunks, fresh process) as share of raw",
              f"{r['n'] / r['build_seconds'] / statistics.median(raw):.0%} (its build_seconds includes model load)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Benchmark the assistant (issue 6).")
    p.add_argument("--quick", action="store_true", help="smoke run: fewer repeats, 100 reports (< 2 min)")
    p.add_argument("--scale", type=int, help="synthetic reports for the scale section (default 1,000)")
    p.add_argument("--big", action="store_true", help="scale section with 10,000 reports (slow)")
    args = p.parse_args(argv)
    plan = Plan.make(args.quick, args.scale, args.big)
    OUT.mkdir(parents=True, exist_ok=True)
    import torch

    started = time.perf_counter()
    res: dict = {"plan": plan.__dict__, "started": datetime.now(UTC).isoformat(timespec="seconds"),
                 "load_before": os.getloadavg(), "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                 "python": platform.python_version()}
    print(f"bench: {plan.n_reports:,} synthetic reports, {'quick' if args.quick else 'full'} run; "
          f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, load {os.getloadavg()[0]:.2f}", flush=True)
    t = Table()
    corpus, index = real_corpus(plan, t, res)
    cold_start(plan, corpus, index, t, res)
    _, items = warm_real(plan, corpus, index, t, res)
    bot, scorpus, qs = scale(plan, t, res)
    approximate(plan, bot, items, qs, t, res)
    limit(plan, bot, scorpus, t, res)
    res["load_after"] = os.getloadavg()
    res["seconds"] = time.perf_counter() - started
    header = (f"`{' '.join(['.venv/bin/python', 'bench/run.py', *sys.argv[1:]])}` · {res['started']} · "
              f"{res['cpus']} CPUs, torch threads {res['torch_threads']} · load average {res['load_before'][0]:.2f} "
              f"before, {res['load_after'][0]:.2f} after · {res['seconds'] / 60:.1f} min")
    table = f"{header}\n\n{t.markdown()}\n"
    (OUT / "results.md").write_text(table, encoding="utf-8")
    (OUT / "results.json").write_text(json.dumps(res, indent=1, default=str), encoding="utf-8")
    print("\n" + table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
