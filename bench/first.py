"""First-pass latency: every question new to the process (issue 13).

A warm pass re-asks questions whose report sentences an earlier pass already embedded; a user's
first question about a passage pays for those embeddings unless the index stores them. This section
starts a fresh process per run (``python bench/first.py probe …``) that loads the assistant, asks every
question once, then once more with the query cache emptied (the warm figure), and counts the calls
to ``Embedder.encode`` each question made (a wrapper around our own method, no model is replaced).

    .venv/bin/python bench/first.py [--runs N]      # this section alone, both corpora
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

import probes
from common import CODE_Q, OUT, ROOT, folder_bytes, live_folder, store_note
from stats import Table, human_bytes, pct, spread, verdict

REPORTS = ROOT / "tests" / "data" / "reports"
# The four-report corpus of issue 13, and the eval sets written for its reports.
FOUR = (ROOT / "corpus" / "0600T.txt", REPORTS / "0441T.txt", REPORTS / "0581T.txt",
        ROOT / "eval" / "heldout" / "reports" / "0627T.txt")
CORPORA = {
    "real corpus": ((ROOT / "corpus" / "0600T.txt",), (ROOT / "eval" / "questions.jsonl",)),
    "four reports": (FOUR, (ROOT / "eval" / "questions_multi.jsonl", ROOT / "eval" / "heldout" / "questions.jsonl")),
}


def _probe(corpus: Path, index: Path, question_files: list[Path]) -> dict:
    """In the child: load, ask every question once (first pass), then again with the query cache
    emptied (warm pass); milliseconds and model calls per question."""
    from assistant import Assistant, Settings
    from assistant.evaluate import load_items

    items = [it for f in question_files for it in load_items(f)]
    start = time.perf_counter()
    bot = Assistant.load(Settings(corpus_dir=corpus, index_dir=index), warm=True)
    load_s = time.perf_counter() - start
    emb = bot.embedder
    calls = [0]
    inner = emb.encode

    def counted(texts):
        calls[0] += 1
        return inner(texts)

    emb.encode = counted  # an instance attribute: the embedder's own methods call it
    passes: list[dict] = []
    for n in range(2):
        if n:
            # Older code kept the query cache in an lru_cache; this code keeps it in a dict.
            clear = getattr(emb, "clear_queries", None) or emb._cached.cache_clear
            clear()
        ms, cpu, n_calls, digest = [], [], [], hashlib.sha1()
        for it in items:
            before = calls[0]
            t0, c0 = time.perf_counter(), time.process_time()
            ans = bot.ask(it.question, history=it.history)
            ms.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            n_calls.append(calls[0] - before)
            digest.update(ans.text.encode() + b"\0")
        passes.append({"ms": ms, "cpu_ms": cpu, "calls": n_calls, "answers": digest.hexdigest()})
    return {"load_s": load_s, "questions": len(items), "passes": passes}


def probe(corpus: Path, index: Path, question_files: tuple[Path, ...]) -> dict:
    cmd = [sys.executable, str(Path(__file__)), "probe", "--corpus", str(corpus), "--index", str(index),
           *(str(f) for f in question_files)]
    run = probes.timed(cmd, timeout=1800)
    if run.rc != 0:
        raise RuntimeError(f"first-pass child failed (rc {run.rc}): {run.stderr[-3000:]}")
    out = json.loads(run.stdout.strip().splitlines()[-1])
    out["rss_mb"] = run.rss_mb
    return out


def _best(outs: list[dict], n: int) -> list[float]:
    """Each question's fastest time in pass ``n`` over the runs: the figure with other processes' CPU use
    filtered out."""
    return [min(o["passes"][n]["ms"][i] for o in outs) for i in range(outs[0]["questions"])]


def _summary(ms: list[float]) -> str:
    return (f"p50 {pct(ms, 50):.1f} / p95 {pct(ms, 95):.1f} / p99 {pct(ms, 99):.1f} / "
            f"max {max(ms):.1f} ms (n={len(ms)})")


def first_pass(runs: int, t: Table, res: dict) -> None:
    """Both corpora: build once, then ``runs`` fresh processes; the cold code question on four reports."""
    for name, (files, questions) in CORPORA.items():
        work = OUT / "first" / name.replace(" ", "-")
        shutil.rmtree(work, ignore_errors=True)
        corpus, index = work / "corpus", work / "index"
        corpus.mkdir(parents=True)
        for f in files:
            shutil.copy2(f, corpus / f.name)
        probes.build(corpus, index)
        outs = [probe(corpus, index, questions) for _ in range(runs)]
        first = [x for o in outs for x in o["passes"][0]["ms"]]
        warm = [x for o in outs for x in o["passes"][1]["ms"]]
        calls = [c for o in outs for c in o["passes"][0]["calls"]]
        plural = "s" * (len(files) > 1)
        s = f"first pass, {name} ({len(files)} report{plural}, {outs[0]['questions']} q, fresh process × {runs})"
        t.add(s, "first pass: each question new to the process", _summary(first),
              f"p95 {verdict(pct(first, 95), 20, ' ms')}; max {verdict(max(first), 50, ' ms')}")
        if runs > 1:
            best = _best(outs, 0)
            t.add(s, f"  best of {runs} runs per question (contention filtered)", _summary(best),
                  f"p95 {verdict(pct(best, 95), 20, ' ms')}; max {verdict(max(best), 50, ' ms')}")
        cpu = [x for o in outs for x in o["passes"][0]["cpu_ms"]]
        t.add(s, "  CPU time of the process (all its threads) per question", _summary(cpu))
        t.add(s, "warm: the same questions again, query cache emptied", _summary(warm),
              f"p50 {verdict(pct(warm, 50), 10, ' ms')}")
        if runs > 1:
            best = _best(outs, 1)
            t.add(s, f"  best of {runs} runs per question (contention filtered)", _summary(best),
                  f"p50 {verdict(pct(best, 50), 10, ' ms')}")
        t.add(s, "model calls per question, first pass (Embedder.encode)",
              f"max {max(calls)} · mean {statistics.mean(calls):.2f} · questions with >1: "
              f"{sum(c > 1 for c in calls)}", "target ≤ 1: " + ("met" if max(calls) <= 1 else "MISSED"))
        same = len({o["passes"][0]["answers"] for o in outs} | {o["passes"][1]["answers"] for o in outs}) == 1
        t.add(s, "answers identical across runs and passes", "yes" if same else "NO")
        t.add(s, "Assistant.load in the probe · peak RSS", f"{spread([o['load_s'] for o in outs], ' s')} · "
              f"{spread([o['rss_mb'] for o in outs], ' MB', 0)}")
        total = folder_bytes(live_folder(index))
        t.add(s, "index folder on disk", f"{human_bytes(total)} · {store_note(index)}")
        res[f"first_{name}"] = {"outs": outs, "bytes": total, "store": store_note(index)}
        if name == "four reports":
            cold = [probes.cold_ask(corpus, index, CODE_Q).seconds for _ in range(runs)]
            t.add(s, f"cold `assistant ask` code question: “{CODE_Q}”", spread(cold, " s"),
                  verdict(statistics.median(cold), 3, " s"))
            res["first_cold_code"] = cold


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd")
    child = sub.add_parser("probe", help="(internal) the fresh process of one run")
    child.add_argument("--corpus", type=Path, required=True)
    child.add_argument("--index", type=Path, required=True)
    child.add_argument("questions", type=Path, nargs="+")
    p.add_argument("--runs", type=int, default=3, help="fresh processes per corpus (default 3)")
    args = p.parse_args(argv)
    if args.cmd == "probe":
        print(json.dumps(_probe(args.corpus, args.index, args.questions)))
        return 0
    t, res = Table(), {}
    first_pass(args.runs, t, res)
    (OUT / "first.json").write_text(json.dumps(res, indent=1), encoding="utf-8")
    print("\n" + t.markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
