"""Each blind set answered over its own report beside the shipped one (0600T): accuracy in a small corpus;
or (``--chosen``) on the full corpus with its report chosen, beside the same questions left to the router.

    .venv/bin/python bench/own.py [SET ...]
    .venv/bin/python bench/own.py --chosen [SET ...]

The eval's yardstick (`assistant eval --loro`) answers every set among all the reports at once, where a
question naming no report ("how old was the pt in the example") is ambiguous. A user who adds one report
to the shipped corpus asks about it among two: the default prints each held-out set's accuracy there,
pooled and per kind. A trainer or biller working through one report can choose it ("Answer from" in the
app, ``--document`` in the CLI): ``--chosen`` prints each set's accuracy then, beside the router's, so the
gap is what routing costs (the corpus is that of `assistant eval --loro`, built once in ``--work``).
Nothing is fitted here; the router and selector are the shipped ones (fitted on every set, this one
included, so routing is slightly favoured). Small-corpus indexes are built in a temporary folder per set.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.evaluate import run  # noqa: E402
from assistant.fitting import eval_sets, full_corpus, load_sets  # noqa: E402
from assistant.ingest import SUFFIXES  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("sets", nargs="*", help="held-out sets to answer (all when none)")
    ap.add_argument("--chosen", action="store_true", help="the full corpus, each set with its report chosen")
    ap.add_argument("--work", type=Path, help="where corpora and indexes go (default: a temporary folder; "
                    "with --chosen, the eval's artifacts/eval-corpus)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("assistant").setLevel(logging.ERROR)  # each set builds its index: not news
    paths = eval_sets()
    sets = {n: items for n, items in load_sets(args.sets or None).items() if n.startswith("heldout")}
    reports = {n: next(f for f in sorted((paths[n].parent / "reports").iterdir()) if f.suffix.lower() in SUFFIXES)
               for n in sets}
    if args.chosen:
        return chosen(sets, reports, args.work or ROOT / "artifacts" / "eval-corpus")
    work = args.work or Path(tempfile.gettempdir()) / "own-bench"
    kinds: dict[str, list[bool]] = defaultdict(list)
    total: list[bool] = []
    print(f"{'set':<12}{'report':<12}{'n':>5}{'accuracy':>10}")
    for name, items in sets.items():
        report = reports[name]
        corpus = work / name / "corpus"
        shutil.rmtree(corpus, ignore_errors=True)
        corpus.mkdir(parents=True)
        for f in (ROOT / "corpus" / "0600T.txt", report):
            shutil.copy2(f, corpus / f.name)
        bot = Assistant.load(Settings(corpus_dir=corpus, index_dir=work / name / "index"))
        results = run(bot, items)
        for r in results:
            kinds[r.item.kind].append(r.ok)
        total += [r.ok for r in results]
        print(f"{name:<12}{report.stem:<12}{len(results):>5}{sum(r.ok for r in results) / len(results):>10.1%}",
              flush=True)
    if total:
        print(f"{'pooled':<24}{len(total):>5}{sum(total) / len(total):>10.1%}")
        for kind, oks in sorted(kinds.items()):
            print(f"  {kind:<22}{len(oks):>5}{sum(oks) / len(oks):>10.1%}")
    return 0


def chosen(sets: dict[str, list], reports: dict[str, Path], work: Path) -> int:
    """Each set on the full corpus twice: with its report chosen, and left to the router."""
    bot = full_corpus(work)
    kinds: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    means: list[tuple[float, float]] = []
    print(f"{'set':<12}{'report':<10}{'n':>5}{'chosen':>9}{'routed':>9}")
    for name, items in sets.items():
        picked, routed = run(bot, items, document=reports[name].stem), run(bot, items)
        for c, r in zip(picked, routed, strict=True):
            kinds[c.item.kind].append((c.ok, r.ok))
        means.append((sum(c.ok for c in picked) / len(items), sum(r.ok for r in routed) / len(items)))
        print(f"{name:<12}{reports[name].stem:<10}{len(items):>5}{means[-1][0]:>9.1%}{means[-1][1]:>9.1%}", flush=True)
    if means:
        print(f"{'mean':<22}{sum(len(v) for v in sets.values()):>5}{sum(m[0] for m in means) / len(means):>9.1%}"
              f"{sum(m[1] for m in means) / len(means):>9.1%}")
        print(f"{'worst':<27}{min(m[0] for m in means):>9.1%}{min(m[1] for m in means):>9.1%}")
        for kind, oks in sorted(kinds.items()):
            print(f"  {kind:<20}{len(oks):>5}{sum(c for c, _ in oks) / len(oks):>9.1%}"
                  f"{sum(r for _, r in oks) / len(oks):>9.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
