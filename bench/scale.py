"""The synthetic corpus of N reports: full build, cold and warm `ask`, incremental rebuild, the baseline."""

from __future__ import annotations

import json
import random
import shutil
import statistics
import time
from pathlib import Path

import numpy as np
import probes
import synth
from common import OUT, Plan, ask_rows, breakdown, folder_bytes, live_folder, manifest, pick, store_note, timed_asks
from stats import Table, human_bytes, latency, pct, spread, verdict


def change_report(path: Path, original: str, k: int) -> None:
    """Edit one modifier row and the first paragraph, as an author revising a report would."""
    text = original.replace(" | Use when ", f" | Use (revision {k}) when ", 1)
    text = text.replace(" with imaging guidance included.", f" with imaging guidance included (revision {k}).", 1)
    text = text.replace(" with image guidance included.", f" with image guidance included (revision {k}).", 1)
    path.write_text(text, encoding="utf-8")


def scale(plan: Plan, t: Table, res: dict):
    from baseline import Baseline, split

    from assistant import Assistant, Settings
    from assistant import index as idx
    from assistant.ingest import load_corpus
    from assistant.query import parse

    start = time.perf_counter()
    corpus = synth.generate(plan.n_reports)
    res["synth_seconds"] = time.perf_counter() - start
    index = OUT / f"scale-n{plan.n_reports}" / "index"
    s = f"scale: {plan.n_reports:,} synthetic reports"
    runs = []
    saved = index.parent / "build.json"
    reuse = plan.reuse_scale_build and saved.is_file() and (index / "CURRENT").is_file()
    if reuse:
        # Earlier measurements of this very build, kept beside it; the table says when they were taken.
        runs = json.loads(saved.read_text(encoding="utf-8"))
        s += f" (build figures reused from {runs[0]['at']})"
    for _ in range(0 if reuse else plan.scale_builds):
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
                "at": m["built_at"],
            }
        )
    if not reuse:
        saved.write_text(json.dumps(runs), encoding="utf-8")
    res["scale_build"] = runs
    n_chunks = runs[0]["n"]
    t.add(s, f"full `assistant build`, fresh process ({n_chunks:,} chunks)", spread([r["wall"] for r in runs], " s", 1))
    t.add(s, "chunks/s (n_chunks / manifest build_seconds)", spread([r["n"] / r["build_seconds"] for r in runs], "", 1))
    t.add(s, "peak RSS of the build process", spread([r["rss"] for r in runs], " MB", 0))
    if reuse:
        # The library may choose another index type than when the figures were taken: say what is live now.
        m = manifest(index)
        t.add(
            s,
            "live index now: folder on disk · index type in manifest",
            f"{human_bytes(folder_bytes(live_folder(index)))} · {m['index_type']}",
        )
    else:
        t.add(
            s,
            "index folder on disk · index type in manifest",
            f"{human_bytes(runs[0]['bytes'])} · {runs[0]['type']} · {store_note(index)}",
        )

    qs = synth.questions(corpus, plan.scale_questions)
    code_q = next(q for q, g in qs if g == "code+report")
    cold = [probes.cold_ask(corpus, index, code_q) for _ in range(max(1, plan.cold - 2))]
    t.add(
        s,
        f"cold `assistant ask` “{code_q}”",
        spread([r.seconds for r in cold], " s"),
        verdict(statistics.median([r.seconds for r in cold]), 3.0, " s"),
    )
    t.add(s, "  peak RSS (cold ask)", spread([r.rss_mb for r in cold], " MB", 0))
    res["scale_cold"] = {"seconds": [r.seconds for r in cold]}
    if plan.breakdowns:
        ph = probes.phases(corpus, index, code_q)
        res["scale_cold"]["phases"] = ph
        t.add(s, "  where the time goes (one run)", breakdown(ph))

    start = time.perf_counter()
    bot = Assistant.load(Settings(corpus_dir=corpus, index_dir=index), warm=True)
    t.add(
        s,
        "in-process Assistant.load + warm_up (parse, catalog, BM25, model)",
        f"{time.perf_counter() - start:.1f} s (n=1)",
    )
    bot.ask("warm up: modifier 22")
    groups = [g for _, g in qs]
    exact = [bool(parse(q, bot.catalog).codes) for q, _ in qs]
    timings, answers = timed_asks(
        lambda q, h: bot.ask(q), [(q, []) for q, _ in qs], plan.passes, bot.embedder.clear_queries
    )
    res["scale_ask"] = {
        "questions": qs,
        "timings": timings,
        "exact": exact,
        "answered": [a.answered for a in answers],
        "citations": [len(a.citations) for a in answers],
    }
    every = [x for p in timings for x in p]
    ask_rows(
        t,
        s + " · warm ask",
        timings,
        [("exact-code", exact), ("other", [not e for e in exact]), ("all", [True] * len(qs))],
        30,
    )
    for g in ("code", "paraphrase"):
        mask = [x == g for x in groups]
        samples, per_pass = pick(timings[1:] or timings, mask)
        cites = [len(a.citations) for a, m in zip(answers, mask, strict=True) if m]
        t.add(
            s,
            f"  of which {g}, no report named ({sum(mask)} q)",
            latency(samples, per_pass),
            f"answer cites up to {max(cites, default=0)} rows",
        )

    # Incremental rebuild: one report changed; a fresh process (what `assistant build --if-needed` pays)…
    target = sorted(corpus.glob("*.txt"))[len(list(corpus.glob("*.txt"))) // 2]
    original = target.read_text(encoding="utf-8")
    inc = []
    try:
        for k in range(plan.incremental):
            if k == plan.incremental - 1 and k > 0:
                target.write_text(original, encoding="utf-8")  # the last change restores the report
            else:
                change_report(target, original, k + 1)
            inc.append(probes.phases(corpus, index))
            if not inc[-1]["rebuilt"]:
                raise RuntimeError(f"changing {target.name} did not trigger a rebuild")
    finally:
        target.write_text(original, encoding="utf-8")
    res["incremental"] = inc
    loads = [p["Assistant.load"] for p in inc]
    t.add(
        s,
        f"incremental rebuild, 1 report changed: Assistant.load in a fresh process "
        f"(chunks embedded: {', '.join(str(p['embedded']) for p in inc)})",
        spread(loads, " s"),
        verdict(statistics.median(loads), 3.0, " s"),
    )
    t.add(s, "  of which index.build (manifest build_seconds)", spread([p["build_seconds"] for p in inc], " s"))
    t.add(
        s,
        "  where the time goes (median run)",
        breakdown(sorted(inc, key=lambda p: p["Assistant.load"])[len(inc) // 2]),
    )
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
            warm_inc.append(
                {
                    "total": time.perf_counter() - start,
                    "parse": parsed,
                    "read": loaded,
                    "build": built.manifest.build_seconds,
                    "embedded": built.manifest.embedded,
                }
            )
    finally:
        target.write_text(original, encoding="utf-8")
    res["incremental_warm_model"] = warm_inc
    t.add(
        s,
        "incremental rebuild with the model already loaded (parse + read index + index.build)",
        spread([w["total"] for w in warm_inc], " s"),
        verdict(statistics.median([w["total"] for w in warm_inc]), 3.0, " s"),
    )
    t.add(
        s,
        "  parse corpus · read index · index.build",
        " · ".join(spread([w[k] for w in warm_inc], " s") for k in ("parse", "read", "build")),
    )

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
    t.add(
        s,
        f"naive baseline: {len(pieces):,} pieces; embed rate on {len(sample)} of them",
        f"{rate:.1f} pieces/s → full build ≈ {len(pieces) / rate:.0f} s (projected)",
    )
    t.add(
        s,
        "naive baseline ask latency",
        latency(b_every, b_timings),
        f"ours/baseline p50 {pct(every, 50) / pct(b_every, 50):.2f}×",
    )
    return bot, corpus, qs
