"""Report routing: fit the router, check it leave-one-set-out, and measure the eval with routing on and off.

    .venv/bin/python bench/route.py [--fit] [--no-check] [--eval] [--sweep 0.5,0.6,0.7,0.8,0.9 [--write]]

Runs on the corpus of every report (corpus/, tests/data/reports/, eval/heldout*/reports/) copied to a
temporary folder. ``--fit`` rewrites ``assistant/data/router.json``; ``--eval`` answers every eval set
twice (routing off, then on) and lists the items whose verdict changed. ``--sweep`` answers every eval set
once per candidate confidence threshold and prints which one the answers favour, leave-one-set-out
(``routefit.choose_on_answers``); ``--write`` ships that threshold in ``router.json`` with the record of the
sweep. Run it after ``--fit``, which sets the threshold by the wrong-narrowing bound alone.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings, routefit  # noqa: E402
from assistant.evaluate import run, summarize  # noqa: E402
from assistant.route import Router  # noqa: E402

REPORTS = [ROOT / "corpus" / "0600T.txt", *sorted((ROOT / "tests" / "data" / "reports").glob("*.txt")),
           *sorted(p for d in (ROOT / "eval").glob("heldout*") for p in (d / "reports").iterdir())]


def corpus(base: Path) -> Path:
    folder = base / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    for f in REPORTS:
        shutil.copy2(f, folder / f.name)
    return folder


def _narrows(bot: Assistant, item) -> bool:
    from assistant.query import parse

    q = parse(item.question, bot.catalog, item.history)
    return not q.reports and bot.router is not None and bot.router.route(q, item.history).confident


def sweep(bot: Assistant, sets: list, thresholds: list[float], names: list[str] | None, write: bool) -> None:
    """Answer the eval sets at each threshold; print right answers per threshold and the leave-one-set-out choice."""
    base = bot.router.params
    chosen = [s for s in sets if names is None or s.name in names]
    right: dict[float, dict[str, list[bool]]] = {}
    for t in thresholds:
        bot.router.params = base.model_copy(update={"threshold": t})
        right[t] = {}
        for s in chosen:
            items = s.items if s.name != "multi" else routefit.load_items(ROOT / "eval" / "questions_multi.jsonl")
            right[t][s.name] = [r.ok for r in run(bot, items)]
        n = sum(len(v) for v in right[t].values())
        print(f"threshold {t:.3f}: {sum(sum(v) for v in right[t].values()):,} of {n:,} right; mean over sets "
              f"{np.mean([sum(v) / len(v) for v in right[t].values()]):.2%}", flush=True)
    bot.router.params = base
    choice = routefit.choose_on_answers(right, base.bound)
    params = routefit.with_threshold(base, choice)
    print(f"chosen: {params.threshold:.3f}; leave-one-set-out mean {choice.held_out_mean:.2%} over {choice.sets} sets")
    if write:
        routefit.save_params(params)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fit", action="store_true", help="rewrite assistant/data/router.json")
    ap.add_argument("--eval", action="store_true", help="eval sets with routing off and on")
    ap.add_argument("--cached", action="store_true", help="reuse the features of the last run")
    ap.add_argument("--no-check", action="store_true",
                    help="skip the leave-one-set-out check (it fits the router once per pair of sets: an hour "
                         "at 60 sets); the fit's own out-of-fold threshold and Brier score are still computed")
    ap.add_argument("--sweep", help="comma-separated confidence thresholds to answer the eval sets at")
    ap.add_argument("--sets", help="comma-separated eval sets for --sweep (default: all)")
    ap.add_argument("--write", action="store_true", help="with --sweep, ship the chosen threshold")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "route-bench")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    settings = Settings(corpus_dir=corpus(args.work), index_dir=args.work / "index", route=not args.fit)
    bot = Assistant.load(settings)
    router = bot.router or Router(bot.catalog, bot.index, bot.retriever)
    router.warm_up()
    sets = routefit.question_sets(router, ROOT)
    cache = args.work / "features.json"
    if args.cached and cache.exists():
        for s, saved in zip(sets, json.loads(cache.read_text()), strict=True):
            s.x, s.named, s.acts = [np.array(x) for x in saved["x"]], [set(n) for n in saved["named"]], saved["acts"]
    else:
        routefit.featurize(router, sets)
        (args.work / "sets.json").write_text(json.dumps([{"items": [i.model_dump() for i in s.items], "gold": s.gold}
                                                         for s in sets]))
        cache.write_text(json.dumps([{"x": [x.tolist() for x in s.x], "named": [sorted(n) for n in s.named],
                                      "acts": s.acts} for s in sets]))
    print(f"{len(router.reports)} reports; sets: " + ", ".join(f"{s.name} {len(s.items)}" for s in sets))
    if not args.no_check:
        print(routefit.loro(router, sets))
    if args.fit:
        params = routefit.fit(router, sets)
        print(f"fitted: threshold {params.threshold:.3f}, out-of-fold Brier {params.brier:.4f}")
        for b in params.reliability:
            print(f"  p {b.low:.1f}-{b.high:.1f}: n {b.n:>6}  predicted {b.predicted:.3f}  observed {b.observed:.3f}")
        for name, c in zip(params.features, params.coef, strict=True):
            print(f"  {name:<16}{c:>8.3f}")
    if args.sweep and bot.router is not None:
        sweep(bot, sets, [float(t) for t in args.sweep.split(",")], args.sets.split(",") if args.sets else None,
              args.write)
    if args.eval and bot.router is not None:
        changed = []
        print(f"{'set':<14}{'n':>5}{'off':>8}{'on':>8}")
        for s in sets:
            items = s.items if s.name != "multi" else routefit.load_items(ROOT / "eval" / "questions_multi.jsonl")
            # Routing changes only the questions it narrows (naming no report, routed confidently): the
            # rest are answered the same either way, so only those are asked twice.
            bot.settings = bot.settings.model_copy(update={"route": False})
            res = {False: run(bot, items)}
            routed = [i for i, it in enumerate(items) if _narrows(bot, it)]
            bot.settings = bot.settings.model_copy(update={"route": True})
            res[True] = list(res[False])
            for i, r in zip(routed, run(bot, [items[i] for i in routed]), strict=True):
                res[True][i] = r
            off, on = summarize(res[False])["overall"], summarize(res[True])["overall"]
            print(f"{s.name:<14}{len(items):>5}{off:>8.1%}{on:>8.1%}  (routed {len(routed)})", flush=True)
            changed += [(s.name, a, b) for a, b in zip(res[False], res[True], strict=True) if a.ok != b.ok]
        for name, a, b in changed:
            verdict = "FIXED" if b.ok else "BROKEN"
            print(f"- {verdict} {name} {a.item.id} {a.item.question!r}: {'; '.join(b.reasons or a.reasons)}\n"
                  f"    on: {b.answer.text[:200]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
