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
    raw, built = [], []
    for k in range(plan.limit_repeats):
        for which in ("raw", "build") if k % 2 == 0 else ("build", "raw"):
            start = time.perf_counter()
            if which == "raw":
                model.encode(
                    texts,
                    batch_size=emb.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                raw.append(len(texts) / (time.perf_counter() - start))
            else:
                shutil.rmtree(work / "index", ignore_errors=True)
                idx.build(docs, issues, emb, work / "index")
                built.append(len(texts) / (time.perf_counter() - start))
    res["limit"] = {"chunks": len(texts), "raw": raw, "build": built}
    s = (
        f"the limit: raw model.encode vs index.build ({len(texts):,} chunks of {plan.limit_reports} reports, "
        f"batch {emb.batch_size})"
    )
    share = statistics.median(built) / statistics.median(raw)
    t.add(s, "raw model.encode chunks/s", spread(raw, "", 1))
    t.add(s, "index.build chunks/s (model loaded, no previous index)", spread(built, "", 1))
    t.add(s, "build throughput as share of raw encode", f"{share:.0%}", verdict(share, 0.8, "", lower_is_better=False))
