"""The limit: raw `model.encode` throughput on the chunks a build embeds, against `index.build`."""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path

from common import OUT, Plan
from stats import Table, spread, verdict


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
    # One untimed build first: a process's first build also loads the code sets it audits rows against.
    idx.build(docs[:1], [], emb, work / "warmup")
    raw, built = [], []
    raw_cpu, built_cpu = [], []
    for k in range(plan.limit_repeats):
        for which in ("raw", "build") if k % 2 == 0 else ("build", "raw"):
            start, cpu = time.perf_counter(), time.process_time()
            if which == "raw":
                model.encode(
                    texts,
                    batch_size=emb.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                raw.append(len(texts) / (time.perf_counter() - start))
                raw_cpu.append(time.process_time() - cpu)
            else:
                shutil.rmtree(work / "index", ignore_errors=True)
                idx.build(docs, issues, emb, work / "index")
                built.append(len(texts) / (time.perf_counter() - start))
                built_cpu.append(time.process_time() - cpu)
    res["limit"] = {"chunks": len(texts), "raw": raw, "build": built, "raw_cpu": raw_cpu, "build_cpu": built_cpu}
    s = (
        f"the limit: raw model.encode vs index.build ({len(texts):,} chunks of {plan.limit_reports} reports, "
        f"batch {emb.batch_size})"
    )
    # Shares per back-to-back pair, so a change in machine load between pairs cancels out; CPU time
    # (this process, all threads) is what the work costs whatever else the machine runs.
    wall = [b / r for b, r in zip(built, raw, strict=True)]
    cpu = [r / b for b, r in zip(built_cpu, raw_cpu, strict=True)]
    t.add(s, "raw model.encode chunks/s", spread(raw, "", 1))
    t.add(s, "index.build chunks/s (model loaded, no previous index)", spread(built, "", 1))
    t.add(s, "build throughput as share of raw encode, wall time per pair", spread([x * 100 for x in wall], " %", 0))
    t.add(
        s,
        "build throughput as share of raw encode, CPU time per pair",
        spread([x * 100 for x in cpu], " %", 0),
        verdict(statistics.median(cpu), 0.8, "", lower_is_better=False),
    )
